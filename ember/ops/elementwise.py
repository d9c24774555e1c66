"""Elementwise ops: arithmetic, powers and logs, trigonometry, rounding, clamping, comparisons,
logical and bitwise ops, and the in-place forms used in training code.

Each op is a ``Function`` (forward on arrays, backward in ember ops so it can be differentiated
again) followed by the public function. Binary ops broadcast; their backward reduces the
gradient to each input's shape with ``sum_to``. Forwards that can meet special values (log of 0,
division by 0, overflow) run under ``np.errstate(all="ignore")``: like PyTorch, inf/nan results
are values, not warnings.
"""

from __future__ import annotations

import math

import numpy as np

from .. import backend as B
from ..autograd.function import Function
from ..autograd.grad_mode import state as grad_state
from ..tensor import Tensor
from ._util import (
    binary_operands,
    broadcast_shapes_for,
    cast,
    check_same_device,
    check_tensor,
    inplace,
    is_scalar,
    sum_to,
)
from .conversion import to_device, to_dtype

__all__ = [
    # arithmetic
    "add", "sub", "subtract", "mul", "multiply", "div", "divide", "true_divide", "neg",
    "negative", "floor_divide", "remainder", "fmod", "reciprocal", "square", "rsqrt",
    "addcmul", "addcdiv", "lerp",
    # powers, exponentials and logs
    "exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "sqrt", "pow", "abs", "absolute",
    "sign",
    # trigonometric and hyperbolic
    "sin", "cos", "tan", "asin", "acos", "atan", "atan2", "sinh", "cosh", "asinh", "acosh",
    "atanh", "arcsin", "arccos", "arctan", "arctan2", "arcsinh", "arccosh", "arctanh",
    # rounding
    "floor", "ceil", "round", "trunc", "fix", "frac",
    # clamping and selection
    "clamp", "clip", "clamp_min", "clamp_max", "maximum", "minimum", "fmax", "fmin", "where",
    # special values
    "isnan", "isinf", "isfinite", "isposinf", "isneginf", "nan_to_num", "signbit",
    # comparisons
    "eq", "ne", "lt", "le", "gt", "ge", "greater", "greater_equal", "less", "less_equal",
    "not_equal", "isclose", "allclose", "equal",
    # logical and bitwise
    "logical_not", "logical_and", "logical_or", "logical_xor", "bitwise_not", "bitwise_and",
    "bitwise_or", "bitwise_xor", "bitwise_left_shift", "bitwise_right_shift",
]

_INPLACE = (
    "add_", "sub_", "subtract_", "mul_", "multiply_", "div_", "divide_", "true_divide_", "neg_",
    "negative_", "floor_divide_", "remainder_", "fmod_", "reciprocal_", "square_", "rsqrt_",
    "addcmul_", "addcdiv_", "lerp_", "exp_", "exp2_", "expm1_", "log_", "log2_", "log10_",
    "log1p_", "sqrt_", "pow_", "abs_", "absolute_", "sign_", "sin_", "cos_", "tan_", "asin_",
    "acos_", "atan_", "atan2_", "sinh_", "cosh_", "asinh_", "acosh_", "atanh_", "arcsin_",
    "arccos_", "arctan_", "arctan2_", "arcsinh_", "arccosh_", "arctanh_", "floor_", "ceil_",
    "round_", "trunc_", "fix_", "frac_", "clamp_", "clip_", "clamp_min_", "clamp_max_",
    "nan_to_num_", "eq_", "ne_", "lt_", "le_", "gt_", "ge_", "greater_", "greater_equal_",
    "less_", "less_equal_", "not_equal_", "logical_not_", "logical_and_", "logical_or_",
    "logical_xor_", "bitwise_not_", "bitwise_and_", "bitwise_or_", "bitwise_xor_",
    "bitwise_left_shift_", "bitwise_right_shift_", "zero_", "fill_", "copy_",
)
# ``where`` is no method here: Tensor.where(condition, other) puts self second.
TENSOR_METHODS = tuple(n for n in __all__ if n != "where") + _INPLACE


from ..backend.errstate import quiet as _quiet  # noqa: E402


def _data(x):
    return x._data if isinstance(x, Tensor) else x


def _shape(x):
    return x._data.shape if isinstance(x, Tensor) else ()


def _xp(a, b):
    return a.xp if isinstance(a, Tensor) else b.xp


def _check_broadcast(op, a, b):
    sa, sb = _shape(a), _shape(b)
    if sa != sb and sa and sb:
        broadcast_shapes_for(op, sa, sb)


def _devices(op, *tensors):
    """``check_same_device``, skipped when every array is a NumPy array (all on the CPU)."""
    for t in tensors:
        if t is not None and type(t._data) is not np.ndarray:
            check_same_device(op, *tensors)
            return


def _shapes(op, *shapes):
    """The broadcast shape of ``shapes`` (or the standard error), fast when they are equal."""
    first = shapes[0]
    for s in shapes[1:]:
        if s != first:
            return broadcast_shapes_for(op, *shapes)
    return first


def _is_bool(x) -> bool:
    """A bool tensor or a Python/NumPy bool."""
    if isinstance(x, Tensor):
        return x._data.dtype.kind == "b"
    return isinstance(x, (bool, np.bool_))


def _is_number(v) -> bool:
    return type(v) is float or type(v) is int or is_scalar(v)


def _zeros(g, shape):
    """A constant zero gradient of ``shape`` (piecewise-constant ops: nothing to differentiate)."""
    return Tensor._make(g.xp.zeros(shape, dtype=g._data.dtype))


def _mask(xp, arr) -> Tensor:
    """A constant (bool) tensor from an array or a NumPy scalar produced by a comparison."""
    return Tensor._make(xp.asarray(arr))


def _out(op, result, out):
    """Write ``result`` into an ``out=`` tensor like PyTorch (out= takes no part in autograd)."""
    if out is None:
        return result
    check_tensor(out, op, "out")
    if grad_state.enabled and (result._requires_grad or out._requires_grad):
        raise RuntimeError(
            f"{op}(): functions with out=... arguments don't support automatic differentiation, "
            "but one of the arguments requires grad. Drop out= or call it under ember.no_grad()."
        )
    rd, od = result._data, out._data
    if od.shape != rd.shape:
        if od.size != 0 or out._base is not None:
            raise RuntimeError(
                f"{op}(): out= has shape {tuple(od.shape)} but the result has shape "
                f"{tuple(rd.shape)}; pass an out tensor of the result's shape (or an empty one)"
            )
        out._data = out.xp.empty(rd.shape, dtype=od.dtype)
        od = out._data
    rk, ok = rd.dtype.kind, od.dtype.kind
    if (rk == "f" and ok != "f") or (rk in "iu" and ok == "b"):
        raise RuntimeError(
            f"{op}(): result type {result.dtype} can't be cast to the desired output type "
            f"{out.dtype}; pass an out tensor of dtype {result.dtype}"
        )
    od[...] = rd
    out._vc[0] += 1
    return out


def _float_input(op, x):
    """Integer inputs of float-valued math ops become the default float dtype, like PyTorch."""
    check_tensor(x, op)
    return x if x._data.dtype.kind == "f" else cast(x, B.get_default_dtype())


def _float_operands(a, b, dt):
    """Operands of a float-valued binary op (atan2): integers become the default float dtype."""
    if dt.is_floating_point:
        return a, b
    fdt = B.get_default_dtype()
    a = cast(a, fdt) if isinstance(a, Tensor) else float(a)
    b = cast(b, fdt) if isinstance(b, Tensor) else float(b)
    return a, b


def _check_int_divisor(op, b):
    """Integer division by zero raises like PyTorch (NumPy would warn and return 0)."""
    if isinstance(b, Tensor):
        bad = bool((b._data == 0).any())
    else:
        bad = b == 0
    if bad:
        raise RuntimeError(
            f"{op}(): ZeroDivisionError: integer division by zero (the divisor holds a 0). "
            "Convert the operands to float (.float()) to get inf/nan, or mask the zeros first."
        )


def _no_bool(op, dt, hint="convert it with .long() or .float() first"):
    if dt.name == "bool":
        raise RuntimeError(f"{op}(): not implemented for bool tensors; {hint}")


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
        gb = None
        if ctx.needs_input_grad[1]:
            gb = sum_to(-g if ctx.alpha == 1 else g * -ctx.alpha, sb)
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
        with _quiet():
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


class DivRounded(Function):
    """Floating division rounded down or toward zero; piecewise constant, so zero gradient."""

    @staticmethod
    def forward(ctx, a, b, mode):
        ctx.shapes = (_shape(a), _shape(b))
        xp = _xp(a, b)
        with _quiet():
            if mode == "floor":
                # Python's floor division (as PyTorch's): 1.0 // 0.1 == 9.0, not floor(10.0...)
                return xp.floor_divide(_data(a), _data(b))
            q = xp.true_divide(_data(a), _data(b))
            return xp.trunc(q, out=q) if q.ndim else xp.trunc(q)

    @staticmethod
    def backward(ctx, g):
        sa, sb = ctx.shapes
        return (_zeros(g, sa) if ctx.needs_input_grad[0] else None,
                _zeros(g, sb) if ctx.needs_input_grad[1] else None, None)


class FloorDivide(Function):
    """``floor_divide`` on floating tensors: like PyTorch, it has no derivative formula."""

    @staticmethod
    def forward(ctx, a, b):
        with _quiet():
            return _xp(a, b).floor_divide(_data(a), _data(b))

    @staticmethod
    def backward(ctx, g):
        raise RuntimeError(
            "floor_divide(): the derivative for floor_divide is not implemented (as in PyTorch). "
            "Use div(a, b, rounding_mode='floor'), whose gradient is zero, or detach() the "
            "operands."
        )


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
    return _out("add", Add.apply(a, b, alpha), out)


