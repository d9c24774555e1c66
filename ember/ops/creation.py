"""Creating tensors: from data (``tensor``, ``as_tensor``, ``from_numpy``, ``from_dlpack``),
filled (``zeros``, ``ones``, ``full``, ``empty``, ``eye``, the ``_like`` forms) and ranges
(``arange``, ``linspace``, ``logspace``). Random tensors live in ``ember.ops.random``."""

from __future__ import annotations

import math
import numbers

import numpy as np

from .. import backend as B
from ..autograd.grad_mode import state as grad_state
from ..tensor import Tensor

__all__ = ["tensor", "as_tensor", "from_numpy", "from_dlpack", "zeros", "ones", "full", "empty",
           "empty_strided", "eye", "arange", "linspace", "logspace",
           "zeros_like", "ones_like", "full_like", "empty_like"]
TENSOR_METHODS: tuple = ()

_BOOL = B.as_dtype("bool")
_INT64 = B.as_dtype("int64")
_PY_SCALARS = {bool: 0, int: 1, float: 2}
_PY_TYPES = frozenset(_PY_SCALARS)
_SUPPORTED = "bool, uint8, int8, int16, int32, int64, float16, float32, float64"
_NATIVE = tuple(B.as_dtype(n) for n in _SUPPORTED.split(", "))


# -- shared argument handling ------------------------------------------------------------------

def size_arg(size, op: str) -> tuple:
    """``f(2, 3)``, ``f((2, 3))``, ``f([2, 3])`` and ``f(ember.Size([2, 3]))`` all mean (2, 3)."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    out = []
    for s in size:
        if isinstance(s, Tensor) and s._data.size == 1 and s._data.dtype.kind in "iu":
            s = int(s.item())
        if not isinstance(s, (int, np.integer)) or isinstance(s, (bool, np.bool_)):
            raise TypeError(
                f"{op}(): size must be a tuple of ints, but got an element of type "
                f"{type(s).__name__} in {tuple(size)}; pass e.g. {op}(2, 3) or {op}((2, 3))"
            )
        if s < 0:
            raise RuntimeError(
                f"{op}(): Trying to create tensor with negative dimension {int(s)}: "
                f"{[int(x) if isinstance(x, (int, np.integer)) else x for x in size]}; "
                "every size must be >= 0"
            )
        out.append(int(s))
    return tuple(out)


def _varargs_size(op: str, size: tuple, kwargs: dict) -> tuple:
    """Sizes given as varargs, one sequence, or the keyword ``size=`` (torch accepts all)."""
    if "size" in kwargs:
        if size:
            raise TypeError(f"{op}(): got the size both positionally and as size=")
        size = (kwargs.pop("size"),)
    if kwargs:
        raise TypeError(f"{op}() got unexpected keyword argument(s) {sorted(kwargs)}")
    return size_arg(size, op)


def _dtype_arg(dtype, default=None) -> B.dtype:
    if dtype is None:
        return default if default is not None else B.get_default_dtype()
    return B.as_dtype(dtype)


def _finish(data, requires_grad: bool, out: Tensor | None = None, op: str = "op") -> Tensor:
    """Wrap a freshly made array (or write it into ``out``) and set ``requires_grad``."""
    if out is not None:
        return _write_out(op, out, data)
    t = Tensor._make(data)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _write_out(op: str, out, data) -> Tensor:
    """``out=``: the result is written into ``out`` (resized when its shape differs)."""
    if not isinstance(out, Tensor):
        raise TypeError(f"{op}(): argument 'out' must be a Tensor, not {type(out).__name__}")
    if grad_state.enabled and out._requires_grad:
        raise RuntimeError(
            f"{op}(): functions with out=... arguments don't support automatic differentiation, "
            "but the out tensor requires grad; call it under `with ember.no_grad():`"
        )
    if out._data.dtype != data.dtype:
        raise RuntimeError(
            f"{op}(): dtype {B.from_numpy_dtype(data.dtype)} does not match the dtype of the out "
            f"parameter ({out.dtype}); pass dtype={out.dtype} or an out tensor of the right dtype"
        )
    if out._data.shape == data.shape:
        out._data[...] = data
    else:
        out._data = data
    out._vc[0] += 1
    return out


def _out_dtype(dtype, out, default=None):
    """The dtype to create in: explicit ``dtype``, else ``out``'s, else ``default``."""
    if dtype is None and isinstance(out, Tensor):
        return out.dtype
    return _dtype_arg(dtype, default)


