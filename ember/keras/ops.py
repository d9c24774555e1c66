"""``keras.ops``: Keras 3's NumPy-style numeric ops on ember tensors.

Argument names follow Keras and NumPy (``axis``, ``keepdims``, ``x1``/``x2``); inputs may be
ember tensors, NumPy arrays, lists or Python numbers, and every op returns an ember tensor that
autograd records like any other ember op. Two differences from Keras, both ember's conventions:
integer results are int64 (PyTorch's default, where Keras gives int32), and dtypes may be given
as strings (``"float32"``) or ember dtypes.

>>> from ember.keras import ops
>>> ops.sum(ops.ones((2, 3)), axis=1)
tensor([3., 3.])
"""

from __future__ import annotations

import builtins

import numpy as np

from .. import backend as B
from .. import linalg as _linalg
from .. import ops as _E
from ..autograd.grad_mode import no_grad
from ..tensor import Tensor

__all__ = [
    "abs", "absolute", "add", "all", "any", "arange", "argmax", "argmin", "argsort", "cast",
    "ceil", "clip", "concatenate", "convert_to_numpy", "convert_to_tensor", "cos", "cumsum",
    "divide", "dot", "einsum", "elu", "equal", "erf", "exp", "expand_dims", "eye", "flip",
    "floor", "full", "gelu", "greater", "greater_equal", "is_tensor", "leaky_relu", "less",
    "less_equal", "linspace", "log", "log1p", "log_softmax", "logical_and", "logical_not",
    "logical_or", "logical_xor", "logsumexp", "matmul", "max", "maximum", "mean", "min",
    "minimum", "moveaxis", "multiply", "negative", "norm", "not_equal", "one_hot", "ones",
    "ones_like", "pad", "power", "prod", "relu", "relu6", "repeat", "reshape", "round", "rsqrt",
    "selu", "shape", "sigmoid", "sign", "silu", "sin", "softmax", "softplus", "softsign", "sort",
    "split", "sqrt", "square", "squeeze", "stack", "std", "stop_gradient", "subtract", "sum",
    "swapaxes", "take", "take_along_axis", "tanh", "tile", "top_k", "transpose", "var", "where",
    "zeros", "zeros_like",
]

# -- conversion ---------------------------------------------------------------------------------


def _dtype(dtype):
    return None if dtype is None else B.as_dtype(dtype)


def convert_to_tensor(x, dtype=None, sparse=None, ragged=None) -> Tensor:
    """``x`` as an ember tensor (shared memory when no copy is needed), cast to ``dtype``.

    Python floats become float32 (ember's default dtype), Python ints int64.
    """
    if sparse or ragged:
        raise ValueError("convert_to_tensor(): ember has no sparse or ragged tensors; pass "
                         "sparse=None and ragged=None")
    dt = _dtype(dtype)
    if isinstance(x, Tensor):
        return x if dt is None or x.dtype is dt else x.to(dt)
    value = getattr(x, "value", None)  # a metric state variable or similar wrapper
    if isinstance(value, Tensor):
        return convert_to_tensor(value, dtype)
    if isinstance(x, np.ndarray) or hasattr(x, "__array__"):
        return _E.as_tensor(np.asarray(x), dtype=dt)
    return _E.tensor(x, dtype=dt)


def convert_to_numpy(x) -> np.ndarray:
    """``x`` as a NumPy array on the host (a tensor's gradient history is dropped)."""
    if isinstance(x, Tensor):
        return x.detach().numpy(force=True)
    return np.asarray(x)


def is_tensor(x) -> bool:
    """Whether ``x`` is an ember tensor."""
    return isinstance(x, Tensor)


def cast(x, dtype) -> Tensor:
    """``x`` converted to ``dtype`` (differentiable between floating dtypes)."""
    return convert_to_tensor(x).to(B.as_dtype(dtype))


