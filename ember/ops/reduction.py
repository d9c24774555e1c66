"""Reductions over dimensions: sums and means, extremes, statistics, cumulative ops, sorting.

``dim`` may be an int, a tuple of ints (negative counts from the end) or None for all dims.
Ops that return values with their indices (``max(dim)``, ``sort``, ``topk``, ``median(dim)``,
...) return a small named tuple with ``.values`` and ``.indices`` (``return_types.<op>``), like
PyTorch's ``torch.return_types``; the gradient of the values goes to the selected indices only.
"""

from __future__ import annotations

import builtins as _py
import collections
import types

import numpy as np

from .. import backend as B
from ..autograd.function import Function
from ..tensor import Tensor
from ._util import cast, check_tensor, normalize_dim, normalize_dims

__all__ = ["sum", "mean", "nansum", "nanmean", "prod", "max", "min", "amax", "amin", "argmax",
           "argmin", "aminmax", "var", "std", "var_mean", "std_mean", "logsumexp", "cumsum",
           "cumprod", "cummax", "cummin", "all", "any", "count_nonzero", "topk", "sort",
           "argsort", "msort", "median", "nanmedian", "mode", "kthvalue", "quantile",
           "nanquantile"]
TENSOR_METHODS = ("sum", "mean", "nansum", "nanmean", "prod", "max", "min", "amax", "amin",
                  "argmax", "argmin", "aminmax", "var", "std", "logsumexp", "cumsum", "cumprod",
                  "cumsum_", "cumprod_", "cummax", "cummin", "all", "any", "count_nonzero",
                  "topk", "sort", "argsort", "msort", "median", "nanmedian", "mode", "kthvalue",
                  "quantile", "nanquantile")


# -- return types ----------------------------------------------------------------------------


def _structseq(name: str, fields: tuple):
    """A named tuple printed like ``torch.return_types.<name>``; unpacks like a tuple."""
    base = collections.namedtuple(name, fields)

    def __repr__(self):
        body = ",\n".join(f"{f}={v!r}" for f, v in zip(self._fields, self))
        return f"ember.return_types.{name}(\n{body})"

    return type(name, (base,), {"__slots__": (), "__repr__": __repr__,
                                "__module__": "ember.return_types"})


_VI = ("values", "indices")
return_types = types.SimpleNamespace(
    **{n: _structseq(n, _VI) for n in ("max", "min", "sort", "topk", "median", "nanmedian",
                                       "mode", "kthvalue", "cummax", "cummin")},
    aminmax=_structseq("aminmax", ("min", "max")),
)


# -- shared helpers --------------------------------------------------------------------------


def _is_int(d) -> bool:
    return type(d) is int or isinstance(d, np.integer)


def _reduce_dims(op: str, input: Tensor, dim, empty_means_all: bool = True) -> tuple:
    """``dim`` (int, tuple/list of ints or None) as sorted non-negative dims; None (and, like
    PyTorch, an empty tuple) means every dim."""
    if dim is None:
        return tuple(range(input.ndim))
    if isinstance(dim, (tuple, list)):
        if not dim and empty_means_all:
            return tuple(range(input.ndim))
        if not _py.all(_is_int(d) for d in dim):
            raise TypeError(f"{op}(): argument 'dim' must be a tuple of ints, got {tuple(dim)}")
    elif not _is_int(dim):
        raise TypeError(f"{op}(): argument 'dim' must be an int, a tuple of ints or None, "
                        f"not {type(dim).__name__}")
    return normalize_dims(dim, input.ndim, op)


def _one_dim(op: str, input: Tensor, dim) -> int:
    if not _is_int(dim):
        raise TypeError(f"{op}(): argument 'dim' must be int, not {type(dim).__name__}")
    return normalize_dim(dim, input.ndim, op)


def _numel(shape, dims) -> int:
    n = 1
    for d in dims:
        n *= shape[d]
    return n


def _kept_shape(shape, dims) -> tuple:
    return tuple(1 if i in dims else s for i, s in enumerate(shape))


def _expand_back(g: Tensor, shape, dims, keepdim: bool) -> Tensor:
    """Broadcast a reduced gradient back to the input ``shape`` (re-inserting reduced dims)."""
    if not keepdim and dims:
        kept = list(g.shape)
        for d in dims:
            kept.insert(d, 1)
        g = g.reshape(kept)
    return g.expand(shape)


def _keep(g: Tensor, shape, dims, keepdim: bool) -> Tensor:
    """A reduced gradient with the reduced dims present as size 1 (no broadcasting)."""
    return g if keepdim or not dims else g.reshape(_kept_shape(shape, dims))


def _cast_back(g: Tensor, npdtype) -> Tensor:
    """The gradient in the input's dtype when the op computed in another one (``dtype=``)."""
    return g if g._data.dtype == npdtype else cast(g, B.from_numpy_dtype(npdtype))


def _arr(a):
    """NumPy gives scalars, not 0-d arrays, from ops on 0-d arrays; tensors hold arrays."""
    return np.asarray(a) if isinstance(a, np.generic) else a


def _wrap(a) -> Tensor:
    return Tensor._make(_arr(a))


def _const(a, like: Tensor) -> Tensor:
    """A constant (no-grad) tensor holding ``a`` in ``like``'s dtype."""
    return Tensor._make(_arr(a).astype(like._data.dtype, copy=False))


def _as_np_dtype(op: str, dtype):
    try:
        return B.as_dtype(dtype)
    except (TypeError, KeyError, ValueError):
        raise TypeError(f"{op}(): argument 'dtype' must be an ember dtype, not {dtype!r}") from None


def _accumulate_dtype(op: str, input: Tensor, dtype):
    """(input, numpy dtype) for sum-like ops: integers and bools accumulate in int64 unless
    ``dtype`` is given; a float input asked for another float dtype accumulates in it (the
    gradient is cast back), other requests cast the input first, like PyTorch."""
    if dtype is None:
        return input, (input.xp.int64 if input._data.dtype.kind in "biu" else None)
    dt = _as_np_dtype(op, dtype)
    npd = B.to_numpy_dtype(dt)
    if npd == input._data.dtype:
        return input, npd
    if dt.is_floating_point and input.is_floating_point():
        return input, npd
    return cast(input, dt), npd


def _check_reducible(op: str, input: Tensor, dims, dim_given: bool, exc=IndexError):
    """Reductions without an identity (max, argmax, median, ...) refuse empty slices."""
    shape = input._data.shape
    if input._data.size and dim_given:
        return
    if not dim_given:
        if input._data.size == 0:
            raise exc(
                f"{op}(): Expected reduction dim to be specified for input.numel() == 0. Specify "
                f"the reduction dim with the 'dim' argument (the input has shape {tuple(shape)})."
            )
        return
    for d in dims:
        if shape[d] == 0:
            raise IndexError(
                f"{op}(): Expected reduction dim {d} to have non-zero size. The input has shape "
                f"{tuple(shape)} and {op} has no identity; reduce over a non-empty dim."
            )


def _scalar_case(fn, input: Tensor, *args, rt=None):
    """Run a dim-wise op on a 0-d tensor as on shape (1,) along dim 0, with 0-d results:
    ``fn(input.reshape(1), *args)``."""
    res = fn(input.reshape(1), *args)
    if isinstance(res, tuple):
        return (rt or type(res))(*(r.reshape(()) for r in res))
    return res.reshape(())


