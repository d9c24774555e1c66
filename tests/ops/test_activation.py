"""Activation ops: parity with PyTorch and float64 gradcheck from one table, then focused tests
(kinks, numerics at extreme inputs, erf accuracy, dtypes, errors, in-place forms, double
backward)."""

import math
import warnings

import numpy as np
import pytest

import ember
from ember.autograd import gradcheck, gradgradcheck
from tests.helpers import OpCase, parametrize_cases, requires_torch, torch

if torch is not None:
    import torch.nn.functional as TF


def F(m):
    """The functional namespace: torch.nn.functional for torch, ember itself for ember."""
    return TF if m is not ember else ember


def away(*kinks, gap=0.15):
    """A domain moving inputs at least ``gap`` away from each kink."""

    def domain(a):
        a = np.array(a, dtype=np.float64)
        for k in kinks:
            near = np.abs(a - k) < gap
            a[near] = k + np.where(a[near] >= k, gap, -gap)
        return a

    return domain


def scaled(s, then=None):
    def domain(a):
        a = a * s
        return then(a) if then is not None else a

    return domain


ZERO = away(0.0)

CASES = [
    # sigmoid / tanh / logit
    OpCase("sigmoid", lambda m, x: m.sigmoid(x), [(3, 4)]),
    OpCase("sigmoid", lambda m, x: x.sigmoid(), [(2, 3, 4)], id="sigmoid-method"),
    OpCase("sigmoid", lambda m, x: m.sigmoid(x), [()]),
    OpCase("sigmoid", lambda m, x: m.sigmoid(x), [(0, 3)]),
    OpCase("sigmoid", lambda m, x: m.sigmoid(x), [(4, 5)], domain=scaled(60.0), gradcheck=False,
           id="sigmoid-large"),
    OpCase("sigmoid_", lambda m, x: (x * 1.0).sigmoid_(), [(3, 4)]),
    OpCase("tanh", lambda m, x: m.tanh(x), [(3, 4)]),
    OpCase("tanh", lambda m, x: x.tanh(), [()], id="tanh-method-0d"),
    OpCase("tanh", lambda m, x: m.tanh(x), [(4, 5)], domain=scaled(30.0), gradcheck=False,
           id="tanh-large"),
    OpCase("tanh_", lambda m, x: (x * 1.0).tanh_(), [(2, 3)]),
    OpCase("logit", lambda m, x: m.logit(x), [(3, 4)], low=0.05, high=0.95),
    OpCase("logit", lambda m, x: x.logit(eps=0.2), [(4, 5)], low=0.0, high=1.0,
           domain=away(0.2, 0.8, gap=0.05), id="logit-eps"),
    OpCase("logit_", lambda m, x: (x * 1.0).logit_(), [(2, 3)], low=0.1, high=0.9),
    # relu family
    OpCase("relu", lambda m, x: m.relu(x), [(3, 4)], domain=ZERO),
    OpCase("relu", lambda m, x: x.relu(), [(2, 3, 4)], domain=ZERO, id="relu-method"),
    OpCase("relu", lambda m, x: F(m).relu(x), [(0, 2)]),
    OpCase("relu", lambda m, x: m.relu(x), [(3, 4)], int_inputs=(0,), grad=False, id="relu-int"),
    OpCase("relu_", lambda m, x: (x * 1.0).relu_(), [(3, 4)], domain=ZERO),
    OpCase("relu6", lambda m, x: F(m).relu6(x), [(4, 5)], low=-4, high=9,
           domain=away(0.0, 6.0)),
    OpCase("leaky_relu", lambda m, x: F(m).leaky_relu(x), [(3, 4)], domain=ZERO),
    OpCase("leaky_relu", lambda m, x: F(m).leaky_relu(x, 0.2), [(2, 3, 2)], domain=ZERO,
           id="leaky_relu-0.2"),
    OpCase("leaky_relu", lambda m, x: F(m).leaky_relu(x, negative_slope=1.5), [(5,)],
           domain=ZERO, id="leaky_relu-1.5"),
    OpCase("leaky_relu", lambda m, x: F(m).leaky_relu(x, -0.5), [(5,)], domain=ZERO,
           id="leaky_relu-neg"),
    OpCase("hardtanh", lambda m, x: F(m).hardtanh(x), [(3, 4)], domain=away(-1.0, 1.0)),
    OpCase("hardtanh", lambda m, x: F(m).hardtanh(x, -0.5, max_val=1.5), [(3, 4)],
           domain=away(-0.5, 1.5), id="hardtanh-bounds"),
    OpCase("hardtanh", lambda m, x: F(m).hardtanh(x, -2.5, 1.5), [(3, 4)], int_inputs=(0,),
           grad=False, id="hardtanh-int"),
    OpCase("threshold", lambda m, x: F(m).threshold(x, 0.25, -3.0), [(3, 4)],
           domain=away(0.25)),
    OpCase("hardshrink", lambda m, x: F(m).hardshrink(x), [(3, 4)], domain=away(-0.5, 0.5)),
    OpCase("hardshrink", lambda m, x: x.hardshrink(1.0), [(3, 4)], domain=away(-1.0, 1.0),
           id="hardshrink-method"),
    OpCase("softshrink", lambda m, x: F(m).softshrink(x), [(3, 4)], domain=away(-0.5, 0.5)),
    OpCase("softshrink", lambda m, x: F(m).softshrink(x, 0.0), [(5,)], domain=ZERO,
           id="softshrink-0"),
    OpCase("hardsigmoid", lambda m, x: F(m).hardsigmoid(x), [(3, 4)], low=-5, high=5,
           domain=away(-3.0, 3.0)),
    OpCase("hardswish", lambda m, x: F(m).hardswish(x), [(3, 4)], low=-5, high=5,
           domain=away(-3.0, 3.0)),
    # exponential-linear family
    OpCase("elu", lambda m, x: F(m).elu(x), [(3, 4)], domain=ZERO),
    OpCase("elu", lambda m, x: F(m).elu(x, alpha=0.5), [(2, 3, 2)], domain=ZERO, id="elu-0.5"),
    OpCase("elu", lambda m, x: F(m).elu(x), [(4, 5)], domain=scaled(50.0, ZERO),
           gradcheck=False, id="elu-large"),
    OpCase("selu", lambda m, x: F(m).selu(x), [(3, 4)], domain=ZERO),
    OpCase("celu", lambda m, x: F(m).celu(x, 0.7), [(3, 4)], domain=ZERO),
    OpCase("celu", lambda m, x: F(m).celu(x), [()], domain=ZERO, id="celu-0d"),
    # smooth activations
    OpCase("gelu", lambda m, x: F(m).gelu(x), [(3, 4)], low=-4, high=4),
    OpCase("gelu", lambda m, x: F(m).gelu(x), [(4, 6)], low=-12, high=12, gradcheck=False,
           id="gelu-wide"),
    OpCase("gelu", lambda m, x: F(m).gelu(x), [()], id="gelu-0d"),
    OpCase("gelu", lambda m, x: F(m).gelu(x), [(2, 0)], id="gelu-empty"),
    OpCase("gelu", lambda m, x: F(m).gelu(x, approximate="tanh"), [(3, 4)], low=-4, high=4,
           id="gelu-tanh"),
    OpCase("silu", lambda m, x: F(m).silu(x), [(3, 4)], low=-5, high=5),
    OpCase("silu", lambda m, x: F(m).silu(x), [(4, 5)], domain=scaled(60.0), gradcheck=False,
           id="silu-large"),
    OpCase("mish", lambda m, x: F(m).mish(x), [(3, 4)], low=-5, high=5),
    OpCase("mish", lambda m, x: F(m).mish(x), [(4, 5)], domain=scaled(15.0), gradcheck=False,
           id="mish-large"),
    OpCase("softplus", lambda m, x: F(m).softplus(x), [(3, 4)], low=-5, high=5),
    OpCase("softplus", lambda m, x: F(m).softplus(x, beta=2.0, threshold=3.0), [(4, 5)],
           low=-4, high=4, domain=away(1.5), id="softplus-beta"),
    OpCase("softplus", lambda m, x: F(m).softplus(x, 0.5, 1.0), [(4, 5)], low=-6, high=6,
           domain=away(2.0), id="softplus-beta-half"),
    OpCase("softplus", lambda m, x: F(m).softplus(x), [(4, 5)], domain=scaled(60.0),
           gradcheck=False, id="softplus-large"),
    OpCase("logsigmoid", lambda m, x: F(m).logsigmoid(x), [(3, 4)], low=-5, high=5),
    OpCase("logsigmoid", lambda m, x: F(m).logsigmoid(x), [(4, 5)], domain=scaled(60.0),
           gradcheck=False, id="logsigmoid-large"),
    OpCase("softsign", lambda m, x: F(m).softsign(x), [(3, 4)], domain=ZERO),
    OpCase("softsign", lambda m, x: F(m).softsign(x), [(3, 4)], int_inputs=(0,), grad=False,
           id="softsign-int"),
    OpCase("tanhshrink", lambda m, x: F(m).tanhshrink(x), [(3, 4)]),
    # softmax family
    OpCase("softmax", lambda m, x: F(m).softmax(x, dim=1), [(3, 4)]),
    OpCase("softmax", lambda m, x: F(m).softmax(x, -1), [(2, 3, 4)], id="softmax-neg-dim"),
    OpCase("softmax", lambda m, x: x.softmax(0), [(3, 2, 2)], id="softmax-method-dim0"),
    OpCase("softmax", lambda m, x: m.softmax(x, 0), [()], id="softmax-0d"),
    OpCase("softmax", lambda m, x: m.softmax(x, 1), [(0, 3)], id="softmax-empty"),
    OpCase("softmax", lambda m, x: m.softmax(x, 0), [(0, 3)], id="softmax-empty-dim"),
    OpCase("softmax", lambda m, x: F(m).softmax(x, dim=1), [(3, 4)], domain=scaled(100.0),
           gradcheck=False, id="softmax-large"),
    OpCase("softmax", lambda m, x: F(m).softmax(x, 1, dtype=m.float64), [(3, 4)],
           id="softmax-dtype"),
    OpCase("log_softmax", lambda m, x: F(m).log_softmax(x, dim=1), [(3, 4)]),
    OpCase("log_softmax", lambda m, x: x.log_softmax(-1), [(2, 3, 4)], id="log_softmax-method"),
    OpCase("log_softmax", lambda m, x: m.log_softmax(x, 0), [()], id="log_softmax-0d"),
    OpCase("log_softmax", lambda m, x: m.log_softmax(x, 1), [(2, 0)], id="log_softmax-empty"),
    OpCase("log_softmax", lambda m, x: F(m).log_softmax(x, 0), [(3, 4)], domain=scaled(200.0),
           gradcheck=False, id="log_softmax-large"),
    OpCase("log_softmax", lambda m, x: m.log_softmax(x, 1, dtype=m.float32), [(3, 4)],
           rtol=1e-6, atol=1e-6, gradcheck=False, id="log_softmax-dtype"),  # float32 results
    OpCase("softmin", lambda m, x: F(m).softmin(x, dim=-1), [(3, 4)]),
    OpCase("softmin", lambda m, x: F(m).softmin(x, 0, dtype=m.float64), [(3, 4)],
           id="softmin-dtype"),
    # functional in-place forms (on a non-leaf copy, so gradients flow through them)
    OpCase("leaky_relu_", lambda m, x: F(m).leaky_relu_(x * 1.0, 0.2), [(3, 4)], domain=ZERO),
    OpCase("elu_", lambda m, x: F(m).elu_(x * 1.0, 0.5), [(3, 4)], domain=ZERO),
    OpCase("selu_", lambda m, x: m.selu_(x * 1.0), [(3, 4)], domain=ZERO),
    OpCase("celu_", lambda m, x: m.celu_(x * 1.0, 1.5), [(3, 4)], domain=ZERO),
    OpCase("hardtanh_", lambda m, x: F(m).hardtanh_(x * 1.0, -0.5, 0.5),
           [(3, 4)], domain=away(-0.5, 0.5)),
    OpCase("threshold_", lambda m, x: F(m).threshold_(x * 1.0, 0.5, 2.0), [(3, 4)],
           domain=away(0.5)),
    # prelu and glu
    OpCase("prelu", lambda m, x, w: F(m).prelu(x, w), [(2, 3, 4), (3,)], domain=ZERO),
    OpCase("prelu", lambda m, x, w: F(m).prelu(x, w), [(2, 3), (1,)], domain=ZERO,
           id="prelu-shared"),
    OpCase("prelu", lambda m, x, w: x.prelu(w), [(5,), (1,)], domain=ZERO, id="prelu-1d"),
    OpCase("prelu", lambda m, x, w: F(m).prelu(x, w), [(2, 3, 2, 2), ()], domain=ZERO,
           id="prelu-0d-weight"),
    OpCase("glu", lambda m, x: F(m).glu(x), [(3, 4)]),
    OpCase("glu", lambda m, x: F(m).glu(x, 0), [(4, 3)], id="glu-dim0"),
    OpCase("glu", lambda m, x: F(m).glu(x, dim=-2), [(2, 6, 1)], id="glu-neg-dim"),
    # erf family
    OpCase("erf", lambda m, x: m.erf(x), [(3, 4)], low=-3, high=3),
    OpCase("erf", lambda m, x: x.erf(), [(4, 5)], domain=scaled(4.0), gradcheck=False,
           id="erf-wide"),
    OpCase("erf", lambda m, x: m.erf(x), [(3, 4)], int_inputs=(0,), grad=False, id="erf-int"),
    OpCase("erf_", lambda m, x: (x * 1.0).erf_(), [(2, 3)]),
    OpCase("erfc", lambda m, x: m.erfc(x), [(3, 4)], low=-3, high=3),
    OpCase("erfc", lambda m, x: x.erfc(), [(4, 5)], low=-2, high=8, gradcheck=False,
           id="erfc-tail"),
    OpCase("erfc_", lambda m, x: (x * 1.0).erfc_(), [(2, 3)]),
    OpCase("erfinv", lambda m, x: m.erfinv(x), [(3, 4)], low=-0.95, high=0.95),
    OpCase("erfinv", lambda m, x: x.erfinv(), [(4, 5)], low=-1.0, high=1.0, gradcheck=False,
           id="erfinv-full"),
    OpCase("erfinv_", lambda m, x: (x * 1.0).erfinv_(), [(2, 3)], low=-0.9, high=0.9),
]

