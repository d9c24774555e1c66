"""``to_categorical`` and ``normalize`` (Keras's ``keras.utils`` numerical helpers)."""

from __future__ import annotations

import numpy as np

from ...tensor import Tensor
from .. import ops

EPSILON = 1e-7


def to_categorical(x, num_classes=None, dtype="float32"):
    """One-hot encode integer class labels: (..., [1]) -> (..., num_classes).

    A trailing axis of length 1 is dropped first; ``num_classes`` defaults to max(x) + 1.
    NumPy or list input gives a NumPy array, an ember tensor gives an ember tensor. The result
    is float32 (``dtype``): Keras 3 returns float64 for NumPy input, which would make every
    loss computed against it float64 here.

    >>> to_categorical([0, 2, 1])
    array([[1., 0., 0.],
           [0., 0., 1.],
           [0., 1., 0.]], dtype=float32)
    """
    if isinstance(x, Tensor):
        labels = x.squeeze(-1) if x.ndim > 1 and x.shape[-1] == 1 else x
        if num_classes is None:
            num_classes = int(labels.max().item()) + 1
        return ops.one_hot(labels, num_classes, dtype=dtype)
    x = np.asarray(x)
    if x.size and not np.all(np.equal(np.mod(x, 1), 0)):
        raise ValueError(f"to_categorical(): labels must be whole numbers, got values such as "
                         f"{x.ravel()[np.mod(x.ravel(), 1) != 0][:3].tolist()}")
    x = x.astype(np.int64)
    shape = x.shape
    if shape and shape[-1] == 1 and len(shape) > 1:
        shape = shape[:-1]
    x = x.reshape(-1)
    if not num_classes:
        num_classes = int(np.max(x)) + 1 if x.size else 0
    if x.size and (x.min() < 0 or x.max() >= num_classes):
        raise ValueError(f"to_categorical(): labels must lie in [0, {num_classes}) for "
                         f"num_classes={num_classes}; got values from {x.min()} to {x.max()}")
    out = np.zeros((x.shape[0], num_classes), dtype=dtype)
    out[np.arange(x.shape[0]), x] = 1
    return out.reshape(shape + (num_classes,))


def normalize(x, axis=-1, order=2):
    """``x`` divided by its ``order``-norm along ``axis`` (zero vectors stay zero).

    NumPy input follows ``np.linalg.norm``; an ember tensor is normalised with ember ops
    (differentiable), the norm floored at 1e-7 as in Keras.

    >>> normalize(np.array([[3.0, 4.0], [0.0, 0.0]]))
    array([[0.6, 0.8],
           [0. , 0. ]])
    """
    if isinstance(x, Tensor):
        if not isinstance(order, int) or order < 1:
            raise ValueError(f"Argument `order` must be an int >= 1. Received: order={order}")
        t = x if x.is_floating_point() else x.float()
        if order == 2:
            # x · min(1/‖x‖, 1/ε), written so that a zero vector has a zero gradient
            return t / (t * t).sum(axis, keepdim=True).clamp(min=EPSILON ** 2).sqrt()
        norm = (t.abs() ** order).sum(axis, keepdim=True) ** (1.0 / order)
        return t / norm.clamp(min=EPSILON)
    x = np.asarray(x)
    norm = np.atleast_1d(np.linalg.norm(x, order, axis))
    norm[norm == 0] = 1
    # Keras writes `axis or -1`, which turns axis=0 into -1; None (the whole array) is -1 here
    return x / np.expand_dims(norm, -1 if axis is None else axis)
