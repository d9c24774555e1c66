"""ember.keras.optimizers: Keras 3's update formulas (against NumPy transcriptions and, where
they coincide, PyTorch), clipping, weight decay, EMA, accumulation, schedules and configs."""

from __future__ import annotations

import math
import re
import warnings

import numpy as np
import pytest

import ember
from ember.keras import optimizers as O
from ember.keras.optimizers import schedules as S

try:
    import torch
except ImportError:  # the parity tests skip cleanly without torch
    torch = None

requires_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed")
SHAPES = [(3, 4), (4,)]
STEPS = 5


def _grads(seed=0, steps=STEPS, dtype=np.float64):
    rng = np.random.default_rng(seed)
    return [[rng.standard_normal(s).astype(dtype) for s in SHAPES] for _ in range(steps)]


def _weights(seed=1, dtype=np.float64):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s).astype(dtype) for s in SHAPES]


# -- NumPy transcriptions of keras/src/optimizers/<name>.py --------------------------------------


def ref_sgd(ws, grads, lr=0.01, momentum=0.0, nesterov=False):
    ws = [w.copy() for w in ws]
    ms = [np.zeros_like(w) for w in ws]
    for gs in grads:
        for w, m, g in zip(ws, ms, gs):
            if momentum:
                m[...] = m * momentum - g * lr
                w += m * momentum - g * lr if nesterov else m
            else:
                w -= g * lr
    return ws


def ref_adam(ws, grads, lr=0.001, b1=0.9, b2=0.999, eps=1e-7, amsgrad=False, wd=None):
    ws = [w.copy() for w in ws]
    ms, vs, vh = ([np.zeros_like(w) for w in ws] for _ in range(3))
    for t, gs in enumerate(grads, start=1):
        alpha = lr * math.sqrt(1 - b2 ** t) / (1 - b1 ** t)
        for w, m, v, h, g in zip(ws, ms, vs, vh, gs):
            if wd:
                w -= w * wd * lr
            m += (g - m) * (1 - b1)
            v += (g * g - v) * (1 - b2)
            if amsgrad:
                h[...] = np.maximum(h, v)
                v = h
            w -= m * alpha / (np.sqrt(v) + eps)
    return ws


def ref_adamax(ws, grads, lr=0.001, b1=0.9, b2=0.999, eps=1e-7):
    ws = [w.copy() for w in ws]
    ms, us = [np.zeros_like(w) for w in ws], [np.zeros_like(w) for w in ws]
    for t, gs in enumerate(grads, start=1):
        for w, m, u, g in zip(ws, ms, us, gs):
            m += (g - m) * (1 - b1)
            u[...] = np.maximum(b2 * u, np.abs(g))
            w -= lr * m / ((1 - b1 ** t) * (u + eps))
    return ws


def ref_nadam(ws, grads, lr=0.001, b1=0.9, b2=0.999, eps=1e-7):
    ws = [w.copy() for w in ws]
    ms, vs = [np.zeros_like(w) for w in ws], [np.zeros_like(w) for w in ws]
    u_product = 1.0
    for t, gs in enumerate(grads, start=1):
        u_product *= b1 * (1 - 0.5 * 0.96 ** t)
        u_t = b1 * (1 - 0.5 * 0.96 ** t)
        u_t1 = b1 * (1 - 0.5 * 0.96 ** (t + 1))
        for w, m, v, g in zip(ws, ms, vs, gs):
            m += (g - m) * (1 - b1)
            v += (g * g - v) * (1 - b2)
            m_hat = u_t1 * m / (1 - u_product * u_t1) + (1 - u_t) * g / (1 - u_product)
            v_hat = v / (1 - b2 ** t)
            w -= m_hat * lr / (np.sqrt(v_hat) + eps)
    return ws