# -- gather / scatter along a dim (the gradient path of every value-selecting op) --------------


def _c_strides(shape) -> list:
    strides = [1] * len(shape)
    for d in range(len(shape) - 2, -1, -1):
        strides[d] = strides[d + 1] * shape[d + 1]
    return strides


def _linear(shape, idx, axis: int):
    """Flat positions, in a C-contiguous array of ``shape``, of ``idx`` (indices along
    ``axis``; every other dim of ``idx`` matches ``shape``)."""
    xp = B.module_of(idx)
    strides = _c_strides(shape)
    lin = idx.astype(xp.int64) * strides[axis] if strides[axis] != 1 else idx.astype(xp.int64)
    for d in range(len(shape)):
        if d != axis and idx.shape[d] > 1:
            r = [1] * len(shape)
            r[d] = idx.shape[d]
            lin = lin + (xp.arange(idx.shape[d]) * strides[d]).reshape(r)
    return xp.broadcast_to(lin, idx.shape)


def _take_along(a, idx, axis: int):
    """``take_along_axis`` (through flat positions when ``a`` is contiguous: much faster)."""
    if a.flags.c_contiguous:
        return a.reshape(-1)[_linear(a.shape, idx, axis)]
    return B.module_of(a).take_along_axis(a, idx, axis=axis)


def _add_along(out, idx, src, axis: int):
    """``out[..., idx[i], ...] += src[i]`` along ``axis`` (repeated indices accumulate)."""
    xp = B.module_of(out)
    xp.add.at(out.reshape(-1), _linear(out.shape, idx, axis).ravel(),
              xp.broadcast_to(src, idx.shape).ravel())


class TakeAlongDim(Function):
    """``take_along_axis(x, idx, axis)``; its gradient scatters back to ``idx``.

    ``values``, when the caller already has them (e.g. from a sort), skips the gather.
    """

    @staticmethod
    def forward(ctx, x, idx, axis, squeeze, unique, values=None):
        ctx.meta = (x._data.shape, idx, axis, squeeze, unique)
        out = _take_along(x._data, idx, axis) if values is None else values
        return out.reshape(out.shape[:axis] + out.shape[axis + 1:]) if squeeze else out

    @staticmethod
    def backward(ctx, g):
        shape, idx, axis, squeeze, unique = ctx.meta
        grad = ScatterAlongDim.apply(g, idx, axis, shape, squeeze, unique)
        return grad, None, None, None, None, None


class ScatterAlongDim(Function):
    """Zeros of ``shape`` with ``src`` placed (``unique``) or added at ``idx`` along ``axis``."""

    @staticmethod
    def forward(ctx, src, idx, axis, shape, squeeze, unique):
        ctx.meta = (idx, axis, squeeze, unique)
        xp = src.xp
        s = xp.expand_dims(src._data, axis) if squeeze else src._data
        out = xp.zeros(shape, dtype=s.dtype)
        if unique:
            out.reshape(-1)[_linear(shape, idx, axis)] = s
        else:
            _add_along(out, idx, s, axis)
        return out

    @staticmethod
    def backward(ctx, g):
        idx, axis, squeeze, unique = ctx.meta
        return TakeAlongDim.apply(g, idx, axis, squeeze, unique), None, None, None, None, None


def _select(rt, x: Tensor, idx, axis: int, keepdim: bool, unique: bool = True, values=None):
    """``rt(values, indices)``: the values of ``x`` at ``idx`` (keepdim-shaped) along ``axis``."""
    idx = idx.astype(x.xp.int64, copy=False)
    values = TakeAlongDim.apply(x, idx, axis, not keepdim, unique, values)
    if not keepdim:
        idx = idx.reshape(idx.shape[:axis] + idx.shape[axis + 1:])
    return rt(values, Tensor._make(idx))


# -- sums and means --------------------------------------------------------------------------


class Sum(Function):
    @staticmethod
    def forward(ctx, x, dims, keepdim, npdtype):
        a = x._data
        ctx.meta = (a.shape, dims, keepdim, a.dtype)
        return a.sum(axis=dims, keepdims=keepdim, dtype=npdtype)

    @staticmethod
    def backward(ctx, g):
        shape, dims, keepdim, dt = ctx.meta
        return _expand_back(_cast_back(g, dt), shape, dims, keepdim), None, None, None


def sum(input, dim=None, keepdim=False, *, dtype=None) -> Tensor:
    """Sum of elements over ``dim`` (all of them by default); integers and bools sum to int64.

    >>> ember.tensor([[1, 2], [3, 4]]).sum(dim=0)
    tensor([4, 6])
    """
    check_tensor(input, "sum")
    dims = _reduce_dims("sum", input, dim)
    input, npd = _accumulate_dtype("sum", input, dtype)
    return Sum.apply(input, dims, keepdim, npd)


def _divide(s, n):
    """``s / n`` for a reduction result (an array or a NumPy scalar); 0/0 gives nan silently."""
    if not n:
        with np.errstate(invalid="ignore", divide="ignore"):
            return s / s.dtype.type(0)
    if getattr(s, "ndim", 0) and s.dtype.kind == "f":
        s /= n
        return s
    return s / n


class Mean(Function):
    @staticmethod
    def forward(ctx, x, dims, keepdim, npdtype):
        a = x._data
        n = _numel(a.shape, dims)
        ctx.meta = (a.shape, dims, keepdim, a.dtype, n)
        if a.dtype == np.float16 and npdtype is None:  # accumulate halves in float32
            return _divide(a.sum(axis=dims, keepdims=keepdim, dtype=np.float32), n).astype(
                np.float16)
        return _divide(a.sum(axis=dims, keepdims=keepdim, dtype=npdtype), n)

    @staticmethod
    def backward(ctx, g):
        shape, dims, keepdim, dt, n = ctx.meta
        g = _cast_back(g, dt)
        return _expand_back(g / n if n else g, shape, dims, keepdim), None, None, None


def _float_dtype_arg(op: str, input: Tensor, dtype):
    """(input, numpy dtype) for mean-like ops, which need a floating input or ``dtype``."""
    if dtype is not None:
        dt = _as_np_dtype(op, dtype)
        if not dt.is_floating_point:
            raise RuntimeError(
                f"{op}(): could not infer output dtype. Optional dtype must be either a floating "
                f"point or complex dtype. Got: {dt}. Pass e.g. dtype=ember.float32"
            )
        if input.is_floating_point():
            npd = B.to_numpy_dtype(dt)
            return input, (None if npd == input._data.dtype else npd)
        return cast(input, dt), None
    if not input.is_floating_point():
        raise RuntimeError(
            f"{op}(): could not infer output dtype. Input dtype must be either a floating point "
            f"or complex dtype. Got: {input.dtype}. Convert it first, e.g. x.float().{op}(), or "
            f"pass dtype=ember.float32"
        )
    return input, None


def mean(input, dim=None, keepdim=False, *, dtype=None) -> Tensor:
    """Mean over ``dim`` (all elements by default); needs a floating input or ``dtype``.

    >>> ember.tensor([[1.0, 2.0], [3.0, 5.0]]).mean(dim=1)
    tensor([1.5000, 4.0000])
    """
    check_tensor(input, "mean")
    dims = _reduce_dims("mean", input, dim)
    input, npd = _float_dtype_arg("mean", input, dtype)
    return Mean.apply(input, dims, keepdim, npd)