test_parity, test_gradcheck = parametrize_cases(CASES)


# -- gradients at kinks follow PyTorch -------------------------------------------------------

KINKS = [
    ("relu", lambda m, x: F(m).relu(x), [0.0, -0.0]),
    ("relu6", lambda m, x: F(m).relu6(x), [0.0, 6.0]),
    ("leaky_relu", lambda m, x: F(m).leaky_relu(x, 0.3), [0.0]),
    ("hardtanh", lambda m, x: F(m).hardtanh(x, -0.5, 2.0), [-0.5, 2.0]),
    ("elu", lambda m, x: F(m).elu(x, 2.0), [0.0]),
    ("selu", lambda m, x: F(m).selu(x), [0.0]),
    ("celu", lambda m, x: F(m).celu(x, 2.0), [0.0]),
    ("hardsigmoid", lambda m, x: F(m).hardsigmoid(x), [-3.0, 3.0]),
    ("hardswish", lambda m, x: F(m).hardswish(x), [-3.0, 3.0]),
    ("softshrink", lambda m, x: F(m).softshrink(x, 0.5), [-0.5, 0.5]),
    ("hardshrink", lambda m, x: F(m).hardshrink(x, 0.5), [-0.5, 0.5]),
    ("threshold", lambda m, x: F(m).threshold(x, 1.0, 5.0), [1.0]),
    ("softplus", lambda m, x: F(m).softplus(x, 1.0, 2.0), [2.0]),
    ("logit", lambda m, x: m.logit(x, 0.25), [0.25, 0.75, 0.1, 1.5, -1.0]),
    ("logit", lambda m, x: m.logit(x), [-0.5, 1.5]),
    ("softsign", lambda m, x: F(m).softsign(x), [0.0]),
    ("prelu", lambda m, x: F(m).prelu(x, m.tensor([0.25], dtype=m.float64)), [0.0]),
]