def ref_rmsprop(ws, grads, lr=0.001, rho=0.9, momentum=0.0, eps=1e-7, centered=False):
    ws = [w.copy() for w in ws]
    vs, ss, avs = ([np.zeros_like(w) for w in ws] for _ in range(3))
    for gs in grads:
        for w, v, s, a, g in zip(ws, vs, ss, avs, gs):
            v[...] = rho * v + (1 - rho) * g * g
            if centered:
                a[...] = rho * a + (1 - rho) * g
                den = v - a * a + eps
            else:
                den = v + eps
            inc = lr * g / np.sqrt(den)
            if momentum > 0:
                s[...] = momentum * s + inc
                w -= s
            else:
                w -= inc
    return ws


def ref_adagrad(ws, grads, lr=0.001, init=0.1, eps=1e-7):
    ws = [w.copy() for w in ws]
    accs = [np.full_like(w, init) for w in ws]
    for gs in grads:
        for w, a, g in zip(ws, accs, gs):
            a += g * g
            w -= lr * g / np.sqrt(a + eps)
    return ws


def ref_adadelta(ws, grads, lr=0.001, rho=0.95, eps=1e-7):
    ws = [w.copy() for w in ws]
    ags, ads = [np.zeros_like(w) for w in ws], [np.zeros_like(w) for w in ws]
    for gs in grads:
        for w, ag, ad, g in zip(ws, ags, ads, gs):
            ag[...] = rho * ag + (1 - rho) * g * g
            delta = -np.sqrt(ad + eps) * g / np.sqrt(ag + eps)
            ad[...] = rho * ad + (1 - rho) * delta * delta
            w += lr * delta
    return ws


def ref_ftrl(ws, grads, lr=0.001, power=-0.5, init=0.1, l1=0.0, l2=0.0, shrink=0.0, beta=0.0):
    ws = [w.copy() for w in ws]
    accs, lins = [np.full_like(w, init) for w in ws], [np.zeros_like(w) for w in ws]
    for gs in grads:
        for w, acc, lin, g in zip(ws, accs, lins, gs):
            l2_reg = l2 + beta / (2 * lr)
            grad = g + 2 * shrink * w
            new_acc = acc + g * g
            lin += grad - (new_acc ** -power - acc ** -power) / lr * w
            quadratic = new_acc ** -power / lr + 2 * l2_reg
            w[...] = (np.clip(lin, -l1, l1) - lin) / quadratic
            acc[...] = new_acc
    return ws


def ref_lion(ws, grads, lr=0.001, b1=0.9, b2=0.99):
    ws = [w.copy() for w in ws]
    ms = [np.zeros_like(w) for w in ws]
    for gs in grads:
        for w, m, g in zip(ws, ms, gs):
            w -= lr * np.sign(m * b1 + g * (1 - b1))
            m[...] = m * b2 + g * (1 - b2)
    return ws


CASES = [
    ("sgd", lambda: O.SGD(), lambda w, g: ref_sgd(w, g)),
    ("sgd momentum", lambda: O.SGD(0.05, momentum=0.9), lambda w, g: ref_sgd(w, g, 0.05, 0.9)),
    ("sgd nesterov", lambda: O.SGD(0.05, momentum=0.9, nesterov=True),
     lambda w, g: ref_sgd(w, g, 0.05, 0.9, True)),
    ("adam", lambda: O.Adam(0.01), lambda w, g: ref_adam(w, g, 0.01)),
    ("adam amsgrad", lambda: O.Adam(0.01, amsgrad=True),
     lambda w, g: ref_adam(w, g, 0.01, amsgrad=True)),
    ("adamw", lambda: O.AdamW(0.01, weight_decay=0.1),
     lambda w, g: ref_adam(w, g, 0.01, wd=0.1)),
    ("adamax", lambda: O.Adamax(0.01), lambda w, g: ref_adamax(w, g, 0.01)),
    ("nadam", lambda: O.Nadam(0.01), lambda w, g: ref_nadam(w, g, 0.01)),
    ("rmsprop", lambda: O.RMSprop(0.01), lambda w, g: ref_rmsprop(w, g, 0.01)),
    ("rmsprop momentum centered", lambda: O.RMSprop(0.01, momentum=0.5, centered=True),
     lambda w, g: ref_rmsprop(w, g, 0.01, momentum=0.5, centered=True)),
    ("adagrad", lambda: O.Adagrad(0.1), lambda w, g: ref_adagrad(w, g, 0.1)),
    ("adadelta", lambda: O.Adadelta(1.0), lambda w, g: ref_adadelta(w, g, 1.0)),
    ("ftrl", lambda: O.Ftrl(0.1, l1_regularization_strength=0.01,
                            l2_regularization_strength=0.02,
                            l2_shrinkage_regularization_strength=0.03, beta=0.1),
     lambda w, g: ref_ftrl(w, g, 0.1, l1=0.01, l2=0.02, shrink=0.03, beta=0.1)),
    ("lion", lambda: O.Lion(0.01), lambda w, g: ref_lion(w, g, 0.01)),
]