class NanSum(Function):
    @staticmethod
    def forward(ctx, x, dims, keepdim, npdtype):
        a = x._data
        ctx.meta = (a.shape, dims, keepdim, a.dtype)
        ctx.save_for_backward(x)
        return x.xp.nansum(a, axis=dims, keepdims=keepdim, dtype=npdtype)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        shape, dims, keepdim, dt = ctx.meta
        keep = _const(~x.xp.isnan(x._data), x)
        return _expand_back(_cast_back(g, dt), shape, dims, keepdim) * keep, None, None, None


def nansum(input, dim=None, keepdim=False, *, dtype=None) -> Tensor:
    """Sum over ``dim`` treating NaN as zero (NaNs get zero gradient).

    >>> ember.nansum(ember.tensor([1.0, float("nan"), 2.0]))
    tensor(3.)
    """
    check_tensor(input, "nansum")
    dims = _reduce_dims("nansum", input, dim)
    input, npd = _accumulate_dtype("nansum", input, dtype)
    if not input.is_floating_point():
        return Sum.apply(input, dims, keepdim, npd)
    return NanSum.apply(input, dims, keepdim, npd)


class NanMean(Function):
    @staticmethod
    def forward(ctx, x, dims, keepdim, npdtype):
        xp, a = x.xp, x._data
        keep = ~xp.isnan(a)
        cnt = keep.sum(axis=dims, keepdims=True)
        ctx.meta = (a.shape, dims, keepdim, a.dtype, keep, cnt)
        s = xp.nansum(a, axis=dims, keepdims=True, dtype=npdtype)
        with np.errstate(invalid="ignore", divide="ignore"):
            s = s / cnt.astype(s.dtype)
        return s if keepdim else s.reshape([n for i, n in enumerate(s.shape) if i not in dims])

    @staticmethod
    def backward(ctx, g):
        shape, dims, keepdim, dt, keep, cnt = ctx.meta
        g = _keep(_cast_back(g, dt), shape, dims, keepdim)
        with np.errstate(invalid="ignore", divide="ignore"):
            w = keep / cnt.astype(g._data.dtype)
        return g.expand(shape) * _const(w, g), None, None, None


def nanmean(input, dim=None, keepdim=False, *, dtype=None) -> Tensor:
    """Mean over ``dim`` of the non-NaN elements (NaN where all are NaN).

    >>> ember.nanmean(ember.tensor([1.0, float("nan"), 2.0]))
    tensor(1.5000)
    """
    check_tensor(input, "nanmean")
    dims = _reduce_dims("nanmean", input, dim)
    input, npd = _float_dtype_arg("nanmean", input, dtype)
    return NanMean.apply(input, dims, keepdim, npd)


class Prod(Function):
    @staticmethod
    def forward(ctx, x, dims, keepdim, npdtype):
        a = x._data
        ctx.meta = (a.shape, dims, keepdim, a.dtype)
        out = a.prod(axis=dims, keepdims=keepdim, dtype=npdtype)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, g):
        from .elementwise import where

        x, out = ctx.saved_tensors
        shape, dims, keepdim, dt = ctx.meta
        g, out = _cast_back(g, dt), _cast_back(out, dt)
        xp = x.xp
        zero = x._data == 0
        if not zero.any():
            return _expand_back(g * out, shape, dims, keepdim) / x, None, None, None
        # d prod / d x_i = (product of the non-zero entries) / x_i (zeros counted as 1) times
        # the product of the zero entries other than x_i. That last factor is 1, 0 or a sum of
        # zero entries, written so its first derivative is exact too (double backward).
        z = xp.broadcast_to(zero.sum(axis=dims, keepdims=True), shape)
        m = _wrap(zero)
        x1 = where(m, 1.0, x)
        p1 = Prod.apply(x1, dims, True, None)
        s = sum(where(m, x, 0.0), dims, keepdim=True)
        others = where(_wrap(z == 0), 1.0,
                       where(_wrap(z == 1), where(m, 1.0, s),
                             where(_wrap(z == 2), where(m, s - x, 0.0), 0.0)))
        grad = _keep(g, shape, dims, keepdim) * p1 / x1 * others
        return grad, None, None, None


def prod(input, dim=None, keepdim=False, *, dtype=None) -> Tensor:
    """Product of the elements (over one ``dim`` if given); integers and bools give int64.

    The gradient is exact with zeros in the input (one or several).

    >>> ember.tensor([[1, 2], [3, 4]]).prod(1)
    tensor([ 2, 12])
    """
    check_tensor(input, "prod")
    dims = tuple(range(input.ndim)) if dim is None else (_one_dim("prod", input, dim),)
    if input.ndim == 0:
        dims = ()
    input, npd = _accumulate_dtype("prod", input, dtype)
    return Prod.apply(input, dims, keepdim, npd)


# -- extremes --------------------------------------------------------------------------------


def _even_weights(x, out, dims, keepdim):
    """1/(number of ties) at every element equal to its slice's extreme (NaN matches NaN)."""
    xp, xa = x.xp, x._data
    o = out._data if keepdim or not dims else xp.expand_dims(out._data, dims)
    mask = xa == o
    if xa.dtype.kind == "f":
        nan_out = xp.isnan(o)
        if nan_out.any():
            mask |= xp.isnan(xa) & nan_out
    w = _arr(mask).astype(xa.dtype)
    w /= mask.sum(axis=dims, keepdims=True).astype(xa.dtype)
    return Tensor._make(w)


class Extreme(Function):
    """amax / amin / max() / min(): the gradient is split evenly among tied extremes."""

    @staticmethod
    def forward(ctx, x, dims, keepdim, is_max):
        a = x._data
        out = (a.max if is_max else a.min)(axis=dims, keepdims=keepdim)
        ctx.meta = (a.shape, dims, keepdim)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, g):
        x, out = ctx.saved_tensors
        shape, dims, keepdim = ctx.meta
        w = _even_weights(x, out, dims, keepdim)
        return _expand_back(g, shape, dims, keepdim) * w, None, None, None


def _amax_amin(op, input, dim, keepdim, is_max):
    check_tensor(input, op)
    dims = _reduce_dims(op, input, dim)
    given = dim is not None and not (isinstance(dim, (tuple, list)) and not dim)
    _check_reducible(op, input, dims, given, exc=RuntimeError)
    return Extreme.apply(input, dims, keepdim, is_max)


def amax(input, dim=(), keepdim=False) -> Tensor:
    """Largest element over ``dim`` (all dims by default); ties share the gradient evenly.

    >>> ember.tensor([[1.0, 5.0], [3.0, 2.0]]).amax(dim=0)
    tensor([3., 5.])
    """
    return _amax_amin("amax", input, dim, keepdim, True)


def amin(input, dim=(), keepdim=False) -> Tensor:
    """Smallest element over ``dim`` (all dims by default); ties share the gradient evenly.

    >>> ember.tensor([[1.0, 5.0], [3.0, 2.0]]).amin(dim=1)
    tensor([1., 2.])
    """
    return _amax_amin("amin", input, dim, keepdim, False)