def shape(x) -> tuple:
    """The shape of ``x`` as a tuple of ints."""
    return tuple(x.shape) if hasattr(x, "shape") else np.shape(x)


def _t(x, like: Tensor | None = None) -> Tensor:
    """A tensor for an operand; NumPy arrays and lists follow ``like``'s device."""
    if isinstance(x, Tensor):
        return x
    t = convert_to_tensor(x)
    if like is not None and t.device != like.device:
        t = t.to(like.device)
    return t


def _operands(x1, x2):
    """Two operands for a binary op: Python numbers stay numbers (they never widen a dtype)."""
    scalar = (int, float, bool, np.number, np.bool_)
    if isinstance(x1, scalar) and isinstance(x2, scalar):
        return convert_to_tensor(x1), x2
    if isinstance(x1, scalar):
        return x1, _t(x2)
    if isinstance(x2, scalar):
        return _t(x1), x2
    a = _t(x1)
    return a, _t(x2, a)


def _float(x) -> Tensor:
    t = _t(x)
    return t if t.is_floating_point() else t.to(B.get_default_dtype())


def _axes(axis, ndim):
    if axis is None:
        return tuple(range(ndim))
    return tuple(axis) if isinstance(axis, (list, tuple)) else axis


# -- creation -----------------------------------------------------------------------------------


def zeros(shape, dtype=None) -> Tensor:
    """A tensor of zeros of ``shape`` (float32 by default)."""
    return _E.zeros(tuple(np.atleast_1d(shape)) if np.ndim(shape) else (int(shape),),
                    dtype=_dtype(dtype))


def ones(shape, dtype=None) -> Tensor:
    """A tensor of ones of ``shape`` (float32 by default)."""
    return _E.ones(tuple(np.atleast_1d(shape)) if np.ndim(shape) else (int(shape),),
                   dtype=_dtype(dtype))


def full(shape, fill_value, dtype=None) -> Tensor:
    """A tensor of ``shape`` filled with ``fill_value``."""
    dims = tuple(np.atleast_1d(shape)) if np.ndim(shape) else (int(shape),)
    return _E.full(dims, fill_value, dtype=_dtype(dtype) or _E.tensor(fill_value).dtype)


def zeros_like(x, dtype=None) -> Tensor:
    """Zeros with the shape (and dtype, unless given) of ``x``."""
    return _E.zeros_like(_t(x), dtype=_dtype(dtype))


def ones_like(x, dtype=None) -> Tensor:
    """Ones with the shape (and dtype, unless given) of ``x``."""
    return _E.ones_like(_t(x), dtype=_dtype(dtype))


def eye(N, M=None, k=0, dtype=None) -> Tensor:
    """An N x M matrix with ones on the ``k``-th diagonal (``np.eye``)."""
    dt = _dtype(dtype) or B.get_default_dtype()
    return _E.as_tensor(np.eye(N, M, k, dtype=B.to_numpy_dtype(dt)))


def arange(start, stop=None, step=1, dtype=None) -> Tensor:
    """Evenly spaced values in ``[start, stop)`` (``np.arange``)."""
    if stop is None:
        start, stop = 0, start
    return _E.arange(start, stop, step, dtype=_dtype(dtype))


def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    """``num`` evenly spaced values from ``start`` to ``stop`` (``np.linspace``, scalar ends)."""
    if axis != 0:
        raise ValueError(f"linspace(): only axis=0 is supported for scalar start/stop, got "
                         f"axis={axis}")
    dt = _dtype(dtype) or B.get_default_dtype()
    values = np.linspace(float(start), float(stop), int(num), endpoint=endpoint)
    out = _E.as_tensor(values.astype(B.to_numpy_dtype(dt)))
    if retstep:
        step = (float(stop) - float(start)) / builtins.max(int(num) - (1 if endpoint else 0), 1)
        return out, step
    return out


# -- elementwise --------------------------------------------------------------------------------


def add(x1, x2) -> Tensor:
    """x1 + x2 with broadcasting."""
    a, b = _operands(x1, x2)
    return a + b