def _run(opt, weights, grads, via="apply"):
    params = [ember.nn.Parameter(ember.tensor(w)) for w in weights]
    if via == "step":
        opt.build(params)
    for gs in grads:
        if via == "apply":
            opt.apply([ember.tensor(g) for g in gs], params)
        else:
            opt.zero_grad()
            for p, g in zip(params, gs):
                p.grad = ember.tensor(g)
            opt.step()
    return [p.detach().numpy() for p in params]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("via", ["apply", "step"])
def test_trajectory_matches_keras_formula(case, via):
    _, make, ref = case
    weights, grads = _weights(), _grads()
    opt = make()
    out = _run(opt, weights, grads, via)
    assert opt.iterations == STEPS
    for got, expected in zip(out, ref(weights, grads)):
        np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_float32_parameters_keep_float32_state(case):
    _, make, ref = case
    weights, grads = _weights(dtype=np.float32), _grads(dtype=np.float32)
    opt = make()
    out = _run(opt, weights, grads)
    assert all(v.dtype is ember.float32 for v in opt.variables[2:])
    expected = ref([w.astype(np.float64) for w in weights],
                   [[g.astype(np.float64) for g in gs] for gs in grads])
    for got, exp in zip(out, expected):
        assert got.dtype == np.float32
        np.testing.assert_allclose(got, exp, rtol=2e-5, atol=2e-6)


# -- PyTorch parity where Keras's formula is PyTorch's -------------------------------------------


@requires_torch
@pytest.mark.parametrize("name, make, make_torch", [
    ("sgd momentum", lambda: O.SGD(0.05, momentum=0.9),
     lambda ps: torch.optim.SGD(ps, lr=0.05, momentum=0.9)),
    ("sgd nesterov", lambda: O.SGD(0.05, momentum=0.9, nesterov=True),
     lambda ps: torch.optim.SGD(ps, lr=0.05, momentum=0.9, nesterov=True)),
    ("adadelta", lambda: O.Adadelta(1.0, rho=0.9, epsilon=1e-6),
     lambda ps: torch.optim.Adadelta(ps, lr=1.0, rho=0.9, eps=1e-6)),
    ("nadam", lambda: O.Nadam(0.01),
     lambda ps: torch.optim.NAdam(ps, lr=0.01, eps=1e-7, momentum_decay=1.0)),
])
def test_trajectory_matches_torch(name, make, make_torch):
    weights, grads = _weights(), _grads()
    out = _run(make(), weights, grads)
    tparams = [torch.tensor(w, requires_grad=True) for w in weights]
    topt = make_torch(tparams)
    for gs in grads:
        for p, g in zip(tparams, gs):
            p.grad = torch.tensor(g)
        topt.step()
    for got, tp in zip(out, tparams):
        np.testing.assert_allclose(got, tp.detach().numpy(), rtol=1e-8, atol=1e-10)


@requires_torch
def test_sgd_momentum_differs_from_torch_when_the_rate_changes():
    w0 = np.array([1.0])
    keras_opt = O.SGD(0.1, momentum=0.9)
    p = ember.nn.Parameter(ember.tensor(w0))
    tp = torch.tensor(w0, requires_grad=True)
    topt = torch.optim.SGD([tp], lr=0.1, momentum=0.9)
    for lr in (0.1, 0.01):
        keras_opt.learning_rate = lr
        for g in topt.param_groups:
            g["lr"] = lr
        keras_opt.apply([ember.tensor([1.0])], [p])
        tp.grad = torch.tensor([1.0], dtype=torch.float64)
        topt.step()
    # Keras: v = 0.9·(−0.1) − 0.01 = −0.1, torch: −0.01·(0.9 + 1) = −0.019
    np.testing.assert_allclose(p.detach().numpy(), [1.0 - 0.1 - 0.1])
    np.testing.assert_allclose(tp.detach().numpy(), [1.0 - 0.1 - 0.019])


