"""``Function``: a differentiable op as a forward and a backward, and the graph nodes it makes.

Calling ``SomeFunction.apply(*args)`` runs ``forward`` with recording switched off and, when an
input requires grad, returns outputs whose ``grad_fn`` is the context object itself: the context
is the graph node. ``backward`` receives one gradient per output and returns one per input
(``None`` for inputs that are not tensors or need no gradient). Backward formulas are written
with ember ops, so running them with recording on (``create_graph=True``) differentiates them
again.
"""

from __future__ import annotations

import traceback
import weakref

import numpy as np

from ..backend import module_of
from .grad_mode import state

Tensor = None  # set by ember.tensor once the Tensor class exists (the two modules are one floor)


class Node:
    """A node of the backward graph; ``next_functions`` has one ``(node, output_nr)`` per input."""

    next_functions: tuple = ()

    def name(self) -> str:
        return type(self).__name__

    def register_hook(self, hook):
        """``hook(grad_inputs, grad_outputs)`` runs after this node's backward."""
        hooks = self.__dict__.setdefault("_post_hooks", [])
        hooks.append(hook)
        return _RemovableHandle(hooks, hook)

    def register_prehook(self, hook):
        """``hook(grad_outputs)`` runs before this node's backward and may return new grads."""
        hooks = self.__dict__.setdefault("_node_pre_hooks", [])
        hooks.append(hook)
        return _RemovableHandle(hooks, hook)

    def __repr__(self):
        return f"<{self.name()} object at {id(self):#x}>"


class _RemovableHandle:
    def __init__(self, hooks: list, hook):
        self._hooks, self._hook = hooks, hook

    def remove(self):
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)


class AccumulateGrad(Node):
    """The node that adds a gradient into a leaf tensor's ``.grad``."""

    def __init__(self, variable):
        self.variable = variable

    @staticmethod
    def for_leaf(t) -> AccumulateGrad:
        ref = t._grad_acc
        acc = ref() if ref is not None else None
        if acc is None:
            acc = AccumulateGrad(t)
            t._grad_acc = weakref.ref(acc)
        return acc


def edge_of(t):
    """The graph edge a gradient for tensor ``t`` flows along, or None if it needs none."""
    if not t._requires_grad:
        return None
    if t.grad_fn is not None:
        return (t.grad_fn, t._output_nr)
    return (AccumulateGrad.for_leaf(t), 0)


class _Saved:
    """A tensor saved for backward, with the version it had when saved."""

    __slots__ = ("tensor", "version", "output_nr", "data", "vc")

    def __init__(self, tensor=None, output_nr=None, data=None, vc=None):
        self.tensor = tensor
        self.output_nr = output_nr
        self.data = data
        self.vc = vc if tensor is None else tensor._vc
        self.version = self.vc[0] if self.vc is not None else 0

    def unpack(self, node):
        if self.vc is not None and self.vc[0] != self.version:
            t = self.tensor
            role = (f"output {self.output_nr} of {node.name()}" if self.output_nr is not None
                    else f"an input of {node.name()}")
            shape = list(t.shape) if t is not None else list(self.data.shape)
            dt = t.dtype if t is not None else None
            raise RuntimeError(
                "one of the variables needed for gradient computation has been modified by an "
                f"inplace operation: [{dt or 'ember.Tensor'} {shape}], which is "
                f"{role}, "
                f"is at version {self.vc[0]}; expected version {self.version} instead. Hint: "
                "replace the in-place operation (e.g. `x += y`, `x.relu_()`) with its "
                "out-of-place form (`x = x + y`) or `clone()` the tensor first."
            )
        if self.tensor is not None:
            return self.tensor
        # Saved outputs keep only their array: holding the output Tensor would make a cycle
        # (node -> output -> node). The tensor is rebuilt here, joined to this node again.
        t = Tensor._make(self.data, requires_grad=True, grad_fn=node, output_nr=self.output_nr)
        t._vc = self.vc
        return t


class FunctionCtx(Node):
    """What ``forward`` and ``backward`` receive as ``ctx``: saved tensors and flags."""

    needs_input_grad: tuple = ()
    materialize_grads = True

    def save_for_backward(self, *tensors):
        self._to_save = tensors

    @property
    def saved_tensors(self) -> tuple:
        saved = self.__dict__.get("_saved", ())
        if saved is None:
            raise RuntimeError(
                "Trying to backward through the graph a second time (or directly access saved "
                "tensors after they have already been freed). Saved intermediate values of the "
                "graph are freed when you call .backward() or autograd.grad(). Specify "
                "retain_graph=True if you need to backward through the graph a second time or "
                "if you need to access saved tensors after calling backward."
            )
        return tuple(None if s is None else s.unpack(self) for s in saved)

    def mark_non_differentiable(self, *outputs):
        self._non_differentiable = outputs

    def mark_dirty(self, *tensors):
        self._dirty = tensors

    def set_materialize_grads(self, value: bool):
        self.materialize_grads = value

    def _free(self):
        if "_saved" in self.__dict__:
            self._saved = None


