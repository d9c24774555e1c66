"""Indexing: ``x[...]`` and ``x[...] = v``, gather/scatter, masked ops, index_select and friends.

Forward passes work on raw arrays with one vectorised NumPy call where possible; every backward
is written with the ops of this module (gather <-> scatter_add, index_select <-> index_add,
masked_select <-> a masked scatter into zeros, ...) so it can be differentiated again.
Accumulation over repeated indices uses ``add.at`` on flat (C-order) positions, its fast path.
"""

from __future__ import annotations

import numbers
import re

import numpy as np

from .. import backend as B
from ..autograd.function import Function
from ..autograd.grad_mode import state as grad_state
from ..tensor import Tensor
from ._util import (
    broadcast_shapes_for,
    check_same_device,
    check_tensor,
    inplace,
    normalize_dim,
    sum_to,
)

__all__ = ["gather", "scatter", "scatter_add", "scatter_reduce", "index_select", "index_add",
           "index_copy", "index_fill", "index_put", "masked_fill", "masked_select",
           "masked_scatter", "take", "take_along_dim", "put", "nonzero", "argwhere", "unique",
           "unique_consecutive", "one_hot", "searchsorted", "bucketize", "bincount", "histc"]
TENSOR_METHODS = ("gather", "scatter", "scatter_", "scatter_add", "scatter_add_",
                  "scatter_reduce", "scatter_reduce_", "index_select", "index_add", "index_add_",
                  "index_copy", "index_copy_", "index_fill", "index_fill_", "index_put",
                  "index_put_", "masked_fill", "masked_fill_", "masked_select", "masked_scatter",
                  "masked_scatter_", "take", "take_along_dim", "put", "put_", "nonzero",
                  "argwhere", "unique", "unique_consecutive", "bincount", "histc")

_INT64 = B.as_dtype("int64")
_TORCH_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half", "bfloat16": "BFloat16",
                "int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char",
                "uint8": "Byte", "bool": "Bool"}


def _tname(t: Tensor) -> str:
    """PyTorch's scalar-type name of ``t`` (``Float``, ``Long``, ...), as its errors print it."""
    return _TORCH_NAMES.get(t.dtype.name, t.dtype.name)


def _recording(*tensors) -> bool:
    return grad_state.enabled and any(isinstance(t, Tensor) and t._requires_grad
                                      for t in tensors)


def _add_at(xp, flat, positions, values):
    """``flat[positions] += values`` with repeats accumulating (1-D ``flat``)."""
    if xp is np:
        np.add.at(flat, positions, values)
    else:  # cupy
        import cupyx

        cupyx.scatter_add(flat, positions, values)


def _c_strides(shape) -> list:
    strides = [1] * len(shape)
    for d in range(len(shape) - 2, -1, -1):
        strides[d] = strides[d + 1] * shape[d + 1]
    return strides


def _flat_positions(xp, idx, shape, dim):
    """C-order flat positions, in an array of ``shape``, of the elements ``idx`` addresses along
    ``dim`` (element ``k`` of ``idx`` sits at coordinates ``k`` in every other dim)."""
    strides = _c_strides(shape)
    lin = idx.astype(xp.int64)
    if strides[dim] != 1:
        lin *= strides[dim]
    n = idx.ndim
    for d in range(n):
        if d != dim and idx.shape[d] > 1 and strides[d]:
            lin += (xp.arange(idx.shape[d], dtype=xp.int64) * strides[d]).reshape(
                (-1,) + (1,) * (n - 1 - d))
    return lin


def _lead(idx_shape, dim):
    """Basic index selecting the leading ``idx_shape`` block of every dim but ``dim``."""
    return tuple(slice(None) if d == dim else slice(0, s) for d, s in enumerate(idx_shape))


def _corner(shape):
    """Basic index selecting the leading ``shape`` block of every dim."""
    return tuple(slice(0, s) for s in shape)


def _dim_index(dim, idx):
    return (slice(None),) * dim + (idx,)


# -- x[index] ------------------------------------------------------------------------------------

_BAD_INDEX = ("only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are "
              "valid indices (got {})")
_BAD_INDEX_TENSOR = ("tensors used as indices must be long, int, byte or bool tensors (got {}); "
                     "convert the index with .long() or .bool()")


def _seq_as_tuple(seq: list) -> bool:
    """PyTorch reads a list holding tensors, sequences, slices, None or ``...`` as a tuple."""
    for it in seq:
        if (it is None or it is Ellipsis or isinstance(it, (Tensor, np.ndarray, list, tuple,
                                                             slice))):
            return True
    return False


def _array_index(arr):
    """An index array as NumPy wants it; bool/uint8 are masks, int32/int64 are positions."""
    kind = arr.dtype.kind
    if kind == "b":
        return arr
    if arr.dtype == np.uint8:
        return arr.astype(bool)
    if arr.dtype == np.int64 or arr.dtype == np.int32:
        return arr
    raise IndexError(_BAD_INDEX_TENSOR.format(B.from_numpy_dtype(arr.dtype)
                                               if kind in "iuf" else arr.dtype))


def _list_index(seq):
    arr = np.asarray(seq)
    if arr.size == 0:
        return np.zeros(arr.shape, dtype=np.int64)
    if arr.dtype.kind == "b" or arr.dtype.kind in "iu":
        return arr
    raise IndexError(_BAD_INDEX.format(arr.dtype.name if arr.dtype.kind != "O" else "a ragged "
                                                                                       "list"))


def _parse_index(index):
    """``(array index, is_basic)``: tensors become arrays (0-d integer tensors become ints, like
    PyTorch, so ``x[t]`` stays a view), lists become index arrays, bad items raise."""
    t = type(index)
    if t is tuple:
        items = index
    elif t is list and _seq_as_tuple(index):
        items = tuple(index)
    else:
        items = (index,)
    out = []
    basic = True
    for it in items:
        t = type(it)
        if t is int or it is None or it is Ellipsis:
            out.append(it)
        elif t is slice:
            if it.step is not None and it.step <= 0:
                if it.step == 0:
                    raise ValueError("slice step cannot be zero")
                raise ValueError("step must be greater than zero")
            out.append(it)
        elif t is bool or isinstance(it, np.bool_):
            if it:
                out.append(None)  # x[True] is x.unsqueeze(0), a view
            else:
                out.append(False)
                basic = False
        elif isinstance(it, (Tensor, np.ndarray)):
            arr = it._data if isinstance(it, Tensor) else it
            kind = arr.dtype.kind
            is_mask = kind == "b" or arr.dtype == np.uint8
            if arr.ndim == 0 and kind in "iu" and not is_mask:
                out.append(int(arr))  # a 0-d integer tensor indexes like an int: a view
            elif arr.ndim == 0 and is_mask:
                out.append(None if bool(arr) else False)
                basic = basic and bool(arr)
            else:
                out.append(arr if isinstance(it, np.ndarray) and kind in "iu"
                           else _array_index(arr))
                basic = False
        elif isinstance(it, np.integer):
            out.append(int(it))
        elif t is list or t is tuple:
            out.append(_list_index(it))
            basic = False
        elif hasattr(it, "__index__") and not isinstance(it, float):
            out.append(it.__index__())
        else:
            raise IndexError(_BAD_INDEX.format(type(it).__name__))
    return tuple(out), basic


def _whole(idx):
    """A basic index that always selects an array (``...`` appended unless present)."""
    items = idx if isinstance(idx, tuple) else (idx,)
    return items if any(it is Ellipsis for it in items) else items + (Ellipsis,)


def _consumes(it) -> int:
    if it is None or it is Ellipsis or it is False:
        return 0
    if isinstance(it, np.ndarray) and it.dtype.kind == "b":
        return max(it.ndim, 1) if it.ndim else 0
    return 1


def _mask_mismatch(shape, idx):
    """PyTorch's message for a bool mask whose shape does not fit the dims it indexes."""
    items = idx if isinstance(idx, tuple) else (idx,)
    used = sum(_consumes(it) for it in items)
    d = 0
    for it in items:
        if it is Ellipsis:
            d += len(shape) - used
            continue
        if isinstance(it, np.ndarray) and it.dtype.kind == "b" and it.ndim:
            for k, s in enumerate(it.shape):
                if d + k >= len(shape) or shape[d + k] != s:
                    return (f"The shape of the mask {list(it.shape)} at index {k} does not match "
                            f"the shape of the indexed tensor {list(shape)} at index {d + k}")
        d += _consumes(it)
    return None


def _index_error(shape, idx, err):
    """Translate NumPy's indexing errors into PyTorch's wording (dimension, tensor, mask)."""
    msg = str(err)
    m = re.match(r"index (-?\d+) is out of bounds for axis (\d+) with size (\d+)", msg)
    if m:
        return IndexError(f"index {m[1]} is out of bounds for dimension {m[2]} with size {m[3]}")
    m = re.match(r"too many indices for array: array is (\d+)-dimensional", msg)
    if m:
        return IndexError(f"too many indices for tensor of dimension {m[1]} (shape "
                          f"{list(shape)}); index with at most {m[1]} ints/slices/tensors")
    if msg.startswith("boolean index did not match"):
        text = _mask_mismatch(shape, idx)
        if text:
            return IndexError(text)
    if msg.startswith("shape mismatch: indexing arrays"):
        shapes = ", ".join(str(_dims(t)) for t in re.findall(r"\(([\d, ]*)\)", msg))
        return IndexError("shape mismatch: indexing tensors could not be broadcast together with "
                          f"shapes {shapes}")
    return type(err)(msg)


def _dims(text) -> list:
    return [int(v) for v in text.replace(" ", "").split(",") if v]


class Slice(Function):
    """Basic indexing (ints, slices, None, ``...``): a view of the input."""

    is_view = True

    @staticmethod
    def forward(ctx, x, idx):
        ctx.meta = (x._data.shape, idx)
        out = x._data[idx]
        if isinstance(out, np.generic):  # NumPy returns scalars; tensors stay 0-d views
            out = x._data[_whole(idx)]
        return out

    @staticmethod
    def backward(ctx, g):
        shape, idx = ctx.meta
        return _SliceBackward.apply(g, shape, idx), None