# -- the base optimizer's features ---------------------------------------------------------------


def test_rmsprop_example_from_the_keras_docs():
    var = ember.nn.Parameter(ember.tensor(10.0))
    opt = O.RMSprop(learning_rate=0.1)
    loss = var ** 2 / 2.0
    loss.backward()
    opt.apply([var.grad], [var])
    np.testing.assert_allclose(var.item(), 9.683772, rtol=1e-6)


def _clip_ref(grads, kind, c):
    if kind == "clipnorm":
        return [g * c / max(np.linalg.norm(g), c) for g in grads]
    if kind == "clipvalue":
        return [np.clip(g, -c, c) for g in grads]
    norm = math.sqrt(sum((g * g).sum() for g in grads))
    return [g * c * min(1 / norm, 1 / c) for g in grads]


@pytest.mark.parametrize("kind", ["clipnorm", "clipvalue", "global_clipnorm"])
@pytest.mark.parametrize("c", [0.5, 100.0])
def test_gradient_clipping(kind, c):
    weights, grads = _weights(), _grads()
    out = _run(O.SGD(0.1, **{kind: c}), weights, grads)
    expected = ref_sgd(weights, [_clip_ref(gs, kind, c) for gs in grads], 0.1)
    for got, exp in zip(out, expected):
        np.testing.assert_allclose(got, exp, rtol=1e-10)


def test_only_one_clipping_option():
    with pytest.raises(ValueError, match="Only one of `clipnorm`, `clipvalue` and "
                                         "`global_clipnorm` can be set"):
        O.Adam(clipnorm=1.0, clipvalue=1.0)


def test_decoupled_weight_decay_and_exclusions():
    weights, grads = _weights(), _grads()
    params = [ember.nn.Parameter(ember.tensor(w)) for w in weights]
    opt = O.SGD(0.1, weight_decay=0.5)
    opt.exclude_from_weight_decay(var_list=[params[1]])
    for gs in grads:
        opt.apply([ember.tensor(g) for g in gs], params)
    w0, w1 = weights[0].copy(), weights[1].copy()
    for gs in grads:
        w0 = w0 - w0 * 0.5 * 0.1 - 0.1 * gs[0]
        w1 = w1 - 0.1 * gs[1]
    np.testing.assert_allclose(params[0].detach().numpy(), w0, rtol=1e-12)
    np.testing.assert_allclose(params[1].detach().numpy(), w1, rtol=1e-12)
    with pytest.raises(ValueError, match="before the optimizer is built"):
        opt.exclude_from_weight_decay(var_names=["bias"])


def test_exponential_moving_average():
    weights, grads = _weights(), _grads()
    params = [ember.nn.Parameter(ember.tensor(w)) for w in weights]
    opt = O.SGD(0.1, use_ema=True, ema_momentum=0.9)
    ws = [w.copy() for w in weights]
    avg = [np.zeros_like(w) for w in weights]
    for step, gs in enumerate(grads):
        opt.apply([ember.tensor(g) for g in gs], params)
        for w, a, g in zip(ws, avg, gs):
            w -= 0.1 * g
            momentum = 0.9 if step else 0.0
            a[...] = momentum * a + (1 - momentum) * w
    np.testing.assert_allclose(params[0].detach().numpy(), ws[0], rtol=1e-12)
    opt.finalize_variable_values(params)
    np.testing.assert_allclose(params[0].detach().numpy(), avg[0], rtol=1e-12)
    np.testing.assert_allclose(params[1].detach().numpy(), avg[1], rtol=1e-12)


