"""Pooling and resampling: max/avg pooling (1-D, 2-D, adaptive), max_unpool, lp_pool,
interpolate/upsample and pixel_shuffle/pixel_unshuffle.

Max and average pooling are one loop over the KH·KW kernel offsets: for offset (i, j) the
input values of every window form a strided slice x[:, :, i·d − p + s·oh, j·d − p + s·ow]
(no copy), restricted to the outputs whose window position lies inside the input, so padding
costs nothing. Forward is KH·KW − 1 vectorised maximum (or add) calls per batch chunk (about
1 MiB of input, so the passes stay in cache; chunks are split over threads like conv's);
the memory layout (channels-last or not) is kept. Stride == kernel pooling is this same loop:
its slices are the reshape view x.reshape(N, C, OH, kh, OW, kw)[:, :, :, i, :, j], and three
maximum calls beat reducing that view (W2 pool1, CPU ms: loop 3.4-4.3; view.max over the two
window axes 7.6 on channels-last memory, 75 on NCHW).

The max gradient goes to ONE input per window, the first maximum in window (row-major)
order, like PyTorch (this matters on ties, e.g. after ReLU). The backward recomputes that
routing from the saved input and maximum: for each offset in order, ``x == max`` and not yet
taken; the last offset takes what is left. Measured on the W2 pool (128×32×26×26 → 13×13,
2x2, one core, CPU ms): forward maxima only 3.4-4.3 vs with a window-index array 10-12
(27 with masked copyto); backward whole-batch 13, in chunks 10.4, with matching layouts for
the masks and gradient 6.4. So the forward stores no indices (inference pays nothing). A NaN
maximum (routed to the last NaN, as in PyTorch) or a non-finite gradient takes an exact
index path instead.
"""

from __future__ import annotations

import math

import numpy as np

from ..autograd.function import Function
from ..autograd.grad_mode import state as grad_state
from ..tensor import Tensor
from ._util import check_tensor
from .conv import channels_last, empty4, int_tuple, parallel_ranges, scratch

__all__ = ["max_pool1d", "max_pool2d", "avg_pool1d", "adaptive_avg_pool1d", "pixel_shuffle",
           "pixel_unshuffle"]
TENSOR_METHODS: tuple = ()


# -- geometry --------------------------------------------------------------------------------


class PoolGeometry:
    """Windows of (KH, KW) with stride (sh, sw), padding (ph, pw) and dilation (dh, dw) over an
    (N, C, H, W) input, giving (N, C, OH, OW). ``x_shape``/``y_shape`` are the callers' shapes
    (1-D signals have H = 1, unbatched inputs N = 1)."""

    __slots__ = ("N", "C", "H", "W", "KH", "KW", "sh", "sw", "ph", "pw", "dh", "dw", "OH",
                 "OW", "x_shape", "y_shape", "divisor")

    def __init__(self, **kw):
        self.divisor = None
        for k, v in kw.items():
            setattr(self, k, v)

    @property
    def x4(self):
        return (self.N, self.C, self.H, self.W)

    @property
    def y4(self):
        return (self.N, self.C, self.OH, self.OW)

    def tiles(self) -> bool:
        """Whether the windows partition the input exactly (each element in one window)."""
        return (self.KH == self.sh and self.KW == self.sw and self.dh == 1 and self.dw == 1
                and self.ph == 0 and self.pw == 0 and self.OH * self.KH == self.H
                and self.OW * self.KW == self.W)

    def disjoint(self) -> bool:
        """Whether no input element is in two windows (stride ≥ dilated kernel)."""
        return (self.sh >= self.dh * (self.KH - 1) + 1
                and self.sw >= self.dw * (self.KW - 1) + 1)

    def offsets(self):
        """(k, rows, cols, out_rows, out_cols, full) for every kernel offset k (row-major) that
        some window holds inside the input: input slices, output slices, and whether every
        output takes part."""
        result = []
        hs = [_axis(self.OH, self.H, self.sh, self.ph, self.dh, i) for i in range(self.KH)]
        ws = [_axis(self.OW, self.W, self.sw, self.pw, self.dw, j) for j in range(self.KW)]
        for i, (hl, hh, hr) in enumerate(hs):
            for j, (wl, wh, wr) in enumerate(ws):
                if hh <= hl or wh <= wl:
                    continue
                full = hl == 0 and hh == self.OH and wl == 0 and wh == self.OW
                result.append((i * self.KW + j,
                               slice(hr, hr + (hh - hl - 1) * self.sh + 1, self.sh),
                               slice(wr, wr + (wh - wl - 1) * self.sw + 1, self.sw),
                               slice(hl, hh), slice(wl, wh), full))
        return result