# -- from data ---------------------------------------------------------------------------------

class _Scan:
    """One walk over nested lists: the shape, the Python scalar kind and any typed leaves."""

    __slots__ = ("shape", "leaf_depth", "kind", "typed")

    def __init__(self):
        self.shape = []
        self.leaf_depth = None
        self.kind = -1      # -1 nothing, 0 bool, 1 int, 2 float (Python scalars)
        self.typed = None   # promoted dtype of NumPy scalars/arrays and tensors, if any

    def ragged(self, depth, got):
        raise ValueError(
            f"tensor(): expected sequence of length {self.shape[depth]} at dim {depth} "
            f"(got {got}); nested lists must be rectangular (every row the same length)"
        )

    def leaf_at(self, depth, x):
        if self.leaf_depth is None:
            self.leaf_depth = depth
            del self.shape[depth:]
        elif depth != self.leaf_depth:
            raise ValueError(
                f"tensor(): found a {type(x).__name__} at dim {depth} where other elements "
                f"are nested {self.leaf_depth - depth}-deep sequences; nested lists must be "
                "rectangular"
            )

    def block(self, shape, depth):
        """An array inside a list: its dimensions continue the shape from ``depth``."""
        for k, n in enumerate(shape):
            d = depth + k
            if self.leaf_depth is not None and d >= self.leaf_depth:
                raise ValueError(
                    f"tensor(): found an array of shape {tuple(shape)} at dim {depth} where other "
                    "elements are scalars; nested lists must be rectangular"
                )
            if d < len(self.shape):
                if self.shape[d] != n:
                    self.ragged(d, n)
            else:
                self.shape.append(n)
        self.leaf_at(depth + len(shape), shape)

    def add_typed(self, dt):
        self.typed = dt if self.typed is None else B.promote_types(self.typed, dt)

    def walk(self, x, depth):
        n = len(x)
        if depth < len(self.shape):
            if self.shape[depth] != n:
                self.ragged(depth, n)
        elif self.leaf_depth is not None and depth >= self.leaf_depth:
            raise ValueError(
                f"tensor(): found a sequence at dim {depth} where other elements are scalars; "
                "nested lists must be rectangular"
            )
        else:
            self.shape.append(n)
        types = set(map(type, x))
        if types and types <= _PY_TYPES:
            self.leaf_at(depth + 1, x[0])
            self.kind = max(self.kind, max(_PY_SCALARS[t] for t in types))
            return
        for item in x:
            self.item(item, depth + 1)

    def item(self, x, depth):
        t = type(x)
        if t in _PY_SCALARS:
            self.leaf_at(depth, x)
            self.kind = max(self.kind, _PY_SCALARS[t])
        elif t is list or t is tuple or isinstance(x, (list, tuple, range)):
            self.walk(x, depth)
        elif isinstance(x, Tensor):
            if x._data.size != 1:
                raise ValueError(
                    f"tensor(): only one-element tensors can be converted to Python scalars "
                    f"inside a list, got a tensor of shape {tuple(x.shape)}; use "
                    "ember.stack(list_of_tensors) to join tensors"
                )
            self.leaf_at(depth, x)
            self.add_typed(x.dtype)
        elif isinstance(x, np.ndarray):
            self.add_typed(_np_dtype("tensor", x.dtype))
            self.block(x.shape, depth)
        elif isinstance(x, np.generic):
            self.leaf_at(depth, x)
            self.add_typed(_np_dtype("tensor", x.dtype))
        elif isinstance(x, bool):
            self.leaf_at(depth, x)
            self.kind = max(self.kind, 0)
        elif isinstance(x, numbers.Integral):
            self.leaf_at(depth, x)
            self.kind = max(self.kind, 1)
        elif isinstance(x, numbers.Real):
            self.leaf_at(depth, x)
            self.kind = 2
        else:
            _bad_element(x)

    def dtype(self) -> B.dtype:
        py = (_BOOL, _INT64, B.get_default_dtype())[self.kind] if self.kind >= 0 else None
        if self.typed is None:
            return py if py is not None else B.get_default_dtype()
        return self.typed if py is None else B.promote_types(self.typed, py)


