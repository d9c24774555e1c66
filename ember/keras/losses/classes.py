"""Keras 3's built-in ``Loss`` classes: a fixed loss function, its arguments and its name."""

from __future__ import annotations

from ...nn import functional as F
from ...tensor import Tensor
from .. import ops
from .functions import (
    _class_targets,
    _sparse_ce_values,
    binary_crossentropy,
    binary_focal_crossentropy,
    categorical_crossentropy,
    categorical_hinge,
    cosine_similarity,
    hinge,
    huber,
    kl_divergence,
    log_cosh,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
    mean_squared_logarithmic_error,
    poisson,
    sparse_categorical_crossentropy,
    squared_hinge,
)
from .loss import Loss, LossFunctionWrapper


class _FixedFunctionLoss(LossFunctionWrapper):
    """A built-in loss class: its function is fixed and its config holds its arguments."""

    _fn = None
    _config_keys: tuple = ()

    def __init__(self, reduction="sum_over_batch_size", name=None, dtype=None, **kwargs):
        super().__init__(type(self)._fn, reduction=reduction, name=name, dtype=dtype, **kwargs)
        for key, value in kwargs.items():
            setattr(self, key, value)

    def get_config(self) -> dict:
        config = Loss.get_config(self)
        config.update({k: getattr(self, k) for k in self._config_keys})
        return config

    __repr__ = Loss.__repr__


class MeanSquaredError(_FixedFunctionLoss):
    """mean((y_true − y_pred)²) per sample, reduced over the batch."""

    _fn = staticmethod(mean_squared_error)

    def __init__(self, reduction="sum_over_batch_size", name="mean_squared_error", dtype=None):
        super().__init__(reduction=reduction, name=name, dtype=dtype)


class MeanAbsoluteError(_FixedFunctionLoss):
    """mean(|y_true − y_pred|) per sample, reduced over the batch."""

    _fn = staticmethod(mean_absolute_error)

    def __init__(self, reduction="sum_over_batch_size", name="mean_absolute_error", dtype=None):
        super().__init__(reduction=reduction, name=name, dtype=dtype)


class MeanAbsolutePercentageError(_FixedFunctionLoss):
    """100 · mean(|(y_true − y_pred) / y_true|) per sample."""

    _fn = staticmethod(mean_absolute_percentage_error)

    def __init__(self, reduction="sum_over_batch_size", name="mean_absolute_percentage_error",
                 dtype=None):
        super().__init__(reduction=reduction, name=name, dtype=dtype)


class MeanSquaredLogarithmicError(_FixedFunctionLoss):
    """mean((log(y_true + 1) − log(y_pred + 1))²) per sample."""

    _fn = staticmethod(mean_squared_logarithmic_error)

    def __init__(self, reduction="sum_over_batch_size", name="mean_squared_logarithmic_error",
                 dtype=None):
        super().__init__(reduction=reduction, name=name, dtype=dtype)


class CosineSimilarity(_FixedFunctionLoss):
    """−cosine similarity along ``axis``: −1 for aligned vectors, 0 for orthogonal ones."""

    _fn = staticmethod(cosine_similarity)
    _config_keys = ("axis",)

    def __init__(self, axis=-1, reduction="sum_over_batch_size", name="cosine_similarity",
                 dtype=None):
        super().__init__(reduction=reduction, name=name, dtype=dtype, axis=axis)


class Huber(_FixedFunctionLoss):
    """Quadratic for errors up to ``delta``, linear beyond (default delta 1)."""

    _fn = staticmethod(huber)
    _config_keys = ("delta",)

    def __init__(self, delta=1.0, reduction="sum_over_batch_size", name="huber_loss",
                 dtype=None):
        super().__init__(reduction=reduction, name=name, dtype=dtype, delta=delta)


class LogCosh(_FixedFunctionLoss):
    """mean(log(cosh(y_pred − y_true))) per sample."""

    _fn = staticmethod(log_cosh)

    def __init__(self, reduction="sum_over_batch_size", name="log_cosh", dtype=None):
        super().__init__(reduction=reduction, name=name, dtype=dtype)


class KLDivergence(_FixedFunctionLoss):
    """sum(y_true · log(y_true / y_pred)) per sample, both clipped to [ε, 1]."""

    _fn = staticmethod(kl_divergence)

    def __init__(self, reduction="sum_over_batch_size", name="kl_divergence", dtype=None):
        super().__init__(reduction=reduction, name=name, dtype=dtype)


class Poisson(_FixedFunctionLoss):
    """mean(y_pred − y_true · log(y_pred + ε)) per sample."""

    _fn = staticmethod(poisson)

    def __init__(self, reduction="sum_over_batch_size", name="poisson", dtype=None):
        super().__init__(reduction=reduction, name=name, dtype=dtype)


