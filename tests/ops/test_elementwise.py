"""Elementwise ops: parity with PyTorch and float64 gradcheck from one table, then focused tests
for integer semantics, ties and nan, special values, in-place forms, errors and double backward."""

import numpy as np
import pytest

import ember
from ember.autograd import gradcheck, gradgradcheck
from ember.ops import elementwise as E
from tests.helpers import OpCase, parametrize_cases, requires_torch

try:
    import torch
except ImportError:
    torch = None


def away(a):
    """Values moved to |a| in [3, 5]: safe divisors and far from 0."""
    return a + 3.0 * np.sign(a)


def with_nan(a):
    a = np.array(a, copy=True)
    a[a > 1.2] = np.nan
    return a


ties = np.round  # values in {-2, ..., 2}: plenty of ties
INT = dict(int_inputs=(0,), grad=False)
INT2 = dict(int_inputs=(0, 1), grad=False)
BOOL2 = dict(bool_inputs=(0, 1), grad=False)

CASES = [
    # -- arithmetic --
    OpCase("add", lambda m, x, y: m.add(x, y), [(3, 4), (3, 4)]),
    OpCase("add", lambda m, x, y: m.add(x, y, alpha=2.5), [(2, 3, 4), (4,)]),
    OpCase("add", lambda m, x: x + 1.5, [(5,)]),
    OpCase("add", lambda m, x, y: x + y, [(0, 3), (1, 3)]),
    OpCase("sub", lambda m, x, y: m.sub(x, y), [(3, 1), (1, 4)]),
    OpCase("sub", lambda m, x: 2.0 - x, [(4,)]),
    OpCase("subtract", lambda m, x, y: m.subtract(x, y, alpha=2), [(2, 3), (3,)]),
    OpCase("mul", lambda m, x, y: m.mul(x, y), [(2, 3), (3,)]),
    OpCase("mul", lambda m, x: x * 3, [(2, 2)]),
    OpCase("multiply", lambda m, x, y: m.multiply(x, y), [(2, 1), (1, 3)]),
    OpCase("div", lambda m, x, y: m.div(x, y), [(3, 4), (3, 4)], domain=away),
    OpCase("div", lambda m, x: 1.0 / x, [(4,)], low=0.5, high=2.0),
    OpCase("div", lambda m, x, y: m.div(x, y, rounding_mode="floor"), [(3, 4), (4,)],
           domain=away, id="div-floor"),
    OpCase("div", lambda m, x, y: m.div(x, y, rounding_mode="trunc"), [(3, 4), (4,)],
           domain=away, id="div-trunc"),
    OpCase("div", lambda m, x, y: m.div(x - 2, y + 1, rounding_mode="floor"), [(3, 4), (4,)],
           **INT2, id="div-floor-int"),
    OpCase("div", lambda m, x, y: m.div(x - 2, y - 5, rounding_mode="trunc"), [(3, 4), (4,)],
           **INT2, id="div-trunc-int"),
    OpCase("div", lambda m, x, y: x / (y + 1), [(3,), (3,)], **INT2, id="div-int-true"),
    OpCase("divide", lambda m, x: m.divide(x, 2.0), [(3,)]),
    OpCase("true_divide", lambda m, x, y: m.true_divide(x, y), [(2, 3), (2, 3)], domain=away),
    OpCase("neg", lambda m, x: m.neg(x), [(2, 3)]),
    OpCase("neg", lambda m, x: -x, [(4,)], **INT, id="neg-int"),
    OpCase("negative", lambda m, x: m.negative(x), [(3,)]),
    OpCase("floor_divide", lambda m, x, y: m.floor_divide(x, y), [(3, 4), (4,)], domain=away,
           grad=False),
    OpCase("floor_divide", lambda m, x: x // 1.5, [(5,)], grad=False, id="floordiv-op"),
    OpCase("floor_divide", lambda m, x, y: (x - 2) // (y + 1), [(3, 4), (3, 1)], **INT2,
           id="floordiv-int"),
    OpCase("floor_divide", lambda m, x: 7 // (x - 5), [(4,)], **INT, id="rfloordiv-int"),
    OpCase("remainder", lambda m, x, y: m.remainder(x, y), [(3, 4), (4,)], domain=away),
    OpCase("remainder", lambda m, x: x % 1.5, [(2, 3)]),
    OpCase("remainder", lambda m, x: x.remainder(-1.5), [(2, 3)], id="remainder-neg-divisor"),
    OpCase("remainder", lambda m, x, y: (x - 2) % (y + 1), [(3, 4), (4,)], **INT2,
           id="remainder-int"),
    OpCase("remainder", lambda m, x: 5 % (x - 5), [(4,)], **INT, id="rmod-int"),
    OpCase("fmod", lambda m, x, y: m.fmod(x, y), [(3, 4), (4,)], domain=away),
    OpCase("fmod", lambda m, x: x.fmod(-1.5), [(2, 3)]),
    OpCase("fmod", lambda m, x, y: m.fmod(x - 2, y + 1), [(3, 4), (4,)], **INT2, id="fmod-int"),
    OpCase("reciprocal", lambda m, x: m.reciprocal(x), [(3, 4)], domain=away),
    OpCase("reciprocal", lambda m, x: x.reciprocal(), [(5,)], **INT, id="reciprocal-int"),
    OpCase("square", lambda m, x: m.square(x), [(3, 4)]),
    OpCase("square", lambda m, x: x.square(), [(5,)], **INT, id="square-int"),
    OpCase("rsqrt", lambda m, x: m.rsqrt(x), [(3, 4)], low=0.5, high=3.0),
    OpCase("rsqrt", lambda m, x: x.rsqrt(), [(5,)], **INT, id="rsqrt-int"),
    OpCase("addcmul", lambda m, x, a, b: m.addcmul(x, a, b, value=0.5), [(3, 4), (4,), (3, 1)]),
    OpCase("addcmul", lambda m, x, a, b: x.addcmul(a, b), [(2, 3), (2, 3), (2, 3)]),
    OpCase("addcmul", lambda m, x, a, b: m.addcmul(x, a, b, value=2), [(4,), (4,), (4,)],
           int_inputs=(0, 1, 2), grad=False, id="addcmul-int"),
    OpCase("addcdiv", lambda m, x, a, b: m.addcdiv(x, a, b, value=-2), [(3, 4), (4,), (3, 1)],
           domain=away),
    OpCase("addcdiv", lambda m, x, a, b: x.addcdiv(a, b), [(2, 3), (2, 3), (2, 3)], domain=away),
    OpCase("lerp", lambda m, x, y: m.lerp(x, y, 0.3), [(3, 4), (4,)]),
    OpCase("lerp", lambda m, x, y: x.lerp(y, 0.8), [(3, 4), (3, 4)]),
    OpCase("lerp", lambda m, x, y, w: m.lerp(x, y, w), [(3, 4), (3, 4), (4,)]),
    OpCase("lerp", lambda m, x, y, w: m.lerp(x, y, w), [(2, 1, 3), (4, 1), (3,)]),
    OpCase("lerp", lambda m, x, y: m.lerp(x, y, 0.5), [(0, 3), (3,)]),
    # -- powers, exponentials and logs --
    OpCase("pow", lambda m, x, y: m.pow(x, y), [(3, 4), (4,)], low=0.5, high=2.0),
    OpCase("pow", lambda m, x: 2.0 ** x, [(5,)]),
    OpCase("pow", lambda m, x: x ** 3, [(5,)]),
    OpCase("pow", lambda m, x: x.pow(0.5), [(5,)], low=0.5),
    OpCase("pow", lambda m, x: x ** 2, [(5,)], **INT, id="pow-int"),
    OpCase("pow", lambda m, x, y: m.pow(x - 2, y - 2), [(8,), (8,)], **INT2, id="pow-int-neg"),
    OpCase("pow", lambda m, x: 2 ** x, [(5,)], **INT, id="rpow-int"),
    OpCase("exp", lambda m, x: m.exp(x), [(3, 4)]),
    OpCase("exp", lambda m, x: x.exp(), [()], id="exp-0d"),
    OpCase("exp", lambda m, x: x.exp(), [(4,)], **INT, id="exp-int"),
    OpCase("exp2", lambda m, x: m.exp2(x), [(3, 4)]),
    OpCase("exp2", lambda m, x: x.exp2(), [(4,)], **INT, id="exp2-int"),
    OpCase("expm1", lambda m, x: m.expm1(x), [(3, 4)]),
    OpCase("log", lambda m, x: m.log(x), [(3, 4)], low=0.2),
    OpCase("log", lambda m, x: x.log(), [(0, 3)], low=0.2, id="log-empty"),
    OpCase("log", lambda m, x: x.log(), [(5,)], **INT, id="log-int"),
    OpCase("log2", lambda m, x: m.log2(x), [(3, 4)], low=0.2),
    OpCase("log2", lambda m, x: x.log2(), [(5,)], **INT, id="log2-int"),
    OpCase("log10", lambda m, x: m.log10(x), [(3, 4)], low=0.2),
    OpCase("log1p", lambda m, x: m.log1p(x), [(3, 4)], low=-0.8),
    OpCase("sqrt", lambda m, x: m.sqrt(x), [(3, 4)], low=0.2),
    OpCase("sqrt", lambda m, x: x.sqrt(), [(5,)], **INT, id="sqrt-int"),
    OpCase("abs", lambda m, x: m.abs(x), [(3, 4)]),
    OpCase("abs", lambda m, x: abs(x - 2), [(5,)], **INT, id="abs-int"),
    OpCase("absolute", lambda m, x: m.absolute(x), [(4,)]),
    OpCase("sign", lambda m, x: m.sign(x), [(3, 4)]),
    OpCase("sign", lambda m, x: (x - 2).sign(), [(5,)], **INT, id="sign-int"),
    # -- trigonometric and hyperbolic --
    OpCase("sin", lambda m, x: m.sin(x), [(3, 4)]),
    OpCase("sin", lambda m, x: x.sin(), [(4,)], **INT, id="sin-int"),
    OpCase("cos", lambda m, x: m.cos(x), [(3, 4)]),
    OpCase("tan", lambda m, x: m.tan(x), [(3, 4)], low=-1.2, high=1.2),
    OpCase("asin", lambda m, x: m.asin(x), [(3, 4)], low=-0.9, high=0.9),
    OpCase("acos", lambda m, x: m.acos(x), [(3, 4)], low=-0.9, high=0.9),
    OpCase("atan", lambda m, x: m.atan(x), [(3, 4)]),
    OpCase("sinh", lambda m, x: m.sinh(x), [(3, 4)]),
    OpCase("cosh", lambda m, x: m.cosh(x), [(3, 4)]),
    OpCase("asinh", lambda m, x: m.asinh(x), [(3, 4)]),
    OpCase("acosh", lambda m, x: m.acosh(x), [(3, 4)], low=1.2, high=3.0),
    OpCase("atanh", lambda m, x: m.atanh(x), [(3, 4)], low=-0.9, high=0.9),
    OpCase("arcsin", lambda m, x: x.arcsin(), [(4,)], low=-0.9, high=0.9),
    OpCase("arccos", lambda m, x: m.arccos(x), [(4,)], low=-0.9, high=0.9),
    OpCase("arctan", lambda m, x: m.arctan(x), [(4,)]),
    OpCase("arcsinh", lambda m, x: m.arcsinh(x), [(4,)]),
    OpCase("arccosh", lambda m, x: x.arccosh(), [(4,)], low=1.2, high=3.0),
    OpCase("arctanh", lambda m, x: m.arctanh(x), [(4,)], low=-0.9, high=0.9),
    OpCase("atan2", lambda m, x, y: m.atan2(x, y), [(3, 4), (4,)]),
    OpCase("atan2", lambda m, x, y: x.atan2(y), [(2, 1), (1, 3)]),
    OpCase("atan2", lambda m, x, y: m.atan2(x - 2, y - 2), [(5,), (5,)], **INT2, id="atan2-int"),
    OpCase("arctan2", lambda m, x, y: m.arctan2(x, y), [(3,), (3,)]),
    # -- rounding (zero gradients, like PyTorch) --
    OpCase("floor", lambda m, x: m.floor(x), [(3, 4)]),
    OpCase("floor", lambda m, x: x.floor(), [(5,)], **INT, id="floor-int"),
    OpCase("ceil", lambda m, x: m.ceil(x), [(3, 4)]),
    OpCase("round", lambda m, x: m.round(x), [(3, 4)]),
    OpCase("round", lambda m, x: x.round(decimals=2), [(3, 4)], id="round-decimals"),
    OpCase("round", lambda m, x: m.round(x, decimals=-1), [(3, 4)], low=-200, high=200,
           id="round-neg-decimals"),
    OpCase("round", lambda m, x: x.round(), [(5,)], **INT, id="round-int"),
    OpCase("trunc", lambda m, x: m.trunc(x), [(3, 4)]),
    OpCase("fix", lambda m, x: x.fix(), [(3, 4)]),
    OpCase("frac", lambda m, x: m.frac(x), [(3, 4)], low=-3.0, high=3.0),
    # -- clamping, maximum and minimum --
    OpCase("clamp", lambda m, x: m.clamp(x, -0.5, 0.5), [(3, 4)]),
    OpCase("clamp", lambda m, x: x.clamp(min=0.1), [(3, 4)]),
    OpCase("clamp", lambda m, x: x.clamp(max=0.1), [(3, 4)]),
    OpCase("clamp", lambda m, x: m.clamp(x, 1.0, -1.0), [(3, 4)], id="clamp-min-gt-max"),
    OpCase("clamp", lambda m, x, lo, hi: m.clamp(x, lo - 1, hi + 1), [(3, 4), (4,), (3, 1)]),
    OpCase("clamp", lambda m, x, lo: m.clamp(x, min=lo), [(3, 4), (4,)]),
    OpCase("clamp", lambda m, x, hi: x.clamp(max=hi), [(2, 3, 4), (3, 1)]),
    OpCase("clamp", lambda m, x: m.clamp(x, 1, 3), [(5,)], **INT, id="clamp-int"),
    OpCase("clamp", lambda m, x: m.clamp(x, 0.5, 2.5), [(5,)], **INT, id="clamp-int-float-bounds"),
    OpCase("clamp", lambda m, x: m.clamp(x, -0.5, 0.5), [(0, 2)], id="clamp-empty"),
    OpCase("clip", lambda m, x: m.clip(x, -0.5, 0.5), [(3, 4)]),
    OpCase("clip", lambda m, x, hi: x.clip(max=hi), [(3, 4), (4,)]),
    OpCase("clamp_min", lambda m, x: m.clamp_min(x, 0.2), [(3, 4)]),
    OpCase("clamp_min", lambda m, x, y: x.clamp_min(y), [(3, 4), (4,)]),
    OpCase("clamp_max", lambda m, x: x.clamp_max(0.2), [(3, 4)]),
    OpCase("clamp_max", lambda m, x, y: m.clamp_max(x, y), [(3, 4), (3, 1)]),
    OpCase("maximum", lambda m, x, y: m.maximum(x, y), [(3, 4), (4,)]),
    OpCase("maximum", lambda m, x, y: x.maximum(y), [(3, 4), (3, 4)], domain=ties,
           id="maximum-ties"),
    OpCase("maximum", lambda m, x, y: m.maximum(x, y), [(5,), (5,)], **INT2, id="maximum-int"),
    OpCase("minimum", lambda m, x, y: m.minimum(x, y), [(3, 4), (3, 1)]),
    OpCase("minimum", lambda m, x, y: x.minimum(y), [(3, 4), (4,)], domain=ties,
           id="minimum-ties"),
    OpCase("fmax", lambda m, x, y: m.fmax(x, y), [(3, 4), (4,)]),
    OpCase("fmax", lambda m, x, y: x.fmax(y), [(3, 4), (3, 4)], domain=with_nan, gradcheck=False,
           id="fmax-nan"),
    OpCase("fmin", lambda m, x, y: m.fmin(x, y), [(3, 4), (3, 1)]),
    OpCase("fmin", lambda m, x, y: x.fmin(y), [(3, 4), (3, 4)], domain=with_nan, gradcheck=False,
           id="fmin-nan"),
    OpCase("where", lambda m, c, x, y: m.where(c > 0, x, y), [(3, 4), (3, 4), (4,)]),
    OpCase("where", lambda m, c, x: m.where(c > 0, x, 0.0), [(3, 4), (3, 4)], id="where-scalar"),
    # -- special values --
    OpCase("isnan", lambda m, x: m.isnan(m.log(x)), [(3, 4)], grad=False),
    OpCase("isnan", lambda m, x: x.isnan(), [(4,)], **INT, id="isnan-int"),
    OpCase("isinf", lambda m, x: m.isinf(m.log(m.clamp(x, min=0))), [(3, 4)], grad=False),
    OpCase("isfinite", lambda m, x: x.log().isfinite(), [(3, 4)], grad=False),
    OpCase("isfinite", lambda m, x: m.isfinite(x), [(4,)], **INT, id="isfinite-int"),
    OpCase("isposinf", lambda m, x: m.isposinf(-m.log(x.clamp(min=0))), [(3, 4)], grad=False),
    OpCase("isneginf", lambda m, x: m.log(x.clamp(min=0)).isneginf(), [(3, 4)], grad=False),
    OpCase("signbit", lambda m, x: m.signbit(x), [(3, 4)], grad=False),
    OpCase("signbit", lambda m, x: (x - 2).signbit(), [(5,)], **INT, id="signbit-int"),
    OpCase("nan_to_num", lambda m, x: m.nan_to_num(m.log(m.clamp(x, min=0))), [(3, 4)]),
    OpCase("nan_to_num", lambda m, x: (-x.clamp(min=0).log()).nan_to_num(), [(3, 4)],
           id="nan_to_num-posinf"),
    OpCase("nan_to_num", lambda m, x: x.log().nan_to_num(nan=1.0, posinf=2.0, neginf=-3.0),
           [(3, 4)], id="nan_to_num-values"),
    OpCase("nan_to_num", lambda m, x: m.nan_to_num(x), [(3, 4)], id="nan_to_num-finite"),
    OpCase("nan_to_num", lambda m, x: m.nan_to_num(x), [(4,)], **INT, id="nan_to_num-int"),
    # -- comparisons --
    OpCase("eq", lambda m, x, y: m.eq(x, y), [(3, 4), (4,)], domain=ties, grad=False),
    OpCase("eq", lambda m, x: x == 1, [(5,)], **INT, id="eq-int-scalar"),
    OpCase("ne", lambda m, x, y: x != y, [(3, 4), (4,)], domain=ties, grad=False),
    OpCase("lt", lambda m, x, y: m.lt(x, y), [(3, 4), (3, 1)], domain=ties, grad=False),
    OpCase("lt", lambda m, x: x < 2.5, [(5,)], **INT, id="lt-int-float"),
    OpCase("le", lambda m, x, y: x <= y, [(3, 4), (4,)], domain=ties, grad=False),
    OpCase("gt", lambda m, x, y: m.gt(x, y), [(3, 4), (4,)], domain=ties, grad=False),
    OpCase("gt", lambda m, x, y: x > y, [(4,), (4,)], int_inputs=(0,), grad=False,
           id="gt-int-float"),
    OpCase("ge", lambda m, x: x.ge(0.5), [(3, 4)], domain=ties, grad=False),
    OpCase("greater", lambda m, x, y: m.greater(x, y), [(3, 4), (4,)], domain=ties, grad=False),
    OpCase("greater_equal", lambda m, x, y: x.greater_equal(y), [(3, 4), (4,)], domain=ties,
           grad=False),
    OpCase("less", lambda m, x, y: m.less(x, y), [(3, 4), (4,)], domain=ties, grad=False),
    OpCase("less_equal", lambda m, x, y: m.less_equal(x, y), [(3, 4), (4,)], domain=ties,
           grad=False),
    OpCase("not_equal", lambda m, x, y: x.not_equal(y), [(3, 4), (4,)], domain=ties, grad=False),
    OpCase("isclose", lambda m, x, y: m.isclose(x, y, rtol=0.1, atol=0.2), [(3, 4), (4,)],
           grad=False),
    OpCase("isclose", lambda m, x, y: x.log().isclose(y.log(), equal_nan=True), [(3, 4), (3, 4)],
           domain=ties, grad=False, id="isclose-equal-nan"),
    OpCase("isclose", lambda m, x, y: m.isclose(x, y, atol=1), [(6,), (6,)], **INT2,
           id="isclose-int"),
    # -- logical and bitwise --
    OpCase("logical_not", lambda m, x: m.logical_not(x), [(3, 4)], domain=ties, grad=False),
    OpCase("logical_and", lambda m, x, y: m.logical_and(x, y), [(3, 4), (4,)], domain=ties,
           grad=False),
    OpCase("logical_and", lambda m, x, y: x.logical_and(y), [(4,), (4,)], **BOOL2,
           id="logical_and-bool"),
    OpCase("logical_or", lambda m, x, y: m.logical_or(x, y), [(2, 3), (3,)], **INT,
           id="logical_or-int-float"),
    OpCase("logical_xor", lambda m, x, y: x.logical_xor(y), [(3, 4), (4,)], domain=ties,
           grad=False),
    OpCase("bitwise_and", lambda m, x, y: m.bitwise_and(x, y), [(3, 4), (4,)], **INT2,
           int_high=16),
    OpCase("bitwise_and", lambda m, x, y: x & y, [(4,), (4,)], **BOOL2, id="and-bool"),
    OpCase("bitwise_and", lambda m, x: x & 6, [(5,)], **INT, int_high=16, id="and-scalar"),
    OpCase("bitwise_or", lambda m, x, y: x | y, [(3, 4), (4,)], **INT2, int_high=16),
    OpCase("bitwise_or", lambda m, x, y: m.bitwise_or(x, y), [(4,), (4,)], **BOOL2,
           id="or-bool"),
    OpCase("bitwise_xor", lambda m, x, y: x ^ y, [(3, 4), (3, 1)], **INT2, int_high=16),
    OpCase("bitwise_xor", lambda m, x, y: x.bitwise_xor(y), [(4,), (4,)], **BOOL2,
           id="xor-bool"),
    OpCase("bitwise_not", lambda m, x: ~(x - 8), [(6,)], **INT, int_high=16),
    OpCase("bitwise_not", lambda m, x: m.bitwise_not(x), [(4,)], bool_inputs=(0,), grad=False,
           id="not-bool"),
    OpCase("bitwise_left_shift", lambda m, x, y: m.bitwise_left_shift(x, y), [(3, 4), (4,)],
           **INT2, int_high=8),
    OpCase("bitwise_left_shift", lambda m, x: (x - 4) << 3, [(6,)], **INT, int_high=8,
           id="lshift-op"),
    OpCase("bitwise_right_shift", lambda m, x, y: (x - 8).bitwise_right_shift(y), [(6,), (6,)],
           **INT2, int_high=16),
    OpCase("bitwise_right_shift", lambda m, x: x >> 1, [(6,)], **INT, int_high=16,
           id="rshift-op"),
    # -- 0-d operands --
    OpCase("remainder", lambda m, x, y: m.remainder(x, y), [(), (4,)], domain=away, id="rem-0d"),
    OpCase("maximum", lambda m, x, y: m.maximum(x, y), [(), (3,)], id="maximum-0d"),
    OpCase("atan2", lambda m, x, y: m.atan2(x, y), [(), ()], id="atan2-0d"),
    OpCase("clamp", lambda m, x: x.clamp(-0.5, 0.5), [()], id="clamp-0d"),
    OpCase("lerp", lambda m, x, y, w: m.lerp(x, y, w), [(), (), ()], id="lerp-0d"),
    OpCase("sign", lambda m, x: x.sign(), [()], id="sign-0d"),
    OpCase("frac", lambda m, x: x.frac(), [()], low=0.1, high=0.9, id="frac-0d"),
    OpCase("round", lambda m, x: x.round(decimals=1), [()], id="round-0d"),
    OpCase("rsqrt", lambda m, x: x.rsqrt(), [()], low=0.5, id="rsqrt-0d"),
    OpCase("nan_to_num", lambda m, x: x.log().nan_to_num(), [()], id="nan_to_num-0d"),
    OpCase("logical_not", lambda m, x: m.logical_not(x), [()], grad=False, id="logical_not-0d"),
    OpCase("isnan", lambda m, x: x.isnan(), [()], grad=False, id="isnan-0d"),
    OpCase("isclose", lambda m, x, y: m.isclose(x, y, atol=1.0), [(), ()], grad=False,
           id="isclose-0d"),
    OpCase("bitwise_and", lambda m, x, y: x & y, [(), (3,)], **INT2, id="and-0d"),
    OpCase("where", lambda m, c, x: m.where(c > 0, x, 1.0), [(), ()], id="where-0d"),
    # -- in-place forms (through clone or a non-leaf, so gradients flow) --
    OpCase("add_", lambda m, x, y: (x * 1).add_(y, alpha=2), [(3, 4), (4,)]),
    OpCase("mul_", lambda m, x, y: (x * 1).mul_(y), [(3, 4), (3, 1)]),
    OpCase("div_", lambda m, x, y: (x * 1).div_(y), [(3, 4), (4,)], domain=away),
    OpCase("clamp_", lambda m, x: x.clone().clamp_(-0.5, 0.5), [(3, 4)]),
    OpCase("clamp_", lambda m, x, lo: x.clone().clamp_(min=lo), [(3, 4), (4,)]),
    OpCase("clip_", lambda m, x: x.clone().clip_(max=0.3), [(3, 4)]),
    OpCase("clamp_min_", lambda m, x: x.clone().clamp_min_(0.3), [(3, 4)]),
    OpCase("clamp_max_", lambda m, x: x.clone().clamp_max_(0.3), [(3, 4)]),
    OpCase("zero_", lambda m, x: (x * 2).zero_(), [(3, 4)]),
    OpCase("fill_", lambda m, x: (x * 2).fill_(1.5), [(3, 4)]),
    OpCase("fill_", lambda m, x, v: (x * 2).fill_(v.sum()), [(3, 4), (2,)], id="fill_-tensor"),
    OpCase("fill_", lambda m, x: x.clone().fill_(2.7), [(4,)], **INT, id="fill_-int"),
    OpCase("copy_", lambda m, x, y: (x * 2).copy_(y), [(3, 4), (4,)]),
    OpCase("copy_", lambda m, y: m.zeros(3, 4, dtype=m.float64).copy_(y), [(4,)],
           id="copy_-to-float64"),
    OpCase("copy_", lambda m, x: m.zeros(2, 3, dtype=m.int64).copy_(x), [(2, 3)], low=-5,
           high=5, grad=False, id="copy_-to-int"),
    OpCase("abs_", lambda m, x: x.clone().abs_(), [(3, 4)]),
    OpCase("sqrt_", lambda m, x: x.clone().sqrt_(), [(3, 4)], low=0.2),
    OpCase("exp_", lambda m, x: x.clone().exp_(), [(3, 4)]),
    OpCase("log_", lambda m, x: x.clone().log_(), [(3, 4)], low=0.2),
    OpCase("sin_", lambda m, x: x.clone().sin_(), [(3, 4)]),
    OpCase("floor_", lambda m, x: x.clone().floor_(), [(3, 4)]),
    OpCase("round_", lambda m, x: x.clone().round_(decimals=1), [(3, 4)]),
    OpCase("reciprocal_", lambda m, x: x.clone().reciprocal_(), [(3, 4)], domain=away),
    OpCase("neg_", lambda m, x: x.clone().neg_(), [(3, 4)]),
    OpCase("pow_", lambda m, x: x.clone().pow_(2), [(3, 4)]),
    OpCase("lerp_", lambda m, x, y, w: x.clone().lerp_(y, w), [(3, 4), (4,), (3, 4)]),
    OpCase("addcmul_", lambda m, x, a, b: x.clone().addcmul_(a, b, value=3), [(3, 4), (4,), (4,)]),
    OpCase("nan_to_num_", lambda m, x: x.log().nan_to_num_(nan=0.5), [(3, 4)]),
    OpCase("remainder_", lambda m, x: x.clone().remainder_(0.7), [(3, 4)]),
    OpCase("eq_", lambda m, x, y: x.clone().eq_(y), [(3, 4), (4,)], domain=ties, grad=False),
    OpCase("logical_and_", lambda m, x, y: x.clone().logical_and_(y), [(3, 4), (4,)],
           domain=ties, grad=False),
    OpCase("bitwise_xor_", lambda m, x, y: x.clone().bitwise_xor_(y), [(3, 4), (4,)], **INT2),
]

OTHER_TESTS = ("allclose", "equal")  # return Python bools: tested below, not in the table

test_parity, test_gradcheck = parametrize_cases(CASES)


def _both(fn, *arrays):
    """Run ``fn(lib, *tensors)`` in ember and torch on the same arrays."""
    return (fn(ember, *[ember.tensor(a) for a in arrays]),
            fn(torch, *[torch.tensor(a) for a in arrays]))


def _same(e, t):
    assert str(e.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]
    np.testing.assert_array_equal(e.numpy(), t.numpy())


# -- promotion and integer semantics ---------------------------------------------------------


def test_python_scalars_do_not_widen_float32():
    x = ember.ones(3)
    assert (x * 2.5).dtype is ember.float32
    assert (x + 1).dtype is ember.float32
    assert (ember.tensor([1, 2]) * 2.5).dtype is ember.float32


def test_promotion_follows_torch():
    i = ember.tensor([1, 2])
    f64 = ember.tensor([1.0, 2.0], dtype=ember.float64)
    assert (i + f64).dtype is ember.float64
    assert (i * 2.5).dtype is ember.float32
    assert (i / 2).dtype is ember.float32
    assert (ember.tensor([1, 2], dtype=ember.int32) + 5).dtype is ember.int32
    assert (ember.ones(2) + ember.tensor(1.0, dtype=ember.float64)).dtype is ember.float32


@requires_torch
@pytest.mark.parametrize("fn", [
    lambda m, x: m.exp(x), lambda m, x: m.sqrt(x), lambda m, x: m.sin(x), lambda m, x: x / 2,
    lambda m, x: m.reciprocal(x), lambda m, x: m.log1p(x), lambda m, x: m.atan2(x, x),
    lambda m, x: m.abs(x), lambda m, x: -x, lambda m, x: m.square(x), lambda m, x: x // 2,
    lambda m, x: x % 3, lambda m, x: m.fmod(x, 3), lambda m, x: m.floor(x), lambda m, x: x == 2,
    lambda m, x: m.clamp(x, 0.5), lambda m, x: m.clamp(x, 1, 2), lambda m, x: m.maximum(x, x),
    lambda m, x: m.sign(x), lambda m, x: x ** 2, lambda m, x: m.nan_to_num(x),
])
@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8", "bool"])
def test_integer_and_bool_dtypes_follow_torch(fn, dtype):
    a = np.array([0, 1, 2, 3, 7]).astype(dtype)
    try:
        t = fn(torch, torch.from_numpy(a.copy()))
    except (RuntimeError, TypeError, NotImplementedError):
        with pytest.raises((RuntimeError, TypeError)):
            fn(ember, ember.from_numpy(a.copy()))
        return
    e = fn(ember, ember.from_numpy(a.copy()))
    assert str(e.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]
    np.testing.assert_allclose(e.numpy(), t.numpy(), rtol=1e-6)


@requires_torch
def test_integer_division_signs_follow_torch():
    a, b = np.array([5, -5, 7, -7, 0]), np.array([2, 2, -3, -3, 4])
    for fn in (lambda m, x, y: m.floor_divide(x, y), lambda m, x, y: m.remainder(x, y),
               lambda m, x, y: m.fmod(x, y), lambda m, x, y: m.div(x, y, rounding_mode="trunc"),
               lambda m, x, y: m.div(x, y, rounding_mode="floor"), lambda m, x, y: x / y):
        _same(*_both(fn, a, b))
    assert ember.remainder(ember.tensor([-3, 3]), 2).tolist() == [1, 1]
    assert ember.fmod(ember.tensor([-3, 3]), 2).tolist() == [-1, 1]


@pytest.mark.parametrize("fn", [
    lambda x: x // 0, lambda x: x % 0, lambda x: ember.fmod(x, 0),
    lambda x: ember.div(x, ember.tensor([1, 0]), rounding_mode="trunc"),
    lambda x: 5 // (x - 1),
])
def test_integer_division_by_zero_raises(fn):
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        fn(ember.tensor([1, 2]))


def test_float_division_by_zero_gives_inf_without_warnings():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        x = ember.tensor([1.0, -1.0, 0.0])
        assert ember.div(x, 0.0).tolist()[:2] == [float("inf"), float("-inf")]
        assert np.isnan((x // 0.0).numpy()[2])
        assert np.isnan(ember.log(ember.tensor([-1.0])).item())
        assert ember.exp(ember.tensor([1000.0])).item() == float("inf")
        assert ember.rsqrt(ember.tensor([0.0])).item() == float("inf")
        assert np.isnan(ember.asin(ember.tensor([2.0])).item())


@requires_torch
def test_integer_pow_negative_exponents_follow_torch():
    a, b = np.array([1, -1, -1, 2, 0, 3]), np.array([-1, -1, -2, -1, -3, 2])
    _same(*_both(lambda m, x, y: m.pow(x, y), a, b))
    with pytest.raises(RuntimeError, match="negative integer powers"):
        ember.tensor([2]) ** -1


@requires_torch
def test_shifts_past_the_bit_width_follow_torch():
    a = np.array([1, -8, 8])
    for n in (63, 64, 70, -1):
        _same(*_both(lambda m, x, n=n: m.bitwise_left_shift(x, n), a))
        _same(*_both(lambda m, x, n=n: m.bitwise_right_shift(x, n), a))
    u = np.array([1, 255], dtype=np.uint8)
    _same(*_both(lambda m, x: x << 7, u))


BINARY_OPS = ["floor_divide", "remainder", "fmod", "maximum", "minimum", "fmax", "fmin",
              "atan2", "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_left_shift",
              "bitwise_right_shift", "logical_and", "logical_or", "logical_xor", "eq", "lt",
              "ge", "pow", "div", "mul", "sub", "add"]
DTYPES = ["bool", "uint8", "int32", "int64", "float32", "float64"]


def _outcome(lib, op, a, b):
    """(dtype name, values) of ``lib.op(a, b)``, or ("error", None) if the library refuses."""
    try:
        r = getattr(lib, op)(a, b)
    except (RuntimeError, TypeError, NotImplementedError):
        return "error", None
    return str(r.dtype).split(".")[-1], r.numpy().astype(float)


@requires_torch
@pytest.mark.parametrize("op", BINARY_OPS)
def test_binary_dtype_combinations_follow_torch(op):
    rng = np.random.default_rng(0)
    for da, db, sa, sb in [(da, db, sa, sb) for da in DTYPES for db in DTYPES
                           for sa, sb in (((3,), (3,)), ((3,), ()), ((), (3,)))]:
        a = rng.integers(1, 5, size=sa).astype(da)
        b = rng.integers(1, 5, size=sb).astype(db)
        e = _outcome(ember, op, ember.tensor(a), ember.tensor(b))
        t = _outcome(torch, op, torch.tensor(a), torch.tensor(b))
        where = f"{op}({da}{list(sa)}, {db}{list(sb)})"
        assert e[0] == t[0], f"{where}: ember gives {e[0]}, torch {t[0]}"
        if t[1] is not None:
            np.testing.assert_allclose(e[1], t[1], rtol=1e-6, err_msg=where)
    for da in DTYPES:  # a Python scalar operand (ember also accepts one where torch wants a tensor)
        for s in (2, 2.5, True):
            a = rng.integers(1, 5, size=3).astype(da)
            t = _outcome(torch, op, torch.tensor(a), s)
            if t[0] == "error":
                continue
            e = _outcome(ember, op, ember.tensor(a), s)
            assert e[0] == t[0], f"{op}({da}, {s!r}): ember gives {e[0]}, torch {t[0]}"
            np.testing.assert_allclose(e[1], t[1], rtol=1e-6, err_msg=f"{op}({da}, {s!r})")


def test_bool_subtraction_and_power_follow_torch():
    b = ember.tensor([True, False])
    for fn in (lambda: b - b, lambda: b - 1, lambda: ember.tensor([1, 2]) - True,
               lambda: 1.0 - b, lambda: ember.ones(2) - b):
        with pytest.raises(RuntimeError, match=r"sub\(\): subtraction.*bool.*(\^|~)"):
            fn()
    assert (b ** True).tolist() == [True, False] and (b ** True).dtype is ember.bool
    assert (b ** False).tolist() == [True, True]
    assert (b ** 2).dtype is ember.int64
    with pytest.raises(RuntimeError, match=r"pow\(\): not implemented for two bool"):
        b ** b


# -- kinks, ties, nan ------------------------------------------------------------------------


def _grads(lib, fn, *arrays):
    ts = [lib.tensor(a, dtype=lib.float64, requires_grad=True) for a in arrays]
    out = fn(lib, *ts)
    out.backward(lib.ones_like(out) if hasattr(lib, "ones_like") else None)
    return [t.grad.numpy() for t in ts]


@requires_torch
@pytest.mark.parametrize("fn", [
    lambda m, x, y: m.maximum(x, y), lambda m, x, y: m.minimum(x, y),
    lambda m, x, y: m.fmax(x, y), lambda m, x, y: m.fmin(x, y),
    lambda m, x, y: m.clamp(x, min=y), lambda m, x, y: m.clamp(x, max=y),
    lambda m, x, y: m.clamp(x, y, y), lambda m, x, y: m.clamp(x, y - 1, y),
    lambda m, x, y: m.clamp(x, y, y - 1), lambda m, x, y: m.remainder(x, y),
    lambda m, x, y: m.pow(x, y), lambda m, x, y: m.atan2(x, y),
])
def test_gradients_at_ties_and_kinks_follow_torch(fn):
    nan = float("nan")
    a = [1.0, 2.0, 0.0, nan, 1.0, nan, -1.0, 0.0]
    b = [1.0, 1.0, 0.0, 1.0, nan, nan, 2.0, 2.0]
    for eg, tg in zip(_grads(ember, fn, a, b), _grads(torch, fn, a, b)):
        np.testing.assert_allclose(eg, tg, equal_nan=True)


@requires_torch
def test_clamp_scalar_bounds_pass_gradient_at_the_bounds():
    fn = lambda m, x: m.clamp(x, -1.0, 1.0)  # noqa: E731
    a = [-2.0, -1.0, 0.0, 1.0, 2.0, float("nan")]
    (eg,), (tg,) = _grads(ember, fn, a), _grads(torch, fn, a)
    np.testing.assert_array_equal(eg, tg)
    assert eg.tolist() == [0.0, 1.0, 1.0, 1.0, 0.0, 0.0]


@requires_torch
def test_special_values_follow_torch():
    nan, inf = float("nan"), float("inf")
    a = np.array([nan, inf, -inf, -0.0, 0.0, 2.5, -2.5, 0.5, 1.5], dtype=np.float32)
    b = np.ascontiguousarray(a[::-1])
    for fn in (lambda m, x: m.sign(x), lambda m, x: m.round(x), lambda m, x: m.floor(x),
               lambda m, x: m.frac(x), lambda m, x: m.signbit(x), lambda m, x: m.isnan(x),
               lambda m, x: m.isinf(x), lambda m, x: m.isposinf(x), lambda m, x: m.isneginf(x),
               lambda m, x: m.isfinite(x), lambda m, x: m.nan_to_num(x),
               lambda m, x: m.clamp(x, -1.0, 1.0), lambda m, x: x % 2.0,
               lambda m, x: m.fmod(x, 2.0), lambda m, x: x // 2.0, lambda m, x: x.exp(),
               lambda m, x: x.log(), lambda m, x: m.atan2(x, x)):
        e, t = _both(fn, a)
        assert str(e.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]
        np.testing.assert_allclose(e.numpy(), t.numpy(), rtol=1e-6)  # ulps in exp/log
    for fn in (lambda m, x, y: m.maximum(x, y), lambda m, x, y: m.minimum(x, y),
               lambda m, x, y: m.fmax(x, y), lambda m, x, y: m.fmin(x, y),
               lambda m, x, y: x % y, lambda m, x, y: m.fmod(x, y), lambda m, x, y: x // y):
        e, t = _both(fn, a, b)
        assert str(e.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]
        np.testing.assert_allclose(e.numpy(), t.numpy(), rtol=1e-6)  # ulps in exp/log


@requires_torch
@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_nan_to_num_defaults_are_the_dtype_limits(dtype):
    a = np.array([np.nan, np.inf, -np.inf, 1.0], dtype=dtype)
    _same(*_both(lambda m, x: m.nan_to_num(x), a))
    _same(*_both(lambda m, x: m.nan_to_num(x, nan=2.0, posinf=3.0, neginf=-4.0), a))


@requires_torch
def test_round_halves_to_even_and_decimals_follow_torch():
    a = np.array([0.5, 1.5, 2.5, -0.5, -1.5, 0.125, 1.2345, -0.055, 1234.5], dtype=np.float32)
    for d in (0, 1, 2, 3, -1, -2):
        _same(*_both(lambda m, x, d=d: m.round(x, decimals=d), a))


@requires_torch
def test_isclose_allclose_equal_follow_torch():
    nan, inf = float("nan"), float("inf")
    a = np.array([1.0, 2.0, inf, -inf, nan, 1e-9])
    b = np.array([1.0 + 1e-6, 2.1, inf, inf, nan, 0.0])
    for kw in ({}, dict(equal_nan=True), dict(rtol=0.1), dict(rtol=0.0, atol=0.0)):
        _same(*_both(lambda m, x, y, kw=kw: m.isclose(x, y, **kw), a, b))
        e, t = _both(lambda m, x, y, kw=kw: m.allclose(x[:2], y[:2], **kw), a, b)
        assert e is t
    assert ember.allclose(ember.ones(2), ember.ones(3, 2)) is True
    assert ember.equal(ember.tensor([1, 2]), ember.tensor([1.0, 2.0])) is True
    assert ember.equal(ember.ones(2), ember.ones(1, 2)) is False
    assert ember.equal(ember.tensor([nan]), ember.tensor([nan])) is False
    assert ember.tensor([1, 2]).equal(ember.tensor([1, 3])) is False
    assert ember.ones(2).allclose(ember.ones(2) + 1e-7)


def test_lerp_endpoints_are_exact():
    a, b = ember.tensor([0.1, -3.7]), ember.tensor([7.3, 1e-3])
    assert ember.lerp(a, b, 1.0).tolist() == b.tolist()
    assert ember.lerp(a, b, 0.0).tolist() == a.tolist()
    assert ember.lerp(a, b, ember.tensor([1.0, 0.0])).tolist() == [b.tolist()[0], a.tolist()[1]]


def test_where_with_two_scalars_and_tensor_method_names():
    c = ember.tensor([True, False])
    assert ember.where(c, 1.0, 0.0).dtype is ember.float32
    assert ember.where(c, 1, 0).tolist() == [1, 0]
    for name in E.TENSOR_METHODS:
        assert callable(getattr(ember.Tensor, name)), name
    if torch is not None:
        assert [n for n in E.__all__ if not hasattr(torch, n)] == []
        assert [n for n in E.TENSOR_METHODS if not hasattr(torch.Tensor, n)] == []


# -- in-place forms ---------------------------------------------------------------------------


def test_zero_fill_copy_write_in_place_and_bump_the_version():
    base = ember.arange(6.0).reshape(2, 3)
    data = base._data
    v = base._version
    assert base.zero_() is base and base._data is data and base._version == v + 1
    assert base.tolist() == [[0.0] * 3] * 2
    base.fill_(ember.tensor(2.0, dtype=ember.float64))
    assert base.tolist() == [[2.0] * 3] * 2 and base._version == v + 2
    base.copy_(ember.tensor([1, 2, 3]))
    assert base.tolist() == [[1.0, 2.0, 3.0]] * 2 and base._version == v + 3
    assert base._data is data and base.dtype is ember.float32
    row = base[0]
    row.fill_(9.0)  # a view writes through to its base
    assert base.tolist()[0] == [9.0, 9.0, 9.0]
    i = ember.zeros(3, dtype=ember.int64)
    i.copy_(ember.tensor([1.7, -2.7, 0.2]))
    assert i.tolist() == [1, -2, 0] and i.dtype is ember.int64
    b = ember.zeros(2, dtype=ember.bool)
    assert b.copy_(ember.tensor([0.5, 0.0])).tolist() == [True, False]


@pytest.mark.parametrize("call, ref", [
    (lambda x, y, w: x.add_(y), lambda x, y, w: x + y),
    (lambda x, y, w: x.add_(y, alpha=-0.5), lambda x, y, w: x - 0.5 * y),
    (lambda x, y, w: x.add_(2), lambda x, y, w: x + 2),
    (lambda x, y, w: x.sub_(y[0]), lambda x, y, w: x - y[0]),
    (lambda x, y, w: x.sub_(y, alpha=2), lambda x, y, w: x - 2 * y),
    (lambda x, y, w: x.mul_(y), lambda x, y, w: x * y),
    (lambda x, y, w: x.mul_(0.5), lambda x, y, w: x * 0.5),
    (lambda x, y, w: x.div_(y), lambda x, y, w: x / y),
    (lambda x, y, w: x.div_(y, rounding_mode="floor"), lambda x, y, w: x // y),
    (lambda x, y, w: x.addcmul_(y, w, value=0.5), lambda x, y, w: x + 0.5 * y * w),
    (lambda x, y, w: x.addcdiv_(y, w, value=-2), lambda x, y, w: x - 2 * y / w),
    (lambda x, y, w: x.lerp_(y, 0.25), lambda x, y, w: x + 0.25 * (y - x)),
    (lambda x, y, w: x.lerp_(y, 0.75), lambda x, y, w: x + 0.75 * (y - x)),
    (lambda x, y, w: x.lerp_(y, w / 4), lambda x, y, w: x + w / 4 * (y - x)),
    (lambda x, y, w: x.clamp_(-0.5, 0.5), lambda x, y, w: x.clamp(-0.5, 0.5)),
    (lambda x, y, w: x.add_(y.double()), lambda x, y, w: x + y.double().float()),
])
@pytest.mark.parametrize("grad_mode", [False, True])
def test_in_place_fast_paths_match_the_out_of_place_ops(call, ref, grad_mode):
    rng = np.random.default_rng(0)
    x0 = rng.uniform(0.5, 2, (3, 4)).astype(np.float32)
    y, w = ember.tensor(rng.uniform(0.5, 2, 4).astype(np.float32)), ember.tensor(x0 + 1)
    x = ember.tensor(x0.copy())
    data, v = x._data, x._version
    with ember.set_grad_enabled(grad_mode):
        assert call(x, y, w) is x
    assert x._data is data and x._version == v + 1 and x.dtype is ember.float32
    np.testing.assert_allclose(x.numpy(), ref(ember.tensor(x0), y, w).numpy(), rtol=1e-6)
    xt = ember.tensor(x0.copy()).T  # a non-contiguous destination
    call(xt, y[:3], w.T)
    np.testing.assert_allclose(xt.numpy(), ref(ember.tensor(x0).T, y[:3], w.T).numpy(),
                               rtol=1e-6)


def test_in_place_fast_paths_skip_the_generic_path(monkeypatch):
    def generic(*args, **kwargs):
        raise AssertionError("took the generic inplace() path")

    monkeypatch.setattr(E, "inplace", generic)
    x, y = ember.ones(3, 4), ember.full((4,), 2.0)
    x.add_(y).sub_(y, alpha=0.5).mul_(2.0).div_(y).addcmul_(y, y).addcdiv_(y, y).lerp_(y, 0.3)
    x.clamp_(0, 1).clamp_min_(0.2).zero_().fill_(1).copy_(y)
    w = ember.ones(2, requires_grad=True)
    with ember.no_grad():
        w.add_(ember.ones(2), alpha=-0.1).mul_(0.9).clamp_(max=0.5).zero_().copy_(y[:2])
    assert w.tolist() == [2.0, 2.0] and w.grad_fn is None
    with pytest.raises(AssertionError, match="generic"):
        ember.ones(2).exp_()  # the test can fail: other in-place ops do take it


def test_in_place_fast_paths_keep_torch_errors():
    i = ember.tensor([1, 2])
    with pytest.raises(RuntimeError, match=r"add_\(\).*can't be cast"):
        i.add_(1.5)
    with pytest.raises(RuntimeError, match=r"mul_\(\).*can't be cast"):
        i.mul_(ember.ones(2))
    with pytest.raises(RuntimeError, match=r"div_\(\).*can't be cast"):
        i.div_(2)
    with pytest.raises(RuntimeError, match=r"add_\(\).*\(2,\).*\(2, 2\)"):
        ember.ones(2).add_(ember.ones(2, 2))
    with pytest.raises(RuntimeError, match=r"sub\(\).*bool"):
        ember.tensor([True]).sub_(ember.tensor([True]))
    assert i.add_(3).tolist() == [4, 5] and i.mul_(i).tolist() == [16, 25]
    b = ember.tensor([True, False])
    assert b.add_(ember.tensor([False, True])).tolist() == [True, True]


def test_in_place_on_a_leaf_that_requires_grad():
    w = ember.ones(3, requires_grad=True)
    for fn in (lambda: w.zero_(), lambda: w.fill_(1.0), lambda: w.copy_(ember.zeros(3)),
               lambda: w.clamp_(0, 1), lambda: w.exp_()):
        with pytest.raises(RuntimeError, match="leaf Variable"):
            fn()
    with ember.no_grad():
        w.mul_(3).clamp_(max=2.0)
        assert w.tolist() == [2.0, 2.0, 2.0]
        w.copy_(ember.tensor([1.0, 2.0, 3.0]))
        w.zero_()
        w.fill_(0.5)
    assert w.requires_grad and w.grad_fn is None and w.tolist() == [0.5] * 3


def test_copy_and_fill_propagate_gradient_to_the_source():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    buf = ember.zeros(3, 2)
    buf.copy_(x)
    assert buf.requires_grad and buf.grad_fn is not None
    (buf * ember.tensor([[1.0], [2.0], [3.0]])).sum().backward()
    assert x.grad.tolist() == [6.0, 6.0]
    v = ember.tensor(3.0, requires_grad=True)
    buf2 = ember.zeros(2, 2)
    buf2.fill_(v)
    (buf2 * ember.tensor([[0.0, 1.0], [2.0, 3.0]])).sum().backward()
    assert v.grad.item() == 6.0
    y = x * 1
    y.zero_()
    (y * 2).sum().backward()
    assert x.grad.tolist() == [6.0, 6.0]  # zero_ passes no gradient through


def test_in_place_invalidates_saved_tensors():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    y = x * 1
    z = y.sin()
    y.clamp_(max=1.5)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.sum().backward()


def test_in_place_dtype_rules():
    i = ember.tensor([1, 4])
    with pytest.raises(RuntimeError, match=r"sqrt_\(\).*can't be cast"):
        i.sqrt_()
    with pytest.raises(RuntimeError, match=r"clamp_min_?\(\).*can't be cast"):
        i.clamp_min_(1.5)
    assert i.clone().floor_().tolist() == [1, 4]
    assert i.clone().clamp_(2, 3).tolist() == [2, 3]
    f = ember.tensor([0.0, 3.0])
    assert f.clone().logical_and_(ember.tensor([1.0, 2.0])).tolist() == [0.0, 1.0]
    assert f.clone().eq_(3.0).tolist() == [0.0, 1.0]
    with pytest.raises(RuntimeError, match=r"shape \(2,\).*\(2, 2\)"):
        f.clone().clamp_(ember.zeros(2, 1))


def test_out_argument():
    out = ember.empty(2)
    r = ember.add(ember.tensor([1.0, 2.0]), 1.0, out=out)
    assert r is out and out.tolist() == [2.0, 3.0]
    e = ember.empty(0)
    ember.sin(ember.zeros(3), out=e)
    assert e.shape == (3,)
    with pytest.raises(RuntimeError, match=r"out=.*automatic differentiation"):
        ember.exp(ember.ones(2, requires_grad=True), out=ember.empty(2))
    with pytest.raises(RuntimeError, match=r"mul\(\): out= has shape \(3,\).*\(2,\)"):
        ember.mul(ember.ones(2), 2.0, out=ember.empty(3))
    with pytest.raises(RuntimeError, match=r"result type .*float32.*int64"):
        ember.exp(ember.ones(2), out=ember.zeros(2, dtype=ember.int64))


# -- errors --------------------------------------------------------------------------------


def test_broadcast_error_names_op_and_shapes():
    with pytest.raises(RuntimeError, match=r"add\(\).*\(2, 3\) and \(4,\)"):
        ember.ones(2, 3) + ember.ones(4)
    for op in ("maximum", "atan2", "remainder", "logical_and", "bitwise_and", "eq", "fmax"):
        a = ember.ones(2, 3, dtype=ember.int64)
        with pytest.raises(RuntimeError, match=op + r"\(\).*\(2, 3\) and \(4,\)"):
            getattr(ember, op)(a, ember.ones(4, dtype=ember.int64))
    with pytest.raises(RuntimeError, match=r"lerp\(\).*\(2, 3\) and \(4,\)"):
        ember.lerp(ember.ones(2, 3), ember.ones(4), 0.5)
    with pytest.raises(RuntimeError, match=r"clamp\(\).*\(2, 3\) and \(4,\)"):
        ember.clamp(ember.ones(2, 3), ember.ones(4))
    with pytest.raises(RuntimeError, match=r"addcmul\(\).*\(2,\) and \(3,\)"):
        ember.addcmul(ember.ones(1), ember.ones(2), ember.ones(3))


@pytest.mark.parametrize("op", ["bitwise_and", "bitwise_or", "bitwise_xor",
                                "bitwise_left_shift", "bitwise_right_shift"])
def test_bitwise_ops_reject_floats(op):
    with pytest.raises(RuntimeError, match=op + r"\(\).*float32.*int.*\.long\(\)"):
        getattr(ember, op)(ember.ones(2), 1)
    with pytest.raises(RuntimeError, match=r"bitwise_not\(\).*float32"):
        ~ember.ones(2)
    with pytest.raises(RuntimeError, match=r"bitwise_and\(\).*float32"):
        ember.tensor([1, 2]) & ember.ones(2)


def test_argument_errors_name_the_op_and_the_fix():
    f, i = ember.ones(2), ember.tensor([1, 2])
    with pytest.raises(RuntimeError, match=r"clamp\(\): At least one of 'min' or 'max'"):
        ember.clamp(f)
    with pytest.raises(TypeError, match=r"clamp\(\): argument 'min' must be a number"):
        ember.clamp(f, "0")
    with pytest.raises(RuntimeError, match=r"lerp\(\): expected dtype ember.float32 for `end`"):
        ember.lerp(f, f.double(), 0.5)
    with pytest.raises(RuntimeError, match=r"lerp\(\): expected floating.*int64"):
        ember.lerp(i, i, 0.5)
    with pytest.raises(RuntimeError, match=r"isclose\(\): input is ember.int64 but other is "
                                           r"ember.float32"):
        ember.isclose(i, f)
    with pytest.raises(RuntimeError, match=r"isclose\(\): rtol must be greater"):
        ember.isclose(f, f, rtol=-1.0)
    with pytest.raises(RuntimeError, match=r"fill_\(\): only supports 0-dimension.*1 dim"):
        f.fill_(ember.ones(1))
    with pytest.raises(RuntimeError, match=r"copy_\(\).*\(3,\).*\(2,\)"):
        f.copy_(ember.ones(3))
    with pytest.raises(TypeError, match=r"copy_\(\): argument 'src' must be a Tensor"):
        f.copy_([1.0, 2.0])
    with pytest.raises(RuntimeError, match=r"frac\(\).*int64.*\.float\(\)"):
        ember.frac(i)
    with pytest.raises(RuntimeError, match=r"round\(\): decimals=2.*int64"):
        ember.round(i, decimals=2)
    with pytest.raises(RuntimeError, match=r"abs\(\).*bool"):
        ember.abs(ember.tensor([True]))
    with pytest.raises(RuntimeError, match=r"floor\(\).*bool"):
        ember.floor(ember.tensor([True]))
    with pytest.raises(ValueError, match=r"div\(\): expected rounding_mode.*'round'"):
        ember.div(f, f, rounding_mode="round")
    with pytest.raises(RuntimeError, match=r"addcdiv\(\): integer division.*int64"):
        ember.addcdiv(i, i, i)
    with pytest.raises(RuntimeError, match=r"bitwise_left_shift\(\).*bool"):
        ember.tensor([True]) << ember.tensor([True])
    with pytest.raises(RuntimeError, match=r"neg\(\).*bool"):
        -ember.tensor([True])
    with pytest.raises(TypeError, match=r"exp\(\): argument 'input' must be a Tensor"):
        ember.exp(1.0)


def test_floor_divide_has_no_derivative_like_torch():
    x = ember.tensor([1.5, -2.5], requires_grad=True)
    y = x // 2.0
    assert y.requires_grad and y.tolist() == [0.0, -2.0]
    with pytest.raises(RuntimeError, match=r"floor_divide\(\).*rounding_mode='floor'"):
        y.sum().backward()
    z = ember.div(x, 2.0, rounding_mode="floor")
    z.sum().backward()
    assert x.grad.tolist() == [0.0, 0.0]


# -- double backward --------------------------------------------------------------------------


def _x(shape, low=-2.0, high=2.0, seed=0, domain=None):
    a = np.random.default_rng(seed).uniform(low, high, size=shape)
    if domain is not None:
        a = domain(a)
    return ember.tensor(a, dtype=ember.float64, requires_grad=True)


@pytest.mark.parametrize("fn, low, high", [
    (lambda x: x.exp2(), -2, 2), (lambda x: x.expm1(), -2, 2), (lambda x: x.log2(), 0.3, 2),
    (lambda x: x.log10(), 0.3, 2), (lambda x: x.log1p(), -0.5, 2), (lambda x: x.rsqrt(), 0.5, 2),
    (lambda x: x.reciprocal(), 0.5, 2), (lambda x: x.square(), -2, 2),
    (lambda x: x.sin(), -2, 2), (lambda x: x.cos(), -2, 2), (lambda x: x.tan(), -1, 1),
    (lambda x: x.asin(), -0.8, 0.8), (lambda x: x.acos(), -0.8, 0.8), (lambda x: x.atan(), -2, 2),
    (lambda x: x.sinh(), -2, 2), (lambda x: x.cosh(), -2, 2), (lambda x: x.asinh(), -2, 2),
    (lambda x: x.acosh(), 1.2, 3), (lambda x: x.atanh(), -0.8, 0.8), (lambda x: x.frac(), 0.1, 0.9),
    (lambda x: x.clamp(-0.5, 0.5) * x, -2, 2), (lambda x: x.nan_to_num() * x, -2, 2),
    (lambda x: x ** 3, -2, 2), (lambda x: 2.0 ** x, -2, 2), (lambda x: x.abs() * x, -2, 2),
])
def test_gradgradcheck_unary(fn, low, high):
    assert gradgradcheck(fn, (_x((5,), low, high),))


@pytest.mark.parametrize("fn", [
    lambda x, y: ember.atan2(x, y), lambda x, y: ember.pow(x.abs() + 0.5, y),
    lambda x, y: ember.maximum(x, y) * x, lambda x, y: ember.minimum(x, y) * y,
    lambda x, y: ember.fmax(x, y) * y, lambda x, y: ember.remainder(x, y.abs() + 1) * x,
    lambda x, y: ember.fmod(x, y.abs() + 1) * y, lambda x, y: ember.lerp(x, y, y * 0.3),
    lambda x, y: ember.addcdiv(x, x, y.abs() + 1, value=0.5),
    lambda x, y: ember.addcmul(x, y, y, value=2.0), lambda x, y: ember.clamp(x, y - 1, y + 1) * x,
    lambda x, y: ember.where(x > y, x * y, y * y), lambda x, y: (x * 1).copy_(y) * y,
])
def test_gradgradcheck_binary(fn):
    assert gradgradcheck(fn, (_x((2, 3)), _x((3,), seed=1)))


def test_gradgradcheck_clamp_tensor_bounds():
    x, lo, hi = _x((3, 4)), _x((4,), seed=1), _x((3, 1), seed=2)
    assert gradcheck(lambda a, b, c: ember.clamp(a, b - 1, c + 1), (x, lo, hi))
    assert gradgradcheck(lambda a, b, c: ember.clamp(a, b - 1, c + 1) * a * b * c, (x, lo, hi))