@requires_torch
@pytest.mark.parametrize("name,fn,points", KINKS, ids=[k[0] for k in KINKS])
def test_gradient_at_kinks_matches_torch(name, fn, points):
    a = np.array(points, dtype=np.float64)
    xe = ember.tensor(a, requires_grad=True)
    xt = torch.tensor(a, requires_grad=True)
    (ge,) = ember.autograd.grad(fn(ember, xe).sum(), xe)
    (gt,) = torch.autograd.grad(fn(torch, xt).sum(), xt)
    np.testing.assert_allclose(ge.numpy(), gt.numpy(), rtol=1e-12, atol=0, equal_nan=True)


# -- numerics at extreme inputs --------------------------------------------------------------

EXTREME = [
    ("sigmoid", lambda m, x: m.sigmoid(x)),
    ("tanh", lambda m, x: m.tanh(x)),
    ("softplus", lambda m, x: F(m).softplus(x)),
    ("softplus-beta", lambda m, x: F(m).softplus(x, -1.0)),
    ("logsigmoid", lambda m, x: F(m).logsigmoid(x)),
    ("silu", lambda m, x: F(m).silu(x)),
    ("mish", lambda m, x: F(m).mish(x)),
    ("elu", lambda m, x: F(m).elu(x)),
    ("selu", lambda m, x: F(m).selu(x)),
    ("gelu", lambda m, x: F(m).gelu(x)),
    ("gelu-tanh", lambda m, x: F(m).gelu(x, approximate="tanh")),
    ("erf", lambda m, x: m.erf(x)),
    ("erfc", lambda m, x: m.erfc(x)),
    ("softsign", lambda m, x: F(m).softsign(x)),
    ("tanhshrink", lambda m, x: F(m).tanhshrink(x)),
    ("hardswish", lambda m, x: F(m).hardswish(x)),
    ("relu", lambda m, x: F(m).relu(x)),
    ("leaky_relu", lambda m, x: F(m).leaky_relu(x)),
    ("softshrink", lambda m, x: F(m).softshrink(x)),
    ("hardshrink", lambda m, x: F(m).hardshrink(x)),
    ("log_softmax", lambda m, x: F(m).log_softmax(x, 0)),
    ("softmax", lambda m, x: F(m).softmax(x, 0)),
]
EXTREME_VALUES = [-math.inf, -1e30, -1000.0, -100.0, -30.0, -1e-30, 0.0, 1e-30, 30.0, 100.0,
                  1000.0, 1e30, math.inf, math.nan]


