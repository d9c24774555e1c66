"""Elementwise ops: arithmetic, powers and logs, rounding, comparisons, logical and bitwise.

Each op is a ``Function`` (forward on arrays, backward in ember ops so it can be differentiated
again) followed by the public function. Binary ops broadcast; their backward reduces the
gradient to each input's shape with ``sum_to``.
"""

from __future__ import annotations

from ..autograd.function import Function
from ..tensor import Tensor
from ._util import binary_operands, broadcast_shapes_for, inplace, sum_to

__all__ = ["add", "sub", "subtract", "mul", "multiply", "div", "divide", "true_divide", "neg",
           "negative"]
TENSOR_METHODS = ("add", "sub", "subtract", "mul", "multiply", "div", "divide", "true_divide",
                  "neg", "negative", "add_", "sub_", "mul_", "div_", "neg_")


def _data(x):
    return x._data if isinstance(x, Tensor) else x


def _shape(x):
    return x._data.shape if isinstance(x, Tensor) else ()


def _check_broadcast(op, a, b):
    sa, sb = _shape(a), _shape(b)
    if sa != sb and sa and sb:
        broadcast_shapes_for(op, sa, sb)


# -- arithmetic ------------------------------------------------------------------------------


class Add(Function):
    @staticmethod
    def forward(ctx, a, b, alpha=1):
        ctx.shapes = (_shape(a), _shape(b))
        ctx.alpha = alpha
        bd = _data(b)
        return _data(a) + (bd if alpha == 1 else bd * alpha)

    @staticmethod
    def backward(ctx, g):
        sa, sb = ctx.shapes
        ga = sum_to(g, sa) if ctx.needs_input_grad[0] else None
        gb = None
        if ctx.needs_input_grad[1]:
            gb = sum_to(g if ctx.alpha == 1 else g * ctx.alpha, sb)
        return ga, gb, None


class Sub(Function):
    @staticmethod
    def forward(ctx, a, b, alpha=1):
        ctx.shapes = (_shape(a), _shape(b))
        ctx.alpha = alpha
        bd = _data(b)
        return _data(a) - (bd if alpha == 1 else bd * alpha)

    @staticmethod
    def backward(ctx, g):
        sa, sb = ctx.shapes
        ga = sum_to(g, sa) if ctx.needs_input_grad[0] else None
        gb = sum_to(-g if ctx.alpha == 1 else g * -ctx.alpha, sb) if ctx.needs_input_grad[1] else None
        return ga, gb, None