class _SliceBackward(Function):
    """``g`` written into zeros of ``shape`` at a basic index (no repeats: plain assignment)."""

    @staticmethod
    def forward(ctx, g, shape, idx):
        ctx.idx = idx
        out = g.xp.zeros(shape, dtype=g._data.dtype)
        out[idx] = g._data
        return out

    @staticmethod
    def backward(ctx, gg):
        return Slice.apply(gg, ctx.idx), None, None


_FULL = slice(None)


def _adv_mode(idx, ndim):
    """How advanced indexing maps back: ``("mask",)`` when its only arrays are bool masks (no
    repeats: plain assignment), ``("dim", k, d)`` for one integer array (item ``k``) indexing dim
    ``d`` among full slices (``take`` / flat index-add fast path), else ``("at",)`` (``add.at``)."""
    arrs = [k for k, it in enumerate(idx) if hasattr(it, "ndim")]
    if not arrs or any(it is False for it in idx):
        return ("at",)
    if all(idx[k].dtype.kind == "b" for k in arrs):
        return ("mask",)
    if len(arrs) != 1:
        return ("at",)
    k = arrs[0]
    n_ell = 0
    for j, it in enumerate(idx):
        if it is Ellipsis:
            n_ell += 1
        elif j != k and not (type(it) is slice and it == _FULL):
            return ("at",)
    if n_ell > 1:
        return ("at",)
    before = idx[:k]
    ell_before = any(it is Ellipsis for it in before)
    dim = len(before) - ell_before + (ndim - (len(idx) - n_ell) if ell_before else 0)
    return ("dim", k, dim)


def _adv_get(data, idx, mode):
    if mode[0] == "dim":
        return data.take(idx[mode[1]], axis=mode[2])
    out = data[idx]
    return np.asarray(out) if isinstance(out, np.generic) else out


class Index(Function):
    """Advanced indexing (integer arrays, bool masks): a copy of the selected elements."""

    @staticmethod
    def forward(ctx, x, idx, mode):
        ctx.meta = (x._data.shape, idx, mode)
        return _adv_get(x._data, idx, mode)

    @staticmethod
    def backward(ctx, g):
        shape, idx, mode = ctx.meta
        return _IndexBackward.apply(g, shape, idx, mode), None, None


class _IndexBackward(Function):
    """Scatter-add ``g`` into zeros of the input's shape; repeated indices accumulate."""

    @staticmethod
    def forward(ctx, g, shape, idx, mode):
        ctx.meta = (idx, mode)
        xp = g.xp
        out = xp.zeros(shape, dtype=g._data.dtype)
        if mode[0] == "mask":
            out[idx] = g._data
        elif mode[0] == "dim":
            d = mode[2]
            pos = idx[mode[1]].reshape(-1)
            if pos.size and pos.min() < 0:
                pos = xp.where(pos < 0, pos + shape[d], pos)
            gd = g._data.reshape(shape[:d] + (pos.size,) + shape[d + 1:])
            _index_add_kernel(xp, out, d, pos, gd)
        else:
            xp.add.at(out, idx, g._data)
        return out

    @staticmethod
    def backward(ctx, gg):
        idx, mode = ctx.meta
        return Index.apply(gg, idx, mode), None, None, None


def _view_out(x: Tensor, data) -> Tensor:
    out = Tensor._make(data)
    out._vc = x._vc
    out._base = x._base if x._base is not None else x
    return out


def _getitem(x: Tensor, idx, basic: bool) -> Tensor:
    if basic:
        if x._requires_grad and grad_state.enabled:
            return Slice.apply(x, idx)
        data = x._data[idx]
        if isinstance(data, np.generic):
            data = x._data[_whole(idx)]
        return _view_out(x, data)
    mode = _adv_mode(idx, x._data.ndim)
    if x._requires_grad and grad_state.enabled:
        return Index.apply(x, idx, mode)
    return Tensor._make(_adv_get(x._data, idx, mode))


def getitem(input: Tensor, index) -> Tensor:
    """``input[index]`` with ints, slices (positive steps), None, ``...``, bool masks and integer
    tensors/lists/arrays (NumPy's advanced-indexing rules, which are PyTorch's).

    Basic indices give a view; the gradient of advanced indexing accumulates over repeats.

    >>> x = ember.arange(6).reshape(2, 3)
    >>> x[1, ::2], x[:, [2, 0]]
    (tensor([3, 5]), tensor([[2, 0],
            [5, 3]]))
    """
    t = type(index)
    if t is int or (t is slice and (index.step is None or (type(index.step) is int
                                                            and index.step > 0))):
        idx, basic = index, True
    else:
        idx, basic = _parse_index(index)
    try:
        return _getitem(input, idx, basic)
    except (IndexError, ValueError) as e:
        raise _index_error(input._data.shape, idx, e) from None


# -- x[index] = value ----------------------------------------------------------------------------


class IndexPut(Function):
    """``x`` with ``value`` written (or, with ``accumulate``, added) at ``idx``."""

    @staticmethod
    def forward(ctx, x, idx, value, basic, accumulate):
        out = x._data.copy()
        v = value._data if isinstance(value, Tensor) else value
        if accumulate:
            x.xp.add.at(out, idx, v)
        else:
            out[idx] = v
        ctx.meta = (idx, basic, accumulate,
                    value._data.shape if isinstance(value, Tensor) else None)
        return out

    @staticmethod
    def backward(ctx, g):
        idx, basic, accumulate, vshape = ctx.meta
        gx = gv = None
        if ctx.needs_input_grad[0]:
            gx = g if accumulate else IndexPut.apply(g, idx, 0.0, basic, False)
        if ctx.needs_input_grad[2]:
            gv = _getitem(g, idx, basic)
            if gv.ndim < len(vshape):  # values may carry extra leading 1-dims
                gv = gv.reshape((1,) * (len(vshape) - gv.ndim) + tuple(gv.shape))
            gv = sum_to(gv, vshape)
        return gx, None, gv, None, None


def _value_arg(op, input, value):
    if isinstance(value, Tensor):
        if value.device != input.device:
            value = value.to(input.device)
        return value
    if isinstance(value, (numbers.Number, np.bool_)):
        return value.item() if isinstance(value, np.generic) else value
    raise TypeError(f"{op}: can't assign a {type(value).__name__} to a {input.type()}; convert "
                    "it with ember.tensor(...) first")


def _put_error(shape, idx, value, err):
    m = (re.match(r"could not broadcast input array from shape \(([\d, ]*)\) into shape "
                  r"\(([\d, ]*)\)", str(err))
         or re.match(r"shape mismatch: value array of shape \(([\d, ]*)\) could not be broadcast "
                     r"to indexing result of shape \(([\d, ]*)\)", str(err)))
    if m:
        return RuntimeError(f"shape mismatch: value tensor of shape {_dims(m[1])} cannot be "
                            f"broadcast to indexing result of shape {_dims(m[2])}")
    return _index_error(shape, idx, err)


def setitem_(input: Tensor, index, value) -> Tensor:
    """``input[index] = value`` in place; ``value`` is a number or a tensor broadcast to the
    indexed shape and cast to ``input``'s dtype. Differentiable for a non-leaf ``input`` and for
    ``value``; when nothing records it writes straight into the array."""
    t = type(index)
    if t is int or (t is slice and (index.step is None or (type(index.step) is int
                                                            and index.step > 0))):
        idx, basic = index, True
    else:
        idx, basic = _parse_index(index)
    value = _value_arg("__setitem__", input, value)
    if basic and isinstance(value, Tensor):
        idx = _whole(idx)  # so an all-int index writes a 0-d view, which broadcasts
    try:
        if not (grad_state.enabled and (input._requires_grad or isinstance(value, Tensor)
                                        and value._requires_grad)):
            input._data[idx] = value._data if isinstance(value, Tensor) else value
            input._vc[0] += 1
            return input
        if isinstance(value, Tensor) and value._data.dtype != input._data.dtype:
            value = value.to(input.dtype)
        return inplace("__setitem__", input, _index_put_fn, idx, value, basic, False)
    except (IndexError, ValueError) as e:
        raise _put_error(input._data.shape, idx, value, e) from None


def _add_at_index(xp, out, idx, v):
    xp.add.at(out, idx, v)


def _index_put_fn(x, idx, value, basic, accumulate):
    return IndexPut.apply(x, idx, value, basic, accumulate)


def _indices_arg(op, indices):
    if not isinstance(indices, (tuple, list)):
        raise TypeError(f"{op}(): argument 'indices' must be a tuple of Tensors, not "
                        f"{type(indices).__name__}")
    idx, basic = _parse_index(tuple(slice(None) if i is None else i for i in indices))
    return idx, basic


def index_put(input, indices, values, accumulate=False) -> Tensor:
    """A copy of ``input`` with ``values`` put (or added, ``accumulate=True``) at ``indices``, a
    tuple of index tensors: ``input[indices] = values`` out of place.

    >>> ember.zeros(3).index_put((ember.tensor([0, 0]),), ember.tensor(1.), accumulate=True)
    tensor([2., 0., 0.])
    """
    check_tensor(input, "index_put")
    idx, basic = _indices_arg("index_put", indices)
    idx = _whole(idx) if basic else idx
    values = _value_arg("index_put", input, check_tensor(values, "index_put", "values"))
    if values._data.dtype != input._data.dtype:
        raise RuntimeError(f"index_put(): Index put requires the source and destination dtypes "
                           f"match, got {_tname(input)} for the destination and {_tname(values)} "
                           "for the source; convert with values.to(input.dtype)")
    try:
        return IndexPut.apply(input, idx, values, basic, bool(accumulate))
    except (IndexError, ValueError) as e:
        raise _put_error(input._data.shape, idx, values, e) from None


