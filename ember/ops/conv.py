"""Convolutions by im2col + GEMM: conv1d/2d, conv_transpose1d/2d, unfold (im2col), fold.

Every problem is a 2-D one (a 1-D signal is an image of height 1; an unbatched input has
N = 1). With input (N, C, H, W), weight (O, C/g, KH, KW) and g groups:

- forward: the windows are an ``as_strided`` view (N, g, C/g, KH, KW, OH, OW) of the
  (zero-padded) input, no copy. Per batch chunk of ~1 MiB of columns, one copy makes the
  column matrix and one GEMM per group writes the chunk's rows of the (N·OH·OW, O) result,
  then the bias is added while those rows are in cache. The result is returned as an
  (N, O, OH, OW) view of that buffer (channels-last memory, like PyTorch's ``channels_last``):
  no transpose copy, and the next conv reads its windows with channels contiguous.
- backward, in one pass over the same chunks: grad_weight += gradᵀ·columns (the columns are
  rebuilt per chunk instead of kept; a column of ones makes the same GEMM give grad_bias),
  grad_input += grad·W[:, :, i, j] added at kernel offset (i, j)'s strided positions (col2im
  as KH·KW vectorised strided adds).
- the chunks are split over threads (NumPy releases the GIL in copies, ufuncs and GEMMs) when
  BLAS runs single-threaded; see get_num_threads.

Columns come in two layouts, chosen by which input axis is contiguous in memory: rows
(N·OH·OW, KH·KW·C) when channels are innermost (channels-last, C > 1), columns
(C·KH·KW, N·OH·OW) otherwise (each window row copied as a contiguous run of OW values).
Measured on the W2 shapes (batch 128, one OpenBLAS thread, CPU ms, best of 15-25):

    conv1 1→32, 28x28: rows im2col 2.07 + GEMM 2.45; columns im2col 0.34 + GEMM 3.25;
        NCHW output by a batched GEMM 2.75, but then its NCHW copy 3.64 or a 2x slower next
        im2col (3.67 vs 1.72 from channels-last); direct 9-tap multiply-adds 43
    conv2 32→64, 13x13, forward: whole-batch columns + one GEMM 12.5; chunked (8 images)
        8.8, or 10.2-10.8 when the columns are kept for backward
    conv2 grad_weight: from kept columns 9.9, columns rebuilt per chunk 9.0
    conv2 grad_input: one GEMM to (N·OH·OW, 288) + col2im 17.2 (GEMM alone 10.0); chunked
        14.0; chunked with one GEMM per kernel offset (no column buffer) 11.3 (kept)
    bias grad: Σ over rows 2.15; ones column in the grad_weight GEMM ~0
    whole conv/pool/ReLU stack forward + backward: 95 → 56.5 with the above

Backward passes run on arrays; with ``create_graph=True`` they are built from the three
differentiable kernels instead (conv, its transpose and its weight gradient are each other's
derivatives), so double backward works.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from ..autograd.function import Function
from ..autograd.grad_mode import state as grad_state
from ..tensor import Tensor
from ._util import check_same_device, check_tensor

__all__ = ["conv1d", "conv2d", "conv_transpose1d", "conv_transpose2d"]  # and unfold, fold: F only
TENSOR_METHODS: tuple = ()


# -- geometry --------------------------------------------------------------------------------


class Geometry:
    """A 2-D convolution: input (N, C, H, W) -> output (N, O, OH, OW), kernel (KH, KW), stride
    (sh, sw), zero padding top/bottom/left/right (pt, pb, pl, pr), dilation (dh, dw), groups g.
    ``x_shape``/``y_shape``/``w_shape`` are the callers' shapes (1-D or unbatched)."""

    __slots__ = ("N", "C", "H", "W", "O", "KH", "KW", "sh", "sw", "pt", "pb", "pl", "pr", "dh",
                 "dw", "g", "OH", "OW", "x_shape", "y_shape", "w_shape", "cdim")

    def __init__(self, **kw):
        for k, v in kw.items():
            setattr(self, k, v)

    @property
    def x4(self):
        return (self.N, self.C, self.H, self.W)

    @property
    def y4(self):
        return (self.N, self.O, self.OH, self.OW)

    @property
    def w4(self):
        return (self.O, self.C // self.g, self.KH, self.KW)


def _as_strided(xp, a, shape, strides):
    return xp.lib.stride_tricks.as_strided(a, shape, strides)


def channels_last(a) -> bool:
    """Whether a 4-D (N, C, H, W) array keeps channels innermost in memory (C > 1)."""
    n, c, h, w = a.shape
    if c <= 1:
        return False
    s = a.strides
    inner = min([abs(s[2])] * (h > 1) + [abs(s[3])] * (w > 1) or [abs(s[1]) + 1])
    return abs(s[1]) < inner


def empty4(xp, shape, dtype, nhwc: bool, zero: bool = True):
    """A (N, C, H, W) buffer, channels-last in memory when ``nhwc``."""
    make = xp.zeros if zero else xp.empty
    if nhwc:
        n, c, h, w = shape
        return make((n, h, w, c), dtype=dtype).transpose(0, 3, 1, 2)
    return make(shape, dtype=dtype)


def _padded(xp, x4, geo: Geometry, nhwc: bool):
    if not (geo.pt or geo.pb or geo.pl or geo.pr):
        return x4
    n, c, h, w = x4.shape
    buf = empty4(xp, (n, c, h + geo.pt + geo.pb, w + geo.pl + geo.pr), x4.dtype, nhwc)
    buf[:, :, geo.pt:geo.pt + h, geo.pl:geo.pl + w] = x4
    return buf


def _windows(xp, xpad, geo: Geometry):
    """The (N, g, C/g, KH, KW, OH, OW) view of every window of a padded input (no copy)."""
    sn, sc, sh, sw = xpad.strides
    cg = geo.C // geo.g
    return _as_strided(xp, xpad, (geo.N, geo.g, cg, geo.KH, geo.KW, geo.OH, geo.OW),
                       (sn, sc * cg, sc, sh * geo.dh, sw * geo.dw, sh * geo.sh, sw * geo.sw))


CHUNK_BYTES = 1 << 20  # column bytes per batch chunk: im2col -> GEMM stays in cache


def _cores() -> int:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, min(4, cores or 1))