class Mul(Function):
    @staticmethod
    def forward(ctx, a, b):
        at, bt = isinstance(a, Tensor), isinstance(b, Tensor)
        # Save each factor only if the other one needs a gradient.
        ctx.save_for_backward(a if at and ctx.needs_input_grad[1] else None,
                              b if bt and ctx.needs_input_grad[0] else None)
        ctx.scalars = (None if at else a, None if bt else b)
        ctx.shapes = (_shape(a), _shape(b))
        return _data(a) * _data(b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        sa_, sb_ = ctx.scalars
        sa, sb = ctx.shapes
        ga = gb = None
        if ctx.needs_input_grad[0]:
            ga = sum_to(g * (b if b is not None else sb_), sa)
        if ctx.needs_input_grad[1]:
            gb = sum_to(g * (a if a is not None else sa_), sb)
        return ga, gb


class Div(Function):
    @staticmethod
    def forward(ctx, a, b):
        out = _data(a) / _data(b)
        bt = isinstance(b, Tensor)
        # d(a/b)/db = -out / b, so the output is saved rather than ``a``.
        ctx.save_for_backward(b if bt else None, out if ctx.needs_input_grad[1] else None)
        ctx.scalar_b = None if bt else b
        ctx.shapes = (_shape(a), _shape(b))
        return out

    @staticmethod
    def backward(ctx, g):
        b, out = ctx.saved_tensors
        sa, sb = ctx.shapes
        den = b if b is not None else ctx.scalar_b
        ga = sum_to(g / den, sa) if ctx.needs_input_grad[0] else None
        gb = sum_to(-g * out / b, sb) if ctx.needs_input_grad[1] else None
        return ga, gb


class Neg(Function):
    @staticmethod
    def forward(ctx, x):
        return -x._data

    @staticmethod
    def backward(ctx, g):
        return -g


def add(input, other, *, alpha=1, out=None) -> Tensor:
    """``input + alpha * other``, broadcasting.

    >>> ember.add(ember.tensor([1.0, 2.0]), 1.5)
    tensor([2.5000, 3.5000])
    """
    a, b, _ = binary_operands("add", input, other)
    _check_broadcast("add", a, b)
    return Add.apply(a, b, alpha)


def sub(input, other, *, alpha=1, out=None) -> Tensor:
    """``input - alpha * other``, broadcasting."""
    a, b, dt = binary_operands("sub", input, other)
    if dt.name == "bool":
        raise RuntimeError("sub(): subtraction with two bool tensors is not supported; use "
                           "logical_xor() or bitwise_xor() instead")
    _check_broadcast("sub", a, b)
    return Sub.apply(a, b, alpha)


def mul(input, other, *, out=None) -> Tensor:
    """``input * other`` elementwise, broadcasting."""
    a, b, _ = binary_operands("mul", input, other)
    _check_broadcast("mul", a, b)
    return Mul.apply(a, b)


def div(input, other, *, rounding_mode=None, out=None) -> Tensor:
    """``input / other``: true division, or ``rounding_mode='trunc'|'floor'``.

    Integer inputs give a floating result for true division, like PyTorch.
    """
    a, b, dt = binary_operands("div", input, other)
    _check_broadcast("div", a, b)
    if rounding_mode is not None:
        return _rounded_div(a, b, dt, rounding_mode)
    if not dt.is_floating_point:
        from .conversion import to_dtype
        from .. import backend as B

        fdt = B.get_default_dtype()
        a = to_dtype(a, fdt) if isinstance(a, Tensor) else float(a)
        b = to_dtype(b, fdt) if isinstance(b, Tensor) else float(b)
    return Div.apply(a, b)


def _rounded_div(a, b, dt, mode):
    if mode not in ("trunc", "floor"):
        raise ValueError(f"div(): expected rounding_mode to be one of None, 'trunc', or 'floor' "
                         f"but found '{mode}'")
    from .. import ops

    if dt.is_floating_point:
        q = Div.apply(a, b)
        return ops.floor(q) if mode == "floor" else ops.trunc(q)
    return ops.floor_divide(a, b) if mode == "floor" else _int_trunc_div(a, b)


def _int_trunc_div(a, b):
    ad, bd = _data(a), _data(b)
    xp = a.xp if isinstance(a, Tensor) else b.xp
    q = xp.floor_divide(ad, bd)
    fix = (q < 0) & (xp.remainder(ad, bd) != 0)
    return Tensor._make((q + fix).astype(q.dtype))


def neg(input) -> Tensor:
    """``-input``."""
    if input._data.dtype.kind == "b":
        raise RuntimeError("neg(): negation, the `-` operator, on a bool tensor is not supported. "
                           "Use the `~` or `logical_not()` operator instead.")
    return Neg.apply(input)


subtract, multiply, divide, true_divide, negative = sub, mul, div, div, neg


def add_(self, other, *, alpha=1):
    return inplace("add_", self, add, other, alpha=alpha)


def sub_(self, other, *, alpha=1):
    return inplace("sub_", self, sub, other, alpha=alpha)


def mul_(self, other):
    return inplace("mul_", self, mul, other)


def div_(self, other, *, rounding_mode=None):
    return inplace("div_", self, div, other, rounding_mode=rounding_mode)


def neg_(self):
    return inplace("neg_", self, neg)