def index_put_(input, indices, values, accumulate=False) -> Tensor:
    """In-place ``index_put``."""
    check_tensor(input, "index_put_")
    idx, basic = _indices_arg("index_put_", indices)
    idx = _whole(idx) if basic else idx
    values = _value_arg("index_put_", input, check_tensor(values, "index_put_", "values"))
    try:
        if not _recording(input, values):
            if accumulate:
                _direct(input, _add_at_index, idx, values._data, reads=(values,))
            else:
                input._data[idx] = values._data
                input._vc[0] += 1
            return input
        return inplace("index_put_", input, _index_put_fn, idx, values, basic, bool(accumulate))
    except (IndexError, ValueError) as e:
        raise _put_error(input._data.shape, idx, values, e) from None


# -- argument checks shared by gather/scatter/index_* --------------------------------------------


def _check_index_dtype(op, index, allow_int32, msg=None, exc=RuntimeError, name="index"):
    check_tensor(index, op, name)
    dt = index._data.dtype
    if dt == np.int64 or (allow_int32 and dt == np.int32):
        return
    if msg is None:
        want = "int32/int64" if allow_int32 else "int64"
        msg = f"{op}(): Expected dtype {want} for {name}"
    raise exc(f"{msg} (got {index.dtype}); convert it with {name}.long()")


def _check_bounds(op, idx, size, dim, exc=RuntimeError, negative=False):
    """Raise ``exc`` naming the first index outside ``[0, size)`` (``[-size, size)`` with
    ``negative``), the dim and its size."""
    if idx.size == 0:
        return
    lo, hi = int(idx.min()), int(idx.max())
    low = -size if negative else 0
    if lo < low or hi >= size:
        bad = lo if lo < low else hi
        raise exc(f"{op}(): index {bad} is out of bounds for dimension {dim} with size {size}")


def _check_same_dtype(op, x, src, name="src"):
    if src._data.dtype != x._data.dtype:
        raise RuntimeError(f"{op}(): Expected self.dtype to be equal to {name}.dtype (got "
                           f"{x.dtype} and {src.dtype}); convert with {name}.to(input.dtype)")


def _scatter_shapes(op, x, dim, index, src):
    """PyTorch's rule: ``index`` has ``x``'s rank, fits in ``x`` except along ``dim`` and fits in
    ``src`` everywhere."""
    if index.ndim != x.ndim:
        raise RuntimeError(f"{op}(): Index tensor must have the same number of dimensions as self "
                           f"tensor (got index {list(index.shape)} and self {list(x.shape)})")
    ish, xsh = index._data.shape, x._data.shape
    ssh = src._data.shape if isinstance(src, Tensor) else None
    bad = any(d != dim and ish[d] > xsh[d] for d in range(len(ish)))
    if ssh is not None:
        bad = bad or len(ssh) != len(ish) or any(i > s for i, s in zip(ish, ssh))
    if bad:
        tail = f" and to be no larger size than src {list(ssh)}" if ssh is not None else ""
        raise RuntimeError(f"{op}(): Expected index {list(ish)} to be no larger than self "
                           f"{list(xsh)} apart from dimension {dim}{tail}")


def _scalar_rank(*tensors):
    """``True`` when 0-d tensors take part (handled as 1-element 1-d ones, like PyTorch)."""
    return any(isinstance(t, Tensor) and t.ndim == 0 for t in tensors)


def _to1d(t):
    return t.reshape(1) if isinstance(t, Tensor) and t.ndim == 0 else t


# -- gather / scatter ----------------------------------------------------------------------------


def _gather_data(xd, dim, idx, xp):
    if xd.flags.c_contiguous and xp is np:
        return xd.reshape(-1).take(_flat_positions(xp, idx, xd.shape, dim))
    if idx.shape != xd.shape:
        xd = xd[_lead(idx.shape, dim)]
    return xp.take_along_axis(xd, idx, axis=dim)


class Gather(Function):
    @staticmethod
    def forward(ctx, x, dim, index):
        ctx.meta = (x._data.shape, dim, index)
        return _gather_data(x._data, dim, index._data, x.xp)

    @staticmethod
    def backward(ctx, g):
        shape, dim, index = ctx.meta
        return _ScatterAddInto.apply(g, shape, dim, index), None, None


class _ScatterAddInto(Function):
    """``zeros(shape).scatter_add(dim, index, g)``: gather's backward."""

    @staticmethod
    def forward(ctx, g, shape, dim, index):
        ctx.meta = (dim, index)
        xp = g.xp
        out = xp.zeros(shape, dtype=g._data.dtype)
        idx = index._data
        _add_at(xp, out.reshape(-1), _flat_positions(xp, idx, shape, dim).reshape(-1),
                g._data.reshape(-1))
        return out

    @staticmethod
    def backward(ctx, gg):
        dim, index = ctx.meta
        return Gather.apply(gg, dim, index), None, None, None


def gather(input, dim, index, *, sparse_grad=False) -> Tensor:
    """``out[i][j] = input[i][index[i][j]]`` for ``dim=1`` (likewise for any dim): values picked
    along ``dim``; ``index`` has ``input``'s rank and fits in it apart from ``dim``.

    >>> ember.gather(ember.tensor([[1., 2.], [3., 4.]]), 1, ember.tensor([[1], [0]]))
    tensor([[2.],
            [3.]])
    """
    check_tensor(input, "gather")
    _check_index_dtype("gather", index, True)
    dim = normalize_dim(dim, input.ndim, "gather")
    check_same_device("gather", input, index)
    if _scalar_rank(input, index):
        if input.ndim > 1 or index.ndim > 1:
            raise RuntimeError("gather(): Index tensor must have the same number of dimensions as "
                               f"input tensor (got index {list(index.shape)} and input "
                               f"{list(input.shape)})")
        return gather(_to1d(input), 0, _to1d(index)).reshape(tuple(index.shape))
    if index.ndim != input.ndim:
        raise RuntimeError("gather(): Index tensor must have the same number of dimensions as "
                           f"input tensor (got index {list(index.shape)} and input "
                           f"{list(input.shape)}); unsqueeze or reshape the index")
    ish, xsh = index._data.shape, input._data.shape
    for d in range(len(ish)):
        if d != dim and ish[d] > xsh[d]:
            raise RuntimeError(f"gather(): Size does not match at dimension {d} expected index "
                               f"{list(ish)} to be no larger than self {list(xsh)} apart from "
                               f"dimension {dim}")
    _check_bounds("gather", index._data, xsh[dim], dim)
    return Gather.apply(input, dim, index)


_SCATTER_REDUCE_UFUNC = {"add": "add", "multiply": "multiply", "sum": "add", "prod": "multiply",
                         "amax": "maximum", "amin": "minimum", "mean": "add"}


def _scatter_kernel(xp, out, dim, idx, src, reduce):
    """Scatter ``src`` (an array of ``idx``'s shape or larger, or a scalar) into the C-contiguous
    array ``out`` in place: assign, or combine with ``reduce``'s ufunc (repeats accumulate)."""
    flat = out.reshape(-1)
    pos = _flat_positions(xp, idx, out.shape, dim).reshape(-1)
    if isinstance(src, (int, float, bool)):
        vals = src
    else:
        vals = (src if src.shape == idx.shape else src[_corner(idx.shape)]).reshape(-1)
    if reduce is None:
        flat[pos] = vals
    elif xp is np:
        getattr(np, _SCATTER_REDUCE_UFUNC[reduce]).at(flat, pos, vals)
    else:
        getattr(xp, _SCATTER_REDUCE_UFUNC[reduce]).at(flat, pos, vals)
    return pos


class Scatter(Function):
    """``x`` with ``src`` (a tensor or a number) written at ``index`` along ``dim``."""

    @staticmethod
    def forward(ctx, x, dim, index, src, reduce):
        ctx.meta = (dim, index, reduce, src._data.shape if isinstance(src, Tensor) else None)
        out = x.xp.array(x._data, copy=True, order="C")
        _scatter_kernel(x.xp, out, dim, index._data,
                        src._data if isinstance(src, Tensor) else src, reduce)
        return out

    @staticmethod
    def backward(ctx, g):
        dim, index, reduce, sshape = ctx.meta
        if reduce is not None:
            raise RuntimeError(f"scatter(): the derivative for scatter with reduce='{reduce}' is "
                               "not implemented; use scatter_add() or scatter_reduce() instead")
        gx = Scatter.apply(g, dim, index, 0.0, None) if ctx.needs_input_grad[0] else None
        gs = None
        if ctx.needs_input_grad[3]:
            gs = _pad_to(Gather.apply(g, dim, index), sshape)
        return gx, None, None, gs, None


def _pad_to(t: Tensor, shape) -> Tensor:
    """``t`` in the leading corner of zeros of ``shape`` (no-op when the shapes agree)."""
    shape = tuple(shape)
    if tuple(t.shape) == shape:
        return t
    return _SliceBackward.apply(t, shape, _corner(t.shape))


def _scatter_args(op, input, dim, index, src):
    check_tensor(input, op)
    _check_index_dtype(op.rstrip("_"), index, True)
    dim = normalize_dim(dim, input.ndim, op)
    check_same_device(op, input, index, src)
    if isinstance(src, Tensor):
        _check_same_dtype(op.rstrip("_"), input, src)
    _scatter_shapes(op, input, dim, index, src)
    _check_bounds(op, index._data, input._data.shape[dim], dim)
    return dim


def _src_or_value(op, src, value):
    if src is None and value is None:
        raise TypeError(f"{op}(): expected a 'src' tensor or a 'value' number, got neither")
    if src is not None and value is not None:
        raise TypeError(f"{op}(): give either 'src' or 'value', not both")
    v = src if src is not None else value
    if isinstance(v, Tensor):
        if value is not None:  # a value given as a tensor must hold one number
            if v.ndim:
                raise RuntimeError(f"{op}(): 'value' must be a number or a 0-d tensor, got shape "
                                   f"{list(v.shape)}")
            return v.item()
        return v
    if isinstance(v, (numbers.Number, np.bool_)):
        return v.item() if isinstance(v, np.generic) else v
    raise TypeError(f"{op}(): 'src' must be a Tensor or a number, not {type(v).__name__}")


