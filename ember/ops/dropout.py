"""Dropout: dropout, feature (channel-wise) dropout, alpha dropout and their in-place forms.

Training multiplies the input by a noise tensor: keep ~ Bernoulli(1 − p), noise = keep / (1 − p)
(per element, or per (sample, channel) for feature dropout), so E[y] = x. Backward is
∂L/∂x = noise · ∂L/∂y. The noise is drawn once and kept (a float array the size of the mask):
measured faster than regenerating it from the saved generator state in backward. Draws come from
``ember.backend.generator_for(device).rng``, so ``ember.manual_seed`` reproduces the masks.
On NumPy the keep mask compares raw 32-bit draws with ⌊p·2³²⌉ (several times faster than
drawing floats); p = 0 or eval mode return the input itself, p = 1 gives input · 0 (like
PyTorch, so inf and nan stay nan).
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from .. import backend as B
from ..autograd.function import Function
from ..tensor import Tensor
from ._util import check_tensor, inplace

__all__ = ["dropout", "dropout_", "feature_dropout", "feature_dropout_", "alpha_dropout",
           "alpha_dropout_", "feature_alpha_dropout", "feature_alpha_dropout_"]
TENSOR_METHODS: tuple = ()

_ALPHA = 1.7580993408473766  # SELU scale·alpha: SELU saturates to −_ALPHA


def _keep_mask(x: Tensor, shape, p: float, dtype):
    """An array of ``shape`` holding 1 with probability 1 − p and 0 otherwise, in ``dtype``."""
    rng = B.generator_for(x.device).rng
    n = math.prod(shape)
    if x.xp is np:
        raw = rng.bit_generator.random_raw((n + 1) // 2)
        bits = raw.view(np.uint32)[:n].reshape(shape)
        threshold = min(int(round(p * 2.0**32)), 2**32 - 1)
        if dtype == np.float32:
            out = bits.view(np.float32)  # the 0/1 floats overwrite the bits they came from
            np.greater_equal(bits, threshold, out=out)
            return out
        return (bits >= threshold).astype(dtype)
    u = rng.random(shape, dtype=np.float32 if dtype == np.float32 else np.float64)
    return (u >= p).astype(dtype)


def _noise_shape(op, x: Tensor, feature: bool):
    if not feature:
        return tuple(x.shape)
    if x.ndim < 2:
        raise RuntimeError(f"{op}(): Feature dropout requires at least 2 dimensions in the "
                           f"input, got input of shape {tuple(x.shape)}")
    return (x.shape[0], x.shape[1]) + (1,) * (x.ndim - 2)


class Dropout(Function):
    """y = x · noise (+ shift for alpha dropout); ∂L/∂x = noise · ∂L/∂y."""

    @staticmethod
    def forward(ctx, x, p, feature, alpha, op):
        xd = x._data
        dt = xd.dtype
        keep = _keep_mask(x, _noise_shape(op, x, feature), p, dt)
        if alpha:
            a = 1.0 / math.sqrt((_ALPHA * _ALPHA * p + 1) * (1 - p))
            shift = (keep - 1) * (_ALPHA * a)
            shift += _ALPHA * a * p
            keep *= a
            out = xd * keep
            out += shift
        else:
            keep *= 1.0 / (1.0 - p)
            out = xd * keep
        ctx.noise = Tensor._make(keep)
        return out

    @staticmethod
    def backward(ctx, g):
        return g * ctx.noise, None, None, None, None


def _check_p(p):
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _apply(op, input, p, training, feature, alpha):
    check_tensor(input, op)
    _check_p(p)
    if p == 0 or not training or input.numel() == 0:
        return input
    if not input.is_floating_point():
        raise RuntimeError(f"{op}(): expected a floating point input, got {input.dtype}; "
                           "dropout scales by 1/(1 - p)")
    if p == 1:  # input · 0 like PyTorch: inf and nan give nan
        _noise_shape(op, input, feature)
        with np.errstate(invalid="ignore"):
            return input * 0.0
    return Dropout.apply(input, float(p), feature, alpha, op)


def _training(training, train):
    return training if train is None else train


def _run(op, input, p, training, inplace_, feature, alpha):
    if inplace_:
        check_tensor(input, op)
        _check_p(p)
        if p == 0 or not training or input.numel() == 0:
            return input
        return inplace(op + "_", input,
                       lambda t: _apply(op, t, p, training, feature, alpha))
    return _apply(op, input, p, training, feature, alpha)


def dropout(input, p: float = 0.5, training: bool = True, inplace: bool = False, *,
            train=None) -> Tensor:
    """Zero each element with probability p and scale the rest by 1/(1 − p) (identity when not
    training). ``torch.dropout(input, p, train)`` is the same call.

    >>> import ember
    >>> from ember.ops.dropout import dropout
    >>> dropout(ember.ones(3), 0.5, training=False)
    tensor([1., 1., 1.])
    """
    return _run("dropout", input, p, _training(training, train), inplace, False, False)


def dropout_(input, p: float = 0.5, train: bool = True) -> Tensor:
    """In-place :func:`dropout`."""
    return _run("dropout", input, p, train, True, False, False)


def feature_dropout(input, p: float = 0.5, train: bool = True) -> Tensor:
    """Zero whole channels: each (sample, channel) slice of (N, C, *) with probability p; the
    kept ones are scaled by 1/(1 − p).

    >>> import ember
    >>> from ember.ops.dropout import feature_dropout
    >>> feature_dropout(ember.ones(1, 2, 2), 1.0, True)
    tensor([[[0., 0.],
             [0., 0.]]])
    """
    return _run("feature_dropout", input, p, train, False, True, False)


def feature_dropout_(input, p: float = 0.5, train: bool = True) -> Tensor:
    """In-place :func:`feature_dropout`."""
    return _run("feature_dropout", input, p, train, True, True, False)


def alpha_dropout(input, p: float = 0.5, training: bool = False, inplace: bool = False, *,
                  train=None) -> Tensor:
    """Dropout for SELU networks: dropped elements become −λα·a + b and kept ones a·x + b with
    a = ((1 − p)(1 + p·λα²))^(−1/2), b = a·λα·p, which keeps zero mean and unit variance.

    >>> import ember
    >>> from ember.ops.dropout import alpha_dropout
    >>> alpha_dropout(ember.ones(2), 0.2)  # training=False: the identity
    tensor([1., 1.])
    """
    return _run("alpha_dropout", input, p, _training(training, train), inplace, False, True)


def alpha_dropout_(input, p: float = 0.5, train: bool = False) -> Tensor:
    """In-place :func:`alpha_dropout`."""
    return _run("alpha_dropout", input, p, train, True, False, True)


def feature_alpha_dropout(input, p: float = 0.5, training: bool = False, inplace: bool = False,
                          *, train=None) -> Tensor:
    """Alpha dropout of whole channels of (N, C, *).

    >>> import ember
    >>> from ember.ops.dropout import feature_alpha_dropout
    >>> feature_alpha_dropout(ember.ones(1, 2), 0.3).shape
    ember.Size([1, 2])
    """
    return _run("feature_alpha_dropout", input, p, _training(training, train), inplace, True,
                True)


def feature_alpha_dropout_(input, p: float = 0.5, train: bool = False) -> Tensor:
    """In-place :func:`feature_alpha_dropout`."""
    return _run("feature_alpha_dropout", input, p, train, True, True, True)


def _unbatched(op, input, p, training, inplace_, batched):
    """Feature dropout of ``input``, adding a batch dimension of 1 when it has none."""
    if batched:
        return _run(op, input, p, training, inplace_, True, False)
    if p == 0 or not training or input.numel() == 0:
        return input
    if inplace_:
        return inplace(op + "_", input,
                       lambda t: _apply(op, t.unsqueeze(0), p, training, True, False).squeeze(0))
    return _apply(op, input.unsqueeze(0), p, training, True, False).squeeze(0)


def dropout1d(input, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Channel-wise dropout of (N, C, L) or unbatched (C, L) input.

    >>> import ember
    >>> from ember.ops.dropout import dropout1d
    >>> dropout1d(ember.ones(2, 3), 0.5, training=False).shape
    ember.Size([2, 3])
    """
    check_tensor(input, "dropout1d")
    _check_p(p)
    if input.ndim not in (2, 3):
        raise RuntimeError(
            f"dropout1d: Expected 2D or 3D input, but received a {input.ndim}D input (shape "
            f"{tuple(input.shape)}). Note that dropout1d exists to provide channel-wise dropout "
            "on inputs with 1 spatial dimension, a channel dimension, and an optional batch "
            "dimension (i.e. 2D or 3D inputs)."
        )
    return _unbatched("dropout1d", input, p, training, inplace, input.ndim == 3)