class Function(FunctionCtx):
    """Base class for differentiable ops and users' custom autograd functions.

    Subclasses define ``forward(ctx, *args)`` and ``backward(ctx, *grad_outputs)`` as static
    methods and are called through ``apply``:

    >>> import ember
    >>> class Cube(ember.autograd.Function):
    ...     @staticmethod
    ...     def forward(ctx, x):
    ...         ctx.save_for_backward(x)
    ...         return x ** 3
    ...     @staticmethod
    ...     def backward(ctx, g):
    ...         (x,) = ctx.saved_tensors
    ...         return 3 * x ** 2 * g
    >>> x = ember.tensor(2.0, requires_grad=True)
    >>> Cube.apply(x).backward(); x.grad
    tensor(12.)
    """

    is_view = False  # True for ops whose output shares the first input's memory

    def name(self) -> str:
        return type(self).__name__ + "Backward0"

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("Function subclasses must define forward(ctx, ...)")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError(
            "Function subclasses must define backward(ctx, *grad_outputs) to be differentiated"
        )

    @classmethod
    def apply(cls, *args, **kwargs):
        ctx = object.__new__(cls)
        prev = state.enabled
        record = False
        if prev:
            needs = tuple([isinstance(a, Tensor) and a._requires_grad for a in args])
            record = True in needs
        else:
            needs = (False,) * len(args)
        ctx.needs_input_grad = needs

        state.enabled = False
        try:
            result = cls.forward(ctx, *args, **kwargs)
        finally:
            state.enabled = prev

        if type(result) is not tuple:
            data = result._data if isinstance(result, Tensor) else result
            if type(data) is not np.ndarray:
                data = _as_array(data)
            if not record:
                # The common no-grad path: wrap and go (this is most of an op's overhead).
                out = Tensor._make(data)
                if cls.is_view:
                    _wire_views(cls, args, (out,))
                return out
            raw, datas, single = (result,), [data], True
        else:
            raw, datas, single = result, [_as_array(r) for r in result], False
            if not record:
                outs = tuple(Tensor._make(d) for d in datas)
                _wire_views(cls, args, outs)
                return outs

        non_diff = {id(o) for o in ctx.__dict__.get("_non_differentiable", ())}
        outs = []
        for i, (r, d) in enumerate(zip(raw, datas)):
            diff = id(r) not in non_diff and d.dtype.kind == "f"
            outs.append(Tensor._make(d, diff, ctx if diff else None, i))
        outs = tuple(outs)
        _wire_views(cls, args, outs)

        ctx.next_functions = tuple(edge_of(a) if n else None for a, n in zip(args, needs))
        ctx._n_outputs = len(outs)
        ctx._output_meta = (module_of(datas[0]), tuple((d.shape, d.dtype) for d in datas))
        to_save = ctx.__dict__.pop("_to_save", None)
        if to_save is not None:
            ctx._saved = tuple(_saved_entry(s, raw, datas, outs) for s in to_save)
        if state.anomaly:
            ctx._trace = _user_stack()
        return outs[0] if single else outs

    def _run_backward(self, grads):
        result = type(self).backward(self, *grads)
        if not isinstance(result, tuple):
            result = (result,)
        n = len(self.needs_input_grad)
        if len(result) != n:
            # torch allows trailing Nones to be omitted only when counts match exactly; be strict.
            if len(result) > n and all(r is None for r in result[n:]):
                result = result[:n]
            else:
                raise RuntimeError(
                    f"function {self.name()} returned an incorrect number of gradients "
                    f"(expected {n}, got {len(result)})"
                )
        return result


def _user_stack():
    """The creating call's stack without ember's own frames (for detect_anomaly)."""
    import os

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    frames = [f for f in traceback.extract_stack()[:-2] if not f.filename.startswith(root)]
    return traceback.format_list(frames[-6:])


def _as_array(r):
    if isinstance(r, Tensor):
        return r._data
    if isinstance(r, (np.generic, float, int, bool)):
        # NumPy returns scalars from ops on 0-d arrays; tensors always hold arrays.
        return np.asarray(r)
    return r


def _wire_views(cls, args, outs):
    if cls.is_view and isinstance(args[0], Tensor):
        base = args[0]._base if args[0]._base is not None else args[0]
        for o in outs:
            o._vc = args[0]._vc
            o._base = base


def _saved_entry(s, raw, datas, outs):
    if s is None:
        return None
    for i, r in enumerate(raw):
        if s is r or s is datas[i]:
            return _Saved(output_nr=i, data=datas[i], vc=outs[i]._vc)
    if isinstance(s, Tensor):
        return _Saved(tensor=s)
    return _Saved(tensor=Tensor._make(s))


def once_differentiable(backward):
    """Decorate a ``backward`` written on raw arrays: it runs once; differentiating it again
    raises an error naming the op instead of giving a silently wrong second derivative."""

    def wrapper(ctx, *grads):
        prev = state.enabled
        state.enabled = False
        try:
            result = backward(ctx, *grads)
        finally:
            state.enabled = prev
        # Unlike torch (which looks only at the incoming grads), saved inputs that require grad
        # also make the result depend on the graph: differentiating it must fail loudly.
        depends = any(isinstance(g, Tensor) and g._requires_grad for g in grads) or any(
            ctx.needs_input_grad)
        if not prev or not depends:
            return result
        single = not isinstance(result, tuple)
        err = _DoubleBackwardError(ctx.name())
        out = []
        for r in (result,) if single else result:
            if isinstance(r, Tensor) and r._data.dtype.kind == "f":
                r = Tensor._make(r._data, True, err, 0)
            out.append(r)
        return out[0] if single else tuple(out)

    wrapper.__name__ = backward.__name__
    wrapper.__doc__ = backward.__doc__
    return wrapper


class _DoubleBackwardError(Node):
    def __init__(self, op_name: str):
        self.op_name = op_name

    def name(self):
        return "DoubleBackwardError"

    def _run_backward(self, grads):
        raise RuntimeError(
            f"ember: {self.op_name} does not support double backward (its backward is "
            "computed directly on arrays). Use create_graph=True only through ops that support it."
        )