def _max_min(op, input, dim, keepdim, other, is_max):
    check_tensor(input, op)
    if other is None and isinstance(dim, Tensor):
        other = dim
    if other is not None:
        from .. import ops

        return (ops.maximum if is_max else ops.minimum)(input, other)
    if dim is None:
        _check_reducible(op, input, (), False, exc=RuntimeError)
        return Extreme.apply(input, tuple(range(input.ndim)), False, is_max)
    if not _is_int(dim):
        raise TypeError(f"{op}(): expected dim to be an int (or other to be a Tensor), got "
                        f"{type(dim).__name__}; use amax/amin to reduce over several dims")
    rt = getattr(return_types, op)
    d = normalize_dim(dim, input.ndim, op)
    if input.ndim == 0:
        return _scalar_case(lambda t: _max_min(op, t, 0, False, None, is_max), input, rt=rt)
    _check_reducible(op, input, (d,), True)
    a = input._data
    idx = (input.xp.argmax if is_max else input.xp.argmin)(a, axis=d, keepdims=True)
    return _select(rt, input, idx, d, keepdim)


def max(input, dim=None, keepdim=False, *, other=None):
    """The largest element; along ``dim`` a named tuple ``(values, indices)``; with a tensor
    ``other`` the elementwise ``maximum``.

    Without ``dim`` tied maxima share the gradient evenly; with ``dim`` it goes to the returned
    index (the first maximum, or the first NaN).

    >>> x = ember.tensor([[1.0, 5.0], [3.0, 2.0]])
    >>> x.max()
    tensor(5.)
    >>> x.max(dim=1).indices
    tensor([1, 0])
    """
    return _max_min("max", input, dim, keepdim, other, True)


def min(input, dim=None, keepdim=False, *, other=None):
    """The smallest element; along ``dim`` a named tuple ``(values, indices)``; with a tensor
    ``other`` the elementwise ``minimum`` (see ``max``).

    >>> ember.tensor([[1.0, 5.0], [3.0, 2.0]]).min(0).values
    tensor([1., 2.])
    """
    return _max_min("min", input, dim, keepdim, other, False)


def _arg_extreme(op, input, dim, keepdim, is_max):
    check_tensor(input, op)
    if input._data.dtype.kind == "b":
        raise RuntimeError(f"{op}(): does not support bool input; convert it first, e.g. "
                           f"x.long().{op}()")
    xp, a = input.xp, input._data
    f = xp.argmax if is_max else xp.argmin
    if dim is None:
        _check_reducible(op, input, (), False)
        idx = xp.asarray(f(a.reshape(-1))).astype(xp.int64)
        return Tensor._make(idx.reshape((1,) * a.ndim) if keepdim else idx)
    d = _one_dim(op, input, dim)
    if a.ndim == 0:
        return Tensor._make(xp.zeros((), dtype=xp.int64))
    _check_reducible(op, input, (d,), True)
    return Tensor._make(_arr(f(a, axis=d, keepdims=keepdim)).astype(xp.int64, copy=False))


def argmax(input, dim=None, keepdim=False) -> Tensor:
    """Index of the largest element (of the flattened input when ``dim`` is None), int64;
    the first one on ties.

    >>> ember.tensor([[1.0, 5.0], [3.0, 2.0]]).argmax()
    tensor(1)
    """
    return _arg_extreme("argmax", input, dim, keepdim, True)


def argmin(input, dim=None, keepdim=False) -> Tensor:
    """Index of the smallest element (of the flattened input when ``dim`` is None), int64.

    >>> ember.tensor([[1.0, 5.0], [3.0, 2.0]]).argmin(dim=1)
    tensor([0, 1])
    """
    return _arg_extreme("argmin", input, dim, keepdim, False)


def aminmax(input, *, dim=None, keepdim=False):
    """``(min, max)`` over ``dim`` (all elements by default) as a named tuple.

    >>> r = ember.aminmax(ember.tensor([3.0, 1.0, 2.0]))
    >>> r.min, r.max
    (tensor(1.), tensor(3.))
    """
    check_tensor(input, "aminmax")
    if dim is None:
        dims = tuple(range(input.ndim))
        if input._data.size == 0:
            raise RuntimeError("aminmax(): cannot compute aminmax over an empty dimension as the "
                               f"operation has no identity (input shape {tuple(input.shape)}).")
    else:
        d = _one_dim("aminmax", input, dim)
        dims = () if input.ndim == 0 else (d,)
        _check_reducible("aminmax", input, dims, True)
    return return_types.aminmax(Extreme.apply(input, dims, keepdim, False),
                                Extreme.apply(input, dims, keepdim, True))


# -- statistics ------------------------------------------------------------------------------


def _correction(op, dim, unbiased, correction):
    """Resolve PyTorch's legacy ``unbiased`` (also passed as the first argument) and
    ``correction`` into (dim, correction)."""
    if isinstance(dim, bool):  # var(x, False): the legacy unbiased-only overload
        if unbiased is not None:
            raise TypeError(f"{op}(): got a bool for dim and unbiased={unbiased}; pass "
                            f"dim=... and correction=... as keywords")
        dim, unbiased = None, dim
    if unbiased is not None and correction is not None:
        raise TypeError(f"{op}(): pass either unbiased (legacy) or correction, not both")
    if correction is None:
        correction = 0 if unbiased is False else 1
    if isinstance(correction, bool) or not isinstance(correction, (int, float, np.number)):
        raise TypeError(f"{op}(): correction must be a number, got {type(correction).__name__}")
    return dim, correction


class Var(Function):
    """Variance (or, with ``root``, standard deviation) with ``correction``."""

    @staticmethod
    def forward(ctx, x, dims, correction, keepdim, root):
        xp, a = x.xp, x._data
        n = _numel(a.shape, dims)
        dof = n - correction
        if dof < 0:
            dof = 0
        with np.errstate(invalid="ignore", divide="ignore"):
            mu = a.sum(axis=dims, keepdims=True)
            mu = mu / n if n else mu * np.nan
            d = a - mu
            d *= d
            out = d.sum(axis=dims, keepdims=keepdim)
            out = out / dof if dof else out / a.dtype.type(0)
            if root:
                out = xp.sqrt(out)
        ctx.meta = (a.shape, dims, keepdim, dof, root)
        ctx.save_for_backward(x, out if root else None)
        return out

    @staticmethod
    def backward(ctx, g):
        from .elementwise import where

        x, out = ctx.saved_tensors
        shape, dims, keepdim, dof, root = ctx.meta
        centered = x - mean(x, dims, keepdim=True)
        scale = 1.0 / dof if dof else float("inf")
        if root:  # d std = d var / (2 std); a zero std gets zero gradient, like PyTorch
            zero = _wrap(out._data == 0)
            g = where(zero, 0.0, g / where(zero, 1.0, out))
        else:
            scale *= 2.0
        return _expand_back(g, shape, dims, keepdim) * centered * scale, None, None, None, None


def _var_std(op, input, dim, unbiased, keepdim, correction, root):
    check_tensor(input, op)
    dim, correction = _correction(op, dim, unbiased, correction)
    if not input.is_floating_point():
        raise RuntimeError(f"{op}(): std and var only support floating point and complex dtypes, "
                           f"got {input.dtype}; convert it first, e.g. x.float().{op}()")
    dims = _reduce_dims(op, input, dim)
    return Var.apply(input, dims, correction, keepdim, root)


