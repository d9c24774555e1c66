"""The ``Loss`` base class, ``LossFunctionWrapper`` and Keras's reduction of per-sample values
(weights, masks, "sum_over_batch_size"), plus the input conversions the loss functions share."""

from __future__ import annotations

import re

from ... import backend as B
from ...tensor import Tensor
from .. import ops
from ..layers.layer import get_mask

EPSILON = 1e-7  # keras.backend.epsilon()
_INT64 = B.as_dtype("int64")


def to_snake_case(name: str) -> str:
    """Keras's default object names: ``"KLDivergence"`` -> ``"kl_divergence"``."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


# -- inputs -------------------------------------------------------------------------------------


def _pred(y_pred, dtype=None) -> Tensor:
    """``y_pred`` as a floating tensor (kept as it is when it already is one)."""
    t = ops.convert_to_tensor(y_pred, dtype)
    return t if t.is_floating_point() else t.to(B.get_default_dtype())


def _true(y_true, like: Tensor) -> Tensor:
    """``y_true`` as a tensor of ``like``'s dtype on ``like``'s device."""
    t = ops.convert_to_tensor(y_true)
    if t.device != like.device:
        t = t.to(like.device)
    return t if t.dtype is like.dtype else t.to(like.dtype)


def squeeze_or_expand_to_same_rank(x1, x2, expand_rank_1: bool = True):
    """Make ranks equal when they differ by one and the longer shape ends in 1 (as Keras)."""
    r1, r2 = len(x1.shape), len(x2.shape)
    if r1 == r2 + 1 and x1.shape[-1] == 1:
        if r2 == 1 and expand_rank_1:
            x2 = x2.unsqueeze(-1) if isinstance(x2, Tensor) else x2[..., None]
        else:
            x1 = x1.squeeze(-1) if isinstance(x1, Tensor) else x1[..., 0]
    elif r2 == r1 + 1 and x2.shape[-1] == 1:
        if r1 == 1 and expand_rank_1:
            x1 = x1.unsqueeze(-1) if isinstance(x1, Tensor) else x1[..., None]
        else:
            x2 = x2.squeeze(-1) if isinstance(x2, Tensor) else x2[..., 0]
    return x1, x2


def _check_same_shape(fn: str, y_true: Tensor, y_pred: Tensor) -> None:
    if tuple(y_true.shape) != tuple(y_pred.shape):
        raise ValueError(
            f"{fn}: y_true and y_pred must have the same shape, got y_true.shape="
            f"{tuple(y_true.shape)} and y_pred.shape={tuple(y_pred.shape)}. For integer class "
            "labels use sparse_categorical_crossentropy; for one output unit keep y_true as "
            "(batch, 1)."
        )


# -- reduction ----------------------------------------------------------------------------------

_REDUCTIONS = ("sum_over_batch_size", "sum", None, "none", "mean", "mean_with_sample_weight")


def standardize_reduction(reduction):
    """Check ``reduction`` against Keras's allowed values and return it."""
    if reduction not in _REDUCTIONS:
        raise ValueError(f"Invalid value for argument `reduction`. Expected one of "
                         f"{set(_REDUCTIONS)}. Received: reduction={reduction}")
    return reduction


def _as_weights(sample_weight, values: Tensor) -> Tensor:
    w = ops.convert_to_tensor(sample_weight)
    if w.device != values.device:
        w = w.to(values.device)
    return w if w.dtype is values.dtype else w.to(values.dtype)


def _align_weights(values: Tensor, weights: Tensor):
    values, weights = squeeze_or_expand_to_same_rank(values, weights)
    # per-sample weights for per-position values, e.g. (batch,) weights for (batch, time)
    # sequence losses: broadcast over the trailing axes
    while weights.ndim < values.ndim and weights.ndim > 0 and \
            weights.shape[0] == values.shape[0]:
        weights = weights.unsqueeze(-1)
    return values, weights


def reduce_values(values: Tensor, sample_weight=None, reduction="sum_over_batch_size"):
    """Sum, or sum divided by the number of elements (or by the sum of the weights)."""
    if reduction in (None, "none") or values.ndim == 0 or tuple(values.shape) == (0,):
        return values
    loss = values.sum()
    if reduction == "sum":
        return loss
    if reduction == "mean_with_sample_weight" and sample_weight is not None:
        total = sample_weight.sum()
        return loss / total if float(total) != 0.0 else loss * 0.0
    n = values.numel()
    return loss / n if n else loss


def apply_mask(sample_weight, mask: Tensor, reduction):
    """Merge a validity mask into the sample weights, rescaled so that "sum_over_batch_size"
    averages over the valid positions only (Keras's ``apply_mask``)."""
    if mask is None:
        return sample_weight
    mask = mask.to(B.get_default_dtype() if sample_weight is None else sample_weight.dtype)
    if reduction in ("mean", "sum_over_batch_size"):
        valid = float(mask.sum())
        mask = mask * (mask.numel() / valid if valid else 0.0)
    if sample_weight is None:
        return mask
    mask, sample_weight = _align_weights(mask, sample_weight)
    return sample_weight * mask


