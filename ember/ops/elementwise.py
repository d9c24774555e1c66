"""Elementwise ops: arithmetic, powers and logs, rounding, comparisons, logical and bitwise.

Each op is a ``Function`` (forward on arrays, backward in ember ops so it can be differentiated
again) followed by the public function. Binary ops broadcast; their backward reduces the
gradient to each input's shape with ``sum_to``.
"""

from __future__ import annotations

import math

from ..autograd.function import Function
from ..tensor import Tensor
from ._util import binary_operands, broadcast_shapes_for, inplace, sum_to

__all__ = ["add", "sub", "subtract", "mul", "multiply", "div", "divide", "true_divide", "neg",
           "negative", "exp", "log", "sqrt", "pow", "abs", "sign", "where",
           "eq", "ne", "lt", "le", "gt", "ge", "logical_not"]
TENSOR_METHODS = ("add", "sub", "subtract", "mul", "multiply", "div", "divide", "true_divide",
                  "neg", "negative", "add_", "sub_", "mul_", "div_", "neg_", "exp", "log", "sqrt",
                  "pow", "pow_", "abs", "sign", "eq", "ne", "lt", "le", "gt", "ge", "logical_not")


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


# -- powers, exponentials and logs -----------------------------------------------------------


def _float_input(op, x):
    """Integer inputs of float-valued math ops become the default float dtype, like PyTorch."""
    from .. import backend as B
    from ._util import check_tensor, cast

    check_tensor(x, op)
    return x if x._data.dtype.kind == "f" else cast(x, B.get_default_dtype())


class Exp(Function):
    @staticmethod
    def forward(ctx, x):
        out = x.xp.exp(x._data)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g * out


