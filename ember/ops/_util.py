"""Helpers every op family shares: broadcast-gradient reduction, argument checks, errors."""

from __future__ import annotations

import numbers

import numpy as np

from .. import backend as B
from ..autograd.grad_mode import state as grad_state
from ..tensor import Tensor


def sum_to(grad: Tensor, shape) -> Tensor:
    """Reduce ``grad`` to ``shape`` by summing over the axes that broadcasting expanded.

    The one place where every op's backward undoes broadcasting.
    """
    shape = tuple(shape)
    gshape = grad._data.shape
    if gshape == shape:
        return grad
    lead = len(gshape) - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, s in enumerate(shape) if s == 1 and gshape[lead + i] != 1
    )
    from .reduction import sum as _sum  # reduction builds on this module

    out = _sum(grad, dim=axes, keepdim=True) if axes else grad
    if lead:
        out = out.reshape(shape)
    return out


def normalize_dim(dim: int, ndim: int, op: str = "op") -> int:
    """``dim`` as a non-negative index into ``ndim`` dimensions (0-d tensors accept 0 and -1)."""
    n = max(ndim, 1)
    if not isinstance(dim, (int, np.integer)) or isinstance(dim, bool):
        raise TypeError(f"{op}(): dim must be an int, got {type(dim).__name__}")
    if not -n <= dim < n:
        raise IndexError(
            f"{op}(): Dimension out of range (expected to be in range of [{-n}, {n - 1}], "
            f"but got {dim})"
        )
    return int(dim) % n


def normalize_dims(dim, ndim: int, op: str = "op") -> tuple[int, ...]:
    """A dim, a tuple/list of dims or None (all dims) as a sorted tuple of non-negative dims."""
    if dim is None:
        return tuple(range(ndim))
    if isinstance(dim, (int, np.integer)):
        return (normalize_dim(dim, ndim, op),) if ndim else ()
    dims = tuple(normalize_dim(d, ndim, op) for d in dim)
    if len(set(dims)) != len(dims):
        raise RuntimeError(f"{op}(): dim {tuple(dim)} appears multiple times in the list of dims")
    return tuple(sorted(dims)) if ndim else ()


def is_scalar(x) -> bool:
    if type(x) is float or type(x) is int:
        return True
    return isinstance(x, (numbers.Number, np.bool_)) and not isinstance(x, Tensor)


def check_tensor(x, op: str, name: str = "input") -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument '{name}' must be a Tensor, not {type(x).__name__}")
    return x


def check_same_device(op: str, *tensors) -> None:
    """Raise when tensors live on different devices, naming both and the fix."""
    if all(t is None or not isinstance(t, Tensor) or type(t._data) is np.ndarray for t in tensors):
        return  # all on the CPU
    first = None
    for t in tensors:
        if not isinstance(t, Tensor):
            continue
        if first is None:
            first = t
            continue
        if type(t._data) is not type(first._data) or t.device != first.device:
            raise RuntimeError(
                f"{op}(): Expected all tensors to be on the same device, but found at least two "
                f"devices, {first.device} and {t.device}! Move them with .to(device) first."
            )


def to_tensor(x, like: Tensor | None = None, dtype=None) -> Tensor:
    """A Python scalar, list or array as a tensor on ``like``'s device (tensors pass through)."""
    if isinstance(x, Tensor):
        return x
    from .creation import tensor

    return tensor(x, dtype=dtype, device=like.device if like is not None else None)


def cast(x: Tensor, dt: B.dtype) -> Tensor:
    """Differentiable dtype conversion (no-op when ``x`` already has ``dt``)."""
    if x._data.dtype == dt.np:
        return x
    from .conversion import to_dtype

    return to_dtype(x, dt)


def binary_operands(op: str, a, b):
    """Promote a binary op's operands by PyTorch's rules: tensors are cast to the result dtype,
    Python scalars stay scalars (so they never widen a float32 tensor). Returns (a, b, dtype)."""
    a_t, b_t = isinstance(a, Tensor), isinstance(b, Tensor)
    # Fast paths for the common cases: same-dtype tensors, float tensor with a Python number.
    if a_t and not b_t and _keeps_dtype(a, b):
        return a, b, _DTYPE_OF[a._data.dtype]
    if b_t and not a_t and _keeps_dtype(b, a):
        return a, b, _DTYPE_OF[b._data.dtype]
    if a_t and b_t:
        if a._data.dtype is b._data.dtype or a._data.dtype == b._data.dtype:
            if type(a._data) is not type(b._data):
                check_same_device(op, a, b)
            return a, b, a.dtype
        check_same_device(op, a, b)
    elif a_t:
        b = _as_operand(op, b, a)
    elif b_t:
        a = _as_operand(op, a, b)
    else:
        raise TypeError(
            f"{op}(): expected at least one Tensor argument, got {type(a).__name__} and "
            f"{type(b).__name__}"
        )
    dt = B.result_type(a, b)
    if isinstance(a, Tensor):
        a = cast(a, dt)
    elif dt.is_floating_point:
        a = float(a)
    if isinstance(b, Tensor):
        b = cast(b, dt)
    elif dt.is_floating_point:
        b = float(b)
    return a, b, dt


