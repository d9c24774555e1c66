"""Shape ops: reshape/view, permute/transpose, expand, squeeze/unsqueeze, cat/stack, split, pad.

Views (reshape of contiguous data, permute, transpose, expand, squeeze/unsqueeze, narrow,
select, split pieces, ...) share memory with their input, like PyTorch's, and share its version
counter. Ops that build new data (cat, stack, repeat, flip, roll, pad, tril/triu) copy.
Every backward is written with ember ops, so it can be differentiated again.
"""

from __future__ import annotations

import builtins
import numbers

from .. import backend as B
from ..autograd.function import Function
from ..tensor import Size, Tensor
from ._util import (
    broadcast_shapes_for,
    cast,
    check_same_device,
    check_tensor,
    normalize_dim,
    normalize_dims,
    sum_to,
)

__all__ = [
    "reshape", "flatten", "unflatten", "ravel", "squeeze", "unsqueeze", "permute", "transpose",
    "swapaxes", "swapdims", "movedim", "moveaxis", "t", "adjoint", "broadcast_to",
    "broadcast_tensors", "broadcast_shapes", "repeat_interleave", "tile", "cat", "concat",
    "concatenate", "stack", "hstack", "vstack", "dstack", "column_stack", "split", "tensor_split",
    "chunk", "unbind", "narrow", "select", "flip", "fliplr", "flipud", "roll", "rot90", "tril",
    "triu", "atleast_1d", "atleast_2d", "atleast_3d", "pad", "meshgrid",
]
TENSOR_METHODS = (
    "reshape", "view", "view_as", "reshape_as", "flatten", "unflatten", "ravel", "squeeze",
    "unsqueeze", "permute", "transpose", "swapaxes", "swapdims", "movedim", "moveaxis", "t",
    "adjoint", "expand", "expand_as", "broadcast_to", "repeat", "repeat_interleave", "tile",
    "split", "tensor_split", "chunk", "unbind", "narrow", "select", "flip", "fliplr", "flipud",
    "roll", "rot90", "tril", "triu", "tril_", "triu_",
)


# -- argument helpers -----------------------------------------------------------------------


def _flat(shape):
    """``f(2, 3)``, ``f((2, 3))`` and ``f([2, 3])`` all mean (2, 3)."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(shape[0])
    return tuple(shape)


def _int(v, op, what):
    if isinstance(v, Tensor):
        if v.numel() != 1 or v._data.dtype.kind not in "iub":
            raise TypeError(f"{op}(): {what} must be an int, got a tensor of shape "
                            f"{tuple(v.shape)} and dtype {v.dtype}")
        return int(v.item())
    if isinstance(v, bool) or not isinstance(v, numbers.Integral):
        raise TypeError(f"{op}(): {what} must be an int, got {type(v).__name__} ({v!r})")
    return int(v)


def _ints(seq, op, what):
    return tuple(_int(v, op, what) for v in seq)


def _sel(ndim, dim, sl):
    """An index tuple that applies ``sl`` along ``dim`` and keeps every other dimension."""
    idx = [slice(None)] * ndim
    idx[dim] = sl
    return tuple(idx)


# -- reshape and view -----------------------------------------------------------------------


def _infer_shape(op, shape, numel):
    shape = list(_ints(shape, op, "each size"))
    for i, s in enumerate(shape):
        if s < -1:
            raise RuntimeError(f"{op}(): invalid shape dimension {s} at index {i} of shape "
                               f"{shape}; sizes must be >= 0 (or -1 for one inferred size)")
    if shape.count(-1) > 1:
        raise RuntimeError(f"{op}(): only one dimension can be inferred, got shape {shape}")
    known = 1
    for s in shape:
        if s != -1:
            known *= s
    if -1 in shape:
        if known == 0:
            raise RuntimeError(
                f"{op}(): cannot reshape tensor of {numel} elements into shape {shape} because "
                "the unspecified dimension size -1 can be any value and is ambiguous"
            )
        if numel % known:
            raise RuntimeError(
                f"{op}(): shape '{shape}' is invalid for input of size {numel}: {numel} elements "
                f"are not divisible by the {known} the other sizes hold"
            )
        shape[shape.index(-1)] = numel // known
    elif known != numel:
        raise RuntimeError(
            f"{op}(): shape '{shape}' is invalid for input of size {numel}: the new shape "
            f"must hold the same number of elements ({known} != {numel})"
        )
    return tuple(shape)


class Reshape(Function):
    """A reshape NumPy can do without copying (the output is a view of the input)."""

    is_view = True

    @staticmethod
    def forward(ctx, x, shape):
        ctx.in_shape = x._data.shape
        return x._data.reshape(shape)

    @staticmethod
    def backward(ctx, g):
        return g.reshape(ctx.in_shape), None


class ReshapeCopy(Reshape):
    """A reshape of data whose strides don't allow a view: the output is a fresh copy."""

    is_view = False


def _can_view(a, shape) -> bool:
    if a.flags.c_contiguous or a.size == 0:
        return True
    try:
        a.reshape(shape, copy=False)
    except ValueError:
        return False
    except TypeError:  # array modules without reshape(copy=)
        return bool(B.module_of(a).may_share_memory(a.reshape(shape), a))
    return True


def _reshape(x, shape):
    """Reshape to a known-valid ``shape``: a view where the strides allow one, else a copy."""
    cls = Reshape if _can_view(x._data, shape) else ReshapeCopy
    return cls.apply(x, shape)


def reshape(input, *shape, **kwargs) -> Tensor:
    """``input`` with a new shape holding the same elements (one size may be -1).

    A view when the memory layout allows one, otherwise a copy.

    >>> ember.tensor([0, 1, 2, 3, 4, 5]).reshape(2, -1).shape
    ember.Size([2, 3])
    """
    check_tensor(input, "reshape")
    if "shape" in kwargs:
        shape = (kwargs.pop("shape"),)
    if kwargs:
        raise TypeError(f"reshape(): unexpected keyword argument '{next(iter(kwargs))}'")
    shape = _infer_shape("reshape", _flat(shape), input._data.size)
    return _reshape(input, shape)


def view(input, *shape) -> Tensor:
    """``input`` seen with a new shape (one size may be -1), sharing its memory.

    ``x.view(dtype)`` reinterprets the bytes as another dtype (not differentiable). Unlike
    PyTorch, a shape NumPy can't express as a view of non-contiguous data gives a copy
    instead of an error.

    >>> ember.tensor([0, 1, 2, 3, 4, 5]).view(3, 2)
    tensor([[0, 1],
            [2, 3],
            [4, 5]])
    """
    check_tensor(input, "view")
    if len(shape) == 1 and isinstance(shape[0], B.dtype):
        return _view_dtype(input, shape[0])
    shape = _infer_shape("view", _flat(shape), input._data.size)
    return _reshape(input, shape)


def _view_dtype(input, dt):
    if input._requires_grad:
        raise RuntimeError(f"view(): viewing a tensor that requires grad as {dt} is not "
                           "differentiable; call .detach() first")
    try:
        data = input._data.view(B.to_numpy_dtype(dt))
    except ValueError as e:
        raise RuntimeError(f"view(): can't view a tensor of shape {tuple(input.shape)} and dtype "
                           f"{input.dtype} as {dt}: {e}") from None
    out = Tensor._make(data)
    out._vc = input._vc
    out._base = input._base if input._base is not None else input
    return out


def view_as(input, other) -> Tensor:
    """``input.view(other.shape)``."""
    check_tensor(other, "view_as", "other")
    return view(input, other._data.shape)


def reshape_as(input, other) -> Tensor:
    """``input.reshape(other.shape)``."""
    check_tensor(other, "reshape_as", "other")
    return reshape(input, other._data.shape)


