"""Reductions over dimensions: sums and means, extremes, statistics, cumulative ops, sorting.

``dim`` may be an int, a tuple of ints (negative counts from the end) or None for all dims.
"""

from __future__ import annotations

from ..autograd.function import Function
from ..tensor import Tensor
from ._util import check_tensor, normalize_dims

__all__ = ["sum", "mean"]
TENSOR_METHODS = ("sum", "mean")


def _expand_back(g: Tensor, shape, dims, keepdim: bool) -> Tensor:
    """Broadcast a reduced gradient back to the input ``shape`` (re-inserting reduced dims)."""
    if not keepdim and dims:
        kept = list(g.shape)
        for d in dims:
            kept.insert(d, 1)
        g = g.reshape(kept)
    return g.expand(shape)


class Sum(Function):
    @staticmethod
    def forward(ctx, x, dims, keepdim, npdtype):
        ctx.meta = (x._data.shape, dims, keepdim)
        return x._data.sum(axis=dims, keepdims=keepdim, dtype=npdtype)

    @staticmethod
    def backward(ctx, g):
        shape, dims, keepdim = ctx.meta
        return _expand_back(g, shape, dims, keepdim), None, None, None


def _sum_dtype(x, dtype):
    if dtype is not None:
        from .. import backend as B

        return B.to_numpy_dtype(B.as_dtype(dtype))
    if x._data.dtype.kind in "biu":
        return x.xp.int64  # integer sums accumulate in int64, like PyTorch
    return None


def sum(input, dim=None, keepdim=False, *, dtype=None) -> Tensor:
    """Sum of elements over ``dim`` (all of them by default).

    >>> import ember
    >>> ember.tensor([[1, 2], [3, 4]]).sum(dim=0)
    tensor([4, 6])
    """
    check_tensor(input, "sum")
    dims = normalize_dims(dim, input.ndim, "sum")
    return Sum.apply(input, dims, keepdim, _sum_dtype(input, dtype))


class Mean(Function):
    @staticmethod
    def forward(ctx, x, dims, keepdim):
        ctx.meta = (x._data.shape, dims, keepdim)
        n = 1
        for d in dims:
            n *= x._data.shape[d]
        ctx.n = n
        return x._data.mean(axis=dims, keepdims=keepdim)

    @staticmethod
    def backward(ctx, g):
        shape, dims, keepdim = ctx.meta
        return _expand_back(g / ctx.n if ctx.n else g, shape, dims, keepdim), None, None


def mean(input, dim=None, keepdim=False, *, dtype=None) -> Tensor:
    """Mean over ``dim`` (all elements by default); needs a floating (or given) dtype."""
    check_tensor(input, "mean")
    if dtype is not None:
        input = input.to(dtype)
    if not input.is_floating_point():
        raise RuntimeError(
            f"mean(): could not infer output dtype. Input dtype must be either a floating point "
            f"or complex dtype. Got: {input.dtype}. Convert it first, e.g. x.float().mean()"
        )
    return Mean.apply(input, normalize_dims(dim, input.ndim, "mean"), keepdim)