def _bad_element(x):
    what = "None" if x is None else type(x).__name__
    raise TypeError(
        f"tensor(): could not infer a dtype for an element of type {what}; expected numbers, "
        "nested lists/tuples of numbers, NumPy arrays or tensors"
    )


def _np_dtype(op: str, npd) -> B.dtype:
    """The ember dtype of a NumPy dtype, or a TypeError naming it and the supported list."""
    try:
        return B.from_numpy_dtype(npd)
    except TypeError:
        npd = np.dtype(npd)
        if not npd.isnative and npd.newbyteorder("=") in (d.np for d in _NATIVE):
            raise TypeError(
                f"{op}(): the array's dtype {npd} has a non-native byte order; convert it "
                "first with arr.astype(arr.dtype.newbyteorder('='))"
            ) from None
        raise TypeError(
            f"{op}(): can't convert an array of dtype {np.dtype(npd)}; the supported dtypes are "
            f"{_SUPPORTED} (complex, object and string arrays are not supported)"
        ) from None


def _from_sequence(data, dt) -> np.ndarray:
    """A host array of ``dt`` built from nested lists (``dt`` None: infer it like PyTorch)."""
    scan = _Scan()
    scan.item(data, 0)
    if dt is None:
        dt = scan.dtype()
    npd = B.to_numpy_dtype(dt)
    if scan.typed is not None:
        data = _unwrap_tensors(data)
    try:
        return np.array(data, dtype=npd)
    except OverflowError:
        try:
            wide = np.array(data)
        except OverflowError:
            wide = None
        if wide is None or wide.dtype == object:
            raise RuntimeError(
                f"tensor(): value cannot be converted to type {dt} without overflow"
            ) from None
        return wide.astype(npd)


def _unwrap_tensors(x):
    if isinstance(x, Tensor):
        return x._host().reshape(())
    if isinstance(x, (list, tuple)):
        return [_unwrap_tensors(v) for v in x]
    return x


def tensor(data, dtype=None, device=None, requires_grad: bool = False, pin_memory: bool = False
           ) -> Tensor:
    """A new tensor holding a copy of ``data``: a number, nested lists/tuples, an array or a tensor.

    Without ``dtype`` the type is inferred like PyTorch: Python floats give the default dtype,
    ints give int64, bools give bool (mixed lists take the widest kind); NumPy arrays and scalars
    keep theirs.

    >>> tensor([[1, 2], [3.5, 4]])
    tensor([[1.0000, 2.0000],
            [3.5000, 4.0000]])
    """
    dt = B.as_dtype(dtype) if dtype is not None else None
    dev = B.as_device(device) if device is not None else None
    if isinstance(data, Tensor):
        src = data._data
        target = dev if dev is not None else data.device
        npd = B.to_numpy_dtype(dt) if dt is not None else src.dtype
        if target == data.device:
            arr = data.xp.array(src, dtype=npd, copy=True)
        else:
            arr = B.to_device(src.astype(npd, copy=False), target)
            if arr is src:
                arr = arr.copy()
        return _finish(arr, requires_grad)
    if isinstance(data, (list, tuple)):
        host = _from_sequence(data, dt)
    elif isinstance(data, (np.ndarray, np.generic)):
        # a copy anyway, so a non-native byte order is simply converted
        src_dt = _np_dtype("tensor", data.dtype if data.dtype.isnative
                           else data.dtype.newbyteorder("="))
        host = np.array(data, dtype=B.to_numpy_dtype(dt or src_dt), copy=True)
    elif type(data) in _PY_SCALARS or isinstance(data, numbers.Real):
        host = _from_sequence(data, dt)
    elif hasattr(data, "__array__") or hasattr(data, "__array_interface__"):
        arr = np.asarray(data)
        host = np.array(arr, dtype=B.to_numpy_dtype(dt or _np_dtype("tensor", arr.dtype)),
                        copy=True)
    elif isinstance(data, range):
        host = _from_sequence(list(data), dt)
    else:
        _bad_element(data)
    if dev is not None and dev.type != "cpu":
        host = B.to_device(host, dev)
    return _finish(host, requires_grad)