class Hinge(_FixedFunctionLoss):
    """mean(max(1 − y_true · y_pred, 0)) per sample; 0/1 labels become −1/1."""

    _fn = staticmethod(hinge)

    def __init__(self, reduction="sum_over_batch_size", name="hinge", dtype=None):
        super().__init__(reduction=reduction, name=name, dtype=dtype)


class SquaredHinge(_FixedFunctionLoss):
    """mean(max(1 − y_true · y_pred, 0)²) per sample; 0/1 labels become −1/1."""

    _fn = staticmethod(squared_hinge)

    def __init__(self, reduction="sum_over_batch_size", name="squared_hinge", dtype=None):
        super().__init__(reduction=reduction, name=name, dtype=dtype)


class CategoricalHinge(_FixedFunctionLoss):
    """max(max((1 − y_true) · y_pred) − sum(y_true · y_pred) + 1, 0) per sample."""

    _fn = staticmethod(categorical_hinge)

    def __init__(self, reduction="sum_over_batch_size", name="categorical_hinge", dtype=None):
        super().__init__(reduction=reduction, name=name, dtype=dtype)


class BinaryCrossentropy(_FixedFunctionLoss):
    """Crossentropy of 0/1 labels against probabilities (or logits with ``from_logits``).

    Args:
        from_logits: y_pred holds logits instead of probabilities (recommended: more stable).
        label_smoothing: moves labels towards 0.5: t·(1 − s) + s/2.
        axis: the axis averaged to one value per sample (default -1).
    """

    _fn = staticmethod(binary_crossentropy)
    _config_keys = ("from_logits", "label_smoothing", "axis")

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="binary_crossentropy", dtype=None):
        super().__init__(reduction=reduction, name=name, dtype=dtype, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)


class BinaryFocalCrossentropy(_FixedFunctionLoss):
    """Binary crossentropy down-weighting easy examples by (1 − p_t)^gamma (Lin et al.)."""

    _fn = staticmethod(binary_focal_crossentropy)
    _config_keys = ("from_logits", "label_smoothing", "axis", "apply_class_balancing",
                    "alpha", "gamma")

    def __init__(self, apply_class_balancing=False, alpha=0.25, gamma=2.0, from_logits=False,
                 label_smoothing=0.0, axis=-1, reduction="sum_over_batch_size",
                 name="binary_focal_crossentropy", dtype=None):
        super().__init__(reduction=reduction, name=name, dtype=dtype,
                         apply_class_balancing=apply_class_balancing, alpha=alpha,
                         gamma=gamma, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)


class CategoricalCrossentropy(_FixedFunctionLoss):
    """Crossentropy of one-hot labels against class probabilities (or logits).

    Args:
        from_logits: y_pred holds logits instead of probabilities.
        label_smoothing: t·(1 − s) + s / num_classes.
        axis: the class axis (default -1).
    """

    _fn = staticmethod(categorical_crossentropy)
    _config_keys = ("from_logits", "label_smoothing", "axis")

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="categorical_crossentropy", dtype=None):
        super().__init__(reduction=reduction, name=name, dtype=dtype, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)


class SparseCategoricalCrossentropy(_FixedFunctionLoss):
    """Crossentropy of integer class labels against class probabilities (or logits).

    Args:
        from_logits: y_pred holds logits instead of probabilities. Then the loss runs as one
            fused softmax-crossentropy kernel (``ember.nn.functional.cross_entropy``).
        ignore_class: a label value whose positions do not count: they are left out of the
            average (e.g. padding in sequence labelling).

    >>> scce = SparseCategoricalCrossentropy(from_logits=True)
    >>> round(scce([0], [[2.0, 0.0, 0.0]]).item(), 4)
    0.2395
    """

    _fn = staticmethod(sparse_categorical_crossentropy)
    _config_keys = ("from_logits", "ignore_class")

    def __init__(self, from_logits=False, ignore_class=None, reduction="sum_over_batch_size",
                 name="sparse_categorical_crossentropy", dtype=None):
        super().__init__(reduction=reduction, name=name, dtype=dtype, from_logits=from_logits,
                         ignore_class=ignore_class)

    def __call__(self, y_true, y_pred, sample_weight=None) -> Tensor:
        y_pred = ops.convert_to_tensor(y_pred, self._dtype)
        if (sample_weight is None and self.from_logits and self.ignore_class is None
                and y_pred.ndim == 2 and self.reduction in ("sum_over_batch_size", "mean",
                                                            "sum")):
            # the common classifier case: one fused kernel computes and reduces the loss
            targets = _class_targets(self.name, y_true, y_pred)
            reduction = "sum" if self.reduction == "sum" else "mean"
            return F.cross_entropy(y_pred, targets, reduction=reduction)
        return super().__call__(y_true, y_pred, sample_weight)

    def _values_and_mask(self, y_true, y_pred: Tensor):
        targets = _class_targets(self.name, y_true, y_pred)
        values = _sparse_ce_values(targets, y_pred, self.from_logits, self.ignore_class)
        mask = None if self.ignore_class is None else targets != self.ignore_class
        return values, mask