def _scalar_for(x: Tensor, v):
    """A Python number cast to ``x``'s kind (PyTorch casts ``value`` to the tensor's dtype)."""
    k = x._data.dtype.kind
    if k == "b":
        return bool(v)
    if k in "iu":
        return int(v)
    return float(v)


def _run_scatter(op, input, dim, index, src, reduce, into=False):
    if reduce is not None and reduce not in ("add", "multiply"):
        raise RuntimeError(f"{op}(): reduce argument must be either add or multiply, got "
                           f"'{reduce}'")
    if _scalar_rank(input, index, src):
        shape0 = tuple(input.shape)
        out = _run_scatter(op, _to1d(input), dim, _to1d(index), _to1d(src), reduce, into)
        return out if into else out.reshape(shape0)
    dim = _scatter_args(op, input, dim, index, src)
    if not isinstance(src, Tensor):
        src = _scalar_for(input, src)
    if into:
        return _direct(input, _scatter_kernel, dim, index._data,
                       src._data if isinstance(src, Tensor) else src, reduce, reads=(src,))
    return Scatter.apply(input, dim, index, src, reduce)


def scatter(input, dim, index, src=None, value=None, *, reduce=None) -> Tensor:
    """A copy of ``input`` with ``self[i][index[i][j]] = src[i][j]`` (for ``dim=1``): ``src`` a
    tensor or a number (also ``value=``); ``reduce='add'|'multiply'`` combines instead.

    >>> ember.zeros(2, 3).scatter(1, ember.tensor([[2], [0]]), 5.0)
    tensor([[0., 0., 5.],
            [5., 0., 0.]])
    """
    return _run_scatter("scatter", input, dim, index, _src_or_value("scatter", src, value),
                        reduce)


def scatter_(input, dim, index, src=None, value=None, *, reduce=None) -> Tensor:
    """In-place ``scatter``."""
    v = _src_or_value("scatter_", src, value)
    if not _recording(input, v) and isinstance(input, Tensor) and input.ndim:
        return _run_scatter("scatter_", input, dim, index, v, reduce, into=True)
    return _inplace("scatter_", input, lambda s, *a: _run_scatter("scatter", s, *a),
                    dim, index, v, reduce)


class ScatterAdd(Function):
    @staticmethod
    def forward(ctx, x, dim, index, src):
        ctx.meta = (dim, index, src._data.shape)
        out = x.xp.array(x._data, copy=True, order="C")
        _scatter_kernel(x.xp, out, dim, index._data, src._data, "add")
        return out

    @staticmethod
    def backward(ctx, g):
        dim, index, sshape = ctx.meta
        gs = _pad_to(Gather.apply(g, dim, index), sshape) if ctx.needs_input_grad[3] else None
        return g, None, None, gs


def _run_scatter_add(input, dim, index, src, into=False):
    check_tensor(src, "scatter_add", "src")
    if _scalar_rank(input, index, src):
        out = _run_scatter_add(_to1d(input), dim, _to1d(index), _to1d(src), into)
        return out if into else out.reshape(tuple(input.shape))
    dim = _scatter_args("scatter_add", input, dim, index, src)
    if into:
        return _direct(input, _scatter_kernel, dim, index._data, src._data, "add", reads=(src,))
    return ScatterAdd.apply(input, dim, index, src)


def scatter_add(input, dim, index, src) -> Tensor:
    """A copy of ``input`` with ``self[i][index[i][j]] += src[i][j]`` (``dim=1``); repeated
    indices accumulate. Its gradient for ``src`` is a ``gather``.

    >>> ember.zeros(3).scatter_add(0, ember.tensor([0, 2, 0]), ember.tensor([1., 2., 3.]))
    tensor([4., 0., 2.])
    """
    return _run_scatter_add(input, dim, index, src)


def scatter_add_(input, dim, index, src) -> Tensor:
    """In-place ``scatter_add``."""
    if not _recording(input, src) and isinstance(input, Tensor) and input.ndim:
        return _run_scatter_add(input, dim, index, src, into=True)
    return _inplace("scatter_add_", input, _run_scatter_add, dim, index, src)


class ScatterReduce(Function):
    @staticmethod
    def forward(ctx, x, dim, index, src, reduce, include_self):
        xp = x.xp
        out = xp.array(x._data, copy=True, order="C")
        idx, sd = index._data, src._data
        if sd.shape != idx.shape:
            sd = sd[_corner(idx.shape)]
        flat = out.reshape(-1)
        pos = _flat_positions(xp, idx, out.shape, dim).reshape(-1)
        if not include_self:
            flat[pos] = _reduce_identity(reduce, out.dtype)
        getattr(xp, _SCATTER_REDUCE_UFUNC[reduce]).at(flat, pos, sd.reshape(-1))
        count = None
        if reduce == "mean":
            count = xp.bincount(pos, minlength=flat.size).reshape(out.shape)
            if include_self:
                count += 1
            count[count == 0] = 1
            if out.dtype.kind == "f":
                out /= count.astype(out.dtype)
            else:
                xp.floor_divide(out, count, out=out, casting="unsafe")
        ctx.meta = (dim, index, reduce, include_self, src._data.shape, count)
        ctx.save_for_backward(x if reduce in ("amax", "amin", "prod") else None,
                              src if reduce in ("amax", "amin", "prod") else None,
                              out if reduce in ("amax", "amin", "prod") else None)
        return out

    @staticmethod
    def backward(ctx, g):
        dim, index, reduce, include_self, sshape, count = ctx.meta
        x, src, out = ctx.saved_tensors
        if sshape != tuple(index.shape):
            src = src[_corner(tuple(index.shape))] if src is not None else None
        if reduce == "sum":
            gx, gs = g, Gather.apply(g, dim, index)
        elif reduce == "mean":
            gn = g / Tensor._make(count.astype(g._data.dtype))
            gx, gs = gn, Gather.apply(gn, dim, index)
        elif reduce in ("amax", "amin"):
            value = Gather.apply(out, dim, index)
            x_is = (x == out).to(g.dtype)
            s_is = (src == value).to(g.dtype)
            n = ScatterAdd.apply(x_is, dim, index, s_is)
            gd = g / n
            gx = x_is * gd
            gs = s_is * Gather.apply(gd, dim, index)
        else:  # prod, with PyTorch's care for zeros
            gx, gs = _prod_backward(g, x, src, out, dim, index, include_self)
        if not include_self:
            gx = Scatter.apply(gx, dim, index, 0.0, None)
        gx = gx if ctx.needs_input_grad[0] else None
        gs = _pad_to(gs, sshape) if ctx.needs_input_grad[3] else None
        return gx, None, None, gs, None, None


def _prod_backward(g, x, src, out, dim, index, include_self):
    from .elementwise import where

    x_zero = Tensor._make(x._data == 0)
    masked_x = masked_fill(x, x_zero, 1.0)
    masked_x_out = ScatterReduce.apply(masked_x, dim, index, src, "prod", include_self)
    gx = g * masked_x_out / masked_x
    src_zero = src._data == 0
    zeros_x = Tensor._make(x.xp.zeros(x._data.shape, dtype=x._data.dtype))
    n_zero = ScatterAdd.apply(zeros_x, dim, index, Tensor._make(src_zero.astype(x._data.dtype)))
    single = Tensor._make(src_zero & (Gather.apply(n_zero, dim, index)._data == 1))
    masked_src = masked_fill(src, single, 1.0)
    masked_src_out = ScatterReduce.apply(x, dim, index, masked_src, "prod", include_self)
    gs = where(single, Gather.apply(g * masked_src_out, dim, index),
               Gather.apply(g * out, dim, index) / masked_fill(src, Tensor._make(src_zero), 1.0))
    return gx, gs


def _reduce_identity(reduce, dt):
    if reduce in ("sum", "mean"):
        return 0
    if reduce == "prod":
        return 1
    if dt.kind == "f":
        return -np.inf if reduce == "amax" else np.inf
    info = np.iinfo(dt) if dt.kind in "iu" else None
    if info is None:
        return reduce == "amin"
    return info.min if reduce == "amax" else info.max


def _run_scatter_reduce(input, dim, index, src, reduce, include_self=True):
    check_tensor(src, "scatter_reduce", "src")
    if reduce not in ("sum", "prod", "mean", "amax", "amin"):
        raise RuntimeError("scatter_reduce(): reduce argument must be either sum, prod, mean, "
                           f"amax or amin, got {reduce}")
    if _scalar_rank(input, index, src):
        return _run_scatter_reduce(_to1d(input), dim, _to1d(index), _to1d(src), reduce,
                                   include_self).reshape(tuple(input.shape))
    dim = _scatter_args("scatter_reduce", input, dim, index, src)
    return ScatterReduce.apply(input, dim, index, src, reduce, bool(include_self))


def scatter_reduce(input, dim, index, src, reduce, *, include_self=True) -> Tensor:
    """``input`` with ``src`` reduced into the positions ``index`` names along ``dim``:
    ``reduce`` is ``'sum'``, ``'prod'``, ``'mean'``, ``'amax'`` or ``'amin'``; with
    ``include_self=False`` the scattered-to values of ``input`` are left out of the reduction.

    >>> x = ember.tensor([1., 2.])
    >>> x.scatter_reduce(0, ember.tensor([0, 0, 1]), ember.tensor([5., 3., 1.]), "amax")
    tensor([5., 2.])
    """
    return _run_scatter_reduce(input, dim, index, src, reduce, include_self)


def scatter_reduce_(input, dim, index, src, reduce, *, include_self=True) -> Tensor:
    """In-place ``scatter_reduce``."""
    return _inplace("scatter_reduce_", input, _run_scatter_reduce, dim, index, src, reduce,
                    include_self)