def as_tensor(data, dtype=None, device=None) -> Tensor:
    """``data`` as a tensor, sharing memory when no conversion is needed.

    A NumPy array of a supported dtype (and a tensor) with matching ``dtype``/``device`` is
    wrapped without a copy, so changes to one show in the other; anything else is copied.

    >>> import numpy as np
    >>> a = np.array([1.0, 2.0])
    >>> t = as_tensor(a); a[0] = 5.0; t
    tensor([5., 2.], dtype=ember.float64)
    """
    dt = B.as_dtype(dtype) if dtype is not None else None
    dev = B.as_device(device) if device is not None else None
    if isinstance(data, Tensor):
        return data.to(*(x for x in (dev, dt) if x is not None))
    if not isinstance(data, np.ndarray) and not isinstance(data, (list, tuple, np.generic)) and (
            hasattr(data, "__array__") or hasattr(data, "__array_interface__")):
        data = np.asarray(data)  # e.g. a CPU torch tensor: a view of its memory
    if isinstance(data, np.ndarray):
        if not data.dtype.isnative:  # can't share: convert to the native byte order
            data = data.astype(data.dtype.newbyteorder("="))
        src_dt = _np_dtype("as_tensor", data.dtype)
        arr = data if dt is None or dt is src_dt else data.astype(B.to_numpy_dtype(dt))
        if dev is not None and dev.type != "cpu":
            arr = B.to_device(arr, dev)
        return Tensor._make(arr)
    return tensor(data, dtype=dt, device=dev)


def from_numpy(ndarray: np.ndarray) -> Tensor:
    """A tensor sharing memory with ``ndarray`` (changes to one show in the other).

    >>> import numpy as np
    >>> a = np.arange(3)
    >>> t = from_numpy(a); t[0] = 7; a
    array([7, 1, 2])
    """
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(
            f"from_numpy(): expected np.ndarray (got {type(ndarray).__name__}); use "
            "ember.tensor(data) for Python data"
        )
    _np_dtype("from_numpy", ndarray.dtype)
    return Tensor._make(ndarray)


_DL_CPU, _DL_CUDA, _DL_CUDA_HOST, _DL_CUDA_MANAGED = 1, 2, 3, 13


class _Capsule:
    """A bare DLPack capsule (``torch.utils.dlpack.to_dlpack``) with the ``__dlpack__`` protocol."""

    def __init__(self, capsule):
        self._capsule = capsule

    def __dlpack__(self, *args, **kwargs):
        return self._capsule

    def __dlpack_device__(self):
        return (_DL_CPU, 0)