_ENV_THREADS = os.environ.get("EMBER_NUM_THREADS")
NUM_THREADS = int(_ENV_THREADS) if _ENV_THREADS else None  # None: automatic
_executor = None
_executor_pid = None


def set_num_threads(n) -> None:
    """Threads the convolution and pooling kernels split a batch over; None: automatic (all
    cores, up to 4, when OpenBLAS runs single-threaded, else 1)."""
    global NUM_THREADS
    NUM_THREADS = None if n is None else max(1, int(n))


def get_num_threads() -> int:
    """The threads the next convolution or pooling call will use."""
    if NUM_THREADS is not None:
        return NUM_THREADS
    # Automatic: only when BLAS is single-threaded. A multi-threaded OpenBLAS keeps its idle
    # threads spinning for ~0.1 s after every call (e.g. a Linear layer's GEMM), and those
    # spinners take the cores the batch parts need. W2 training step on 2 cores, median ms:
    # BLAS 2 threads + no batch threads 65-68; BLAS 1 + 2 batch threads 55-62; BLAS 2 + 2
    # batch threads (BLAS set to 1 only inside the parts) 81-82.
    return _cores() if _blas_threads_now() == 1 else 1


def _pool(workers: int):
    """The worker threads (re-created in a forked child, which doesn't inherit them)."""
    global _executor, _executor_pid
    if _executor is None or _executor._max_workers < workers or _executor_pid != os.getpid():
        _executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="ember-conv")
        _executor_pid = os.getpid()
    return _executor


def _find_openblas():
    """(get, set) for the thread count of NumPy's bundled OpenBLAS, or None. The batch parts
    run their GEMMs single-threaded (2 levels of threads on the same cores contend)."""
    try:
        import ctypes
        import glob

        base = os.path.dirname(np.__file__)
        paths = (glob.glob(os.path.join(base, os.pardir, "numpy.libs", "*openblas*"))
                 + glob.glob(os.path.join(base, ".dylibs", "*openblas*")))
        for path in paths:
            lib = ctypes.CDLL(path)
            for pre, suf in (("scipy_openblas", "64_"), ("openblas", "64_"), ("openblas", "")):
                get = getattr(lib, f"{pre}_get_num_threads{suf}", None)
                put = getattr(lib, f"{pre}_set_num_threads{suf}", None)
                if get is not None and put is not None:
                    get.restype = ctypes.c_int
                    put.argtypes = [ctypes.c_int]
                    return get, put
    except Exception:  # no bundled OpenBLAS (MKL, Accelerate, ...): leave BLAS alone
        pass
    return None


_BLAS = None  # found on first use


def _blas_threads_now():
    """OpenBLAS's current thread count, or None when NumPy's BLAS isn't a known OpenBLAS."""
    global _BLAS
    if _BLAS is None:
        _BLAS = _find_openblas() or False
    return _BLAS[0]() if _BLAS else None


def _blas_threads(n):
    """Set OpenBLAS's thread count (when found); returns the previous count or None."""
    global _BLAS
    if _BLAS is None:
        _BLAS = _find_openblas() or False
    if not _BLAS:
        return None
    get, put = _BLAS
    prev = get()
    if prev != n:
        put(n)
    return prev