def _inplace(op, self, fn, *args):
    """In-place form of the out-of-place ``fn`` while autograd records (``fn`` then runs on a
    copy and the graph is rewired by ``inplace``)."""
    check_tensor(self, op, "self")
    return inplace(op, self, fn, *args)


def _direct(self: Tensor, kernel, *args, reads=()) -> Tensor:
    """``kernel(xp, array, *args)`` run straight on ``self``'s array when nothing records; a
    C-contiguous copy is written back when the array isn't one or may overlap a tensor the
    kernel ``reads``."""
    d, xp = self._data, self.xp
    if (d.flags.c_contiguous and xp is np
            and not any(np.may_share_memory(d, t._data) for t in reads if isinstance(t, Tensor))):
        kernel(xp, d, *args)
    else:
        tmp = xp.array(d, copy=True, order="C")
        kernel(xp, tmp, *args)
        d[...] = tmp
    self._vc[0] += 1
    return self


# -- index_select / index_add / index_copy / index_fill -------------------------------------------


def _index_add_kernel(xp, out, dim, idx, src):
    """``out[..., idx[k], ...] += src[..., k, ...]`` along ``dim`` for a C-contiguous ``out``."""
    shape = out.shape
    if out.ndim == 1:
        _add_at(xp, out, idx, src)
        return
    a = 1
    for s in shape[:dim]:
        a *= s
    b = 1
    for s in shape[dim + 1:]:
        b *= s
    n = shape[dim]
    pos = idx.astype(xp.int64) * b
    if b > 1:
        pos = pos[:, None] + xp.arange(b, dtype=xp.int64)
    if a > 1:
        pos = (xp.arange(a, dtype=xp.int64) * (n * b)).reshape((a,) + (1,) * pos.ndim) + pos
    _add_at(xp, out.reshape(-1), pos.reshape(-1), src.reshape(-1))


def _select_data(xd, dim, idx):
    if xd.ndim == 0:
        return xd.reshape(1).take(idx).reshape(())
    return xd.take(idx, axis=dim)


class IndexSelect(Function):
    @staticmethod
    def forward(ctx, x, dim, index):
        ctx.meta = (x._data.shape, dim, index)
        return _select_data(x._data, dim, index._data)

    @staticmethod
    def backward(ctx, g):
        shape, dim, index = ctx.meta
        return _IndexAddInto.apply(g, shape, dim, index), None, None


class _IndexAddInto(Function):
    """``zeros(shape).index_add(dim, index, g)``: index_select's backward."""

    @staticmethod
    def forward(ctx, g, shape, dim, index):
        ctx.meta = (dim, index)
        out = g.xp.zeros(shape, dtype=g._data.dtype)
        if not shape:
            out[...] = g._data.sum()
            return out
        _index_add_kernel(g.xp, out, dim, index._data, g._data)
        return out

    @staticmethod
    def backward(ctx, gg):
        dim, index = ctx.meta
        return IndexSelect.apply(gg, dim, index), None, None, None


def _index_vector(op, index, exc=IndexError):
    if index.ndim > 1:
        raise exc(f"{op}(): Index is supposed to be a vector, but got dim: {index.ndim} with "
                  f"size {list(index.shape)}; flatten it with index.reshape(-1)")
    return index.reshape(1) if index.ndim == 0 else index


def index_select(input, dim, index) -> Tensor:
    """The slices of ``input`` at positions ``index`` (a 1-d int tensor) along ``dim``.

    >>> ember.tensor([[1, 2, 3], [4, 5, 6]]).index_select(1, ember.tensor([2, 0]))
    tensor([[3, 1],
            [6, 4]])
    """
    check_tensor(input, "index_select")
    _check_index_dtype("index_select", index, True,
                       "index_select(): Expected dtype int32 or int64 for index")
    dim = normalize_dim(dim, input.ndim, "index_select")
    check_same_device("index_select", input, index)
    index = _index_vector("index_select", index)
    if input.ndim == 0 and index._data.size != 1:
        raise RuntimeError("index_select(): Index to scalar can have only 1 value, got "
                           f"{index._data.size} value(s)")
    size = input._data.shape[dim] if input.ndim else 1
    _check_bounds("index_select", index._data, size, dim)
    return IndexSelect.apply(input, dim, index)


def _index_source_shapes(op, x, dim, index, source):
    xs, ss = x._data.shape, source._data.shape
    n = index._data.size
    if x.ndim == 0:
        ok = source.ndim == 0 or ss == (1,)
    else:
        ok = len(ss) == len(xs) and all(a == b for d, (a, b) in enumerate(zip(xs, ss))
                                        if d != dim)
    if not ok:
        raise RuntimeError(f"{op}(): source tensor shape must match self tensor shape, excluding "
                           f"the specified dimension. Got self.shape = {list(xs)} source.shape = "
                           f"{list(ss)}")
    if x.ndim and ss[dim] != n:
        raise RuntimeError(f"{op}(): Number of indices ({n}) should be equal to source.size(dim): "
                           f"({ss[dim]}), for dim: {dim}")


class IndexAdd(Function):
    @staticmethod
    def forward(ctx, x, dim, index, source, alpha):
        ctx.meta = (dim, index, alpha)
        xp = x.xp
        out = xp.array(x._data, copy=True, order="C")
        src = source._data if alpha == 1 else source._data * alpha
        if not out.ndim:
            out += src.reshape(())
            return out
        _index_add_kernel(xp, out, dim, index._data, src)
        return out

    @staticmethod
    def backward(ctx, g):
        dim, index, alpha = ctx.meta
        gs = None
        if ctx.needs_input_grad[3]:
            gs = IndexSelect.apply(g, dim, index)
            if alpha != 1:
                gs = gs * alpha
        return g, None, None, gs, None


def _index_common(op, input, dim, index, source, allow_int32, dtype_msg, exc=RuntimeError):
    check_tensor(input, op)
    _check_index_dtype(op, index, allow_int32, dtype_msg, exc)
    dim = normalize_dim(dim, input.ndim, op)
    check_same_device(op, input, index, source)
    index = _index_vector(op, index)
    size = input._data.shape[dim] if input.ndim else 1
    _check_bounds(op, index._data, size, dim, IndexError if op.startswith("index_copy")
                  or op.startswith("index_fill") else RuntimeError)
    return dim, index


def _run_index_add(input, dim, index, source, alpha=1, into=False):
    op = "index_add_"
    check_tensor(source, op, "source")
    dim, index = _index_common(op, input, dim, index, source, True,
                               f"{op}(): Expected dtype int32/int64 for index but got: "
                               f"{_tname(index) if isinstance(index, Tensor) else '?'}")
    if source._data.dtype != input._data.dtype:
        raise RuntimeError(f"{op}(): self ({_tname(input)}) and source ({_tname(source)}) must "
                           "have the same scalar type; convert with source.to(input.dtype)")
    _index_source_shapes(op, input, dim, index, source)
    if into:
        src = source._data if alpha == 1 else source._data * alpha
        return _direct(input, _index_add_kernel, dim, index._data, src, reads=(source,))
    return IndexAdd.apply(input, dim, index, source, alpha)


def index_add(input, dim, index, source, *, alpha=1) -> Tensor:
    """A copy of ``input`` with ``alpha * source`` added at positions ``index`` along ``dim``;
    repeated indices accumulate. Its gradient for ``source`` is an ``index_select``.

    >>> ember.zeros(3).index_add(0, ember.tensor([0, 0, 2]), ember.tensor([1., 2., 3.]))
    tensor([3., 0., 3.])
    """
    return _run_index_add(input, dim, index, source, alpha)


def index_add_(input, dim, index, source, *, alpha=1) -> Tensor:
    """In-place ``index_add``."""
    if not _recording(input, source) and isinstance(input, Tensor) and input.ndim:
        return _run_index_add(input, dim, index, source, alpha, into=True)
    return _inplace("index_add_", input, _run_index_add, dim, index, source, alpha)


def _put_slices(xp, out, dim, idx, v):
    out[_dim_index(dim, idx)] = v


class IndexCopy(Function):
    @staticmethod
    def forward(ctx, x, dim, index, source):
        ctx.meta = (dim, index)
        out = x._data.copy()
        if not out.ndim:
            out[...] = source._data.reshape(())
        else:
            out[_dim_index(dim, index._data)] = source._data
        return out

    @staticmethod
    def backward(ctx, g):
        dim, index = ctx.meta
        gx = IndexFill.apply(g, dim, index, 0.0) if ctx.needs_input_grad[0] else None
        gs = IndexSelect.apply(g, dim, index) if ctx.needs_input_grad[3] else None
        return gx, None, None, gs


def _run_index_copy(input, dim, index, source, into=False):
    op = "index_copy_"
    check_tensor(source, op, "source")
    dim, index = _index_common(op, input, dim, index, source, False,
                               f"{op}(): Expected a long tensor for index, but got "
                               f"{_tname(index) if isinstance(index, Tensor) else '?'}")
    if source._data.dtype != input._data.dtype:
        raise RuntimeError(f"{op}(): self and source expected to have the same dtype, but got "
                           f"(self) {_tname(input)} and (source) {_tname(source)}")
    n = index._data.size
    if input.ndim and source.ndim == input.ndim and source._data.shape[dim] != n:
        raise IndexError(f"{op}(): Number of indices ({n}) should be equal to source.size(dim) "
                         f"({source._data.shape[dim]})")
    _index_source_shapes(op, input, dim, index, source)
    if into:
        return _direct(input, _put_slices, dim, index._data, source._data, reads=(source,))
    return IndexCopy.apply(input, dim, index, source)


def index_copy(input, dim, index, source) -> Tensor:
    """A copy of ``input`` with the slices of ``source`` written at positions ``index`` along
    ``dim``.

    >>> ember.zeros(3).index_copy(0, ember.tensor([2, 0]), ember.tensor([1., 2.]))
    tensor([2., 0., 1.])
    """
    return _run_index_copy(input, dim, index, source)