def sub(input, other, *, alpha=1, out=None) -> Tensor:
    """``input - alpha * other``, broadcasting.

    >>> ember.sub(ember.tensor([1.0, 2.0]), 1.0)
    tensor([0., 1.])
    """
    a, b, dt = binary_operands("sub", input, other)
    if _is_bool(input) or _is_bool(other):
        if dt.name == "bool":
            raise RuntimeError("sub(): subtraction, the `-` operator, with two bool tensors is "
                               "not supported. Use the `^` or logical_xor() operator instead.")
        raise RuntimeError("sub(): subtraction, the `-` operator, with a bool tensor is not "
                           "supported. If you are trying to invert a mask, use the `~` or "
                           "logical_not() operator instead.")
    _check_broadcast("sub", a, b)
    return _out("sub", Sub.apply(a, b, alpha), out)


def mul(input, other, *, out=None) -> Tensor:
    """``input * other`` elementwise, broadcasting.

    >>> ember.mul(ember.tensor([1.0, 2.0]), ember.tensor([3.0, 4.0]))
    tensor([3., 8.])
    """
    a, b, _ = binary_operands("mul", input, other)
    _check_broadcast("mul", a, b)
    return _out("mul", Mul.apply(a, b), out)


def div(input, other, *, rounding_mode=None, out=None) -> Tensor:
    """``input / other``: true division, or rounded with ``rounding_mode='trunc'|'floor'``.

    True division of integers gives the default float dtype; rounded division keeps integer
    dtypes (and raises on an integer division by zero). Rounded results have zero gradient.

    >>> ember.div(ember.tensor([-7.0, 7.0]), 2.0, rounding_mode='floor')
    tensor([-4.,  3.])
    """
    a, b, dt = binary_operands("div", input, other)
    _check_broadcast("div", a, b)
    if rounding_mode is not None:
        return _out("div", _rounded_div("div", a, b, dt, rounding_mode), out)
    if not dt.is_floating_point:
        a, b = _float_operands(a, b, dt)
    return _out("div", Div.apply(a, b), out)


def _rounded_div(op, a, b, dt, mode):
    if mode not in ("trunc", "floor"):
        raise ValueError(f"{op}(): expected rounding_mode to be one of None, 'trunc', or 'floor' "
                         f"but found '{mode}'")
    if dt.is_floating_point:
        return DivRounded.apply(a, b, mode)
    _no_bool(op, dt, f"rounding_mode='{mode}' needs integer or floating tensors; "
             "convert with .long() first")
    _check_int_divisor(op, b)
    xp = _xp(a, b)
    ad, bd = _data(a), _data(b)
    with _quiet():
        q = xp.floor_divide(ad, bd)
        if mode == "trunc" and dt.is_signed:
            # floor and trunc differ where the quotient is negative and inexact
            q = q + ((q < 0) & (q * bd != ad))
    return Tensor._make(xp.asarray(q))


def floor_divide(input, other, *, out=None) -> Tensor:
    """``input // other``: the quotient rounded down (Python's ``//``), broadcasting.

    Integer dtypes stay integers. Like PyTorch, the op has no derivative; use
    ``div(input, other, rounding_mode='floor')`` for a zero gradient.

    >>> ember.floor_divide(ember.tensor([7, -7]), 2)
    tensor([ 3, -4])
    """
    a, b, dt = binary_operands("floor_divide", input, other)
    _check_broadcast("floor_divide", a, b)
    if dt.is_floating_point:
        return _out("floor_divide", FloorDivide.apply(a, b), out)
    return _out("floor_divide", _rounded_div("floor_divide", a, b, dt, "floor"), out)