def flatten(input, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Dimensions ``start_dim`` to ``end_dim`` merged into one (0-d inputs become 1-d).

    >>> ember.zeros(2, 3, 4).flatten(1).shape
    ember.Size([2, 12])
    """
    check_tensor(input, "flatten")
    shape = input._data.shape
    if not shape:
        return Reshape.apply(input, (1,))
    s = normalize_dim(start_dim, len(shape), "flatten")
    e = normalize_dim(end_dim, len(shape), "flatten")
    if s > e:
        raise RuntimeError(f"flatten(): start_dim ({start_dim}) cannot come after end_dim "
                           f"({end_dim}) for a {len(shape)}-D tensor")
    n = 1
    for v in shape[s:e + 1]:
        n *= v
    return _reshape(input, shape[:s] + (n,) + shape[e + 1:])


def unflatten(input, dim: int, sizes) -> Tensor:
    """Dimension ``dim`` split into ``sizes`` (one of which may be -1).

    >>> ember.zeros(2, 6).unflatten(1, (3, -1)).shape
    ember.Size([2, 3, 2])
    """
    check_tensor(input, "unflatten")
    shape = input._data.shape
    d = normalize_dim(dim, len(shape), "unflatten")
    sizes = _ints(sizes, "unflatten", "each size")
    if not sizes:
        raise RuntimeError("unflatten(): sizes must be non-empty")
    n = shape[d] if shape else 1
    try:
        new = _infer_shape("unflatten", sizes, n)
    except RuntimeError:
        raise RuntimeError(
            f"unflatten(): provided sizes {list(sizes)} don't multiply up to the size of dim "
            f"{dim} ({n}) in the input tensor of shape {tuple(shape)}"
        ) from None
    return _reshape(input, shape[:d] + new + shape[d + 1:])


def ravel(input) -> Tensor:
    """``input`` as a contiguous 1-D tensor (a view when it already is contiguous)."""
    check_tensor(input, "ravel")
    return _reshape(input, (input._data.size,))


def squeeze(input, dim=None) -> Tensor:
    """``input`` without its size-1 dimensions (only those in ``dim`` when given).

    Dimensions in ``dim`` whose size isn't 1 are kept.

    >>> ember.zeros(1, 3, 1).squeeze().shape
    ember.Size([3])
    """
    check_tensor(input, "squeeze")
    shape = input._data.shape
    dims = normalize_dims(dim, len(shape), "squeeze")
    new = tuple(s for i, s in enumerate(shape) if not (s == 1 and i in dims))
    return Reshape.apply(input, new)


def unsqueeze(input, dim: int) -> Tensor:
    """``input`` with a size-1 dimension inserted at ``dim`` (in ``[-ndim-1, ndim]``).

    >>> ember.zeros(3).unsqueeze(-1).shape
    ember.Size([3, 1])
    """
    check_tensor(input, "unsqueeze")
    shape = input._data.shape
    d = normalize_dim(dim, len(shape) + 1, "unsqueeze")
    return Reshape.apply(input, shape[:d] + (1,) + shape[d:])


# -- reordering dimensions ------------------------------------------------------------------


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
        return Permute.apply(g, tuple(inv)), None


def permute(input, *dims, **kwargs) -> Tensor:
    """``input`` with its dimensions reordered: ``x.permute(2, 0, 1)``.

    >>> ember.zeros(2, 3, 4).permute(2, 0, 1).shape
    ember.Size([4, 2, 3])
    """
    check_tensor(input, "permute")
    if "dims" in kwargs:
        dims = (kwargs.pop("dims"),)
    if kwargs:
        raise TypeError(f"permute(): unexpected keyword argument '{next(iter(kwargs))}'")
    dims = _flat(dims)
    n = input.ndim
    if len(dims) != n:
        raise RuntimeError(
            f"permute(): number of dims don't match: the tensor of shape {tuple(input.shape)} has "
            f"{n} dimensions but the ordering {tuple(dims)} has {len(dims)}"
        )
    dims = tuple(normalize_dim(d, n, "permute") for d in dims)
    if len(set(dims)) != n:
        raise RuntimeError(f"permute(): repeated dim in {dims}; each dimension must appear once")
    return Permute.apply(input, dims)


def transpose(input, dim0: int, dim1: int) -> Tensor:
    """``input`` with dimensions ``dim0`` and ``dim1`` swapped (a view).

    >>> ember.zeros(2, 3).transpose(0, 1).shape
    ember.Size([3, 2])
    """
    check_tensor(input, "transpose")
    n = input.ndim
    d0, d1 = normalize_dim(dim0, n, "transpose"), normalize_dim(dim1, n, "transpose")
    order = list(range(n))
    if n:
        order[d0], order[d1] = order[d1], order[d0]
    return Permute.apply(input, tuple(order))


def swapaxes(input, axis0: int, axis1: int) -> Tensor:
    """Alias of ``transpose``."""
    return transpose(input, axis0, axis1)


def swapdims(input, dim0: int, dim1: int) -> Tensor:
    """Alias of ``transpose``."""
    return transpose(input, dim0, dim1)


def movedim(input, source, destination) -> Tensor:
    """``input`` with dimension(s) ``source`` moved to position(s) ``destination``; the other
    dimensions keep their order.

    >>> ember.zeros(2, 3, 4).movedim(0, -1).shape
    ember.Size([3, 4, 2])
    """
    check_tensor(input, "movedim")
    n = input.ndim
    src = (source,) if isinstance(source, numbers.Integral) else tuple(source)
    dst = (destination,) if isinstance(destination, numbers.Integral) else tuple(destination)
    if len(src) != len(dst):
        raise RuntimeError(
            f"movedim(): Invalid source or destination dims: source ({list(src)} dims) should "
            f"contain the same number of dims as destination ({list(dst)} dims)"
        )
    src = tuple(normalize_dim(d, n, "movedim") for d in src)
    dst = tuple(normalize_dim(d, n, "movedim") for d in dst)
    for name, ds in (("source", src), ("destination", dst)):
        if len(set(ds)) != len(ds):
            raise RuntimeError(f"movedim(): repeated dim in `{name}` ({list(ds)})")
    order = [-1] * n
    for s, d in zip(src, dst):
        order[d] = s
    rest = iter(d for d in range(n) if d not in src)
    order = [next(rest) if o == -1 else o for o in order]
    return Permute.apply(input, tuple(order))


moveaxis = movedim


def t(input) -> Tensor:
    """The transpose of a matrix; 0-d and 1-d tensors are returned as they are (as a view).

    >>> ember.tensor([[1, 2, 3]]).t()
    tensor([[1],
            [2],
            [3]])
    """
    check_tensor(input, "t")
    if input.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is "
                           f"{input.ndim}D (shape {tuple(input.shape)}); use transpose(dim0, "
                           "dim1) or .mT for batches of matrices")
    return Permute.apply(input, tuple(range(input.ndim))[::-1])


def adjoint(input) -> Tensor:
    """The conjugate transpose of the last two dimensions (real tensors: ``transpose(-2, -1)``)."""
    check_tensor(input, "adjoint")
    if input.ndim < 2:
        raise RuntimeError(f"adjoint(): tensor.adjoint() is only supported on matrices or "
                           f"batches of matrices. Got {input.ndim}-D tensor.")
    return transpose(input, -2, -1)


# -- broadcasting ---------------------------------------------------------------------------


class Expand(Function):
    is_view = True

    @staticmethod
    def forward(ctx, x, shape):
        ctx.in_shape = x._data.shape
        return x.xp.broadcast_to(x._data, shape)

    @staticmethod
    def backward(ctx, g):
        return sum_to(g, ctx.in_shape), None


def expand(input, *sizes, **kwargs) -> Tensor:
    """A broadcast view of ``input`` at ``sizes`` (-1 keeps a dimension's size).

    New dimensions are added at the front; only size-1 dimensions can grow. The view is
    read-only (its elements alias each other).

    >>> ember.tensor([[1], [2]]).expand(2, 3)
    tensor([[1, 1, 1],
            [2, 2, 2]])
    """
    check_tensor(input, "expand")
    if "size" in kwargs:
        sizes = (kwargs.pop("size"),)
    if kwargs:
        raise TypeError(f"expand(): unexpected keyword argument '{next(iter(kwargs))}'")
    sizes = _ints(_flat(sizes), "expand", "each size")
    shape = _expanded_shape("expand", input._data.shape, sizes)
    if shape == input._data.shape:
        return Reshape.apply(input, shape)
    return Expand.apply(input, shape)


def _expanded_shape(op, have, sizes):
    n, nd = len(sizes), len(have)
    if n < nd:
        raise RuntimeError(
            f"{op}(): the number of sizes provided ({n}) must be greater or equal to the number "
            f"of dimensions in the tensor ({nd}); tensor shape {tuple(have)}, sizes {list(sizes)}"
        )
    lead = n - nd
    out = []
    for i, s in enumerate(sizes):
        if i < lead:
            if s < 0:
                raise RuntimeError(
                    f"{op}(): the expanded size of the tensor ({s}) isn't allowed in a leading, "
                    f"non-existing dimension {i}. Target sizes: {list(sizes)}. Tensor sizes: "
                    f"{list(have)}"
                )
            out.append(s)
            continue
        h = have[i - lead]
        if s == -1:
            s = h
        if s != h and h != 1:
            raise RuntimeError(
                f"{op}(): the expanded size of the tensor ({s}) must match the existing size "
                f"({h}) at non-singleton dimension {i}. Target sizes: {list(sizes)}. Tensor "
                f"sizes: {list(have)}"
            )
        if s < 0:
            raise RuntimeError(f"{op}(): invalid size {s} at dimension {i} in {list(sizes)}")
        out.append(s)
    return tuple(out)


def expand_as(input, other) -> Tensor:
    """``input.expand(other.shape)``."""
    check_tensor(other, "expand_as", "other")
    return expand(input, other._data.shape)


def broadcast_to(input, size) -> Tensor:
    """``input`` broadcast to ``size`` (like ``expand``; -1 keeps a dimension).

    >>> ember.broadcast_to(ember.tensor([1, 2]), (2, 2))
    tensor([[1, 2],
            [1, 2]])
    """
    check_tensor(input, "broadcast_to")
    sizes = (size,) if isinstance(size, numbers.Integral) else tuple(size)
    sizes = _ints(sizes, "broadcast_to", "each size")
    shape = _expanded_shape("broadcast_to", input._data.shape, sizes)
    if shape == input._data.shape:
        return Reshape.apply(input, shape)
    return Expand.apply(input, shape)


def broadcast_shapes(*shapes) -> Size:
    """The shape tensors of ``shapes`` broadcast to (ints count as 1-d shapes).

    >>> ember.broadcast_shapes((2, 1), (3,))
    ember.Size([2, 3])
    """
    norm = []
    for s in shapes:
        if isinstance(s, numbers.Integral):
            norm.append((_int(s, "broadcast_shapes", "a size"),))
        else:
            norm.append(_ints(s, "broadcast_shapes", "each size"))
    for s in norm:
        if any(v < 0 for v in s):
            raise RuntimeError(f"broadcast_shapes(): trying to create tensor with negative "
                               f"dimension: {s}")
    return Size(broadcast_shapes_for("broadcast_shapes", *norm))


def broadcast_tensors(*tensors) -> tuple:
    """The tensors broadcast to their common shape (views; each keeps its dtype).

    >>> [tuple(t.shape) for t in ember.broadcast_tensors(ember.zeros(2, 1), ember.zeros(3))]
    [(2, 3), (2, 3)]
    """
    tensors = _flat(tensors)
    for i, x in enumerate(tensors):
        check_tensor(x, "broadcast_tensors", f"tensors[{i}]")
    shape = broadcast_shapes_for("broadcast_tensors", *(x._data.shape for x in tensors))
    return tuple(Reshape.apply(x, shape) if x._data.shape == shape else Expand.apply(x, shape)
                 for x in tensors)


# -- repetition -----------------------------------------------------------------------------


class Repeat(Function):
    @staticmethod
    def forward(ctx, x, reps):
        a = x._data
        shape = (1,) * (len(reps) - a.ndim) + a.shape
        ctx.meta = (a.shape, shape, reps)
        inter, target = [], []
        for r, s in zip(reps, shape):
            inter += [1, s]
            target += [r, s]
        xp = x.xp
        big = xp.broadcast_to(a.reshape(inter), target)
        out = big.reshape([r * s for r, s in zip(reps, shape)])
        return out.copy() if xp.may_share_memory(out, a) else out

    @staticmethod
    def backward(ctx, g):
        from .reduction import sum as _sum

        in_shape, shape, reps = ctx.meta
        split, axes = [], []
        for r, s in zip(reps, shape):
            if r != 1:
                axes.append(len(split))
                split.append(r)
            split.append(s)
        gx = g.reshape(split)
        if axes:
            gx = _sum(gx, dim=tuple(axes))
        return gx.reshape(in_shape), None


def repeat(input, *sizes) -> Tensor:
    """``input`` tiled ``sizes[i]`` times along each dimension (extra sizes add leading dims).

    >>> ember.tensor([1, 2]).repeat(2, 2)
    tensor([[1, 2, 1, 2],
            [1, 2, 1, 2]])
    """
    check_tensor(input, "repeat")
    reps = _ints(_flat(sizes), "repeat", "each repeat count")
    if len(reps) < input.ndim:
        raise RuntimeError(
            f"repeat(): number of dimensions of repeat dims ({len(reps)}) can not be smaller "
            f"than number of dimensions of tensor ({input.ndim}, shape {tuple(input.shape)})"
        )
    if any(r < 0 for r in reps):
        raise RuntimeError(f"repeat(): repeat counts must be non-negative, got {list(reps)}")
    return Repeat.apply(input, reps)


def tile(input, *dims, **kwargs) -> Tensor:
    """``input`` repeated ``dims[i]`` times along each dimension; missing leading counts are 1.

    >>> ember.tile(ember.tensor([[1, 2]]), (2,))
    tensor([[1, 2, 1, 2]])
    """
    check_tensor(input, "tile")
    if "dims" in kwargs:
        dims = (kwargs.pop("dims"),)
    if kwargs:
        raise TypeError(f"tile(): unexpected keyword argument '{next(iter(kwargs))}'")
    reps = _ints(_flat(dims), "tile", "each repeat count")
    reps = (1,) * (input.ndim - len(reps)) + reps
    return repeat(input, reps)


class RepeatInterleave(Function):
    """Each slice along ``dim`` repeated ``repeats`` times (an int or an int array)."""

    @staticmethod
    def forward(ctx, x, repeats, dim):
        ctx.meta = (repeats, dim, x._data.shape[dim])
        return x.xp.repeat(x._data, repeats, axis=dim)

    @staticmethod
    def backward(ctx, g):
        repeats, dim, n = ctx.meta
        return SegmentSum.apply(g, repeats, dim, n), None, None


class SegmentSum(Function):
    """The adjoint of ``RepeatInterleave``: sums each run of ``repeats`` slices along ``dim``."""

    @staticmethod
    def forward(ctx, g, repeats, dim, n):
        ctx.meta = (repeats, dim)
        a, xp = g._data, g.xp
        shape = a.shape
        if isinstance(repeats, int):
            return a.reshape(shape[:dim] + (n, repeats) + shape[dim + 1:]).sum(axis=dim + 1)
        out = xp.zeros(shape[:dim] + (n,) + shape[dim + 1:], dtype=a.dtype)
        nz = repeats > 0
        if a.shape[dim] == 0 or not nz.any():
            return out
        starts = xp.cumsum(repeats) - repeats
        red = xp.add.reduceat(a, starts[nz], axis=dim)
        if nz.all():
            return red
        out[_sel(a.ndim, dim, nz)] = red
        return out

    @staticmethod
    def backward(ctx, gg):
        repeats, dim = ctx.meta
        return RepeatInterleave.apply(gg, repeats, dim), None, None, None


def repeat_interleave(input, repeats=None, dim=None, *, output_size=None) -> Tensor:
    """Each element (or slice along ``dim``) repeated ``repeats`` times, consecutively.

    ``repeats`` is an int or an integer tensor with one count per slice; without ``dim`` the
    input is flattened first. ``repeat_interleave(counts)`` alone gives the indices
    ``0..n-1`` repeated by ``counts``.

    >>> ember.tensor([1, 2]).repeat_interleave(2)
    tensor([1, 1, 2, 2])
    """
    check_tensor(input, "repeat_interleave")
    if repeats is None:
        return _repeat_indices(input, output_size)
    if dim is None:
        input = _reshape(input, (input._data.size,))
        d = 0
    else:
        d = normalize_dim(dim, input.ndim, "repeat_interleave")
        if input.ndim == 0:
            input = Reshape.apply(input, (1,))
    n = input._data.shape[d]
    if isinstance(repeats, Tensor):
        if repeats._data.dtype.kind not in "iu":
            raise RuntimeError(f"repeat_interleave(): repeats must be an integer tensor, got "
                               f"{repeats.dtype}")
        if repeats.ndim > 1:
            raise RuntimeError(f"repeat_interleave(): repeats must be 0-dim or 1-dim tensor, "
                               f"got shape {tuple(repeats.shape)}")
        check_same_device("repeat_interleave", input, repeats)
        r = repeats._data.reshape(-1)
        if r.size == 1:
            repeats = int(r[0])
        else:
            if r.size != n:
                raise RuntimeError(
                    f"repeat_interleave(): repeats must have the same size as input along dim, "
                    f"but got repeats.size(0) = {r.size} and input.size({d}) = {n} "
                    f"(input shape {tuple(input.shape)})"
                )
            if (r < 0).any():
                raise RuntimeError("repeat_interleave(): repeats can not be negative, got "
                                   f"{r.tolist()}")
            repeats = r.astype("int64", copy=False)
            total = int(repeats.sum())
    else:
        repeats = _int(repeats, "repeat_interleave", "repeats")
    if isinstance(repeats, int):
        if repeats < 0:
            raise RuntimeError(f"repeat_interleave(): repeats must be non-negative, got {repeats}")
        total = n * repeats
    if output_size is not None and output_size != total:
        raise RuntimeError(f"repeat_interleave(): invalid output_size, expected {total} but got "
                           f"{output_size}")
    return RepeatInterleave.apply(input, repeats, d)


def _repeat_indices(counts, output_size):
    if counts.ndim != 1 or counts._data.dtype.kind not in "iu":
        raise RuntimeError(f"repeat_interleave(): repeats must be a 1-D integer tensor, got shape "
                           f"{tuple(counts.shape)} and dtype {counts.dtype}")
    r = counts._data
    if (r < 0).any():
        raise RuntimeError(f"repeat_interleave(): repeats can not be negative, got {r.tolist()}")
    xp = counts.xp
    out = xp.repeat(xp.arange(r.size, dtype=r.dtype), r)
    if output_size is not None and output_size != out.size:
        raise RuntimeError(f"repeat_interleave(): invalid output_size, expected {out.size} but "
                           f"got {output_size}")
    return Tensor._make(out)


# -- joining --------------------------------------------------------------------------------


def _tensor_list(op, tensors):
    if isinstance(tensors, Tensor):
        raise TypeError(f"{op}(): expected a sequence of Tensors, got a single Tensor; wrap it "
                        f"in a list: {op}([t])")
    tensors = list(tensors)
    for i, x in enumerate(tensors):
        check_tensor(x, op, f"tensors[{i}]")
    if len(tensors) > 1:
        check_same_device(op, *tensors)
    return tensors


def _common_dtype(tensors):
    dt = tensors[0].dtype
    for x in tensors[1:]:
        if x._data.dtype != dt.np:
            dt = B.promote_types(dt, x.dtype)
    return dt


class Cat(Function):
    """Concatenation along ``dim``; ``skip`` marks legacy 1-d empty inputs left out."""

    @staticmethod
    def forward(ctx, dim, npdtype, skip, *xs):
        arrays = [x._data for x, s in zip(xs, skip) if not s]
        ctx.meta = (dim, [a.shape[dim] for a in arrays], skip, [x.dtype for x in xs])
        xp = xs[0].xp
        if npdtype is None:
            return xp.concatenate(arrays, axis=dim)
        return xp.concatenate(arrays, axis=dim, dtype=npdtype, casting="unsafe")

    @staticmethod
    def backward(ctx, g):
        dim, sizes, skip, dtypes = ctx.meta
        bounds, start = [], 0
        for s in sizes:
            bounds.append((start, start + s))
            start += s
        pieces = iter(Split.apply(g, dim, tuple(bounds)) if len(bounds) > 1 else (g,))
        grads = []
        for i, s in enumerate(skip):
            need = ctx.needs_input_grad[3 + i]
            if s:
                grads.append(Tensor._make(g.xp.zeros((0,), dtype=dtypes[i].np)) if need else None)
                continue
            p = next(pieces)
            grads.append(cast(p, dtypes[i]) if need else None)
        return (None, None, None, *grads)


def cat(tensors, dim: int = 0, *, out=None) -> Tensor:
    """The tensors joined along the existing dimension ``dim``, promoted to a common dtype.

    Every other dimension must match. Like PyTorch, 1-d empty tensors (shape ``(0,)``) are
    skipped, whatever the other tensors' shapes.

    >>> ember.cat([ember.tensor([[1, 2]]), ember.tensor([[3, 4]])], dim=1)
    tensor([[1, 2, 3, 4]])
    """
    tensors = _tensor_list("cat", tensors)
    if not tensors:
        raise ValueError("cat(): expected a non-empty list of Tensors")
    skip = tuple(x._data.shape == (0,) for x in tensors)
    for i, x in enumerate(tensors):
        if x.ndim == 0:
            raise RuntimeError(f"cat(): zero-dimensional tensor (at position {i}) cannot be "
                               "concatenated; unsqueeze it first or use stack()")
    kept = [x for x, s in zip(tensors, skip) if not s]
    dt = _common_dtype(tensors)
    if not kept:
        result = Tensor._make(tensors[0].xp.zeros((0,), dtype=dt.np))
        return _write_out("cat", out, result) if out is not None else result
    ref = kept[0]._data.shape
    d = normalize_dim(dim, len(ref), "cat")
    for x in kept:
        s = x._data.shape
        if len(s) != len(ref):
            raise RuntimeError(
                f"cat(): Tensors must have same number of dimensions: got {len(ref)} and "
                f"{len(s)}; shapes: {_shapes(tensors)}"
            )
        if any(a != b for i, (a, b) in enumerate(zip(s, ref)) if i != d):
            k = next(i for i, (a, b) in enumerate(zip(s, ref)) if i != d and a != b)
            raise RuntimeError(
                f"cat(): Sizes of tensors must match except in dimension {d}: got shapes "
                f"{_shapes(tensors)}, which differ in dimension {k}. Make every dimension "
                f"except {d} the same, or concatenate along dimension {k}."
            )
    npdt = None if all(x._data.dtype == dt.np for x in tensors) else dt.np
    if len(tensors) == 1:
        result = cast(tensors[0], dt)
        if result is tensors[0]:
            from .conversion import clone

            result = clone(result)
    else:
        result = Cat.apply(d, npdt, skip, *tensors)
    return _write_out("cat", out, result) if out is not None else result


def _shapes(tensors):
    return ", ".join(str(tuple(x._data.shape)) for x in tensors)


def _write_out(op, out, result):
    check_tensor(out, op, "out")
    if out._requires_grad and result._requires_grad:
        raise RuntimeError(f"{op}(): functions with out=... arguments don't support automatic "
                           "differentiation, but one of the arguments requires grad.")
    data = result._data.astype(out._data.dtype, copy=False)
    if out._data.shape == data.shape:
        out._data[...] = data
    else:
        out._data = data.copy() if data is result._data else data
    out._vc[0] += 1
    return out


concat = concatenate = cat


class Stack(Function):
    @staticmethod
    def forward(ctx, dim, npdtype, *xs):
        ctx.meta = (dim, [x.dtype for x in xs])
        arrays = [x._data for x in xs]
        if npdtype is None:
            return xs[0].xp.stack(arrays, axis=dim)
        return xs[0].xp.stack(arrays, axis=dim, dtype=npdtype, casting="unsafe")

    @staticmethod
    def backward(ctx, g):
        dim, dtypes = ctx.meta
        pieces = Unbind.apply(g, dim)
        if not isinstance(pieces, tuple):
            pieces = (pieces,)
        grads = [cast(p, dt) if n else None
                 for p, dt, n in zip(pieces, dtypes, ctx.needs_input_grad[2:])]
        return (None, None, *grads)


def stack(tensors, dim: int = 0, *, out=None) -> Tensor:
    """The equally-shaped tensors joined along a new dimension ``dim``.

    >>> ember.stack([ember.tensor([1, 2]), ember.tensor([3, 4])], dim=1)
    tensor([[1, 3],
            [2, 4]])
    """
    tensors = _tensor_list("stack", tensors)
    if not tensors:
        raise RuntimeError("stack(): expects a non-empty TensorList")
    ref = tensors[0]._data.shape
    for i, x in enumerate(tensors[1:], 1):
        if x._data.shape != ref:
            raise RuntimeError(
                f"stack(): expects each tensor to be equal size, but got {list(ref)} at entry 0 "
                f"and {list(x._data.shape)} at entry {i}; shapes: {_shapes(tensors)}"
            )
    d = normalize_dim(dim, len(ref) + 1, "stack")
    dt = _common_dtype(tensors)
    npdt = None if all(x._data.dtype == dt.np for x in tensors) else dt.np
    result = Stack.apply(d, npdt, *tensors)
    return _write_out("stack", out, result) if out is not None else result


def _seq_arg(op, tensors):
    if len(tensors) == 1 and not isinstance(tensors[0], Tensor):
        return list(tensors[0]), True
    return list(tensors), len(tensors) != 1


def atleast_1d(*tensors):
    """Each tensor with at least one dimension (0-d tensors become shape ``(1,)``).

    >>> ember.atleast_1d(ember.tensor(3))
    tensor([3])
    """
    return _atleast("atleast_1d", tensors, 1)


def atleast_2d(*tensors):
    """Each tensor with at least two dimensions (``(n,)`` becomes ``(1, n)``)."""
    return _atleast("atleast_2d", tensors, 2)


def atleast_3d(*tensors):
    """Each tensor with at least three dimensions: ``()`` -> ``(1, 1, 1)``, ``(n,)`` ->
    ``(1, n, 1)``, ``(m, n)`` -> ``(m, n, 1)``."""
    return _atleast("atleast_3d", tensors, 3)


def _atleast(op, tensors, k):
    items, many = _seq_arg(op, tensors)
    outs = []
    for i, x in enumerate(items):
        check_tensor(x, op, f"tensors[{i}]")
        s = x._data.shape
        if len(s) >= k:
            outs.append(x)
            continue
        if k == 3 and len(s) == 2:
            new = s + (1,)
        elif k == 3:
            new = (1, s[0] if s else 1, 1)
        else:
            new = (1,) * (k - len(s)) + s
        outs.append(Reshape.apply(x, new))
    return tuple(outs) if many else outs[0]


def _stack_list(op, tensors):
    tensors = _tensor_list(op, tensors)
    if not tensors:
        raise RuntimeError(f"{op}(): expects a non-empty TensorList")
    return tensors


def hstack(tensors, *, out=None) -> Tensor:
    """The tensors joined column-wise: along dim 0 for 1-d inputs, else along dim 1.

    >>> ember.hstack([ember.tensor([1, 2]), ember.tensor([3])])
    tensor([1, 2, 3])
    """
    ts = atleast_1d(_stack_list("hstack", tensors))
    return cat(ts, 0 if ts[0].ndim == 1 else 1, out=out)


def vstack(tensors, *, out=None) -> Tensor:
    """The tensors (made at least 2-d) joined along dim 0.

    >>> ember.vstack([ember.tensor([1, 2]), ember.tensor([3, 4])])
    tensor([[1, 2],
            [3, 4]])
    """
    return cat(atleast_2d(_stack_list("vstack", tensors)), 0, out=out)


def dstack(tensors, *, out=None) -> Tensor:
    """The tensors (made at least 3-d) joined along dim 2."""
    return cat(atleast_3d(_stack_list("dstack", tensors)), 2, out=out)


def column_stack(tensors, *, out=None) -> Tensor:
    """0-d and 1-d tensors as columns ``(n, 1)``, joined with the others along dim 1."""
    ts = _stack_list("column_stack", tensors)
    ts = [Reshape.apply(x, (x._data.size, 1)) if x.ndim <= 1 else x for x in ts]
    return cat(ts, 1, out=out)


# -- splitting and slicing ------------------------------------------------------------------


class Split(Function):
    """Views of ``x`` along ``dim`` between each ``(start, stop)`` of ``bounds``."""

    is_view = True

    @staticmethod
    def forward(ctx, x, dim, bounds):
        a = x._data
        n = a.shape[dim]
        tiles = bounds[0][0] == 0 and bounds[-1][1] == n and all(
            b[1] == c[0] for b, c in zip(bounds[:-1], bounds[1:]))
        ctx.meta = (a.ndim, dim, n, bounds, tiles)
        return tuple(a[_sel(a.ndim, dim, slice(b0, b1))] for b0, b1 in bounds)

    @staticmethod
    def backward(ctx, *grads):
        ndim, dim, n, bounds, tiles = ctx.meta
        if tiles:
            if len(grads) == 1:
                return grads[0], None, None
            return Cat.apply(dim, None, (False,) * len(grads), *grads), None, None
        # Pieces that overlap or leave gaps (tensor_split with unsorted indices): each piece's
        # gradient is padded back to its place and the results are added.
        total = None
        for g, (b0, b1) in zip(grads, bounds):
            pads = [(0, 0)] * ndim
            pads[dim] = (b0, n - b1)
            part = Pad.apply(g, tuple(pads), "constant", 0)
            total = part if total is None else total + part
        return total, None, None


def _split_bounds(sizes):
    bounds, start = [], 0
    for s in sizes:
        bounds.append((start, start + s))
        start += s
    return tuple(bounds)


def split(tensor, split_size_or_sections=None, dim: int = 0, *, split_size=None) -> tuple:
    """``tensor`` cut along ``dim`` into pieces of ``split_size`` (the last may be smaller), or
    of the sizes listed in ``split_size_or_sections``; the pieces are views.

    >>> [p.tolist() for p in ember.tensor([0, 1, 2, 3, 4]).split(2)]
    [[0, 1], [2, 3], [4]]
    """
    check_tensor(tensor, "split")
    if split_size_or_sections is None:
        if split_size is None:
            raise TypeError("split(): missing required argument 'split_size_or_sections'")
        split_size_or_sections = split_size
    d = normalize_dim(dim, tensor.ndim, "split")
    if tensor.ndim == 0:
        raise RuntimeError("split(): expected a tensor with at least one dimension, got a 0-d "
                           "tensor")
    n = tensor._data.shape[d]
    if isinstance(split_size_or_sections, (int, numbers.Integral)) or (
        isinstance(split_size_or_sections, Tensor) and split_size_or_sections.ndim == 0
    ):
        size = _int(split_size_or_sections, "split", "split_size")
        if size < 0:
            raise RuntimeError(f"split(): split_size must be non-negative, got {size}")
        if size == 0:
            if n:
                raise RuntimeError(f"split(): split_size can only be 0 if dimension size is 0, "
                                   f"but got dimension size of {n}")
            sizes = [0]
        else:
            sizes = [size] * (n // size) + ([n % size] if n % size or n == 0 else [])
    else:
        sizes = list(_ints(split_size_or_sections, "split", "each split size"))
        if sum(sizes) != n or any(s < 0 for s in sizes):
            raise RuntimeError(
                f"split(): split_with_sizes expects split_sizes to sum exactly to {n} (input "
                f"tensor's size at dimension {d}, shape {tuple(tensor.shape)}), but got "
                f"split_sizes={sizes}"
            )
    return Split.apply(tensor, d, _split_bounds(sizes))


def chunk(input, chunks: int, dim: int = 0) -> tuple:
    """``input`` cut along ``dim`` into at most ``chunks`` views of size ``ceil(n / chunks)``
    (the last may be smaller, and fewer pieces may come back).

    >>> [p.tolist() for p in ember.tensor([0, 1, 2, 3, 4]).chunk(3)]
    [[0, 1], [2, 3], [4]]
    """
    check_tensor(input, "chunk")
    chunks = _int(chunks, "chunk", "chunks")
    if chunks <= 0:
        raise RuntimeError(f"chunk(): expects `chunks` to be greater than 0, got: {chunks}")
    if input.ndim == 0:
        raise RuntimeError("chunk(): expects at least a 1-dimensional tensor")
    d = normalize_dim(dim, input.ndim, "chunk")
    n = input._data.shape[d]
    if n == 0:
        return Split.apply(input, d, ((0, 0),) * chunks)
    size = -(-n // chunks)
    return split(input, size, d)


def tensor_split(input, indices_or_sections, dim: int = 0) -> tuple:
    """``input`` cut along ``dim`` into ``sections`` nearly equal views (the first ``n % k`` one
    longer), or at the given indices (like ``numpy.array_split``).

    >>> [p.tolist() for p in ember.tensor([0, 1, 2, 3, 4]).tensor_split(3)]
    [[0, 1], [2, 3], [4]]
    """
    check_tensor(input, "tensor_split")
    if input.ndim == 0:
        raise RuntimeError("tensor_split(): expected at least a 1-dimensional tensor, but got a "
                           "tensor with 0 dims")
    d = normalize_dim(dim, input.ndim, "tensor_split")
    n = input._data.shape[d]
    ios = indices_or_sections
    if isinstance(ios, Tensor):
        if ios.ndim > 1 or ios._data.dtype.kind not in "iu":
            raise RuntimeError(f"tensor_split(): expected tensor_indices_or_sections to be a "
                               f"zero-dimensional or one-dimensional integer tensor, but got a "
                               f"tensor of shape {tuple(ios.shape)} and dtype {ios.dtype}")
        ios = int(ios.item()) if ios.ndim == 0 else ios.tolist()
    if isinstance(ios, numbers.Integral):
        k = _int(ios, "tensor_split", "sections")
        if k <= 0:
            raise RuntimeError(f"tensor_split(): number of sections must be larger than 0, got {k}")
        q, r = divmod(n, k)
        bounds = _split_bounds([q + 1] * r + [q] * (k - r))
    else:
        idx = (0,) + _ints(ios, "tensor_split", "each index") + (n,)
        bounds = []
        for a, b in zip(idx[:-1], idx[1:]):
            start, stop, _ = slice(a, b).indices(n)
            bounds.append((start, builtins.max(start, stop)))
    return Split.apply(input, d, tuple(bounds))


class Unbind(Function):
    is_view = True

    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        a = x._data
        return tuple(a[_sel(a.ndim, dim, i)] for i in range(a.shape[dim]))

    @staticmethod
    def backward(ctx, *grads):
        return Stack.apply(ctx.dim, None, *grads), None


def unbind(input, dim: int = 0) -> tuple:
    """The slices of ``input`` along ``dim``, as a tuple of views.

    >>> ember.tensor([[1, 2], [3, 4]]).unbind(1)
    (tensor([1, 3]), tensor([2, 4]))
    """
    check_tensor(input, "unbind")
    if input.ndim == 0:
        raise IndexError("unbind(): Dimension specified as 0 but tensor has no dimensions")
    dim = normalize_dim(dim, input.ndim, "unbind")
    if input._data.shape[dim] == 0:
        return ()
    out = Unbind.apply(input, dim)
    return out if isinstance(out, tuple) else (out,)


class Slice(Function):
    """``x[start:stop]`` along ``dim`` (a view); the gradient is padded back with zeros."""

    is_view = True

    @staticmethod
    def forward(ctx, x, dim, start, stop):
        a = x._data
        ctx.meta = (a.ndim, dim, start, a.shape[dim] - stop)
        return a[_sel(a.ndim, dim, slice(start, stop))]

    @staticmethod
    def backward(ctx, g):
        ndim, dim, lo, hi = ctx.meta
        pads = [(0, 0)] * ndim
        pads[dim] = (lo, hi)
        return Pad.apply(g, tuple(pads), "constant", 0), None, None, None


def narrow(input, dim: int, start, length: int) -> Tensor:
    """The view ``input[..., start:start + length, ...]`` along ``dim`` (``start`` may be
    negative, counting from the end).

    >>> ember.tensor([0, 1, 2, 3, 4, 5]).narrow(0, 2, 3)
    tensor([2, 3, 4])
    """
    check_tensor(input, "narrow")
    if input.ndim == 0:
        raise RuntimeError("narrow(): cannot be applied to a 0-dim tensor.")
    d = normalize_dim(dim, input.ndim, "narrow")
    n = input._data.shape[d]
    start = _int(start, "narrow", "start")
    length = _int(length, "narrow", "length")
    if not -n <= start <= n:
        raise IndexError(f"narrow(): start ({start}) out of range for dimension {d} of size {n} "
                         f"(expected to be in range of [{-n}, {n}])")
    if start < 0:
        start += n
    if length < 0:
        raise RuntimeError(f"narrow(): length must be non-negative, got {length}")
    if start + length > n:
        raise RuntimeError(f"narrow(): start ({start}) + length ({length}) exceeds dimension size "
                           f"({n}) of dimension {d} (shape {tuple(input.shape)})")
    return Slice.apply(input, d, start, start + length)


class Select(Function):
    """``x[..., index, ...]`` along ``dim`` (a view, the dimension removed)."""

    is_view = True

    @staticmethod
    def forward(ctx, x, dim, index):
        a = x._data
        ctx.meta = (a.ndim, dim, index, a.shape[dim] - index - 1)
        return a[_sel(a.ndim, dim, index)]

    @staticmethod
    def backward(ctx, g):
        ndim, dim, lo, hi = ctx.meta
        pads = [(0, 0)] * ndim
        pads[dim] = (lo, hi)
        g = Reshape.apply(g, g._data.shape[:dim] + (1,) + g._data.shape[dim:])
        return Pad.apply(g, tuple(pads), "constant", 0), None, None


def select(input, dim: int, index: int) -> Tensor:
    """The view ``input[..., index, ...]`` along ``dim``, which is removed.

    >>> ember.tensor([[1, 2], [3, 4]]).select(1, -1)
    tensor([2, 4])
    """
    check_tensor(input, "select")
    if input.ndim == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    d = normalize_dim(dim, input.ndim, "select")
    n = input._data.shape[d]
    i = _int(index, "select", "index")
    if not -n <= i < n:
        raise IndexError(f"select(): index {i} out of range for tensor of size "
                         f"{list(input.shape)} at dimension {d}")
    return Select.apply(input, d, i % n)


# -- reordering elements --------------------------------------------------------------------


class Flip(Function):
    @staticmethod
    def forward(ctx, x, dims):
        ctx.dims = dims
        return x.xp.flip(x._data, dims).copy()

    @staticmethod
    def backward(ctx, g):
        return Flip.apply(g, ctx.dims), None


def flip(input, *dims, **kwargs) -> Tensor:
    """``input`` with the order of elements reversed along ``dims`` (a copy).

    >>> ember.tensor([[1, 2], [3, 4]]).flip(1)
    tensor([[2, 1],
            [4, 3]])
    """
    check_tensor(input, "flip")
    if "dims" in kwargs:
        dims = (kwargs.pop("dims"),)
    if kwargs:
        raise TypeError(f"flip(): unexpected keyword argument '{next(iter(kwargs))}'")
    dims = _flat(dims)
    if len(dims) == 1 and not isinstance(dims[0], numbers.Integral):
        dims = tuple(dims[0])
    dims = normalize_dims(dims, input.ndim, "flip")
    return Flip.apply(input, dims)


def fliplr(input) -> Tensor:
    """``input`` flipped left/right (along dim 1); needs at least 2 dimensions."""
    check_tensor(input, "fliplr")
    if input.ndim < 2:
        raise RuntimeError(f"fliplr(): Input must be >= 2-d, got shape {tuple(input.shape)}")
    return Flip.apply(input, (1,))


def flipud(input) -> Tensor:
    """``input`` flipped up/down (along dim 0); needs at least 1 dimension."""
    check_tensor(input, "flipud")
    if input.ndim < 1:
        raise RuntimeError("flipud(): Input must be >= 1-d, got a 0-d tensor")
    return Flip.apply(input, (0,))


class Roll(Function):
    @staticmethod
    def forward(ctx, x, shifts, dims):
        ctx.meta = (shifts, dims)
        return x.xp.roll(x._data, shifts, axis=dims)

    @staticmethod
    def backward(ctx, g):
        shifts, dims = ctx.meta
        neg = -shifts if isinstance(shifts, int) else tuple(-s for s in shifts)
        return Roll.apply(g, neg, dims), None, None


def roll(input, shifts, dims=None) -> Tensor:
    """``input`` rotated by ``shifts`` along ``dims``: elements shifted past the end wrap to
    the start. Without ``dims`` the flattened tensor is rolled and the shape restored.

    >>> ember.tensor([1, 2, 3, 4]).roll(1)
    tensor([4, 1, 2, 3])
    """
    check_tensor(input, "roll")
    sh = (shifts,) if isinstance(shifts, (numbers.Integral, Tensor)) else tuple(shifts)
    sh = _ints(sh, "roll", "each shift")
    if dims is None:
        if len(sh) != 1:
            raise RuntimeError(f"roll(): shifts and dimensions must align. shifts: {len(sh)}, "
                               "dims: 0; pass one shift per dim, or a single shift with dims=None")
        return Roll.apply(input, sh[0], None)
    ds = (dims,) if isinstance(dims, numbers.Integral) else tuple(dims)
    if len(sh) != len(ds):
        raise RuntimeError(f"roll(): shifts and dimensions must align. shifts: {len(sh)}, "
                           f"dims: {len(ds)}")
    ds = tuple(normalize_dim(d, input.ndim, "roll") for d in ds)
    return Roll.apply(input, sh, ds)


def rot90(input, k: int = 1, dims=(0, 1)) -> Tensor:
    """``input`` rotated by 90 degrees ``k`` times in the plane ``dims``, from the first
    towards the second axis (a copy).

    >>> ember.tensor([[1, 2], [3, 4]]).rot90()
    tensor([[2, 4],
            [1, 3]])
    """
    check_tensor(input, "rot90")
    dims = tuple(dims)
    if len(dims) != 2:
        raise RuntimeError(f"rot90(): expected total rotation dims == 2, but got dims = "
                           f"{len(dims)}")
    if input.ndim < 2:
        raise RuntimeError(f"rot90(): expected total dims >= 2, but got total dims = {input.ndim}")
    d0 = normalize_dim(dims[0], input.ndim, "rot90")
    d1 = normalize_dim(dims[1], input.ndim, "rot90")
    if d0 == d1:
        raise RuntimeError(f"rot90(): expected rotation dims to be different, but got dim0 = "
                           f"{dims[0]} and dim1 = {dims[1]}")
    k = _int(k, "rot90", "k") % 4
    if k == 1:
        return transpose(Flip.apply(input, (d1,)), d0, d1)
    if k == 2:
        return Flip.apply(input, tuple(sorted((d0, d1))))
    if k == 3:
        return Flip.apply(transpose(input, d0, d1), (d1,))
    from .conversion import clone

    return clone(input)


class Tri(Function):
    """``tril``/``triu`` of the last two dimensions; the gradient is masked the same way."""

    @staticmethod
    def forward(ctx, x, diagonal, lower):
        ctx.meta = (diagonal, lower)
        xp = x.xp
        return (xp.tril if lower else xp.triu)(x._data, diagonal)

    @staticmethod
    def backward(ctx, g):
        diagonal, lower = ctx.meta
        return Tri.apply(g, diagonal, lower), None, None


def _tri(op, input, diagonal, lower):
    check_tensor(input, op)
    if input.ndim < 2:
        raise RuntimeError(f"{op}(): input tensor must have at least 2 dimensions, got shape "
                           f"{tuple(input.shape)}")
    return Tri.apply(input, _int(diagonal, op, "diagonal"), lower)


def tril(input, diagonal: int = 0) -> Tensor:
    """The lower triangle of each matrix in ``input``: elements with ``j - i <= diagonal`` kept,
    the others zeroed.

    >>> ember.tril(ember.ones(3, 3, dtype=ember.int64))
    tensor([[1, 0, 0],
            [1, 1, 0],
            [1, 1, 1]])
    """
    return _tri("tril", input, diagonal, True)


def triu(input, diagonal: int = 0) -> Tensor:
    """The upper triangle of each matrix in ``input``: elements with ``j - i >= diagonal`` kept.

    >>> ember.triu(ember.ones(2, 3, dtype=ember.int64), 1)
    tensor([[0, 1, 1],
            [0, 0, 1]])
    """
    return _tri("triu", input, diagonal, False)


def tril_(self, diagonal: int = 0) -> Tensor:
    from ._util import inplace

    return inplace("tril_", self, tril, diagonal)


def triu_(self, diagonal: int = 0) -> Tensor:
    from ._util import inplace

    return inplace("triu_", self, triu, diagonal)


# -- padding --------------------------------------------------------------------------------

_NP_MODES = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def _crop(shape, pads):
    return tuple(slice(builtins.max(-lo, 0), n - builtins.max(-hi, 0))
                 for n, (lo, hi) in zip(shape, pads))


def _pad_index(xp, n, lo, hi, mode):
    """For reflect/replicate: the input index each output position ``j`` copies, ``j - lo``
    reflected or clamped into ``[0, n)`` (PyTorch's rule, also with negative amounts)."""
    i = xp.arange(-lo, n + hi)
    if mode == "replicate":
        return xp.clip(i, 0, n - 1)
    i = xp.abs(i)
    return xp.where(i > n - 1, 2 * (n - 1) - i, i)


class Pad(Function):
    """Pad (or crop, for negative amounts) each dimension by ``pads[d] = (before, after)``.

    ``constant`` and ``circular`` crop first and pad the cropped data; ``reflect`` and
    ``replicate`` map every output position to an input index (see ``_pad_index``).
    """

    @staticmethod
    def forward(ctx, x, pads, mode, value):
        a, xp = x._data, x.xp
        ctx.meta = (a.shape, pads, mode)
        if mode == "constant":
            a = a[_crop(a.shape, pads)]
            shape = tuple(n + lo + hi for n, (lo, hi) in zip(x._data.shape, pads))
            if value == 0:
                out = xp.zeros(shape, dtype=a.dtype)
            else:
                out = xp.full(shape, value, dtype=a.dtype)
            out[tuple(slice(builtins.max(lo, 0), builtins.max(lo, 0) + n)
                      for n, (lo, _) in zip(a.shape, pads))] = a
            return out
        if mode == "circular" or all(lo >= 0 and hi >= 0 for lo, hi in pads):
            widths = [(builtins.max(lo, 0), builtins.max(hi, 0)) for lo, hi in pads]
            return xp.pad(a[_crop(a.shape, pads)], widths, mode=_NP_MODES[mode])
        for d, (lo, hi) in enumerate(pads):
            if lo or hi:
                a = xp.take(a, _pad_index(xp, a.shape[d], lo, hi, mode), axis=d)
        return a

    @staticmethod
    def backward(ctx, g):
        in_shape, pads, mode = ctx.meta
        if mode == "constant":
            neg = tuple((-lo, -hi) for lo, hi in pads)
            return Pad.apply(g, neg, "constant", 0), None, None, None
        return PadBackward.apply(g, in_shape, pads, mode), None, None, None


class PadBackward(Function):
    """The adjoint of a reflect/replicate/circular ``Pad``: every padded element's gradient is
    added back to the element it was copied from (cropped elements get zeros)."""

    @staticmethod
    def forward(ctx, g, in_shape, pads, mode):
        ctx.meta = (pads, mode)
        a, xp = g._data, g.xp
        if mode != "circular" and any(lo < 0 or hi < 0 for lo, hi in pads):
            for d, (lo, hi) in enumerate(pads):
                if lo or hi:
                    n = in_shape[d]
                    out = xp.zeros(a.shape[:d] + (n,) + a.shape[d + 1:], dtype=a.dtype)
                    idx = _pad_index(xp, n, lo, hi, mode)
                    xp.add.at(xp.moveaxis(out, d, 0), idx, xp.moveaxis(a, d, 0))
                    a = out
            return a
        for d, (lo, hi) in enumerate(pads):
            lo, hi = builtins.max(lo, 0), builtins.max(hi, 0)
            if lo == 0 and hi == 0:
                continue
            n = a.shape[d] - lo - hi
            if mode == "circular":
                a = _fold_circular(xp, a, d, lo, n)
                continue
            c = a[_sel(a.ndim, d, slice(lo, lo + n))].copy()
            left = a[_sel(a.ndim, d, slice(0, lo))]
            right = a[_sel(a.ndim, d, slice(lo + n, lo + n + hi))]
            if mode == "reflect":
                _add_into(xp, c, d, slice(1, lo + 1), xp.flip(left, d))
                _add_into(xp, c, d, slice(n - 1 - hi, n - 1), xp.flip(right, d))
            else:
                _add_into(xp, c, d, slice(0, 1), left.sum(axis=d, keepdims=True))
                _add_into(xp, c, d, slice(n - 1, n), right.sum(axis=d, keepdims=True))
            a = c
        if a.shape != tuple(in_shape):
            out = xp.zeros(in_shape, dtype=a.dtype)
            out[tuple(slice(builtins.max(-lo, 0), builtins.max(-lo, 0) + m)
                      for m, (lo, _) in zip(a.shape, pads))] = a
            a = out
        return a if a is not g._data else a.copy()

    @staticmethod
    def backward(ctx, gg):
        pads, mode = ctx.meta
        return Pad.apply(gg, pads, mode, None), None, None, None


def _add_into(xp, c, d, sl, v):
    if v.shape[d]:
        view_ = c[_sel(c.ndim, d, sl)]
        xp.add(view_, v, out=view_)


def _fold_circular(xp, a, d, lo, m):
    """Sum the positions of ``a`` along ``d`` that wrap to the same one of ``m`` centre
    elements (position ``j`` holds element ``(j - lo) % m``; it may wrap several times)."""
    size = a.shape[d]
    p = (-lo) % m
    q = -(-(p + size) // m) * m
    buf = xp.zeros(a.shape[:d] + (q,) + a.shape[d + 1:], dtype=a.dtype)
    buf[_sel(a.ndim, d, slice(p, p + size))] = a
    return buf.reshape(a.shape[:d] + (q // m, m) + a.shape[d + 1:]).sum(axis=d)


def pad(input, pad, mode: str = "constant", value=None) -> Tensor:
    """``input`` padded like ``torch.nn.functional.pad``: ``pad`` lists (before, after) amounts
    starting from the LAST dimension, ``(left, right, top, bottom, ...)``; negative amounts
    crop. ``mode`` is ``'constant'`` (fill with ``value``, default 0), ``'reflect'``,
    ``'replicate'`` or ``'circular'`` (the last three pad the last 1-3 dims of a batched input).

    >>> ember.pad(ember.tensor([[1, 2]]), (1, 2))
    tensor([[0, 1, 2, 0, 0]])
    """
    check_tensor(input, "pad")
    amounts = _ints(pad, "pad", "each padding amount")
    n = input.ndim
    if len(amounts) % 2:
        raise RuntimeError(f"pad(): Padding length must be divisible by 2, got {len(amounts)} "
                           f"({list(amounts)})")
    k = len(amounts) // 2
    if k > n:
        raise RuntimeError(
            f"pad(): Padding length should be less than or equal to two times the input "
            f"dimension but got padding length {len(amounts)} and input of dimension {n} "
            f"(shape {tuple(input.shape)})"
        )
    pads = [(0, 0)] * n
    for i in range(k):
        pads[n - 1 - i] = (amounts[2 * i], amounts[2 * i + 1])
    pads = tuple(pads)
    shape = input._data.shape
    for d, (lo, hi) in enumerate(pads):
        cropped = shape[d] + builtins.min(lo, 0) + builtins.min(hi, 0)
        if shape[d] + lo + hi < 0 or (mode in ("constant", "circular") and cropped < 0):
            raise RuntimeError(
                f"pad(): padding ({lo}, {hi}) at dimension {d} crops more than the size "
                f"{shape[d]} of the input of shape {tuple(shape)}"
            )
    if mode == "constant":
        v = 0 if value is None else value
        if input._data.dtype.kind in "iub":
            v = int(v) if input._data.dtype.kind != "b" else bool(v)
        return Pad.apply(input, pads, "constant", v)
    if mode not in _NP_MODES:
        raise NotImplementedError(f"pad(): Unrecognised padding mode {mode!r}; expected "
                                  "'constant', 'reflect', 'replicate' or 'circular'")
    if value is not None and value != 0:
        raise RuntimeError(f"pad(): Padding mode \"{mode}\" doesn't take in value argument")
    if k not in (1, 2, 3) or n not in (k + 1, k + 2):
        raise NotImplementedError(
            f"pad(): Padding size {len(amounts)} is not supported for {n}D input tensor "
            f"(mode {mode!r}). Supported combinations for non-constant padding: 2D or 3D input "
            "with padding size 2, 3D or 4D with 4, 4D or 5D with 6."
        )
    for d in range(n - k, n):
        lo, hi = pads[d]
        size = shape[d]
        if mode == "circular":
            if lo > size or hi > size:
                raise RuntimeError(
                    f"pad(): circular padding value causes wrapping around more than once: "
                    f"padding ({lo}, {hi}) at dimension {d} of input {list(shape)} must be at "
                    f"most {size}"
                )
            empty = size + builtins.min(lo, 0) + builtins.min(hi, 0) == 0 and (lo > 0 or hi > 0)
        else:
            empty = size == 0 and (lo or hi)
            if mode == "reflect" and (lo >= size or hi >= size) and not empty:
                raise RuntimeError(
                    f"pad(): reflect padding size should be less than the corresponding input "
                    f"dimension, but got: padding ({lo}, {hi}) at dimension {d} of input "
                    f"{list(shape)}"
                )
        if empty:
            raise RuntimeError(f"pad(): {mode} padding needs non-empty dimensions, but dimension "
                               f"{d} of the input of shape {tuple(shape)} is empty")
    out_sizes = [shape[d] + lo + hi for d, (lo, hi) in enumerate(pads)][n - k:]
    if mode != "circular" and builtins.max(out_sizes) < 1:
        raise RuntimeError(
            f"pad(): input of shape {tuple(shape)} is too small for {mode} padding "
            f"{list(amounts)}: the padded dimensions would have sizes {out_sizes}; at least "
            "one must be >= 1"
        )
    return Pad.apply(input, pads, mode, None)


# -- grids ----------------------------------------------------------------------------------


def meshgrid(*tensors, indexing: str | None = None) -> tuple:
    """Coordinate grids from 1-d tensors: output ``i`` repeats ``tensors[i]`` along every other
    dimension. ``indexing='ij'`` (the default) gives shape ``(n0, n1, ...)``; ``'xy'`` swaps
    the first two dimensions, like NumPy's default. Outputs are read-only broadcast views.

    >>> xs, ys = ember.meshgrid(ember.tensor([1, 2]), ember.tensor([3, 4, 5]), indexing='ij')
    >>> xs
    tensor([[1, 1, 1],
            [2, 2, 2]])
    """
    items, _ = _seq_arg("meshgrid", tensors)
    if indexing is None:
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f"meshgrid(): indexing must be one of \"xy\" or \"ij\", but received: "
                           f"{indexing}")
    if not items:
        raise RuntimeError("meshgrid(): expects a non-empty TensorList")
    for i, x in enumerate(items):
        check_tensor(x, "meshgrid", f"tensors[{i}]")
        if x.ndim > 1:
            raise RuntimeError(f"meshgrid(): expected 0D or 1D tensor in the tensor list but got "
                               f"shape {tuple(x.shape)} at position {i}")
        if x._data.dtype != items[0]._data.dtype:
            raise RuntimeError(f"meshgrid(): expects all tensors to have the same dtype, got "
                               f"{items[0].dtype} and {x.dtype} (position {i})")
    check_same_device("meshgrid", *items)
    swap = indexing == "xy" and len(items) >= 2
    if swap:
        items[0], items[1] = items[1], items[0]
    shape = tuple(x._data.size for x in items)
    nd = len(shape)
    outs = []
    for i, x in enumerate(items):
        col = tuple(shape[i] if j == i else 1 for j in range(nd))
        x = Reshape.apply(x, col)
        outs.append(Reshape.apply(x, shape) if col == shape else Expand.apply(x, shape))
    if swap:
        outs[0], outs[1] = outs[1], outs[0]
    return tuple(outs)