def index_copy_(input, dim, index, source) -> Tensor:
    """In-place ``index_copy``."""
    if not _recording(input, source) and isinstance(input, Tensor) and input.ndim:
        return _run_index_copy(input, dim, index, source, into=True)
    return _inplace("index_copy_", input, _run_index_copy, dim, index, source)


class IndexFill(Function):
    @staticmethod
    def forward(ctx, x, dim, index, value):
        ctx.meta = (dim, index)
        out = x._data.copy()
        v = value._data if isinstance(value, Tensor) else value
        if not out.ndim:
            out[...] = v
        else:
            out[_dim_index(dim, index._data)] = v
        return out

    @staticmethod
    def backward(ctx, g):
        dim, index = ctx.meta
        gx = IndexFill.apply(g, dim, index, 0.0) if ctx.needs_input_grad[0] else None
        gv = None
        if ctx.needs_input_grad[3]:
            uniq = Tensor._make(g.xp.unique(index._data))  # each filled slice counts once
            gv = IndexSelect.apply(g, dim, uniq).sum()
        return gx, None, None, gv


def _fill_value(op, input, value):
    if isinstance(value, Tensor):
        if value.ndim:
            raise RuntimeError(f"{op} only supports a 0-dimensional value tensor, but got tensor "
                               f"with {value.ndim} dimension(s).")
        if value._data.dtype != input._data.dtype:
            value = value.to(input.dtype)
        if value.device != input.device:
            value = value.to(input.device)
        return value
    if isinstance(value, (numbers.Number, np.bool_)):
        return _scalar_for(input, value)
    raise TypeError(f"{op}(): value must be a number or a 0-d Tensor, not "
                    f"{type(value).__name__}")


def _run_index_fill(input, dim, index, value, into=False):
    op = "index_fill_"
    dim, index = _index_common(op, input, dim, index, None, False,
                               f"{op}(): Expected dtype int64 for index.", IndexError)
    value = _fill_value(op, input, value)
    if into:
        return _direct(input, _put_slices, dim, index._data,
                       value._data if isinstance(value, Tensor) else value)
    return IndexFill.apply(input, dim, index, value)


def index_fill(input, dim, index, value) -> Tensor:
    """A copy of ``input`` with the slices at positions ``index`` along ``dim`` set to ``value``
    (a number or a 0-d tensor).

    >>> ember.zeros(2, 3).index_fill(1, ember.tensor([0, 2]), -1.0)
    tensor([[-1.,  0., -1.],
            [-1.,  0., -1.]])
    """
    return _run_index_fill(input, dim, index, value)


def index_fill_(input, dim, index, value) -> Tensor:
    """In-place ``index_fill``."""
    if not _recording(input, value) and isinstance(input, Tensor) and input.ndim:
        return _run_index_fill(input, dim, index, value, into=True)
    return _inplace("index_fill_", input, _run_index_fill, dim, index, value)


# -- masked ops ----------------------------------------------------------------------------------


def _check_mask(op, mask, name="mask"):
    check_tensor(mask, op, name)
    if mask._data.dtype != np.bool_:
        raise RuntimeError(f"{op} only supports boolean masks, but got mask with dtype "
                           f"{mask.dtype}; build the mask with a comparison or mask.bool()")


class MaskedFill(Function):
    @staticmethod
    def forward(ctx, x, mask, value):
        ctx.meta = (x._data.shape, mask, isinstance(value, Tensor))
        xd = x._data
        v = value._data if isinstance(value, Tensor) else x.xp.asarray(value, dtype=xd.dtype)
        return x.xp.where(mask._data, v, xd)

    @staticmethod
    def backward(ctx, g):
        shape, mask, vt = ctx.meta
        gx = gv = None
        if ctx.needs_input_grad[0]:
            gx = sum_to(MaskedFill.apply(g, mask, 0.0), shape)
        if vt and ctx.needs_input_grad[2]:
            gv = MaskedFill.apply(g, Tensor._make(~mask._data), 0.0).sum()
        return gx, None, gv


def masked_fill(input, mask, value) -> Tensor:
    """``input`` with ``value`` (a number or a 0-d tensor) where the bool ``mask`` is true; the
    mask broadcasts with ``input``.

    >>> ember.tensor([1., 2., 3.]).masked_fill(ember.tensor([True, False, True]), 0.0)
    tensor([0., 2., 0.])
    """
    check_tensor(input, "masked_fill")
    _check_mask("masked_fill_", mask)
    broadcast_shapes_for("masked_fill", input._data.shape, mask._data.shape)
    check_same_device("masked_fill", input, mask)
    return MaskedFill.apply(input, mask, _fill_value("masked_fill_", input, value))


def masked_fill_(input, mask, value) -> Tensor:
    """In-place ``masked_fill`` (the mask must broadcast to ``input``'s shape)."""
    check_tensor(input, "masked_fill_")
    _check_mask("masked_fill_", mask)
    v = _fill_value("masked_fill_", input, value)
    shape = broadcast_shapes_for("masked_fill_", input._data.shape, mask._data.shape)
    if shape != input._data.shape:
        raise RuntimeError(f"masked_fill_(): output with shape {list(input.shape)} doesn't match "
                           f"the broadcast shape {list(shape)}; use the out-of-place form")
    if not _recording(input, v):
        vd = v._data if isinstance(v, Tensor) else v
        input.xp.copyto(input._data, vd, where=mask._data, casting="unsafe")
        input._vc[0] += 1
        return input
    return inplace("masked_fill_", input, MaskedFill.apply, mask, v)


class MaskedSelect(Function):
    """``x[mask]`` for an ``x`` and ``mask`` of one shape: the selected elements, 1-d."""

    @staticmethod
    def forward(ctx, x, mask):
        ctx.meta = (x._data.shape, mask)
        return x._data[mask._data]

    @staticmethod
    def backward(ctx, g):
        shape, mask = ctx.meta
        return _MaskedScatterZeros.apply(g, shape, mask), None


class _MaskedScatterZeros(Function):
    """``g`` written into zeros of ``shape`` where ``mask`` holds: masked_select's backward."""

    @staticmethod
    def forward(ctx, g, shape, mask):
        ctx.mask = mask
        out = g.xp.zeros(shape, dtype=g._data.dtype)
        out[mask._data] = g._data
        return out

    @staticmethod
    def backward(ctx, gg):
        return MaskedSelect.apply(gg, ctx.mask), None, None


def _broadcast_pair(op, input, mask):
    shape = broadcast_shapes_for(op, input._data.shape, mask._data.shape)
    if input._data.shape != shape:
        input = input.expand(shape)
    if mask._data.shape != shape:
        mask = Tensor._make(mask.xp.broadcast_to(mask._data, shape))
    return input, mask


def masked_select(input, mask) -> Tensor:
    """The elements of ``input`` where the bool ``mask`` (broadcast with it) holds, as a 1-d
    tensor.

    >>> ember.tensor([[1, 2], [3, 4]]).masked_select(ember.tensor([True, False]))
    tensor([1, 3])
    """
    check_tensor(input, "masked_select")
    check_tensor(mask, "masked_select", "mask")
    if mask._data.dtype != np.bool_:
        raise RuntimeError(f"masked_select: expected BoolTensor for mask (got {mask.dtype}); "
                           "build the mask with a comparison or mask.bool()")
    check_same_device("masked_select", input, mask)
    input, mask = _broadcast_pair("masked_select", input, mask)
    return MaskedSelect.apply(input, mask)


class _PadFlat(Function):
    """A 1-d ``t`` as the first elements of zeros of ``shape`` (masked_scatter's source grad)."""

    @staticmethod
    def forward(ctx, t, shape):
        ctx.n = t._data.size
        out = t.xp.zeros(shape, dtype=t._data.dtype)
        out.reshape(-1)[:ctx.n] = t._data
        return out

    @staticmethod
    def backward(ctx, g):
        return g.reshape(-1)[:ctx.n], None


class MaskedScatter(Function):
    @staticmethod
    def forward(ctx, x, mask, source):
        ctx.meta = (mask, source._data.shape)
        out = x._data.copy()
        md = mask._data
        k = int(md.sum())
        out[md] = source._data.reshape(-1)[:k]
        return out

    @staticmethod
    def backward(ctx, g):
        mask, sshape = ctx.meta
        gx = MaskedFill.apply(g, mask, 0.0) if ctx.needs_input_grad[0] else None
        gs = None
        if ctx.needs_input_grad[2]:
            gs = _PadFlat.apply(MaskedSelect.apply(g, mask), sshape)
        return gx, None, gs


def _run_masked_scatter(input, mask, source):
    op = "masked_scatter"
    check_tensor(input, op)
    check_tensor(source, op, "source")
    _check_mask("masked_scatter_", mask)
    check_same_device(op, input, mask, source)
    if source._data.dtype != input._data.dtype:
        raise RuntimeError(f"masked_scatter: expected self and source to have same dtypes but got "
                           f"{_tname(input)} and {_tname(source)}")
    input, mask = _broadcast_pair(op, input, mask)
    k = int(mask._data.sum())
    if source._data.size < k:
        raise RuntimeError(f"masked_scatter(): Number of elements of source ({source._data.size}) "
                           f"< number of ones in mask ({k})")
    return MaskedScatter.apply(input, mask, source)


def masked_scatter(input, mask, source) -> Tensor:
    """A copy of ``input`` (broadcast with ``mask``) whose positions where ``mask`` holds take
    the first elements of ``source``, in order.

    >>> ember.zeros(4).masked_scatter(ember.tensor([True, False, True, False]),
    ...                               ember.tensor([1., 2., 3.]))
    tensor([1., 0., 2., 0.])
    """
    return _run_masked_scatter(input, mask, source)