def test_gradient_accumulation_updates_every_n_steps_with_the_mean():
    weights, grads = _weights(), _grads(steps=6)
    out = _run(O.Adam(0.01, gradient_accumulation_steps=3), weights, grads)
    means = [[(a + b + c) / 3 for a, b, c in zip(*grads[i:i + 3])] for i in (0, 3)]
    for got, exp in zip(out, ref_adam(weights, means, 0.01)):
        np.testing.assert_allclose(got, exp, rtol=1e-9)


def test_loss_scale_factor_unscales_gradients():
    weights, grads = _weights(), _grads()
    opt = O.SGD(0.1, loss_scale_factor=8.0)
    assert opt.scale_loss(2.0) == 16.0
    out = _run(opt, weights, [[g * 8.0 for g in gs] for gs in grads])
    for got, exp in zip(out, ref_sgd(weights, grads, 0.1)):
        np.testing.assert_allclose(got, exp, rtol=1e-12)


def test_schedule_is_evaluated_at_iterations():
    schedule = S.ExponentialDecay(0.1, decay_steps=1, decay_rate=0.5)
    opt = O.SGD(learning_rate=schedule)
    p = ember.nn.Parameter(ember.tensor([0.0]))
    for _ in range(3):
        opt.apply([ember.tensor([1.0])], [p])
    np.testing.assert_allclose(p.detach().numpy(), [-(0.1 + 0.05 + 0.025)])
    assert opt.learning_rate == pytest.approx(0.0125)
    with pytest.raises(TypeError, match="not settable"):
        opt.learning_rate = 0.5
    opt.learning_rate = S.ExponentialDecay(0.2, 1, 1.0)  # a new schedule is allowed
    assert opt.learning_rate == pytest.approx(0.2)


def test_learning_rate_is_settable_and_callable():
    opt = O.Adam()
    assert opt.learning_rate == 0.001
    opt.learning_rate = 0.5
    assert opt.learning_rate == 0.5 and opt.get_config()["learning_rate"] == 0.5
    opt = O.Adam(learning_rate=lambda: 0.25)
    assert opt.learning_rate == 0.25
    with pytest.raises(ValueError, match="Argument `learning_rate` should be float"):
        O.Adam(learning_rate="fast")


def test_torch_style_training_loop_reduces_the_loss():
    ember.manual_seed(0)
    model = ember.nn.Linear(3, 1)
    x = ember.randn(32, 3)
    y = x @ ember.tensor([[1.0], [-2.0], [0.5]]) + 0.3
    opt = O.Adam(learning_rate=0.05)
    opt.build(model.parameters())
    losses = []
    for _ in range(60):
        opt.zero_grad()
        loss = ((model(x) - y) ** 2).mean()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.05 * losses[0]
    assert opt.iterations == 60
    with pytest.raises(ValueError, match=r"call optimizer.build\(model.parameters\(\)\)"):
        O.SGD().step()