def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None) -> Tensor:
    """Variance over ``dim``: ``sum((x - mean)^2) / max(0, N - correction)`` (correction 1 by
    default; the legacy ``unbiased=False`` means correction 0).

    >>> ember.tensor([1.0, 2.0, 3.0, 4.0]).var()
    tensor(1.6667)
    """
    return _var_std("var", input, dim, unbiased, keepdim, correction, False)


def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None) -> Tensor:
    """Standard deviation over ``dim``: ``sqrt(var(...))`` (see ``var``).

    >>> ember.tensor([1.0, 2.0, 3.0, 4.0]).std(correction=0)
    tensor(1.1180)
    """
    return _var_std("std", input, dim, unbiased, keepdim, correction, True)


def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """``(var(input, dim, ...), mean(input, dim))`` as a tuple.

    >>> ember.var_mean(ember.tensor([1.0, 2.0, 3.0]))
    (tensor(1.), tensor(2.))
    """
    v = _var_std("var_mean", input, dim, unbiased, keepdim, correction, False)
    dim, _ = _correction("var_mean", dim, unbiased, correction)
    return v, mean(input, dim, keepdim)


def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """``(std(input, dim, ...), mean(input, dim))`` as a tuple.

    >>> ember.std_mean(ember.tensor([1.0, 2.0, 3.0]))
    (tensor(1.), tensor(2.))
    """
    s = _var_std("std_mean", input, dim, unbiased, keepdim, correction, True)
    dim, _ = _correction("std_mean", dim, unbiased, correction)
    return s, mean(input, dim, keepdim)


class LogSumExp(Function):
    @staticmethod
    def forward(ctx, x, dims, keepdim):
        xp, a = x.xp, x._data
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            if a.size and _numel(a.shape, dims):
                m = a.max(axis=dims, keepdims=True)
                if not xp.isfinite(m).all():
                    m = xp.where(xp.isfinite(m), m, 0).astype(a.dtype)
                t = a - m
                xp.exp(t, out=t)
            else:
                m, t = None, xp.exp(a)
            s = t.sum(axis=dims, keepdims=True)
            xp.log(s, out=s)
            if m is not None:
                s += m
        out = s if keepdim else s.reshape([n for i, n in enumerate(s.shape) if i not in dims])
        ctx.meta = (a.shape, dims, keepdim)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, g):
        from .elementwise import exp

        x, out = ctx.saved_tensors
        shape, dims, keepdim = ctx.meta
        p = exp(x - _expand_back(out, shape, dims, keepdim))
        return _expand_back(g, shape, dims, keepdim) * p, None, None


def logsumexp(input, dim, keepdim=False) -> Tensor:
    """``log(sum(exp(input), dim))`` computed stably (the maximum is subtracted first).

    >>> ember.logsumexp(ember.tensor([0.0, 0.0]), dim=0)
    tensor(0.6931)
    """
    check_tensor(input, "logsumexp")
    dims = _reduce_dims("logsumexp", input, dim)
    if not input.is_floating_point():
        input = cast(input, B.get_default_dtype())
    if input.ndim == 0:
        return _scalar_case(lambda t: LogSumExp.apply(t, (0,), False), input)
    return LogSumExp.apply(input, dims, keepdim)


# -- cumulative ops --------------------------------------------------------------------------


class Cumsum(Function):
    @staticmethod
    def forward(ctx, x, axis, npdtype):
        ctx.meta = (axis, x._data.dtype)
        return x.xp.cumsum(x._data, axis=axis, dtype=npdtype)

    @staticmethod
    def backward(ctx, g):
        axis, dt = ctx.meta
        return RevCumsum.apply(_cast_back(g, dt), axis), None, None


class RevCumsum(Function):
    """Cumulative sum from the end (the gradient of cumsum; its own gradient is cumsum)."""

    @staticmethod
    def forward(ctx, g, axis):
        ctx.axis = axis
        xp = g.xp
        return xp.flip(xp.cumsum(xp.flip(g._data, axis), axis=axis), axis)

    @staticmethod
    def backward(ctx, gg):
        return Cumsum.apply(gg, ctx.axis, None), None


def _cumulative(op, fn, input, dim, dtype):
    check_tensor(input, op)
    d = _one_dim(op, input, dim)
    if input.ndim == 0:
        return fn(input.reshape(1), 0, dtype=dtype).reshape(())
    input, npd = _accumulate_dtype(op, input, dtype)
    return (Cumsum if op == "cumsum" else Cumprod).apply(input, d, npd)


def cumsum(input, dim, *, dtype=None) -> Tensor:
    """Running sum along ``dim``: ``out[i] = x[0] + ... + x[i]``; integers give int64.

    >>> ember.cumsum(ember.tensor([1, 2, 3]), dim=0)
    tensor([1, 3, 6])
    """
    return _cumulative("cumsum", cumsum, input, dim, dtype)


class Cumprod(Function):
    @staticmethod
    def forward(ctx, x, axis, npdtype):
        out = x.xp.cumprod(x._data, axis=axis, dtype=npdtype)
        ctx.meta = (axis, x._data.dtype)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, g):
        from .elementwise import where

        x, out = ctx.saved_tensors
        axis, dt = ctx.meta
        g, out = _cast_back(g, dt), _cast_back(out, dt)
        xp = x.xp
        zero = x._data == 0
        if not zero.any():
            return RevCumsum.apply(g * out, axis) / x, None, None
        # Before the first zero of a slice: sum_{j>=k} g_j out_j / x_k. At the first zero the
        # products skip it (cumprod with that entry set to 1). After it every term has a zero.
        c = xp.cumsum(zero, axis=axis)
        before, first = _wrap(c == 0), _wrap(zero & (c == 1))
        part1 = RevCumsum.apply(g * out, axis) / where(before, x, 1.0)
        part2 = RevCumsum.apply(g * Cumprod.apply(where(first, 1.0, x), axis, None), axis)
        return where(before, part1, where(first, part2, 0.0)), None, None


def cumprod(input, dim, *, dtype=None) -> Tensor:
    """Running product along ``dim``; integers give int64. The gradient is exact with zeros.

    >>> ember.cumprod(ember.tensor([1.0, 2.0, 3.0]), dim=0)
    tensor([1., 2., 6.])
    """
    return _cumulative("cumprod", cumprod, input, dim, dtype)


def cumsum_(self, dim, *, dtype=None) -> Tensor:
    """In-place ``cumsum``."""
    from ._util import inplace

    return inplace("cumsum_", self, cumsum, dim, dtype=dtype)


def cumprod_(self, dim, *, dtype=None) -> Tensor:
    """In-place ``cumprod``."""
    from ._util import inplace

    return inplace("cumprod_", self, cumprod, dim, dtype=dtype)


