"""Activation functions: relu and its relatives, sigmoid/tanh, gelu, silu, softplus, softmax.

Elementwise activations share one pattern (``_Pointwise``): the forward computes ``f(x)`` on
arrays and, when a gradient will be needed, ``f'(x)`` as an array too (usually from the same
intermediates), so the backward is a single multiply. That multiply is itself a Function
(``_PointwiseGrad``) whose backward uses ``f''`` written in ember ops, so double (and higher)
backward works. Gradients at kinks follow PyTorch (e.g. relu'(0) = 0, leaky_relu'(0) = slope).

NumPy has no ``erf``: ``erf``/``erfc`` below evaluate W. J. Cody's rational Chebyshev
approximations (Math. Comp. 23 (1969) 631-637, as in his CALERF routine) on whole arrays.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from .. import backend as B
from ..autograd.function import Function
from ..autograd.grad_mode import state as grad_state
from ..tensor import Tensor
from ._util import cast, check_tensor, normalize_dim
from ._util import inplace as _inplace  # ``inplace`` is a parameter of the functional forms

__all__ = ["sigmoid", "tanh", "logit", "relu", "relu6", "leaky_relu", "elu", "selu", "celu",
           "gelu", "silu", "mish", "softplus", "softsign", "hardtanh", "hardsigmoid",
           "hardswish", "logsigmoid", "tanhshrink", "softshrink", "hardshrink", "threshold",
           "prelu", "glu", "softmax", "log_softmax", "softmin", "erf", "erfc", "erfinv",
           "relu_", "sigmoid_", "tanh_", "leaky_relu_", "elu_", "selu_", "celu_", "hardtanh_",
           "threshold_", "erf_", "erfc_", "erfinv_", "logit_"]
TENSOR_METHODS = ("sigmoid", "tanh", "logit", "relu", "softmax", "log_softmax", "hardshrink",
                  "prelu", "erf", "erfc", "erfinv", "relu_", "sigmoid_", "tanh_", "erf_",
                  "erfc_", "erfinv_", "logit_")

_SQRT1_2 = 0.7071067811865476  # 1 / sqrt(2)
_INV_SQRT_2PI = 0.3989422804014327  # 1 / sqrt(2 pi)
_TWO_OVER_SQRTPI = 1.1283791670955126  # 2 / sqrt(pi)
_SQRTPI_OVER_2 = 0.886226925452758  # sqrt(pi) / 2
_SQRT_2_OVER_PI = 0.7978845608028654  # sqrt(2 / pi)
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


# -- argument checks -------------------------------------------------------------------------


def _to_float(op, x):
    """Integer and bool inputs become the default float dtype (sigmoid, tanh, erf, ...)."""
    check_tensor(x, op)
    return x if x._data.dtype.kind == "f" else cast(x, B.get_default_dtype())


def _need_float(op, x):
    """Ops PyTorch implements for floating dtypes only: others raise NotImplementedError."""
    check_tensor(x, op)
    if x._data.dtype.kind != "f":
        raise NotImplementedError(
            f"{op}(): not implemented for {x.dtype} input; it needs a floating-point tensor. "
            f"Convert it first, e.g. {op}(x.float())"
        )
    return x


def _no_bool(op, x, torch_name=None):
    """Ops that keep integer dtypes (relu, hardtanh, threshold) but refuse bool."""
    check_tensor(x, op)
    if x._data.dtype.kind == "b":
        raise RuntimeError(
            f"{op}(): Bool inputs not supported for {torch_name or op}; convert the tensor "
            f"first, e.g. {op}(x.float()) or {op}(x.long())"
        )
    return x


def _quiet():
    """Inf and nan are values, not warnings (as in PyTorch): exp overflow, log(0), inf - inf."""
    return np.errstate(over="ignore", divide="ignore", invalid="ignore")


# -- the elementwise pattern -----------------------------------------------------------------


class _Pointwise(Function):
    """``y = f(x)`` elementwise with scalar parameters: ``Fn.apply(x, *params)``.

    Subclasses define ``compute(xp, a, need_grad, *params) -> (out, deriv)`` on arrays, where
    ``deriv`` is f'(x) as an array of the input dtype, or a bool mask that is True where the
    gradient passes unchanged and False where it is zero (None when ``need_grad`` is false).
    Ops whose f' is cheap to get from the saved tensor return None and define
    ``deriv(xp, saved_array, *params)`` instead, run by the backward (no extra memory held).
    ``second(saved, *params)`` is the derivative of f' with respect to the saved tensor, in
    ember ops (None when it is zero). The saved tensor is the input, or the output when
    ``saves_output`` (as PyTorch saves them, so in-place changes are caught the same way).
    """

    saves_output = False
    upcast_half = True  # float16 is computed in float32 and rounded back, like PyTorch
    quiet = True  # inf inputs give nan (inf * 0, inf / inf) silently, as in PyTorch

    @staticmethod
    def compute(xp, a, need_grad, *params):
        raise NotImplementedError

    @staticmethod
    def second(saved, *params):
        return None

    deriv = None

    @staticmethod
    def forward(ctx, x, *params):
        op = type(ctx)
        a = x._data
        need = ctx.needs_input_grad[0]
        scalar = a.ndim == 0
        if scalar:  # helpers write intermediates in place, which 0-d results can't take
            a = a.reshape(1)
        dt = a.dtype
        if op.upcast_half and dt == np.float16:
            a = a.astype(np.float32)
        if op.quiet:
            with _quiet():
                out, d = op.compute(x.xp, a, need, *params)
        else:
            out, d = op.compute(x.xp, a, need, *params)
        if out.dtype != dt:
            out = out.astype(dt)
            if d is not None and d.dtype != np.bool_:
                d = d.astype(dt)
        if scalar:
            out = out.reshape(())
            d = d.reshape(()) if d is not None else None
        if need:
            ctx.d = d
            ctx.params = params
            ctx.save_for_backward(out if op.saves_output else x)
        return out

    @staticmethod
    def backward(ctx, g):
        (s,) = ctx.saved_tensors
        op, d = type(ctx), ctx.d
        if d is None:
            d = op.deriv(s.xp, s._data, *ctx.params)
        gx = _PointwiseGrad.apply(g, s, d, op, ctx.params)
        return (gx,) + (None,) * len(ctx.params)


class _PointwiseGrad(Function):
    """``g * f'(x)`` for a ``_Pointwise`` op, with f' from its forward; differentiable again."""

    def name(self):
        op = self.__dict__.get("op")
        return f"{op.__name__}BackwardBackward0" if op is not None else "PointwiseGradBackward0"

    @staticmethod
    def forward(ctx, g, s, d, op, params):
        ctx.op = op
        ctx.meta = (d, params)
        ctx.save_for_backward(g if ctx.needs_input_grad[1] else None, s)
        gd = g._data
        r = gd * d  # (backward runs under errstate: nan derivatives at +-inf are silent)
        # A bool mask multiplies 20x faster than where() selects; only a non-finite incoming
        # gradient (0 * inf = nan) needs where() to give exact zeros like PyTorch.
        # The check is one sum (finite iff every element is; an overflowing sum only takes
        # the exact path needlessly): a third of the cost of isfinite(g).all().
        if d.dtype == np.bool_ and not g.xp.isfinite(gd.sum()):
            r = g.xp.where(d, gd, 0)
        return r

    @staticmethod
    def backward(ctx, gg):
        g, s = ctx.saved_tensors
        d, params = ctx.meta
        dg = ds = None
        if ctx.needs_input_grad[0]:
            dg = _PointwiseGrad.apply(gg, s, d, ctx.op, params)
        if ctx.needs_input_grad[1]:
            dd = ctx.op.second(s, *params)
            if dd is not None:
                ds = gg * g * dd
        return dg, ds, None, None, None


def _new(xp, a):
    return xp.empty_like(a)


# -- sigmoid, tanh, logit --------------------------------------------------------------------


def _sigmoid_array(xp, a):
    """1 / (1 + exp(-a)): exp overflows to inf for very negative a, giving exactly 0."""
    t = xp.negative(a, out=_new(xp, a))
    xp.exp(t, out=t)  # (callers run under _quiet())
    t += 1.0
    return xp.reciprocal(t, out=t)


class Sigmoid(_Pointwise):
    saves_output = True

    @staticmethod
    def compute(xp, a, need_grad):
        return _sigmoid_array(xp, a), None

    @staticmethod
    def deriv(xp, out):  # y (1 - y)
        d = xp.subtract(1.0, out)
        d *= out
        return d

    @staticmethod
    def second(out):
        return 1.0 - 2.0 * out


def sigmoid(input, *, out=None) -> Tensor:
    """The logistic function ``1 / (1 + exp(-x))``, elementwise (stable for large ``|x|``).

    >>> ember.sigmoid(ember.tensor([-100.0, 0.0, 100.0]))
    tensor([0.0000, 0.5000, 1.0000])
    """
    return _with_out("sigmoid", Sigmoid.apply(_to_float("sigmoid", input)), out)


class Tanh(_Pointwise):
    saves_output = True
    quiet = False

    @staticmethod
    def compute(xp, a, need_grad):
        return xp.tanh(a), None

    @staticmethod
    def deriv(xp, out):  # 1 - y^2 as (1 - y)(1 + y): accurate where y is close to +-1
        d = xp.subtract(1.0, out)
        d *= out + 1.0
        return d

    @staticmethod
    def second(out):
        return -2.0 * out


def tanh(input, *, out=None) -> Tensor:
    """Hyperbolic tangent, elementwise.

    >>> ember.tanh(ember.tensor([0.0, 1.0]))
    tensor([0.0000, 0.7616])
    """
    return _with_out("tanh", Tanh.apply(_to_float("tanh", input)), out)


class Logit(_Pointwise):
    @staticmethod
    def compute(xp, a, need_grad, eps):
        z = a
        if eps is not None:
            lo, hi = eps, 1.0 - eps
            if lo <= hi:
                z = xp.minimum(xp.maximum(a, lo), hi)
            else:  # PyTorch's order of tests when eps > 0.5: x < lo ? lo : (x > hi ? hi : x)
                z = xp.where(a < lo, lo, xp.where(a > hi, hi, a))
        out = xp.subtract(1.0, z, out=_new(xp, a))
        xp.divide(z, out, out=out)
        xp.log(out, out=out)
        d = None
        if need_grad:
            d = xp.subtract(1.0, a, out=_new(xp, a))
            d *= a
            xp.reciprocal(d, out=d)
            # Outside [eps, 1 - eps] the clamp makes the gradient 0; without eps, outside
            # [0, 1] PyTorch gives nan.
            lo, hi, fill = (0.0, 1.0, np.nan) if eps is None else (eps, 1.0 - eps, 0.0)
            outside = (a < lo) | (a > hi)
            if outside.any():
                xp.copyto(d, fill, where=outside)
        return out, d

    @staticmethod
    def second(x, eps):
        from .elementwise import where

        v = 1.0 - x
        dd = (2.0 * x - 1.0) / (x * v * x * v)
        if eps is None:
            return dd
        outside = Tensor._make((x._data < eps) | (x._data > 1.0 - eps))
        return where(outside, 0.0, dd)


def logit(input, eps=None, *, out=None) -> Tensor:
    """``log(p / (1 - p))``; with ``eps``, p is first clamped to ``[eps, 1 - eps]``.

    >>> ember.logit(ember.tensor([0.25, 0.5]))
    tensor([-1.0986,  0.0000])
    """
    x = _to_float("logit", input)
    if eps is not None:
        eps = float(eps)
        if eps < 0:
            eps = None
    return _with_out("logit", Logit.apply(x, eps), out)


def _with_out(op, result, out):
    """Write ``result`` into a user-given ``out=`` tensor (no autograd through ``out``)."""
    if out is None:
        return result
    check_tensor(out, op, "out")
    if tuple(out.shape) != tuple(result.shape) or out.dtype is not result.dtype:
        raise RuntimeError(
            f"{op}(): out= has shape {tuple(out.shape)} and dtype {out.dtype}, but the result "
            f"has shape {tuple(result.shape)} and dtype {result.dtype}; pass a matching tensor"
        )
    if result.requires_grad or out.requires_grad:
        raise RuntimeError(
            f"{op}(): functions with out=... arguments don't support automatic "
            "differentiation, but one of the arguments requires grad; drop out=."
        )
    out._data[...] = result._data
    out._vc[0] += 1
    return out


# -- relu and the piecewise-linear family ----------------------------------------------------


class Relu(_Pointwise):
    saves_output = True
    upcast_half = False
    quiet = False

    @staticmethod
    def compute(xp, a, need_grad):
        return xp.maximum(a, 0), None

    @staticmethod
    def deriv(xp, out):
        # The gradient passes where y > 0 and, like PyTorch, where y is nan. A relu output is
        # never negative, so that is y != 0: one pass instead of (y <= 0) and its negation.
        return out != 0


def relu(input, inplace=False) -> Tensor:
    """``max(x, 0)`` elementwise; integer dtypes are kept. The gradient at 0 is 0.

    >>> ember.relu(ember.tensor([-1.0, 0.0, 2.0]))
    tensor([0., 0., 2.])
    """
    if inplace:
        return relu_(input)
    if isinstance(input, Tensor):
        a = input._data
        if (type(a) is np.ndarray and a.dtype.kind == "f" and a.ndim
                and not (input._requires_grad and grad_state.enabled)):
            # Nothing to record: one ufunc, no graph node (a third of relu's cost at batch 1).
            return Tensor._make(np.maximum(a, 0))
    return Relu.apply(_no_bool("relu", input))


def relu_(input) -> Tensor:
    """In-place :func:`relu`."""
    return _inplace("relu_", _no_bool("relu_", input, "relu"), relu)


class LeakyRelu(_Pointwise):

    @staticmethod
    def compute(xp, a, need_grad, slope):
        # f'(x) = x > 0 ? 1 : slope (the slope at 0), built arithmetically, and f(x) = x f'(x)
        d = (a > 0).astype(a.dtype)
        d *= 1.0 - slope
        d += slope
        out = xp.multiply(a, d)
        return out, (d if need_grad else None)


def leaky_relu(input, negative_slope=0.01, inplace=False) -> Tensor:
    """``x`` where ``x > 0``, else ``negative_slope * x``.

    >>> ember.leaky_relu(ember.tensor([-2.0, 3.0]), 0.1)
    tensor([-0.2000,  3.0000])
    """
    if inplace:
        return leaky_relu_(input, negative_slope)
    return LeakyRelu.apply(_need_float("leaky_relu", input), float(negative_slope))


def leaky_relu_(input, negative_slope=0.01) -> Tensor:
    """In-place :func:`leaky_relu`."""
    _need_float("leaky_relu_", input)
    return _inplace("leaky_relu_", input, leaky_relu, negative_slope)


class Hardtanh(_Pointwise):
    upcast_half = False
    quiet = False

    @staticmethod
    def compute(xp, a, need_grad, lo, hi):
        if a.dtype.kind != "f":  # integer tensors clamp to the bounds truncated to integers
            lo, hi = int(lo), int(hi)
        out = xp.maximum(a, lo)
        xp.minimum(out, hi, out=out)
        return out, None

    @staticmethod
    def deriv(xp, a, lo, hi):  # zero gradient at and beyond the bounds
        d = a <= lo
        d |= a >= hi
        return xp.logical_not(d, out=d)


def _check_bounds(op, min_val, max_val):
    if min_val > max_val:
        raise ValueError(f"{op}(): min_val cannot be greater than max_val, got min_val="
                         f"{min_val} and max_val={max_val}; swap them")


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False) -> Tensor:
    """``x`` clamped to ``[min_val, max_val]``; the gradient is 0 at and outside the bounds.

    >>> ember.hardtanh(ember.tensor([-3.0, 0.5, 3.0]))
    tensor([-1.0000,  0.5000,  1.0000])
    """
    if inplace:
        return hardtanh_(input, min_val, max_val)
    _no_bool("hardtanh", input)
    _check_bounds("hardtanh", min_val, max_val)
    return Hardtanh.apply(input, float(min_val), float(max_val))


def hardtanh_(input, min_val=-1.0, max_val=1.0) -> Tensor:
    """In-place :func:`hardtanh`."""
    _no_bool("hardtanh_", input, "hardtanh")
    _check_bounds("hardtanh_", min_val, max_val)
    return _inplace("hardtanh_", input, hardtanh, min_val, max_val)


def relu6(input, inplace=False) -> Tensor:
    """``min(max(x, 0), 6)``: :func:`hardtanh` with bounds 0 and 6.

    >>> ember.relu6(ember.tensor([-1.0, 3.0, 8.0]))
    tensor([0., 3., 6.])
    """
    _no_bool("relu6", input, "hardtanh")
    if inplace:
        return _inplace("hardtanh_", input, hardtanh, 0.0, 6.0)
    return Hardtanh.apply(input, 0.0, 6.0)


class Threshold(_Pointwise):
    upcast_half = False
    quiet = False

    @staticmethod
    def compute(xp, a, need_grad, th, value):
        kill = a <= th
        out = xp.where(kill, xp.asarray(value).astype(a.dtype), a)
        return out, (xp.logical_not(kill, out=kill) if need_grad else None)


def threshold(input, threshold, value, inplace=False) -> Tensor:
    """``x`` where ``x > threshold``, else ``value``.

    >>> ember.threshold(ember.tensor([0.5, 2.0]), 1.0, -1.0)
    tensor([-1.,  2.])
    """
    if inplace:
        return threshold_(input, threshold, value)
    check_tensor(input, "threshold")
    if input._data.dtype.kind == "b":
        raise NotImplementedError("threshold(): not implemented for bool input; convert it "
                                  "first, e.g. threshold(x.float(), ...)")
    return Threshold.apply(input, threshold, value)


def threshold_(input, threshold, value) -> Tensor:
    """In-place :func:`threshold`."""
    return _inplace("threshold_", input, globals()["threshold"], threshold, value)


class Hardshrink(_Pointwise):
    upcast_half = False
    quiet = False

    @staticmethod
    def compute(xp, a, need_grad, lambd):
        keep = xp.abs(a) <= lambd
        xp.logical_not(keep, out=keep)  # |x| <= lambd gives 0; nan passes through
        out = xp.multiply(a, keep)  # kept entries are finite or nan, never 0 * inf
        return out, (keep if need_grad else None)


def hardshrink(input, lambd=0.5) -> Tensor:
    """``x`` where ``|x| > lambd``, else 0.

    >>> ember.hardshrink(ember.tensor([-1.0, 0.2, 0.7]))
    tensor([-1.0000,  0.0000,  0.7000])
    """
    return Hardshrink.apply(_need_float("hardshrink", input), float(lambd))


class Softshrink(_Pointwise):
    quiet = False

    @staticmethod
    def compute(xp, a, need_grad, lambd):
        c = xp.maximum(a, -lambd)
        xp.minimum(c, lambd, out=c)
        return xp.subtract(a, c, out=c), None  # x - clamp(x, -l, l): x -+ l outside, 0 inside

    @staticmethod
    def deriv(xp, a, lambd):
        keep = xp.abs(a) <= lambd
        return xp.logical_not(keep, out=keep)


def softshrink(input, lambd=0.5) -> Tensor:
    """``x - lambd`` above ``lambd``, ``x + lambd`` below ``-lambd``, else 0.

    >>> ember.softshrink(ember.tensor([-1.0, 0.2, 0.75]))
    tensor([-0.5000,  0.0000,  0.2500])
    """
    _need_float("softshrink", input)
    if not lambd >= 0:
        raise RuntimeError(f"softshrink(): lambda must be greater or equal to 0, but found to "
                           f"be {lambd}; pass a non-negative lambd")
    return Softshrink.apply(input, float(lambd))


class Hardsigmoid(_Pointwise):
    quiet = False

    @staticmethod
    def compute(xp, a, need_grad):
        out = xp.add(a, 3.0, out=_new(xp, a))
        xp.maximum(out, 0.0, out=out)
        xp.minimum(out, 6.0, out=out)
        out /= 6.0
        return out, None

    @staticmethod
    def deriv(xp, a):  # 1/6 strictly inside (-3, 3), 0 elsewhere
        d = ((a > -3.0) & (a < 3.0)).astype(a.dtype)
        d *= 1.0 / 6.0
        return d


def hardsigmoid(input, inplace=False) -> Tensor:
    """``relu6(x + 3) / 6``, a piecewise-linear sigmoid.

    >>> ember.hardsigmoid(ember.tensor([-4.0, 0.0, 1.5, 4.0]))
    tensor([0.0000, 0.5000, 0.7500, 1.0000])
    """
    _need_float("hardsigmoid", input)
    if inplace:
        return _inplace("hardsigmoid_", input, hardsigmoid)
    return Hardsigmoid.apply(input)


class Hardswish(_Pointwise):

    @staticmethod
    def compute(xp, a, need_grad):
        r = xp.add(a, 3.0, out=_new(xp, a))
        xp.maximum(r, 0.0, out=r)
        xp.minimum(r, 6.0, out=r)
        r /= 6.0
        return xp.multiply(a, r, out=r), None

    @staticmethod
    def deriv(xp, a):  # x <= -3: 0; -3 < x < 3: x / 3 + 1/2; x >= 3: 1
        d = a / 3.0
        d += 0.5
        d *= (a > -3.0) & (a < 3.0)
        d += a >= 3.0
        return d

    @staticmethod
    def second(x):
        inside = Tensor._make((x._data > -3.0) & (x._data < 3.0))
        from .elementwise import where

        return where(inside, 1.0 / 3.0, x * 0.0)


def hardswish(input, inplace=False) -> Tensor:
    """``x * relu6(x + 3) / 6``.

    >>> ember.hardswish(ember.tensor([-4.0, 0.0, 1.5, 4.0]))
    tensor([-0.0000,  0.0000,  1.1250,  4.0000])
    """
    _need_float("hardswish", input)
    if inplace:
        return _inplace("hardswish_", input, hardswish)
    return Hardswish.apply(input)


# -- exponential-linear family ---------------------------------------------------------------


def _exp_expm1(xp, m, keep_exp):
    """(exp(m) or None, expm1(m)) for m <= 0, overwriting ``m``. NumPy's expm1 is ~8x slower
    than exp and log, so expm1 uses Kahan's identity expm1(m) = (u - 1) m / log(u),
    u = exp(m), which keeps full relative accuracy for tiny m (u == 1 gives m itself)."""
    xp.maximum(m, -700.0 if m.dtype == np.float64 else -80.0, out=m)  # keeps log(u) finite
    u = xp.exp(m)
    one = u == 1.0
    lu = xp.log(u)
    lu += one
    em = u - 1.0 if keep_exp else xp.subtract(u, 1.0, out=u)
    em += one
    em *= m
    em /= lu
    return (u if keep_exp else None), em


def _log1p_small(xp, t):
    """log1p(t) for t in [0, 1] (a new array) without NumPy's log1p, ~8x slower than log:
    u = 1 + t rounds, but its rounding error d = (u - 1) - t is exact (Sterbenz), and
    log1p(t) = log(u) - d / u; as |d| <= eps u / 2, d / u may be replaced by d at a cost of
    at most eps t / 2. Within 2 ulp of mpmath over [1e-30, 1] (u == 1 gives t itself)."""
    u = t + 1.0
    lu = xp.log(u)
    u -= 1.0
    u -= t
    lu -= u
    return lu


class Elu(_Pointwise):
    """``scale * x`` for x > 0, else ``scale * alpha * (exp(input_scale * x) - 1)``."""

    @staticmethod
    def compute(xp, a, need_grad, alpha, scale, input_scale):
        m = xp.minimum(a, 0.0)  # exp of the non-positive part only: no overflow
        if input_scale != 1.0:
            m *= input_scale
        u, out = _exp_expm1(xp, m, need_grad)
        out *= scale * alpha
        pos = xp.maximum(a, 0.0, out=m)  # m is spent: reuse its memory
        if scale != 1.0:
            pos *= scale
        out += pos
        d = None
        if need_grad:  # x <= 0 ? scale alpha input_scale exp(input_scale x) : scale
            d = u
            d *= scale * alpha * input_scale
            d *= a <= 0
            d += (a > 0) * a.dtype.type(scale) if scale != 1.0 else a > 0
        return out, d

    @staticmethod
    def second(x, alpha, scale, input_scale):
        from .elementwise import exp, where

        pos = Tensor._make(x._data > 0)
        xn = where(pos, 0.0, x)
        return where(pos, 0.0, (scale * alpha * input_scale * input_scale) * exp(xn * input_scale))


def elu(input, alpha=1.0, inplace=False) -> Tensor:
    """``x`` for x > 0, else ``alpha * (exp(x) - 1)``.

    >>> ember.elu(ember.tensor([-1.0, 2.0]))
    tensor([-0.6321,  2.0000])
    """
    _need_float("elu", input)
    if inplace:
        return _inplace("elu_", input, elu, alpha)
    return Elu.apply(input, float(alpha), 1.0, 1.0)


def elu_(input, alpha=1.0) -> Tensor:
    """In-place :func:`elu`."""
    _need_float("elu_", input)
    return _inplace("elu_", input, elu, alpha)


def selu(input, inplace=False) -> Tensor:
    """``scale * elu(x, alpha)`` with the self-normalising constants
    ``alpha = 1.6732632423543772``, ``scale = 1.0507009873554805``.

    >>> ember.selu(ember.tensor([-1.0, 1.0]))
    tensor([-1.1113,  1.0507])
    """
    _need_float("selu", input)
    if inplace:
        return _inplace("selu_", input, selu)
    return Elu.apply(input, _SELU_ALPHA, _SELU_SCALE, 1.0)


def selu_(input) -> Tensor:
    """In-place :func:`selu`."""
    _need_float("selu_", input)
    return _inplace("selu_", input, selu)


def celu(input, alpha=1.0, inplace=False) -> Tensor:
    """``max(0, x) + min(0, alpha * (exp(x / alpha) - 1))``.

    >>> ember.celu(ember.tensor([-1.0, 1.0]), alpha=2.0)
    tensor([-0.7869,  1.0000])
    """
    _need_float("celu", input)
    if alpha == 0:
        raise RuntimeError("celu(): ZeroDivisionError: alpha cannot be 0 for CELU; pass a "
                           "non-zero alpha")
    if inplace:
        return _inplace("celu_", input, celu, alpha)
    return Elu.apply(input, float(alpha), 1.0, 1.0 / float(alpha))


def celu_(input, alpha=1.0) -> Tensor:
    """In-place :func:`celu`."""
    return celu(input, alpha, inplace=True)


# -- erf and erfc (W. J. Cody's rational Chebyshev approximations) ---------------------------
#
# erf(x)  = x R1(x^2)                  for |x| <= 0.46875
# erfc(y) = exp(-y^2) R2(y)            for 0.46875 < y <= 4
# erfc(y) = exp(-y^2) / y (1/sqrt(pi) + R3(1/y^2) / y^2)   for y > 4
# with the coefficients of Cody's CALERF. Measured against mpmath over [-8, 8] (plus tiny,
# near-threshold and huge arguments) the float64 results are within 5e-16 (erf) and 7e-16
# (erfc) relative error, like math.erf.
#
# float32 needs neither the branches nor 8th-degree fractions: erfc(y) exp(y^2) is replaced
# by one (4, 5)-degree fraction _F32_NUM / _F32_DEN in y, fitted for this module (linearised
# least squares on 3000 Chebyshev nodes of [0, 10] against mpmath, then Lawson reweighting):
# relative error 5.6e-9 in exact arithmetic on [0, 10] (2.3e-7 up to 14, where exp(-y^2)
# underflows float32 anyway), ~4e-7 when evaluated in float32, the same as Cody's R2 in
# float32, for 19 array operations instead of 33. Being a fraction ~ 1/(sqrt(pi) y) at large
# y, it needs no separate tail form.

_THRESH = 0.46875
_A = (3.16112374387056560e00, 1.13864154151050156e02, 3.77485237685302021e02,
      3.20937758913846947e03, 1.85777706184603153e-1)
_B = (2.36012909523441209e01, 2.44024637934444173e02, 1.28261652607737228e03,
      2.84423683343917062e03)
_C = (5.64188496988670089e-1, 8.88314979438837594e00, 6.61191906371416295e01,
      2.98635138197400131e02, 8.81952221241769090e02, 1.71204761263407058e03,
      2.05107837782607147e03, 1.23033935479799725e03, 2.15311535474403846e-8)
_D = (1.57449261107098347e01, 1.17693950891312499e02, 5.37181101862009858e02,
      1.62138957456669019e03, 3.29079923573345963e03, 4.36261909014324716e03,
      3.43936767414372164e03, 1.23033935480374942e03)
_P = (3.05326634961232344e-1, 3.60344899949804439e-1, 1.25781726111229246e-1,
      1.60837851487422766e-2, 6.58749161529837803e-4, 1.63153871373020978e-2)
_Q = (2.56852019228982242e00, 1.87295284992346725e00, 5.27905102951428412e-1,
      6.05183413124413191e-2, 2.33520497626869185e-3)
_INV_SQRTPI = 5.6418958354775628695e-1
_F32_NUM = (17.248024607343414, 21.346017188340834, 12.603943718792044, 3.946526072398667,
            0.5641965240811037)
_F32_DEN = (17.24802451023629, 40.80833852511406, 41.403039665564116, 22.832395291025758,
            6.995497785146759)  # and a leading 1 (y^5)


def _erf_small(xp, x):
    """erf(x) = x R1(x^2), accurate for |x| <= 0.46875 (a new array)."""
    z = xp.multiply(x, x)
    num = z * _A[4]
    den = z + _B[0]
    den *= z
    num += _A[0]
    num *= z
    for i in (1, 2):
        num += _A[i]
        num *= z
        den += _B[i]
        den *= z
    num += _A[3]
    den += _B[3]
    num /= den
    num *= x
    return num


def _erfc_ratio(xp, y):
    """R2(y) = erfc(y) exp(y^2) for y >= 0 (exact form on (0.46875, 4]; a new array)."""
    num = y * _C[8]
    den = y + _D[0]
    den *= y
    num += _C[0]
    num *= y
    for i in range(1, 7):
        num += _C[i]
        num *= y
        den += _D[i]
        den *= y
    num += _C[7]
    den += _D[7]
    num /= den
    return num


def _erfc_ratio_f32(xp, y):
    """erfc(y) exp(y^2) for float32 y >= 0 from the fitted (4, 5) fraction (a new array)."""
    num = y * _F32_NUM[4]
    den = y + _F32_DEN[4]
    for i in (3, 2, 1):
        num += _F32_NUM[i]
        num *= y
        den *= y
        den += _F32_DEN[i]
    num += _F32_NUM[0]
    den *= y
    den += _F32_DEN[0]
    num /= den
    return num


def _erfc_ratio_big(xp, y):
    """erfc(y) exp(y^2) for y > 4 (y finite and positive)."""
    z = xp.multiply(y, y)
    xp.reciprocal(z, out=z)
    num = z * _P[5]
    den = z + _Q[0]
    den *= z
    num += _P[0]
    num *= z
    for i in range(1, 4):
        num += _P[i]
        num *= z
        den += _Q[i]
        den *= z
    num += _P[4]
    den += _Q[4]
    num /= den
    num *= z
    xp.subtract(_INV_SQRTPI, num, out=num)
    num /= y
    return num


def _erfc_scaled(xp, y, tail=True):
    """erfc(y) exp(y^2) for y >= 0 (capped). float64: R2, and with ``tail`` the asymptotic
    fraction beyond 4 (where R2 is only good to ~1e-10), on those few entries; float32: the
    fitted fraction."""
    if y.dtype != np.float64:
        return _erfc_ratio_f32(xp, y)
    r = _erfc_ratio(xp, y)
    if tail:
        big = y > 4.0
        if big.any():
            r[big] = _erfc_ratio_big(xp, y[big])
    return r


def _exp_neg_sq(xp, y, out=None):
    """exp(-y^2), into ``out`` (which may be ``y`` itself) or a new array."""
    e = xp.multiply(y, y, out=out)
    xp.negative(e, out=e)
    return xp.exp(e, out=e)


def _blend(xp, mask, inside, outside):
    """``inside`` where ``mask`` else ``outside``, arithmetically (exact for finite values), into
    ``outside``: np.where on an unpredictable mask is ~20x slower than multiplying by it."""
    inside *= mask
    outside *= xp.logical_not(mask, out=mask)
    outside += inside
    return outside


def _erf_array(xp, a):
    """(erf(a), exp(-a^2)) for a float32/float64 array of ndim >= 1."""
    y = xp.abs(a)
    # exp(-y^2) underflows to 0 beyond these (float64, float32): erf is +-1 there, and the
    # clamp keeps y^2 and the fractions finite for huge and infinite arguments.
    xp.minimum(y, 28.0 if a.dtype == np.float64 else 14.0, out=y)
    r = _erfc_scaled(xp, y, tail=False)  # 1e-10 relative on erfc suffices for 1 - erfc
    small = _erf_small(xp, y)
    near0 = y <= _THRESH
    e = _exp_neg_sq(xp, y, out=y)  # y is not needed any more (fewer live temporaries)
    r *= e
    xp.subtract(1.0, r, out=r)  # erf(|a|) = 1 - erfc(|a|), fine for |a| > 0.46875
    r = _blend(xp, near0, small, r)
    xp.copysign(r, a, out=r)  # erf is odd
    return r, e


def _erfc_array(xp, a):
    """erfc(a) for a float32/float64 array of ndim >= 1."""
    y = xp.abs(a)
    xp.minimum(y, 28.0, out=y)  # erfc(28) underflows float64: 0 from here on
    r = _erfc_scaled(xp, y)
    f64 = a.dtype == np.float64
    # exp(-y^2) = exp(-t^2) exp(-(y - t)(y + t)) with t = y rounded down to 1/16: t^2 is exact,
    # so no rounding error of y^2 is magnified by the exponential (Cody's CALERF does this).
    t = y * 16.0
    xp.trunc(t, out=t)
    t *= 0.0625
    d = y - t
    d *= y + t
    xp.multiply(t, t, out=t)
    xp.negative(t, out=t)
    xp.exp(t, out=t)
    xp.negative(d, out=d)
    xp.exp(d, out=d)
    r *= t
    r *= d
    if f64:  # near 0, erfc(|a|) = 1 - erf(|a|) from the small-argument fraction
        s = _erf_small(xp, y)
        xp.subtract(1.0, s, out=s)
        r = _blend(xp, y <= _THRESH, s, r)
    # erfc(-y) = 2 - erfc(y)
    neg = xp.subtract(1.0, r)
    neg *= 2.0
    neg *= a < 0
    r += neg
    return r


class Erf(_Pointwise):
    @staticmethod
    def compute(xp, a, need_grad):
        out, e = _erf_array(xp, a)
        d = None
        if need_grad:
            d = e  # exp(-x^2), already computed
            d *= _TWO_OVER_SQRTPI
        return out, d

    @staticmethod
    def second(x):
        from .elementwise import exp

        return (-2.0 * _TWO_OVER_SQRTPI) * x * exp(-(x * x))


def erf(input, *, out=None) -> Tensor:
    """The error function ``2/sqrt(pi) * integral_0^x exp(-t^2) dt``, elementwise.

    >>> ember.erf(ember.tensor([0.0, 0.5, 3.0]))
    tensor([0.0000, 0.5205, 1.0000])
    """
    return _with_out("erf", Erf.apply(_to_float("erf", input)), out)


class Erfc(_Pointwise):
    @staticmethod
    def compute(xp, a, need_grad):
        out = _erfc_array(xp, a)
        d = None
        if need_grad:
            d = xp.multiply(a, a)
            xp.negative(d, out=d)
            xp.exp(d, out=d)
            d *= -_TWO_OVER_SQRTPI
        return out, d

    @staticmethod
    def second(x):
        from .elementwise import exp

        return (2.0 * _TWO_OVER_SQRTPI) * x * exp(-(x * x))


def erfc(input, *, out=None) -> Tensor:
    """The complementary error function ``1 - erf(x)``, accurate where erf is close to 1.

    >>> ember.erfc(ember.tensor([0.0, 5.0], dtype=ember.float64))
    tensor([1.0000e+00, 1.5375e-12], dtype=ember.float64)
    """
    return _with_out("erfc", Erfc.apply(_to_float("erfc", input)), out)


def _erfinv_array(xp, a):
    """Inverse of erf on [-1, 1]: Winitzki's closed form (relative error < 2e-3) refined by two
    Halley steps (cubic convergence) on erf(x) = |a| or, beyond 0.5, on erfc(x) = 1 - |a|,
    which keeps full relative accuracy in the tails; +-1 give +-inf, |a| > 1 nan."""
    y = xp.abs(a)  # (the caller runs under _quiet(): |a| >= 1 gives inf/nan on the way)
    w = xp.negative(xp.log1p(-(y * y)))  # -log(1 - y^2) >= 0
    k = 0.147
    c = w * -0.5
    c += 2.0 / (math.pi * k)
    x = xp.multiply(c, c)
    x += w / k
    xp.sqrt(x, out=x)
    x -= c
    xp.sqrt(x, out=x)
    tail = y > 0.5
    one_minus = 1.0 - y
    for _ in range(2):
        fx = xp.where(tail, one_minus - _erfc_array(xp, x), _erf_array(xp, x)[0] - y)
        deriv = _exp_neg_sq(xp, x)
        deriv *= _TWO_OVER_SQRTPI
        # Halley: x -= f / (f' - f f'' / (2 f')), and f'' / (2 f') = -x for erf.
        den = x * fx
        den += deriv
        fx /= den
        x -= fx
    x = xp.where(y == 1.0, xp.inf, x)
    xp.copysign(x, a, out=x)
    return x


class Erfinv(_Pointwise):
    @staticmethod
    def compute(xp, a, need_grad):
        out = _erfinv_array(xp, a)
        d = None
        if need_grad:  # sqrt(pi)/2 * exp(erfinv(x)^2)
            d = xp.multiply(out, out)
            xp.exp(d, out=d)
            d *= _SQRTPI_OVER_2
        return out, d

    @staticmethod
    def second(x):
        from .elementwise import exp

        y = erfinv(x)
        return (math.pi / 2.0) * y * exp(2.0 * y * y)


def erfinv(input, *, out=None) -> Tensor:
    """The inverse error function on ``[-1, 1]`` (``+-inf`` at ``+-1``, nan outside).

    >>> ember.erfinv(ember.tensor([0.0, 0.5, -0.5]))
    tensor([ 0.0000,  0.4769, -0.4769])
    """
    return _with_out("erfinv", Erfinv.apply(_to_float("erfinv", input)), out)


# -- gelu, silu, mish, softplus and friends --------------------------------------------------


def _normal_cdf(xp, a):
    """(Phi(a), exp(-a^2 / 2)) for the standard normal CDF Phi, with Phi = erfc(-a/sqrt 2)/2.

    The tail erfc(y) = exp(-y^2) R(y) has no cancellation for a < 0; float64 uses Cody's
    fractions (small-argument one near 0), float32 the fitted one alone (see the erf notes).
    """
    f64 = a.dtype == np.float64
    y = xp.abs(a)
    y *= _SQRT1_2
    xp.minimum(y, 28.0 if f64 else 14.0, out=y)  # Phi is 0 or 1 beyond
    r = _erfc_scaled(xp, y)
    if f64:
        s = _erf_small(xp, y)
        s *= -0.5
        s += 0.5
        near0 = y <= _THRESH
    e = _exp_neg_sq(xp, y, out=y)  # in place: fewer live temporaries, fewer page faults
    r *= e
    r *= 0.5  # tail probability Phi(-|a|) = erfc(|a| / sqrt 2) / 2
    if f64:
        r = _blend(xp, near0, s, r)
    # Phi(a) = r for a < 0 (no cancellation in the tail), 1 - r = r + (1 - 2r) for a >= 0
    up = r * -2.0
    up += 1.0
    up *= a >= 0
    r += up
    return r, e


class Gelu(_Pointwise):
    @staticmethod
    def compute(xp, a, need_grad, approximate):
        if approximate == "tanh":
            return _gelu_tanh(xp, a, need_grad)
        cdf, e = _normal_cdf(xp, a)
        out = xp.multiply(a, cdf)
        d = None
        if need_grad:  # Phi(x) + x phi(x)
            d = xp.multiply(a, e, out=e)
            d *= _INV_SQRT_2PI
            d += cdf
        return out, d

    @staticmethod
    def second(x, approximate):
        from .elementwise import exp

        if approximate == "tanh":
            k, c = _SQRT_2_OVER_PI, 0.044715
            x2 = x * x
            t = tanh(k * (x + c * x2 * x))
            du = k * (1.0 + 3.0 * c * x2)
            return (1.0 - t * t) * (du - x * t * du * du + 3.0 * k * c * x2)
        return (exp(x * x * -0.5) * _INV_SQRT_2PI) * (2.0 - x * x)


def _gelu_tanh(xp, a, need_grad):
    """0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))."""
    k, c = _SQRT_2_OVER_PI, 0.044715
    x2 = xp.multiply(a, a)
    u = x2 * (k * c)
    u += k
    u *= a
    t = xp.tanh(u, out=u)
    out = t + 1.0
    out *= a
    out *= 0.5
    d = None
    if need_grad:  # 0.5 (1 + t) + 0.5 x (1 - t^2) k (1 + 3 c x^2)
        x2 *= 3.0 * c * k
        x2 += k
        x2 *= a
        x2 *= 0.5
        d = xp.multiply(t, t)
        xp.subtract(1.0, d, out=d)
        d *= x2
        t += 1.0
        t *= 0.5
        d += t
    return out, d


def gelu(input, approximate="none") -> Tensor:
    """``x * Phi(x)`` with Phi the standard normal CDF (via erf); ``approximate='tanh'`` uses
    ``0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))``.

    >>> ember.gelu(ember.tensor([-1.0, 0.0, 1.0]))
    tensor([-0.1587,  0.0000,  0.8413])
    """
    _need_float("gelu", input)
    if approximate not in ("none", "tanh"):
        raise RuntimeError(f"gelu(): approximate argument must be either none or tanh, got "
                           f"{approximate!r}")
    return Gelu.apply(input, approximate)


class Silu(_Pointwise):
    @staticmethod
    def compute(xp, a, need_grad):
        s = _sigmoid_array(xp, a)
        out = xp.multiply(a, s)
        d = None
        if need_grad:  # s (1 + x (1 - s))
            d = xp.subtract(1.0, s)
            d *= a
            d += 1.0
            d *= s
        return out, d

    @staticmethod
    def second(x):
        s = sigmoid(x)
        return s * (1.0 - s) * (2.0 + x * (1.0 - 2.0 * s))


def silu(input, inplace=False) -> Tensor:
    """``x * sigmoid(x)`` (also called swish).

    >>> ember.silu(ember.tensor([-1.0, 0.0, 1.0]))
    tensor([-0.2689,  0.0000,  0.7311])
    """
    _need_float("silu", input)
    if inplace:
        return _inplace("silu_", input, silu)
    return Silu.apply(input)


def _softplus_parts(xp, z):
    """(log(1 + exp(z)), exp(-|z|)) as max(z, 0) + log1p(exp(-|z|)): no overflow anywhere."""
    t = xp.abs(z)
    xp.negative(t, out=t)
    xp.exp(t, out=t)
    sp = _log1p_small(xp, t)
    sp += xp.maximum(z, 0.0)
    return sp, t


def _sigmoid_from_exp(xp, z, t):
    """sigmoid(z) from t = exp(-|z|): 1 / (1 + t) for z >= 0, t / (1 + t) below (a new array)."""
    num = t * (z < 0)  # exact selection (no 1 + (t - 1) rounding for tiny t)
    num += z >= 0
    t1 = t + 1.0
    num /= t1
    return num


class Mish(_Pointwise):
    @staticmethod
    def compute(xp, a, need_grad):
        # tanh(log(1 + e)) = n / (n + 2) with n = e (e + 2), e = exp(x): one exp, no log or
        # tanh. Beyond x = 20 the ratio is 1 in float64 too, so x is capped there.
        e = xp.minimum(a, 20.0)
        xp.exp(e, out=e)
        n = e + 2.0
        n *= e
        t = n + 2.0
        xp.divide(n, t, out=t)
        out = xp.multiply(a, t)
        d = None
        if need_grad:  # t + x sigmoid(x) (1 - t^2), sigmoid(x) = e / (1 + e)
            s = e + 1.0
            xp.divide(e, s, out=s)
            d = xp.multiply(t, t, out=n)
            xp.subtract(1.0, d, out=d)
            d *= s
            d *= a
            d += t
        return out, d

    @staticmethod
    def second(x):
        t = tanh(softplus(x))
        s = sigmoid(x)
        return (1.0 - t * t) * s * (2.0 + x * (1.0 - s - 2.0 * t * s))


def mish(input, inplace=False) -> Tensor:
    """``x * tanh(softplus(x))``.

    >>> ember.mish(ember.tensor([-1.0, 0.0, 1.0]))
    tensor([-0.3034,  0.0000,  0.8651])
    """
    _need_float("mish", input)
    if inplace:
        return _inplace("mish_", input, mish)
    return Mish.apply(input)


class Softplus(_Pointwise):
    @staticmethod
    def compute(xp, a, need_grad, beta, threshold):
        z = a * beta if beta != 1.0 else a
        out, t = _softplus_parts(xp, z)
        if beta != 1.0:
            out /= beta
        linear = z > threshold  # PyTorch returns x itself there (few entries: copyto is fast)
        any_linear = linear.any()
        if any_linear:
            xp.copyto(out, a, where=linear)
        d = None
        if need_grad:  # sigmoid(beta x), and 1 where linear
            d = _sigmoid_from_exp(xp, z, t)
            if any_linear:
                xp.copyto(d, 1.0, where=linear)
        return out, d

    @staticmethod
    def second(x, beta, threshold):
        from .elementwise import where

        s = sigmoid(x * beta)
        linear = Tensor._make(x._data * beta > threshold)
        return where(linear, 0.0, beta * s * (1.0 - s))


def softplus(input, beta=1.0, threshold=20.0) -> Tensor:
    """``log(1 + exp(beta x)) / beta``, and ``x`` itself where ``beta x > threshold``.

    >>> ember.softplus(ember.tensor([-1.0, 0.0, 30.0]))
    tensor([ 0.3133,  0.6931, 30.0000])
    """
    _need_float("softplus", input)
    return Softplus.apply(input, float(beta), float(threshold))


class LogSigmoid(_Pointwise):
    @staticmethod
    def compute(xp, a, need_grad):
        na = xp.negative(a)
        sp, t = _softplus_parts(xp, na)
        out = xp.negative(sp, out=sp)  # log sigmoid(x) = -softplus(-x)
        d = _sigmoid_from_exp(xp, na, t) if need_grad else None  # 1 - sigmoid(x)
        return out, d

    @staticmethod
    def second(x):
        s = sigmoid(x)
        return s * (s - 1.0)


def logsigmoid(input) -> Tensor:
    """``log(sigmoid(x)) = -softplus(-x)``, stable for large ``|x|``.

    >>> ember.logsigmoid(ember.tensor([-100.0, 0.0]))
    tensor([-100.0000,   -0.6931])
    """
    return LogSigmoid.apply(_need_float("logsigmoid", input))


class Softsign(_Pointwise):
    @staticmethod
    def compute(xp, a, need_grad):
        den = xp.abs(a)
        den += 1.0
        out = xp.divide(a, den)
        d = None
        if need_grad:  # 1 / (1 + |x|)^2
            d = xp.multiply(den, den, out=den)
            xp.reciprocal(d, out=d)
        return out, d

    @staticmethod
    def second(x):
        from .elementwise import abs as abs_
        from .elementwise import sign

        den = 1.0 + abs_(x)
        return -2.0 * sign(x) / (den * den * den)


def softsign(input) -> Tensor:
    """``x / (1 + |x|)``; integer inputs give the default float dtype.

    >>> ember.softsign(ember.tensor([-3.0, 1.0]))
    tensor([-0.7500,  0.5000])
    """
    check_tensor(input, "softsign")
    if input._data.dtype.kind == "b":
        raise NotImplementedError("softsign(): not implemented for bool input (abs of bool); "
                                  "convert it first, e.g. softsign(x.float())")
    return Softsign.apply(_to_float("softsign", input))


class Tanhshrink(_Pointwise):
    @staticmethod
    def compute(xp, a, need_grad):
        t = xp.tanh(a)
        out = xp.subtract(a, t)
        d = xp.multiply(t, t, out=t) if need_grad else None  # tanh(x)^2
        return out, d

    @staticmethod
    def second(x):
        t = tanh(x)
        return 2.0 * t * (1.0 - t * t)


def tanhshrink(input) -> Tensor:
    """``x - tanh(x)``; integer inputs give the default float dtype.

    >>> ember.tanhshrink(ember.tensor([0.0, 1.0]))
    tensor([0.0000, 0.2384])
    """
    check_tensor(input, "tanhshrink")
    if input._data.dtype.kind == "b":
        raise RuntimeError("tanhshrink(): Subtraction, the `-` operator, with a bool tensor is "
                           "not supported; convert it first, e.g. tanhshrink(x.float())")
    return Tanhshrink.apply(_to_float("tanhshrink", input))


# -- softmax family --------------------------------------------------------------------------


def _softmax_dim(op, dim, ndim, stacklevel):
    if dim is None:
        warnings.warn(f"Implicit dimension choice for {op} has been deprecated. Change the call "
                      "to include dim=X as an argument.", stacklevel=stacklevel)
        dim = 0 if ndim in (0, 1, 3) else 1
    return normalize_dim(dim, ndim, op)


def _softmax_input(op, input, dim, stacklevel, dtype):
    check_tensor(input, op)
    if isinstance(stacklevel, (B.dtype, str)) and dtype is None:
        dtype = stacklevel  # torch.softmax(x, dim, dtype) passes the dtype third
    if dtype is not None:
        input = cast(input, B.as_dtype(dtype))
    if input._data.dtype.kind != "f":
        raise NotImplementedError(
            f"{op}(): not implemented for {input.dtype} input; it needs a floating-point tensor. "
            f"Convert it first or pass dtype=, e.g. {op}(x, dim, dtype=ember.float32)"
        )
    return input, _softmax_dim(op, dim, input.ndim, 4)


def _work_array(a):
    """A 1-d view for 0-d arrays, float32 for float16 (reductions and exp in float32)."""
    if a.ndim == 0:
        a = a.reshape(1)
    return a.astype(np.float32) if a.dtype == np.float16 else a


def _result(out, like):
    if out.dtype != like.dtype:
        out = out.astype(like.dtype)
    return out.reshape(()) if like.ndim == 0 else out


class Softmax(Function):
    @staticmethod
    def forward(ctx, x, dim):
        xp = x.xp
        a = _work_array(x._data)
        if a.size == 0:
            out = a.copy()
        else:
            m = a.max(axis=dim, keepdims=True)
            with _quiet():  # rows of -inf (or with +inf) give nan, like PyTorch
                out = xp.subtract(a, m)
                xp.exp(out, out=out)
                s = out.sum(axis=dim, keepdims=True)
                xp.reciprocal(s, out=s)
                out *= s
        out = _result(out, x._data)
        ctx.dim = dim
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return _SoftmaxBackward.apply(g, out, ctx.dim), None


class _SoftmaxBackward(Function):
    """``y * (g - sum(g * y))`` along ``dim`` for y = softmax(x)."""

    def name(self):
        return "SoftmaxBackwardDataBackward0"

    @staticmethod
    def forward(ctx, g, y, dim):
        ctx.dim = dim
        ctx.save_for_backward(g, y)
        gd, yd = g._data, y._data
        scalar = gd.ndim == 0
        if scalar:
            gd, yd = gd.reshape(1), yd.reshape(1)
        t = gd * yd
        s = t.sum(axis=dim, keepdims=True)
        g.xp.subtract(gd, s, out=t)
        t *= yd
        return t.reshape(()) if scalar else t

    @staticmethod
    def backward(ctx, gg):
        from .reduction import sum as sum_

        g, y = ctx.saved_tensors
        dim = ctx.dim
        dg = _SoftmaxBackward.apply(gg, y, dim) if ctx.needs_input_grad[0] else None
        dy = None
        if ctx.needs_input_grad[1]:
            dy = gg * (g - sum_(g * y, dim, keepdim=True)) - g * sum_(gg * y, dim, keepdim=True)
        return dg, dy, None


def softmax(input, dim=None, _stacklevel=3, dtype=None) -> Tensor:
    """``exp(x) / sum(exp(x))`` along ``dim`` (computed with the maximum subtracted).
    ``dtype`` casts the input first.

    >>> ember.softmax(ember.tensor([1.0, 2.0, 3.0]), dim=0)
    tensor([0.0900, 0.2447, 0.6652])
    """
    x, d = _softmax_input("softmax", input, dim, _stacklevel, dtype)
    return Softmax.apply(x, d)


class LogSoftmax(Function):
    @staticmethod
    def forward(ctx, x, dim):
        xp = x.xp
        a = _work_array(x._data)
        p = None
        if a.size == 0:
            out = a.copy()
        else:
            m = a.max(axis=dim, keepdims=True)
            with _quiet():
                out = xp.subtract(a, m)
                e = xp.exp(out)
                s = e.sum(axis=dim, keepdims=True)
                if ctx.needs_input_grad[0]:  # keep softmax = exp(out) for the backward
                    p = e
                    p *= 1.0 / s
                    if p.dtype != x._data.dtype:
                        p = p.astype(x._data.dtype)
                del e
                xp.log(s, out=s)
                out -= s
        out = _result(out, x._data)
        ctx.dim = dim
        ctx.p = p.reshape(out.shape) if p is not None else None
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return _LogSoftmaxBackward.apply(g, out, ctx.dim, ctx.p), None


class _LogSoftmaxBackward(Function):
    """``g - exp(y) * sum(g)`` along ``dim`` for y = log_softmax(x)."""

    def name(self):
        return "LogSoftmaxBackwardDataBackward0"

    @staticmethod
    def forward(ctx, g, y, dim, p=None):
        ctx.dim = dim
        ctx.save_for_backward(g if ctx.needs_input_grad[1] else None, y)
        xp = g.xp
        gd, yd = g._data, y._data
        scalar = gd.ndim == 0
        if scalar:
            gd, yd = gd.reshape(1), yd.reshape(1)
            p = p.reshape(1) if p is not None else None
        s = gd.sum(axis=dim, keepdims=True)
        r = xp.exp(yd) if p is None else xp.multiply(p, s)  # p = exp(y) from the forward
        if p is None:
            r *= s
        xp.subtract(gd, r, out=r)
        return r.reshape(()) if scalar else r

    @staticmethod
    def backward(ctx, gg):
        from .elementwise import exp
        from .reduction import sum as sum_

        g, y = ctx.saved_tensors
        dim = ctx.dim
        p = exp(y)
        dg = dy = None
        if ctx.needs_input_grad[0]:
            dg = gg - sum_(gg * p, dim, keepdim=True)
        if ctx.needs_input_grad[1]:
            dy = -(gg * p * sum_(g, dim, keepdim=True))
        return dg, dy, None, None


def log_softmax(input, dim=None, _stacklevel=3, dtype=None) -> Tensor:
    """``x - log(sum(exp(x)))`` along ``dim``, computed stably (max subtracted first).

    >>> ember.log_softmax(ember.tensor([1.0, 2.0, 3.0]), dim=0)
    tensor([-2.4076, -1.4076, -0.4076])
    """
    x, d = _softmax_input("log_softmax", input, dim, _stacklevel, dtype)
    return LogSoftmax.apply(x, d)


def softmin(input, dim=None, _stacklevel=3, dtype=None) -> Tensor:
    """``softmax(-x)`` along ``dim``.

    >>> ember.softmin(ember.tensor([1.0, 2.0, 3.0]), dim=0)
    tensor([0.6652, 0.2447, 0.0900])
    """
    from .elementwise import neg

    check_tensor(input, "softmin")
    if isinstance(_stacklevel, (B.dtype, str)) and dtype is None:
        dtype = _stacklevel
    x, d = _softmax_input("softmin", neg(input), dim, 3, dtype)
    return Softmax.apply(x, d)


# -- prelu and glu ---------------------------------------------------------------------------


class PreluKernel(Function):
    @staticmethod
    def forward(ctx, x, w, wshape):
        xp, a = x.xp, x._data
        ctx.wshape = wshape
        ctx.save_for_backward(x, w)
        out = xp.minimum(a, 0)  # max(x, 0) + w min(x, 0): x > 0 ? x : w x, without where()
        out *= w._data.reshape(wshape)
        out += xp.maximum(a, 0)
        return out

    @staticmethod
    def backward(ctx, g):
        from ._util import sum_to

        x, w = ctx.saved_tensors
        pos = x._data > 0
        neg = Tensor._make((~pos).astype(x._data.dtype))
        gx = gw = None
        if ctx.needs_input_grad[0]:  # x > 0 ? g : w g (so w at 0, like PyTorch)
            gx = g * (Tensor._make(pos.astype(x._data.dtype)) + neg * w.reshape(ctx.wshape))
        if ctx.needs_input_grad[1]:
            gw = sum_to(g * x * neg, ctx.wshape).reshape(tuple(w.shape))
        return gx, gw, None





def prelu(input, weight) -> Tensor:
    """``x`` where ``x > 0``, else ``weight * x``; ``weight`` has one element or one per
    channel (dim 1 of ``input``).

    >>> ember.prelu(ember.tensor([[-2.0, 3.0]]), ember.tensor([0.25]))
    tensor([[-0.5000,  3.0000]])
    """
    check_tensor(input, "prelu")
    check_tensor(weight, "prelu", "weight")
    if input._data.dtype.kind != "f" or weight._data.dtype.kind != "f":
        raise NotImplementedError(f"prelu(): not implemented for {input.dtype} input and "
                                  f"{weight.dtype} weight; both must be floating point")
    if input.dtype is not weight.dtype:
        raise RuntimeError(f"prelu(): Type promoting not supported. Got input {input.dtype} "
                           f"and weight {weight.dtype}; convert the weight with "
                           f".to({input.dtype})")
    if weight.ndim > 1:
        raise RuntimeError(f"prelu(): Expected `weight` to be a scalar or 1D tensor, but got: "
                           f"ndim = {weight.ndim} (shape {tuple(weight.shape)})")
    n = weight.numel()
    channels = input.shape[1] if input.ndim >= 2 else 1
    if n != 1 and n != channels:
        raise RuntimeError(
            f"prelu(): Mismatch of parameter numbers and input channel size. Found parameter "
            f"numbers = {n} and channel size = {channels} (input shape {tuple(input.shape)}); "
            "weight needs 1 element or one per channel (dim 1)"
        )
    if n == 1:
        wshape = ()
    else:
        wshape = (n,) + (1,) * (input.ndim - 2)
    return PreluKernel.apply(input, weight, wshape)


def glu(input, dim=-1) -> Tensor:
    """Gated linear unit: split ``input`` in halves ``a, b`` along ``dim``, return
    ``a * sigmoid(b)``.

    >>> ember.glu(ember.tensor([1.0, 2.0, 0.0, 100.0]))
    tensor([0.5000, 2.0000])
    """
    check_tensor(input, "glu")
    if input.ndim == 0:
        raise RuntimeError("glu(): glu does not support scalars because halving size must be "
                           "even; pass a tensor with at least one dimension")
    _need_float("glu", input)
    d = normalize_dim(dim, input.ndim, "glu")
    n = input.shape[d]
    if n % 2:
        raise RuntimeError(f"glu(): Halving dimension must be even, but dimension {d} is size "
                           f"{n} (input shape {tuple(input.shape)})")
    h = n // 2
    lead = (slice(None),) * d
    return input[lead + (slice(0, h),)] * sigmoid(input[lead + (slice(h, n),)])


# -- in-place forms --------------------------------------------------------------------------


def sigmoid_(input) -> Tensor:
    """In-place :func:`sigmoid` (floating tensors only)."""
    return _inplace("sigmoid_", input, sigmoid)


def tanh_(input) -> Tensor:
    """In-place :func:`tanh` (floating tensors only)."""
    return _inplace("tanh_", input, tanh)


def erf_(input) -> Tensor:
    """In-place :func:`erf` (floating tensors only)."""
    return _inplace("erf_", input, erf)


def erfc_(input) -> Tensor:
    """In-place :func:`erfc` (floating tensors only)."""
    return _inplace("erfc_", input, erfc)


def erfinv_(input) -> Tensor:
    """In-place :func:`erfinv` (floating tensors only)."""
    return _inplace("erfinv_", input, erfinv)


def logit_(input, eps=None) -> Tensor:
    """In-place :func:`logit` (floating tensors only)."""
    return _inplace("logit_", input, logit, eps)
