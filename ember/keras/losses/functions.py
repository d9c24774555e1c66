"""Keras 3's loss functions: one value per sample (the mean or sum over the last axis)."""

from __future__ import annotations

import math
import warnings

from ... import ops as _E
from ...nn import functional as F
from ...tensor import Tensor
from .. import ops
from .loss import _INT64, EPSILON, _check_same_shape, _pred, _true, squeeze_or_expand_to_same_rank

# -- regression ---------------------------------------------------------------------------------


def mean_squared_error(y_true, y_pred) -> Tensor:
    """mean((y_true − y_pred)², axis=-1)."""
    y_pred = _pred(y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(_true(y_true, y_pred), y_pred)
    return ((y_true - y_pred) ** 2).mean(-1)


def mean_absolute_error(y_true, y_pred) -> Tensor:
    """mean(|y_true − y_pred|, axis=-1)."""
    y_pred = _pred(y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(_true(y_true, y_pred), y_pred)
    return (y_true - y_pred).abs().mean(-1)


def mean_absolute_percentage_error(y_true, y_pred) -> Tensor:
    """100 · mean(|(y_true − y_pred) / max(|y_true|, ε)|, axis=-1)."""
    y_pred = _pred(y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(_true(y_true, y_pred), y_pred)
    diff = ((y_true - y_pred) / y_true.abs().clamp(min=EPSILON)).abs()
    return 100.0 * diff.mean(-1)


def mean_squared_logarithmic_error(y_true, y_pred) -> Tensor:
    """mean((log(max(y_pred, ε) + 1) − log(max(y_true, ε) + 1))², axis=-1)."""
    y_pred = _pred(y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(_true(y_true, y_pred), y_pred)
    first = (y_pred.clamp(min=EPSILON) + 1.0).log()
    second = (y_true.clamp(min=EPSILON) + 1.0).log()
    return ((first - second) ** 2).mean(-1)


def _l2_normalize(x: Tensor, axis: int) -> Tensor:
    # x · min(1/‖x‖, 1/ε) as Keras, written as x / sqrt(max(Σx², ε²)) so a zero vector has a
    # zero (not NaN) gradient
    return x / (x * x).sum(axis, keepdim=True).clamp(min=EPSILON ** 2).sqrt()


def cosine_similarity(y_true, y_pred, axis=-1) -> Tensor:
    """−sum(l2_normalize(y_true) · l2_normalize(y_pred), axis): −1 when aligned, 0 orthogonal."""
    y_pred = _pred(y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(_true(y_true, y_pred), y_pred)
    return -(_l2_normalize(y_true, axis) * _l2_normalize(y_pred, axis)).sum(axis)


def huber(y_true, y_pred, delta=1.0) -> Tensor:
    """mean(½e² if |e| ≤ δ else δ|e| − ½δ², axis=-1) with e = y_pred − y_true."""
    y_pred = _pred(y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(_true(y_true, y_pred), y_pred)
    error = y_pred - y_true
    abs_error = error.abs()
    quadratic = 0.5 * error * error
    linear = delta * abs_error - 0.5 * delta * delta
    return _E.where(abs_error <= delta, quadratic, linear).mean(-1)


def log_cosh(y_true, y_pred) -> Tensor:
    """mean(log(cosh(y_pred − y_true)), axis=-1), computed as x + softplus(−2x) − log 2."""
    y_pred = _pred(y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(_true(y_true, y_pred), y_pred)
    x = y_pred - y_true
    return (x + F.softplus(-2.0 * x) - math.log(2.0)).mean(-1)


# -- probabilistic ------------------------------------------------------------------------------


def kl_divergence(y_true, y_pred) -> Tensor:
    """sum(t · log(t / p), axis=-1) with t, p clipped to [ε, 1]."""
    y_pred = _pred(y_pred)
    y_true = _true(y_true, y_pred).clamp(EPSILON, 1.0)
    y_pred = y_pred.clamp(EPSILON, 1.0)
    return (y_true * (y_true / y_pred).log()).sum(-1)


def poisson(y_true, y_pred) -> Tensor:
    """mean(y_pred − y_true · log(y_pred + ε), axis=-1)."""
    y_pred = _pred(y_pred)
    y_true = _true(y_true, y_pred)
    return (y_pred - y_true * (y_pred + EPSILON).log()).mean(-1)


def _binary_crossentropy(target: Tensor, output: Tensor, from_logits: bool) -> Tensor:
    """Elementwise −t·log p − (1 − t)·log(1 − p) (Keras's ``ops.binary_crossentropy``)."""
    _check_same_shape("binary_crossentropy", target, output)
    if from_logits:
        return F.binary_cross_entropy_with_logits(output, target, reduction="none")
    p = output.clamp(EPSILON, 1.0 - EPSILON)
    return -(target * p.log() + (1.0 - target) * (1.0 - p).log())


def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0,
                        axis=-1) -> Tensor:
    """mean(−t·log p − (1 − t)·log(1 − p), axis); smoothing moves t towards ½:
    t ← t·(1 − s) + s/2."""
    y_pred = _pred(y_pred)
    y_true = _true(y_true, y_pred)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    return _binary_crossentropy(y_true, y_pred, from_logits).mean(axis)


def binary_focal_crossentropy(y_true, y_pred, apply_class_balancing=False, alpha=0.25,
                              gamma=2.0, from_logits=False, label_smoothing=0.0,
                              axis=-1) -> Tensor:
    """mean((1 − p_t)^γ · bce, axis) with p_t = t·p + (1 − t)(1 − p); with class balancing
    each term is also weighted by α for class 1 and 1 − α for class 0."""
    y_pred = _pred(y_pred)
    y_true = _true(y_true, y_pred)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        y_pred = y_pred.sigmoid()
    bce = _binary_crossentropy(y_true, y_pred, from_logits=False)
    p_t = y_true * y_pred + (1 - y_true) * (1 - y_pred)
    focal = (1.0 - p_t) ** gamma * bce
    if apply_class_balancing:
        focal = (y_true * alpha + (1 - y_true) * (1 - alpha)) * focal
    return focal.mean(axis)


def _check_axis(fn: str, axis) -> None:
    if isinstance(axis, bool) or not isinstance(axis, int):
        raise ValueError(f"{fn}: axis must be an int, got axis={axis!r} of type "
                         f"{type(axis).__name__}")


def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0,
                             axis=-1) -> Tensor:
    """−sum(t · log p, axis) for one-hot (or soft) targets t.

    Logits go through log_softmax; probabilities are renormalised to sum to 1 and clipped to
    [ε, 1 − ε]. Smoothing: t ← t·(1 − s) + s / num_classes.
    """
    _check_axis("categorical_crossentropy", axis)
    y_pred = _pred(y_pred)
    y_true = _true(y_true, y_pred)
    if y_pred.shape[-1] == 1:
        warnings.warn(
            "In loss categorical_crossentropy, expected y_pred.shape to be (batch_size, "
            f"num_classes) with num_classes > 1. Received: y_pred.shape={tuple(y_pred.shape)}. "
            "Consider using 'binary_crossentropy' if you only have 2 classes.",
            SyntaxWarning, stacklevel=2)
    _check_same_shape("categorical_crossentropy", y_true, y_pred)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / y_true.shape[-1]
    if from_logits:
        log_prob = F.log_softmax(y_pred, axis)
    else:
        p = y_pred / y_pred.sum(axis, keepdim=True)
        log_prob = p.clamp(EPSILON, 1.0 - EPSILON).log()
    return -(y_true * log_prob).sum(axis)


def _class_targets(fn: str, y_true, y_pred: Tensor) -> Tensor:
    """Integer class indices shaped like ``y_pred`` without its last axis."""
    t = ops.convert_to_tensor(y_true)
    if t.device != y_pred.device:
        t = t.to(y_pred.device)
    if t.ndim == y_pred.ndim and t.ndim > 0 and t.shape[-1] == 1:
        t = t.squeeze(-1)
    if tuple(t.shape) != tuple(y_pred.shape[:-1]):
        raise ValueError(
            f"{fn}: y_true must hold one class index per prediction, shaped like y_pred "
            f"without its last (class) axis: expected {tuple(y_pred.shape[:-1])}, got "
            f"y_true.shape={tuple(t.shape)} for y_pred.shape={tuple(y_pred.shape)}. For "
            "one-hot targets use categorical_crossentropy."
        )
    return t if t.dtype is _INT64 else t.to(_INT64)


def _sparse_ce_values(targets: Tensor, y_pred: Tensor, from_logits: bool,
                      ignore_class) -> Tensor:
    """Per-position crossentropy for integer ``targets``; ignored positions give 0."""
    num_classes = y_pred.shape[-1]
    if from_logits:
        # fused softmax + NLL: one kernel instead of log_softmax, gather and a sum
        flat = F.cross_entropy(y_pred.reshape(-1, num_classes), targets.reshape(-1),
                               reduction="none",
                               ignore_index=-100 if ignore_class is None else ignore_class)
        return flat.reshape(tuple(targets.shape))
    valid = None
    if ignore_class is not None:
        valid = targets != ignore_class
        targets = _E.where(valid, targets, _E.zeros_like(targets))
    p = y_pred / y_pred.sum(-1, keepdim=True)
    log_prob = p.clamp(EPSILON, 1.0 - EPSILON).log()
    values = -_E.take_along_dim(log_prob, targets.unsqueeze(-1), dim=-1).squeeze(-1)
    return values if valid is None else _E.where(valid, values, _E.zeros_like(values))


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, ignore_class=None,
                                    axis=-1) -> Tensor:
    """−log p[y_true] for integer class labels y_true (shape of y_pred without its last axis,
    or with a trailing 1); positions labelled ``ignore_class`` give 0."""
    if axis != -1:
        raise ValueError(f"sparse_categorical_crossentropy: only axis=-1 is supported (the "
                         f"class axis must be last), got axis={axis}")
    y_pred = _pred(y_pred)
    targets = _class_targets("sparse_categorical_crossentropy", y_true, y_pred)
    return _sparse_ce_values(targets, y_pred, from_logits, ignore_class)


# -- hinge --------------------------------------------------------------------------------------


def _hinge_labels(y_true: Tensor) -> Tensor:
    """Binary 0/1 labels become −1/1; other labels are kept (Keras's conversion)."""
    if bool(((y_true == 0) | (y_true == 1)).all()):
        return 2.0 * y_true - 1.0
    return y_true


def hinge(y_true, y_pred) -> Tensor:
    """mean(max(1 − t·y_pred, 0), axis=-1), t in {−1, 1} (0/1 labels are converted)."""
    y_pred = _pred(y_pred)
    y_true = _hinge_labels(_true(y_true, y_pred))
    return (1.0 - y_true * y_pred).clamp(min=0.0).mean(-1)


def squared_hinge(y_true, y_pred) -> Tensor:
    """mean(max(1 − t·y_pred, 0)², axis=-1), t in {−1, 1} (0/1 labels are converted)."""
    y_pred = _pred(y_pred)
    y_true = _hinge_labels(_true(y_true, y_pred))
    return ((1.0 - y_true * y_pred).clamp(min=0.0) ** 2).mean(-1)


def categorical_hinge(y_true, y_pred) -> Tensor:
    """max(neg − pos + 1, 0) with pos = sum(t·y_pred), neg = max((1 − t)·y_pred)."""
    y_pred = _pred(y_pred)
    y_true = _true(y_true, y_pred)
    pos = (y_true * y_pred).sum(-1)
    neg = ((1.0 - y_true) * y_pred).amax(-1)
    return (neg - pos + 1.0).clamp(min=0.0)