def subtract(x1, x2) -> Tensor:
    """x1 - x2 with broadcasting."""
    a, b = _operands(x1, x2)
    return a - b


def multiply(x1, x2) -> Tensor:
    """x1 * x2 with broadcasting."""
    a, b = _operands(x1, x2)
    return a * b


def divide(x1, x2) -> Tensor:
    """x1 / x2 (true division: integers give floats)."""
    a, b = _operands(x1, x2)
    return a / b


def power(x1, x2) -> Tensor:
    """x1 ** x2 elementwise."""
    a, b = _operands(x1, x2)
    return a ** b


def maximum(x1, x2) -> Tensor:
    """Elementwise maximum."""
    a, b = _operands(x1, x2)
    if not isinstance(a, Tensor):
        a, b = b, a
    return _E.maximum(a, b if isinstance(b, Tensor) else _E.full((), b, dtype=a.dtype,
                                                                  device=a.device))


def minimum(x1, x2) -> Tensor:
    """Elementwise minimum."""
    a, b = _operands(x1, x2)
    if not isinstance(a, Tensor):
        a, b = b, a
    return _E.minimum(a, b if isinstance(b, Tensor) else _E.full((), b, dtype=a.dtype,
                                                                  device=a.device))


def _unary(name: str, fn, floating: bool = False):
    def op(x) -> Tensor:
        return fn(_float(x) if floating else _t(x))

    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"Elementwise ``{name}`` (``np.{name}``)."
    return op


exp = _unary("exp", _E.exp, floating=True)
log = _unary("log", _E.log, floating=True)
log1p = _unary("log1p", _E.log1p, floating=True)
sqrt = _unary("sqrt", _E.sqrt, floating=True)
rsqrt = _unary("rsqrt", _E.rsqrt, floating=True)
sin = _unary("sin", _E.sin, floating=True)
cos = _unary("cos", _E.cos, floating=True)
erf = _unary("erf", _E.erf, floating=True)
square = _unary("square", _E.square)
abs = _unary("abs", _E.abs)  # noqa: A001  (keras.ops.abs)
absolute = abs
negative = _unary("negative", _E.neg)
sign = _unary("sign", _E.sign)
floor = _unary("floor", _E.floor)
ceil = _unary("ceil", _E.ceil)


def round(x, decimals=0) -> Tensor:  # noqa: A001  (keras.ops.round)
    """Round half to even to ``decimals`` places (``np.round``)."""
    return _E.round(_t(x), decimals=decimals)


def clip(x, x_min, x_max) -> Tensor:
    """``x`` limited to ``[x_min, x_max]``."""
    return _E.clamp(_t(x), x_min, x_max)


def _compare(name: str, fn):
    def op(x1, x2) -> Tensor:
        a, b = _operands(x1, x2)
        if not isinstance(a, Tensor):
            return _reverse_compare[name](b, a)
        return fn(a, b)

    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"Elementwise ``{name}`` as a bool tensor (``np.{name}``)."
    return op


_reverse_compare = {
    "equal": _E.eq, "not_equal": _E.ne, "greater": _E.lt, "greater_equal": _E.le,
    "less": _E.gt, "less_equal": _E.ge,
}
equal = _compare("equal", _E.eq)
not_equal = _compare("not_equal", _E.ne)
greater = _compare("greater", _E.gt)
greater_equal = _compare("greater_equal", _E.ge)
less = _compare("less", _E.lt)
less_equal = _compare("less_equal", _E.le)


def _logical(name: str, fn):
    def op(x1, x2) -> Tensor:
        a = _t(x1)
        return fn(a.to(B.as_dtype("bool")), _t(x2, a).to(B.as_dtype("bool")))

    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"Elementwise ``{name}`` of the truth values (``np.{name}``)."
    return op


logical_and = _logical("logical_and", _E.logical_and)
logical_or = _logical("logical_or", _E.logical_or)
logical_xor = _logical("logical_xor", _E.logical_xor)