@requires_torch
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name,fn", EXTREME, ids=[e[0] for e in EXTREME])
def test_extreme_inputs_match_torch_without_warnings(name, fn, dtype):
    a = np.array(EXTREME_VALUES, dtype=dtype)
    if name.endswith("softmax"):  # keep a finite row: inf/nan rows are all-nan in both
        a = a[2:-3]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow / invalid-value warnings from NumPy
        e = fn(ember, ember.from_numpy(a.copy())).numpy()
    t = fn(torch, torch.from_numpy(a.copy())).numpy()
    tol = dict(rtol=1e-6, atol=1e-30) if dtype == "float32" else dict(rtol=1e-13, atol=1e-300)
    if name == "gelu" and dtype == "float64":
        # torch's x (1 + erf(x / sqrt 2)) / 2 cancels to -0 below about -8; ember computes the
        # tail from erfc and keeps the true tiny value (-1.5e-196 at -30)
        tol["atol"] = 1e-20
    np.testing.assert_allclose(e, t, equal_nan=True, **tol)


@requires_torch
@pytest.mark.parametrize("name,fn", [
    ("sigmoid", lambda m, x: m.sigmoid(x)),
    ("softplus", lambda m, x: F(m).softplus(x)),
    ("logsigmoid", lambda m, x: F(m).logsigmoid(x)),
    ("silu", lambda m, x: F(m).silu(x)),
    ("mish", lambda m, x: F(m).mish(x)),
    ("elu", lambda m, x: F(m).elu(x)),
    ("gelu", lambda m, x: F(m).gelu(x)),
    ("erf", lambda m, x: m.erf(x)),
    ("tanh", lambda m, x: m.tanh(x)),
    ("log_softmax", lambda m, x: F(m).log_softmax(x, 0)),
    ("softmax", lambda m, x: F(m).softmax(x, 0)),
])
def test_extreme_input_gradients_are_finite_and_match_torch(name, fn):
    a = np.array([-1000.0, -90.0, -20.0, -1e-6, 0.0, 1e-6, 20.0, 90.0, 1000.0], np.float32)
    xe = ember.from_numpy(a.copy()).requires_grad_()
    xt = torch.from_numpy(a.copy()).requires_grad_()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        (ge,) = ember.autograd.grad(fn(ember, xe).sum(), xe)
    (gt,) = torch.autograd.grad(fn(torch, xt).sum(), xt)
    assert np.isfinite(ge.numpy()).all()
    np.testing.assert_allclose(ge.numpy(), gt.numpy(), rtol=1e-5, atol=1e-30)


def test_small_arguments_keep_relative_accuracy():
    # expm1/log1p-type cancellations: tiny inputs must give ~x, not 0 or rounding noise
    x = ember.tensor([-1e-7, -1e-12, 1e-7], dtype=ember.float64)
    np.testing.assert_allclose(ember.elu(x).numpy(), [math.expm1(-1e-7), math.expm1(-1e-12),
                                                      1e-7], rtol=1e-15)
    big = ember.tensor([40.0, 60.0], dtype=ember.float64)
    np.testing.assert_allclose(ember.logsigmoid(big).numpy(), [-math.exp(-40), -math.exp(-60)],
                               rtol=1e-14)
    np.testing.assert_allclose(ember.softplus(-big, threshold=100.0).numpy(),
                               [math.exp(-40), math.exp(-60)], rtol=1e-14)
    x32 = ember.tensor([-1e-6, -20.0])
    np.testing.assert_allclose(ember.elu(x32).numpy(), [math.expm1(-1e-6), math.expm1(-20.0)],
                               rtol=1e-6)
    np.testing.assert_allclose(ember.softplus(ember.tensor([-30.0])).numpy(), [math.exp(-30)],
                               rtol=1e-6)


def test_gelu_tail_is_accurate():
    # x * Phi(x) for very negative x: computed from erfc, not 1 + erf (which cancels to 0)
    x = np.array([-10.0, -20.0, -30.0])
    e = ember.gelu(ember.from_numpy(x)).numpy()
    ref = [v * 0.5 * math.erfc(-v / math.sqrt(2)) for v in x]
    np.testing.assert_allclose(e, ref, rtol=1e-12)


# -- erf accuracy ----------------------------------------------------------------------------