def _cum_extreme(op, input, dim, is_max):
    check_tensor(input, op)
    rt = getattr(return_types, op)
    d = _one_dim(op, input, dim)
    if input.ndim == 0:
        return _scalar_case(lambda t: _cum_extreme(op, t, 0, is_max), input, rt=rt)
    xp, a = input.xp, input._data
    acc = (xp.maximum if is_max else xp.minimum).accumulate(a, axis=d)
    mark = a == acc  # ties take the latest index, like PyTorch
    if a.dtype.kind == "f":
        mark |= xp.isnan(a)
    r = [1] * a.ndim
    r[d] = a.shape[d]
    pos = xp.where(mark, xp.arange(a.shape[d]).reshape(r), 0)
    idx = xp.maximum.accumulate(pos, axis=d) if a.size else pos
    return _select(rt, input, idx, d, True, unique=False)


def cummax(input, dim):
    """Running maximum along ``dim`` and its index (the latest one on ties), as a named tuple.

    >>> ember.cummax(ember.tensor([1.0, 3.0, 2.0, 3.0]), 0).indices
    tensor([0, 1, 1, 3])
    """
    return _cum_extreme("cummax", input, dim, True)


def cummin(input, dim):
    """Running minimum along ``dim`` and its index (the latest one on ties), as a named tuple.

    >>> ember.cummin(ember.tensor([2.0, 3.0, 1.0]), 0).values
    tensor([2., 2., 1.])
    """
    return _cum_extreme("cummin", input, dim, False)


# -- logical reductions ----------------------------------------------------------------------


def _logical(op, input, dim, keepdim):
    check_tensor(input, op)
    xp, a = input.xp, input._data
    dims = _reduce_dims(op, input, dim, empty_means_all=False)
    if isinstance(dim, (tuple, list)) and not dim:
        out = a.astype(bool)
    else:
        out = xp.asarray((xp.all if op == "all" else xp.any)(a, axis=dims, keepdims=keepdim))
    if a.dtype == xp.uint8:  # PyTorch keeps uint8 for uint8 inputs
        out = out.astype(xp.uint8)
    return Tensor._make(out)


def all(input, dim=None, keepdim=False) -> Tensor:
    """Whether every element over ``dim`` is non-zero (bool; uint8 stays uint8).

    >>> ember.tensor([[1, 0], [2, 3]]).all(dim=1)
    tensor([False,  True])
    """
    return _logical("all", input, dim, keepdim)


def any(input, dim=None, keepdim=False) -> Tensor:
    """Whether some element over ``dim`` is non-zero (bool; uint8 stays uint8).

    >>> ember.tensor([[0, 0], [2, 0]]).any(dim=1)
    tensor([False,  True])
    """
    return _logical("any", input, dim, keepdim)


def count_nonzero(input, dim=None) -> Tensor:
    """Number of non-zero elements over ``dim`` (all by default), int64.

    >>> ember.count_nonzero(ember.tensor([[1, 0], [2, 3]]), dim=0)
    tensor([2, 1])
    """
    check_tensor(input, "count_nonzero")
    dims = _reduce_dims("count_nonzero", input, dim)
    xp, a = input.xp, input._data
    axis = None if len(dims) == a.ndim else dims
    return Tensor._make(xp.asarray(xp.count_nonzero(a, axis=axis)).astype(xp.int64))


# -- sorting and order statistics ------------------------------------------------------------


def _stable_sort(a, axis: int, descending: bool):
    xp = B.module_of(a)
    if not descending:
        idx = xp.argsort(a, axis=axis, kind="stable")
    else:  # sort the reversed slices stably, then reverse back: ties stay in index order
        n = a.shape[axis]
        idx = (n - 1) - xp.flip(xp.argsort(xp.flip(a, axis), axis=axis, kind="stable"), axis)
    return idx, xp.take_along_axis(a, idx, axis=axis)


def _sort_along(a, axis: int, descending: bool):
    """(indices, sorted values) of a stable sort along ``axis``: equal elements keep their
    original order, NaN sorts as the largest value."""
    xp = B.module_of(a)
    n = a.shape[axis]
    if n < 2 or a.dtype.kind != "f":
        return _stable_sort(a, axis, descending)
    # The fast (unstable) sort already is the stable order in slices without ties; only the
    # slices with ties (or several NaNs) are sorted again, stably.
    idx = xp.argsort(a, axis=axis)
    s = xp.take_along_axis(a, idx, axis=axis)
    tied = (_take_slice(s, 0, n - 1, axis) == _take_slice(s, 1, n, axis)).any(
        axis=axis, keepdims=True)
    tied |= xp.isnan(_take_slice(s, n - 2, n - 1, axis))
    if descending:
        idx, s = xp.flip(idx, axis), xp.flip(s, axis)
    if not tied.any():
        return idx, s
    rows = xp.nonzero(xp.moveaxis(tied, axis, -1).reshape(-1))[0]
    if 2 * rows.size > tied.size:
        return _stable_sort(a, axis, descending)
    a2 = xp.moveaxis(a, axis, -1).reshape(-1, n)
    i2 = xp.ascontiguousarray(xp.moveaxis(idx, axis, -1))
    s2 = xp.ascontiguousarray(xp.moveaxis(s, axis, -1))
    fi, fs = _stable_sort(a2[rows], 1, descending)
    i2.reshape(-1, n)[rows] = fi
    s2.reshape(-1, n)[rows] = fs
    return xp.moveaxis(i2, -1, axis), xp.moveaxis(s2, -1, axis)


def _argsort(a, axis: int, descending: bool):
    return _sort_along(a, axis, descending)[0]


def _topk_by_argmax(a, k: int, axis: int, largest: bool):
    """Small ``k``: pick the extreme ``k`` times (the first one on ties, so ties go in index
    order), masking each pick. None when the mask value itself came up (then sort)."""
    xp = B.module_of(a)
    kind = a.dtype.kind
    if kind == "f":
        fill = -xp.inf if largest else xp.inf
        if not largest and xp.isnan(a).any():  # argmin would pick NaN first
            return None
    else:
        info = xp.iinfo(a.dtype)
        fill = info.min if largest else info.max
    pick = xp.argmax if largest else xp.argmin
    work = xp.array(a, copy=True, order="C")
    flat = work.reshape(-1)
    kept = list(a.shape)
    kept[axis] = 1
    base = _linear(a.shape, xp.zeros(kept, dtype=xp.int64), axis)
    step = _c_strides(a.shape)[axis]
    idxs, vals = [], []
    for _ in range(k):
        i = pick(work, axis=axis, keepdims=True)
        lin = base + i * step
        idxs.append(i)
        vals.append(flat[lin])
        flat[lin] = fill
    if k > 1 and _py.any(bool((v == fill).any()) for v in vals[1:]):
        return None
    return xp.concatenate(idxs, axis=axis), xp.concatenate(vals, axis=axis)