def _axis(n_out, size, s, p, d, i):
    """The outputs [lo, hi) whose window holds offset i inside [0, size), and the first input
    index they read."""
    off = i * d - p
    lo = max(0, -(off // s))
    hi = min(n_out, (size - 1 - off) // s + 1) if size - 1 - off >= 0 else 0
    return lo, hi, lo * s + off


def _pool_out(size, k, s, p, d, ceil_mode):
    """PyTorch's pooling output size, including the ceil-mode rule that the last window must
    start inside the input or its left padding."""
    num = size + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil_mode else 0)
    out = num // s + 1
    if ceil_mode and (out - 1) * s >= size + p:
        out -= 1
    return out


def _lowest(dtype):
    return -np.inf if dtype.kind == "f" else np.iinfo(dtype).min


# -- kernels on arrays -----------------------------------------------------------------------


def _per_image(geo: PoolGeometry, itemsize: int) -> int:
    return geo.C * geo.H * geo.W * itemsize


def max_forward(xp, x4, geo: PoolGeometry):
    """The maximum of every window (NaN if it holds one), per batch chunk: a chunk's
    KH·KW − 1 maximum passes stay in cache."""
    offs = geo.offsets()
    best = empty4(xp, geo.y4, x4.dtype, channels_last(x4), zero=False)
    full0 = offs[0][5]

    def part(a, b, step):
        for n0 in range(a, b, step):
            n1 = min(b, n0 + step)
            xs, bs = x4[n0:n1], best[n0:n1]
            rest = offs
            if full0:
                bs[...] = xs[:, :, offs[0][1], offs[0][2]]
                rest = offs[1:]
            else:
                bs[...] = _lowest(x4.dtype)
            for _, rows, cols, orow, ocol, _ in rest:
                dst = bs[:, :, orow, ocol]
                xp.maximum(dst, xs[:, :, rows, cols], out=dst)

    parallel_ranges(xp, geo.N, _per_image(geo, x4.dtype.itemsize), part)
    return best


def max_indices(xp, x4, best, geo: PoolGeometry):
    """Flat positions h·W + w (int64) of each window's maximum in its channel plane: the first
    maximum in window order, or the last NaN when the maximum is NaN (PyTorch's rule)."""
    idx = xp.zeros(best.shape, dtype=np.int64)
    taken = xp.zeros(best.shape, dtype=bool)
    offs = geo.offsets()
    for _, rows, cols, orow, ocol, _ in offs:
        v = x4[:, :, rows, cols]
        eq = v == best[:, :, orow, ocol]
        t = taken[:, :, orow, ocol]
        xp.greater(eq, t, out=eq)  # equal and not taken before
        xp.logical_or(t, eq, out=t)
        xp.copyto(idx[:, :, orow, ocol], _positions(xp, rows, cols, geo.W), where=eq)
    if best.dtype.kind == "f" and xp.isnan(best).any():
        for _, rows, cols, orow, ocol, _ in offs:
            nan = xp.isnan(x4[:, :, rows, cols])
            xp.copyto(idx[:, :, orow, ocol], _positions(xp, rows, cols, geo.W), where=nan)
    return idx


def _positions(xp, rows, cols, W):
    r = xp.arange(rows.start, rows.stop, rows.step, dtype=np.int64)
    c = xp.arange(cols.start, cols.stop, cols.step, dtype=np.int64)
    return r[:, None] * W + c[None, :]


def _flat(a):
    """``a`` as a 1-D view when its memory is one block (NCHW or channels-last), else ``a``:
    a sum over a channels-last (N, C, H, W) view runs C-long inner loops, over the flat view
    one unit-stride pass."""
    if a.flags.c_contiguous:
        return a.reshape(-1)
    if a.ndim == 4:
        t = a.transpose(0, 2, 3, 1)
        if t.flags.c_contiguous:
            return t.reshape(-1)
    return a


def _finite(xp, gs, bs) -> bool:
    """Whether the gradient chunk is finite and no maximum is NaN (one sum each; a sum that
    overflows only sends the chunk down the exact slow path)."""
    if not bool(xp.isfinite(_flat(gs).sum())):
        return False
    return bs.dtype.kind != "f" or not bool(xp.isnan(_flat(bs).sum()))


def _route_by_index(xp, xs, bs, gs, geo: PoolGeometry):
    """The exact routing through flat argmax positions (NaN maxima, non-finite gradients)."""
    from .indexing import _add_at

    n = xs.shape[0]
    plane = geo.H * geo.W
    idx = max_indices(xp, xs, bs, geo).reshape(n * geo.C, -1)
    pos = (xp.arange(n * geo.C, dtype=np.int64)[:, None] * plane + idx).ravel()
    gx = xp.zeros(n * geo.C * plane, dtype=gs.dtype)
    _add_at(xp, gx, pos, xp.ascontiguousarray(gs).ravel())
    return gx.reshape(xs.shape)


def _scratch4(xp, name, shape, dtype, nhwc):
    """A reusable (N, C, H, W) work buffer, channels-last in memory when ``nhwc``."""
    if nhwc:
        n, c, h, w = shape
        return scratch(xp, name, (n, h, w, c), dtype).transpose(0, 3, 1, 2)
    return scratch(xp, name, shape, dtype)


def max_backward(xp, x4, best, g4, geo: PoolGeometry):
    """The gradient routed to each window's first maximum (see the module docstring).

    Per batch chunk and kernel offset k in window order: route = (x_k == max) and not taken
    by an earlier offset; the last offset, when every window has it, takes the rest."""
    disjoint = geo.disjoint()
    nhwc = channels_last(x4)
    gx = empty4(xp, geo.x4, g4.dtype, nhwc, zero=not geo.tiles())
    offs = geo.offsets()
    last = len(offs) - 1
    mixed = nhwc != channels_last(g4)  # mixed layouts make every pass strided: copy g once

    def part(a, b, step):
        images = min(step, b - a)
        taken = _scratch4(xp, "taken", (images,) + best.shape[1:], bool, nhwc)
        gbuf = _scratch4(xp, "grad", (images,) + best.shape[1:], g4.dtype, nhwc) \
            if mixed else None
        for n0 in range(a, b, step):
            n1 = min(b, n0 + step)
            xs, bs, gs, gxs = x4[n0:n1], best[n0:n1], g4[n0:n1], gx[n0:n1]
            if mixed:
                gbuf[:n1 - n0] = gs
                gs = gbuf[:n1 - n0]
            if not _finite(xp, gs, bs):
                gxs[...] = _route_by_index(xp, xs, bs, gs, geo)
                continue
            tk = taken[:n1 - n0]
            for n, (_, rows, cols, orow, ocol, full) in enumerate(offs):
                t = tk[:, :, orow, ocol]
                if n == last and full and n:
                    route = xp.logical_not(t)  # maxima no earlier offset held are here
                else:
                    route = xs[:, :, rows, cols] == bs[:, :, orow, ocol]
                    if n == 0:
                        if not full:
                            tk[...] = False
                        t[...] = route
                    else:
                        xp.greater(route, t, out=route)  # equal and not taken before
                        if n != last:
                            xp.logical_or(t, route, out=t)
                gk = gs[:, :, orow, ocol]
                dst = gxs[:, :, rows, cols]
                if disjoint:
                    xp.multiply(gk, route, out=dst)
                else:
                    dst += gk * route

    parallel_ranges(xp, geo.N, _per_image(geo, x4.dtype.itemsize), part)
    return gx


def sum_forward(xp, x4, geo: PoolGeometry, dtype):
    """The sum of every window (in ``dtype``)."""
    offs = geo.offsets()
    acc = empty4(xp, geo.y4, dtype, channels_last(x4), zero=not offs[0][5])

    def part(a, b, step):
        for n0 in range(a, b, step):
            n1 = min(b, n0 + step)
            xs, acs = x4[n0:n1], acc[n0:n1]
            rest = offs
            if offs[0][5]:
                acs[...] = xs[:, :, offs[0][1], offs[0][2]]
                rest = offs[1:]
            for _, rows, cols, orow, ocol, _ in rest:
                acs[:, :, orow, ocol] += xs[:, :, rows, cols]

    parallel_ranges(xp, geo.N, _per_image(geo, x4.dtype.itemsize), part)
    return acc


def spread_backward(xp, g4, geo: PoolGeometry, nhwc: bool):
    """Σ over windows of g: each window's value added to all its inputs."""
    disjoint = geo.disjoint()
    gx = empty4(xp, geo.x4, g4.dtype, nhwc, zero=not geo.tiles())
    offs = geo.offsets()

    def part(a, b, step):
        for n0 in range(a, b, step):
            n1 = min(b, n0 + step)
            gs, gxs = g4[n0:n1], gx[n0:n1]
            for _, rows, cols, orow, ocol, _ in offs:
                if disjoint:
                    gxs[:, :, rows, cols] = gs[:, :, orow, ocol]
                else:
                    gxs[:, :, rows, cols] += gs[:, :, orow, ocol]

    parallel_ranges(xp, geo.N, _per_image(geo, g4.dtype.itemsize), part)
    return gx


def _divide(xp, s, div):
    """s / div, truncating toward zero for integers like PyTorch."""
    if s.dtype.kind == "f":
        if isinstance(div, (int, float)):
            s /= div
        else:
            s /= div.astype(s.dtype)
        return s
    q = xp.abs(s) // div
    return xp.where(s < 0, -q, q)


def _avg_divisor(geo: PoolGeometry, count_include_pad: bool, override):
    """The divisor of each window: an int, or an (OH, OW) int64 array where windows differ."""
    if override is not None:
        return int(override)

    def counts(n_out, size, k, s, p):
        c = []
        for o in range(n_out):
            start = o * s - p
            end = min(start + k, size + p)
            if not count_include_pad:
                c.append(min(end, size) - max(start, 0))
            else:
                c.append(end - start)
        return np.array(c, dtype=np.int64)

    ch = counts(geo.OH, geo.H, geo.KH, geo.sh, geo.ph)
    cw = counts(geo.OW, geo.W, geo.KW, geo.sw, geo.pw)
    div = ch[:, None] * cw[None, :]
    if div.size and (div == div.flat[0]).all():
        return int(div.flat[0])
    return div


# -- autograd --------------------------------------------------------------------------------


class _MaxPool(Function):
    @staticmethod
    def forward(ctx, x, geo):
        best = max_forward(x.xp, x._data.reshape(geo.x4), geo)
        ctx.geo = geo
        if not ctx.needs_input_grad[0]:
            return best.reshape(geo.y_shape)
        # Backward reroutes from (x, max). The max is kept privately (PyTorch keeps indices),
        # so an in-place change to the returned output (e.g. ReLU(inplace=True)) is allowed.
        ctx.best = best
        ctx.save_for_backward(x)
        return best.copy(order="K").reshape(geo.y_shape)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        geo = ctx.geo
        xp = g.xp
        xd = x._data.reshape(geo.x4)
        if grad_state.enabled:  # create_graph: a scatter of g, differentiable again
            idx = max_indices(xp, xd, ctx.best, geo)
            return _scatter_plane(g, idx, geo), None
        gx = max_backward(xp, xd, ctx.best, g._data.reshape(geo.y4), geo)
        return Tensor._make(gx.reshape(geo.x_shape)), None


def _scatter_plane(g, idx, geo):
    """zeros(x).flatten(-2) with g added at the flat plane positions ``idx``, as ember ops."""
    from .creation import zeros

    n, c = geo.N, geo.C
    gi = Tensor._make(idx.reshape(n, c, -1))
    gx = zeros(n, c, geo.H * geo.W, dtype=g.dtype, device=g.device)
    gx = gx.scatter_add(2, gi, g.reshape(n, c, -1))
    return gx.reshape(geo.x_shape)


class _AvgPool(Function):
    """y = P x (window sums over the divisor); linear, so its gradient is Pᵀ g."""

    @staticmethod
    def forward(ctx, x, geo):
        xd = x._data.reshape(geo.x4)
        acc_dt = xd.dtype if xd.dtype.kind == "f" else np.int64
        s = sum_forward(x.xp, xd, geo, acc_dt)
        out = _divide(x.xp, s, geo.divisor)
        ctx.geo = geo
        ctx.nhwc = channels_last(xd)
        return out.astype(xd.dtype, copy=False).reshape(geo.y_shape)

    @staticmethod
    def backward(ctx, g):
        return _AvgPoolT.apply(g, ctx.geo, ctx.nhwc), None


class _AvgPoolT(Function):
    """Pᵀ g: each window's g / divisor spread over its inputs."""

    @staticmethod
    def forward(ctx, g, geo, nhwc):
        gd = g._data.reshape(geo.y4)
        gd = gd / (geo.divisor if isinstance(geo.divisor, int) else geo.divisor.astype(gd.dtype))
        gx = spread_backward(g.xp, gd, geo, nhwc)
        ctx.geo = geo
        return gx.reshape(geo.x_shape)

    @staticmethod
    def backward(ctx, h):
        return _AvgPool.apply(h, ctx.geo), None, None


# -- argument checks -------------------------------------------------------------------------


def _check_input(op, input, nd, allow_int=True):
    check_tensor(input, op)
    if input.ndim not in (nd + 1, nd + 2):
        want = "2-D (C, L) or 3-D (N, C, L)" if nd == 1 else "3-D (C, H, W) or 4-D (N, C, H, W)"
        raise RuntimeError(f"{op}(): expected a {want} input, but got input of shape "
                           f"{tuple(input.shape)}")
    dims = tuple(input.shape)[-(nd + 1):]
    if any(s == 0 for s in dims):
        raise RuntimeError(f"{op}(): expected non-empty channel and spatial dimensions (only "
                           f"the batch may be empty), but got input of shape "
                           f"{tuple(input.shape)}")
    if input.dtype.name == "bool" or (not allow_int and not input.is_floating_point()):
        raise RuntimeError(f"{op}(): \"{op}\" not implemented for {input.dtype}; use a floating "
                           "point input")


def _stride_arg(stride, kernel, nd, op):
    if stride is None or (isinstance(stride, (tuple, list)) and len(stride) == 0):
        return kernel
    return int_tuple(stride, nd, "stride", op, "the pooling dimensions")


def _geometry(op, input, nd, kernel_size, stride, padding, dilation, ceil_mode, is_max):
    k = int_tuple(kernel_size, nd, "kernel_size", op, "the pooling dimensions")
    s = _stride_arg(stride, k, nd, op)
    p = int_tuple(padding, nd, "padding", op, "the pooling dimensions")
    d = int_tuple(dilation, nd, "dilation", op, "the pooling dimensions")
    if any(v <= 0 for v in k):
        raise RuntimeError(f"{op}(): kernel_size should be greater than zero, but got "
                           f"kernel_size={k}")
    if any(v <= 0 for v in s):
        raise RuntimeError(f"{op}(): stride should be greater than zero, but got stride={s}")
    if any(v <= 0 for v in d):
        raise RuntimeError(f"{op}(): dilation should be greater than zero, but got "
                           f"dilation={d}")
    if any(v < 0 for v in p):
        raise RuntimeError(f"{op}(): padding should be non-negative, but got padding={p}")
    for kk, pp, dd in zip(k, p, d):
        half = ((kk - 1) * dd + 1) // 2 if is_max else kk // 2
        if pp > half or pp > kk // 2:
            raise RuntimeError(
                f"{op}(): pad should be at most half of effective kernel size, but got "
                f"padding={p}, kernel_size={k} and dilation={d}"
            )
    shape = tuple(input.shape)
    batched = input.ndim == nd + 2
    spatial = shape[-nd:]
    outs = tuple(_pool_out(n, kk, ss, pp, dd, ceil_mode)
                 for n, kk, ss, pp, dd in zip(spatial, k, s, p, d))
    if any(o < 1 for o in outs):
        c = shape[-nd - 1]
        raise RuntimeError(
            f"{op}(): given input size: ({'x'.join(map(str, (c,) + spatial))}). Calculated "
            f"output size: ({'x'.join(map(str, (c,) + outs))}). Output size is too small "
            f"(kernel_size={k}, stride={s}, padding={p}, dilation={d})"
        )
    one = (lambda v, f: (f,) + v) if nd == 1 else (lambda v, f: v)
    (KH, KW), (sh, sw), (ph, pw), (dh, dw) = one(k, 1), one(s, 1), one(p, 0), one(d, 1)
    (H, W), (OH, OW) = one(spatial, 1), one(outs, 1)
    return PoolGeometry(N=shape[0] if batched else 1, C=shape[-nd - 1], H=H, W=W, KH=KH, KW=KW,
                        sh=sh, sw=sw, ph=ph, pw=pw, dh=dh, dw=dw, OH=OH, OW=OW, x_shape=shape,
                        y_shape=shape[:-nd] + outs)


# -- max pooling -----------------------------------------------------------------------------


def _max_pool(op, nd, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices):
    _check_input(op, input, nd)
    geo = _geometry(op, input, nd, kernel_size, stride, padding, dilation, ceil_mode, True)
    out = _MaxPool.apply(input, geo)
    if not return_indices:
        return out
    idx = max_indices(input.xp, input._data.reshape(geo.x4), out._data.reshape(geo.y4), geo)
    return out, Tensor._make(idx.reshape(geo.y_shape))


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """The maximum of each (kH, kW) window: y[n, c, h, w] = max_ij x[n, c, s·h + d·i − p,
    s·w + d·j − p], padding counting as −∞. ``stride`` defaults to ``kernel_size``;
    ``ceil_mode`` keeps a last partial window; ``return_indices`` also returns each maximum's
    flat position h·W + w in its channel plane (for max_unpool2d).

    >>> x = ember.arange(16.).reshape(1, 1, 4, 4)
    >>> ember.ops.pooling.max_pool2d(x, 2)
    tensor([[[[ 5.,  7.],
              [13., 15.]]]])
    """
    return _max_pool("max_pool2d", 2, input, kernel_size, stride, padding, dilation, ceil_mode,
                     return_indices)


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """The maximum of each window of a (N, C, L) or (C, L) signal (see max_pool2d).

    >>> ember.ops.pooling.max_pool1d(ember.tensor([[1., 3., 2., 5., 4.]]), 2)
    tensor([[3., 5.]])
    """
    return _max_pool("max_pool1d", 1, input, kernel_size, stride, padding, dilation, ceil_mode,
                     return_indices)


# -- average pooling -------------------------------------------------------------------------


def _avg_pool(op, nd, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
              divisor_override):
    _check_input(op, input, nd)
    geo = _geometry(op, input, nd, kernel_size, stride, padding, 1, ceil_mode, False)
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError(f"{op}(): divisor must be not zero")
    geo.divisor = _avg_divisor(geo, count_include_pad, divisor_override)
    return _AvgPool.apply(input, geo)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    """The mean of each (kH, kW) window. The divisor is the window size counting zero padding
    (``count_include_pad``) or only the input elements, or ``divisor_override``; integer
    inputs divide with truncation like PyTorch.

    >>> x = ember.arange(16.).reshape(1, 1, 4, 4)
    >>> ember.ops.pooling.avg_pool2d(x, 2)
    tensor([[[[ 2.5000,  4.5000],
              [10.5000, 12.5000]]]])
    """
    return _avg_pool("avg_pool2d", 2, input, kernel_size, stride, padding, ceil_mode,
                     count_include_pad, divisor_override)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True):
    """The mean of each window of a (N, C, L) or (C, L) signal (see avg_pool2d).

    >>> ember.ops.pooling.avg_pool1d(ember.tensor([[1., 3., 2., 6.]]), 2)
    tensor([[2., 4.]])
    """
    return _avg_pool("avg_pool1d", 1, input, kernel_size, stride, padding, ceil_mode,
                     count_include_pad, None)


# -- adaptive pooling ------------------------------------------------------------------------


def _adaptive_sizes(op, input, nd, output_size):
    spatial = tuple(input.shape)[-nd:]
    if isinstance(output_size, (list, tuple)):
        if len(output_size) != nd:
            raise ValueError(f"{op}(): output_size must be an int or a tuple of {nd} values, "
                             f"got {output_size!r}")
        sizes = tuple(spatial[i] if v is None else v for i, v in enumerate(output_size))
    else:
        if output_size is None:
            return spatial
        sizes = (output_size,) * nd
    sizes = tuple(int(v) for v in sizes)
    if any(v < 0 for v in sizes):
        raise RuntimeError(f"{op}(): output_size must be non-negative, got {sizes}")
    return sizes


def _bounds(n_out, size):
    """Adaptive windows: [⌊o·size/n⌋, ⌈(o + 1)·size/n⌉) for each output o."""
    starts = [(o * size) // n_out for o in range(n_out)]
    ends = [-((-(o + 1) * size) // n_out) for o in range(n_out)]
    return starts, ends


def _adaptive_geometry(input, nd, sizes):
    """A regular geometry (kernel = stride = size / out) when every dimension divides evenly."""
    shape = tuple(input.shape)
    spatial = shape[-nd:]
    if any(o == 0 or n % o for n, o in zip(spatial, sizes)):
        return None
    ks = tuple(n // o for n, o in zip(spatial, sizes))
    one = (lambda v, f: (f,) + v) if nd == 1 else (lambda v, f: v)
    (KH, KW), (H, W), (OH, OW) = one(ks, 1), one(spatial, 1), one(sizes, 1)
    return PoolGeometry(N=shape[0] if input.ndim == nd + 2 else 1, C=shape[-nd - 1], H=H, W=W,
                        KH=KH, KW=KW, sh=KH, sw=KW, ph=0, pw=0, dh=1, dw=1, OH=OH, OW=OW,
                        x_shape=shape, y_shape=shape[:-nd] + sizes)


def _averaging_matrix(xp, n_out, size, dtype):
    """(n_out, size) with 1/len on each adaptive window."""
    a = np.zeros((n_out, size), dtype=np.float64)
    starts, ends = _bounds(n_out, size)
    for o, (s, e) in enumerate(zip(starts, ends)):
        a[o, s:e] = 1.0 / (e - s)
    return xp.asarray(a.astype(dtype))


def _adaptive_avg(op, nd, input, output_size):
    _check_input(op, input, nd, allow_int=False)
    sizes = _adaptive_sizes(op, input, nd, output_size)
    spatial = tuple(input.shape)[-nd:]
    if sizes == (1,) * nd:
        return input.mean(dim=tuple(range(-nd, 0)), keepdim=True)
    geo = _adaptive_geometry(input, nd, sizes)
    if geo is not None:
        geo.divisor = geo.KH * geo.KW
        return _AvgPool.apply(input, geo)
    xp, dt = input.xp, input._data.dtype
    out = input
    if nd == 2:
        ah = Tensor._make(_averaging_matrix(xp, sizes[0], spatial[0], dt))
        out = ah @ out
    aw = Tensor._make(_averaging_matrix(xp, sizes[-1], spatial[-1], dt))
    return out @ aw.mT


def adaptive_avg_pool2d(input, output_size) -> Tensor:
    """Average pooling to a fixed output size: output (oh, ow) averages rows
    [⌊oh·H/OH⌋, ⌈(oh+1)·H/OH⌉) and the same for columns; None keeps an input size.

    >>> ember.ops.pooling.adaptive_avg_pool2d(ember.arange(16.).reshape(1, 4, 4), 1)
    tensor([[[7.5000]]])
    """
    return _adaptive_avg("adaptive_avg_pool2d", 2, input, output_size)


def adaptive_avg_pool1d(input, output_size) -> Tensor:
    """Adaptive average pooling of a (N, C, L) or (C, L) signal to ``output_size`` values.

    >>> ember.ops.pooling.adaptive_avg_pool1d(ember.tensor([[1., 2., 3., 4., 5.]]), 2)
    tensor([[2., 4.]])
    """
    return _adaptive_avg("adaptive_avg_pool1d", 1, input, output_size)


def _adaptive_max_indices(xp, x4, OH, OW):
    """Flat plane positions of each adaptive window's maximum (first in window order; the last
    NaN if any), by one vectorised pass per offset of the largest window."""
    n, c, H, W = x4.shape
    sh, eh = (np.array(v) for v in _bounds(OH, H))
    sw, ew = (np.array(v) for v in _bounds(OW, W))
    lowest = _lowest(x4.dtype)
    best = xp.full((n, c, OH, OW), lowest, dtype=x4.dtype)
    idx = xp.zeros((n, c, OH, OW), dtype=np.int64)
    idx[...] = xp.asarray(sh[:, None] * W + sw[None, :])
    for a in range(int((eh - sh).max())):
        rows = np.minimum(sh + a, eh - 1)  # past a window's end: repeat its last row (no-op)
        xr = x4[:, :, xp.asarray(rows)]
        for b in range(int((ew - sw).max())):
            cols = np.minimum(sw + b, ew - 1)
            v = xr[:, :, :, xp.asarray(cols)]
            upd = v > best
            if v.dtype.kind == "f":
                upd |= xp.isnan(v)
            best = xp.where(upd, v, best)
            idx = xp.where(upd, xp.asarray(rows[:, None] * W + cols[None, :]), idx)
    return idx


def _adaptive_max(op, nd, input, output_size, return_indices):
    _check_input(op, input, nd, allow_int=False)
    sizes = _adaptive_sizes(op, input, nd, output_size)
    geo = _adaptive_geometry(input, nd, sizes)
    if geo is not None:
        out = _MaxPool.apply(input, geo)
        if not return_indices:
            return out
        idx = max_indices(input.xp, input._data.reshape(geo.x4), out._data.reshape(geo.y4), geo)
        return out, Tensor._make(idx.reshape(geo.y_shape))
    shape = tuple(input.shape)
    spatial = shape[-nd:]
    lead = shape[:-nd]
    H, W = ((1,) + spatial) if nd == 1 else spatial
    OH, OW = ((1,) + sizes) if nd == 1 else sizes
    x4 = input._data.reshape((-1, 1, H, W))
    idx = _adaptive_max_indices(input.xp, x4, OH, OW).reshape(lead + (OH * OW,))
    it = Tensor._make(idx)
    out = input.reshape(lead + (H * W,)).gather(-1, it).reshape(lead + sizes)
    if return_indices:
        return out, Tensor._make(idx.reshape(lead + sizes))
    return out


def adaptive_max_pool2d(input, output_size, return_indices=False):
    """Max pooling to a fixed output size over the adaptive windows of adaptive_avg_pool2d;
    ``return_indices`` also returns flat plane positions h·W + w.

    >>> ember.ops.pooling.adaptive_max_pool2d(ember.arange(16.).reshape(1, 4, 4), 1)
    tensor([[[15.]]])
    """
    return _adaptive_max("adaptive_max_pool2d", 2, input, output_size, return_indices)


def adaptive_max_pool1d(input, output_size, return_indices=False):
    """Adaptive max pooling of a (N, C, L) or (C, L) signal.

    >>> ember.ops.pooling.adaptive_max_pool1d(ember.tensor([[1., 5., 2., 4., 3.]]), 2)
    tensor([[5., 4.]])
    """
    return _adaptive_max("adaptive_max_pool1d", 1, input, output_size, return_indices)


# -- unpooling and power pooling -------------------------------------------------------------


def _max_unpool(op, nd, input, indices, kernel_size, stride, padding, output_size):
    check_tensor(input, op)
    check_tensor(indices, op, "indices")
    if input.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(f"{op}(): expected a {nd + 1}-D or {nd + 2}-D input, but got input "
                           f"of shape {tuple(input.shape)}")
    if tuple(indices.shape) != tuple(input.shape):
        raise RuntimeError(f"{op}(): expected indices of the input's shape "
                           f"{tuple(input.shape)}, but got {tuple(indices.shape)}")
    if indices.dtype.name != "int64":
        raise RuntimeError(f"{op}(): expected int64 indices (from max_pool with "
                           f"return_indices=True), got {indices.dtype}")
    k = int_tuple(kernel_size, nd, "kernel_size", op, "the pooling dimensions")
    s = _stride_arg(stride, k, nd, op)
    p = int_tuple(padding, nd, "padding", op, "the pooling dimensions")
    spatial = tuple(input.shape)[-nd:]
    default = tuple((n - 1) * ss - 2 * pp + kk for n, ss, pp, kk in zip(spatial, s, p, k))
    if output_size is None:
        sizes = default
    else:
        sizes = tuple(int(v) for v in output_size)
        if len(sizes) == nd + 2 or (len(sizes) == nd + 1 and input.ndim == nd + 1):
            sizes = sizes[-nd:]
        if len(sizes) != nd:
            raise ValueError(f"{op}(): output_size should have {nd} (or {nd + 2}) elements, got "
                             f"{tuple(output_size)}")
        for v, d, ss in zip(sizes, default, s):
            if not d - ss < v < d + ss:
                raise ValueError(f"{op}(): invalid output_size {sizes}: each size must be "
                                 f"strictly between {tuple(a - b for a, b in zip(default, s))}"
                                 f" and {tuple(a + b for a, b in zip(default, s))}")
    plane = math.prod(sizes)
    lead = tuple(input.shape)[:-nd]
    ix = indices._data
    if ix.size and (int(ix.min()) < 0 or int(ix.max()) >= plane):
        bad = int(ix.min()) if int(ix.min()) < 0 else int(ix.max())
        raise RuntimeError(f"{op}(): found an invalid max index {bad}: the output planes "
                           f"have size {'x'.join(map(str, sizes))} ({plane} positions)")
    from .creation import zeros

    flat_i = indices.reshape(lead + (-1,))
    out = zeros(lead + (plane,), dtype=input.dtype, device=input.device)
    out = out.scatter(-1, flat_i, input.reshape(lead + (-1,)))
    return out.reshape(lead + sizes)


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """The partial inverse of max_pool2d: each value goes to its flat position in a zero
    plane of size (H_in − 1)·s − 2p + k (or ``output_size``).

    >>> x = ember.arange(16.).reshape(1, 1, 4, 4)
    >>> y, i = ember.ops.pooling.max_pool2d(x, 2, return_indices=True)
    >>> ember.ops.pooling.max_unpool2d(y, i, 2)[0, 0, :2]
    tensor([[0., 0., 0., 0.],
            [0., 5., 0., 7.]])
    """
    return _max_unpool("max_unpool2d", 2, input, indices, kernel_size, stride, padding,
                       output_size)


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """The partial inverse of max_pool1d (see max_unpool2d).

    >>> y, i = ember.ops.pooling.max_pool1d(ember.tensor([[1., 3., 2., 0.]]), 2,
    ...                                     return_indices=True)
    >>> ember.ops.pooling.max_unpool1d(y, i, 2)
    tensor([[0., 3., 2., 0.]])
    """
    return _max_unpool("max_unpool1d", 1, input, indices, kernel_size, stride, padding,
                       output_size)


def _lp_pool(nd, input, norm_type, kernel_size, stride, ceil_mode):
    from .activation import relu
    from .elementwise import abs as _abs
    from .elementwise import sign

    k = int_tuple(kernel_size, nd, "kernel_size", "lp_pool%dd" % nd, "the pooling dimensions")
    pool = avg_pool2d if nd == 2 else avg_pool1d
    out = pool(input ** norm_type, kernel_size, stride, 0, ceil_mode)
    return (sign(out) * relu(_abs(out))).mul(math.prod(k)) ** (1.0 / norm_type)


def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """Power-average pooling: (Σ_window x^p)^(1/p) (p = ``norm_type``; p = ∞ is max pooling).

    >>> ember.ops.pooling.lp_pool2d(ember.ones(1, 2, 2), 2, 2)
    tensor([[[2.]]])
    """
    return _lp_pool(2, input, norm_type, kernel_size, stride, ceil_mode)


def lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """Power-average pooling of a signal: (Σ_window x^p)^(1/p).

    >>> ember.ops.pooling.lp_pool1d(ember.tensor([[3., 4.]]), 2, 2)
    tensor([[5.]])
    """
    return _lp_pool(1, input, norm_type, kernel_size, stride, ceil_mode)


# -- resampling ------------------------------------------------------------------------------


_MODES = ("nearest", "nearest-exact", "linear", "bilinear", "area")


def _resize_plan(input, size, scale_factor, mode, align_corners, recompute_scale_factor):
    nd = input.ndim - 2
    if mode not in _MODES + ("bicubic", "trilinear"):
        raise NotImplementedError(f"interpolate(): unknown mode {mode!r}; expected one of "
                                  f"{_MODES}")
    if mode in ("bicubic", "trilinear") or nd not in (1, 2):
        raise NotImplementedError(
            f"interpolate(): mode {mode!r} on a {input.ndim}-D input is not supported; ember "
            "supports 3-D (N, C, L) and 4-D (N, C, H, W) inputs with 'nearest', "
            "'nearest-exact', 'area', 'linear' (3-D) and 'bilinear' (4-D)"
        )
    if mode == "linear" and nd != 1 or mode == "bilinear" and nd != 2:
        need = "3-D" if mode == "linear" else "4-D"
        raise NotImplementedError(f"interpolate(): mode {mode!r} expects a {need} input, got "
                                  f"input of shape {tuple(input.shape)}")
    if align_corners is not None and mode not in ("linear", "bilinear"):
        raise ValueError("interpolate(): align_corners option can only be set with the "
                         "interpolating modes: linear | bilinear | bicubic | trilinear")
    if (size is None) == (scale_factor is None):
        raise ValueError("interpolate(): " + ("either size or scale_factor should be defined"
                                              if size is None else
                                              "only one of size or scale_factor should be "
                                              "defined"))
    spatial = tuple(input.shape)[2:]
    if size is not None:
        sizes = tuple(size) if isinstance(size, (list, tuple)) else (size,) * nd
        if len(sizes) != nd:
            raise ValueError(f"interpolate(): input is expected to have {nd} spatial "
                             f"dimensions, but got size={size!r}")
        return tuple(int(v) for v in sizes), (None,) * nd
    factors = (tuple(scale_factor) if isinstance(scale_factor, (list, tuple))
               else (scale_factor,) * nd)
    if len(factors) != nd:
        raise ValueError(f"interpolate(): input is expected to have {nd} spatial dimensions, "
                         f"but got scale_factor={scale_factor!r}")
    sizes = tuple(int(math.floor(float(n) * float(f))) for n, f in zip(spatial, factors))
    scales = (None,) * nd if recompute_scale_factor else tuple(float(f) for f in factors)
    return sizes, scales


def _nearest_index(n_in, n_out, scale, exact):
    """PyTorch's source index, computed in float32 like its kernel."""
    if n_out == n_in and not exact:
        return np.arange(n_out)
    s = np.float32(1.0 / scale) if scale is not None and scale > 0 else np.float32(n_in / n_out)
    o = np.arange(n_out, dtype=np.float32)
    src = np.floor((o + np.float32(0.5)) * s if exact else o * s).astype(np.int64)
    return np.minimum(src, n_in - 1)


def _linear_weights(n_in, n_out, scale, align_corners):
    """Two source indices and weights per output (PyTorch's area_pixel source index)."""
    o = np.arange(n_out, dtype=np.float64)
    if align_corners:
        s = (n_in - 1) / (n_out - 1) if n_out > 1 else 0.0
        src = o * s
    else:
        s = 1.0 / scale if scale is not None and scale > 0 else n_in / n_out
        src = np.maximum((o + 0.5) * s - 0.5, 0.0)
    i0 = np.minimum(np.floor(src).astype(np.int64), n_in - 1)
    i1 = np.minimum(i0 + 1, n_in - 1)
    l1 = src - i0
    return i0, i1, 1.0 - l1, l1


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False) -> Tensor:
    """Resizes (N, C, L) or (N, C, H, W) inputs to ``size`` or by ``scale_factor``.

    'nearest' takes source ⌊dst·in/out⌋ ('nearest-exact' ⌊(dst + ½)·in/out⌋); 'linear' and
    'bilinear' blend the two nearest sources, with source dst·(in−1)/(out−1) when
    ``align_corners`` else (dst + ½)·in/out − ½; 'area' is adaptive average pooling.
    Built from index_select and broadcasting, so it is differentiable (twice).

    >>> ember.ops.pooling.interpolate(ember.tensor([[[1., 2.]]]), scale_factor=2)
    tensor([[[1., 1., 2., 2.]]])
    """
    check_tensor(input, "interpolate")
    if antialias:
        raise NotImplementedError("interpolate(): antialias=True is not supported")
    if input.ndim < 3:
        raise ValueError(f"interpolate(): expected a 3-D (N, C, L) or 4-D (N, C, H, W) input, "
                         f"got input of shape {tuple(input.shape)}")
    sizes, scales = _resize_plan(input, size, scale_factor, mode, align_corners,
                                 recompute_scale_factor)
    if any(v <= 0 for v in sizes):
        raise RuntimeError(f"interpolate(): output size {sizes} must be greater than 0 "
                           f"(input shape {tuple(input.shape)})")
    if mode == "area":
        pool = adaptive_avg_pool2d if input.ndim == 4 else adaptive_avg_pool1d
        return pool(input, sizes)
    if not input.is_floating_point() and mode in ("linear", "bilinear"):
        raise RuntimeError(f"interpolate(): mode {mode!r} needs a floating point input, got "
                           f"{input.dtype}")
    xp = input.xp
    out = input
    nd = input.ndim - 2
    for k in range(nd):
        dim = 2 + k
        n_in, n_out = input.shape[dim], sizes[k]
        if mode.startswith("nearest"):
            src = _nearest_index(n_in, n_out, scales[k], mode == "nearest-exact")
            out = out.index_select(dim, Tensor._make(xp.asarray(src)))
            continue
        i0, i1, l0, l1 = _linear_weights(n_in, n_out, scales[k], bool(align_corners))
        shape = (n_out,) + (1,) * (input.ndim - 1 - dim)
        dt = input._data.dtype
        w0 = Tensor._make(xp.asarray(l0.astype(dt).reshape(shape)))
        w1 = Tensor._make(xp.asarray(l1.astype(dt).reshape(shape)))
        a = out.index_select(dim, Tensor._make(xp.asarray(i0)))
        b = out.index_select(dim, Tensor._make(xp.asarray(i1)))
        out = a * w0 + b * w1
    return out


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    """Deprecated alias of interpolate (PyTorch's ``F.upsample``).

    >>> ember.ops.pooling.upsample(ember.tensor([[[1., 2.]]]), size=3).shape
    ember.Size([1, 1, 3])
    """
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input, size=None, scale_factor=None):
    """Deprecated alias of interpolate(mode='nearest') (PyTorch's ``F.upsample_nearest``).

    >>> ember.ops.pooling.upsample_nearest(ember.tensor([[[1., 2.]]]), scale_factor=2)
    tensor([[[1., 1., 2., 2.]]])
    """
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input, size=None, scale_factor=None):
    """Deprecated alias of interpolate(mode='bilinear', align_corners=True).

    >>> ember.ops.pooling.upsample_bilinear(ember.tensor([[[[0., 2.]]]]), size=(1, 3))
    tensor([[[[0., 1., 2.]]]])
    """
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


def _shuffle_check(op, input, factor, name):
    check_tensor(input, op)
    if isinstance(factor, bool) or not isinstance(factor, int):
        raise TypeError(f"{op}(): argument '{name}' must be an int, not "
                        f"{type(factor).__name__}")
    if factor <= 0:
        raise RuntimeError(f"{op}(): {name} must be greater than 0, but got {factor}")
    if input.ndim < 3:
        raise RuntimeError(f"{op}(): expects input to have at least 3 dimensions (*, C, H, W), "
                           f"but got input of shape {tuple(input.shape)}")


def pixel_shuffle(input, upscale_factor) -> Tensor:
    """(*, C·r², H, W) -> (*, C, H·r, W·r): out[c, h·r + i, w·r + j] = in[c·r² + i·r + j, h, w].

    >>> ember.ops.pooling.pixel_shuffle(ember.arange(4.).reshape(4, 1, 1), 2)
    tensor([[[0., 1.],
             [2., 3.]]])
    """
    r = upscale_factor
    _shuffle_check("pixel_shuffle", input, r, "upscale_factor")
    *lead, c, h, w = tuple(input.shape)
    if c % (r * r):
        raise RuntimeError(
            f"pixel_shuffle(): expects its input's 'channel' dimension to be divisible by the "
            f"square of upscale_factor, but input.size(-3)={c} is not divisible by {r * r} "
            f"(input shape {tuple(input.shape)})"
        )
    n = len(lead)
    x = input.reshape(tuple(lead) + (c // (r * r), r, r, h, w))
    x = x.permute(tuple(range(n)) + (n, n + 3, n + 1, n + 4, n + 2))
    return x.reshape(tuple(lead) + (c // (r * r), h * r, w * r))


def pixel_unshuffle(input, downscale_factor) -> Tensor:
    """(*, C, H·r, W·r) -> (*, C·r², H, W), the inverse of pixel_shuffle.

    >>> ember.ops.pooling.pixel_unshuffle(ember.arange(4.).reshape(1, 2, 2), 2).flatten()
    tensor([0., 1., 2., 3.])
    """
    r = downscale_factor
    _shuffle_check("pixel_unshuffle", input, r, "downscale_factor")
    *lead, c, h, w = tuple(input.shape)
    if h % r or w % r:
        raise RuntimeError(
            f"pixel_unshuffle(): expects height and width to be divisible by "
            f"downscale_factor={r}, but got input of shape {tuple(input.shape)}"
        )
    n = len(lead)
    x = input.reshape(tuple(lead) + (c, h // r, r, w // r, r))
    x = x.permute(tuple(range(n)) + (n, n + 2, n + 4, n + 1, n + 3))
    return x.reshape(tuple(lead) + (c * r * r, h // r, w // r))