def dropout2d(input, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Channel-wise dropout of (N, C, H, W) or (C, H, W) input: each channel is zeroed with
    probability p, the rest scaled by 1/(1 − p). (A 3-D input is read as (N, C, L), with
    PyTorch's warning.)

    >>> import ember
    >>> from ember.ops.dropout import dropout2d
    >>> dropout2d(ember.ones(1, 2, 1, 1), 1.0).sum().item()
    0.0
    """
    check_tensor(input, "dropout2d")
    _check_p(p)
    if input.ndim not in (3, 4):
        warnings.warn(
            f"dropout2d: Received a {input.ndim}-D input to dropout2d, which is deprecated "
            "and will result in an error in a future release. To retain the behavior "
            "and silence this warning, please use dropout instead. Note that dropout2d "
            "exists to provide channel-wise dropout on inputs with 2 spatial dimensions, "
            "a channel dimension, and an optional batch dimension (i.e. 3D or 4D inputs).",
            stacklevel=2,
        )
    if input.ndim == 3:
        warnings.warn(
            "dropout2d: Received a 3D input to dropout2d and assuming that channel-wise "
            "1D dropout behavior is desired - input is interpreted as shape (N, C, L), where C "
            "is the channel dim. This behavior will change in a future release to interpret the "
            "input as one without a batch dimension, i.e. shape (C, H, W). To maintain the 1D "
            "channel-wise dropout behavior, please switch to using dropout1d instead.",
            stacklevel=2,
        )
    return _run("dropout2d", input, p, training, inplace, True, False)


def dropout3d(input, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Channel-wise dropout of (N, C, D, H, W) or unbatched (C, D, H, W) input.

    >>> import ember
    >>> from ember.ops.dropout import dropout3d
    >>> dropout3d(ember.ones(2, 1, 1, 1), 0.5, training=False).shape
    ember.Size([2, 1, 1, 1])
    """
    check_tensor(input, "dropout3d")
    _check_p(p)
    if input.ndim not in (4, 5):
        warnings.warn(
            f"dropout3d: Received a {input.ndim}-D input to dropout3d, which is deprecated "
            "and will result in an error in a future release. To retain the behavior "
            "and silence this warning, please use dropout instead. Note that dropout3d "
            "exists to provide channel-wise dropout on inputs with 3 spatial dimensions, "
            "a channel dimension, and an optional batch dimension (i.e. 4D or 5D inputs).",
            stacklevel=2,
        )
    return _unbatched("dropout3d", input, p, training, inplace, input.ndim == 5)