def _grid():
    return np.concatenate([np.linspace(-7, 7, 2801), np.geomspace(1e-300, 0.5, 300),
                           -np.geomspace(1e-12, 0.5, 60), np.linspace(0.46, 0.48, 41),
                           np.linspace(3.99, 4.01, 41)])


def test_erf_float64_matches_math_erf_to_1e15():
    x = _grid()
    x = x[x != 0]
    e = ember.erf(ember.from_numpy(x)).numpy()
    ref = np.array([math.erf(v) for v in x])
    rel = np.abs(e - ref) / np.abs(ref)
    assert rel.max() < 1e-15, (rel.max(), x[rel.argmax()])


def test_erfc_float64_matches_math_erfc_including_tails():
    x = np.concatenate([_grid(), np.linspace(4, 26.5, 451)])
    e = ember.erfc(ember.from_numpy(x)).numpy()
    ref = np.array([math.erfc(v) for v in x])
    rel = np.abs(e - ref) / np.abs(ref)
    assert rel.max() < 2e-15, (rel.max(), x[rel.argmax()])
    assert ember.erfc(ember.tensor([27.5, 100.0, math.inf], dtype=ember.float64)).numpy().max() == 0


def test_erf_special_values():
    x = ember.tensor([math.inf, -math.inf, math.nan, 0.0, -0.0, 1e300], dtype=ember.float64)
    e = ember.erf(x).numpy()
    assert e[0] == 1.0 and e[1] == -1.0 and np.isnan(e[2]) and e[5] == 1.0
    assert e[3] == 0.0 and math.copysign(1.0, e[4]) == -1.0
    c = ember.erfc(x).numpy()
    assert c[0] == 0.0 and c[1] == 2.0 and np.isnan(c[2]) and c[3] == 1.0


@requires_torch
def test_erf_family_float32_within_a_few_ulp_of_torch():
    x = np.linspace(-5, 5, 4001).astype(np.float32)
    for name in ("erf", "erfc"):
        e = getattr(ember, name)(ember.from_numpy(x)).numpy()
        t = getattr(torch, name)(torch.from_numpy(x)).numpy()
        assert e.dtype == np.float32
        np.testing.assert_allclose(e, t, rtol=6e-7, atol=1e-37)
    y = np.linspace(-0.999, 0.999, 2001).astype(np.float32)
    np.testing.assert_allclose(ember.erfinv(ember.from_numpy(y)).numpy(),
                               torch.erfinv(torch.from_numpy(y)).numpy(), rtol=6e-7, atol=1e-7)


@requires_torch
def test_erfinv_float64_inverts_erf_and_matches_torch():
    y = np.concatenate([np.linspace(-0.999999, 0.999999, 1001), 1 - np.geomspace(1e-15, 1e-3, 40),
                        [-1.0, 1.0, 1.5, -2.0, 0.0]])
    e = ember.erfinv(ember.from_numpy(y)).numpy()
    t = torch.erfinv(torch.from_numpy(y)).numpy()
    np.testing.assert_allclose(e, t, rtol=2e-15, atol=0, equal_nan=True)


# -- dtypes ----------------------------------------------------------------------------------


@pytest.mark.parametrize("op", ["sigmoid", "tanh", "erf", "erfc", "erfinv", "logit",
                                "softsign", "tanhshrink"])
def test_integer_inputs_give_default_float(op):
    x = ember.tensor([0, 1, 2])
    assert getattr(ember, op)(x).dtype is ember.float32
    ember.set_default_dtype(ember.float64)
    try:
        assert getattr(ember, op)(x).dtype is ember.float64
    finally:
        ember.set_default_dtype(ember.float32)


def test_relu_and_hardtanh_keep_integer_dtypes():
    x = ember.tensor([-3, 0, 3], dtype=ember.int32)
    assert ember.relu(x).dtype is ember.int32
    assert ember.relu(x).tolist() == [0, 0, 3]
    assert ember.relu6(ember.tensor([-3, 2, 9])).tolist() == [0, 2, 6]
    assert ember.hardtanh(x, -1.5, 2.5).tolist() == [-1, 0, 2]
    assert ember.threshold(ember.tensor([1, 2, 3]), 1.5, 0.5).tolist() == [0, 2, 3]


@requires_torch
@pytest.mark.parametrize("name,fn", [
    ("relu", lambda m, x: F(m).relu(x)), ("sigmoid", lambda m, x: m.sigmoid(x)),
    ("tanh", lambda m, x: m.tanh(x)), ("gelu", lambda m, x: F(m).gelu(x)),
    ("silu", lambda m, x: F(m).silu(x)), ("softplus", lambda m, x: F(m).softplus(x)),
    ("elu", lambda m, x: F(m).elu(x)), ("erf", lambda m, x: m.erf(x)),
    ("softmax", lambda m, x: F(m).softmax(x, 0)),
    ("log_softmax", lambda m, x: F(m).log_softmax(x, 0)),
])
def test_float16_stays_float16(name, fn):
    a = np.linspace(-6, 6, 25).astype(np.float16)
    e = fn(ember, ember.from_numpy(a.copy()))
    t = fn(torch, torch.from_numpy(a.copy()))
    assert e.dtype is ember.float16
    np.testing.assert_allclose(e.numpy().astype(np.float32), t.numpy().astype(np.float32),
                               rtol=2e-3, atol=2e-3)


def test_float32_is_not_promoted():
    x = ember.randn(3, 4)
    for fn in (ember.sigmoid, ember.tanh, ember.gelu, ember.silu, ember.mish, ember.softplus,
               ember.erf, ember.erfc, ember.erfinv, ember.elu, ember.logsigmoid, ember.logit,
               lambda t: ember.gelu(t, approximate="tanh"), lambda t: ember.softmax(t, 1),
               lambda t: ember.log_softmax(t, 1)):
        xg = (x * 0.3).detach().requires_grad_()
        y = fn(xg)
        (g,) = ember.autograd.grad(y.sum(), xg)
        assert y.dtype is ember.float32 and g.dtype is ember.float32