def _topk_along(a, k: int, axis: int, largest: bool):
    """(indices, values) of the ``k`` largest/smallest along ``axis``, in order, ties by index.

    Small ``k`` picks one extreme at a time; moderate ``k`` partitions to find candidates in
    linear time (when the k-th value is tied with elements left outside, or otherwise, the
    full stable sort decides).
    """
    xp = B.module_of(a)
    n = a.shape[axis]
    if 0 < k <= 8 and k * 4 <= n:
        r = _topk_by_argmax(a, k, axis, largest)
        if r is not None:
            return r
    elif 0 < k and k * 4 <= n and n >= 32:
        kth = n - k if largest else k - 1
        part = xp.argpartition(a, kth, axis=axis)
        cand = _take_slice(part, n - k, n, axis) if largest else _take_slice(part, 0, k, axis)
        b = xp.take_along_axis(a, _take_slice(part, kth, kth + 1, axis), axis=axis)
        cv = xp.take_along_axis(a, cand, axis=axis)
        exact = not (a.dtype.kind == "f" and xp.isnan(b).any()) and bool(
            ((a == b).sum(axis=axis) == (cv == b).sum(axis=axis)).all())
        if exact:
            cand = xp.sort(cand, axis=axis)  # index order first, so the sort keeps it on ties
            order, vals = _sort_along(xp.take_along_axis(a, cand, axis=axis), axis, largest)
            return xp.take_along_axis(cand, order, axis=axis), vals
    idx, vals = _sort_along(a, axis, largest)
    return _take_slice(idx, 0, k, axis), _take_slice(vals, 0, k, axis)


def _take_slice(a, start: int, stop: int, axis: int):
    idx = [slice(None)] * a.ndim
    idx[axis] = slice(start, stop)
    return a[tuple(idx)]


def sort(input, dim=-1, descending=False, *, stable=False):
    """``(values, indices)`` sorted along ``dim`` (ascending unless ``descending``).

    Equal elements keep their original order (the sort is always stable); NaN sorts as the
    largest value.

    >>> ember.sort(ember.tensor([3.0, 1.0, 2.0])).indices
    tensor([1, 2, 0])
    """
    check_tensor(input, "sort")
    d = _one_dim("sort", input, dim)
    if input.ndim == 0:
        return _scalar_case(sort, input, 0, descending, rt=return_types.sort)
    idx, vals = _sort_along(input._data, d, descending)
    return _select(return_types.sort, input, idx, d, True, values=vals)


def argsort(input, dim=-1, descending=False, *, stable=False) -> Tensor:
    """Indices that sort ``input`` along ``dim`` (stable; see ``sort``).

    >>> ember.argsort(ember.tensor([3.0, 1.0, 2.0]), descending=True)
    tensor([0, 2, 1])
    """
    check_tensor(input, "argsort")
    d = _one_dim("argsort", input, dim)
    xp = input.xp
    if input.ndim == 0:
        return Tensor._make(xp.zeros((), dtype=xp.int64))
    return Tensor._make(_argsort(input._data, d, descending).astype(xp.int64, copy=False))


def msort(input) -> Tensor:
    """``input`` sorted along dim 0 (the values of ``sort(input, dim=0)``).

    >>> ember.msort(ember.tensor([[2.0, 1.0], [1.0, 3.0]]))
    tensor([[1., 1.],
            [2., 3.]])
    """
    check_tensor(input, "msort")
    return sort(input, 0).values


def topk(input, k, dim=-1, largest=True, sorted=True):
    """The ``k`` largest (or smallest) elements along ``dim`` and their indices, in order.

    Ties keep the earlier index first.

    >>> ember.topk(ember.tensor([1.0, 5.0, 3.0, 4.0]), 2)
    ember.return_types.topk(
    values=tensor([5., 4.]),
    indices=tensor([1, 3]))
    """
    check_tensor(input, "topk")
    if dim is None:
        dim = -1
    d = _one_dim("topk", input, dim)
    if not _is_int(k):
        raise TypeError(f"topk(): argument 'k' must be int, not {type(k).__name__}")
    n = input._data.shape[d] if input.ndim else 1
    if not 0 <= k <= n:
        raise RuntimeError(
            f"topk(): selected index k out of range: k={k} but dim {d} of the input (shape "
            f"{tuple(input.shape)}) has size {n}; pick 0 <= k <= {n}"
        )
    if input._data.dtype.kind == "b":
        raise RuntimeError("topk(): does not support bool dtypes; convert it first, e.g. x.int()")
    if input.ndim == 0:
        return _scalar_case(topk, input, 1, 0, largest, sorted, rt=return_types.topk)
    idx, vals = _topk_along(input._data, k, d, largest)
    return _select(return_types.topk, input, idx, d, True, values=vals)


class MedianAll(Function):
    """The lower median of all elements; tied elements share the gradient evenly."""

    @staticmethod
    def forward(ctx, x, ignore_nan):
        xp = x.xp
        flat = x._data.reshape(-1)
        if flat.dtype.kind == "f":
            nan = xp.isnan(flat)
            if nan.any():
                flat = flat[~nan] if ignore_nan else flat[:0]
        if flat.size == 0:
            if flat.dtype.kind != "f":
                raise RuntimeError("median(): cannot compute the median of an empty integer "
                                   "tensor (it would be NaN); convert it to float first")
            out = xp.asarray(np.nan, dtype=x._data.dtype)
        else:
            k = (flat.size - 1) // 2
            out = xp.partition(flat, k)[k]
        ctx.save_for_backward(x, out)
        ctx.ndim = x.ndim
        return out

    @staticmethod
    def backward(ctx, g):
        x, out = ctx.saved_tensors
        dims = tuple(range(ctx.ndim))
        w = _even_weights(x, out, dims, False)
        return _expand_back(g, x.shape, dims, False) * w, None


