"""``ember.Tensor``: one backend array plus what autograd needs to know about it.

How any op is computed lives in ``ember.ops``; the methods and operators here delegate to it.
The op families add their methods (``x.sum()``, ``x.relu()``, ...) in ``ember/ops/__init__.py``.
"""

from __future__ import annotations

import numpy as np

from . import backend as B
from ._tensor_str import tensor_repr
from .autograd import engine as _engine
from .autograd import function as _function
from .autograd.grad_mode import state as _grad_state
from .backend import dtypes as _dt


class Size(tuple):
    """A tensor's shape: a tuple of ints that prints as ``ember.Size([2, 3])``."""

    def __repr__(self):
        return f"ember.Size({list(self)})"

    def __getitem__(self, index):
        out = tuple.__getitem__(self, index)
        return Size(out) if isinstance(index, slice) else out

    def __add__(self, other):
        return Size(tuple.__add__(self, tuple(other)))

    def __radd__(self, other):
        return Size(tuple(other) + tuple(self))

    def __mul__(self, n):
        return Size(tuple.__mul__(self, n))

    __rmul__ = __mul__

    def numel(self) -> int:
        n = 1
        for s in self:
            n *= s
        return n


class Tensor:
    """A multi-dimensional array that records operations for automatic differentiation.

    >>> import ember
    >>> x = ember.tensor([1.0, 2.0, 3.0], requires_grad=True)
    >>> y = (x * x).sum()
    >>> y.backward()
    >>> x.grad
    tensor([2., 4., 6.])
    """

    __slots__ = ("_data", "_requires_grad", "_grad", "grad_fn", "_output_nr", "_vc", "_base",
                 "_hooks", "_grad_acc", "_retains_grad", "__weakref__")
    __array_priority__ = 1000
    __array_ufunc__ = None  # NumPy defers ``ndarray + tensor`` to Tensor.__radd__

    def __init__(self, *args, dtype=None, device=None):
        # torch.Tensor(data) or torch.Tensor(*sizes): a legacy float constructor.
        if not args:
            args = (0,)
        if len(args) == 1 and not isinstance(args[0], (int, np.integer, Size)):
            data = _ops.tensor(args[0], dtype=dtype or B.get_default_dtype(), device=device)._data
        else:
            data = _ops.empty(*args, dtype=dtype, device=device)._data
        self._init(data)

    def _init(self, data, requires_grad=False, grad_fn=None, output_nr=0):
        self._data = data
        self._requires_grad = requires_grad
        self._grad = None
        self.grad_fn = grad_fn
        self._output_nr = output_nr
        self._vc = [0]
        self._base = None
        self._hooks = None
        self._grad_acc = None
        self._retains_grad = False

    @classmethod
    def _make(cls, data, requires_grad=False, grad_fn=None, output_nr=0) -> Tensor:
        """Wrap a backend array without copying (internal constructor)."""
        t = object.__new__(cls)
        t._data = data
        t._requires_grad = requires_grad
        t._grad = None
        t.grad_fn = grad_fn
        t._output_nr = output_nr
        t._vc = [0]
        t._base = None
        t._hooks = None
        t._grad_acc = None
        t._retains_grad = False
        return t

    # -- what the tensor is -------------------------------------------------------------------

    @property
    def shape(self) -> Size:
        return Size(self._data.shape)

    def size(self, dim: int | None = None):
        if dim is None:
            return Size(self._data.shape)
        return self._data.shape[_ops.normalize_dim(dim, self.ndim, "size")]

    @property
    def ndim(self) -> int:
        return self._data.ndim

    def dim(self) -> int:
        return self._data.ndim

    ndimension = dim

    @property
    def dtype(self) -> B.dtype:
        return B.from_numpy_dtype(self._data.dtype)

    @property
    def device(self) -> B.device:
        return B.device_of(self._data)

    @property
    def xp(self):
        """The array module (numpy or cupy) holding this tensor's data."""
        return B.module_of(self._data)

    @property
    def is_cuda(self) -> bool:
        return self.device.type == "cuda"

    @property
    def is_cpu(self) -> bool:
        return self.device.type == "cpu"

    def numel(self) -> int:
        return int(self._data.size)

    nelement = numel

    def element_size(self) -> int:
        return self._data.itemsize

    @property
    def itemsize(self) -> int:
        return self._data.itemsize

    @property
    def nbytes(self) -> int:
        return int(self._data.nbytes)

    def is_floating_point(self) -> bool:
        return self._data.dtype.kind == "f"

    def is_contiguous(self) -> bool:
        return bool(self._data.flags.c_contiguous)

    def stride(self, dim: int | None = None):
        strides = tuple(s // self._data.itemsize for s in self._data.strides)
        return strides if dim is None else strides[_ops.normalize_dim(dim, self.ndim, "stride")]

    @property
    def _version(self) -> int:
        return self._vc[0]

    # -- autograd -----------------------------------------------------------------------------

    @property
    def requires_grad(self) -> bool:
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool):
        if self.grad_fn is not None:
            if not value:
                raise RuntimeError(
                    "you can only change requires_grad flags of leaf variables. If you want to use "
                    "a computed variable in a subgraph that doesn't require differentiation use "
                    "var_no_grad = var.detach()."
                )
            return
        if value and self._data.dtype.kind != "f":
            raise RuntimeError(
                f"only Tensors of floating point dtype can require gradients (this one is "
                f"{self.dtype}); convert it first, e.g. `x.float().requires_grad_()`"
            )
        self._requires_grad = bool(value)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        self.requires_grad = requires_grad
        return self

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    @property
    def grad(self):
        return self._grad

    @grad.setter
    def grad(self, value):
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(
                    f"assigned grad should be a Tensor or None, got {type(value).__name__}"
                )
            if tuple(value.shape) != tuple(self.shape):
                raise RuntimeError(
                    f"assigned grad has data of a different size: the tensor has shape "
                    f"{tuple(self.shape)}, the grad {tuple(value.shape)}"
                )
        self._grad = value

    @property
    def retains_grad(self) -> bool:
        return self._retains_grad

    def retain_grad(self) -> None:
        """Keep ``.grad`` for this non-leaf tensor after ``backward`` (leaves always keep it)."""
        if self.grad_fn is None:
            if not self._requires_grad:
                raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
            return
        if self._retains_grad:
            return
        self._retains_grad = True
        target = self

        def store(g):
            if target._grad is None:
                target._grad = Tensor._make(g._data.copy()) if not _grad_state.enabled else g
            else:
                target._grad = target._grad + g
            return None

        self._add_node_hook(store)

    def register_hook(self, hook):
        """Call ``hook(grad)`` when this tensor's gradient is computed; it may return a new one.

        Returns a handle with ``remove()``.
        """
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is None:
            if self._hooks is None:
                self._hooks = []
            self._hooks.append(hook)
            return _function._RemovableHandle(self._hooks, hook)
        return self._add_node_hook(hook)

    def _add_node_hook(self, hook):
        node = self.grad_fn
        pre = node.__dict__.setdefault("_tensor_pre_hooks", {})
        hooks = pre.setdefault(self._output_nr, [])
        hooks.append(hook)
        return _function._RemovableHandle(hooks, hook)

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Compute the gradient of this tensor w.r.t. the leaves of its graph into their ``.grad``.

        A scalar needs no ``gradient``; for a non-scalar pass d(objective)/d(this tensor).
        """
        if inputs is not None:
            inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
            grads = _engine.run_backward([self], [gradient], retain_graph, create_graph, inputs,
                                         allow_unused=True)
            for t, g in zip(inputs, grads):
                if g is not None:
                    t._grad = g if t._grad is None else t._grad + g
            return
        _engine.run_backward([self], [gradient], retain_graph, create_graph)

    def detach(self) -> Tensor:
        """A tensor sharing this one's data, cut from the graph."""
        t = Tensor._make(self._data)
        t._vc = self._vc
        t._base = self._base
        return t

    def detach_(self) -> Tensor:
        if self._base is not None and self._base._requires_grad:
            raise RuntimeError("Can't detach views in-place. Use detach() instead.")
        self.grad_fn = None
        self._requires_grad = False
        return self

    @property
    def data(self) -> Tensor:
        """This tensor's values without autograd history (changes to it are not tracked)."""
        t = Tensor._make(self._data)
        return t

    @data.setter
    def data(self, value: Tensor):
        if not isinstance(value, Tensor):
            raise TypeError(f"data must be set to a Tensor, got {type(value).__name__}")
        self._data = value._data

    # -- conversions --------------------------------------------------------------------------

    def item(self):
        """The value of a one-element tensor as a Python number."""
        if self._data.size != 1:
            raise RuntimeError(
                f"a Tensor with {self._data.size} elements cannot be converted to Scalar; "
                "item() needs exactly one element (index it first, e.g. x[0].item())"
            )
        return self._data.reshape(()).item()

    def tolist(self):
        return self._host().tolist()

    def numpy(self, force: bool = False) -> np.ndarray:
        """The data as a NumPy array sharing memory (CPU tensors without grad tracking)."""
        if force:
            return np.array(self._host(), copy=True) if self.is_cuda else self._data
        if self._requires_grad:
            raise RuntimeError(
                "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() "
                "instead."
            )
        if not isinstance(self._data, np.ndarray):
            raise TypeError(
                f"can't convert {self.device} device type tensor to numpy. Use Tensor.cpu() to "
                "copy the tensor to host memory first."
            )
        return self._data

    def _host(self) -> np.ndarray:
        return self._data if isinstance(self._data, np.ndarray) else self._data.get()

    def __array__(self, dtype=None, copy=None):
        if self._requires_grad:
            # numpy(): PyTorch also refuses silently dropping the graph here.
            raise RuntimeError(
                "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() "
                "instead."
            )
        a = self._host()
        if dtype is not None:
            a = a.astype(dtype, copy=False)
        return np.array(a, copy=True) if copy else a

    def __dlpack__(self, *args, **kwargs):
        if self._requires_grad:
            raise RuntimeError(
                "Can't export a Tensor that requires grad with DLPack; use tensor.detach() first."
            )
        return self._data.__dlpack__(*args, **kwargs)

    def __dlpack_device__(self):
        return self._data.__dlpack_device__()

    def to(self, *args, **kwargs) -> Tensor:
        """``to(dtype)``, ``to(device)``, ``to(device, dtype)``, ``to(other)``: a converted tensor.

        Returns ``self`` when nothing changes, like PyTorch.
        """
        dev, dt = None, None
        copy = kwargs.pop("copy", False)
        kwargs.pop("non_blocking", None)
        for a in args:
            if isinstance(a, Tensor):
                dev, dt = a.device, a.dtype
            elif isinstance(a, (B.device, str, int)) and not isinstance(a, bool):
                dev = B.as_device(a)
            else:
                dt = B.as_dtype(a)
        if "device" in kwargs:
            dev = B.as_device(kwargs.pop("device"))
        if "dtype" in kwargs:
            dt = B.as_dtype(kwargs.pop("dtype"))
        if kwargs:
            raise TypeError(f"to() got unexpected keyword arguments {sorted(kwargs)}")
        out = self
        if dt is not None and dt is not out.dtype:
            out = _ops.to_dtype(out, dt)
        if dev is not None and dev != out.device:
            out = _ops.to_device(out, dev)
        if copy and out is self:
            out = self.clone()
        return out

    def cpu(self) -> Tensor:
        return self.to("cpu")

    def cuda(self, device=None) -> Tensor:
        return self.to(B.device("cuda", device if isinstance(device, int) else None)
                       if not isinstance(device, (str, B.device)) else device)

    def type(self, dtype=None):
        if dtype is None:
            return f"ember.{_LEGACY_NAMES.get(self.dtype.name, 'Tensor')}"
        return self.to(B.as_dtype(dtype))

    def float(self) -> Tensor:
        return self.to(_dt.float32)

    def double(self) -> Tensor:
        return self.to(_dt.float64)

    def half(self) -> Tensor:
        return self.to(_dt.float16)

    def long(self) -> Tensor:
        return self.to(_dt.int64)

    def int(self) -> Tensor:
        return self.to(_dt.int32)

    def short(self) -> Tensor:
        return self.to(_dt.int16)

    def byte(self) -> Tensor:
        return self.to(_dt.uint8)

    def char(self) -> Tensor:
        return self.to(_dt.int8)

    def bool(self) -> Tensor:
        return self.to(_dt.bool_)

    def type_as(self, other: Tensor) -> Tensor:
        return self.to(other.dtype)

    def new_tensor(self, data, dtype=None, device=None, requires_grad=False) -> Tensor:
        return _ops.tensor(data, dtype=dtype or self.dtype, device=device or self.device,
                           requires_grad=requires_grad)

    def new_zeros(self, *size, dtype=None, device=None, requires_grad=False) -> Tensor:
        return _ops.zeros(*size, dtype=dtype or self.dtype, device=device or self.device,
                          requires_grad=requires_grad)

    def new_ones(self, *size, dtype=None, device=None, requires_grad=False) -> Tensor:
        return _ops.ones(*size, dtype=dtype or self.dtype, device=device or self.device,
                         requires_grad=requires_grad)

    def new_full(self, size, fill_value, dtype=None, device=None, requires_grad=False) -> Tensor:
        return _ops.full(size, fill_value, dtype=dtype or self.dtype,
                         device=device or self.device, requires_grad=requires_grad)

    def new_empty(self, *size, dtype=None, device=None, requires_grad=False) -> Tensor:
        return _ops.empty(*size, dtype=dtype or self.dtype, device=device or self.device,
                          requires_grad=requires_grad)

    # -- Python protocols ---------------------------------------------------------------------

    def __repr__(self):
        return tensor_repr(self)

    def __format__(self, spec):
        if self._data.ndim == 0 or (spec and self._data.size == 1):
            return format(self.item(), spec)
        return format(repr(self), spec)

    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter(_ops.unbind(self, 0))

    def __bool__(self):
        if self._data.size != 1:
            raise RuntimeError(
                f"Boolean value of Tensor with more than one value is ambiguous (shape "
                f"{tuple(self.shape)}); use .any() or .all()"
            )
        return bool(self._data.reshape(()).item())

    def __float__(self):
        if self._data.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return float(self.item())

    def __int__(self):
        if self._data.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return int(self.item())

    def __index__(self):
        if self._data.dtype.kind not in "iub" or self._data.size != 1:
            raise TypeError(
                "only integer tensors of a single element can be converted to an index"
            )
        return int(self.item())

    def __complex__(self):
        return complex(self.item())

    __hash__ = object.__hash__

    def __contains__(self, element):
        return bool((self == element).any())

    def __reduce_ex__(self, protocol):
        return (_rebuild, (self._host(), self._requires_grad))

    def __deepcopy__(self, memo):
        if not self.is_leaf:
            raise RuntimeError(
                "Only Tensors created explicitly by the user (graph leaves) support the deepcopy "
                "protocol at the moment; use detach().clone() on computed tensors"
            )
        t = type(self)._make(self._data.copy(), self._requires_grad)
        if type(self) is not Tensor:
            t = object.__new__(type(self))
            t._init(self._data.copy(), self._requires_grad)
        if self._grad is not None:
            t._grad = Tensor._make(self._grad._data.copy())
        memo[id(self)] = t
        return t

    # -- operators (each delegates to ember.ops) ----------------------------------------------

    def __add__(self, o):
        return _ops.add(self, o)

    def __radd__(self, o):
        return _ops.add(o, self)

    def __iadd__(self, o):
        return _ops.add_(self, o)

    def __sub__(self, o):
        return _ops.sub(self, o)

    def __rsub__(self, o):
        return _ops.sub(o, self)

    def __isub__(self, o):
        return _ops.sub_(self, o)

    def __mul__(self, o):
        return _ops.mul(self, o)

    def __rmul__(self, o):
        return _ops.mul(o, self)

    def __imul__(self, o):
        return _ops.mul_(self, o)

    def __truediv__(self, o):
        return _ops.div(self, o)

    def __rtruediv__(self, o):
        return _ops.div(o, self)

    def __itruediv__(self, o):
        return _ops.div_(self, o)

    def __floordiv__(self, o):
        return _ops.floor_divide(self, o)

    def __rfloordiv__(self, o):
        return _ops.floor_divide(o, self)

    def __mod__(self, o):
        return _ops.remainder(self, o)

    def __rmod__(self, o):
        return _ops.remainder(o, self)

    def __pow__(self, o):
        return _ops.pow(self, o)

    def __rpow__(self, o):
        return _ops.pow(o, self)

    def __ipow__(self, o):
        return _ops.pow_(self, o)

    def __matmul__(self, o):
        return _ops.matmul(self, o)

    def __rmatmul__(self, o):
        return _ops.matmul(o, self)

    def __neg__(self):
        return _ops.neg(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return _ops.abs(self)

    def __invert__(self):
        return _ops.bitwise_not(self)

    def __and__(self, o):
        return _ops.bitwise_and(self, o)

    def __rand__(self, o):
        return _ops.bitwise_and(o, self)

    def __or__(self, o):
        return _ops.bitwise_or(self, o)

    def __ror__(self, o):
        return _ops.bitwise_or(o, self)

    def __xor__(self, o):
        return _ops.bitwise_xor(self, o)

    def __rxor__(self, o):
        return _ops.bitwise_xor(o, self)

    def __lshift__(self, o):
        return _ops.bitwise_left_shift(self, o)

    def __rlshift__(self, o):
        return _ops.bitwise_left_shift(o, self)

    def __rshift__(self, o):
        return _ops.bitwise_right_shift(self, o)

    def __rrshift__(self, o):
        return _ops.bitwise_right_shift(o, self)

    # Augmented assignment writes in place, like torch (without these, `x //= 2` would rebind).
    def __ifloordiv__(self, o):
        return self.floor_divide_(o)

    def __imod__(self, o):
        return self.remainder_(o)

    def __iand__(self, o):
        return self.bitwise_and_(o)

    def __ior__(self, o):
        return self.bitwise_or_(o)

    def __ixor__(self, o):
        return self.bitwise_xor_(o)

    def __ilshift__(self, o):
        return self.bitwise_left_shift_(o)

    def __irshift__(self, o):
        return self.bitwise_right_shift_(o)

    def where(self, condition, other):
        """``self`` where ``condition`` holds, else ``other``: ``where(condition, self, other)``."""
        return _ops.where(condition, self, other)

    def __eq__(self, o):
        return _ops.eq(self, o)

    def __ne__(self, o):
        return _ops.ne(self, o)

    def __lt__(self, o):
        return _ops.lt(self, o)

    def __le__(self, o):
        return _ops.le(self, o)

    def __gt__(self, o):
        return _ops.gt(self, o)

    def __ge__(self, o):
        return _ops.ge(self, o)

    def __getitem__(self, index):
        return _ops.getitem(self, index)

    def __setitem__(self, index, value):
        _ops.setitem_(self, index, value)

    @property
    def T(self) -> Tensor:
        """All dimensions reversed (``permute(n-1, ..., 0)``)."""
        return _ops.permute(self, tuple(range(self.ndim - 1, -1, -1)))

    @property
    def mT(self) -> Tensor:
        """The last two dimensions swapped (batched matrix transpose)."""
        if self.ndim < 2:
            raise RuntimeError(f"tensor.mT is only supported on matrices or batches of matrices. "
                               f"Got {self.ndim}-D tensor.")
        return _ops.transpose(self, -2, -1)

    @property
    def H(self) -> Tensor:
        return self.T

    @property
    def mH(self) -> Tensor:
        return self.mT


_LEGACY_NAMES = {"float32": "FloatTensor", "float64": "DoubleTensor", "float16": "HalfTensor",
                 "int64": "LongTensor", "int32": "IntTensor", "int16": "ShortTensor",
                 "int8": "CharTensor", "uint8": "ByteTensor", "bool": "BoolTensor"}


def _rebuild(array, requires_grad):
    return Tensor._make(np.array(array), requires_grad)


_function.Tensor = Tensor

from . import ops as _ops  # noqa: E402  (ops builds on Tensor; the two are one floor)