def from_dlpack(ext_tensor) -> Tensor:
    """A tensor sharing memory with any object that implements DLPack (``__dlpack__``):
    NumPy arrays, CPU torch tensors, CuPy arrays and CUDA tensors (through CuPy).

    >>> import numpy as np
    >>> a = np.ones(2, dtype=np.float32)
    >>> t = from_dlpack(a); a[1] = 3.0; t
    tensor([1., 3.])
    """
    if isinstance(ext_tensor, Tensor):
        return ext_tensor.detach()
    ext = ext_tensor
    if not hasattr(ext, "__dlpack__"):
        if type(ext).__name__ == "PyCapsule":
            ext = _Capsule(ext)
        else:
            raise TypeError(
                f"from_dlpack(): expected an object with __dlpack__ (a NumPy array, a torch "
                f"tensor, a CuPy array) or a DLPack capsule, got {type(ext).__name__}"
            )
    dev_type, dev_id = ext.__dlpack_device__() if hasattr(ext, "__dlpack_device__") else (1, 0)
    if dev_type in (_DL_CPU, _DL_CUDA_HOST):
        arr = np.from_dlpack(ext)
    elif dev_type in (_DL_CUDA, _DL_CUDA_MANAGED):
        cp = B.cupy()
        with cp.cuda.Device(int(dev_id)):
            arr = cp.from_dlpack(ext)
    else:
        raise RuntimeError(
            f"from_dlpack(): unsupported DLPack device type {dev_type}; ember handles CPU (1) "
            "and CUDA (2) memory"
        )
    _np_dtype("from_dlpack", arr.dtype)
    return Tensor._make(arr)


# -- filled ------------------------------------------------------------------------------------

def _filled(op, shape, fill, dt, device, requires_grad, out=None):
    dev = B.as_device(device)
    xp = B.array_module(dev)
    npd = B.to_numpy_dtype(dt)
    if dev.type != "cpu":
        with B.cupy().cuda.Device(dev.index or 0):
            data = _fill_array(xp, shape, fill, npd)
    else:
        data = _fill_array(xp, shape, fill, npd)
    return _finish(data, requires_grad, out, op)


def _fill_array(xp, shape, fill, npd):
    if fill is None:
        return xp.empty(shape, dtype=npd)
    if fill == 0:
        return xp.zeros(shape, dtype=npd)
    if fill == 1:
        return xp.ones(shape, dtype=npd)
    return xp.full(shape, fill, dtype=npd)


def zeros(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False,
          **kwargs) -> Tensor:
    """A tensor of zeros: ``zeros(2, 3)``, ``zeros((2, 3))`` or ``zeros(size=(2, 3))``.

    >>> zeros(2, 3)
    tensor([[0., 0., 0.],
            [0., 0., 0.]])
    """
    shape = _varargs_size("zeros", size, kwargs)
    return _filled("zeros", shape, 0, _out_dtype(dtype, out), device, requires_grad, out)


def ones(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False,
         **kwargs) -> Tensor:
    """A tensor of ones.

    >>> ones(2, dtype=ember.int64)
    tensor([1, 1])
    """
    shape = _varargs_size("ones", size, kwargs)
    return _filled("ones", shape, 1, _out_dtype(dtype, out), device, requires_grad, out)


def empty(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False,
          pin_memory=False, memory_format=None, **kwargs) -> Tensor:
    """An uninitialised tensor: its values are whatever the memory held.

    >>> empty(2, 3).shape
    ember.Size([2, 3])
    """
    shape = _varargs_size("empty", size, kwargs)
    return _filled("empty", shape, None, _out_dtype(dtype, out), device, requires_grad, out)


def _scalar_value(op: str, value, name: str = "fill_value"):
    """A fill value as a Python scalar (0-d tensors and NumPy scalars are unwrapped)."""
    if isinstance(value, Tensor):
        if value._data.size != 1:
            raise RuntimeError(
                f"{op}(): {name} must be a number or a one-element tensor, got a tensor of "
                f"shape {tuple(value.shape)}"
            )
        value = value.item()
    elif isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        if isinstance(value, bool):
            return value
        raise TypeError(
            f"{op}(): {name} must be a real number (bool, int or float), got "
            f"{type(value).__name__}; complex values are not supported"
        )
    return value


def full(size, fill_value, *, out=None, dtype=None, layout=None, device=None,
         requires_grad=False) -> Tensor:
    """A tensor of shape ``size`` filled with ``fill_value``.

    The dtype follows the value like PyTorch's: bool gives bool, int gives int64, float gives
    the default dtype.

    >>> full((2,), 7)
    tensor([7, 7])
    """
    shape = size_arg(size if isinstance(size, (tuple, list)) else (size,), "full")
    fill_value = _scalar_value("full", fill_value)
    if dtype is None and out is None:
        dt = _scalar_dtype(fill_value)
    else:
        dt = _out_dtype(dtype, out)
    fill_value = _check_fits("full", fill_value, dt)
    return _filled("full", shape, fill_value, dt, device, requires_grad, out)