def logical_not(x) -> Tensor:
    """Elementwise logical not."""
    return _E.logical_not(_t(x).to(B.as_dtype("bool")))


def where(condition, x1=None, x2=None):
    """``x1`` where ``condition`` holds, else ``x2``; with only a condition, its indices."""
    cond = _t(condition).to(B.as_dtype("bool"))
    if x1 is None and x2 is None:
        return tuple(_E.nonzero(cond, as_tuple=True))
    if x1 is None or x2 is None:
        raise ValueError("where(): give both x1 and x2, or neither")
    a, b = _operands(x1, x2)
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        a = convert_to_tensor(a)
    ref = a if isinstance(a, Tensor) else b
    a = a if isinstance(a, Tensor) else _E.full((), a, dtype=ref.dtype, device=ref.device)
    b = b if isinstance(b, Tensor) else _E.full((), b, dtype=ref.dtype, device=ref.device)
    return _E.where(cond, a, b)


# -- reductions ---------------------------------------------------------------------------------


def sum(x, axis=None, keepdims=False) -> Tensor:  # noqa: A001  (keras.ops.sum)
    """Sum over ``axis`` (all axes when None)."""
    t = _t(x)
    return _E.sum(t, dim=_axes(axis, t.ndim), keepdim=keepdims)


def mean(x, axis=None, keepdims=False) -> Tensor:
    """Mean over ``axis`` (all axes when None); integers give floats."""
    t = _float(x)
    return _E.mean(t, dim=_axes(axis, t.ndim), keepdim=keepdims)


def max(x, axis=None, keepdims=False, initial=None) -> Tensor:  # noqa: A001  (keras.ops.max)
    """Largest value over ``axis``; ``initial`` is a lower bound for the result."""
    t = _t(x)
    out = _E.amax(t, dim=_axes(axis, t.ndim), keepdim=keepdims)
    return out if initial is None else maximum(out, initial)


def min(x, axis=None, keepdims=False, initial=None) -> Tensor:  # noqa: A001  (keras.ops.min)
    """Smallest value over ``axis``; ``initial`` is an upper bound for the result."""
    t = _t(x)
    out = _E.amin(t, dim=_axes(axis, t.ndim), keepdim=keepdims)
    return out if initial is None else minimum(out, initial)


def prod(x, axis=None, keepdims=False, dtype=None) -> Tensor:
    """Product over ``axis`` (all axes when None)."""
    t = _t(x)
    if dtype is not None:
        t = t.to(B.as_dtype(dtype))
    axes = _axes(axis, t.ndim)
    if isinstance(axes, int):
        return _E.prod(t, dim=axes, keepdim=keepdims)
    for a in sorted((a % t.ndim for a in axes), reverse=True):
        t = _E.prod(t, dim=a, keepdim=keepdims)
    return t


def std(x, axis=None, keepdims=False) -> Tensor:
    """Population standard deviation (``np.std``, ``ddof=0``) over ``axis``."""
    t = _float(x)
    return _E.std(t, dim=_axes(axis, t.ndim), correction=0, keepdim=keepdims)


def var(x, axis=None, keepdims=False) -> Tensor:
    """Population variance (``np.var``, ``ddof=0``) over ``axis``."""
    t = _float(x)
    return _E.var(t, dim=_axes(axis, t.ndim), correction=0, keepdim=keepdims)


def argmax(x, axis=None, keepdims=False) -> Tensor:
    """Index of the largest value (of the flattened tensor when ``axis`` is None)."""
    return _E.argmax(_t(x), dim=axis, keepdim=keepdims)


def argmin(x, axis=None, keepdims=False) -> Tensor:
    """Index of the smallest value (of the flattened tensor when ``axis`` is None)."""
    return _E.argmin(_t(x), dim=axis, keepdim=keepdims)


