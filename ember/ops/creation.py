"""Creating tensors: from data (``tensor``, ``as_tensor``, ``from_numpy``), filled
(``zeros``, ``ones``, ``full``, ``empty``, ``arange``, ``linspace``, ``eye``) and random."""

from __future__ import annotations

import numpy as np

from .. import backend as B
from ..tensor import Tensor

__all__ = ["tensor", "as_tensor", "from_numpy", "zeros", "ones", "full", "empty",
           "zeros_like", "ones_like", "full_like", "empty_like"]
TENSOR_METHODS: tuple = ()


def size_arg(size, op: str) -> tuple:
    """``f(2, 3)``, ``f((2, 3))`` and ``f([2, 3])`` all mean shape (2, 3)."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    out = []
    for s in size:
        if isinstance(s, Tensor):
            s = int(s.item())
        if not isinstance(s, (int, np.integer)) or isinstance(s, bool):
            raise TypeError(f"{op}(): size must be a tuple of ints, but got {type(s).__name__}")
        if s < 0:
            raise RuntimeError(f"{op}(): Trying to create tensor with negative dimension {s}: {tuple(size)}")
        out.append(int(s))
    return tuple(out)


def _finish(data, requires_grad: bool) -> Tensor:
    t = Tensor._make(data)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _infer_dtype(data) -> B.dtype:
    """The dtype ``torch.tensor`` picks for Python data: bool < int64 < default float."""
    kind = -1
    stack = [data]
    while stack:
        x = stack.pop()
        if isinstance(x, Tensor):
            return B.result_type(x)
        if isinstance(x, np.ndarray):
            return B.from_numpy_dtype(x.dtype)
        if isinstance(x, (list, tuple)):
            stack.extend(x)
        elif isinstance(x, (bool, np.bool_)):
            kind = max(kind, 0)
        elif isinstance(x, (int, np.integer)):
            kind = max(kind, 1)
        elif isinstance(x, (float, np.floating)):
            kind = 2
        else:
            raise TypeError(f"tensor(): can't convert an element of type {type(x).__name__}")
    if isinstance(data, (np.generic,)):
        return B.from_numpy_dtype(data.dtype)
    return (_BOOL, _INT64, B.get_default_dtype())[kind] if kind >= 0 else B.get_default_dtype()


_BOOL = B.as_dtype("bool")
_INT64 = B.as_dtype("int64")


def _to_host_array(data):
    if isinstance(data, Tensor):
        return data._host()
    if isinstance(data, (list, tuple)) and any(isinstance(x, Tensor) for x in data):
        return np.stack([_to_host_array(x) for x in data]) if data else np.array([])
    if isinstance(data, (list, tuple)):
        return np.array([_to_host_array(x) if isinstance(x, (list, tuple, Tensor)) else x
                         for x in data]) if any(isinstance(x, (list, tuple, Tensor)) for x in data) \
            else np.array(data)
    return np.asarray(data)


def tensor(data, dtype=None, device=None, requires_grad: bool = False, pin_memory: bool = False
           ) -> Tensor:
    """A new tensor holding a copy of ``data`` (nested lists, numbers, arrays or tensors).

    >>> tensor([[1, 2], [3, 4]]).dtype
    ember.int64
    """
    dt = B.as_dtype(dtype) if dtype is not None else _infer_dtype(data)
    host = _to_host_array(data)
    if host.dtype == object:
        raise ValueError("tensor(): nested sequences must be rectangular (all rows the same length)")
    host = np.array(host, dtype=B.to_numpy_dtype(dt), copy=True)
    dev = B.as_device(device) if device is not None else (
        data.device if isinstance(data, Tensor) else B.CPU)
    return _finish(B.to_device(host, dev) if dev.type != "cpu" else host, requires_grad)


def as_tensor(data, dtype=None, device=None) -> Tensor:
    """Like ``tensor`` but shares memory with a NumPy array or tensor when it can."""
    dt = B.as_dtype(dtype) if dtype is not None else None
    dev = B.as_device(device) if device is not None else None
    if isinstance(data, Tensor):
        return data.to(*(x for x in (dev, dt) if x is not None))
    if isinstance(data, np.ndarray) and (dev is None or dev.type == "cpu"):
        if dt is None:
            B.from_numpy_dtype(data.dtype)
            return Tensor._make(data)
        return Tensor._make(data.astype(B.to_numpy_dtype(dt), copy=False))
    return tensor(data, dtype=dt, device=dev)


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing memory with ``array`` (changes to one show in the other)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy(): expected np.ndarray (got {type(array).__name__})")
    B.from_numpy_dtype(array.dtype)
    return Tensor._make(array)


def _filled(op, size, fill, dtype, device, requires_grad):
    shape = size_arg(size, op)
    dt = B.as_dtype(dtype) if dtype is not None else B.get_default_dtype()
    dev = B.as_device(device)
    xp = B.array_module(dev)
    npd = B.to_numpy_dtype(dt)
    if fill is None:
        data = xp.empty(shape, dtype=npd)
    elif fill == 0:
        data = xp.zeros(shape, dtype=npd)
    else:
        data = xp.full(shape, fill, dtype=npd)
    return _finish(data, requires_grad)


def zeros(*size, dtype=None, device=None, requires_grad=False, out=None) -> Tensor:
    """A tensor of zeros: ``zeros(2, 3)`` or ``zeros((2, 3))``."""
    return _filled("zeros", size, 0, dtype, device, requires_grad)


def ones(*size, dtype=None, device=None, requires_grad=False, out=None) -> Tensor:
    """A tensor of ones."""
    return _filled("ones", size, 1, dtype, device, requires_grad)


def empty(*size, dtype=None, device=None, requires_grad=False, out=None, pin_memory=False,
          memory_format=None) -> Tensor:
    """An uninitialised tensor (its values are whatever memory held)."""
    return _filled("empty", size, None, dtype, device, requires_grad)


def full(size, fill_value, dtype=None, device=None, requires_grad=False) -> Tensor:
    """A tensor filled with ``fill_value``; the dtype follows the value like PyTorch's."""
    if dtype is None:
        dtype = B.result_type(fill_value)
    return _filled("full", (size,), fill_value, dtype,
                   device, requires_grad)


def _like(op, input, fill, dtype, device, requires_grad):
    return _filled(op, (tuple(input.shape),), fill, dtype or input.dtype, device or input.device,
                   requires_grad)


def zeros_like(input, dtype=None, device=None, requires_grad=False, memory_format=None) -> Tensor:
    return _like("zeros_like", input, 0, dtype, device, requires_grad)


def ones_like(input, dtype=None, device=None, requires_grad=False, memory_format=None) -> Tensor:
    return _like("ones_like", input, 1, dtype, device, requires_grad)


def empty_like(input, dtype=None, device=None, requires_grad=False, memory_format=None) -> Tensor:
    return _like("empty_like", input, None, dtype, device, requires_grad)


def full_like(input, fill_value, dtype=None, device=None, requires_grad=False,
              memory_format=None) -> Tensor:
    return _like("full_like", input, fill_value, dtype, device, requires_grad)