def _scalar_dtype(v) -> B.dtype:
    if isinstance(v, bool):
        return _BOOL
    if isinstance(v, numbers.Integral):
        return _INT64
    return B.get_default_dtype()


def _check_fits(op: str, value, dt: B.dtype):
    """A fill value for ``dt``: PyTorch refuses one that an integer dtype can't hold (nan, inf,
    overflow) but lets negative values wrap around in unsigned dtypes."""
    if dt.is_floating_point or dt is _BOOL:
        return value
    info = np.iinfo(dt.np)
    low = -info.max if info.min == 0 else info.min
    if not math.isfinite(value) or not low <= value <= info.max:
        raise RuntimeError(
            f"{op}(): value {value} cannot be converted to type {dt} without overflow "
            f"(range [{low}, {info.max}])"
        )
    if value < 0 and info.min == 0:
        return int(value) % (info.max + 1)
    return value


def empty_strided(size, stride, *, dtype=None, layout=None, device=None, requires_grad=False,
                  pin_memory=False) -> Tensor:
    """An uninitialised tensor with the given ``size`` and ``stride`` (in elements).

    >>> empty_strided((2, 3), (1, 2)).stride()
    (1, 2)
    """
    shape = size_arg(size if isinstance(size, (tuple, list)) else (size,), "empty_strided")
    strides = tuple(stride) if isinstance(stride, (tuple, list)) else (stride,)
    if len(strides) != len(shape) or not all(
            isinstance(s, (int, np.integer)) and not isinstance(s, bool) and s >= 0
            for s in strides):
        raise RuntimeError(
            f"empty_strided(): stride {strides} must be non-negative ints, one per dimension of "
            f"size {shape}"
        )
    dt = _dtype_arg(dtype)
    dev = B.as_device(device)
    xp = B.array_module(dev)
    npd = B.to_numpy_dtype(dt)
    extent = 0 if 0 in shape else 1 + sum((n - 1) * s for n, s in zip(shape, strides))
    buf = xp.empty(extent, dtype=npd)
    arr = xp.lib.stride_tricks.as_strided(
        buf, shape, tuple(int(s) * buf.itemsize for s in strides))
    return _finish(arr, requires_grad)


def eye(n, m=None, *, out=None, dtype=None, layout=None, device=None, requires_grad=False
        ) -> Tensor:
    """The ``n`` x ``m`` identity matrix (ones on the diagonal, ``m`` defaults to ``n``).

    >>> eye(2, 3)
    tensor([[1., 0., 0.],
            [0., 1., 0.]])
    """
    for name, v in (("n", n), ("m", m)):
        if v is None:
            continue
        if not isinstance(v, (int, np.integer)) or isinstance(v, bool):
            raise TypeError(f"eye(): argument '{name}' must be int, not {type(v).__name__}")
        if v < 0:
            raise RuntimeError(f"eye(): {name} must be greater or equal to 0, got {v}")
    m = n if m is None else m
    dt = _out_dtype(dtype, out)
    dev = B.as_device(device)
    data = B.array_module(dev).eye(int(n), int(m), dtype=B.to_numpy_dtype(dt))
    return _finish(data, requires_grad, out, "eye")


# -- ranges ------------------------------------------------------------------------------------

def _number(op: str, name: str, v):
    """A range endpoint or step as a Python number (0-d tensors and NumPy scalars unwrapped)."""
    if isinstance(v, Tensor):
        if v._data.size != 1:
            raise RuntimeError(
                f"{op}(): {name} must be a number or a one-element tensor, got shape "
                f"{tuple(v.shape)}")
        return v.item()
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, bool) or not isinstance(v, numbers.Real):
        raise TypeError(f"{op}(): argument '{name}' must be a number, not {type(v).__name__}")
    return v


