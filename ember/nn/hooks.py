"""Module backward hooks: identity ops around a module's inputs and outputs that see the
gradients flowing through them (``register_full_backward_hook``)."""

from __future__ import annotations

from ..autograd.function import Function
from ..tensor import Tensor


class _State:
    def __init__(self, module, n_inputs):
        self.module = module
        self.grad_output = None
        self.n_inputs = n_inputs


class _OutputHook(Function):
    @staticmethod
    def forward(ctx, state, *outs):
        ctx.state = state
        return tuple(o._data for o in outs)

    @staticmethod
    def backward(ctx, *grads):
        st = ctx.state
        st.grad_output = grads
        if st.n_inputs == 0:
            _call_hooks(st, (None,))
        return (None,) + grads


class _InputHook(Function):
    @staticmethod
    def forward(ctx, state, *ins):
        ctx.state = state
        return tuple(i._data for i in ins)

    @staticmethod
    def backward(ctx, *grads):
        new = _call_hooks(ctx.state, grads)
        return (None,) + tuple(new)


def _call_hooks(st, grad_input):
    for hook in list(st.module._backward_hooks.values()):
        r = hook(st.module, tuple(grad_input), tuple(st.grad_output or ()))
        if r is not None:
            grad_input = tuple(r)
    return grad_input


def wrap_backward_hooks(module, args):
    """Route ``args`` through an identity op; return new args and a function for the output."""
    idx = [i for i, a in enumerate(args) if isinstance(a, Tensor) and a.requires_grad]
    state = _State(module, len(idx))
    if idx:
        wrapped = _InputHook.apply(state, *(args[i] for i in idx))
        wrapped = wrapped if isinstance(wrapped, tuple) else (wrapped,)
        args = list(args)
        for i, w in zip(idx, wrapped):
            args[i] = w
        args = tuple(args)

    def finish(out):
        single = isinstance(out, Tensor)
        outs = (out,) if single else tuple(out)
        tensors = [o for o in outs if isinstance(o, Tensor) and o.requires_grad]
        if not tensors:
            return out
        res = _OutputHook.apply(state, *tensors)
        res = res if isinstance(res, tuple) else (res,)
        it = iter(res)
        new = tuple(next(it) if isinstance(o, Tensor) and o.requires_grad else o for o in outs)
        return new[0] if single else type(out)(new) if isinstance(out, tuple) else list(new)

    return args, finish