def _median(op, input, dim, keepdim, ignore_nan):
    check_tensor(input, op)
    if input._data.dtype.kind == "b":
        raise RuntimeError(f"{op}(): not implemented for bool tensors; convert it first, "
                           f"e.g. x.int().{op}()")
    if dim is None:
        return MedianAll.apply(input, ignore_nan)
    rt = getattr(return_types, op)
    d = _one_dim(op, input, dim)
    if input.ndim == 0:
        return _scalar_case(lambda t: _median(op, t, 0, False, ignore_nan), input, rt=rt)
    _check_reducible(op, input, (d,), True)
    xp, a = input.xp, input._data
    n = a.shape[d]
    nn = xp.isnan(a).sum(axis=d, keepdims=True) if a.dtype.kind == "f" else None
    if nn is None or not nn.any():
        k = (n - 1) // 2
        idx = _take_slice(xp.argpartition(a, k, axis=d), k, k + 1, d)
    else:  # NaN sorts last: median is the first NaN, nanmedian the median of the rest
        pos = xp.maximum((n - nn - 1) // 2, 0) if ignore_nan else xp.where(
            nn > 0, n - nn, (n - 1) // 2)
        idx = xp.take_along_axis(_argsort(a, d, False), pos, axis=d)
    return _select(rt, input, idx, d, keepdim)


def median(input, dim=None, keepdim=False):
    """The lower median of all elements, or ``(values, indices)`` along ``dim``; NaN if any
    element is NaN.

    >>> x = ember.tensor([[3.0, 1.0, 2.0, 4.0]])
    >>> x.median()
    tensor(2.)
    >>> x.median(dim=1).indices
    tensor([2])
    """
    return _median("median", input, dim, keepdim, False)


def nanmedian(input, dim=None, keepdim=False):
    """``median`` ignoring NaNs (NaN only where every element is NaN).

    >>> ember.nanmedian(ember.tensor([1.0, float("nan"), 3.0, 2.0]))
    tensor(2.)
    """
    return _median("nanmedian", input, dim, keepdim, True)


def kthvalue(input, k, dim=-1, keepdim=False):
    """``(values, indices)`` of the ``k``-th smallest element (1-based) along ``dim``.

    >>> ember.kthvalue(ember.tensor([3.0, 1.0, 2.0]), 2).values
    tensor(2.)
    """
    check_tensor(input, "kthvalue")
    if dim is None:
        dim = -1
    d = _one_dim("kthvalue", input, dim)
    if not _is_int(k):
        raise TypeError(f"kthvalue(): argument 'k' must be int, not {type(k).__name__}")
    if input.ndim == 0:
        if k != 1:
            raise RuntimeError(f"kthvalue(): selected number k={k} out of range for a 0-d "
                               "tensor; k must be 1")
        return _scalar_case(kthvalue, input, 1, 0, False, rt=return_types.kthvalue)
    _check_reducible("kthvalue", input, (d,), True)
    n = input._data.shape[d]
    if not 1 <= k <= n:
        raise RuntimeError(
            f"kthvalue(): selected number k={k} out of range for dimension {d} of size {n} "
            f"(input shape {tuple(input.shape)}); pick 1 <= k <= {n}"
        )
    part = input.xp.argpartition(input._data, k - 1, axis=d)
    return _select(return_types.kthvalue, input, _take_slice(part, k - 1, k, d), d, keepdim)


def mode(input, dim=-1, keepdim=False):
    """``(values, indices)`` of the most frequent value along ``dim`` (the smallest one on
    ties) and the index of its last occurrence.

    >>> ember.mode(ember.tensor([3.0, 1.0, 3.0, 2.0]))
    ember.return_types.mode(
    values=tensor(3.),
    indices=tensor(2))
    """
    check_tensor(input, "mode")
    d = _one_dim("mode", input, dim)
    if input.ndim == 0:
        return _scalar_case(mode, input, 0, False, rt=return_types.mode)
    _check_reducible("mode", input, (d,), True)
    xp = input.xp
    a = xp.moveaxis(input._data, d, -1)
    order = xp.argsort(a, axis=-1, kind="stable")
    s = xp.take_along_axis(a, order, axis=-1)
    n = s.shape[-1]
    new = xp.ones(s.shape, dtype=bool)
    new[..., 1:] = s[..., 1:] != s[..., :-1]
    pos = xp.arange(n)
    run = pos - xp.maximum.accumulate(xp.where(new, pos, 0), axis=-1)
    best = xp.argmax(run, axis=-1, keepdims=True)  # end of the first longest run
    idx = xp.moveaxis(xp.take_along_axis(order, best, axis=-1), -1, d)
    return _select(return_types.mode, input, idx, d, keepdim)


_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


def _quantile(op, input, q, dim, keepdim, interpolation, ignore_nan):
    check_tensor(input, op)
    xp = input.xp
    if input._data.dtype.kind != "f":
        raise RuntimeError(f"{op}() input tensor must be either float or double dtype, got "
                           f"{input.dtype}; convert it first, e.g. x.float()")
    if interpolation not in _INTERPOLATIONS:
        raise ValueError(f"{op}() interpolation must be one of {_INTERPOLATIONS}, got "
                         f"'{interpolation}'")
    if isinstance(q, Tensor):
        if q.ndim > 1:
            raise RuntimeError(f"{op}() q must be a scalar or 1D tensor, got shape "
                               f"{tuple(q.shape)}")
        if q._data.dtype != input._data.dtype:
            raise RuntimeError(f"{op}() q tensor must be same dtype as the input tensor "
                               f"({input.dtype}), got {q.dtype}")
        scalar_q, qa = q.ndim == 0, xp.asarray(q._data, dtype=xp.float64).reshape(-1)
    elif isinstance(q, (int, float, np.number)) and not isinstance(q, bool):
        scalar_q, qa = True, xp.asarray([float(q)])
    else:
        raise TypeError(f"{op}(): q must be a float or a Tensor, not {type(q).__name__}")
    if qa.size and not bool(((qa >= 0) & (qa <= 1)).all()):
        raise RuntimeError(f"{op}() q values must be in the range [0, 1], got "
                           f"{qa.tolist() if not scalar_q else float(qa[0])}")
    if input._data.size == 0:
        raise RuntimeError(f"{op}() input tensor must be non-empty (got shape "
                           f"{tuple(input.shape)})")
    if dim is None:
        x, d, out_ndim = input.reshape(-1), 0, input.ndim
    else:
        d = _one_dim(op, input, dim)
        x, out_ndim = (input.reshape(1) if input.ndim == 0 else input), input.ndim
    if d != x.ndim - 1:  # work along the last dim
        x = x.permute(tuple(i for i in range(x.ndim) if i != d) + (d,))
    srt = sort(x, -1).values
    sd = srt._data
    n = sd.shape[-1]
    ranks = qa * (n - 1)  # (Q,), broadcast against rows (..., 1)
    if sd.dtype.kind == "f":
        nn = xp.isnan(sd).sum(axis=-1, keepdims=True)
        if nn.any():
            if ignore_nan:
                ranks = xp.maximum(qa * (n - nn - 1), 0)
            else:
                ranks = xp.where(nn > 0, float(n - 1), ranks)
    ranks = xp.broadcast_to(ranks, sd.shape[:-1] + (qa.size,))
    lo, hi = xp.floor(ranks), xp.ceil(ranks)
    if interpolation == "lower":
        hi = lo
    elif interpolation == "higher":
        lo = hi
    elif interpolation == "nearest":
        lo = hi = xp.round(ranks)
    below = TakeAlongDim.apply(srt, lo.astype(xp.int64), srt.ndim - 1, False, False)
    if interpolation in ("lower", "higher", "nearest"):
        res = below
    else:
        above = TakeAlongDim.apply(srt, hi.astype(xp.int64), srt.ndim - 1, False, False)
        w = 0.5 if interpolation == "midpoint" else Tensor._make(
            (ranks - lo).astype(sd.dtype))
        res = below + (above - below) * w
    # res: (*rows, Q) -> (Q, *rows), with the reduced dim(s) kept as 1 when asked
    if res.ndim > 1:
        res = res.permute((res.ndim - 1,) + tuple(range(res.ndim - 1)))
    if keepdim:
        rows = list(res.shape[1:])
        if dim is None:
            rows = [1] * out_ndim
        elif out_ndim:
            rows.insert(d, 1)
        res = res.reshape([qa.size] + rows)
    if scalar_q:
        res = res.reshape(res.shape[1:])
    return res


def quantile(input, q, dim=None, keepdim=False, *, interpolation="linear") -> Tensor:
    """The ``q``-quantiles (``q`` a float or 1-D tensor in [0, 1]) of ``input`` along ``dim``
    (flattened by default), interpolating between order statistics; NaN if a slice has NaN.
    A tensor ``q`` puts its dim first in the result.

    >>> ember.quantile(ember.tensor([1.0, 2.0, 3.0, 4.0]), 0.5)
    tensor(2.5000)
    """
    return _quantile("quantile", input, q, dim, keepdim, interpolation, False)


def nanquantile(input, q, dim=None, keepdim=False, *, interpolation="linear") -> Tensor:
    """``quantile`` ignoring NaNs (NaN only where a slice is all NaN).

    >>> ember.nanquantile(ember.tensor([1.0, float("nan"), 3.0]), 0.5)
    tensor(2.)
    """
    return _quantile("nanquantile", input, q, dim, keepdim, interpolation, True)
