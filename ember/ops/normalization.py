"""Normalization: batch_norm, layer_norm, group_norm, instance_norm (fused), and the composites
rms_norm, local_response_norm and normalize.

The fused kernels share one scheme. Forward makes a few vectorised passes over the data in its
own dtype (float32 stays float32, no float64 temporaries): the mean μ, then block by block the
centred values x − μ and their mean square σ², and y = (x − μ)/√(σ² + ε)·γ + β. Backward gets
the saved input and the statistics (μ, 1/σ) and is closed form on arrays,

    ∂L/∂x = (1/σ) · (ĝ − mean(ĝ) − x̂ · mean(ĝ · x̂)),   ĝ = γ · ∂L/∂y,

the means taken over the normalised elements, with x̂ = (x − μ)/σ recomputed block by block in
cache. (Keeping x̂ instead costs one more input-sized array per layer: measured slower here, as
every new large array is paid in page faults, and it doubles the memory held for backward.)
When backward itself records (create_graph=True) the same gradient is built from ember ops on
the saved input instead, so it can be differentiated again.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from ..autograd.function import Function
from ..autograd.grad_mode import state as grad_state
from ..backend import module_of
from ..tensor import Tensor
from ._util import check_same_device, check_tensor

__all__ = ["batch_norm", "instance_norm", "layer_norm", "group_norm", "rms_norm"]
TENSOR_METHODS: tuple = ()


# -- array helpers -----------------------------------------------------------------------------


def _einsum(a):
    return np.einsum if type(a) is np.ndarray else module_of(a).einsum


def _chan_sum(a3):
    """Σ over axes 0 and 2 of an (N, C, L) array: one value per channel."""
    return _einsum(a3)("ncl->c", a3)


def _chan_dot(a3, b3):
    """Σ over axes 0 and 2 of a·b for (N, C, L) arrays, without an (N, C, L) temporary."""
    if a3.shape[2] >= 32:
        # N·C dot products of length L run through BLAS; the einsum loop is slower for long rows.
        return (a3[:, :, None, :] @ b3[:, :, :, None]).sum(axis=0).reshape(a3.shape[1])
    return _einsum(a3)("ncl,ncl->c", a3, b3)


# Each pass over a large array streams it from memory; done one whole-array pass after another
# the kernels are memory-bound. The passes are therefore run block by block over the leading
# axis, each block about 1 MB, so that a block's later passes hit the cache (2-3x faster than
# whole-array passes, measured on float32 (64·80, 512) and (128, 32, 26·26) data).
_BLOCK_BYTES = 1 << 20


def _blocks(xp, n, unit_bytes):
    """Slices of range(n), each about _BLOCK_BYTES of leading-axis units (one slice on GPU)."""
    if xp is not np or n == 0:
        return (slice(0, n),)
    step = max(1, _BLOCK_BYTES // max(unit_bytes, 1))
    return tuple(slice(s, min(s + step, n)) for s in range(0, n, step))


def _row_dot(a, b):
    """Σ_k a·b over the last axis of (N, P, K) arrays: BLAS dot products for long rows."""
    if a.shape[2] >= 64:
        return (a[..., None, :] @ b[..., :, None]).reshape(a.shape[:2])
    return _einsum(a)("npk,npk->np", a, b)


def _alloc(xp, shape, view_shape, dt):
    """A new array of ``shape`` and its ``view_shape`` view: results are returned in their own
    (base-less) array, so autograd can keep gradients without copying them."""
    full = xp.empty(shape, dtype=dt)
    return full, full.reshape(view_shape)


def _rows_forward(xp, x3, eps, w=None, b=None, shape=None):
    """Normalise each row x3[n, p, :] over its K elements, then y = x̂·w + b (w, b broadcast to
    (P, K)). Returns (y of ``shape``, μ, 1/σ, σ²); the statistics have shape (N, P)."""
    n, p, k = x3.shape
    dt = x3.dtype
    res, out = _alloc(xp, shape or x3.shape, x3.shape, dt)
    invstd = xp.empty((n, p), dtype=dt)
    mean = xp.empty((n, p), dtype=dt)
    var = xp.empty((n, p), dtype=dt)
    for sl in _blocks(xp, n, p * k * dt.itemsize):
        xs, o = x3[sl], out[sl]
        m = xp.einsum("npk->np", xs) / k
        xp.subtract(xs, m[..., None], out=o)
        v = _row_dot(o, o) / k
        inv = 1.0 / xp.sqrt(v + eps)
        o *= inv[..., None]
        mean[sl], var[sl], invstd[sl] = m, v, inv
        if w is not None:
            o *= w
        if b is not None:
            o += b
    return res, mean, invstd, var


def _rows_backward(xp, g3, x3, mean, invstd, w, need_x, need_w, need_b, shape):
    """Gradients of ``_rows_forward`` for ∂L/∂y = g3 (N, P, K), x̂ recomputed from x3:

        ∂L/∂x = (1/σ)(ĝ − mean_k ĝ − x̂·mean_k(ĝ·x̂)), ĝ = g·w;  ∂L/∂w, ∂L/∂b summed over N.

    Returns (∂L/∂x of ``shape`` or None, Σ_n g·x̂ (P, K) or None, Σ_n g (P, K) or None)."""
    n, p, k = g3.shape
    dt = g3.dtype
    res, gx = _alloc(xp, shape, g3.shape, dt) if need_x else (None, None)
    gw = xp.zeros((p, k), dtype=dt) if need_w else None
    gb = xp.zeros((p, k), dtype=dt) if need_b else None
    blocks = _blocks(xp, n, p * k * dt.itemsize)
    xbuf = xp.empty(g3[blocks[0]].shape, dtype=dt)
    gbuf = xp.empty(xbuf.shape, dtype=dt) if (need_x and w is not None) else None
    for sl in blocks:
        gs, rows = g3[sl], sl.stop - sl.start
        xh = xp.subtract(x3[sl], mean[sl][..., None], out=xbuf[:rows])
        xh *= invstd[sl][..., None]
        if need_w:
            gw += xp.einsum("npk,npk->pk", gs, xh)
        if need_b:
            gb += gs.sum(axis=0)
        if not need_x:
            continue
        gy = xp.multiply(gs, w, out=gbuf[:rows]) if w is not None else gs
        a = xp.einsum("npk->np", gy) / k
        c = _row_dot(gy, xh) / k
        o = gx[sl]
        xp.multiply(xh, c[..., None], out=o)
        o += a[..., None]
        xp.subtract(gy, o, out=o)
        o *= invstd[sl][..., None]
    return res, gw, gb


def _tail(shape) -> int:
    """The number of elements per (sample, channel): the product of shape[2:]."""
    return math.prod(shape[2:])


def _work_dtype(arr):
    """Half-precision data is normalised in float32 (like PyTorch's accumulation type)."""
    return arr.astype(np.float32) if arr.dtype.itemsize < 4 else arr


def _const(arr) -> Tensor:
    return Tensor._make(arr)


def _rows_graph(x2: Tensor, gy: Tensor, eps: float):
    """The row-normalisation gradient from ember ops (differentiable); returns (∂L/∂x, x̂)."""
    mean = x2.mean(1, keepdim=True)
    xc = x2 - mean
    invstd = ((xc * xc).mean(1, keepdim=True) + eps).rsqrt()
    xhat = xc * invstd
    gx = invstd * (gy - gy.mean(1, keepdim=True) - xhat * (gy * xhat).mean(1, keepdim=True))
    return gx, xhat


# -- batch norm --------------------------------------------------------------------------------


class BatchNorm(Function):
    """Per-channel normalisation of (N, C, *) over every axis but 1 (batch or running stats)."""

    @staticmethod
    def forward(ctx, x, weight, bias, running_mean, running_var, training, momentum, eps):
        xd = x._data
        xp = x.xp
        n, c = xd.shape[0], xd.shape[1]
        x3 = _work_dtype(xd.reshape(n, c, _tail(xd.shape)))
        dt = x3.dtype
        m = n * x3.shape[2]
        blocks = _blocks(xp, n, c * x3.shape[2] * dt.itemsize)
        if training:
            with np.errstate(all="ignore"):
                mean = _chan_sum(x3) / m
                var = xp.zeros(c, dtype=dt)
                buf = xp.empty(x3[blocks[0]].shape, dtype=dt)
                for sl in blocks:  # two-pass variance: Σ (x − μ)², block by block
                    xc = xp.subtract(x3[sl], mean[:, None], out=buf[:sl.stop - sl.start])
                    var += _chan_dot(xc, xc)
                var /= m
                invstd = 1.0 / xp.sqrt(var + eps)
            if running_mean is not None:
                _update(running_mean, mean, momentum)
                _update(running_var, var * (m / (m - 1)) if m > 1 else var, momentum)
        else:
            mean = running_mean._data.astype(dt)  # a copy: the buffer may change before backward
            invstd = 1.0 / xp.sqrt(running_var._data.astype(dt, copy=False) + eps)
        ctx.training, ctx.eps, ctx.shape, ctx.mean, ctx.invstd = training, eps, xd.shape, mean, \
            invstd
        ctx.save_for_backward(x, weight)
        k = (invstd * weight._data if weight is not None else invstd)[:, None]
        b = bias._data[:, None] if bias is not None else None
        res, out = _alloc(xp, xd.shape, x3.shape, dt)
        for sl in blocks:  # y = (x − μ)·(γ/σ) + β
            o = out[sl]
            xp.subtract(x3[sl], mean[:, None], out=o)
            o *= k
            if b is not None:
                o += b
        return res.astype(xd.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        if grad_state.enabled:
            return _batch_norm_graph(ctx, g)
        x, weight = ctx.saved_tensors
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        xp = g.xp
        gd = g._data
        n, c = gd.shape[0], gd.shape[1]
        g3 = _work_dtype(gd.reshape(n, c, _tail(gd.shape)))
        x3 = _work_dtype(x._data.reshape(g3.shape))
        dt = g3.dtype
        m = n * g3.shape[2]
        blocks = _blocks(xp, n, c * g3.shape[2] * dt.itemsize)
        mean, invstd = ctx.mean[:, None], ctx.invstd
        k = (invstd * weight._data if weight is not None else invstd)[:, None]
        training = ctx.training
        buf = xp.empty(g3[blocks[0]].shape, dtype=dt)
        sum_g = _chan_sum(g3) if (need_b or (need_x and training)) else None
        sum_gx = None
        if need_w or (need_x and training):  # Σ g·x̂ = (1/σ)·Σ g·(x − μ)
            sum_gx = xp.zeros(c, dtype=dt)
            for sl in blocks:
                xc = xp.subtract(x3[sl], mean, out=buf[:sl.stop - sl.start])
                sum_gx += _chan_dot(g3[sl], xc)
            sum_gx *= invstd
        if need_x:
            res, gx = _alloc(xp, gd.shape, g3.shape, dt)
            if training:  # (γ/σ)·(g − mean g − x̂·mean(g·x̂)), x̂ recomputed per block
                c1, c2 = (sum_g / m)[:, None], (sum_gx / m)[:, None]
                for sl in blocks:
                    xh = xp.subtract(x3[sl], mean, out=buf[:sl.stop - sl.start])
                    xh *= invstd[:, None]
                    o = gx[sl]
                    xp.multiply(xh, c2, out=o)
                    o += c1
                    xp.subtract(g3[sl], o, out=o)
                    o *= k
            else:
                for sl in blocks:
                    xp.multiply(g3[sl], k, out=gx[sl])
        gx = _const(res.astype(gd.dtype, copy=False)) if need_x else None
        gw = _const(sum_gx.astype(gd.dtype, copy=False)) if need_w else None
        gb = _const(sum_g.astype(gd.dtype, copy=False)) if need_b else None
        return gx, gw, gb, None, None, None, None, None


def _update(stat: Tensor, value, momentum: float) -> None:
    """stat ← (1 − momentum)·stat + momentum·value, in place (a buffer: no autograd)."""
    d = stat._data
    d *= 1.0 - momentum
    d += (momentum * value).astype(d.dtype, copy=False)
    stat._vc[0] += 1


def _batch_norm_graph(ctx, g):
    """BatchNorm's backward from ember ops, for create_graph=True."""
    x, weight = ctx.saved_tensors
    need_x, need_w, need_b = ctx.needs_input_grad[:3]
    n, c = x.shape[0], x.shape[1]
    length = _tail(ctx.shape)
    x3, g3 = x.reshape(n, c, length), g.reshape(n, c, length)
    dims = (0, 2)
    if ctx.training:
        mean = x3.mean(dims, keepdim=True)
        xc = x3 - mean
        invstd = ((xc * xc).mean(dims, keepdim=True) + ctx.eps).rsqrt()
    else:
        xc = x3 - _const(ctx.mean.reshape(1, c, 1))
        invstd = _const(ctx.invstd.reshape(1, c, 1))
    xhat = xc * invstd
    gx = gw = gb = None
    if need_x:
        gy = g3 * weight.reshape(1, c, 1) if weight is not None else g3
        if ctx.training:
            gy = gy - gy.mean(dims, keepdim=True) - xhat * (gy * xhat).mean(dims, keepdim=True)
        gx = (gy * invstd).reshape(ctx.shape)
    if need_w:
        gw = (g3 * xhat).sum(dims)
    if need_b:
        gb = g3.sum(dims)
    return gx, gw, gb, None, None, None, None, None


def _check_float(op, input):
    check_tensor(input, op)
    if not input.is_floating_point():
        raise RuntimeError(f"{op}(): expected a floating point input, got {input.dtype}")


def _check_param(op, name, t, input, size, what):
    """A per-channel (or per-element) parameter: a tensor of ``size`` elements of input's dtype."""
    if t is None:
        return
    check_tensor(t, op, name)
    if t.numel() != size:
        raise RuntimeError(
            f"{op}(): {name} should contain {size} elements ({what}), got {name} of shape "
            f"{tuple(t.shape)} for input of shape {tuple(input.shape)}"
        )
    if t.dtype is not input.dtype:
        raise RuntimeError(
            f"{op}(): {name} is {t.dtype} but input is {input.dtype}; all inputs must share "
            f"one dtype (convert with .to({input.dtype}) or the module with .to(...))"
        )


def _verify_batch_size(shape):
    size = shape[0]
    for s in shape[2:]:
        size *= s
    if size == 1:
        from ..tensor import Size

        raise ValueError(
            f"Expected more than 1 value per channel when training, got input size {Size(shape)}"
        )


_BN_F = ("running_mean", "running_var", "weight", "bias", "training", "momentum", "eps")
_BN_TORCH = ("weight", "bias", "running_mean", "running_var", "training", "momentum", "eps",
             "cudnn_enabled")


def _bind(op, names, defaults, args, kwargs):
    """Positional ``args`` and keyword ``kwargs`` as one dict over ``names`` (cheap binding)."""
    if len(args) > len(names):
        raise TypeError(f"{op}() takes at most {len(names) + 1} arguments ({len(args) + 1} given)")
    bound = dict(defaults)
    bound.update(zip(names, args))
    for k, v in kwargs.items():
        if k not in names:
            raise TypeError(f"{op}() got an unexpected keyword argument '{k}'")
        if k in names[:len(args)]:
            raise TypeError(f"{op}() got multiple values for argument '{k}'")
        bound[k] = v
    missing = [k for k in names if k not in bound]
    if missing:
        raise TypeError(f"{op}() missing required argument(s): {', '.join(missing)}")
    return bound


def batch_norm(input, *args, **kwargs) -> Tensor:
    """Batch normalisation over every dimension of (N, C, *) but C:

        y = (x − E[x]) / √(Var[x] + eps) · weight + bias,

    with the batch statistics when ``training`` (Var biased; running_mean/running_var, when
    given, are updated in place: r ← (1 − momentum)·r + momentum·stat with the unbiased
    variance) and with running_mean/running_var otherwise.

    Called as ``F.batch_norm(input, running_mean, running_var, weight=None, bias=None,
    training=False, momentum=0.1, eps=1e-5)`` or, like ``torch.batch_norm``, with all nine
    arguments ``(input, weight, bias, running_mean, running_var, training, momentum, eps,
    cudnn_enabled)``.

    >>> import ember
    >>> from ember.ops.normalization import batch_norm
    >>> x = ember.tensor([[1.0], [3.0]])
    >>> batch_norm(x, None, None, training=True)
    tensor([[-1.0000],
            [ 1.0000]])
    """
    if "cudnn_enabled" in kwargs or len(args) == 8:
        a = _bind("batch_norm", _BN_TORCH, {}, args, kwargs)
    else:
        a = _bind("batch_norm", _BN_F, {"weight": None, "bias": None, "training": False,
                                        "momentum": 0.1, "eps": 1e-5}, args, kwargs)
    return _batch_norm(input, a["running_mean"], a["running_var"], a["weight"], a["bias"],
                       bool(a["training"]), a["momentum"], a["eps"])


def _batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps):
    op = "batch_norm"
    _check_float(op, input)
    if input.ndim < 2:
        raise RuntimeError(
            f"{op}(): expected input of shape (N, C) or (N, C, *) with at least 2 dimensions, "
            f"got input of shape {tuple(input.shape)}"
        )
    if (running_mean is None) != (running_var is None):
        raise ValueError("running_mean and running_var must either both be None or neither be "
                         "None")
    if not training and running_mean is None:
        raise RuntimeError(f"{op}(): running_mean must be defined in evaluation mode "
                           "(pass training=True to normalise with the batch statistics)")
    if momentum is None or isinstance(momentum, bool) or not isinstance(momentum,
                                                                        numbers.Real):
        raise TypeError(f"{op}(): argument 'momentum' must be float, not "
                        f"{type(momentum).__name__}")
    c = input.shape[1]
    for name, t in (("running_mean", running_mean), ("running_var", running_var),
                    ("weight", weight), ("bias", bias)):
        if t is not None:
            check_tensor(t, op, name)
            if t.numel() != c:
                raise RuntimeError(
                    f"{op}(): expected {t.numel()} channels (num_features) at dim 1, got input "
                    f"of shape {tuple(input.shape)}"
                )
            if t.dtype is not input.dtype:
                raise RuntimeError(
                    f"{op}(): {name} is {t.dtype} but input is {input.dtype}; all inputs must "
                    f"share one dtype (convert with .to({input.dtype}) or the module with .to(...))"
                )
    check_same_device(op, input, running_mean, running_var, weight, bias)
    if training:
        _verify_batch_size(tuple(input.shape))
        if eps <= 0.0:
            raise ValueError(f"batch_norm eps must be positive during training, but got {eps}")
    elif eps < 0.0:
        raise ValueError(f"batch_norm eps must be non-negative, but got {eps}")
    return BatchNorm.apply(input, weight, bias, running_mean, running_var, training,
                           float(momentum), float(eps))


# -- layer norm --------------------------------------------------------------------------------


class LayerNorm(Function):
    """Normalisation over the trailing ``normalized_shape`` elements, elementwise affine."""

    @staticmethod
    def forward(ctx, x, weight, bias, nshape, eps):
        xd = x._data
        d = math.prod(nshape)
        x3 = _work_dtype(xd.reshape(xd.size // d if d else 0, 1, d))
        w = weight._data.reshape(1, d) if weight is not None else None
        b = bias._data.reshape(1, d) if bias is not None else None
        with np.errstate(all="ignore"):
            out, mean, invstd, _ = _rows_forward(x.xp, x3, eps, w, b, xd.shape)
        ctx.mean, ctx.invstd, ctx.eps, ctx.shape, ctx.nshape = mean, invstd, eps, xd.shape, nshape
        ctx.save_for_backward(x, weight)
        return out.astype(xd.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        x, weight = ctx.saved_tensors
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        d = math.prod(ctx.nshape)
        if grad_state.enabled:
            rows = math.prod(ctx.shape) // d if d else 0
            g2 = g.reshape(rows, d)
            gy = g2 * weight.reshape(d) if weight is not None else g2
            gx, xhat = _rows_graph(x.reshape(rows, d), gy, ctx.eps)
            gw = (g2 * xhat).sum(0).reshape(ctx.nshape) if need_w else None
            gb = g2.sum(0).reshape(ctx.nshape) if need_b else None
            return (gx.reshape(ctx.shape) if need_x else None), gw, gb, None, None
        gd = g._data
        g3 = _work_dtype(gd.reshape(gd.size // d if d else 0, 1, d))
        x3 = _work_dtype(x._data.reshape(g3.shape))
        w = weight._data.reshape(1, d) if weight is not None else None
        gx, gw, gb = _rows_backward(g.xp, g3, x3, ctx.mean, ctx.invstd, w, need_x, need_w,
                                    need_b, ctx.shape)
        dt = gd.dtype
        gx = _const(gx.astype(dt, copy=False)) if need_x else None
        gw = _const(gw.astype(dt, copy=False).reshape(ctx.nshape)) if need_w else None
        gb = _const(gb.astype(dt, copy=False).reshape(ctx.nshape)) if need_b else None
        return gx, gw, gb, None, None


def _normalized_shape(op, normalized_shape):
    if isinstance(normalized_shape, (numbers.Integral,)) and not isinstance(normalized_shape,
                                                                            bool):
        return (int(normalized_shape),)
    try:
        shape = tuple(int(s) for s in normalized_shape)
    except TypeError:
        raise TypeError(f"{op}(): normalized_shape must be an int or a sequence of ints, got "
                        f"{type(normalized_shape).__name__}") from None
    if not shape:
        raise RuntimeError(
            f"{op}(): Expected normalized_shape to be at least 1-dimensional, i.e., containing "
            "at least one element, but got normalized_shape = []"
        )
    return shape


def _check_trailing(op, input, nshape):
    k = len(nshape)
    if input.ndim < k or tuple(input.shape[input.ndim - k:]) != nshape:
        raise RuntimeError(
            f"{op}(): Given normalized_shape={list(nshape)}, expected input with shape "
            f"[*, {', '.join(map(str, nshape))}], but got input of size {list(input.shape)}"
        )


def _check_affine_shape(op, name, t, input, nshape):
    if t is None:
        return
    check_tensor(t, op, name)
    if tuple(t.shape) != nshape:
        raise RuntimeError(
            f"{op}(): Expected {name} to be of same shape as normalized_shape, but got {name} "
            f"of shape {list(t.shape)} and normalized_shape = {list(nshape)}"
        )
    if t.dtype is not input.dtype:
        raise RuntimeError(
            f"{op}(): {name} is {t.dtype} but input is {input.dtype}; all inputs must share "
            f"one dtype (convert with .to({input.dtype}) or the module with .to(...))"
        )


def layer_norm(input, normalized_shape, weight=None, bias=None, eps: float = 1e-5,
               cudnn_enable: bool = True) -> Tensor:
    """Normalise over the trailing ``normalized_shape`` dimensions:

        y = (x − E[x]) / √(Var[x] + eps) · weight + bias   (Var biased, per leading index)

    >>> import ember
    >>> from ember.ops.normalization import layer_norm
    >>> layer_norm(ember.tensor([[1.0, 3.0]]), (2,), eps=0.0)
    tensor([[-1.,  1.]])
    """
    op = "layer_norm"
    _check_float(op, input)
    nshape = _normalized_shape(op, normalized_shape)
    _check_trailing(op, input, nshape)
    _check_affine_shape(op, "weight", weight, input, nshape)
    _check_affine_shape(op, "bias", bias, input, nshape)
    check_same_device(op, input, weight, bias)
    return LayerNorm.apply(input, weight, bias, nshape, float(eps))


# -- group norm (and instance norm) ------------------------------------------------------------


class GroupNorm(Function):
    """Normalisation of each (sample, group of channels), then a per-channel affine map.

    Instance norm is the case groups = channels; it may also update running statistics."""

    @staticmethod
    def forward(ctx, x, weight, bias, groups, eps, running_mean, running_var, momentum):
        xd = x._data
        xp = x.xp
        n, c = xd.shape[0], xd.shape[1]
        x3 = _work_dtype(xd.reshape(n, groups, c // groups * _tail(xd.shape)))
        length = x3.shape[2] * groups // c if c else 0
        w = _per_group(xp, weight, groups, length)
        b = _per_group(xp, bias, groups, length)
        with np.errstate(all="ignore"):
            out, mean, invstd, var = _rows_forward(xp, x3, eps, w, b, xd.shape)
        if running_mean is not None:  # instance norm: one row per (sample, channel)
            _update(running_mean, mean.mean(axis=0), momentum)
            unbiased = var * (length / (length - 1)) if length > 1 else var
            _update(running_var, unbiased.mean(axis=0), momentum)
        ctx.mean, ctx.invstd, ctx.eps, ctx.shape, ctx.groups = mean, invstd, eps, xd.shape, groups
        ctx.save_for_backward(x, weight)
        return out.astype(xd.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        x, weight = ctx.saved_tensors
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        n, c = ctx.shape[0], ctx.shape[1]
        groups = ctx.groups
        if grad_state.enabled:
            length = _tail(ctx.shape)
            g3 = g.reshape(n, c, length)
            gy = g3 * weight.reshape(1, c, 1) if weight is not None else g3
            k = c // groups * length
            gx, xhat = _rows_graph(x.reshape(n * groups, k), gy.reshape(n * groups, k), ctx.eps)
            gw = (g3 * xhat.reshape(n, c, length)).sum((0, 2)) if need_w else None
            gb = g3.sum((0, 2)) if need_b else None
            gx = gx.reshape(ctx.shape) if need_x else None
            return gx, gw, gb, None, None, None, None, None
        xp = g.xp
        gd = g._data
        g3 = _work_dtype(gd.reshape(n, groups, c // groups * _tail(gd.shape)))
        length = g3.shape[2] * groups // c if c else 0
        x3 = _work_dtype(x._data.reshape(g3.shape))
        w = _per_group(xp, weight, groups, length)
        gx, gw, gb = _rows_backward(xp, g3, x3, ctx.mean, ctx.invstd, w, need_x, need_w, need_b,
                                    ctx.shape)
        dt = gd.dtype
        gx = _const(gx.astype(dt, copy=False)) if need_x else None
        gw = _const(gw.reshape(c, length).sum(axis=1).astype(dt, copy=False)) if need_w else None
        gb = _const(gb.reshape(c, length).sum(axis=1).astype(dt, copy=False)) if need_b else None
        return gx, gw, gb, None, None, None, None, None


def _per_group(xp, t, groups, length):
    """A per-channel parameter laid out like one sample's (groups, channels/groups·length) rows."""
    if t is None:
        return None
    d = t._data
    c = d.shape[0]
    if length == 1:
        return d.reshape(groups, c // groups)
    return xp.broadcast_to(d.reshape(groups, c // groups, 1),
                           (groups, c // groups, length)).reshape(groups, c // groups * length)


def group_norm(input, num_groups: int, weight=None, bias=None, eps: float = 1e-5,
               cudnn_enabled: bool = True) -> Tensor:
    """Group normalisation of (N, C, *): the C channels form ``num_groups`` groups, each sample's
    group is normalised over its channels and positions, then y = x̂ · weight_c + bias_c.

    >>> import ember
    >>> from ember.ops.normalization import group_norm
    >>> group_norm(ember.tensor([[1.0, 3.0, 5.0, 9.0]]), 2, eps=0.0)
    tensor([[-1.,  1., -1.,  1.]])
    """
    op = "group_norm"
    _check_float(op, input)
    if input.ndim < 2:
        raise RuntimeError(
            f"{op}(): Expected at least 2 dimensions for input tensor but received {input.ndim} "
            f"(input of shape {tuple(input.shape)}; expected (N, C, *))"
        )
    n, c = input.shape[0], input.shape[1]
    if not isinstance(num_groups, numbers.Integral) or num_groups <= 0 or c % num_groups:
        raise RuntimeError(
            f"{op}(): Expected number of channels in input to be divisible by num_groups, but "
            f"got input of shape {list(input.shape)} and num_groups={num_groups}"
        )
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None:
            check_tensor(t, op, name)
            if t.ndim != 1 or t.shape[0] != c:
                raise RuntimeError(
                    f"{op}(): Expected {name} to be a vector of size equal to the number of "
                    f"channels in input, but got {name} of shape {list(t.shape)} and input of "
                    f"shape {list(input.shape)}"
                )
            _check_param(op, name, t, input, c, "one per channel")
    check_same_device(op, input, weight, bias)
    per_group = c // num_groups
    size = input.numel() // max(n * c, 1) * per_group
    if n * c and size == 1:
        from ..tensor import Size

        raise ValueError(
            "Expected more than 1 value per channel when training, got input size "
            f"{list(Size([n * c // num_groups, num_groups] + list(input.shape[2:])))}"
        )
    return GroupNorm.apply(input, weight, bias, int(num_groups), float(eps), None, None, 0.0)


_IN_F = ("running_mean", "running_var", "weight", "bias", "use_input_stats", "momentum", "eps")
_IN_TORCH = ("weight", "bias", "running_mean", "running_var", "use_input_stats", "momentum",
             "eps", "cudnn_enabled")


def instance_norm(input, *args, **kwargs) -> Tensor:
    """Instance normalisation: each (sample, channel) of (N, C, *) normalised over its positions,
    then y = x̂ · weight_c + bias_c. With ``use_input_stats`` and running stats given, those are
    updated in place with the instance statistics averaged over the batch (unbiased variance);
    with ``use_input_stats=False`` the running statistics normalise instead.

    Called as ``F.instance_norm(input, running_mean=None, running_var=None, weight=None,
    bias=None, use_input_stats=True, momentum=0.1, eps=1e-5)`` or like ``torch.instance_norm``
    with all nine arguments (weight, bias, running_mean, running_var, use_input_stats,
    momentum, eps, cudnn_enabled after input).

    >>> import ember
    >>> from ember.ops.normalization import instance_norm
    >>> instance_norm(ember.tensor([[[1.0, 3.0], [0.0, 4.0]]]), eps=0.0)
    tensor([[[-1.,  1.],
             [-1.,  1.]]])
    """
    if "cudnn_enabled" in kwargs or len(args) == 8:
        a = _bind("instance_norm", _IN_TORCH, {}, args, kwargs)
    else:
        a = _bind("instance_norm", _IN_F, {"running_mean": None, "running_var": None,
                                           "weight": None, "bias": None,
                                           "use_input_stats": True, "momentum": 0.1,
                                           "eps": 1e-5}, args, kwargs)
    return _instance_norm(input, a["running_mean"], a["running_var"], a["weight"], a["bias"],
                          bool(a["use_input_stats"]), a["momentum"], a["eps"])


def _instance_norm(input, running_mean, running_var, weight, bias, use_input_stats, momentum,
                   eps):
    op = "instance_norm"
    _check_float(op, input)
    if input.ndim < 2:
        raise RuntimeError(f"{op}(): expected input of shape (N, C, *), got input of shape "
                           f"{tuple(input.shape)}")
    if (running_mean is None) != (running_var is None):
        raise ValueError("running_mean and running_var must either both be None or neither be "
                         "None")
    if not use_input_stats:
        if running_mean is None:
            raise RuntimeError(f"{op}(): Expected running_mean and running_var to be defined "
                               "when use_input_stats is false")
        return _batch_norm(input, running_mean, running_var, weight, bias, False,
                           0.0 if momentum is None else momentum, eps)
    c = input.shape[1]
    for name, t in (("running_mean", running_mean), ("running_var", running_var),
                    ("weight", weight), ("bias", bias)):
        _check_param(op, name, t, input, c, "one per channel (dim 1)")
    check_same_device(op, input, running_mean, running_var, weight, bias)
    size = 1
    for s in input.shape[2:]:
        size *= s
    if size == 1:
        from ..tensor import Size

        raise ValueError("Expected more than 1 spatial element when training, got input size "
                         f"{Size(tuple(input.shape))}")
    momentum = 0.0 if momentum is None else float(momentum)
    return GroupNorm.apply(input, weight, bias, int(c), float(eps), running_mean, running_var,
                           momentum)


# -- composites --------------------------------------------------------------------------------


def rms_norm(input, normalized_shape, weight=None, eps: float | None = None) -> Tensor:
    """Root-mean-square normalisation over the trailing ``normalized_shape`` dimensions:

        y = x / √(mean(x²) + eps) · weight,   eps defaulting to the dtype's machine epsilon.

    >>> import ember
    >>> from ember.ops.normalization import rms_norm
    >>> rms_norm(ember.tensor([[1.0, 7.0]]), (2,), eps=0.0)
    tensor([[0.2000, 1.4000]])
    """
    op = "rms_norm"
    _check_float(op, input)
    nshape = _normalized_shape(op, normalized_shape)
    _check_trailing(op, input, nshape)
    _check_affine_shape(op, "weight", weight, input, nshape)
    check_same_device(op, input, weight)
    if eps is None:
        eps = float(np.finfo(np.float64 if input._data.dtype == np.float64 else np.float32).eps)
    dims = tuple(range(input.ndim - len(nshape), input.ndim))
    out = input * ((input * input).mean(dims, keepdim=True) + eps).rsqrt()
    return out * weight if weight is not None else out


def local_response_norm(input, size: int, alpha: float = 1e-4, beta: float = 0.75,
                        k: float = 1.0) -> Tensor:
    """Local response normalisation across channels of (N, C, *):

        y_c = x_c / (k + α/n · Σ_{c'=c−⌊n/2⌋}^{c+⌊(n−1)/2⌋} x_{c'}²)^β,   n = size

    (channels outside [0, C) count as zero).

    >>> import ember
    >>> from ember.ops.normalization import local_response_norm
    >>> x = ember.ones(1, 2, 1)
    >>> local_response_norm(x, 2, alpha=1.0, beta=1.0, k=0.0)  # windows {0} and {0, 1}
    tensor([[[2.],
             [1.]]])
    """
    from .shape import pad

    op = "local_response_norm"
    check_tensor(input, op)
    if input.ndim < 3:
        raise ValueError(f"{op}(): Expected 3D or higher dimensionality input (got "
                         f"{input.ndim} dimensions, shape {tuple(input.shape)})")
    if input.numel() == 0:
        return input
    c = input.shape[1]
    sq = input * input
    spec = (0, 0) * (input.ndim - 2) + (size // 2, (size - 1) // 2)
    padded = pad(sq, spec)
    total = padded.narrow(1, 0, c)
    for i in range(1, size):
        total = total + padded.narrow(1, i, c)
    div = (total * (alpha / size) + k) ** beta
    return input / div


def normalize(input, p: float = 2.0, dim: int = 1, eps: float = 1e-12, out=None) -> Tensor:
    """Lp-normalise along ``dim``: x / max(‖x‖_p, eps).

    >>> import ember
    >>> from ember.ops.normalization import normalize
    >>> normalize(ember.tensor([[3.0, 4.0]]))
    tensor([[0.6000, 0.8000]])
    """
    from .linalg import vector_norm

    check_tensor(input, "normalize")
    denom = vector_norm(input, p, dim, keepdim=True).clamp_min(eps).expand_as(input)
    result = input / denom
    if out is not None:
        check_tensor(out, "normalize", "out")
        out.copy_(result)
        return out
    return result