def arange(start=0, end=None, step=1, *, out=None, dtype=None, layout=None, device=None,
           requires_grad=False, pin_memory=False) -> Tensor:
    """Values from ``start`` (default 0) up to but excluding ``end``, ``step`` apart:
    ``arange(end)``, ``arange(start, end)``, ``arange(start, end, step)``.

    The size is ``ceil((end - start) / step)``; the dtype is int64 when every argument is an
    int, else the default float dtype.

    >>> arange(4)
    tensor([0, 1, 2, 3])
    >>> arange(1, 2.5, 0.5)
    tensor([1.0000, 1.5000, 2.0000])
    """
    if end is None:
        start, end = 0, start
    start, end, step = (_number("arange", n, v)
                        for n, v in (("start", start), ("end", end), ("step", step)))
    all_int = all(isinstance(v, numbers.Integral) for v in (start, end, step))
    dt = _out_dtype(dtype, out, _INT64 if all_int else None)
    if dt is _BOOL:
        raise RuntimeError("arange(): not implemented for dtype ember.bool; use an integer dtype "
                           "and .bool()")
    for v in (start, end):
        if not math.isfinite(v):
            raise RuntimeError(f"arange(): unsupported range: {start} -> {end} (must be finite)")
    if not dt.is_floating_point:
        fstart, fend, fstep = float(start), float(end), float(step)
        start, end, step = int(start), int(end), int(step)  # truncated like PyTorch's kernel
        if dt is _INT64:
            fstart, fend, fstep = float(start), float(end), float(step)
    else:
        fstart, fend, fstep = float(start), float(end), float(step)
    if step == 0:
        raise RuntimeError("arange(): step must be nonzero")
    if (fend - fstart) * fstep < 0:
        raise RuntimeError(
            f"arange(): upper bound and lower bound inconsistent with step sign (start={start}, "
            f"end={end}, step={step})")
    n = max(int(math.ceil((fend - fstart) / fstep)), 0)
    dev = B.as_device(device)
    xp = B.array_module(dev)
    npd = B.to_numpy_dtype(dt)
    if not dt.is_floating_point:
        data = xp.arange(n, dtype=np.int64)
        if step != 1:
            data *= step
        if start:
            data += start
        data = data.astype(npd, copy=False)
    else:
        # start + i * step in the output's precision (float16 via float32): within an ulp of
        # PyTorch's values, which depend on its SIMD width.
        ct = npd.type if npd != np.float16 else np.float32
        data = xp.arange(n, dtype=ct)
        if fstep != 1.0:
            data *= ct(fstep)
        if fstart != 0.0:
            data += ct(fstart)
        data = data.astype(npd, copy=False)
    return _finish(data, requires_grad, out, "arange")


def _steps_arg(op: str, steps) -> int:
    if isinstance(steps, Tensor) and steps._data.size == 1:
        steps = steps.item()
    if not isinstance(steps, (int, np.integer)) or isinstance(steps, bool):
        raise TypeError(f"{op}(): argument 'steps' must be int, not {type(steps).__name__}")
    if steps < 0:
        raise RuntimeError(f"{op}(): number of steps must be non-negative, got {steps}")
    return int(steps)


def _linear(xp, start, end, steps, ct):
    """PyTorch's symmetric linspace: the first half counts up from ``start``, the second half
    counts down from ``end``, so both endpoints are exact; computed in ``ct``."""
    if steps == 1:
        return xp.full(1, start, dtype=ct)
    s, e = ct(start), ct(end)
    step = (e - s) / ct(steps - 1)
    half = steps // 2
    out = xp.arange(steps, dtype=ct)
    lo, hi = out[:half], out[half:]
    lo *= step
    lo += s
    hi -= ct(steps - 1)
    hi *= step
    hi += e
    return out