def test_apply_errors_and_missing_gradients():
    p, q = ember.nn.Parameter(ember.zeros(2)), ember.nn.Parameter(ember.zeros(3))
    opt = O.SGD(0.1)
    with pytest.raises(ValueError, match="must already be built"):
        opt.apply([ember.ones(2)])
    with pytest.warns(UserWarning, match=r"Gradients do not exist for variables \['variable_1'\]"):
        opt.apply([ember.ones(2), None], [p, q])
    np.testing.assert_allclose(p.detach().numpy(), [-0.1, -0.1])
    with pytest.raises(ValueError, match="No gradients provided for any variable"):
        opt.apply([None, None], [p, q])
    with pytest.raises(ValueError, match="Unknown variable: a tensor of shape \\(4,\\)"):
        opt.apply([ember.ones(4)], [ember.nn.Parameter(ember.zeros(4))])
    with pytest.raises(ValueError, match=r"has shape \(3,\); it must match"):
        opt.apply([ember.ones(3)], [p])
    with pytest.raises(ValueError, match=r"Argument\(s\) not recognized"):
        O.Adam(lr_decay=0.1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        O.Adam(decay=0.1)  # accepted and ignored with a warning, as in Keras


def test_apply_gradients_and_the_variables_without_arguments():
    p = ember.nn.Parameter(ember.tensor([1.0, 2.0]))
    opt = O.SGD(0.5)
    assert opt.apply_gradients([(ember.tensor([1.0, 1.0]), p)]) == 1
    opt.apply([ember.tensor([1.0, 1.0])])
    np.testing.assert_allclose(p.detach().numpy(), [0.0, 1.0])
    assert p._version == 2


def test_state_dict_round_trip_continues_identically():
    weights, grads = _weights(), _grads(steps=6)
    reference = _run(O.Nadam(0.01), weights, grads)
    params = [ember.nn.Parameter(ember.tensor(w)) for w in weights]
    first = O.Nadam(0.01)
    for gs in grads[:3]:
        first.apply([ember.tensor(g) for g in gs], params)
    state = first.state_dict()
    second = O.Nadam(0.01)
    second.build(params)
    second.load_state_dict(state)
    assert second.iterations == 3
    for gs in grads[3:]:
        second.apply([ember.tensor(g) for g in gs], params)
    for p, exp in zip(params, reference):
        np.testing.assert_allclose(p.detach().numpy(), exp, rtol=1e-12)
    with pytest.raises(ValueError, match="build it on the same variables first"):
        O.Adam().load_state_dict(state)


def test_save_and_load_own_variables():
    weights, grads = _weights(), _grads()
    params = [ember.nn.Parameter(ember.tensor(w)) for w in weights]
    opt = O.Adam(0.01)
    for gs in grads:
        opt.apply([ember.tensor(g) for g in gs], params)
    store = {}
    opt.save_own_variables(store)
    assert len(store) == 2 + 2 * len(params)
    clone = O.Adam(0.01)
    clone.build(params)
    clone.load_own_variables(store)
    assert clone.iterations == opt.iterations
    for a, b in zip(clone.variables, opt.variables):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


# -- names, defaults, configs --------------------------------------------------------------------

DEFAULTS = [
    ("adam", O.Adam, "adam", 0.001, {"beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7,
                                     "amsgrad": False}),
    ("sgd", O.SGD, "sgd", 0.01, {"momentum": 0.0, "nesterov": False}),
    ("rmsprop", O.RMSprop, "rm_sprop", 0.001, {"rho": 0.9, "momentum": 0.0, "epsilon": 1e-7,
                                              "centered": False}),
    ("adamw", O.AdamW, "adam_w", 0.001, {"weight_decay": 0.004, "epsilon": 1e-7}),
    ("adagrad", O.Adagrad, "adagrad", 0.001, {"initial_accumulator_value": 0.1,
                                              "epsilon": 1e-7}),
    ("adadelta", O.Adadelta, "adadelta", 0.001, {"rho": 0.95, "epsilon": 1e-7}),
    ("adamax", O.Adamax, "adamax", 0.001, {"beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7}),
    ("nadam", O.Nadam, "nadam", 0.001, {"beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7}),
    ("ftrl", O.Ftrl, "ftrl", 0.001, {"learning_rate_power": -0.5,
                                     "initial_accumulator_value": 0.1}),
    ("lion", O.Lion, "lion", 0.001, {"beta_1": 0.9, "beta_2": 0.99}),
]


@pytest.mark.parametrize("identifier, cls, name, lr, extra", DEFAULTS,
                         ids=[d[0] for d in DEFAULTS])
def test_get_names_defaults_and_config_round_trip(identifier, cls, name, lr, extra):
    for key in (identifier, identifier.upper(), cls.__name__):
        opt = O.get(key)
        # Keras 3's automatic names: the class name in snake case, made unique (adam, adam_1)
        assert type(opt) is cls and re.fullmatch(rf"{name}(_\d+)?", opt.name), opt.name
        assert opt.learning_rate == lr
    config = opt.get_config()
    for k, v in extra.items():
        assert config[k] == v, k
    assert cls.from_config(config).get_config() == config
    again = O.deserialize(O.serialize(opt))
    assert type(again) is cls and again.get_config() == config


def test_config_with_a_schedule_round_trips():
    opt = O.Adam(learning_rate=S.CosineDecay(0.1, 100, warmup_target=0.2, warmup_steps=10))
    config = opt.get_config()
    assert config["learning_rate"]["class_name"] == "CosineDecay"
    clone = O.Adam.from_config(config)
    assert isinstance(clone._learning_rate, S.CosineDecay)
    assert clone.learning_rate == pytest.approx(0.1)


def test_get_rejects_unknown_identifiers():
    opt = O.SGD()
    assert O.get(opt) is opt and O.get(None) is None
    with pytest.raises(ValueError, match="Could not interpret optimizer identifier: 'adamm'"):
        O.get("adamm")
    with pytest.raises(ValueError, match="`momentum` must be a float between"):
        O.SGD(momentum=1.5)


# -- schedules -----------------------------------------------------------------------------------

SCHEDULES = [
    ("exponential", S.ExponentialDecay(0.1, 10, 0.5),
     lambda s: 0.1 * 0.5 ** (s / 10)),
    ("exponential staircase", S.ExponentialDecay(0.1, 10, 0.5, staircase=True),
     lambda s: 0.1 * 0.5 ** (s // 10)),
    ("piecewise", S.PiecewiseConstantDecay([10, 20], [1.0, 0.5, 0.1]),
     lambda s: 1.0 if s <= 10 else (0.5 if s <= 20 else 0.1)),
    ("polynomial", S.PolynomialDecay(0.1, 20, 0.01, power=2.0),
     lambda s: (0.1 - 0.01) * (1 - min(s, 20) / 20) ** 2 + 0.01),
    ("polynomial cycle", S.PolynomialDecay(0.1, 20, 0.01, cycle=True),
     lambda s: (0.09 * (1 - s / (20 * max(1, math.ceil(s / 20)))) + 0.01)),
    ("inverse time", S.InverseTimeDecay(0.1, 5, 0.5), lambda s: 0.1 / (1 + 0.5 * s / 5)),
    ("inverse time staircase", S.InverseTimeDecay(0.1, 5, 0.5, staircase=True),
     lambda s: 0.1 / (1 + 0.5 * (s // 5))),
    ("cosine", S.CosineDecay(0.1, 20, alpha=0.1),
     lambda s: 0.1 * (0.9 * 0.5 * (1 + math.cos(math.pi * min(s, 20) / 20)) + 0.1)),
    ("cosine warmup", S.CosineDecay(0.0, 20, warmup_target=0.1, warmup_steps=5),
     lambda s: 0.1 * s / 5 if s < 5 else
     0.1 * 0.5 * (1 + math.cos(math.pi * min(s - 5, 20) / 20))),
    ("cosine restarts t_mul 1", S.CosineDecayRestarts(0.1, 10, t_mul=1.0, m_mul=0.5),
     lambda s: 0.1 * 0.5 ** (s // 10) * 0.5 * (1 + math.cos(math.pi * (s % 10) / 10))),
]


@pytest.mark.parametrize("case", SCHEDULES, ids=[c[0] for c in SCHEDULES])
def test_schedule_values(case):
    _, schedule, formula = case
    for step in range(0, 45, 3):
        assert schedule(step) == pytest.approx(formula(step), rel=1e-9, abs=1e-12), step
    clone = S.deserialize(S.serialize(schedule))
    assert type(clone) is type(schedule) and clone.get_config() == schedule.get_config()


def test_cosine_restarts_with_growing_periods():
    s = S.CosineDecayRestarts(1.0, 10, t_mul=2.0, m_mul=1.0)
    # periods of 10 then 20 steps: step 10 restarts at the top, step 20 is halfway through
    assert s(0) == pytest.approx(1.0)
    assert s(5) == pytest.approx(0.5)
    assert s(10) == pytest.approx(1.0)
    assert s(20) == pytest.approx(0.5)
    assert s(30) == pytest.approx(1.0)


def test_schedule_argument_errors():
    with pytest.raises(ValueError, match=r"`decay_steps` must be > 0"):
        S.ExponentialDecay(0.1, 0, 0.5)
    with pytest.raises(ValueError, match="length of boundaries should be 1 less"):
        S.PiecewiseConstantDecay([1, 2], [0.1])