def masked_scatter_(input, mask, source) -> Tensor:
    """In-place ``masked_scatter``."""
    return _inplace("masked_scatter_", input, _run_masked_scatter, mask, source)


# -- take / put / take_along_dim -----------------------------------------------------------------


def _check_flat_bounds(op, idx, n):
    if idx.size == 0:
        return
    lo, hi = int(idx.min()), int(idx.max())
    if lo < -n or hi >= n:
        bad = lo if lo < -n else hi
        raise IndexError(f"{op}(): out of range: tried to access index {bad} on a tensor of {n} "
                         "elements.")


class Take(Function):
    @staticmethod
    def forward(ctx, x, index):
        ctx.meta = (x._data.shape, index)
        return x._data.take(index._data)

    @staticmethod
    def backward(ctx, g):
        shape, index = ctx.meta
        zeros = Tensor._make(g.xp.zeros(shape, dtype=g._data.dtype))
        return Put.apply(zeros, index, g, True), None


def take(input, index) -> Tensor:
    """Elements of ``input`` read as a flat 1-d tensor, at ``index`` (negative counts from the
    end); the result has ``index``'s shape.

    >>> ember.tensor([[1, 2], [3, 4]]).take(ember.tensor([0, -1]))
    tensor([1, 4])
    """
    check_tensor(input, "take")
    _check_index_dtype("take", index, False,
                       f"take(): Expected a long tensor for index, but got "
                       f"{_tname(index) if isinstance(index, Tensor) else '?'}")
    check_same_device("take", input, index)
    _check_flat_bounds("take", index._data, input._data.size)
    return Take.apply(input, index)


def _put_kernel(xp, out, idx, src, accumulate):
    flat = out.reshape(-1)
    pos = idx.reshape(-1)
    if accumulate:
        _add_at(xp, flat, xp.where(pos < 0, pos + flat.size, pos), src.reshape(-1))
    else:
        flat[pos] = src.reshape(-1)


class Put(Function):
    @staticmethod
    def forward(ctx, x, index, source, accumulate):
        ctx.meta = (index, source._data.shape, accumulate)
        out = x.xp.array(x._data, copy=True, order="C")
        _put_kernel(x.xp, out, index._data, source._data, accumulate)
        return out

    @staticmethod
    def backward(ctx, g):
        index, sshape, accumulate = ctx.meta
        gx = gs = None
        if ctx.needs_input_grad[0]:
            if accumulate:
                gx = g
            else:
                zeros = Tensor._make(g.xp.zeros(sshape, dtype=g._data.dtype))
                gx = Put.apply(g, index, zeros, False)
        if ctx.needs_input_grad[2]:
            gs = Take.apply(g, index).reshape(sshape)
        return gx, None, gs, None


def _run_put(input, index, source, accumulate=False, into=False):
    op = "put_"
    check_tensor(input, op)
    check_tensor(source, op, "source")
    _check_index_dtype(op, index, False,
                       f"{op}(): Expected a long tensor for index, but got "
                       f"{_tname(index) if isinstance(index, Tensor) else '?'}")
    check_same_device(op, input, index, source)
    if source._data.dtype != input._data.dtype:
        raise RuntimeError(f"{op}(): self and source expected to have the same dtype, but got "
                           f"self.dtype = {_tname(input)} and source.dtype = {_tname(source)}")
    if source._data.size != index._data.size:
        raise IndexError(f"{op}(): Expected source and index to have the same number of "
                         f"elements, but got source.numel() = {source._data.size}, "
                         f"index.numel() = {index._data.size}")
    _check_flat_bounds(op, index._data, input._data.size)
    if into:
        return _direct(input, _put_kernel, index._data, source._data, bool(accumulate),
                       reads=(source,))
    return Put.apply(input, index, source, bool(accumulate))


def put(input, index, source, accumulate=False) -> Tensor:
    """A copy of ``input`` with ``source``'s elements written (or added, ``accumulate=True``) at
    the flat positions ``index``.

    >>> ember.zeros(2, 2).put(ember.tensor([3, 0]), ember.tensor([1., 2.]))
    tensor([[2., 0.],
            [0., 1.]])
    """
    return _run_put(input, index, source, accumulate)


def put_(input, index, source, accumulate=False) -> Tensor:
    """In-place ``put``."""
    if not _recording(input, source) and isinstance(input, Tensor):
        return _run_put(input, index, source, accumulate, into=True)
    return _inplace("put_", input, _run_put, index, source, accumulate)


def take_along_dim(input, indices, dim=None) -> Tensor:
    """Values of ``input`` at ``indices`` along ``dim`` (``gather`` after broadcasting the two in
    every other dim; negative indices count from the end); ``dim=None`` reads both flat.

    >>> x = ember.tensor([[10., 30., 20.], [60., 40., 50.]])
    >>> ember.take_along_dim(x, ember.tensor([[1], [0]]), dim=1)
    tensor([[30.],
            [60.]])
    """
    op = "take_along_dim"
    check_tensor(input, op)
    check_tensor(indices, op, "indices")
    if indices._data.dtype != np.int64:
        raise RuntimeError(f"torch.take_along_dim(): dtype of indices should be Long but got "
                           f"{_tname(indices)}; convert them with indices.long()")
    check_same_device(op, input, indices)
    if dim is None:
        input, indices, dim = input.reshape(-1), indices.reshape(-1), 0
    if input.ndim != indices.ndim:
        raise RuntimeError(f"torch.take_along_dim(): input and indices should have the same "
                           f"number of dimensions, but got {input.ndim} dimensions for input, and "
                           f"{indices.ndim} dimensions for indices")
    if input.ndim == 0:
        input, indices = input.reshape(1), indices.reshape(1)
        return take_along_dim(input, indices, 0).reshape(())
    dim = normalize_dim(dim, input.ndim, op)
    xs, js = list(input.shape), list(indices.shape)
    xs[dim] = js[dim] = 1
    common = list(broadcast_shapes_for(op, tuple(xs), tuple(js)))
    n = input._data.shape[dim]
    idx = indices._data
    _check_bounds(op, idx, n, dim, negative=True)
    if idx.size and idx.min() < 0:
        idx = indices.xp.where(idx < 0, idx + n, idx)
    xshape = common.copy()
    xshape[dim] = n
    ishape = common.copy()
    ishape[dim] = idx.shape[dim]
    if tuple(xshape) != input._data.shape:
        input = input.expand(tuple(xshape))
    if tuple(ishape) != idx.shape:
        idx = indices.xp.broadcast_to(idx, tuple(ishape))
    return Gather.apply(input, dim, Tensor._make(idx))


# -- nonzero / unique / one_hot ------------------------------------------------------------------


def nonzero(input, *, as_tuple=False):
    """Indices of the non-zero elements: an ``(n, input.ndim)`` int64 tensor, or with
    ``as_tuple=True`` one 1-d tensor per dimension (what ``x[...]`` accepts).

    >>> ember.nonzero(ember.tensor([[0, 1], [2, 0]]))
    tensor([[0, 1],
            [1, 0]])
    """
    check_tensor(input, "nonzero")
    xp, xd = input.xp, input._data
    if as_tuple:
        if xd.ndim == 0:
            xd = xd.reshape(1)
        return tuple(Tensor._make(a.astype(xp.int64, copy=False)) for a in xp.nonzero(xd))
    return Tensor._make(xp.argwhere(xd).astype(xp.int64, copy=False))


def argwhere(input) -> Tensor:
    """``nonzero(input)``: an ``(n, input.ndim)`` tensor of the non-zero elements' indices.

    >>> ember.argwhere(ember.tensor([0., 3., 4.]))
    tensor([[1],
            [2]])
    """
    return nonzero(input)


def _unique_result(xp, out, inverse, counts, return_inverse, return_counts):
    res = [Tensor._make(out)]
    if return_inverse:
        res.append(Tensor._make(inverse.astype(xp.int64, copy=False)))
    if return_counts:
        res.append(Tensor._make(counts.astype(xp.int64, copy=False)))
    return res[0] if len(res) == 1 else tuple(res)


def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):
    """The distinct elements of ``input`` in ascending order (slices along ``dim`` when given),
    with the inverse map (``input == out[inverse]``) and the counts on request. NaNs stay
    distinct, like PyTorch's.

    >>> ember.unique(ember.tensor([3, 1, 3, 2]), return_counts=True)
    (tensor([1, 2, 3]), tensor([1, 1, 2]))
    """
    check_tensor(input, "unique")
    xp, xd = input.xp, input._data
    if dim is None:
        flat = xd.reshape(-1)
        out, inv, cnt = xp.unique(flat, return_inverse=True, return_counts=True,
                                  equal_nan=False)
        inv = inv.reshape(xd.shape)
    else:
        dim = normalize_dim(dim, input.ndim, "unique")
        if xd.shape[dim] == 0:
            out = xd
            inv = xp.zeros(0, dtype=xp.int64)
            cnt = xp.zeros(0, dtype=xp.int64)
        else:
            out, inv, cnt = xp.unique(xd, return_inverse=True, return_counts=True, axis=dim,
                                      equal_nan=False)
            inv = inv.reshape(-1)
    return _unique_result(xp, out, inv, cnt, return_inverse, return_counts)