_DTYPE_OF = {d.np: d for d in B.dtypes.ALL if d.np is not None}


def _keeps_dtype(t, s) -> bool:
    """Whether a Python scalar ``s`` leaves tensor ``t``'s dtype unchanged (no work needed)."""
    cls = type(s)
    kind = t._data.dtype.kind
    if cls is float:
        return kind == "f"
    if cls is int:
        return kind in "fiu"
    return False


def _as_operand(op, x, like):
    if is_scalar(x):
        return x.item() if isinstance(x, np.generic) else x
    if isinstance(x, (list, tuple, np.ndarray)):
        return to_tensor(x, like)
    raise TypeError(f"{op}(): unsupported operand of type {type(x).__name__}")


def broadcast_shapes_for(op: str, *shapes) -> tuple:
    """The broadcast shape of ``shapes``, or an error naming the op and every shape."""
    try:
        return tuple(np.broadcast_shapes(*shapes))
    except ValueError:
        shown = " and ".join(str(tuple(s)) for s in shapes)
        raise RuntimeError(
            f"{op}(): shapes {shown} cannot be broadcast together: each trailing dimension "
            "must match or be 1. Reshape or unsqueeze one operand so the dimensions line up."
        ) from None


def wrap(data) -> Tensor:
    return Tensor._make(data)


def inplace(op: str, self: Tensor, out_of_place, *args, **kwargs) -> Tensor:
    """Run ``out_of_place(self, *args)`` and write the result into ``self``.

    When autograd records, ``self`` becomes the op's output in the graph (its old value is copied
    so the op's backward still sees it); the version counter is bumped so that any backward that
    saved the old value raises instead of using the new one.
    """
    if not isinstance(self, Tensor):
        raise TypeError(f"{op}(): expected a Tensor, got {type(self).__name__}")
    tracking = grad_state.enabled and (
        self._requires_grad or any(isinstance(a, Tensor) and a._requires_grad for a in args)
    )
    if not tracking:
        prev = grad_state.enabled
        grad_state.enabled = False
        try:
            result = out_of_place(self, *args, **kwargs)
        finally:
            grad_state.enabled = prev
        _write_into(op, self, result)
        return self
    if self._requires_grad and self.grad_fn is None:
        raise RuntimeError(
            f"{op}(): a leaf Variable that requires grad is being used in an in-place operation. "
            "Do it under `with ember.no_grad():` (e.g. a weight update) or use the out-of-place "
            "form."
        )
    if self._base is not None:
        # torch rewrites the base's history here (CopySlices); ember refuses rather than leave
        # the base without the gradient.
        raise RuntimeError(
            f"{op}(): in-place operation on a view while autograd is recording (the view's base "
            f"of shape {tuple(self._base.shape)} would not receive the gradient). Index the base "
            "in one step (e.g. `x[0, 1] = v` instead of `x[0][1] = v`), use the out-of-place "
            "form, or clone() the view first."
        )
    old = Tensor._make(self._data.copy(), self._requires_grad, self.grad_fn, self._output_nr)
    result = out_of_place(old, *args, **kwargs)
    _write_into(op, self, result)
    if result._requires_grad:
        self.grad_fn = result.grad_fn
        self._output_nr = result._output_nr
        self._requires_grad = True
    return self


def _write_into(op: str, self: Tensor, result: Tensor) -> None:
    if result._data.shape != self._data.shape:
        raise RuntimeError(
            f"{op}(): output with shape {tuple(self.shape)} doesn't match the broadcast shape "
            f"{tuple(result.shape)}; the in-place form can't change the tensor's shape"
        )
    if result._data.dtype != self._data.dtype:
        if self._data.dtype.kind != "f" and result._data.dtype.kind == "f":
            raise RuntimeError(
                f"{op}(): result type {result.dtype} can't be cast to the desired output type "
                f"{self.dtype}; use the out-of-place form or convert the tensor first"
            )
    self._data[...] = result._data
    self._vc[0] += 1
