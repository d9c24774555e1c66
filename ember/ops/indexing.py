"""Indexing: ``x[...]`` and ``x[...] = v``, gather/scatter, masked ops, index_select and friends."""

from __future__ import annotations

from ..autograd.function import Function
from ..tensor import Tensor
from ._util import inplace

__all__: list = []
TENSOR_METHODS: tuple = ()


def _convert_index(index):
    """Turn tensors inside an index into arrays NumPy understands."""
    if isinstance(index, tuple):
        return tuple(_convert_index(i) for i in index)
    if isinstance(index, Tensor):
        return index._data
    if isinstance(index, list):
        return [(_convert_index(i)) for i in index]
    return index


def _is_basic(index) -> bool:
    items = index if isinstance(index, tuple) else (index,)
    return all(isinstance(i, (int, slice)) or i is None or i is Ellipsis for i in items)


class GetItem(Function):
    @staticmethod
    def forward(ctx, x, index):
        ctx.meta = (x._data.shape, x._data.dtype, index)
        return x._data[index]

    @staticmethod
    def backward(ctx, g):
        shape, dt, index = ctx.meta
        return IndexBackward.apply(g, shape, index), None


class IndexBackward(Function):
    """Scatter-add ``g`` into zeros of the input's shape; repeated indices accumulate."""

    @staticmethod
    def forward(ctx, g, shape, index):
        ctx.index = index
        xp = g.xp
        out = xp.zeros(shape, dtype=g._data.dtype)
        if _is_basic(index):
            out[index] = g._data
        else:
            xp.add.at(out, index, g._data)
        return out

    @staticmethod
    def backward(ctx, gg):
        return GetItem.apply(gg, ctx.index), None, None


def getitem(input: Tensor, index) -> Tensor:
    """``input[index]`` with ints, slices, None, Ellipsis, boolean masks and integer tensors."""
    idx = _convert_index(index)
    try:
        return _GetItemView.apply(input, idx) if _is_basic(idx) else GetItem.apply(input, idx)
    except IndexError as e:
        raise IndexError(f"index {index!r} is out of range for a tensor of shape "
                         f"{tuple(input.shape)}: {e}") from None


class _GetItemView(GetItem):
    is_view = True

    def name(self):
        return "SliceBackward0"


def _setitem_out_of_place(x, index, value):
    return IndexPut.apply(x, index, value)


class IndexPut(Function):
    @staticmethod
    def forward(ctx, x, index, value):
        out = x._data.copy()
        v = value._data if isinstance(value, Tensor) else value
        out[index] = v
        ctx.meta = (index, value._data.shape if isinstance(value, Tensor) else None)
        return out

    @staticmethod
    def backward(ctx, g):
        from ._util import sum_to

        index, vshape = ctx.meta
        gx = None
        if ctx.needs_input_grad[0]:
            keep = g._data.copy()
            keep[index] = 0
            gx = Tensor._make(keep)
        gv = None
        if ctx.needs_input_grad[2]:
            gv = sum_to(getitem(g, index), vshape) if vshape is not None else None
        return gx, None, gv


def setitem_(input: Tensor, index, value) -> Tensor:
    """``input[index] = value`` in place (differentiable for non-leaf ``input`` and ``value``)."""
    idx = _convert_index(index)
    if isinstance(value, Tensor) and value._data.dtype != input._data.dtype:
        value = value.to(input.dtype)
    return inplace("__setitem__", input, _setitem_out_of_place, idx, value)