# -- errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize("op", ["leaky_relu", "elu", "selu", "celu", "gelu", "silu", "mish",
                                "softplus", "hardsigmoid", "hardswish", "logsigmoid",
                                "softshrink", "hardshrink", "glu"])
def test_float_only_ops_reject_integers_like_torch(op):
    with pytest.raises(NotImplementedError, match=rf"{op}\(\).*int64.*float"):
        getattr(ember, op)(ember.tensor([1, 2]))


def test_bool_inputs_raise():
    with pytest.raises(RuntimeError, match=r"relu\(\): Bool inputs not supported"):
        ember.relu(ember.tensor([True]))
    with pytest.raises(RuntimeError, match=r"relu6\(\): Bool inputs not supported for hardtanh"):
        ember.relu6(ember.tensor([True]))
    with pytest.raises(NotImplementedError, match=r"softsign\(\).*bool"):
        ember.softsign(ember.tensor([True]))


def test_non_tensor_input_names_op_and_type():
    with pytest.raises(TypeError, match=r"sigmoid\(\): argument 'input' must be a Tensor, "
                                        r"not list"):
        ember.sigmoid([1.0])
    with pytest.raises(TypeError, match=r"prelu\(\): argument 'weight' must be a Tensor"):
        ember.prelu(ember.ones(2, 3), 0.25)


def test_argument_errors_name_op_and_values():
    x = ember.ones(2, 3)
    with pytest.raises(ValueError, match=r"hardtanh\(\): min_val cannot be greater than max_val"
                                         r".*min_val=2.0 and max_val=1.0"):
        ember.hardtanh(x, 2.0, 1.0)
    with pytest.raises(RuntimeError, match=r"gelu\(\): approximate argument must be either none "
                                           r"or tanh, got 'fast'"):
        ember.gelu(x, approximate="fast")
    with pytest.raises(RuntimeError, match=r"celu\(\).*alpha cannot be 0"):
        ember.celu(x, 0.0)
    with pytest.raises(RuntimeError, match=r"softshrink\(\): lambda must be greater or equal to "
                                           r"0, but found to be -1"):
        ember.softshrink(x, -1.0)
    assert ember.hardshrink(x, -1.0).tolist() == x.tolist()  # allowed, like torch


def test_softmax_errors():
    x = ember.ones(2, 3)
    with pytest.raises(IndexError, match=r"softmax\(\): Dimension out of range \(expected to be "
                                         r"in range of \[-2, 1\], but got 2\)"):
        ember.softmax(x, 2)
    with pytest.raises(NotImplementedError, match=r"log_softmax\(\).*int64.*dtype="):
        ember.log_softmax(ember.tensor([1, 2]), 0)
    with pytest.raises(NotImplementedError, match=r"softmax\(\).*int64"):
        ember.softmax(x, 1, dtype=ember.int64)
    assert ember.softmax(ember.tensor([1, 2]), 0, dtype=ember.float64).dtype is ember.float64


def test_prelu_errors_name_shapes_and_dtypes():
    with pytest.raises(RuntimeError, match=r"prelu\(\): Mismatch of parameter numbers and input "
                                           r"channel size. Found parameter numbers = 4 and "
                                           r"channel size = 3 \(input shape \(2, 3, 5\)\)"):
        ember.prelu(ember.ones(2, 3, 5), ember.ones(4))
    with pytest.raises(RuntimeError, match=r"channel size = 1"):
        ember.prelu(ember.ones(4), ember.ones(4))
    with pytest.raises(RuntimeError, match=r"prelu\(\): Expected `weight` to be a scalar or 1D "
                                           r"tensor, but got: ndim = 2 \(shape \(3, 1\)\)"):
        ember.prelu(ember.ones(2, 3), ember.ones(3, 1))
    with pytest.raises(RuntimeError, match=r"prelu\(\): Type promoting not supported. Got input "
                                           r"ember.float32 and weight ember.float64"):
        ember.prelu(ember.ones(2, 3), ember.ones(3, dtype=ember.float64))
    with pytest.raises(NotImplementedError, match=r"prelu\(\).*int64"):
        ember.prelu(ember.tensor([[1, 2]]), ember.tensor([1, 1]))


def test_glu_errors():
    with pytest.raises(RuntimeError, match=r"glu\(\): Halving dimension must be even, but "
                                           r"dimension 0 is size 3 \(input shape \(3, 4\)\)"):
        ember.glu(ember.ones(3, 4), 0)
    with pytest.raises(RuntimeError, match=r"glu\(\): glu does not support scalars"):
        ember.glu(ember.tensor(1.0))
    with pytest.raises(IndexError, match=r"glu\(\): Dimension out of range"):
        ember.glu(ember.ones(2, 4), 2)


def test_out_argument():
    x = ember.tensor([0.0, 1.0])
    out = ember.empty(2)
    r = ember.sigmoid(x, out=out)
    assert r is out
    np.testing.assert_allclose(out.numpy(), [0.5, 1 / (1 + math.exp(-1))], rtol=1e-6)
    with pytest.raises(RuntimeError, match=r"tanh\(\): out= has shape \(3,\)"):
        ember.tanh(x, out=ember.empty(3))


# -- softmax details -------------------------------------------------------------------------


def test_softmax_implicit_dim_warns_and_picks_torch_dim():
    x = ember.randn(2, 3)
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmax"):
        y = ember.softmax(x)
    np.testing.assert_allclose(y.sum(1).numpy(), [1.0, 1.0], rtol=1e-6)
    with pytest.warns(UserWarning, match="Implicit dimension choice for log_softmax"):
        z = ember.log_softmax(ember.randn(2, 3, 4))
    np.testing.assert_allclose(z.exp().sum(0).numpy(), np.ones((3, 4)), rtol=1e-5)