def linspace(start, end, steps, *, out=None, dtype=None, layout=None, device=None,
             requires_grad=False) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end``, both included.

    >>> linspace(0, 1, 5)
    tensor([0.0000, 0.2500, 0.5000, 0.7500, 1.0000])
    """
    start, end = _number("linspace", "start", start), _number("linspace", "end", end)
    steps = _steps_arg("linspace", steps)
    dt = _out_dtype(dtype, out)
    dev = B.as_device(device)
    xp = B.array_module(dev)
    npd = B.to_numpy_dtype(dt)
    if dt.is_floating_point:
        ct = npd.type if npd != np.float16 else np.float32
        data = _linear(xp, start, end, steps, ct).astype(npd, copy=False)
    else:
        # Integer dtypes: the endpoints are cast first, the step is a double, values truncate.
        s, e = int(np.array(start).astype(npd)), int(np.array(end).astype(npd))
        data = _linear(xp, s, e, steps, np.float64).astype(npd)
    return _finish(data, requires_grad, out, "linspace")


def logspace(start, end, steps, base=10.0, *, out=None, dtype=None, layout=None, device=None,
             requires_grad=False) -> Tensor:
    """``steps`` values ``base ** x`` for ``x`` evenly spaced from ``start`` to ``end``.

    >>> logspace(0, 3, 4)
    tensor([   1.,   10.,  100., 1000.])
    """
    start, end = _number("logspace", "start", start), _number("logspace", "end", end)
    base = _number("logspace", "base", base)
    steps = _steps_arg("logspace", steps)
    dt = _out_dtype(dtype, out)
    dev = B.as_device(device)
    xp = B.array_module(dev)
    npd = B.to_numpy_dtype(dt)
    if dt.is_floating_point:
        ct = npd.type if npd != np.float16 else np.float32
        exps = _linear(xp, start, end, steps, ct)
        # Exponents in the output's precision, the power in double, like PyTorch.
        data = xp.power(float(base), exps.astype(np.float64)).astype(npd)
    else:
        s, e = int(np.array(start).astype(npd)), int(np.array(end).astype(npd))
        exps = _linear(xp, s, e, steps, np.float64)
        data = xp.power(float(base), exps).astype(npd)
    return _finish(data, requires_grad, out, "logspace")


# -- _like forms -------------------------------------------------------------------------------

def _like(op, input, fill, dtype, device, requires_grad):
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}(): argument 'input' must be a Tensor, not {type(input).__name__}")
    dt = B.as_dtype(dtype) if dtype is not None else input.dtype
    dev = B.as_device(device) if device is not None else input.device
    return _filled(op, input._data.shape, fill, dt, dev, requires_grad)


def zeros_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,
               memory_format=None) -> Tensor:
    """Zeros with the shape (and by default the dtype and device) of ``input``.

    >>> zeros_like(ember.tensor([1, 2]))
    tensor([0, 0])
    """
    return _like("zeros_like", input, 0, dtype, device, requires_grad)


def ones_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,
              memory_format=None) -> Tensor:
    """Ones with the shape (and by default the dtype and device) of ``input``.

    >>> ones_like(ember.zeros(2, dtype=ember.float64))
    tensor([1., 1.], dtype=ember.float64)
    """
    return _like("ones_like", input, 1, dtype, device, requires_grad)


def empty_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,
               memory_format=None) -> Tensor:
    """An uninitialised tensor with the shape, dtype and device of ``input``.

    >>> empty_like(ember.zeros(2, 3)).shape
    ember.Size([2, 3])
    """
    return _like("empty_like", input, None, dtype, device, requires_grad)


def full_like(input, fill_value, *, dtype=None, layout=None, device=None, requires_grad=False,
              memory_format=None) -> Tensor:
    """``fill_value`` everywhere, with the shape (and by default dtype and device) of ``input``.

    >>> full_like(ember.tensor([1, 2]), 3.7)
    tensor([3, 3])
    """
    value = _scalar_value("full_like", fill_value)
    dt = B.as_dtype(dtype) if dtype is not None else getattr(input, "dtype", None)
    if dt is not None:
        value = _check_fits("full_like", value, dt)
    return _like("full_like", input, value, dtype, device, requires_grad)
