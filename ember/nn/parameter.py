"""``Parameter``: a tensor that a ``Module`` registers as learnable when assigned to it."""

from __future__ import annotations

from ..tensor import Tensor


class Parameter(Tensor):
    """A leaf tensor that requires grad and is registered by ``Module.__setattr__``.

    >>> import ember
    >>> p = ember.nn.Parameter(ember.zeros(2))
    >>> p.requires_grad, p.is_leaf
    (True, True)
    """

    def __new__(cls, data: Tensor | None = None, requires_grad: bool = True):
        if data is None:
            from ..ops import empty

            data = empty(0)
        if not isinstance(data, Tensor):
            raise TypeError(
                f"Parameter(): expected a Tensor, got {type(data).__name__}; wrap arrays with "
                "ember.tensor(...) first"
            )
        p = object.__new__(cls)
        p._init(data._data, False)
        p._vc = data._vc
        if requires_grad:
            p.requires_grad_(True)
        return p

    def __init__(self, data=None, requires_grad=True):
        pass  # all the work is in __new__ (Tensor.__init__ must not run again)

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()

    def __reduce_ex__(self, protocol):
        return (_rebuild_parameter, (self._host(), self._requires_grad))

    def __deepcopy__(self, memo):
        from ..ops import tensor

        p = Parameter(tensor(self._host().copy()), self._requires_grad)
        if self._data is not self._host():
            p._data = self._data.copy()
        if self._grad is not None:
            p._grad = Tensor._make(self._grad._data.copy())
        memo[id(self)] = p
        return p


def _rebuild_parameter(array, requires_grad):
    import numpy as np

    return Parameter(Tensor._make(np.array(array)), requires_grad)


class Buffer(Tensor):
    """Marks a tensor to register as a buffer when assigned to a Module (like torch.nn.Buffer)."""

    def __new__(cls, data: Tensor, persistent: bool = True):
        b = object.__new__(cls)
        b._init(data._data, False)
        b.persistent = persistent
        return b

    def __init__(self, data=None, persistent=True):
        pass