class Remainder(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.shapes = (_shape(a), _shape(b))
        if ctx.needs_input_grad[1]:
            ctx.save_for_backward(a if isinstance(a, Tensor) else None, b)
            ctx.scalar_a = None if isinstance(a, Tensor) else a
        with _quiet():
            return _xp(a, b).remainder(_data(a), _data(b))

    @staticmethod
    def backward(ctx, g):
        # a - b * floor(a / b): d/da = 1, d/db = -floor(a / b)
        sa, sb = ctx.shapes
        ga = sum_to(g, sa) if ctx.needs_input_grad[0] else None
        gb = None
        if ctx.needs_input_grad[1]:
            a, b = ctx.saved_tensors
            q = div(a if a is not None else ctx.scalar_a, b, rounding_mode="floor")
            gb = sum_to(-g * q, sb)
        return ga, gb


class Fmod(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.shapes = (_shape(a), _shape(b))
        if ctx.needs_input_grad[1]:
            ctx.save_for_backward(a if isinstance(a, Tensor) else None, b)
            ctx.scalar_a = None if isinstance(a, Tensor) else a
        with _quiet():
            return _xp(a, b).fmod(_data(a), _data(b))

    @staticmethod
    def backward(ctx, g):
        # a - b * trunc(a / b): d/da = 1, d/db = -trunc(a / b)
        sa, sb = ctx.shapes
        ga = sum_to(g, sa) if ctx.needs_input_grad[0] else None
        gb = None
        if ctx.needs_input_grad[1]:
            a, b = ctx.saved_tensors
            q = div(a if a is not None else ctx.scalar_a, b, rounding_mode="trunc")
            gb = sum_to(-g * q, sb)
        return ga, gb


def remainder(input, other, *, out=None) -> Tensor:
    """``input - other * floor(input / other)``: the remainder with the sign of the divisor
    (Python's ``%``), broadcasting.

    >>> ember.remainder(ember.tensor([-3, 3]), 2)
    tensor([1, 1])
    """
    a, b, dt = binary_operands("remainder", input, other)
    _check_broadcast("remainder", a, b)
    if not dt.is_floating_point:
        _no_bool("remainder", dt)
        _check_int_divisor("remainder", b)
    return _out("remainder", Remainder.apply(a, b), out)


def fmod(input, other, *, out=None) -> Tensor:
    """``input - other * trunc(input / other)``: the remainder with the sign of the dividend
    (C's ``fmod``), broadcasting.

    >>> ember.fmod(ember.tensor([-3, 3]), 2)
    tensor([-1,  1])
    """
    a, b, dt = binary_operands("fmod", input, other)
    _check_broadcast("fmod", a, b)
    if not dt.is_floating_point:
        _no_bool("fmod", dt)
        _check_int_divisor("fmod", b)
    return _out("fmod", Fmod.apply(a, b), out)


def neg(input, *, out=None) -> Tensor:
    """``-input`` (integer dtypes stay integers).

    >>> ember.neg(ember.tensor([1, -2]))
    tensor([-1,  2])
    """
    check_tensor(input, "neg")
    if input._data.dtype.kind == "b":
        raise RuntimeError("neg(): negation, the `-` operator, on a bool tensor is not supported. "
                           "Use the `~` or `logical_not()` operator instead.")
    return _out("neg", Neg.apply(input), out)


subtract, multiply, divide, true_divide, negative = sub, mul, div, div, neg


def _fits(shape, target) -> bool:
    """Whether ``shape`` broadcasts to ``target`` without growing it."""
    if shape == target:
        return True
    off = len(target) - len(shape)
    if off < 0:
        return False
    for i, n in enumerate(shape):
        if n != 1 and n != target[off + i]:
            return False
    return True


def _direct(self, floating_only, *operands) -> bool:
    """Whether an in-place op may compute straight into ``self``'s array: autograd does not
    record it, every tensor operand has ``self``'s dtype and array type and broadcasts into
    ``self``'s shape, and every number fits ``self``'s dtype. Anything else (promotion errors,
    shape errors, graph rewiring) takes the general ``inplace`` path."""
    if not isinstance(self, Tensor):
        return False
    d = self._data
    kind = d.dtype.kind
    if kind == "b" or (floating_only and kind != "f"):
        return False
    recording = grad_state.enabled
    if recording and self._requires_grad:
        return False
    for o in operands:
        if isinstance(o, Tensor):
            od = o._data
            if ((recording and o._requires_grad) or od.dtype != d.dtype
                    or type(od) is not type(d) or not _fits(od.shape, d.shape)):
                return False
        elif type(o) is float:
            if kind != "f":
                return False
        elif type(o) is not int:
            return False
    return True


def add_(self, other, *, alpha=1):
    """In-place ``add``; without autograd recording it writes straight into ``self``."""
    if _direct(self, False, other, alpha):
        d = self._data
        if alpha == 1:
            d += _data(other)
        else:
            d += _data(other) * alpha
        self._vc[0] += 1
        return self
    return inplace("add_", self, add, other, alpha=alpha)


def sub_(self, other, *, alpha=1):
    """In-place ``sub``; without autograd recording it writes straight into ``self``."""
    if _direct(self, False, other, alpha):
        d = self._data
        if alpha == 1:
            d -= _data(other)
        else:
            d -= _data(other) * alpha
        self._vc[0] += 1
        return self
    return inplace("sub_", self, sub, other, alpha=alpha)


def mul_(self, other):
    """In-place ``mul``; without autograd recording it writes straight into ``self``."""
    if _direct(self, False, other):
        d = self._data
        d *= _data(other)
        self._vc[0] += 1
        return self
    return inplace("mul_", self, mul, other)


def div_(self, other, *, rounding_mode=None):
    """In-place ``div``; without autograd recording it writes straight into ``self``."""
    if rounding_mode is None and _direct(self, True, other):
        d = self._data
        with _quiet():
            d /= _data(other)
        self._vc[0] += 1
        return self
    return inplace("div_", self, div, other, rounding_mode=rounding_mode)


def neg_(self):
    return inplace("neg_", self, neg)


subtract_, multiply_, divide_, true_divide_, negative_ = sub_, mul_, div_, div_, neg_


class Reciprocal(Function):
    @staticmethod
    def forward(ctx, x):
        with _quiet():
            out = x.xp.reciprocal(x._data)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return -g * (out * out)


def reciprocal(input, *, out=None) -> Tensor:
    """``1 / input``; integer and bool inputs give the default float dtype.

    >>> ember.reciprocal(ember.tensor([2.0, 4.0]))
    tensor([0.5000, 0.2500])
    """
    return _out("reciprocal", Reciprocal.apply(_float_input("reciprocal", input)), out)


class Square(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.xp.square(x._data)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * (2 * x)


def square(input, *, out=None) -> Tensor:
    """``input * input``; integers stay integers and bool becomes int64, like PyTorch.

    >>> ember.square(ember.tensor([-2, 3]))
    tensor([4, 9])
    """
    check_tensor(input, "square")
    if input._data.dtype.kind == "b":
        input = cast(input, B.dtypes.int64)
    return _out("square", Square.apply(input), out)


class Rsqrt(Function):
    @staticmethod
    def forward(ctx, x):
        with _quiet():
            out = x.xp.sqrt(x._data)
            out = x.xp.reciprocal(out, out=out) if out.ndim else x.xp.reciprocal(out)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g * (out * out * out) * -0.5


def rsqrt(input, *, out=None) -> Tensor:
    """``1 / sqrt(input)``; integer inputs give the default float dtype.

    >>> ember.rsqrt(ember.tensor([4.0, 16.0]))
    tensor([0.5000, 0.2500])
    """
    return _out("rsqrt", Rsqrt.apply(_float_input("rsqrt", input)), out)


class Addcmul(Function):
    @staticmethod
    def forward(ctx, x, t1, t2, value):
        ctx.shapes = (x._data.shape, t1._data.shape, t2._data.shape)
        ctx.value = value
        ctx.save_for_backward(t1 if ctx.needs_input_grad[2] else None,
                              t2 if ctx.needs_input_grad[1] else None)
        with _quiet():
            p = t1._data * t2._data
            if value != 1:
                p *= value
            return x._data + p

    @staticmethod
    def backward(ctx, g):
        t1, t2 = ctx.saved_tensors
        s0, s1, s2 = ctx.shapes
        v = ctx.value
        gv = g if v == 1 else g * v
        return (sum_to(g, s0) if ctx.needs_input_grad[0] else None,
                sum_to(gv * t2, s1) if ctx.needs_input_grad[1] else None,
                sum_to(gv * t1, s2) if ctx.needs_input_grad[2] else None, None)


class Addcdiv(Function):
    @staticmethod
    def forward(ctx, x, t1, t2, value):
        ctx.shapes = (x._data.shape, t1._data.shape, t2._data.shape)
        ctx.value = value
        ctx.save_for_backward(t1 if ctx.needs_input_grad[2] else None,
                              t2 if (ctx.needs_input_grad[1] or ctx.needs_input_grad[2]) else None)
        with _quiet():
            p = t1._data / t2._data
            if value != 1:
                p *= value
            return x._data + p

    @staticmethod
    def backward(ctx, g):
        t1, t2 = ctx.saved_tensors
        s0, s1, s2 = ctx.shapes
        v = ctx.value
        gv = g if v == 1 else g * v
        g1 = g2 = None
        if ctx.needs_input_grad[1]:
            g1 = sum_to(gv / t2, s1)
        if ctx.needs_input_grad[2]:
            g2 = sum_to(-gv * t1 / (t2 * t2), s2)
        return (sum_to(g, s0) if ctx.needs_input_grad[0] else None, g1, g2, None)


def _ternary(op, input, tensor1, tensor2):
    check_tensor(input, op)
    check_tensor(tensor1, op, "tensor1")
    check_tensor(tensor2, op, "tensor2")
    _devices(op, input, tensor1, tensor2)
    _shapes(op, input._data.shape, tensor1._data.shape, tensor2._data.shape)
    npd = input._data.dtype
    if tensor1._data.dtype == npd and tensor2._data.dtype == npd:
        return input, tensor1, tensor2, input.dtype
    dt = B.result_type(input, tensor1, tensor2)
    return cast(input, dt), cast(tensor1, dt), cast(tensor2, dt), dt


def _value(op, value, dt):
    if not _is_number(value):
        raise TypeError(f"{op}(): value must be a Python number, not {type(value).__name__}")
    return float(value) if dt.is_floating_point else int(value)


def addcmul(input, tensor1, tensor2, *, value=1, out=None) -> Tensor:
    """``input + value * tensor1 * tensor2``, broadcasting all three.

    >>> ember.addcmul(ember.tensor([1.0, 1.0]), ember.tensor([2.0, 3.0]), ember.tensor([4.0, 5.0]),
    ...               value=0.5)
    tensor([5.0000, 8.5000])
    """
    x, t1, t2, dt = _ternary("addcmul", input, tensor1, tensor2)
    return _out("addcmul", Addcmul.apply(x, t1, t2, _value("addcmul", value, dt)), out)


def addcdiv(input, tensor1, tensor2, *, value=1, out=None) -> Tensor:
    """``input + value * tensor1 / tensor2``, broadcasting all three (floating dtypes only).

    >>> ember.addcdiv(ember.tensor([1.0, 1.0]), ember.tensor([2.0, 3.0]), ember.tensor([4.0, 2.0]))
    tensor([1.5000, 2.5000])
    """
    x, t1, t2, dt = _ternary("addcdiv", input, tensor1, tensor2)
    if not dt.is_floating_point:
        raise RuntimeError(
            f"addcdiv(): integer division with addcdiv is not supported (the operands are "
            f"{tensor1.dtype} and {tensor2.dtype}). Use input + value * "
            "div(tensor1, tensor2, rounding_mode='trunc'), or convert to float first."
        )
    return _out("addcdiv", Addcdiv.apply(x, t1, t2, _value("addcdiv", value, dt)), out)


def addcmul_(self, tensor1, tensor2, *, value=1):
    """In-place ``addcmul``; without autograd recording it writes straight into ``self``."""
    if isinstance(tensor1, Tensor) and isinstance(tensor2, Tensor) and _direct(
            self, True, tensor1, tensor2, value):
        d = self._data
        with _quiet():
            p = tensor1._data * tensor2._data
            if value != 1:
                p *= value
            d += p
        self._vc[0] += 1
        return self
    return inplace("addcmul_", self, addcmul, tensor1, tensor2, value=value)


def addcdiv_(self, tensor1, tensor2, *, value=1):
    """In-place ``addcdiv``; without autograd recording it writes straight into ``self``."""
    if isinstance(tensor1, Tensor) and isinstance(tensor2, Tensor) and _direct(
            self, True, tensor1, tensor2, value):
        d = self._data
        with _quiet():
            p = tensor1._data / tensor2._data
            if value != 1:
                p *= value
            d += p
        self._vc[0] += 1
        return self
    return inplace("addcdiv_", self, addcdiv, tensor1, tensor2, value=value)


class Lerp(Function):
    @staticmethod
    def forward(ctx, start, end, weight):
        s, e = start._data, end._data
        wt = isinstance(weight, Tensor)
        ctx.shapes = (s.shape, e.shape, weight._data.shape if wt else ())
        ctx.w = None if wt else weight
        ctx.save_for_backward(start if ctx.needs_input_grad[2] else None,
                              end if ctx.needs_input_grad[2] else None, weight if wt else None)
        # PyTorch's formula: start + w * (end - start) for |w| < 0.5, else from the end side,
        # so lerp(a, b, 1) == b exactly.
        with _quiet():
            return Lerp._compute(s, e, weight, wt)

    @staticmethod
    def _compute(s, e, weight, wt):
        diff = e - s
        if not wt:
            if -0.5 < weight < 0.5:
                diff *= weight
                return diff + s
            diff *= 1.0 - weight
            return e - diff
        w = weight._data
        xp = weight.xp
        return xp.where(xp.abs(w) < 0.5, s + w * diff, e - diff * (1 - w))

    @staticmethod
    def backward(ctx, g):
        start, end, weight = ctx.saved_tensors
        s0, s1, s2 = ctx.shapes
        w = weight if weight is not None else ctx.w
        gs = ge = gw = None
        if ctx.needs_input_grad[0]:
            gs = sum_to(g * (1 - w), s0)
        if ctx.needs_input_grad[1]:
            ge = sum_to(g * w, s1)
        if ctx.needs_input_grad[2]:
            gw = sum_to(g * (end - start), s2)
        return gs, ge, gw


def lerp(input, end, weight, *, out=None) -> Tensor:
    """``input + weight * (end - input)``, broadcasting; ``weight`` is a number or a tensor.

    >>> ember.lerp(ember.tensor([0.0, 1.0]), ember.tensor([10.0, 3.0]), 0.25)
    tensor([2.5000, 1.5000])
    """
    check_tensor(input, "lerp")
    check_tensor(end, "lerp", "end")
    npd = input._data.dtype
    if npd.kind != "f":
        raise RuntimeError(f"lerp(): expected floating point tensors, but input is "
                           f"{input.dtype}; convert with .float() first")
    if end._data.dtype != npd:
        raise RuntimeError(f"lerp(): expected dtype {input.dtype} for `end` but got dtype "
                           f"{end.dtype}; convert it with .to({input.dtype})")
    if isinstance(weight, Tensor):
        if weight._data.dtype != npd:
            if weight._data.ndim or weight._data.dtype.kind != "f":
                raise RuntimeError(f"lerp(): expected dtype {input.dtype} for `weight` but got "
                                   f"dtype {weight.dtype}; convert it with .to({input.dtype})")
            weight = cast(weight, input.dtype)
        _devices("lerp", input, end, weight)
        _shapes("lerp", input._data.shape, end._data.shape, weight._data.shape)
    elif _is_number(weight):
        weight = float(weight)
        _devices("lerp", input, end)
        _shapes("lerp", input._data.shape, end._data.shape)
    else:
        raise TypeError(f"lerp(): weight must be a number or a Tensor, not {type(weight).__name__}")
    return _out("lerp", Lerp.apply(input, end, weight), out)


def lerp_(self, end, weight):
    """In-place ``lerp``; without autograd recording it writes straight into ``self``."""
    if isinstance(end, Tensor) and _direct(self, True, end, weight):
        d = self._data
        with _quiet():
            if isinstance(weight, Tensor):
                d[...] = Lerp._compute(d, end._data, weight, True)
            else:
                w = float(weight)
                diff = end._data - d
                if -0.5 < w < 0.5:
                    diff *= w
                    d += diff
                else:
                    diff *= 1.0 - w
                    self.xp.subtract(end._data, diff, out=d)
        self._vc[0] += 1
        return self
    return inplace("lerp_", self, lerp, end, weight)


# -- powers, exponentials and logs -----------------------------------------------------------

_LN2 = math.log(2.0)
_LN10 = math.log(10.0)


class Exp(Function):
    @staticmethod
    def forward(ctx, x):
        with _quiet():
            out = x.xp.exp(x._data)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g * out


class Exp2(Function):
    @staticmethod
    def forward(ctx, x):
        with _quiet():
            out = x.xp.exp2(x._data)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g * out * _LN2


class Expm1(Function):
    @staticmethod
    def forward(ctx, x):
        with _quiet():
            out = x.xp.expm1(x._data)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g * (out + 1)


class Log(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        with _quiet():
            return x.xp.log(x._data)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g / x


class Log2(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        with _quiet():
            return x.xp.log2(x._data)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g / (x * _LN2)


class Log10(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        with _quiet():
            return x.xp.log10(x._data)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g / (x * _LN10)


class Log1p(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        with _quiet():
            return x.xp.log1p(x._data)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g / (x + 1)


class Sqrt(Function):
    @staticmethod
    def forward(ctx, x):
        with _quiet():
            out = x.xp.sqrt(x._data)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g / (2 * out)


def exp(input, *, out=None) -> Tensor:
    """``e ** input``; integer inputs give the default float dtype.

    >>> ember.exp(ember.tensor([0.0, 1.0]))
    tensor([1.0000, 2.7183])
    """
    return _out("exp", Exp.apply(_float_input("exp", input)), out)


def exp2(input, *, out=None) -> Tensor:
    """``2 ** input``.

    >>> ember.exp2(ember.tensor([0.0, 3.0]))
    tensor([1., 8.])
    """
    return _out("exp2", Exp2.apply(_float_input("exp2", input)), out)


def expm1(input, *, out=None) -> Tensor:
    """``exp(input) - 1``, accurate for small ``input``.

    >>> ember.expm1(ember.tensor([0.0]))
    tensor([0.])
    """
    return _out("expm1", Expm1.apply(_float_input("expm1", input)), out)


def log(input, *, out=None) -> Tensor:
    """Natural logarithm (``-inf`` at 0, ``nan`` below).

    >>> ember.log(ember.tensor([1.0, 0.0]))
    tensor([0., -inf])
    """
    return _out("log", Log.apply(_float_input("log", input)), out)


def log2(input, *, out=None) -> Tensor:
    """Base-2 logarithm.

    >>> ember.log2(ember.tensor([1.0, 8.0]))
    tensor([0., 3.])
    """
    return _out("log2", Log2.apply(_float_input("log2", input)), out)


def log10(input, *, out=None) -> Tensor:
    """Base-10 logarithm.

    >>> ember.log10(ember.tensor([1.0, 100.0]))
    tensor([0., 2.])
    """
    return _out("log10", Log10.apply(_float_input("log10", input)), out)


def log1p(input, *, out=None) -> Tensor:
    """``log(1 + input)``, accurate for small ``input``.

    >>> ember.log1p(ember.tensor([0.0]))
    tensor([0.])
    """
    return _out("log1p", Log1p.apply(_float_input("log1p", input)), out)


def sqrt(input, *, out=None) -> Tensor:
    """Square root (``nan`` for negative inputs).

    >>> ember.sqrt(ember.tensor([4.0, 9.0]))
    tensor([2., 3.])
    """
    return _out("sqrt", Sqrt.apply(_float_input("sqrt", input)), out)


class Pow(Function):
    @staticmethod
    def forward(ctx, a, b):
        with _quiet():
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
                if sb_ == 0:
                    ga = _zeros(g, g._data.shape)
                elif sb_ == 1:
                    ga = g
                elif sb_ == 2:
                    ga = g * (2 * a)
                else:
                    ga = g * (sb_ * a ** (sb_ - 1))
            else:
                # exponent 0 has derivative 0 even at a == 0 (where b * a**(b-1) is nan)
                ga = where(_mask(b.xp, b._data == 0), 0.0, g * (b * a ** (b - 1)))
            ga = sum_to(ga, sa)
        if ctx.needs_input_grad[1]:
            base = a if a is not None else sa_
            # d(a^b)/db = a^b log a; at a == 0 PyTorch uses the limit 0 for b >= 0.
            if isinstance(base, Tensor):
                gb = g * out * log(base)
                gb = where(_mask(b.xp, (base._data == 0) & (b._data >= 0)), 0.0, gb)
            elif base == 0:
                gb = where(_mask(b.xp, b._data >= 0), 0.0, g * out * float("-inf"))
            else:
                gb = g * out * (math.log(base) if base > 0 else float("nan"))
            gb = sum_to(gb, sb)
        return ga, gb


def _int_pow_negative(a, b):
    """Integer ``a ** b`` where the exponent tensor ``b`` holds negative values, as PyTorch
    defines it: 1 ** b == 1, (-1) ** b == +-1, any other base gives 0."""
    xp = b.xp
    ad, bd = _data(a), b._data
    neg = bd < 0
    with _quiet():
        out = xp.asarray(xp.power(ad, xp.where(neg, 0, bd)))
    odd = (bd % 2) != 0
    val = xp.where(ad == 1, 1, xp.where(ad == -1, xp.where(odd, -1, 1), 0))
    return Tensor._make(xp.where(neg, val, out).astype(out.dtype))


def pow(input, exponent, *, out=None) -> Tensor:
    """``input ** exponent`` elementwise, broadcasting; either may be a Python number.

    >>> ember.pow(ember.tensor([1.0, 2.0, 3.0]), 2)
    tensor([1., 4., 9.])
    """
    a, b, dt = binary_operands("pow", input, exponent)
    _check_broadcast("pow", a, b)
    if not dt.is_floating_point:
        if isinstance(b, int) and not isinstance(b, bool) and b < 0:
            raise RuntimeError("pow(): Integers to negative integer powers are not allowed.")
        if isinstance(b, Tensor) and dt.is_signed and bool((b._data < 0).any()):
            return _out("pow", _int_pow_negative(a, b), out)
        if dt.name == "bool":
            if isinstance(a, Tensor) and isinstance(b, Tensor):
                raise RuntimeError("pow(): not implemented for two bool tensors; convert them "
                                   "with .long() first")
            xp = _xp(a, b)  # a ** b for truth values: True unless a is False and b is True
            res = xp.logical_or(_data(a), xp.logical_not(_data(b)))
            return _out("pow", Tensor._make(xp.asarray(res)), out)
    return _out("pow", Pow.apply(a, b), out)


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


def abs(input, *, out=None) -> Tensor:
    """``|input|``; integers stay integers. The gradient at 0 is 0, like PyTorch's.

    >>> ember.abs(ember.tensor([-1.5, 2.0]))
    tensor([1.5000, 2.0000])
    """
    check_tensor(input, "abs")
    if input._data.dtype.kind == "b":
        raise RuntimeError("abs(): not implemented for bool tensors; a bool is its own absolute "
                           "value (convert with .long() if you need integers)")
    return _out("abs", Abs.apply(input), out)


absolute = abs


class _Piecewise(Function):
    """Piecewise-constant ops: the value is ``xp.<fname>(x)``, the gradient is zero."""

    fname = ""

    @staticmethod
    def forward(ctx, x):
        return getattr(x.xp, ctx.fname)(x._data)

    @staticmethod
    def backward(ctx, g):
        return _zeros(g, g._data.shape)


class Floor(_Piecewise):
    fname = "floor"


class Ceil(_Piecewise):
    fname = "ceil"


class Trunc(_Piecewise):
    fname = "trunc"


class Round(_Piecewise):
    fname = "rint"  # round half to even, like PyTorch's nearbyint


class Sign(_Piecewise):
    @staticmethod
    def forward(ctx, x):
        xp = x.xp
        out = xp.sign(x._data)
        if out.dtype.kind == "f":
            nan = out != out
            if nan.any():  # PyTorch: sign(nan) == 0
                out = xp.where(nan, 0, out)
        return out


class RoundDecimals(_Piecewise):
    @staticmethod
    def forward(ctx, x, decimals):
        xp, d = x.xp, x._data
        # PyTorch: nearbyint(x * 10^d) / 10^d, or nearbyint(x / 10^-d) * 10^-d for d < 0
        scale = 10.0 ** (decimals if decimals > 0 else -decimals)
        with _quiet():
            y = d * scale if decimals > 0 else d / scale
            y = xp.rint(y, out=y) if y.ndim else xp.rint(y)
            if decimals > 0:
                y /= scale
            else:
                y *= scale
        return y

    @staticmethod
    def backward(ctx, g):
        return _zeros(g, g._data.shape), None


def sign(input, *, out=None) -> Tensor:
    """-1, 0 or 1 by the sign of each element (0 for nan); zero gradient.

    >>> ember.sign(ember.tensor([-2.0, 0.0, 3.0]))
    tensor([-1.,  0.,  1.])
    """
    check_tensor(input, "sign")
    if input._data.dtype.kind == "b":
        return _out("sign", Tensor._make(input._data.copy()), out)
    return _out("sign", Sign.apply(input), out)


def _rounding(op, fn_cls, input):
    check_tensor(input, op)
    kind = input._data.dtype.kind
    if kind == "f":
        return fn_cls.apply(input)
    if kind == "b":
        raise RuntimeError(f"{op}(): not implemented for bool tensors; convert with .long() or "
                           ".float() first")
    return Tensor._make(input._data.copy())  # integers are already whole


def floor(input, *, out=None) -> Tensor:
    """The largest integer ``<= input``, elementwise (integer dtypes are returned as a copy).

    >>> ember.floor(ember.tensor([-1.5, 1.5]))
    tensor([-2.,  1.])
    """
    return _out("floor", _rounding("floor", Floor, input), out)


def ceil(input, *, out=None) -> Tensor:
    """The smallest integer ``>= input``, elementwise.

    >>> ember.ceil(ember.tensor([-1.5, 1.5]))
    tensor([-1.,  2.])
    """
    return _out("ceil", _rounding("ceil", Ceil, input), out)


def trunc(input, *, out=None) -> Tensor:
    """``input`` rounded toward zero, elementwise.

    >>> ember.trunc(ember.tensor([-1.5, 1.5]))
    tensor([-1.,  1.])
    """
    return _out("trunc", _rounding("trunc", Trunc, input), out)


fix = trunc


def round(input, *, decimals=0, out=None) -> Tensor:
    """``input`` rounded to ``decimals`` decimal places, halves to even (like PyTorch).

    >>> ember.round(ember.tensor([0.5, 1.5, 2.5, 1.26]))
    tensor([0., 2., 2., 1.])
    >>> ember.round(ember.tensor([1.26, 1234.0]), decimals=1)
    tensor([   1.3000, 1234.0000])
    """
    if not isinstance(decimals, (int, np.integer)) or isinstance(decimals, bool):
        raise TypeError(f"round(): decimals must be an int, not {type(decimals).__name__}")
    if decimals == 0:
        return _out("round", _rounding("round", Round, input), out)
    check_tensor(input, "round")
    if input._data.dtype.kind != "f":
        raise RuntimeError(f"round(): decimals={decimals} is only implemented for floating "
                           f"tensors, not {input.dtype}; convert with .float() first")
    return _out("round", RoundDecimals.apply(input, int(decimals)), out)


class Frac(Function):
    @staticmethod
    def forward(ctx, x):
        d = x._data
        t = x.xp.trunc(d)
        with _quiet():  # frac(+-inf) is nan
            return x.xp.subtract(d, t, out=t) if t.ndim else d - t

    @staticmethod
    def backward(ctx, g):
        return g


def frac(input, *, out=None) -> Tensor:
    """The fractional part ``input - trunc(input)`` (sign of ``input``); gradient 1.

    >>> ember.frac(ember.tensor([-1.25, 2.5]))
    tensor([-0.2500,  0.5000])
    """
    check_tensor(input, "frac")
    if input._data.dtype.kind != "f":
        raise RuntimeError(f"frac(): not implemented for {input.dtype} tensors; frac needs a "
                           "floating tensor (convert with .float())")
    return _out("frac", Frac.apply(input), out)


# -- trigonometric and hyperbolic ------------------------------------------------------------


class Sin(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        with _quiet():
            return x.xp.sin(x._data)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * cos(x)


class Cos(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        with _quiet():
            return x.xp.cos(x._data)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * -sin(x)


class Tan(Function):
    @staticmethod
    def forward(ctx, x):
        with _quiet():
            out = x.xp.tan(x._data)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g * (out * out + 1)


class Asin(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        with _quiet():
            return x.xp.arcsin(x._data)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * rsqrt(1 - x * x)


class Acos(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        with _quiet():
            return x.xp.arccos(x._data)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * -rsqrt(1 - x * x)


class Atan(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.xp.arctan(x._data)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g / (x * x + 1)


class Sinh(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        with _quiet():
            return x.xp.sinh(x._data)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * cosh(x)


class Cosh(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        with _quiet():
            return x.xp.cosh(x._data)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * sinh(x)


class Asinh(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.xp.arcsinh(x._data)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * rsqrt(x * x + 1)


class Acosh(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        with _quiet():
            return x.xp.arccosh(x._data)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * rsqrt(x * x - 1)


class Atanh(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        with _quiet():
            return x.xp.arctanh(x._data)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g / (1 - x * x)


def sin(input, *, out=None) -> Tensor:
    """Sine, elementwise (radians).

    >>> ember.sin(ember.tensor([0.0]))
    tensor([0.])
    """
    return _out("sin", Sin.apply(_float_input("sin", input)), out)


def cos(input, *, out=None) -> Tensor:
    """Cosine, elementwise (radians).

    >>> ember.cos(ember.tensor([0.0]))
    tensor([1.])
    """
    return _out("cos", Cos.apply(_float_input("cos", input)), out)


def tan(input, *, out=None) -> Tensor:
    """Tangent, elementwise (radians).

    >>> ember.tan(ember.tensor([0.0]))
    tensor([0.])
    """
    return _out("tan", Tan.apply(_float_input("tan", input)), out)


def asin(input, *, out=None) -> Tensor:
    """Inverse sine, in [-pi/2, pi/2] (``nan`` outside [-1, 1]).

    >>> ember.asin(ember.tensor([0.0, 1.0]))
    tensor([0.0000, 1.5708])
    """
    return _out("asin", Asin.apply(_float_input("asin", input)), out)


def acos(input, *, out=None) -> Tensor:
    """Inverse cosine, in [0, pi] (``nan`` outside [-1, 1]).

    >>> ember.acos(ember.tensor([1.0, 0.0]))
    tensor([0.0000, 1.5708])
    """
    return _out("acos", Acos.apply(_float_input("acos", input)), out)


def atan(input, *, out=None) -> Tensor:
    """Inverse tangent, in (-pi/2, pi/2).

    >>> ember.atan(ember.tensor([0.0, 1.0]))
    tensor([0.0000, 0.7854])
    """
    return _out("atan", Atan.apply(_float_input("atan", input)), out)


def sinh(input, *, out=None) -> Tensor:
    """Hyperbolic sine.

    >>> ember.sinh(ember.tensor([0.0]))
    tensor([0.])
    """
    return _out("sinh", Sinh.apply(_float_input("sinh", input)), out)


def cosh(input, *, out=None) -> Tensor:
    """Hyperbolic cosine.

    >>> ember.cosh(ember.tensor([0.0]))
    tensor([1.])
    """
    return _out("cosh", Cosh.apply(_float_input("cosh", input)), out)


def asinh(input, *, out=None) -> Tensor:
    """Inverse hyperbolic sine.

    >>> ember.asinh(ember.tensor([0.0]))
    tensor([0.])
    """
    return _out("asinh", Asinh.apply(_float_input("asinh", input)), out)


def acosh(input, *, out=None) -> Tensor:
    """Inverse hyperbolic cosine (``nan`` below 1).

    >>> ember.acosh(ember.tensor([1.0]))
    tensor([0.])
    """
    return _out("acosh", Acosh.apply(_float_input("acosh", input)), out)


def atanh(input, *, out=None) -> Tensor:
    """Inverse hyperbolic tangent (``+-inf`` at +-1, ``nan`` beyond).

    >>> ember.atanh(ember.tensor([0.0]))
    tensor([0.])
    """
    return _out("atanh", Atanh.apply(_float_input("atanh", input)), out)


arcsin, arccos, arctan, arcsinh, arccosh, arctanh = asin, acos, atan, asinh, acosh, atanh


class Atan2(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a if isinstance(a, Tensor) else None,
                              b if isinstance(b, Tensor) else None)
        ctx.scalars = (None if isinstance(a, Tensor) else a, None if isinstance(b, Tensor) else b)
        ctx.shapes = (_shape(a), _shape(b))
        return _xp(a, b).arctan2(_data(a), _data(b))

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        sa_, sb_ = ctx.scalars
        a = a if a is not None else sa_
        b = b if b is not None else sb_
        sa, sb = ctx.shapes
        den = a * a + b * b
        r = reciprocal(den)
        origin = den._data == 0
        if origin.any():  # PyTorch's gradient at (0, 0) is 0, not nan
            r = where(_mask(den.xp, origin), 0.0, r)
        ga = sum_to(g * b * r, sa) if ctx.needs_input_grad[0] else None
        gb = sum_to(g * -a * r, sb) if ctx.needs_input_grad[1] else None
        return ga, gb


def atan2(input, other, *, out=None) -> Tensor:
    """The angle of the point ``(other, input)``: ``atan(input / other)`` in the right
    quadrant, in [-pi, pi]; broadcasting.

    >>> ember.atan2(ember.tensor([1.0, -1.0]), ember.tensor([0.0, 0.0]))
    tensor([ 1.5708, -1.5708])
    """
    a, b, dt = binary_operands("atan2", input, other)
    _check_broadcast("atan2", a, b)
    a, b = _float_operands(a, b, dt)
    return _out("atan2", Atan2.apply(a, b), out)


arctan2 = atan2


# -- clamping, maximum and minimum -----------------------------------------------------------


class Clamp(Function):
    """Clamp to Python-number bounds (either may be None)."""

    @staticmethod
    def forward(ctx, x, lo, hi):
        ctx.save_for_backward(x)
        ctx.bounds = (lo, hi)
        d, xp = x._data, x.xp
        if lo is None:
            return xp.minimum(d, hi)
        if hi is None:
            return xp.maximum(d, lo)
        return d.clip(lo, hi)  # min(max(x, lo), hi): hi wins when lo > hi; nan propagates

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        lo, hi = ctx.bounds
        d = x._data
        # the gradient passes where lo <= x <= hi, bounds included (PyTorch's convention)
        if lo is None:
            m = d <= hi
        elif hi is None:
            m = d >= lo
        else:
            m = (d >= lo) & (d <= hi)
        return where(_mask(x.xp, m), g, 0.0), None, None


class ClampTensor(Function):
    """Clamp to tensor bounds (either may be None), broadcasting all three."""

    @staticmethod
    def forward(ctx, x, lo, hi):
        ctx.save_for_backward(x, lo, hi)
        ctx.shapes = (x._data.shape, _shape(lo), _shape(hi))
        d, xp = x._data, x.xp
        if lo is None:
            return xp.minimum(d, hi._data)
        if hi is None:
            return xp.maximum(d, lo._data)
        return d.clip(lo._data, hi._data)

    @staticmethod
    def backward(ctx, g):
        x, lo, hi = ctx.saved_tensors
        s0, s1, s2 = ctx.shapes
        xp, d = x.xp, x._data
        need = ctx.needs_input_grad
        m0 = m1 = m2 = None
        # PyTorch's clamp_backward_min_max: x gets the gradient inside [lo, hi]; a bound gets it
        # where it is the value taken (when lo > hi, hi wins and lo gets nothing).
        if lo is not None and hi is not None:
            lv, hv = lo._data, hi._data
            if need[0]:
                m0 = (d >= lv) & (d <= hv)
            if need[1]:
                m1 = (d < lv) & (lv < hv)
            if need[2]:
                m2 = (d > hv) | (hv < lv)
        elif lo is not None:
            lv = lo._data
            m0 = d >= lv if need[0] else None
            m1 = d < lv if need[1] else None
        else:
            hv = hi._data
            m0 = d <= hv if need[0] else None
            m2 = d > hv if need[2] else None
        return tuple(None if m is None else sum_to(where(_mask(xp, m), g, 0.0), s)
                     for m, s in ((m0, s0), (m1, s1), (m2, s2)))


def _clamp(op, input, lo, hi):
    check_tensor(input, op)
    if lo is None and hi is None:
        raise RuntimeError(f"{op}(): At least one of 'min' or 'max' must not be None")
    if isinstance(lo, Tensor) or isinstance(hi, Tensor):
        return _clamp_tensor(op, input, lo, hi)
    for name, v in (("min", lo), ("max", hi)):
        if v is not None and not _is_number(v):
            raise TypeError(f"{op}(): argument '{name}' must be a number or a Tensor, not "
                            f"{type(v).__name__}")
    if input._data.dtype.kind == "f":  # Python numbers never widen a floating tensor
        x, conv = input, float
    else:
        dt = B.result_type(input, lo, hi)
        x, conv = cast(input, dt), (float if dt.is_floating_point else int)
    return Clamp.apply(x, None if lo is None else conv(lo), None if hi is None else conv(hi))


def _clamp_tensor(op, input, lo, hi):
    for name, v in (("min", lo), ("max", hi)):
        if v is not None and not isinstance(v, Tensor) and not is_scalar(v):
            raise TypeError(f"{op}(): argument '{name}' must be a number or a Tensor, not "
                            f"{type(v).__name__}")
    dt = B.result_type(input, lo, hi)
    _devices(op, input, lo, hi)
    xp = input.xp
    bounds = []
    for v in (lo, hi):
        if v is not None and not isinstance(v, Tensor):
            v = Tensor._make(xp.asarray(v, dtype=dt.np))
        bounds.append(None if v is None else cast(v, dt))
    lo, hi = bounds
    _shapes(op, input._data.shape, *(b._data.shape for b in bounds if b is not None))
    return ClampTensor.apply(cast(input, dt), lo, hi)


def clamp(input, min=None, max=None, *, out=None) -> Tensor:  # noqa: A002
    """Each element limited to ``[min, max]`` (numbers or tensors; either may be None).

    When ``min > max`` the result is ``max``. The gradient passes where
    ``min <= input <= max``; a tensor bound gets it where its value is taken.

    >>> ember.clamp(ember.tensor([-1.0, 0.5, 2.0]), min=0.0, max=1.0)
    tensor([0.0000, 0.5000, 1.0000])
    """
    return _out("clamp", _clamp("clamp", input, min, max), out)


clip = clamp


def clamp_min(input, min) -> Tensor:  # noqa: A002
    """``clamp(input, min=min)``: each element at least ``min``.

    >>> ember.clamp_min(ember.tensor([-1.0, 2.0]), 0.0)
    tensor([0., 2.])
    """
    return _clamp("clamp_min", input, min, None)


def clamp_max(input, max) -> Tensor:  # noqa: A002
    """``clamp(input, max=max)``: each element at most ``max``.

    >>> ember.clamp_max(ember.tensor([-1.0, 2.0]), 0.0)
    tensor([-1.,  0.])
    """
    return _clamp("clamp_max", input, None, max)


def clamp_(self, min=None, max=None):  # noqa: A002
    """In-place ``clamp``; without autograd recording it writes straight into ``self``."""
    return _clamp_inplace("clamp_", self, min, max)


def _clamp_inplace(op, self, min, max):  # noqa: A002
    check_tensor(self, op)
    if (
        self._data.dtype.kind == "f"
        and (min is None or _is_number(min))
        and (max is None or _is_number(max))
        and (min is not None or max is not None)
        and not (grad_state.enabled and self._requires_grad)
    ):
        d, xp = self._data, self.xp
        if min is None:
            xp.minimum(d, float(max), out=d)
        elif max is None:
            xp.maximum(d, float(min), out=d)
        else:
            d.clip(float(min), float(max), out=d)
        self._vc[0] += 1
        return self
    return inplace(op, self, clamp, min, max)


def clip_(self, min=None, max=None):  # noqa: A002
    return _clamp_inplace("clip_", self, min, max)


def clamp_min_(self, min):  # noqa: A002
    return _clamp_inplace("clamp_min_", self, min, None)


def clamp_max_(self, max):  # noqa: A002
    return _clamp_inplace("clamp_max_", self, None, max)


class _Binary(Function):
    """Shared forward of maximum/minimum/fmax/fmin: ``xp.<fname>(a, b)``, inputs saved."""

    fname = ""

    @staticmethod
    def forward(ctx, a, b):
        at, bt = isinstance(a, Tensor), isinstance(b, Tensor)
        ctx.save_for_backward(a if at else None, b if bt else None)
        ctx.scalars = (None if at else a, None if bt else b)
        ctx.shapes = (_shape(a), _shape(b))
        return getattr(_xp(a, b), ctx.fname)(_data(a), _data(b))

    def _operands(ctx):
        a, b = ctx.saved_tensors
        sa_, sb_ = ctx.scalars
        return (a._data if a is not None else sa_), (b._data if b is not None else sb_)


class Maximum(_Binary):
    fname = "maximum"

    @staticmethod
    def backward(ctx, g):
        ad, bd = _Binary._operands(ctx)
        sa, sb = ctx.shapes
        xp = g.xp
        # ties split the gradient in half (PyTorch); a nan operand passes it to both
        split = where(_mask(xp, ad == bd), g * 0.5, g)
        ga = sum_to(where(_mask(xp, ad < bd), 0.0, split), sa) if ctx.needs_input_grad[0] else None
        gb = sum_to(where(_mask(xp, ad > bd), 0.0, split), sb) if ctx.needs_input_grad[1] else None
        return ga, gb


class Minimum(_Binary):
    fname = "minimum"

    @staticmethod
    def backward(ctx, g):
        ad, bd = _Binary._operands(ctx)
        sa, sb = ctx.shapes
        xp = g.xp
        split = where(_mask(xp, ad == bd), g * 0.5, g)
        ga = sum_to(where(_mask(xp, ad > bd), 0.0, split), sa) if ctx.needs_input_grad[0] else None
        gb = sum_to(where(_mask(xp, ad < bd), 0.0, split), sb) if ctx.needs_input_grad[1] else None
        return ga, gb


class Fmax(_Binary):
    fname = "fmax"

    @staticmethod
    def backward(ctx, g):
        ad, bd = _Binary._operands(ctx)
        sa, sb = ctx.shapes
        xp = g.xp
        # input gets the gradient where it is chosen: input >= other, or other is nan
        m = _mask(xp, (ad >= bd) | xp.isnan(bd))
        ga = sum_to(where(m, g, 0.0), sa) if ctx.needs_input_grad[0] else None
        gb = sum_to(where(m, 0.0, g), sb) if ctx.needs_input_grad[1] else None
        return ga, gb


class Fmin(_Binary):
    fname = "fmin"

    @staticmethod
    def backward(ctx, g):
        ad, bd = _Binary._operands(ctx)
        sa, sb = ctx.shapes
        xp = g.xp
        m = _mask(xp, (ad <= bd) | xp.isnan(bd))
        ga = sum_to(where(m, g, 0.0), sa) if ctx.needs_input_grad[0] else None
        gb = sum_to(where(m, 0.0, g), sb) if ctx.needs_input_grad[1] else None
        return ga, gb


def _binary(op, fn_cls, input, other, out):
    a, b, _ = binary_operands(op, input, other)
    _check_broadcast(op, a, b)
    return _out(op, fn_cls.apply(a, b), out)


def maximum(input, other, *, out=None) -> Tensor:
    """The elementwise maximum, broadcasting; nan if either is nan. Ties split the gradient.

    >>> ember.maximum(ember.tensor([1.0, 5.0]), ember.tensor([3.0, 2.0]))
    tensor([3., 5.])
    """
    return _binary("maximum", Maximum, input, other, out)


def minimum(input, other, *, out=None) -> Tensor:
    """The elementwise minimum, broadcasting; nan if either is nan. Ties split the gradient.

    >>> ember.minimum(ember.tensor([1.0, 5.0]), ember.tensor([3.0, 2.0]))
    tensor([1., 2.])
    """
    return _binary("minimum", Minimum, input, other, out)


def fmax(input, other, *, out=None) -> Tensor:
    """The elementwise maximum ignoring nan (nan only where both are nan).

    >>> ember.fmax(ember.tensor([float('nan'), 1.0]), ember.tensor([2.0, float('nan')]))
    tensor([2., 1.])
    """
    return _binary("fmax", Fmax, input, other, out)


def fmin(input, other, *, out=None) -> Tensor:
    """The elementwise minimum ignoring nan (nan only where both are nan).

    >>> ember.fmin(ember.tensor([float('nan'), 1.0]), ember.tensor([2.0, float('nan')]))
    tensor([2., 1.])
    """
    return _binary("fmin", Fmin, input, other, out)


# -- special values --------------------------------------------------------------------------


def _classify(op, input, fn, non_float):
    """Apply the float test ``fn``; non-float dtypes have no nan/inf: ``non_float`` (bool)."""
    check_tensor(input, op)
    d, xp = input._data, input.xp
    if d.dtype.kind != "f":
        return Tensor._make((xp.ones if non_float else xp.zeros)(d.shape, dtype=bool))
    return Tensor._make(xp.asarray(fn(xp, d)))


def isnan(input) -> Tensor:
    """True where ``input`` is nan.

    >>> ember.isnan(ember.tensor([1.0, float('nan')]))
    tensor([False,  True])
    """
    return _classify("isnan", input, lambda xp, d: xp.isnan(d), False)


def isinf(input) -> Tensor:
    """True where ``input`` is +inf or -inf.

    >>> ember.isinf(ember.tensor([1.0, float('-inf')]))
    tensor([False,  True])
    """
    return _classify("isinf", input, lambda xp, d: xp.isinf(d), False)


def isfinite(input) -> Tensor:
    """True where ``input`` is neither inf nor nan.

    >>> ember.isfinite(ember.tensor([1.0, float('inf'), float('nan')]))
    tensor([ True, False, False])
    """
    return _classify("isfinite", input, lambda xp, d: xp.isfinite(d), True)


def isposinf(input) -> Tensor:
    """True where ``input`` is +inf.

    >>> ember.isposinf(ember.tensor([float('inf'), float('-inf')]))
    tensor([ True, False])
    """
    return _classify("isposinf", input, lambda xp, d: d == math.inf, False)


def isneginf(input) -> Tensor:
    """True where ``input`` is -inf.

    >>> ember.isneginf(ember.tensor([float('inf'), float('-inf')]))
    tensor([False,  True])
    """
    return _classify("isneginf", input, lambda xp, d: d == -math.inf, False)


def signbit(input) -> Tensor:
    """True where the sign bit is set (negative numbers, -0.0 and negative nan).

    >>> ember.signbit(ember.tensor([-0.0, 0.0, -2.0]))
    tensor([ True, False,  True])
    """
    check_tensor(input, "signbit")
    d, xp = input._data, input.xp
    if d.dtype.kind == "f":
        return Tensor._make(xp.asarray(xp.signbit(d)))
    if d.dtype.kind == "i":
        return Tensor._make(xp.asarray(d < 0))
    return Tensor._make(xp.zeros(d.shape, dtype=bool))


class NanToNum(Function):
    @staticmethod
    def forward(ctx, x, nan, posinf, neginf):
        d, xp = x._data, x.xp
        finite = xp.isfinite(d)
        if finite.all():
            ctx.finite = None
            return d.copy()
        ctx.finite = finite
        fi = np.finfo(d.dtype)
        out = d.copy()
        with _quiet():
            xp.copyto(out, nan, where=xp.isnan(d), casting="unsafe")
            xp.copyto(out, fi.max if posinf is None else posinf, where=d == math.inf,
                      casting="unsafe")
            xp.copyto(out, fi.min if neginf is None else neginf, where=d == -math.inf,
                      casting="unsafe")
        return out

    @staticmethod
    def backward(ctx, g):
        # the gradient passes where the input was finite; replaced values are constants
        if ctx.finite is None:
            return g, None, None, None
        return where(_mask(g.xp, ctx.finite), g, 0.0), None, None, None


def nan_to_num(input, nan=0.0, posinf=None, neginf=None, *, out=None) -> Tensor:
    """``input`` with nan, +inf and -inf replaced by ``nan``, ``posinf`` and ``neginf``
    (defaults: 0, the dtype's largest and lowest finite values). Integers are copied.

    >>> ember.nan_to_num(ember.tensor([float('nan'), 1.0, float('inf')]), posinf=9.0)
    tensor([0., 1., 9.])
    """
    check_tensor(input, "nan_to_num")
    for name, v in (("nan", nan), ("posinf", posinf), ("neginf", neginf)):
        if v is not None and not is_scalar(v):
            raise TypeError(f"nan_to_num(): {name} must be a number or None, not "
                            f"{type(v).__name__}")
    if input._data.dtype.kind != "f":
        return _out("nan_to_num", Tensor._make(input._data.copy()), out)
    nan = 0.0 if nan is None else float(nan)
    posinf = None if posinf is None else float(posinf)
    neginf = None if neginf is None else float(neginf)
    return _out("nan_to_num", NanToNum.apply(input, nan, posinf, neginf), out)


def nan_to_num_(self, nan=0.0, posinf=None, neginf=None):
    return inplace("nan_to_num_", self, nan_to_num, nan, posinf, neginf)


# -- comparison and selection ----------------------------------------------------------------


def _compare(op, fname, a, b, out=None):
    a, b, _ = binary_operands(op, a, b)
    _check_broadcast(op, a, b)
    xp = _xp(a, b)
    return _out(op, Tensor._make(xp.asarray(getattr(xp, fname)(_data(a), _data(b)))), out)


def eq(input, other, *, out=None) -> Tensor:
    """``input == other`` elementwise, broadcasting, as a bool tensor.

    >>> ember.eq(ember.tensor([1, 2]), 2)
    tensor([False,  True])
    """
    return _compare("eq", "equal", input, other, out)


def ne(input, other, *, out=None) -> Tensor:
    """``input != other`` elementwise, broadcasting, as a bool tensor.

    >>> ember.ne(ember.tensor([1, 2]), 2)
    tensor([ True, False])
    """
    return _compare("ne", "not_equal", input, other, out)


def lt(input, other, *, out=None) -> Tensor:
    """``input < other`` elementwise, broadcasting, as a bool tensor.

    >>> ember.lt(ember.tensor([1, 2]), 2)
    tensor([ True, False])
    """
    return _compare("lt", "less", input, other, out)


def le(input, other, *, out=None) -> Tensor:
    """``input <= other`` elementwise, broadcasting, as a bool tensor.

    >>> ember.le(ember.tensor([1, 3]), 2)
    tensor([ True, False])
    """
    return _compare("le", "less_equal", input, other, out)


def gt(input, other, *, out=None) -> Tensor:
    """``input > other`` elementwise, broadcasting, as a bool tensor.

    >>> ember.gt(ember.tensor([1, 3]), 2)
    tensor([False,  True])
    """
    return _compare("gt", "greater", input, other, out)


def ge(input, other, *, out=None) -> Tensor:
    """``input >= other`` elementwise, broadcasting, as a bool tensor.

    >>> ember.ge(ember.tensor([1, 2]), 2)
    tensor([False,  True])
    """
    return _compare("ge", "greater_equal", input, other, out)


greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False) -> Tensor:
    """``|input - other| <= atol + rtol * |other|`` elementwise (or equal, e.g. equal infs),
    broadcasting; nan counts as close to nan only with ``equal_nan=True``.

    >>> ember.isclose(ember.tensor([1.0, 2.0]), ember.tensor([1.0 + 1e-7, 2.1]))
    tensor([ True, False])
    """
    _check_close_args("isclose", input, other, rtol, atol)
    a, b, xp = input._data, other._data, input.xp
    close = a == b
    if equal_nan and a.dtype.kind == "f":
        close = close | (xp.isnan(a) & xp.isnan(b))
    if rtol == 0 and atol == 0:
        return Tensor._make(xp.asarray(close))
    if a.dtype.kind == "b":
        fdt = B.get_default_dtype().np
        a, b = a.astype(fdt), b.astype(fdt)
    with _quiet():
        err = xp.abs(a - b)
        allowed = xp.abs(b * rtol)
        allowed += atol
        close = close | (xp.isfinite(err) & (err <= allowed))
    return Tensor._make(xp.asarray(close))


def _check_close_args(op, input, other, rtol, atol):
    check_tensor(input, op)
    check_tensor(other, op, "other")
    if input._data.dtype != other._data.dtype:
        raise RuntimeError(
            f"{op}(): input is {input.dtype} but other is {other.dtype}; both must have the same "
            "dtype. Convert one first, e.g. other.to(input.dtype)."
        )
    if rtol < 0:
        raise RuntimeError(f"{op}(): rtol must be greater than or equal to zero, but got {rtol}")
    if atol < 0:
        raise RuntimeError(f"{op}(): atol must be greater than or equal to zero, but got {atol}")
    _devices(op, input, other)
    _check_broadcast(op, input, other)


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False) -> bool:
    """Whether every element of ``input`` is close to ``other`` (see ``isclose``).

    >>> ember.allclose(ember.tensor([1.0, 2.0]), ember.tensor([1.0, 2.0 + 1e-6]))
    True
    """
    return bool(isclose(input, other, rtol, atol, equal_nan)._data.all())


def equal(input, other) -> bool:
    """True if both tensors have the same shape and the same values (nan is never equal).

    >>> ember.equal(ember.tensor([1, 2]), ember.tensor([1.0, 2.0]))
    True
    """
    check_tensor(input, "equal")
    check_tensor(other, "equal", "other")
    check_same_device("equal", input, other)
    if input._data.shape != other._data.shape:
        return False
    return bool((input._data == other._data).all())


class Where(Function):
    @staticmethod
    def forward(ctx, cond, a, b):
        ctx.cond = cond
        ctx.shapes = (_shape(a), _shape(b))
        return cond.xp.where(cond._data, _data(a), _data(b))

    @staticmethod
    def backward(ctx, g):
        sa, sb = ctx.shapes
        zero = _zeros(g, g._data.shape)
        ga = sum_to(Where.apply(ctx.cond, g, zero), sa) if ctx.needs_input_grad[1] else None
        gb = sum_to(Where.apply(ctx.cond, zero, g), sb) if ctx.needs_input_grad[2] else None
        return None, ga, gb


def where(condition, input=None, other=None, *, out=None) -> Tensor:
    """``input`` where ``condition`` holds, else ``other`` (broadcasting; scalars allowed).
    ``where(condition)`` alone is ``nonzero(condition, as_tuple=True)``.

    >>> ember.where(ember.tensor([True, False]), 1.0, ember.tensor([5.0, 6.0]))
    tensor([1., 6.])
    """
    check_tensor(condition, "where", "condition")
    if input is None and other is None:
        from .. import ops

        return ops.nonzero(condition, as_tuple=True)
    if input is None or other is None:
        raise TypeError("where(): expected both input and other (or neither, for nonzero)")
    if condition._data.dtype.kind != "b":
        condition = Tensor._make(condition._data.astype(bool))
    xp = condition.xp
    if isinstance(input, Tensor) or isinstance(other, Tensor):
        a, b, dt = binary_operands("where", input, other)
    else:
        for v in (input, other):
            if not _is_number(v):
                raise TypeError(f"where(): input and other must be Tensors or numbers, not "
                                f"{type(v).__name__}")
        a, b, dt = input, other, B.result_type(input, other)
    if not isinstance(a, Tensor):
        a = Tensor._make(xp.asarray(a, dtype=dt.np))
    if not isinstance(b, Tensor):
        b = Tensor._make(xp.asarray(b, dtype=dt.np))
    _devices("where", condition, a, b)
    out_shape = _shapes("where", condition._data.shape, a._data.shape, b._data.shape)
    if condition._data.shape != out_shape:
        condition = Tensor._make(xp.broadcast_to(condition._data, out_shape))
    return _out("where", Where.apply(condition, a, b), out)


# -- logical and bitwise ---------------------------------------------------------------------


def _logical(op, fname, input, other, out):
    check_tensor(input, op)
    if isinstance(other, Tensor):
        check_same_device(op, input, other)
        _check_broadcast(op, input, other)
        od = other._data
    elif is_scalar(other):
        od = other
    else:
        raise TypeError(f"{op}(): argument 'other' must be a Tensor or a number, not "
                        f"{type(other).__name__}")
    xp = input.xp
    return _out(op, Tensor._make(xp.asarray(getattr(xp, fname)(input._data, od))), out)


def logical_not(input, *, out=None) -> Tensor:
    """Elementwise NOT of truthiness (nonzero is True), as a bool tensor.

    >>> ember.logical_not(ember.tensor([0.0, 2.0]))
    tensor([ True, False])
    """
    check_tensor(input, "logical_not")
    xp = input.xp
    return _out("logical_not", Tensor._make(xp.asarray(xp.logical_not(input._data))), out)


def logical_and(input, other, *, out=None) -> Tensor:
    """Elementwise AND of truthiness (nonzero is True), broadcasting, as a bool tensor.

    >>> ember.logical_and(ember.tensor([0, 1, 2]), ember.tensor([1.0, 0.0, 3.0]))
    tensor([False, False,  True])
    """
    return _logical("logical_and", "logical_and", input, other, out)


def logical_or(input, other, *, out=None) -> Tensor:
    """Elementwise OR of truthiness, broadcasting, as a bool tensor.

    >>> ember.logical_or(ember.tensor([0, 1, 0]), ember.tensor([0, 0, 5]))
    tensor([False,  True,  True])
    """
    return _logical("logical_or", "logical_or", input, other, out)


def logical_xor(input, other, *, out=None) -> Tensor:
    """Elementwise XOR of truthiness, broadcasting, as a bool tensor.

    >>> ember.logical_xor(ember.tensor([0, 1, 2]), ember.tensor([0, 0, 5]))
    tensor([False,  True, False])
    """
    return _logical("logical_xor", "logical_xor", input, other, out)


def _desc(x):
    return str(x.dtype) if isinstance(x, Tensor) else type(x).__name__


def _bitwise(op, fname, input, other, out):
    a, b, dt = binary_operands(op, input, other)
    if dt.is_floating_point:
        raise RuntimeError(
            f"{op}(): not implemented for floating-point operands ({_desc(input)} and "
            f"{_desc(other)}); bitwise ops need bool or integer tensors. Use logical_and/or/xor() "
            "for truth values, or convert with .long() or .bool() first."
        )
    if dt.name == "bool" and fname.endswith("shift"):
        raise RuntimeError(f"{op}(): not implemented for bool tensors; convert with .long() first")
    _check_broadcast(op, a, b)
    xp = _xp(a, b)
    return _out(op, Tensor._make(xp.asarray(getattr(xp, fname)(_data(a), _data(b)))), out)


def bitwise_not(input, *, out=None) -> Tensor:
    """Bitwise NOT (``~``); logical NOT for bool tensors.

    >>> ember.bitwise_not(ember.tensor([0, 5]))
    tensor([-1, -6])
    """
    check_tensor(input, "bitwise_not")
    if input._data.dtype.kind == "f":
        raise RuntimeError(
            f"bitwise_not(): not implemented for {input.dtype}; bitwise ops need bool or integer "
            "tensors. Use logical_not() for truth values, or convert with .long() first."
        )
    return _out("bitwise_not", Tensor._make(input.xp.asarray(input.xp.invert(input._data))), out)


def bitwise_and(input, other, *, out=None) -> Tensor:
    """Bitwise AND (``&``) of bool or integer tensors, broadcasting.

    >>> ember.bitwise_and(ember.tensor([12, 10]), 6)
    tensor([4, 2])
    """
    return _bitwise("bitwise_and", "bitwise_and", input, other, out)


def bitwise_or(input, other, *, out=None) -> Tensor:
    """Bitwise OR (``|``) of bool or integer tensors, broadcasting.

    >>> ember.bitwise_or(ember.tensor([12, 10]), 1)
    tensor([13, 11])
    """
    return _bitwise("bitwise_or", "bitwise_or", input, other, out)


def bitwise_xor(input, other, *, out=None) -> Tensor:
    """Bitwise XOR (``^``) of bool or integer tensors, broadcasting.

    >>> ember.bitwise_xor(ember.tensor([True, False]), ember.tensor([True, True]))
    tensor([False,  True])
    """
    return _bitwise("bitwise_xor", "bitwise_xor", input, other, out)


def bitwise_left_shift(input, other, *, out=None) -> Tensor:
    """``input << other`` for integer tensors; shifting by the bit width or more gives 0.

    >>> ember.bitwise_left_shift(ember.tensor([1, 3]), 2)
    tensor([ 4, 12])
    """
    return _bitwise("bitwise_left_shift", "left_shift", input, other, out)


def bitwise_right_shift(input, other, *, out=None) -> Tensor:
    """``input >> other`` (arithmetic: the sign is kept) for integer tensors.

    >>> ember.bitwise_right_shift(ember.tensor([16, -16]), 2)
    tensor([ 4, -4])
    """
    return _bitwise("bitwise_right_shift", "right_shift", input, other, out)


# -- in-place forms ----------------------------------------------------------------------------


class Fill(Function):
    @staticmethod
    def forward(ctx, x, value):
        vt = isinstance(value, Tensor)
        ctx.value_dtype = value.dtype if vt else None
        out = x.xp.empty(x._data.shape, dtype=x._data.dtype)
        out[...] = value.item() if vt else value
        return out

    @staticmethod
    def backward(ctx, g):
        gx = _zeros(g, g._data.shape) if ctx.needs_input_grad[0] else None
        gv = None
        if ctx.needs_input_grad[1]:
            gv = g.sum()
            if gv.dtype is not ctx.value_dtype:
                gv = to_dtype(gv, ctx.value_dtype)
        return gx, gv


class Copy(Function):
    @staticmethod
    def forward(ctx, x, src):
        ctx.src_meta = (src.dtype, src.device, src._data.shape)
        s = src._data
        if type(s) is not type(x._data) or src.device != x.device:
            s = B.to_device(s, x.device)
        out = x.xp.empty(x._data.shape, dtype=x._data.dtype)
        out[...] = s
        return out

    @staticmethod
    def backward(ctx, g):
        dt, dev, shape = ctx.src_meta
        gx = _zeros(g, g._data.shape) if ctx.needs_input_grad[0] else None
        gs = None
        if ctx.needs_input_grad[1]:
            gs = sum_to(g, shape)
            if gs.device != dev:
                gs = to_device(gs, dev)
            if gs.dtype is not dt:
                gs = to_dtype(gs, dt)
        return gx, gs


def zero_(self) -> Tensor:
    """Fill ``self`` with zeros in place.

    >>> ember.ones(2).zero_()
    tensor([0., 0.])
    """
    check_tensor(self, "zero_")
    if grad_state.enabled and self._requires_grad:
        return inplace("zero_", self, Fill.apply, 0)
    self._data.fill(0)
    self._vc[0] += 1
    return self


def fill_(self, value) -> Tensor:
    """Fill ``self`` with ``value`` (a number or a 0-dim tensor) in place, cast to its dtype.

    >>> ember.zeros(2, dtype=ember.int64).fill_(2.7)
    tensor([2, 2])
    """
    check_tensor(self, "fill_")
    if isinstance(value, Tensor):
        if value._data.ndim:
            raise RuntimeError(
                f"fill_(): only supports 0-dimension value tensor but got tensor with "
                f"{value._data.ndim} dimensions (shape {tuple(value.shape)}); pass a number, a "
                "0-d tensor, or use copy_() to copy a tensor's values"
            )
        tracking = grad_state.enabled and (self._requires_grad or value._requires_grad)
    elif is_scalar(value):
        tracking = grad_state.enabled and self._requires_grad
    else:
        raise TypeError(f"fill_(): value must be a number or a 0-dim Tensor, not "
                        f"{type(value).__name__}")
    if tracking:
        return inplace("fill_", self, Fill.apply, value)
    self._data[...] = value.item() if isinstance(value, Tensor) else value
    self._vc[0] += 1
    return self


def copy_(self, src, non_blocking=False) -> Tensor:
    """Copy ``src`` into ``self`` in place, broadcasting it to ``self``'s shape and casting it
    to ``self``'s dtype and device. Gradients flow back to ``src``.

    >>> ember.zeros(2, 2).copy_(ember.tensor([1, 2]))
    tensor([[1., 2.],
            [1., 2.]])
    """
    check_tensor(self, "copy_")
    check_tensor(src, "copy_", "src")
    ss, ds = src._data.shape, self._data.shape
    if ss != ds:
        try:
            ok = tuple(np.broadcast_shapes(ss, ds)) == ds
        except ValueError:
            ok = False
        if not ok:
            raise RuntimeError(
                f"copy_(): the source of shape {tuple(ss)} can't be broadcast to the "
                f"destination's shape {tuple(ds)}; reshape or index the source to match"
            )
    if grad_state.enabled and (self._requires_grad or src._requires_grad):
        return inplace("copy_", self, Copy.apply, src)
    s, d = src._data, self._data
    if (type(s) is not np.ndarray or type(d) is not np.ndarray) and src.device != self.device:
        s = B.to_device(s, self.device)
    d[...] = s
    self._vc[0] += 1
    return self


def _inplace_method(name, fn):
    def method(self, *args, **kwargs):
        return inplace(name, self, fn, *args, **kwargs)

    method.__name__ = method.__qualname__ = name
    method.__doc__ = f"In-place ``{fn.__name__}``: the result is written into ``self``."
    return method


for _name in _INPLACE:
    if _name not in globals():
        globals()[_name] = _inplace_method(_name, globals()[_name[:-1]])
del _name