def all(x, axis=None, keepdims=False) -> Tensor:  # noqa: A001  (keras.ops.all)
    """Whether every element along ``axis`` is true."""
    t = _t(x).to(B.as_dtype("bool"))
    if axis is None:
        return _E.all(t)
    return _E.all(t, dim=axis, keepdim=keepdims)


def any(x, axis=None, keepdims=False) -> Tensor:  # noqa: A001  (keras.ops.any)
    """Whether any element along ``axis`` is true."""
    t = _t(x).to(B.as_dtype("bool"))
    if axis is None:
        return _E.any(t)
    return _E.any(t, dim=axis, keepdim=keepdims)


def logsumexp(x, axis=None, keepdims=False) -> Tensor:
    """log(sum(exp(x))) over ``axis``, computed stably."""
    t = _float(x)
    return _E.logsumexp(t, dim=_axes(axis, t.ndim), keepdim=keepdims)


def cumsum(x, axis=None, dtype=None) -> Tensor:
    """Cumulative sum along ``axis`` (of the flattened tensor when None)."""
    t = _t(x)
    if axis is None:
        t, axis = t.reshape(-1), 0
    return _E.cumsum(t, axis, dtype=_dtype(dtype))


def norm(x, ord=None, axis=None, keepdims=False) -> Tensor:  # noqa: A002  (NumPy's name)
    """Vector or matrix norm (``np.linalg.norm``): 2-norm/Frobenius by default."""
    t = _float(x)
    return _linalg.norm(t, ord=ord, dim=axis, keepdim=keepdims)


# -- shapes and indexing ------------------------------------------------------------------------


def reshape(x, newshape) -> Tensor:
    """``x`` with shape ``newshape`` (one entry may be -1)."""
    dims = (newshape,) if isinstance(newshape, int) else tuple(newshape)
    return _t(x).reshape(dims)


def transpose(x, axes=None) -> Tensor:
    """Permute the axes (reverse them when ``axes`` is None), like ``np.transpose``."""
    t = _t(x)
    order = tuple(range(t.ndim))[::-1] if axes is None else tuple(axes)
    return t.permute(order)


def swapaxes(x, axis1, axis2) -> Tensor:
    """Exchange two axes."""
    return _E.swapaxes(_t(x), axis1, axis2)


def moveaxis(x, source, destination) -> Tensor:
    """Move axes to new positions (``np.moveaxis``)."""
    return _E.moveaxis(_t(x), source, destination)


def expand_dims(x, axis) -> Tensor:
    """Insert length-1 axes at ``axis`` (an int or a tuple of positions in the result)."""
    t = _t(x)
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    ndim = t.ndim + len(axes)
    for a in sorted(a % ndim for a in axes):
        t = t.unsqueeze(a)
    return t


def squeeze(x, axis=None) -> Tensor:
    """Remove length-1 axes (all of them, or those in ``axis``, which must have length 1)."""
    t = _t(x)
    if axis is None:
        return t.squeeze()
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    axes = sorted((a % t.ndim for a in axes), reverse=True)
    for a in axes:
        if t.shape[a] != 1:
            raise ValueError(f"squeeze(): cannot squeeze axis {a} of a tensor of shape "
                             f"{tuple(t.shape)}: its size is {t.shape[a]}, not 1")
    for a in axes:
        t = t.squeeze(a)
    return t


def concatenate(xs, axis=0) -> Tensor:
    """Join tensors along an existing axis."""
    ts = [_t(x) for x in xs]
    return _E.cat(ts, dim=axis)


def stack(x, axis=0) -> Tensor:
    """Join tensors along a new axis."""
    return _E.stack([_t(v) for v in x], dim=axis)