class Log(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.xp.log(x._data)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g / x


class Sqrt(Function):
    @staticmethod
    def forward(ctx, x):
        out = x.xp.sqrt(x._data)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g / (2 * out)


def exp(input) -> Tensor:
    """e to the power of each element."""
    return Exp.apply(_float_input("exp", input))


def log(input) -> Tensor:
    """Natural logarithm of each element (``-inf`` at 0, ``nan`` below)."""
    return Log.apply(_float_input("log", input))


def sqrt(input) -> Tensor:
    """Square root of each element."""
    return Sqrt.apply(_float_input("sqrt", input))


class Pow(Function):
    @staticmethod
    def forward(ctx, a, b):
        out = _data(a) ** _data(b)
        ctx.save_for_backward(a if isinstance(a, Tensor) else None,
                              b if isinstance(b, Tensor) else None,
                              out if ctx.needs_input_grad[1] else None)
        ctx.scalars = (None if isinstance(a, Tensor) else a, None if isinstance(b, Tensor) else b)
        ctx.shapes = (_shape(a), _shape(b))
        return out

    @staticmethod
    def backward(ctx, g):
        a, b, out = ctx.saved_tensors
        sa_, sb_ = ctx.scalars
        sa, sb = ctx.shapes
        ga = gb = None
        if ctx.needs_input_grad[0]:
            if b is None:
                ga = g * sb_ * a ** (sb_ - 1) if sb_ != 0 else g * 0
            else:
                ga = g * b * a ** (b - 1)
            ga = sum_to(ga, sa)
        if ctx.needs_input_grad[1]:
            base = a if a is not None else sa_
            # d(a^b)/db = a^b log a; at a == 0 the limit used by PyTorch is 0 (for b > 0).
            if isinstance(base, Tensor):
                gb = g * out * log(base)
                at_zero = Tensor._make((base._data == 0) & (b._data >= 0))
                gb = where(at_zero, 0.0, gb)
            else:
                gb = g * out * (math.log(base) if base > 0 else float("nan"))
            gb = sum_to(gb, sb)
        return ga, gb


def pow(input, exponent) -> Tensor:
    """``input ** exponent`` elementwise; either may be a Python number.

    >>> ember.pow(ember.tensor([1.0, 2.0, 3.0]), 2)
    tensor([1., 4., 9.])
    """
    a, b, dt = binary_operands("pow", input, exponent)
    _check_broadcast("pow", a, b)
    if not dt.is_floating_point and isinstance(b, int) and b < 0:
        raise RuntimeError("pow(): Integers to negative integer powers are not allowed.")
    return Pow.apply(a, b)


def pow_(self, exponent):
    return inplace("pow_", self, pow, exponent)


class Abs(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.xp.abs(x._data)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * sign(x)


def abs(input) -> Tensor:
    """|input| elementwise; the gradient at 0 is 0, like PyTorch's."""
    return Abs.apply(input)


def sign(input) -> Tensor:
    """-1, 0 or 1 by the sign of each element (gradient 0)."""
    return _NoGrad.apply(input, "sign")


class _NoGrad(Function):
    """Piecewise-constant ops: the value comes from ``xp.<fname>``, the gradient is zero."""

    @staticmethod
    def forward(ctx, x, fname):
        return getattr(x.xp, fname)(x._data)

    @staticmethod
    def backward(ctx, g):
        return g * 0, None


# -- comparison and selection ----------------------------------------------------------------


def _compare(op, fname, a, b):
    a, b, _ = binary_operands(op, a, b)
    _check_broadcast(op, a, b)
    xp = a.xp if isinstance(a, Tensor) else b.xp
    return Tensor._make(xp.asarray(getattr(xp, fname)(_data(a), _data(b))))


def eq(input, other) -> Tensor:
    """``input == other`` elementwise, as a bool tensor."""
    return _compare("eq", "equal", input, other)


def ne(input, other) -> Tensor:
    """``input != other`` elementwise."""
    return _compare("ne", "not_equal", input, other)


def lt(input, other) -> Tensor:
    """``input < other`` elementwise."""
    return _compare("lt", "less", input, other)


def le(input, other) -> Tensor:
    """``input <= other`` elementwise."""
    return _compare("le", "less_equal", input, other)


def gt(input, other) -> Tensor:
    """``input > other`` elementwise."""
    return _compare("gt", "greater", input, other)


def ge(input, other) -> Tensor:
    """``input >= other`` elementwise."""
    return _compare("ge", "greater_equal", input, other)


def logical_not(input) -> Tensor:
    """Elementwise NOT of truthiness, as a bool tensor."""
    return Tensor._make(input.xp.logical_not(input._data))


class Where(Function):
    @staticmethod
    def forward(ctx, cond, a, b):
        ctx.cond = cond
        ctx.shapes = (_shape(a), _shape(b))
        return cond.xp.where(cond._data, _data(a), _data(b))

    @staticmethod
    def backward(ctx, g):
        sa, sb = ctx.shapes
        zero = g * 0
        ga = sum_to(Where.apply(ctx.cond, g, zero), sa) if ctx.needs_input_grad[1] else None
        gb = sum_to(Where.apply(ctx.cond, zero, g), sb) if ctx.needs_input_grad[2] else None
        return None, ga, gb


def where(condition, input=None, other=None) -> Tensor:
    """``input`` where ``condition`` holds, else ``other`` (broadcasting; scalars allowed).

    >>> ember.where(ember.tensor([True, False]), 1.0, ember.tensor([5.0, 6.0]))
    tensor([1., 6.])
    """
    from ._util import check_tensor

    check_tensor(condition, "where", "condition")
    if input is None and other is None:
        from .. import ops

        return ops.nonzero(condition, as_tuple=True)
    if condition._data.dtype.kind != "b":
        condition = Tensor._make(condition._data.astype(bool))
    a, b, _ = binary_operands("where", input, other)
    shapes = [condition._data.shape, _shape(a), _shape(b)]
    out_shape = broadcast_shapes_for("where", *shapes)
    xp = condition.xp
    if not isinstance(a, Tensor):
        a = Tensor._make(xp.asarray(a, dtype=b._data.dtype))
    if not isinstance(b, Tensor):
        b = Tensor._make(xp.asarray(b, dtype=a._data.dtype))
    if condition._data.shape != out_shape:
        condition = Tensor._make(xp.broadcast_to(condition._data, out_shape))
    return Where.apply(condition, a, b)
