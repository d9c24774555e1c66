"""Shape ops: reshape/view, permute/transpose, expand, squeeze/unsqueeze, cat/stack, split.

Views (reshape of contiguous data, permute, transpose, expand, ...) share memory with their
input, like PyTorch's, and share its version counter.
"""

from __future__ import annotations

from ..autograd.function import Function
from ..tensor import Tensor
from ._util import check_tensor, normalize_dim

__all__ = ["reshape", "permute", "transpose", "unbind"]
TENSOR_METHODS = ("reshape", "view", "permute", "transpose", "expand", "unbind")


def _infer_shape(op, shape, numel):
    shape = [int(s) for s in shape]
    if any(s < -1 for s in shape):
        raise RuntimeError(f"{op}(): invalid shape dimension in {tuple(shape)}")
    if shape.count(-1) > 1:
        raise RuntimeError(f"{op}(): only one dimension can be inferred (got {tuple(shape)})")
    known = 1
    for s in shape:
        if s != -1:
            known *= s
    if -1 in shape:
        if known == 0 or numel % known:
            raise RuntimeError(f"{op}(): shape '{list(shape)}' is invalid for input of size {numel}")
        shape[shape.index(-1)] = numel // known
    elif known != numel:
        raise RuntimeError(
            f"{op}(): shape '{list(shape)}' is invalid for input of size {numel}: the new shape "
            f"must hold the same number of elements ({known} != {numel})"
        )
    return tuple(shape)


class Reshape(Function):
    is_view = True

    @staticmethod
    def forward(ctx, x, shape):
        ctx.in_shape = x._data.shape
        return x._data.reshape(shape)

    @staticmethod
    def backward(ctx, g):
        return g.reshape(ctx.in_shape), None


def reshape(input, *shape) -> Tensor:
    """``input`` with a new shape holding the same elements (one dim may be -1).

    >>> import ember
    >>> ember.arange(6).reshape(2, -1).shape
    ember.Size([2, 3])
    """
    check_tensor(input, "reshape")
    shape = _infer_shape("reshape", _flat(shape), input._data.size)
    return Reshape.apply(input, shape)


def _flat(shape):
    return tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else tuple(shape)


def view(input, *shape) -> Tensor:
    """Like ``reshape``; a ``view(dtype)`` reinterpretation is not supported."""
    return reshape(input, *shape)


class Permute(Function):
    is_view = True

    @staticmethod
    def forward(ctx, x, dims):
        ctx.dims = dims
        return x._data.transpose(dims)

    @staticmethod
    def backward(ctx, g):
        inv = [0] * len(ctx.dims)
        for i, d in enumerate(ctx.dims):
            inv[d] = i
        return g.permute(tuple(inv)), None


def permute(input, *dims) -> Tensor:
    """``input`` with its dimensions reordered: ``x.permute(2, 0, 1)``."""
    check_tensor(input, "permute")
    dims = _flat(dims)
    if len(dims) != input.ndim:
        raise RuntimeError(
            f"permute(sparse_coo): number of dimensions in the tensor input does not match the "
            f"length of the desired ordering of dimensions i.e. input.dim() = {input.ndim} is not "
            f"equal to len(dims) = {len(dims)}"
        )
    dims = tuple(normalize_dim(d, input.ndim, "permute") for d in dims)
    if len(set(dims)) != len(dims):
        raise RuntimeError(f"permute(): repeated dim in {dims}")
    return Permute.apply(input, dims)


def transpose(input, dim0: int, dim1: int) -> Tensor:
    """``input`` with dimensions ``dim0`` and ``dim1`` swapped."""
    check_tensor(input, "transpose")
    n = input.ndim
    d0, d1 = normalize_dim(dim0, n, "transpose"), normalize_dim(dim1, n, "transpose")
    if n < 2:
        return input
    order = list(range(n))
    order[d0], order[d1] = order[d1], order[d0]
    return Permute.apply(input, tuple(order))


class Expand(Function):
    is_view = True

    @staticmethod
    def forward(ctx, x, shape):
        ctx.in_shape = x._data.shape
        return x.xp.broadcast_to(x._data, shape)

    @staticmethod
    def backward(ctx, g):
        from ._util import sum_to

        return sum_to(g, ctx.in_shape), None


def expand(input, *sizes) -> Tensor:
    """A broadcast view of ``input`` at ``sizes`` (-1 keeps a dimension)."""
    check_tensor(input, "expand")
    sizes = _flat(sizes)
    n = len(sizes)
    if n < input.ndim:
        raise RuntimeError(
            f"expand(): the number of sizes provided ({n}) must be greater or equal to the number "
            f"of dimensions in the tensor ({input.ndim})"
        )
    lead = n - input.ndim
    shape = tuple(
        input._data.shape[i - lead] if s == -1 and i >= lead else s for i, s in enumerate(sizes)
    )
    for i in range(input.ndim):
        have, want = input._data.shape[i], shape[lead + i]
        if have != want and have != 1:
            raise RuntimeError(
                f"expand(): the expanded size of the tensor ({want}) must match the existing size "
                f"({have}) at non-singleton dimension {lead + i}. Target sizes: {list(sizes)}. "
                f"Tensor sizes: {list(input.shape)}"
            )
    if shape == input._data.shape:
        return input
    return Expand.apply(input, shape)


class Unbind(Function):
    is_view = True

    @staticmethod
    def forward(ctx, x, dim):
        ctx.meta = (x._data.shape, dim)
        idx = [slice(None)] * x.ndim
        outs = []
        for i in range(x._data.shape[dim]):
            idx[dim] = i
            outs.append(x._data[tuple(idx)])
        return tuple(outs)

    @staticmethod
    def backward(ctx, *grads):
        from .. import ops

        shape, dim = ctx.meta
        return ops.stack(grads, dim), None


def unbind(input, dim: int = 0) -> tuple:
    """The slices of ``input`` along ``dim``, as a tuple of tensors."""
    check_tensor(input, "unbind")
    dim = normalize_dim(dim, input.ndim, "unbind")
    if input._data.shape[dim] == 0:
        return ()
    return Unbind.apply(input, dim)