def reduce_weighted_values(values: Tensor, sample_weight=None, mask=None,
                           reduction="sum_over_batch_size") -> Tensor:
    """Weight per-sample ``values`` by ``sample_weight`` (and a boolean ``mask`` of valid
    positions), then reduce them (Keras's ``reduce_weighted_values``)."""
    reduction = standardize_reduction(reduction)
    if sample_weight is not None:
        sample_weight = _as_weights(sample_weight, values)
    if mask is not None:
        mask = ops.convert_to_tensor(mask).to(values.device)
        sample_weight = apply_mask(sample_weight, mask.to(values.dtype), reduction)
    if sample_weight is not None:
        values, sample_weight = _align_weights(values, sample_weight)
        values = values * sample_weight
    return reduce_values(values, sample_weight, reduction)


# -- Loss classes -------------------------------------------------------------------------------


class Loss:
    """Base class of losses: ``__call__(y_true, y_pred, sample_weight=None)`` computes the
    per-sample values with ``call`` and reduces them. Positions masked in ``y_pred`` (a mask
    a layer attached, e.g. after ``Embedding(mask_zero=True)``) are left out of the mean, as
    in Keras.

    Args:
        name: the loss's name (default: the class name in snake case).
        reduction: "sum_over_batch_size" (default), "sum", "mean", "mean_with_sample_weight",
            "none" or None.
        dtype: the dtype ``y_pred`` and ``y_true`` are cast to (default: ember's default
            dtype, float32 unless changed; Keras's ``floatx``).

    Subclass it and implement ``call(y_true, y_pred)`` returning per-sample values.

    >>> class MyMSE(Loss):
    ...     def call(self, y_true, y_pred):
    ...         return ((y_pred - y_true) ** 2).mean(-1)
    >>> MyMSE()([[1.0, 2.0]], [[1.0, 4.0]])
    tensor(2.)
    """

    def __init__(self, name=None, reduction="sum_over_batch_size", dtype=None):
        self.name = name or to_snake_case(type(self).__name__)
        self.reduction = standardize_reduction(reduction)
        self._dtype = str(dtype or B.get_default_dtype()).replace("ember.", "")

    @property
    def dtype(self) -> str:
        return self._dtype

    def __call__(self, y_true, y_pred, sample_weight=None) -> Tensor:
        # Keras: the mask a layer attached to y_pred (Embedding(mask_zero=True) -> RNN with
        # return_sequences, ...) leaves the masked positions out of the average
        in_mask = get_mask(y_pred) if isinstance(y_pred, Tensor) else None
        y_pred = ops.convert_to_tensor(y_pred, self._dtype)
        values, mask = self._values_and_mask(y_true, y_pred)
        if in_mask is not None:
            mask = in_mask if mask is None else in_mask.logical_and(mask)
        if sample_weight is None and mask is None:
            return reduce_values(values, None, self.reduction)
        return reduce_weighted_values(values, sample_weight, mask, self.reduction)

    def _values_and_mask(self, y_true, y_pred: Tensor):
        """Per-sample values and the mask of valid positions (None: all valid)."""
        y_true = ops.convert_to_tensor(y_true, self._dtype)
        if y_true.device != y_pred.device:
            y_true = y_true.to(y_pred.device)
        return self.call(y_true, y_pred), None

    def call(self, y_true, y_pred) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} must implement call(y_true, y_pred) "
                                  "returning one loss value per sample")

    def get_config(self) -> dict:
        return {"name": self.name, "reduction": self.reduction}

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}>"


class LossFunctionWrapper(Loss):
    """A ``Loss`` around a function ``fn(y_true, y_pred, **kwargs)`` of per-sample values.

    ``y_true`` and ``y_pred`` are first brought to the same rank when they differ by one
    trailing axis of length 1.
    """

    def __init__(self, fn, reduction="sum_over_batch_size", name=None, dtype=None, **kwargs):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.fn = fn
        self._fn_kwargs = kwargs

    def call(self, y_true, y_pred) -> Tensor:
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def get_config(self) -> dict:
        from . import serialize  # the package's lookup imports this module

        config = super().get_config()
        config["fn"] = serialize(self.fn)
        config.update(self._fn_kwargs)
        return config

    @classmethod
    def from_config(cls, config: dict):
        config = dict(config)
        if isinstance(config.get("fn"), (dict, str)):
            from . import deserialize

            config["fn"] = deserialize(config["fn"])
        return cls(**config)

    def __repr__(self) -> str:
        name = getattr(self.fn, "__name__", repr(self.fn))
        return f"<LossFunctionWrapper({name}, kwargs={self._fn_kwargs})>"