def test_softmax_dtype_may_be_passed_positionally_like_torch_softmax():
    x = ember.randn(2, 3)
    assert ember.softmax(x, 1, ember.float64).dtype is ember.float64
    assert x.softmax(1, ember.float64).dtype is ember.float64
    assert x.log_softmax(1, dtype=ember.float64).dtype is ember.float64


@requires_torch
def test_softmax_masked_rows():
    inf = math.inf
    a = np.array([[-inf, -inf, -inf], [-inf, 1.0, 2.0], [0.0, inf, 1.0]], np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        e = ember.softmax(ember.from_numpy(a), 1).numpy()
        le = ember.log_softmax(ember.from_numpy(a), 1).numpy()
    np.testing.assert_allclose(e, torch.softmax(torch.from_numpy(a), 1).numpy(), equal_nan=True,
                               rtol=1e-6)
    np.testing.assert_allclose(le, torch.log_softmax(torch.from_numpy(a), 1).numpy(),
                               equal_nan=True, rtol=1e-6)


def test_softmax_rows_sum_to_one_in_float32():
    x = ember.randn(4, 1000) * 30
    y = ember.softmax(x, 1)
    assert y.dtype is ember.float32
    np.testing.assert_allclose(y.numpy().sum(1), np.ones(4), rtol=1e-5)


# -- in-place forms --------------------------------------------------------------------------


@requires_torch
@pytest.mark.parametrize("name,fn", [
    ("relu", lambda m, x: F(m).relu(x, inplace=True)),
    ("relu_", lambda m, x: m.relu_(x)),
    ("relu6", lambda m, x: F(m).relu6(x, True)),
    ("leaky_relu", lambda m, x: F(m).leaky_relu(x, 0.2, inplace=True)),
    ("leaky_relu_", lambda m, x: F(m).leaky_relu_(x, 0.2)),
    ("elu", lambda m, x: F(m).elu(x, 0.5, True)),
    ("elu_", lambda m, x: F(m).elu_(x)),
    ("selu_", lambda m, x: m.selu_(x)),
    ("celu_", lambda m, x: m.celu_(x, 2.0)),
    ("hardtanh_", lambda m, x: F(m).hardtanh_(x, -0.5, 0.5)),
    ("threshold_", lambda m, x: F(m).threshold_(x, 0.1, 9.0)),
    ("silu", lambda m, x: F(m).silu(x, inplace=True)),
    ("mish", lambda m, x: F(m).mish(x, inplace=True)),
    ("hardswish", lambda m, x: F(m).hardswish(x, inplace=True)),
    ("hardsigmoid", lambda m, x: F(m).hardsigmoid(x, inplace=True)),
    ("sigmoid_", lambda m, x: x.sigmoid_()),
    ("tanh_", lambda m, x: x.tanh_()),
    ("erf_", lambda m, x: x.erf_()),
    ("erfinv_", lambda m, x: (x * 0.3).erfinv_()),
    ("logit_", lambda m, x: (x * 0.2 + 0.5).logit_(eps=0.4)),
])
def test_inplace_forms_write_into_the_input(name, fn):
    a = np.array([-1.3, -0.2, 0.05, 0.7, 2.5], np.float32)
    xe, xt = ember.from_numpy(a.copy()), torch.from_numpy(a.copy())
    ye, yt = fn(ember, xe), fn(torch, xt)
    if ye is not xe:  # the functional forms that start from an expression write into it
        assert "erfinv" in name or "logit" in name
    else:
        assert xe._version == 1
    np.testing.assert_allclose(ye.numpy(), yt.numpy(), rtol=1e-6)
    # with autograd: the gradient flows through the in-place op of a non-leaf
    xe = ember.from_numpy(a.copy()).requires_grad_()
    xt = torch.from_numpy(a.copy()).requires_grad_()
    ye, yt = fn(ember, xe * 1.5), fn(torch, xt * 1.5)
    (ge,) = ember.autograd.grad(ye.sum(), xe)
    (gt,) = torch.autograd.grad(yt.sum(), xt)
    np.testing.assert_allclose(ge.numpy(), gt.numpy(), rtol=1e-5)


def test_inplace_on_leaf_requiring_grad_raises():
    x = ember.randn(3, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"relu_\(\): a leaf Variable that requires grad"):
        x.relu_()


def test_inplace_on_integer_tensor_needing_float_raises():
    with pytest.raises(RuntimeError, match=r"sigmoid_\(\): result type ember.float32 can't be "
                                           r"cast to the desired output type ember.int64"):
        ember.tensor([1, 2]).sigmoid_()
    x = ember.tensor([-1, 2])
    assert x.relu_() is x and x.tolist() == [0, 2]


def test_saved_tensors_follow_torch_version_checks():
    # sigmoid/tanh/relu save their output: modifying it in place breaks backward
    for fn in (ember.sigmoid, ember.tanh, ember.relu, lambda t: ember.softmax(t, 0),
               lambda t: ember.log_softmax(t, 0)):
        x = ember.randn(4, requires_grad=True)
        y = fn(x)
        y.add_(1.0)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.sum().backward()
    # gelu/silu/elu save their input: modifying the input breaks backward, the output doesn't
    for fn in (ember.gelu, ember.silu, ember.elu, ember.softplus):
        x = ember.randn(4, requires_grad=True)
        h = x * 1.0
        y = fn(h)
        h.add_(1.0)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.sum().backward()
        h = x * 1.0
        y = fn(h)
        y.mul_(2.0)
        y.sum().backward()


# -- autograd graph --------------------------------------------------------------------------


@requires_torch
def test_grad_fn_names_match_torch():
    a = np.array([0.5, -0.5])
    checks = [
        lambda m, x: m.sigmoid(x), lambda m, x: m.tanh(x), lambda m, x: m.relu(x),
        lambda m, x: F(m).gelu(x), lambda m, x: F(m).silu(x), lambda m, x: F(m).elu(x),
        lambda m, x: F(m).leaky_relu(x), lambda m, x: F(m).softplus(x),
        lambda m, x: F(m).hardtanh(x), lambda m, x: F(m).mish(x),
        lambda m, x: F(m).softmax(x, 0), lambda m, x: F(m).log_softmax(x, 0),
        lambda m, x: m.erf(x), lambda m, x: m.logit(x), lambda m, x: F(m).logsigmoid(x),
        lambda m, x: F(m).hardswish(x), lambda m, x: F(m).hardsigmoid(x),
        lambda m, x: F(m).threshold(x, 0.1, 2.0), lambda m, x: F(m).softshrink(x),
        lambda m, x: F(m).hardshrink(x), lambda m, x: F(m).relu6(x),
    ]
    for fn in checks:
        ye = fn(ember, ember.tensor(a, requires_grad=True))
        yt = fn(torch, torch.tensor(a, requires_grad=True))
        assert ye.grad_fn.name() == yt.grad_fn.name()


def test_no_graph_without_grad():
    x = ember.randn(3, requires_grad=True)
    with ember.no_grad():
        y = ember.gelu(x)
    assert y.grad_fn is None and not y.requires_grad
    assert ember.sigmoid(ember.randn(3)).grad_fn is None


# -- double backward -------------------------------------------------------------------------

GRADGRAD = [
    ("sigmoid", lambda x: ember.sigmoid(x), {}),
    ("tanh", lambda x: ember.tanh(x), {}),
    ("logit", lambda x: ember.logit(x), dict(low=0.1, high=0.9)),
    ("logit-eps", lambda x: ember.logit(x, 0.05), dict(low=0.1, high=0.9)),
    ("relu", lambda x: ember.relu(x) * x, dict(domain=ZERO)),
    ("leaky_relu", lambda x: ember.leaky_relu(x, 0.2) * x, dict(domain=ZERO)),
    ("hardtanh", lambda x: ember.hardtanh(x) * x, dict(domain=away(-1.0, 1.0))),
    ("elu", lambda x: ember.elu(x, 0.8), dict(domain=ZERO)),
    ("selu", lambda x: ember.selu(x), dict(domain=ZERO)),
    ("celu", lambda x: ember.celu(x, 0.5), dict(domain=ZERO)),
    ("gelu", lambda x: ember.gelu(x), {}),
    ("gelu-tanh", lambda x: ember.gelu(x, approximate="tanh"), {}),
    ("silu", lambda x: ember.silu(x), {}),
    ("mish", lambda x: ember.mish(x), {}),
    ("softplus", lambda x: ember.softplus(x, 1.5, 2.0), dict(domain=away(4 / 3))),
    ("logsigmoid", lambda x: ember.logsigmoid(x), {}),
    ("softsign", lambda x: ember.softsign(x), dict(domain=ZERO)),
    ("tanhshrink", lambda x: ember.tanhshrink(x), {}),
    ("hardswish", lambda x: ember.hardswish(x), dict(low=-5, high=5, domain=away(-3.0, 3.0))),
    ("softshrink", lambda x: ember.softshrink(x) * x, dict(domain=away(-0.5, 0.5))),
    ("softmax", lambda x: ember.softmax(x, 1), {}),
    ("log_softmax", lambda x: ember.log_softmax(x, -1), {}),
    ("softmin", lambda x: ember.softmin(x, 0), {}),
    ("erf", lambda x: ember.erf(x), {}),
    ("erfc", lambda x: ember.erfc(x), {}),
    ("erfinv", lambda x: ember.erfinv(x), dict(low=-0.9, high=0.9)),
    ("glu", lambda x: ember.glu(x, 1), {}),
]


@pytest.mark.parametrize("name,fn,opts", GRADGRAD, ids=[g[0] for g in GRADGRAD])
def test_gradgradcheck(name, fn, opts):
    rng = np.random.default_rng(3)
    a = rng.uniform(opts.get("low", -2.0), opts.get("high", 2.0), size=(2, 4))
    if "domain" in opts:
        a = opts["domain"](a)
    x = ember.from_numpy(np.ascontiguousarray(a)).requires_grad_()
    assert gradgradcheck(fn, (x,))


def test_gradgradcheck_prelu_both_inputs():
    x = ember.from_numpy(ZERO(np.random.default_rng(4).uniform(-2, 2, (2, 3, 2))))
    w = ember.tensor([0.1, -0.3, 0.6], dtype=ember.float64)
    x.requires_grad_()
    w.requires_grad_()
    assert gradgradcheck(lambda a, b: ember.prelu(a, b) * a, (x, w))
    assert gradcheck(lambda a, b: ember.prelu(a, b), (x, w))


def test_third_derivative_of_sigmoid_and_gelu():
    x = ember.tensor([0.3, -1.2], dtype=ember.float64, requires_grad=True)
    for fn, d3 in [
        (ember.sigmoid, lambda v: (lambda s: s * (1 - s) * (1 - 6 * s + 6 * s * s))(
            1 / (1 + np.exp(-v)))),
        (ember.gelu, lambda v: np.exp(-v * v / 2) / math.sqrt(2 * math.pi) * (v ** 3 - 4 * v)),
    ]:
        y = fn(x)
        (g1,) = ember.autograd.grad(y.sum(), x, create_graph=True)
        (g2,) = ember.autograd.grad(g1.sum(), x, create_graph=True)
        (g3,) = ember.autograd.grad(g2.sum(), x)
        np.testing.assert_allclose(g3.numpy(), d3(x.detach().numpy()), rtol=1e-10)