def split(x, indices_or_sections, axis=0) -> list:
    """Split into equal sections (an int that must divide the axis) or at the given indices."""
    t = _t(x)
    if isinstance(indices_or_sections, int):
        n = t.shape[axis]
        if n % indices_or_sections:
            raise ValueError(f"split(): an axis of length {n} cannot be split into "
                             f"{indices_or_sections} equal sections; pass a list of indices "
                             "for unequal parts")
    else:
        indices_or_sections = [int(i) for i in indices_or_sections]
    return list(_E.tensor_split(t, indices_or_sections, dim=axis))


def tile(x, repeats) -> Tensor:
    """Repeat the whole tensor ``repeats`` times along each axis (``np.tile``)."""
    reps = (repeats,) if isinstance(repeats, int) else tuple(repeats)
    return _E.tile(_t(x), reps)


def repeat(x, repeats, axis=None) -> Tensor:
    """Repeat each element ``repeats`` times along ``axis`` (flattened when None)."""
    if not isinstance(repeats, int):
        repeats = _t(repeats)
    return _E.repeat_interleave(_t(x), repeats, dim=axis)


def flip(x, axis=None) -> Tensor:
    """Reverse the order of elements along ``axis`` (all axes when None)."""
    t = _t(x)
    axes = tuple(range(t.ndim)) if axis is None else (
        (axis,) if isinstance(axis, int) else tuple(axis))
    return _E.flip(t, axes)


def _indices(indices, size: int, like: Tensor) -> Tensor:
    idx = _t(indices, like)
    if idx.is_floating_point():
        idx = idx.to(B.as_dtype("int64"))
    if bool((idx < 0).any()):
        idx = _E.where(idx < 0, idx + size, idx)
    return idx


def take(x, indices, axis=None) -> Tensor:
    """Elements of ``x`` at ``indices`` along ``axis`` (``np.take``; negative indices wrap)."""
    t = _t(x)
    if axis is None:
        t, axis = t.reshape(-1), 0
    axis %= t.ndim
    idx = _indices(indices, t.shape[axis], t)
    picked = _E.index_select(t, axis, idx.reshape(-1))
    return picked.reshape(tuple(t.shape[:axis]) + tuple(idx.shape) + tuple(t.shape[axis + 1:]))


def take_along_axis(x, indices, axis=None) -> Tensor:
    """Pick values along ``axis`` with an index tensor of matching rank."""
    t = _t(x)
    size = t.numel() if axis is None else t.shape[axis]
    return _E.take_along_dim(t, _indices(indices, size, t), dim=axis)


def one_hot(x, num_classes, axis=-1, dtype=None) -> Tensor:
    """One-hot encoding (float32 by default); out-of-range indices such as -1 give zeros."""
    idx = _t(x)
    classes = _E.arange(num_classes, device=idx.device)
    out = (idx.unsqueeze(-1) == classes).to(_dtype(dtype) or B.get_default_dtype())
    return out if axis == -1 else _E.moveaxis(out, -1, axis)


def pad(x, pad_width, mode="constant", constant_values=None) -> Tensor:
    """Pad with NumPy's ``pad_width`` (an int, a pair, or one pair per axis)."""
    t = _t(x)
    width = np.broadcast_to(np.asarray(pad_width, dtype=np.int64), (t.ndim, 2))
    flat = []
    for before, after in width[::-1]:
        flat += [int(before), int(after)]
    modes = {"constant": "constant", "reflect": "reflect", "edge": "replicate",
             "symmetric": None, "wrap": "circular"}
    if modes.get(mode) is None:
        raise ValueError(f"pad(): mode {mode!r} is not supported; use one of "
                         "'constant', 'reflect', 'edge', 'wrap'")
    if mode == "constant":
        return _E.pad(t, tuple(flat), mode="constant", value=constant_values or 0)
    if constant_values is not None:
        raise ValueError(f"pad(): constant_values only goes with mode='constant', not {mode!r}")
    while flat and flat[-2:] == [0, 0]:  # PyTorch pads only the trailing axes it is given
        flat = flat[:-2]
    return _E.pad(t, tuple(flat), mode=modes[mode])