def parallel_ranges(xp, n: int, per_image: int, body):
    """Runs ``body(a, b, step)`` over image ranges that split [0, n) among up to NUM_THREADS
    threads (NumPy releases the GIL inside its loops and GEMMs); each part walks its own
    chunks of ``step`` images (about CHUNK_BYTES each) with its own scratch buffers and
    writes only its images' rows. Returns the parts' results in order."""
    step = max(1, CHUNK_BYTES // max(per_image, 1))
    nchunks = -(-n // step)
    parts = min(get_num_threads(), nchunks) if xp is np else 1
    if parts <= 1:
        return [body(0, n, step)] if n else []
    cuts = [min(n, (nchunks * i // parts) * step) for i in range(parts + 1)]
    ranges = [(a, b) for a, b in zip(cuts, cuts[1:]) if b > a]
    prev = _blas_threads(1)
    try:
        futures = [_pool(parts - 1).submit(body, a, b, step) for a, b in ranges[1:]]
        try:
            first = body(ranges[0][0], ranges[0][1], step)
        finally:
            results = [f.result() for f in futures]  # wait for every part, even on an error
    finally:
        if prev is not None and prev != 1:
            _blas_threads(prev)
    return [first] + results


_local = threading.local()


def scratch(xp, name: str, shape, dtype):
    """A work buffer kept per thread and reused across calls (contents undefined): fresh
    megabyte buffers would cost page faults on every call."""
    if xp is not np:
        return xp.empty(shape, dtype=dtype)
    bufs = _local.__dict__.setdefault("bufs", {})
    n = 1
    for s in shape:
        n *= s
    key = (name, np.dtype(dtype).str)
    buf = bufs.get(key)
    if buf is None or buf.size < n:
        buf = bufs[key] = np.empty(max(n, 1), dtype=dtype)
    return buf[:n].reshape(shape)


def _col_buffer(xp, geo: Geometry, rows: bool, images: int, dtype, ones: bool = False):
    """Scratch columns for ``images`` images; ``ones`` adds a constant column of ones after
    the K real ones, so that gradᵀ·columns also yields Σ grad (the bias gradient) for free."""
    k = geo.C // geo.g * geo.KH * geo.KW
    m = images * geo.OH * geo.OW
    e = 1 if ones else 0
    buf = scratch(xp, "cols", (geo.g, m, k + e) if rows else (geo.g, k + e, m), dtype)
    if ones:
        if rows:
            buf[:, :, k] = 1
        else:
            buf[:, k, :] = 1
    return buf


def _fill_cols(buf, v, n0, n1, geo: Geometry, rows: bool):
    """Copy the windows of images n0..n1 (``v`` from _windows) into ``buf``; returns the
    columns as (g, m, K') ("rows": channels innermost) or (g, K', m), K' = K (+1 for the
    ones column of an ``ones`` buffer)."""
    nb = n1 - n0
    m = nb * geo.OH * geo.OW
    cg = geo.C // geo.g
    k = cg * geo.KH * geo.KW
    if rows:
        buf[:, :m, :k].reshape(geo.g, nb, geo.OH, geo.OW, geo.KH, geo.KW, cg)[...] = \
            v[n0:n1].transpose(1, 0, 5, 6, 3, 4, 2)
        return buf[:, :m]
    buf[:, :k, :m].reshape(geo.g, cg, geo.KH, geo.KW, nb, geo.OH, geo.OW)[...] = \
        v[n0:n1].transpose(1, 2, 3, 4, 0, 5, 6)
    return buf[:, :, :m]


def _weight_matrix(xp, w4, geo: Geometry, rows: bool):
    """The weight as (g, K, O/g) with K ordered like the columns."""
    g, og, cg = geo.g, geo.O // geo.g, geo.C // geo.g
    w5 = w4.reshape(g, og, cg, geo.KH, geo.KW)
    if rows:
        return xp.ascontiguousarray(w5.transpose(0, 3, 4, 2, 1)).reshape(g, -1, og)
    return w5.reshape(g, og, cg * geo.KH * geo.KW).transpose(0, 2, 1)


def conv_forward(xp, x4, w4, bias, geo: Geometry):
    """y = conv(x, w) + b as an (N, O, OH, OW) view of channels-last memory.

    Per batch chunk: im2col into a cache-sized buffer, one GEMM into the output rows, bias.
    """
    rows = channels_last(x4)
    v = _windows(xp, _padded(xp, x4, geo, rows), geo)
    g, og = geo.g, geo.O // geo.g
    wm = _weight_matrix(xp, w4, geo, rows)  # (g, K, O/g)
    p = geo.OH * geo.OW
    dt = x4.dtype
    out = xp.empty((geo.N * p, geo.O), dtype=dt)

    def part(a, b, step):
        buf = _col_buffer(xp, geo, rows, min(step, b - a), dt)
        for n0 in range(a, b, step):
            n1 = min(b, n0 + step)
            c = _fill_cols(buf, v, n0, n1, geo, rows)
            cm = c if rows else c.transpose(0, 2, 1)  # (g, m, K)
            o = out[n0 * p:n1 * p]
            if g == 1:
                xp.matmul(cm[0], wm[0], out=o)
            else:
                o.reshape(-1, g, og)[...] = xp.matmul(cm, wm).transpose(1, 0, 2)
            if bias is not None:
                o += bias

    parallel_ranges(xp, geo.N, p * wm.shape[1] * g * dt.itemsize, part)
    return out.reshape(geo.N, geo.OH, geo.OW, geo.O).transpose(0, 3, 1, 2)


def conv_backward(xp, x4, w4, g4, geo: Geometry, need_x: bool, need_w: bool, need_b: bool):
    """(grad_input, grad_weight, grad_bias) of conv for output gradient ``g4``, in one pass
    over batch chunks: grad_weight += gradᵀ·columns (im2col redone per chunk, cheaper than
    keeping all columns), grad_input += grad·W[:, :, i, j] added at each kernel offset's
    strided positions (channels-last), grad_bias += Σ grad. Unneeded ones are None."""
    g, og, cg = geo.g, geo.O // geo.g, geo.C // geo.g
    p = geo.OH * geo.OW
    dt = g4.dtype
    kk = geo.KH * geo.KW
    if need_w:
        rows = channels_last(x4)
        v = _windows(xp, _padded(xp, x4, geo, rows), geo)
    if need_x:
        hp, wp = geo.H + geo.pt + geo.pb, geo.W + geo.pl + geo.pr
        # Zeroed per chunk just before its adds (in cache), not here in one DRAM pass; with
        # stride 1 the first kernel offset's block is assigned, not zeroed and added.
        gxb = xp.empty((geo.N, hp, wp, g, cg), dtype=dt)
        dense = geo.sh == 1 and geo.sw == 1
        woff = xp.ascontiguousarray(
            w4.reshape(g, og, cg, geo.KH, geo.KW).transpose(3, 4, 0, 1, 2))  # (KH, KW, g, og, cg)
        hspan, wspan = geo.sh * (geo.OH - 1) + 1, geo.sw * (geo.OW - 1) + 1
    gh = g4.transpose(0, 2, 3, 1)  # (N, OH, OW, O): a view when g4 is channels-last

    def part(a, b, step):
        images = min(step, b - a)
        gw = gb = None
        if need_w:
            buf = _col_buffer(xp, geo, rows, images, dt, ones=need_b)  # bias grad rides along
            gw = xp.zeros((g, og, cg * kk + need_b), dtype=dt)
        elif need_b:
            ones = xp.ones(images * p, dtype=dt)
            gb = xp.zeros(geo.O, dtype=dt)
        if need_x:
            tmp = scratch(xp, "tmp", (g, images * p, cg), dt)
        for n0 in range(a, b, step):
            n1 = min(b, n0 + step)
            nb = n1 - n0
            m = nb * p
            gs = gh[n0:n1].reshape(m, geo.O)
            if need_b and not need_w:
                gb += ones[:m] @ gs
            gsg = gs.reshape(m, g, og).transpose(1, 0, 2)  # (g, m, og)
            if need_w:
                c = _fill_cols(buf, v, n0, n1, geo, rows)
                cm = c if rows else c.transpose(0, 2, 1)  # (g, m, K)
                if g == 1:
                    gw[0] += gsg[0].T @ cm[0]
                else:
                    gw += xp.matmul(gsg.transpose(0, 2, 1), cm)
            if need_x:
                gxc = gxb[n0:n1]
                if dense:  # offset (0, 0) covers [0, OH) x [0, OW): assign it, zero the rest
                    gxc[:, geo.OH:] = 0
                    gxc[:, :geo.OH, geo.OW:] = 0
                else:
                    gxc[...] = 0
                t = tmp[:, :m]
                for i in range(geo.KH):
                    r = i * geo.dh
                    for j in range(geo.KW):
                        c0 = j * geo.dw
                        if g == 1:
                            xp.matmul(gsg[0], woff[i, j, 0], out=t[0])
                        else:
                            xp.matmul(gsg, woff[i, j], out=t)
                        dst = gxc[:, r:r + hspan:geo.sh, c0:c0 + wspan:geo.sw]
                        src = t.transpose(1, 0, 2).reshape(nb, geo.OH, geo.OW, g, cg)
                        if dense and i == j == 0:
                            dst[...] = src
                        else:
                            dst += src
        return gw, gb

    parts = parallel_ranges(xp, geo.N, p * cg * kk * g * dt.itemsize, part)
    gx = gw = gb = None
    if need_x:
        img = gxb.reshape(geo.N, hp, wp, geo.C).transpose(0, 3, 1, 2)
        gx = img[:, :, geo.pt:geo.pt + geo.H, geo.pl:geo.pl + geo.W]
    if need_w:
        gw = _total([r[0] for r in parts], xp, (g, og, cg * kk + need_b), dt)
        if need_b:
            gb = gw[:, :, -1].reshape(geo.O)
            gw = gw[:, :, :-1]
        if rows:  # K ordered (KH, KW, C/g)
            gw = xp.ascontiguousarray(
                gw.reshape(g, og, geo.KH, geo.KW, cg).transpose(0, 1, 4, 2, 3))
        gw = xp.ascontiguousarray(gw).reshape(geo.w4)
    elif need_b:
        gb = _total([r[1] for r in parts], xp, (geo.O,), dt)
    return gx, gw, gb


def _total(partials, xp, shape, dtype):
    """The sum of the parts' partial sums (zeros for an empty batch)."""
    if not partials:
        return xp.zeros(shape, dtype=dtype)
    total = partials[0]
    for p in partials[1:]:
        total += p
    return total


def col2im(xp, src7, geo: Geometry, nhwc: bool, dtype):
    """Σ of window values back onto the image: ``src7`` is (N, g, C/g, KH, KW, OH, OW); each
    kernel offset is one vectorised strided add. Returns the (N, C, H, W) (cropped) image."""
    g, cg = geo.g, geo.C // geo.g
    hp, wp = geo.H + geo.pt + geo.pb, geo.W + geo.pl + geo.pr
    if nhwc:
        buf = xp.zeros((geo.N, hp, wp, g, cg), dtype=dtype)
        dst = buf.transpose(0, 3, 4, 1, 2)  # (N, g, C/g, Hp, Wp)
    else:
        buf = xp.zeros((geo.N, g, cg, hp, wp), dtype=dtype)
        dst = buf
    if geo.OH and geo.OW:
        hspan, wspan = geo.sh * (geo.OH - 1) + 1, geo.sw * (geo.OW - 1) + 1
        for i in range(geo.KH):
            for j in range(geo.KW):
                r, c = i * geo.dh, j * geo.dw
                dst[:, :, :, r:r + hspan:geo.sh, c:c + wspan:geo.sw] += src7[:, :, :, i, j]
    if nhwc:
        img = buf.reshape(geo.N, hp, wp, geo.C).transpose(0, 3, 1, 2)
    else:
        img = buf.reshape(geo.N, geo.C, hp, wp)
    return img[:, :, geo.pt:geo.pt + geo.H, geo.pl:geo.pl + geo.W]


def bias_grad(g4):
    """Σ of the output gradient over batch and positions (two-level, for float32 accuracy)."""
    return g4.sum(axis=(2, 3)).sum(axis=0)


# -- autograd --------------------------------------------------------------------------------


def _native_dims(geo: Geometry):
    """The dims of a native-shaped output gradient that the bias gradient sums over."""
    return tuple(d for d in range(len(geo.y_shape)) if d != geo.cdim)


def _wrap(a, shape):
    return None if a is None else Tensor._make(a.reshape(shape))


class _Conv(Function):
    """y = conv(x, w) + b."""

    @staticmethod
    def forward(ctx, x, w, b, geo):
        y = conv_forward(x.xp, x._data.reshape(geo.x4), w._data.reshape(geo.w4),
                         None if b is None else b._data, geo)
        ctx.geo = geo
        ctx.save_for_backward(x, w)
        return y.reshape(geo.y_shape)

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        geo, need = ctx.geo, ctx.needs_input_grad
        if grad_state.enabled:  # create_graph: the same gradients from differentiable kernels
            gx = _ConvT.apply(g, w, None, geo) if need[0] else None
            gw = _ConvW.apply(x, g, geo) if need[1] else None
            gb = g.sum(dim=_native_dims(geo)) if need[2] else None
            return gx, gw, gb, None
        gx, gw, gb = conv_backward(g.xp, x._data.reshape(geo.x4), w._data.reshape(geo.w4),
                                   g._data.reshape(geo.y4), geo, need[0], need[1], need[2])
        return _wrap(gx, geo.x_shape), _wrap(gw, geo.w_shape), _wrap(gb, (geo.O,)), None


class _ConvT(Function):
    """y = convᵀ(x, w) + b: the adjoint of conv(·, w), x shaped like a conv output."""

    @staticmethod
    def forward(ctx, x, w, b, geo):
        y = conv_backward(x.xp, None, w._data.reshape(geo.w4), x._data.reshape(geo.y4), geo,
                          True, False, False)[0]
        if b is not None:
            y += b._data.reshape(-1, 1, 1)
        ctx.geo = geo
        ctx.save_for_backward(x, w)
        return y.reshape(geo.x_shape)

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        geo, need = ctx.geo, ctx.needs_input_grad
        if grad_state.enabled:
            gx = _Conv.apply(g, w, None, geo) if need[0] else None
            gw = _ConvW.apply(g, x, geo) if need[1] else None
            gb = g.sum(dim=tuple(d for d in range(g.ndim) if d != geo.cdim)) if need[2] else None
            return gx, gw, gb, None
        xp = g.xp
        g4 = g._data.reshape(geo.x4)
        gx = gw = gb = None
        if need[0]:
            gx = conv_forward(xp, g4, w._data.reshape(geo.w4), None, geo)
        if need[1]:
            gw = conv_backward(xp, g4, None, x._data.reshape(geo.y4), geo, False, True, False)[1]
        if need[2]:
            gb = bias_grad(g4)
        return _wrap(gx, geo.y_shape), _wrap(gw, geo.w_shape), _wrap(gb, (geo.C,)), None


class _ConvW(Function):
    """grad_weight(x, g): the weight gradient of conv as a function of input and grad_out.

    Bilinear, with ⟨ConvW(x, g), h⟩ = ⟨conv(x, h), g⟩ = ⟨x, convᵀ(g, h)⟩, so its gradients are
    convᵀ(g, h) for x and conv(x, h) for g.
    """

    @staticmethod
    def forward(ctx, x, g, geo):
        ctx.geo = geo
        ctx.save_for_backward(x, g)
        gw = conv_backward(x.xp, x._data.reshape(geo.x4), None, g._data.reshape(geo.y4), geo,
                           False, True, False)[1]
        return gw.reshape(geo.w_shape)

    @staticmethod
    def backward(ctx, h):
        x, g = ctx.saved_tensors
        geo, need = ctx.geo, ctx.needs_input_grad
        gx = _ConvT.apply(g, h, None, geo) if need[0] else None
        gg = _Conv.apply(x, h, None, geo) if need[1] else None
        return gx, gg, None


# -- argument checks -------------------------------------------------------------------------


def int_tuple(value, n: int, name: str, op: str, what: str = "the convolution dimensions"):
    """``value`` (an int or a sequence of n ints) as a tuple of n Python ints."""
    if isinstance(value, bool):
        raise TypeError(f"{op}(): argument '{name}' must be an int or a tuple of {n} ints, "
                        f"not bool")
    if isinstance(value, int) or (hasattr(value, "__index__") and not hasattr(value, "__len__")):
        return (int(value),) * n
    try:
        items = tuple(value)
    except TypeError:
        raise TypeError(f"{op}(): argument '{name}' must be an int or a tuple of {n} ints, not "
                        f"{type(value).__name__}") from None
    if not all(isinstance(v, int) and not isinstance(v, bool)
               or (hasattr(v, "__index__") and not isinstance(v, bool)) for v in items):
        raise TypeError(f"{op}(): argument '{name}' must be a tuple of ints, got {value!r}")
    if len(items) == 1 and n > 1:
        return (int(items[0]),) * n
    if len(items) != n:
        raise RuntimeError(
            f"{op}(): expected {name} to be a single integer value or a list of {n} values to "
            f"match {what}, but got {name}={list(items)}"
        )
    return tuple(int(v) for v in items)


def _shape(t) -> tuple:
    return tuple(t.shape)


def _check_operands(op, nd, input, weight, bias):
    check_tensor(input, op)
    check_tensor(weight, op, "weight")
    if bias is not None:
        check_tensor(bias, op, "bias")
    check_same_device(op, input, weight, bias)
    spatial = "(L)" if nd == 1 else "(H, W)"
    if input.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(
            f"{op}(): expected a {nd + 1}-D (unbatched: C, {spatial[1:-1]}) or {nd + 2}-D "
            f"(batched: N, C, {spatial[1:-1]}) input, but got input of shape {_shape(input)}"
        )
    if weight.ndim != nd + 2:
        kind = "in_channels" if op.startswith("conv_transpose") else "out_channels"
        rest = "out_channels/groups" if op.startswith("conv_transpose") else "in_channels/groups"
        raise RuntimeError(
            f"{op}(): expected a {nd + 2}-D weight ({kind}, {rest}, "
            f"{'kL' if nd == 1 else 'kH, kW'}), but got weight of shape {_shape(weight)}"
        )
    dt = input.dtype
    if dt.name == "bool":
        raise RuntimeError(f"{op}(): expected a floating point or integer input, got {dt}")
    if weight.dtype is not dt:
        raise RuntimeError(
            f"{op}(): input is {dt} but weight is {weight.dtype}: they must have the same "
            f"dtype; convert the input (e.g. x.to({weight.dtype})) or the module "
            f"(model.to({dt}))"
        )
    if bias is not None and bias.dtype is not dt:
        raise RuntimeError(f"{op}(): input is {dt} but bias is {bias.dtype}: they must have the "
                           "same dtype")


def _check_groups(op, groups):
    if isinstance(groups, bool) or not isinstance(groups, int):
        raise TypeError(f"{op}(): argument 'groups' must be an int, not {type(groups).__name__}")
    if groups <= 0:
        raise RuntimeError(f"{op}(): non-positive groups is not supported (got groups={groups})")


def _check_positive(op, name, values):
    if any(v <= 0 for v in values):
        word = "stride" if name == "stride" else "dilation"
        raise RuntimeError(f"{op}(): non-positive {word} is not supported, got "
                           f"{name}={values}")


def _lift(nd, vals, fill):
    """A 1-D problem's per-dimension values as 2-D ones (height first)."""
    return (fill,) + tuple(vals) if nd == 1 else tuple(vals)


def _size_str(vals) -> str:
    return "(" + " x ".join(str(v) for v in vals) + ")"


# -- public kernels --------------------------------------------------------------------------


def _convnd(op, nd, input, weight, bias, stride, padding, dilation, groups):
    _check_operands(op, nd, input, weight, bias)
    _check_groups(op, groups)
    stride = int_tuple(stride, nd, "stride", op)
    dilation = int_tuple(dilation, nd, "dilation", op)
    _check_positive(op, "stride", stride)
    _check_positive(op, "dilation", dilation)
    batched = input.ndim == nd + 2
    xs, ws = _shape(input), _shape(weight)
    cdim = 1 if batched else 0
    c = xs[cdim]
    o, cg = ws[0], ws[1]
    ksize = ws[2:]
    if o % groups:
        raise RuntimeError(
            f"{op}(): given groups={groups}, expected weight to be divisible by {groups} at "
            f"dimension 0 (out_channels), but got weight of shape {ws}"
        )
    if c != cg * groups:
        raise RuntimeError(
            f"{op}(): expected input with {cg * groups} channels (in_channels) but got {c}: "
            f"input shape {xs}; weight of shape {ws} with groups={groups} takes "
            f"weight.shape[1] * groups = {cg * groups} input channels"
        )
    if bias is not None and _shape(bias) != (o,):
        raise RuntimeError(
            f"{op}(): given weight of shape {ws}, expected bias to be 1-D with {o} elements "
            f"(out_channels), but got bias of shape {_shape(bias)}"
        )
    spatial = xs[cdim + 1:]
    if isinstance(padding, str):
        if padding == "valid":
            pads = ((0, 0),) * nd
        elif padding == "same":
            if any(s != 1 for s in stride):
                raise RuntimeError(f"{op}(): padding='same' is not supported for strided "
                                   f"convolutions (got stride={stride})")
            total = [d * (k - 1) for d, k in zip(dilation, ksize)]
            pads = tuple((t // 2, t - t // 2) for t in total)  # the extra one on the right
        else:
            raise RuntimeError(f"{op}(): Invalid padding string: {padding!r}; expected 'valid', "
                               "'same' or an int / tuple of ints")
    else:
        p = int_tuple(padding, nd, "padding", op)
        if any(v < 0 for v in p):
            raise RuntimeError(f"{op}(): negative padding is not supported, got padding={p}")
        pads = tuple((v, v) for v in p)
    padded = [s + lo + hi for s, (lo, hi) in zip(spatial, pads)]
    eff = [d * (k - 1) + 1 for d, k in zip(dilation, ksize)]
    if any(p < e for p, e in zip(padded, eff)):
        raise RuntimeError(
            f"{op}(): calculated padded input size per channel: {_size_str(padded)}. Kernel "
            f"size: {_size_str(eff)} (dilated). Kernel size can't be greater than actual input "
            f"size (input shape {xs}); use a smaller kernel or more padding"
        )
    outs = [(p - e) // s + 1 for p, e, s in zip(padded, eff, stride)]
    n = xs[0] if batched else 1
    ys = ((n,) if batched else ()) + (o,) + tuple(outs)
    H, W = _lift(nd, spatial, 1)
    (pt, pb), (pl, pr) = _lift(nd, pads, (0, 0))
    geo = Geometry(N=n, C=c, H=H, W=W, O=o, KH=_lift(nd, ksize, 1)[0], KW=ksize[-1],
                   sh=_lift(nd, stride, 1)[0], sw=stride[-1], pt=pt, pb=pb, pl=pl, pr=pr,
                   dh=_lift(nd, dilation, 1)[0], dw=dilation[-1], g=groups,
                   OH=_lift(nd, outs, 1)[0], OW=outs[-1], x_shape=xs, y_shape=ys, w_shape=ws,
                   cdim=cdim)
    return _Conv.apply(input, weight, bias, geo)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1) -> Tensor:
    """2-D cross-correlation: y[n, o] = b[o] + Σ_c Σ_ij w[o, c, i, j]·x[n, c, s·h + d·i − p,
    s·w + d·j − p] over the input channels of o's group.

    input (N, C, H, W) or (C, H, W); weight (O, C/groups, kH, kW); padding is an int, a
    tuple, 'valid' (none) or 'same' (output size = input size, stride 1; an odd total goes
    to the bottom/right). Output size ⌊(H + 2p − d(k − 1) − 1)/s⌋ + 1 per dimension.

    >>> x = ember.ones(1, 1, 4, 4)
    >>> ember.ops.conv.conv2d(x, ember.ones(2, 1, 3, 3), padding=1)[0, 0]
    tensor([[4., 6., 6., 4.],
            [6., 9., 9., 6.],
            [6., 9., 9., 6.],
            [4., 6., 6., 4.]])
    """
    return _convnd("conv2d", 2, input, weight, bias, stride, padding, dilation, groups)


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1) -> Tensor:
    """1-D cross-correlation: y[n, o, l] = b[o] + Σ_c Σ_k w[o, c, k]·x[n, c, s·l + d·k − p].

    input (N, C, L) or (C, L); weight (O, C/groups, kL); padding int, 'valid' or 'same'.

    >>> ember.ops.conv.conv1d(ember.tensor([[[1., 2., 3., 4.]]]), ember.ones(1, 1, 2))
    tensor([[[3., 5., 7.]]])
    """
    return _convnd("conv1d", 1, input, weight, bias, stride, padding, dilation, groups)


def _conv_transposend(op, nd, input, weight, bias, stride, padding, output_padding, groups,
                      dilation):
    _check_operands(op, nd, input, weight, bias)
    _check_groups(op, groups)
    if isinstance(padding, str):
        raise TypeError(f"{op}(): argument 'padding' must be an int or a tuple of ints, not str "
                        "('same'/'valid' exist only for conv1d/conv2d)")
    stride = int_tuple(stride, nd, "stride", op)
    dilation = int_tuple(dilation, nd, "dilation", op)
    padding = int_tuple(padding, nd, "padding", op)
    output_padding = int_tuple(output_padding, nd, "output_padding", op)
    _check_positive(op, "stride", stride)
    _check_positive(op, "dilation", dilation)
    if any(v < 0 for v in padding):
        raise RuntimeError(f"{op}(): negative padding is not supported, got padding={padding}")
    if any(v < 0 for v in output_padding):
        raise RuntimeError(f"{op}(): negative output_padding is not supported, got "
                           f"output_padding={output_padding}")
    for op_, s, d in zip(output_padding, stride, dilation):
        if op_ >= s and op_ >= d:
            raise RuntimeError(
                f"{op}(): output padding must be smaller than either stride or dilation, but "
                f"got output_padding={output_padding}, stride={stride}, dilation={dilation}"
            )
    batched = input.ndim == nd + 2
    xs, ws = _shape(input), _shape(weight)
    cdim = 1 if batched else 0
    cin = xs[cdim]
    if ws[0] != cin:
        raise RuntimeError(
            f"{op}(): expected input with {ws[0]} channels (in_channels = weight.shape[0]) but "
            f"got {cin}: input shape {xs}, weight shape {ws}"
        )
    if cin % groups:
        raise RuntimeError(f"{op}(): in_channels {cin} (weight.shape[0]) must be divisible by "
                           f"groups={groups}")
    cout = ws[1] * groups
    if bias is not None and _shape(bias) != (cout,):
        raise RuntimeError(
            f"{op}(): given weight of shape {ws} and groups={groups}, expected bias to be 1-D "
            f"with {cout} elements (out_channels), but got bias of shape {_shape(bias)}"
        )
    spatial = xs[cdim + 1:]
    ksize = ws[2:]
    outs = [(i - 1) * s - 2 * p + d * (k - 1) + op_ + 1 for i, s, p, d, k, op_ in
            zip(spatial, stride, padding, dilation, ksize, output_padding)]
    if any(v <= 0 for v in outs):
        raise RuntimeError(
            f"{op}(): given input size per channel {_size_str(spatial)}, the calculated output "
            f"size per channel {_size_str(outs)} is too small (input shape {xs}, weight shape "
            f"{ws}, padding={padding})"
        )
    n = xs[0] if batched else 1
    ys = ((n,) if batched else ()) + (cout,) + tuple(outs)
    H, W = _lift(nd, outs, 1)
    OH, OW = _lift(nd, spatial, 1)
    ph, pw = _lift(nd, padding, 0)
    # The geometry of the conv this is the transpose of: conv input = our output.
    geo = Geometry(N=n, C=cout, H=H, W=W, O=cin, KH=_lift(nd, ksize, 1)[0], KW=ksize[-1],
                   sh=_lift(nd, stride, 1)[0], sw=stride[-1], pt=ph, pb=ph, pl=pw, pr=pw,
                   dh=_lift(nd, dilation, 1)[0], dw=dilation[-1], g=groups, OH=OH, OW=OW,
                   x_shape=ys, y_shape=xs, w_shape=ws, cdim=cdim)
    return _ConvT.apply(input, weight, bias, geo)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0,
                     groups=1, dilation=1) -> Tensor:
    """2-D transposed convolution (the gradient of conv2d with respect to its input):
    every input value scatters w[c, o]·x[n, c, h, w] onto its output window.

    input (N, C_in, H, W) or unbatched; weight (C_in, C_out/groups, kH, kW). Output size
    (H − 1)·s − 2p + d(k − 1) + output_padding + 1 per dimension.

    >>> ember.ops.conv.conv_transpose2d(ember.ones(1, 1, 2, 2), ember.ones(1, 1, 2, 2))[0, 0]
    tensor([[1., 2., 1.],
            [2., 4., 2.],
            [1., 2., 1.]])
    """
    return _conv_transposend("conv_transpose2d", 2, input, weight, bias, stride, padding,
                             output_padding, groups, dilation)


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0,
                     groups=1, dilation=1) -> Tensor:
    """1-D transposed convolution; input (N, C_in, L) or (C_in, L), weight (C_in,
    C_out/groups, kL), output length (L − 1)·s − 2p + d(k − 1) + output_padding + 1.

    >>> ember.ops.conv.conv_transpose1d(ember.ones(1, 1, 3), ember.ones(1, 1, 2), stride=2)
    tensor([[[1., 1., 1., 1., 1., 1.]]])
    """
    return _conv_transposend("conv_transpose1d", 1, input, weight, bias, stride, padding,
                             output_padding, groups, dilation)


# -- unfold (im2col) and fold (col2im) -------------------------------------------------------


class _Unfold(Function):
    """(N, C, H, W) -> (N, C·kH·kW, L): every window as a column; its gradient is fold."""

    @staticmethod
    def forward(ctx, x, geo):
        xp = x.xp
        x4 = x._data.reshape(geo.x4)
        v = _windows(xp, _padded(xp, x4, geo, False), geo)  # (N, 1, C, kH, kW, OH, OW)
        ctx.geo = geo
        return v.reshape(geo.y_shape)

    @staticmethod
    def backward(ctx, g):
        return _Fold.apply(g, ctx.geo), None


class _Fold(Function):
    """(N, C·kH·kW, L) -> (N, C, H, W): columns summed back onto the image; gradient unfold."""

    @staticmethod
    def forward(ctx, x, geo):
        src = x._data.reshape(geo.N, 1, geo.C, geo.KH, geo.KW, geo.OH, geo.OW)
        ctx.geo = geo
        return col2im(x.xp, src, geo, False, src.dtype).reshape(geo.x_shape)

    @staticmethod
    def backward(ctx, g):
        return _Unfold.apply(g, ctx.geo), None


def _fold_geometry(op, spatial, n, c, kernel_size, dilation, padding, stride, x_shape):
    k = int_tuple(kernel_size, 2, "kernel_size", op, "the 2 spatial dimensions")
    d = int_tuple(dilation, 2, "dilation", op, "the 2 spatial dimensions")
    p = int_tuple(padding, 2, "padding", op, "the 2 spatial dimensions")
    s = int_tuple(stride, 2, "stride", op, "the 2 spatial dimensions")
    for name, vals, low in (("kernel_size", k, 1), ("dilation", d, 1), ("stride", s, 1),
                            ("padding", p, 0)):
        if any(v < low for v in vals):
            want = "non-negative" if low == 0 else "greater than zero"
            raise RuntimeError(f"{op}(): {name} should be {want}, but got {name}={vals}")
    outs = [(size + 2 * pp - dd * (kk - 1) - 1) // ss + 1
            for size, kk, dd, pp, ss in zip(spatial, k, d, p, s)]
    if any(o < 1 for o in outs):
        raise RuntimeError(
            f"{op}(): given input with spatial size {tuple(spatial)}, kernel_size={k}, "
            f"dilation={d}, padding={p}, stride={s}, the array of sliding blocks has shape "
            f"{tuple(outs)}, but its components must be at least one"
        )
    return Geometry(N=n, C=c, H=spatial[0], W=spatial[1], O=c * k[0] * k[1], KH=k[0], KW=k[1],
                    sh=s[0], sw=s[1], pt=p[0], pb=p[0], pl=p[1], pr=p[1], dh=d[0], dw=d[1],
                    g=1, OH=outs[0], OW=outs[1], x_shape=x_shape, y_shape=None, w_shape=None,
                    cdim=None)


def unfold(input, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """im2col: (N, C, H, W) -> (N, C·kH·kW, L), column l holding the l-th window (row-major
    over the OH×OW window positions), rows ordered (c, i, j). Unbatched (C, H, W) gives
    (C·kH·kW, L).

    >>> ember.ops.conv.unfold(ember.arange(9.).reshape(1, 1, 3, 3), 2)
    tensor([[[0., 1., 3., 4.],
             [1., 2., 4., 5.],
             [3., 4., 6., 7.],
             [4., 5., 7., 8.]]])
    """
    check_tensor(input, "unfold")
    if input.ndim not in (3, 4):
        raise RuntimeError(f"unfold(): expected a 3-D (C, H, W) or 4-D (N, C, H, W) input, "
                           f"but got input of shape {_shape(input)}")
    xs = _shape(input)
    n = xs[0] if input.ndim == 4 else 1
    geo = _fold_geometry("unfold", xs[-2:], n, xs[-3], kernel_size, dilation, padding, stride,
                         xs)
    rows = geo.C * geo.KH * geo.KW
    geo.y_shape = xs[:-3] + (rows, geo.OH * geo.OW)
    return _Unfold.apply(input, geo)


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """col2im, the adjoint of unfold: (N, C·kH·kW, L) -> (N, C, H, W), each column's values
    added onto its window (overlaps sum). Unbatched (C·kH·kW, L) gives (C, H, W).

    >>> ember.ops.conv.fold(ember.ones(1, 4, 4), (3, 3), 2)[0, 0]
    tensor([[1., 2., 1.],
            [2., 4., 2.],
            [1., 2., 1.]])
    """
    check_tensor(input, "fold")
    if input.ndim not in (2, 3):
        raise RuntimeError(f"fold(): expected a 2-D (C·kH·kW, L) or 3-D (N, C·kH·kW, L) input, "
                           f"but got input of shape {_shape(input)}")
    xs = _shape(input)
    size = int_tuple(output_size, 2, "output_size", "fold", "the 2 spatial dimensions")
    k = int_tuple(kernel_size, 2, "kernel_size", "fold", "the 2 spatial dimensions")
    rows, length = xs[-2], xs[-1]
    kk = k[0] * k[1]
    if kk <= 0 or rows % kk:
        raise RuntimeError(
            f"fold(): expected size of input's dimension {input.ndim - 2} to be divisible by "
            f"the product of kernel_size, but got input.size({input.ndim - 2})={rows} and "
            f"kernel_size={k}"
        )
    n = xs[0] if input.ndim == 3 else 1
    lead = xs[:-2]
    geo = _fold_geometry("fold", size, n, rows // kk, k, dilation, padding, stride,
                         lead + (rows // kk,) + size)
    if geo.OH * geo.OW != length:
        raise RuntimeError(
            f"fold(): given output_size={size}, kernel_size={k}, dilation={(geo.dh, geo.dw)}, "
            f"padding={(geo.pt, geo.pl)}, stride={(geo.sh, geo.sw)}, expected size of input's "
            f"dimension {input.ndim - 1} to match the calculated number of sliding blocks "
            f"{geo.OH} * {geo.OW} = {geo.OH * geo.OW}, but got input.size({input.ndim - 1})="
            f"{length}"
        )
    geo.y_shape = xs
    return _Fold.apply(input, geo)