def unique_consecutive(input, return_inverse=False, return_counts=False, dim=None):
    """``input`` with each run of equal consecutive elements (slices along ``dim``) collapsed to
    one, with the inverse map and the run lengths on request.

    >>> ember.unique_consecutive(ember.tensor([1, 1, 2, 2, 1]), return_counts=True)
    (tensor([1, 2, 1]), tensor([2, 2, 1]))
    """
    check_tensor(input, "unique_consecutive")
    xp, xd = input.xp, input._data
    if dim is None:
        flat = xd.reshape(-1)
        change = flat[1:] != flat[:-1]
        inv_shape = xd.shape
        pick = lambda keep: flat[keep]  # noqa: E731
    else:
        dim = normalize_dim(dim, input.ndim, "unique_consecutive")
        moved = xp.moveaxis(xd, dim, 0)
        rows = moved.reshape(moved.shape[0], -1)
        change = (rows[1:] != rows[:-1]).any(axis=1)
        inv_shape = (xd.shape[dim],)
        pick = lambda keep: xp.compress(keep, xd, axis=dim)  # noqa: E731
    n = change.shape[0] + 1 if (xd.size if dim is None else xd.shape[dim]) else 0
    starts = xp.concatenate([xp.ones(min(n, 1), dtype=bool), change]) if n else \
        xp.zeros(0, dtype=bool)
    out = pick(starts)
    inv = (xp.cumsum(starts) - 1).reshape(inv_shape) if n else xp.zeros(inv_shape, xp.int64)
    first = xp.flatnonzero(starts)
    cnt = xp.diff(xp.concatenate([first, xp.asarray([n])]))
    return _unique_result(xp, out, inv, cnt, return_inverse, return_counts)


def one_hot(tensor, num_classes=-1) -> Tensor:
    """``out[..., c] = 1`` where ``c = tensor[...]``: int64 one-hot encodings, ``num_classes``
    wide (``tensor.max() + 1`` when -1).

    >>> ember.one_hot(ember.tensor([0, 2]), 3)
    tensor([[1, 0, 0],
            [0, 0, 1]])
    """
    check_tensor(tensor, "one_hot", "tensor")
    if tensor._data.dtype != np.int64:
        raise RuntimeError(f"one_hot is only applicable to index tensor of type LongTensor (got "
                           f"{tensor.dtype}); convert it with .long()")
    xp, idx = tensor.xp, tensor._data
    n = idx.size
    lo = int(idx.min()) if n else 0
    hi = int(idx.max()) if n else -1
    if num_classes == -1:
        if not n:
            raise RuntimeError("one_hot(): Can not infer total number of classes from empty "
                               "tensor; pass num_classes")
        num_classes = hi + 1
    if lo < 0:
        raise RuntimeError(f"one_hot(): Class values must be non-negative (got {lo}).")
    if hi >= num_classes:
        raise RuntimeError(f"one_hot(): Class values must be smaller than num_classes "
                           f"({num_classes}); got {hi}.")
    out = xp.zeros((n, num_classes), dtype=xp.int64)
    if n:
        out[xp.arange(n), idx.reshape(-1)] = 1
    return Tensor._make(out.reshape(idx.shape + (num_classes,)))


# -- searchsorted / bucketize / bincount / histc -------------------------------------------------


def _search(xp, seq, vals, side):
    """Row-wise ``searchsorted`` of ``vals`` (..., K) in ``seq`` (..., M), vectorised: values
    are replaced by their ranks in the union so rows can be offset into one sorted 1-d array."""
    if seq.ndim == 1:
        return xp.searchsorted(seq, vals, side=side)
    m, k = seq.shape[-1], vals.shape[-1]
    rows = seq.reshape(-1, m)
    b = rows.shape[0]
    if b == 0 or k == 0:
        return xp.zeros(vals.shape, dtype=xp.int64)
    both = xp.concatenate([rows.reshape(-1), vals.reshape(-1)])
    _, rank = xp.unique(both, return_inverse=True)
    width = int(rank.max()) + 1
    off = xp.arange(b, dtype=xp.int64) * width
    skey = (rank[: b * m].reshape(b, m) + off[:, None]).reshape(-1)
    vkey = (rank[b * m:].reshape(b, k) + off[:, None]).reshape(-1)
    pos = xp.searchsorted(skey, vkey, side=side).reshape(b, k) - (off // width * m)[:, None]
    return pos.reshape(vals.shape)


def searchsorted(sorted_sequence, values, *, out_int32=False, right=False, side=None,
                 sorter=None) -> Tensor:
    """Insertion points of ``values`` in the innermost dimension of ``sorted_sequence`` that keep
    it sorted: the first (``side='left'``) or the last (``right=True``/``side='right'``) one.
    A 1-d sequence serves every value; otherwise the leading dimensions must match.

    >>> ember.searchsorted(ember.tensor([1., 3., 5.]), ember.tensor([3., 6.]))
    tensor([1, 3])
    """
    op = "torch.searchsorted()"
    check_tensor(sorted_sequence, "searchsorted", "sorted_sequence")
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError(f"{op}: side can only be 'left' or 'right' but got {side}")
        if right and side == "left":
            raise RuntimeError(f"{op}: side and right can't be set to opposites, got side of "
                               f"left while right was True")
        right = side == "right"
    seq = sorted_sequence._data
    xp = sorted_sequence.xp
    if seq.ndim == 0:
        raise RuntimeError(f"{op}: boundaries tensor should have positive dimension, but got 0 "
                           "dimension")
    scalar = not isinstance(values, Tensor)
    vals = xp.asarray(values) if scalar else values._data
    if seq.ndim > 1:
        if vals.ndim == 0:
            raise RuntimeError(f"{op}: input value can be a scalar only when boundaries tensor "
                               f"dimension is 1, but we got boundaries tensor dim({seq.ndim}) and "
                               f"input value's dim({vals.ndim}) numel({vals.size})")
        if vals.shape[:-1] != seq.shape[:-1]:
            raise RuntimeError(f"{op}: boundaries tensor should be 1 dimension or the first N-1 "
                               "dimensions of boundaries tensor and input value tensor must "
                               f"match, but we got boundaries tensor {list(seq.shape)} and input "
                               f"value tensor {list(vals.shape)}")
    if sorter is not None:
        check_tensor(sorter, "searchsorted", "sorter")
        if sorter._data.dtype != np.int64:
            raise RuntimeError(f"{op}: sorter must be a tensor of long dtype but got dtype "
                               f"{_tname(sorter)}")
        if sorter._data.shape != seq.shape:
            raise RuntimeError(f"{op}: boundary and sorter must have the same size, but got "
                               f"boundary tensor {list(seq.shape)} and got sorter tensor "
                               f"{list(sorter.shape)}")
        seq = xp.take_along_axis(seq, sorter._data, axis=-1)
    pos = _search(xp, seq, vals, "right" if right else "left")
    return Tensor._make(xp.asarray(pos).astype(xp.int32 if out_int32 else xp.int64,
                                                copy=False))


def bucketize(input, boundaries, *, out_int32=False, right=False) -> Tensor:
    """The bucket of each element of ``input`` for the sorted 1-d ``boundaries``:
    ``boundaries[i-1] < x <= boundaries[i]`` (``right=True``: ``boundaries[i-1] <= x <
    boundaries[i]``).

    >>> ember.bucketize(ember.tensor([1., 5., 9.]), ember.tensor([2., 5., 8.]))
    tensor([0, 1, 3])
    """
    check_tensor(boundaries, "bucketize", "boundaries")
    if boundaries.ndim != 1:
        raise RuntimeError(f"bucketize(): boundaries tensor must be 1 dimension, but got "
                           f"dim({boundaries.ndim})")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right)


def bincount(input, weights=None, minlength=0) -> Tensor:
    """How often each value 0, 1, ... occurs in the 1-d non-negative int ``input`` (at least
    ``minlength`` bins); with ``weights``, the sum of the weights of each value instead.

    >>> ember.bincount(ember.tensor([0, 1, 1, 3]))
    tensor([1, 2, 0, 1])
    """
    check_tensor(input, "bincount")
    xd, xp = input._data, input.xp
    if xd.dtype.kind not in "iub":
        raise NotImplementedError(f"bincount(): not implemented for '{_tname(input)}' input; "
                                  "it counts integers, convert with .long()")
    if minlength < 0:
        raise RuntimeError(f"bincount(): minlength should be >= 0, got {minlength}")
    if xd.ndim != 1 or (xd.size and int(xd.min()) < 0):
        raise RuntimeError(f"bincount only supports 1-d non-negative integral inputs (got shape "
                           f"{list(input.shape)}" + (f", min {int(xd.min())}" if xd.size else "")
                           + ")")
    if weights is None:
        return Tensor._make(xp.bincount(xd, minlength=minlength).astype(xp.int64, copy=False))
    check_tensor(weights, "bincount", "weights")
    wd = weights._data
    if wd.ndim != 1 or wd.shape[0] != xd.shape[0]:
        raise RuntimeError(f"bincount(): weights should be 1-d and have the same length as input "
                           f"(got weights {list(weights.shape)} and input {list(input.shape)})")
    out = xp.bincount(xd, weights=wd, minlength=minlength)
    return Tensor._make(out.astype(wd.dtype if wd.dtype.kind == "f" else xp.float64,
                                   copy=False))


def histc(input, bins=100, min=0, max=0) -> Tensor:  # noqa: A002 (PyTorch's names)
    """A histogram of ``input`` with ``bins`` equal-width bins over ``[min, max]`` (the data's
    range when both are 0); elements outside are ignored.

    >>> ember.histc(ember.tensor([1., 2., 1.]), bins=4, min=0, max=3)
    tensor([0., 2., 1., 0.])
    """
    check_tensor(input, "histc")
    xd, xp = input._data, input.xp
    if xd.dtype.kind != "f":
        raise NotImplementedError(f"histc(): not implemented for '{_tname(input)}' input; "
                                  "convert it with .float()")
    if bins <= 0:
        raise RuntimeError(f"histc(): bins must be > 0, got {bins}")
    lo, hi = float(min), float(max)
    if lo == hi and xd.size:
        lo, hi = float(xd.min()), float(xd.max())
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    if lo > hi:
        raise RuntimeError(f"torch.histc: max must be larger than min (got min {min}, max {max})")
    flat = xd.reshape(-1)
    keep = (flat >= lo) & (flat <= hi)
    v = flat[keep] if not keep.all() else flat
    t = xd.dtype.type
    pos = ((v - t(lo)) * bins / (t(hi) - t(lo))).astype(xp.int64)
    pos[pos == bins] = bins - 1
    return Tensor._make(xp.bincount(pos, minlength=bins).astype(xd.dtype))