def sort(x, axis=-1) -> Tensor:
    """``x`` sorted in ascending order along ``axis``."""
    return _E.sort(_t(x), dim=axis).values


def argsort(x, axis=-1) -> Tensor:
    """Indices that sort ``x`` along ``axis``."""
    return _E.sort(_t(x), dim=axis, stable=True).indices


def top_k(x, k, sorted=True) -> tuple:  # noqa: A002  (Keras's name)
    """The ``k`` largest values along the last axis and their indices."""
    out = _E.topk(_t(x), k, dim=-1, largest=True, sorted=sorted)
    return out.values, out.indices


# -- linear algebra -----------------------------------------------------------------------------


def matmul(x1, x2) -> Tensor:
    """Matrix product with NumPy's broadcasting rules."""
    a = _t(x1)
    return _E.matmul(a, _t(x2, a))


def dot(x1, x2) -> Tensor:
    """``np.dot``: products of scalars, inner products of vectors, matrix products, and sums
    over the last axis of ``x1`` and the second-to-last of ``x2``."""
    a = _t(x1)
    b = _t(x2, a)
    if a.ndim == 0 or b.ndim == 0:
        return a * b
    if b.ndim == 1:
        return _E.tensordot(a, b, dims=([a.ndim - 1], [0]))
    return _E.tensordot(a, b, dims=([a.ndim - 1], [b.ndim - 2]))


def einsum(subscripts, *operands) -> Tensor:
    """Einstein summation over ``operands`` (``np.einsum``)."""
    ts = [_t(o) for o in operands]
    return _E.einsum(subscripts, *ts)


# -- neural-network functions -------------------------------------------------------------------


def relu(x) -> Tensor:
    """max(x, 0)."""
    return _E.relu(_float(x))


def relu6(x) -> Tensor:
    """min(max(x, 0), 6)."""
    return _E.relu6(_float(x))


def sigmoid(x) -> Tensor:
    """1 / (1 + exp(-x))."""
    return _E.sigmoid(_float(x))


def tanh(x) -> Tensor:
    """Hyperbolic tangent."""
    return _E.tanh(_float(x))


def silu(x) -> Tensor:
    """x · sigmoid(x) (swish)."""
    return _E.silu(_float(x))


def softplus(x) -> Tensor:
    """log(1 + exp(x))."""
    return _E.softplus(_float(x))


def softsign(x) -> Tensor:
    """x / (1 + |x|)."""
    return _E.softsign(_float(x))


def elu(x, alpha=1.0) -> Tensor:
    """x for x > 0, alpha·(exp(x) − 1) otherwise."""
    return _E.elu(_float(x), alpha)


def selu(x) -> Tensor:
    """Scaled ELU with the self-normalising constants."""
    return _E.selu(_float(x))


def leaky_relu(x, negative_slope=0.2) -> Tensor:
    """x for x > 0, negative_slope·x otherwise (Keras's default slope is 0.2)."""
    return _E.leaky_relu(_float(x), negative_slope)


def gelu(x, approximate=True) -> Tensor:
    """Gaussian error linear unit; Keras's default is the tanh approximation."""
    return _E.gelu(_float(x), approximate="tanh" if approximate else "none")


def softmax(x, axis=-1) -> Tensor:
    """exp(x) / sum(exp(x)) along ``axis`` (over all elements when None)."""
    t = _float(x)
    if axis is None:
        return _E.softmax(t.reshape(-1), 0).reshape(tuple(t.shape))
    return _E.softmax(t, axis)


def log_softmax(x, axis=-1) -> Tensor:
    """x − logsumexp(x) along ``axis`` (over all elements when None)."""
    t = _float(x)
    if axis is None:
        return _E.log_softmax(t.reshape(-1), 0).reshape(tuple(t.shape))
    return _E.log_softmax(t, axis)


def stop_gradient(x) -> Tensor:
    """``x`` cut from the autograd graph: no gradient flows through it."""
    with no_grad():
        return _t(x).detach()

