"""ember.optim optimizers against torch.optim, step for step, plus the Optimizer API itself.

Parity runs build the same parameters in both libraries, feed both the same gradients
(2·(θ − target) + noise, computed from each library's own current θ, with one fixed noise
sequence), and compare parameters and every state tensor after each step.
"""

from __future__ import annotations

import copy
import itertools
import pickle
import tracemalloc
import warnings

import numpy as np
import pytest

import ember
import ember.optim as eoptim

try:
    import torch
except ImportError:  # the parity tests skip cleanly without torch; the rest still run
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed")

SHAPES = [(3, 4), (5,), (2, 3, 2)]
TOL = {"float64": dict(rtol=1e-6, atol=1e-10), "float32": dict(rtol=1e-5, atol=1e-6)}


def _grid(**axes):
    keys = list(axes)
    return [dict(zip(keys, vals)) for vals in itertools.product(*axes.values())]


def _cases():
    cases = []
    for kw in _grid(momentum=[0, 0.9], dampening=[0, 0.3], nesterov=[False, True],
                    weight_decay=[0, 0.1], maximize=[False, True]):
        if kw["nesterov"] and (kw["momentum"] == 0 or kw["dampening"] != 0):
            continue
        if kw["momentum"] == 0 and kw["dampening"] != 0:
            continue
        cases.append(("SGD", dict(lr=0.05, **kw)))
    cases.append(("SGD", {}))  # torch's defaults (lr=1e-3)
    for kw in _grid(amsgrad=[False, True], weight_decay=[0, 0.1], maximize=[False, True],
                    decoupled_weight_decay=[False, True]):
        cases.append(("Adam", dict(lr=0.05, **kw)))
    cases.append(("Adam", dict(lr=0.05, betas=(0.3, 0.6))))  # lerp's weight ≥ 0.5 branch
    cases.append(("Adam", {}))
    for kw in _grid(amsgrad=[False, True], maximize=[False, True], weight_decay=[0.0, 0.3]):
        cases.append(("AdamW", dict(lr=0.05, **kw)))
    cases.append(("AdamW", {}))
    for kw in _grid(centered=[False, True], momentum=[0, 0.5], weight_decay=[0, 0.1],
                    maximize=[False, True]):
        cases.append(("RMSprop", dict(lr=0.01, **kw)))
    cases.append(("RMSprop", dict(alpha=0.6, centered=True)))
    cases.append(("RMSprop", {}))
    for kw in _grid(lr_decay=[0, 0.1], weight_decay=[0, 0.1],
                    initial_accumulator_value=[0, 0.5], maximize=[False, True]):
        cases.append(("Adagrad", dict(lr=0.1, **kw)))
    cases.append(("Adagrad", {}))
    for kw in _grid(rho=[0.9, 0.5], weight_decay=[0, 0.1], maximize=[False, True]):
        cases.append(("Adadelta", dict(lr=0.5, **kw)))
    cases.append(("Adadelta", {}))
    for kw in _grid(weight_decay=[0, 0.1], maximize=[False, True], betas=[(0.9, 0.999),
                                                                            (0.2, 0.5)]):
        cases.append(("Adamax", dict(lr=0.05, **kw)))
    cases.append(("Adamax", {}))
    for kw in _grid(weight_decay=[0, 0.1], decoupled_weight_decay=[False, True],
                    maximize=[False, True], momentum_decay=[4e-3, 0.1]):
        cases.append(("NAdam", dict(lr=0.05, **kw)))
    cases.append(("NAdam", {}))
    for kw in _grid(weight_decay=[0, 0.1], decoupled_weight_decay=[False, True],
                    maximize=[False, True], betas=[(0.9, 0.999), (0.9, 0.6)]):
        cases.append(("RAdam", dict(lr=0.05, **kw)))
    cases.append(("RAdam", {}))
    for kw in _grid(t0=[1e6, 5], weight_decay=[0, 0.1], maximize=[False, True],
                    lambd=[1e-4, 0.1]):
        cases.append(("ASGD", dict(lr=0.05, **kw)))
    cases.append(("ASGD", {}))
    for kw in _grid(maximize=[False, True], etas=[(0.5, 1.2), (0.3, 1.5)],
                    step_sizes=[(1e-6, 50), (1e-3, 0.05)]):
        cases.append(("Rprop", dict(lr=0.05, **kw)))
    cases.append(("Rprop", {}))
    return cases


CASES = _cases()


def _case_id(case):
    name, kw = case
    return name + "-" + (",".join(f"{k}={v}" for k, v in kw.items()) or "defaults")


def _arrays(dtype, seed=0):
    rng = np.random.default_rng(seed)
    return ([rng.standard_normal(s).astype(dtype) for s in SHAPES],
            [rng.standard_normal(s).astype(dtype) for s in SHAPES])


def _make(arrays):
    e = [ember.nn.Parameter(ember.from_numpy(a.copy())) for a in arrays]
    t = [torch.nn.Parameter(torch.from_numpy(a.copy())) for a in arrays]
    return e, t


def _set_grads(params, targets, noise, lib):
    for p, tg, n in zip(params, targets, noise):
        g = (2 * (p.detach().numpy() - tg) + n).astype(tg.dtype)
        p.grad = ember.from_numpy(g) if lib is ember else torch.from_numpy(g)


def _noise(rng, dtype):
    return [rng.standard_normal(s).astype(dtype) for s in SHAPES]


def _np(x):
    if isinstance(x, ember.Tensor):
        return np.asarray(x.detach().numpy())
    if torch is not None and isinstance(x, torch.Tensor):
        return x.detach().numpy()
    return np.asarray(x)


def assert_state_equal(e_state, t_state, tol, where=""):
    """Same keys, and equal values (tensors compared numerically), for one parameter's state."""
    assert list(e_state) == list(t_state), f"{where}: state keys {list(e_state)} vs torch " \
                                           f"{list(t_state)}"
    for key, tv in t_state.items():
        ev = e_state[key]
        if isinstance(tv, torch.Tensor):
            assert isinstance(ev, ember.Tensor), f"{where}: state[{key!r}] is {type(ev)}"
            assert str(ev.dtype).split(".")[-1] == str(tv.dtype).split(".")[-1], \
                f"{where}: state[{key!r}] dtype {ev.dtype} vs {tv.dtype}"
            np.testing.assert_allclose(_np(ev), _np(tv), err_msg=f"{where} state[{key!r}]",
                                       **tol)
        elif isinstance(tv, list):
            assert isinstance(ev, list) and len(ev) == len(tv), f"{where}: state[{key!r}]"
            for a, b in zip(ev, tv):
                if b is None:
                    assert a is None
                else:
                    np.testing.assert_allclose(_np(a), _np(b), err_msg=f"{where} {key}", **tol)
        elif isinstance(tv, float):
            assert ev == pytest.approx(tv, rel=tol["rtol"] * 10, abs=tol["atol"])
        else:
            assert ev == tv, f"{where}: state[{key!r}] {ev!r} vs {tv!r}"


def run_parity(name, kwargs, dtype, steps=15, groups=None):
    arrays, targets = _arrays(dtype)
    e_params, t_params = _make(arrays)
    if groups is None:
        e_in, t_in = e_params, t_params
    else:
        e_in = [dict(params=[e_params[i] for i in idx], **kw) for idx, kw in groups]
        t_in = [dict(params=[t_params[i] for i in idx], **kw) for idx, kw in groups]
    e_opt = getattr(eoptim, name)(e_in, **kwargs)
    t_opt = getattr(torch.optim, name)(t_in, **kwargs)
    rng = np.random.default_rng(1)
    tol = TOL[dtype]
    for step in range(steps):
        noise = _noise(rng, dtype)
        _set_grads(e_params, targets, noise, ember)
        _set_grads(t_params, targets, noise, torch)
        e_opt.step()
        t_opt.step()
        for i, (e, t) in enumerate(zip(e_params, t_params)):
            assert e.dtype == getattr(ember, dtype)
            np.testing.assert_allclose(_np(e), _np(t), err_msg=f"step {step} param {i}", **tol)
            assert_state_equal(e_opt.state[e], t_opt.state[t], tol, f"step {step} param {i}")
    return e_opt, t_opt, e_params, t_params


@needs_torch
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_parity_with_torch(case, dtype):
    name, kwargs = case
    run_parity(name, kwargs, dtype)


@needs_torch
@pytest.mark.parametrize("name", ["SGD", "Adam", "RMSprop", "Adagrad", "NAdam", "RAdam",
                                  "Adamax", "Adadelta", "ASGD", "Rprop"])
def test_param_groups_with_their_own_options(name):
    groups = [([0, 2], dict(lr=0.01)), ([1], dict(lr=0.1))]
    if name in ("SGD", "RMSprop"):
        groups[1][1]["momentum"] = 0.5
    if name in ("Adam",):
        groups[0][1]["amsgrad"] = True
    e_opt, t_opt, *_ = run_parity(name, {}, "float64", steps=8, groups=groups)
    assert [g["lr"] for g in e_opt.param_groups] == [0.01, 0.1]


@needs_torch
def test_lr_changed_between_steps_is_used():
    arrays, targets = _arrays("float64")
    e_params, t_params = _make(arrays)
    e_opt, t_opt = eoptim.Adam(e_params, lr=0.1), torch.optim.Adam(t_params, lr=0.1)
    rng = np.random.default_rng(3)
    for step in range(10):
        for opt in (e_opt, t_opt):
            opt.param_groups[0]["lr"] = 0.1 / (step + 1)
        noise = _noise(rng, "float64")
        _set_grads(e_params, targets, noise, ember)
        _set_grads(t_params, targets, noise, torch)
        e_opt.step()
        t_opt.step()
    for e, t in zip(e_params, t_params):
        np.testing.assert_allclose(_np(e), _np(t), rtol=1e-10)


@needs_torch
def test_tensor_lr():
    arrays, targets = _arrays("float32")
    e_params, t_params = _make(arrays)
    e_opt = eoptim.SGD(e_params, lr=ember.tensor(0.1), momentum=0.9)
    t_opt = torch.optim.SGD(t_params, lr=torch.tensor(0.1), momentum=0.9)
    rng = np.random.default_rng(3)
    for _ in range(5):
        noise = _noise(rng, "float32")
        _set_grads(e_params, targets, noise, ember)
        _set_grads(t_params, targets, noise, torch)
        e_opt.step()
        t_opt.step()
    for e, t in zip(e_params, t_params):
        np.testing.assert_allclose(_np(e), _np(t), rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="Tensor lr must be 1-element"):
        eoptim.SGD(e_params, lr=ember.tensor([0.1, 0.2]))


# -- LBFGS ---------------------------------------------------------------------------------


def _rosenbrock(lib, x):
    return ((1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2) + ((x[2:] - 0.5) ** 2).sum()


@needs_torch
@pytest.mark.filterwarnings("ignore:Converting a tensor with requires_grad=True")
@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_lbfgs_parity(line_search_fn, dtype):
    """Three L-BFGS steps on Rosenbrock match torch (one in float32: the ill-conditioned line
    search amplifies torch's fused multiply-adds into visible differences after that)."""
    start = np.array([-1.2, 1.0, 0.3, -0.4, 2.0], dtype=dtype)
    e_x = ember.nn.Parameter(ember.from_numpy(start.copy()))
    t_x = torch.nn.Parameter(torch.from_numpy(start.copy()))
    kw = dict(lr=1 if line_search_fn else 0.05, max_iter=10, history_size=4,
              line_search_fn=line_search_fn)
    e_opt, t_opt = eoptim.LBFGS([e_x], **kw), torch.optim.LBFGS([t_x], **kw)
    calls = {"e": 0, "t": 0}

    def e_closure():
        calls["e"] += 1
        e_opt.zero_grad()
        loss = _rosenbrock(ember, e_x)
        loss.backward()
        return loss

    def t_closure():
        calls["t"] += 1
        t_opt.zero_grad()
        loss = _rosenbrock(torch, t_x)
        loss.backward()
        return loss

    tol = dict(rtol=1e-6, atol=1e-9) if dtype == "float64" else dict(rtol=1e-5, atol=1e-6)
    for _ in range(3 if dtype == "float64" else 1):
        e_loss = e_opt.step(e_closure)
        t_loss = t_opt.step(t_closure)
        assert float(e_loss) == pytest.approx(float(t_loss), rel=tol["rtol"] * 10)
        np.testing.assert_allclose(_np(e_x), _np(t_x), **tol)
    assert calls["e"] == calls["t"]
    e_state, t_state = e_opt.state[e_x], t_opt.state[t_x]
    assert set(e_state) == set(t_state)
    assert e_state["func_evals"] == t_state["func_evals"]
    assert e_state["n_iter"] == t_state["n_iter"]
    np.testing.assert_allclose(_np(e_state["d"]), _np(t_state["d"]), **tol)
    assert len(e_state["old_dirs"]) == len(t_state["old_dirs"])
    # and it actually minimizes
    if line_search_fn:
        for _ in range(20):
            e_opt.step(e_closure)
        assert float(_rosenbrock(ember, e_x)) < 1e-6


@needs_torch
def test_lbfgs_checks():
    x = ember.nn.Parameter(ember.zeros(2))
    with pytest.raises(ValueError, match="doesn't support per-parameter options"):
        eoptim.LBFGS([{"params": [x]}, {"params": [ember.nn.Parameter(ember.ones(1))]}])
    with pytest.raises(RuntimeError, match="needs a closure"):
        eoptim.LBFGS([x]).step(None)
    with pytest.raises(TypeError):
        eoptim.LBFGS([x]).step()  # like torch, the closure is a required argument
    with pytest.raises(RuntimeError, match="only 'strong_wolfe' is supported"):
        opt = eoptim.LBFGS([x], line_search_fn="armijo")

        def closure():
            opt.zero_grad()
            loss = ((x - 1) ** 2).sum()
            loss.backward()
            return loss

        opt.step(closure)


# -- state_dict ----------------------------------------------------------------------------

SD_CASES = [("SGD", dict(lr=0.1, momentum=0.9)), ("SGD", dict(lr=0.1)),
            ("Adam", dict(lr=0.1, amsgrad=True)), ("AdamW", {}), ("RMSprop",
            dict(momentum=0.5, centered=True)), ("Adagrad", {}), ("Adadelta", {}),
            ("Adamax", {}), ("NAdam", {}), ("RAdam", {}), ("ASGD", {}), ("Rprop", {})]


@needs_torch
@pytest.mark.parametrize("case", SD_CASES, ids=_case_id)
def test_state_dict_layout_matches_torch(case):
    name, kwargs = case
    e_opt, t_opt, *_ = run_parity(name, kwargs, "float32", steps=3,
                                  groups=[([0], dict(lr=0.01)), ([1, 2], {})])
    e_sd, t_sd = e_opt.state_dict(), t_opt.state_dict()
    assert list(e_sd) == list(t_sd) == ["state", "param_groups"]
    assert list(e_sd["state"]) == list(t_sd["state"])
    for i in t_sd["state"]:
        assert_state_equal(e_sd["state"][i], t_sd["state"][i], TOL["float32"], f"state {i}")
        if "step" in t_sd["state"][i]:
            step = e_sd["state"][i]["step"]
            assert step.shape == () and step.dtype == ember.float32 and step.item() == 3.0
    assert len(e_sd["param_groups"]) == len(t_sd["param_groups"])
    for eg, tg in zip(e_sd["param_groups"], t_sd["param_groups"]):
        assert eg == tg
        assert list(eg) == list(tg)
    assert repr(e_opt) == repr(t_opt)


@needs_torch
@pytest.mark.parametrize("case", SD_CASES, ids=_case_id)
def test_save_load_then_continue_matches_uninterrupted_run(case):
    """5 steps, state_dict through pickle, a fresh optimizer loads it, 5 more steps: the same
    as 10 uninterrupted steps, and the same as torch doing exactly this."""
    name, kwargs = case
    arrays, targets = _arrays("float64")
    rng = np.random.default_rng(5)
    noises = [_noise(rng, "float64") for _ in range(10)]
    results = {}
    for lib, mod in ((ember, eoptim), (torch, torch.optim)):
        ref, first = _make(arrays)[lib is torch], _make(arrays)[lib is torch]
        opt_ref = getattr(mod, name)(ref, **kwargs)
        opt_a = getattr(mod, name)(first, **kwargs)
        for noise in noises[:5]:
            for params, opt in ((ref, opt_ref), (first, opt_a)):
                _set_grads(params, targets, noise, lib)
                opt.step()
        saved = pickle.loads(pickle.dumps(opt_a.state_dict()))  # what torch.save keeps
        resumed = _make([_np(p).copy() for p in first])[lib is torch]
        opt_b = getattr(mod, name)(resumed, **{**kwargs, "lr": 123.0})
        opt_b.load_state_dict(saved)
        assert opt_b.param_groups[0]["lr"] == opt_a.param_groups[0]["lr"]
        for noise in noises[5:]:
            for params, opt in ((ref, opt_ref), (resumed, opt_b)):
                _set_grads(params, targets, noise, lib)
                opt.step()
        # float32 scalars in the state (NAdam's mu_product, ASGD's eta and mu) come back as
        # float64 for float64 parameters, as in torch, so those runs agree to ~1e-8 only
        for r, p in zip(ref, resumed):
            np.testing.assert_allclose(_np(p), _np(r), rtol=1e-7, atol=1e-8)
        if lib is ember:  # ember copies what it loads (torch keeps using the saved steps)
            for st in saved["state"].values():
                if "step" in st:
                    assert float(st["step"]) == 5.0
        results[lib] = [_np(p) for p in resumed]
    for e, t in zip(results[ember], results[torch]):
        np.testing.assert_allclose(e, t, rtol=1e-10)


def test_load_state_dict_from_torch_layout_and_cast():
    """A float64 state loads into float32 parameters as float32; step stays float32."""
    arrays, targets = _arrays("float64")
    p64 = [ember.nn.Parameter(ember.from_numpy(a.copy())) for a in arrays]
    opt64 = eoptim.Adam(p64, lr=0.1)
    _set_grads(p64, targets, _noise(np.random.default_rng(0), "float64"), ember)
    opt64.step()
    p32 = [ember.nn.Parameter(ember.from_numpy(a.astype("float32"))) for a in arrays]
    opt32 = eoptim.Adam(p32, lr=0.1)
    opt32.load_state_dict(opt64.state_dict())
    st = opt32.state[p32[0]]
    assert st["exp_avg"].dtype == ember.float32
    assert st["exp_avg_sq"].dtype == ember.float32
    assert st["step"].dtype == ember.float32 and st["step"].item() == 1.0
    assert st["exp_avg"]._data is not opt64.state[p64[0]]["exp_avg"]._data
    _set_grads(p32, targets, _noise(np.random.default_rng(0), "float32"), ember)
    opt32.step()
    assert all(p.dtype == ember.float32 for p in p32)


def test_load_state_dict_validates_groups():
    a, b, c = (ember.nn.Parameter(ember.zeros(2)) for _ in range(3))
    opt = eoptim.SGD([a, b], lr=0.1)
    with pytest.raises(ValueError, match="different number of parameter groups"):
        opt.load_state_dict(eoptim.SGD([{"params": [a]}, {"params": [b]}]).state_dict())
    with pytest.raises(ValueError, match="doesn't match the size of optimizer's group"):
        opt.load_state_dict(eoptim.SGD([a, b, c]).state_dict())


def test_adamw_keeps_decoupled_weight_decay_on_load():
    p = ember.nn.Parameter(ember.zeros(2))
    sd = eoptim.Adam([p]).state_dict()
    opt = eoptim.AdamW([p])
    opt.load_state_dict(sd)
    assert opt.param_groups[0]["decoupled_weight_decay"] is True


def test_optimizer_pickles():
    p = ember.nn.Parameter(ember.ones(3))
    opt = eoptim.Adam([p], lr=0.1)
    p.grad = ember.ones(3)
    opt.step()
    clone = pickle.loads(pickle.dumps(opt))
    assert repr(clone) == repr(opt)
    (q,) = clone.param_groups[0]["params"]
    np.testing.assert_allclose(_np(clone.state[q]["exp_avg"]), _np(opt.state[p]["exp_avg"]))
    q.grad = ember.ones(3)
    clone.step()
    assert clone.state[q]["step"].item() == 2.0


# -- the Optimizer API ---------------------------------------------------------------------


def test_closure_runs_with_grad_enabled_and_returns_loss():
    x = ember.nn.Parameter(ember.tensor([1.0, 2.0]))
    opt = eoptim.SGD([x], lr=0.1)

    def closure():
        opt.zero_grad()
        assert ember.is_grad_enabled()
        loss = (x * x).sum()
        loss.backward()
        return loss

    with ember.no_grad():
        loss = opt.step(closure)
    assert float(loss) == 5.0
    np.testing.assert_allclose(_np(x), [0.8, 1.6], rtol=1e-6)


@needs_torch
@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta",
                                  "Adamax", "NAdam", "RAdam", "ASGD", "Rprop"])
def test_closure_parity(name):
    arrays, _ = _arrays("float64")
    e_params, t_params = _make(arrays)
    e_opt = getattr(eoptim, name)(e_params)
    t_opt = getattr(torch.optim, name)(t_params)

    def closure(lib, params, opt):
        def f():
            opt.zero_grad()
            loss = sum(((p - 0.5) ** 2).sum() for p in params)
            loss.backward()
            return loss
        return f

    for _ in range(5):
        le = e_opt.step(closure(ember, e_params, e_opt))
        lt = t_opt.step(closure(torch, t_params, t_opt))
        assert float(le) == pytest.approx(float(lt), rel=1e-10)
    for e, t in zip(e_params, t_params):
        np.testing.assert_allclose(_np(e), _np(t), rtol=1e-9)


def test_zero_grad_set_to_none_and_in_place():
    x = ember.nn.Parameter(ember.ones(3))
    opt = eoptim.SGD([x], lr=0.1)
    x.grad = ember.ones(3)
    g = x.grad
    version = g._version
    opt.zero_grad(set_to_none=False)
    assert x.grad is g and not np.any(_np(g)) and g._version == version + 1
    opt.zero_grad()
    assert x.grad is None
    opt.zero_grad()  # no grads: nothing to do
    assert x.grad is None


@needs_torch
def test_zero_grad_false_still_steps_momentum_like_torch():
    e = ember.nn.Parameter(ember.ones(2))
    t = torch.nn.Parameter(torch.ones(2))
    eo, to = eoptim.SGD([e], lr=0.1, momentum=0.9), torch.optim.SGD([t], lr=0.1, momentum=0.9)
    e.grad, t.grad = ember.ones(2), torch.ones(2)
    eo.step(), to.step()
    eo.zero_grad(set_to_none=False), to.zero_grad(set_to_none=False)
    eo.step(), to.step()
    np.testing.assert_allclose(_np(e), _np(t), rtol=1e-6)


def test_params_without_grad_or_requires_grad_are_skipped():
    a = ember.nn.Parameter(ember.ones(2))
    b = ember.nn.Parameter(ember.ones(2))
    frozen = ember.nn.Parameter(ember.ones(2), requires_grad=False)
    frozen.grad = ember.ones(2)
    opt = eoptim.Adam([a, b, frozen], lr=0.1)
    a.grad = ember.ones(2)
    opt.step()
    assert not np.allclose(_np(a), 1.0)
    np.testing.assert_array_equal(_np(b), [1.0, 1.0])
    np.testing.assert_array_equal(frozen.detach().numpy(), [1.0, 1.0])
    assert len(opt.state[a]) == 3 and b not in opt.state and frozen not in opt.state
    assert list(opt.state_dict()["state"]) == [0]


def test_step_bumps_the_version_counter_once():
    x = ember.nn.Parameter(ember.ones(2))
    for opt in (eoptim.SGD([x], lr=0.1, momentum=0.9), eoptim.Adam([x]), eoptim.RAdam([x])):
        x.grad = ember.ones(2)
        v = x._version
        opt.step()
        assert x._version == v + 1


def test_in_place_step_is_caught_by_autograd_version_check():
    x = ember.nn.Parameter(ember.ones(2))
    y = (x * x).sum()
    opt = eoptim.SGD([x], lr=0.1)
    x.grad = ember.ones(2)
    opt.step()
    with pytest.raises(RuntimeError):
        y.backward()


def test_float32_stays_float32_and_state_matches_param():
    p = ember.nn.Parameter(ember.ones(4, dtype=ember.float32))
    for name in ["SGD", "Adam", "RMSprop", "Adagrad", "Adadelta", "Adamax", "NAdam", "RAdam",
                 "ASGD", "Rprop"]:
        opt = getattr(eoptim, name)([p], **({"momentum": 0.5} if name == "SGD" else {}))
        p.grad = ember.full((4,), 0.5)
        opt.step()
        assert p._data.dtype == np.float32
        for key, v in opt.state[p].items():
            if v.ndim:
                assert v._data.dtype == np.float32, (name, key)


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta",
                                  "Adamax", "NAdam", "RAdam", "ASGD"])
def test_steps_after_the_first_allocate_nothing_large(name):
    p = ember.nn.Parameter(ember.zeros(256, 256))  # 256 KiB per array in float32
    kwargs = {"momentum": 0.9, "weight_decay": 0.1} if name in ("SGD", "RMSprop") else {}
    opt = getattr(eoptim, name)([p], **kwargs)
    p.grad = ember.full((256, 256), 0.25)
    opt.step()
    opt.step()
    tracemalloc.start()
    try:
        for _ in range(3):
            opt.step()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 64 * 1024, f"{name} allocated {peak} bytes during steps"


def test_named_parameters_are_kept_as_param_names():
    model = ember.nn.Linear(3, 2)
    opt = eoptim.SGD(model.named_parameters(), lr=0.1)
    assert opt.param_groups[0]["param_names"] == ["weight", "bias"]
    assert opt.state_dict()["param_groups"][0]["param_names"] == ["weight", "bias"]
    with pytest.raises(ValueError, match="with/without names"):
        opt.add_param_group({"params": [ember.nn.Parameter(ember.zeros(1))]})


def test_add_param_group_and_errors():
    a, b = ember.nn.Parameter(ember.zeros(2)), ember.nn.Parameter(ember.zeros(2))
    opt = eoptim.SGD([a], lr=0.1, momentum=0.9)
    opt.add_param_group({"params": b, "lr": 0.5})
    assert len(opt.param_groups[1]["params"]) == 1 and opt.param_groups[1]["params"][0] is b
    assert opt.param_groups[1]["lr"] == 0.5 and opt.param_groups[1]["momentum"] == 0.9
    with pytest.raises(ValueError, match="some parameters appear in more than one parameter"):
        opt.add_param_group({"params": [a]})
    with pytest.raises(ValueError, match="some parameters appear in more than one parameter"):
        eoptim.Adam([{"params": [a]}, {"params": [a, b]}])
    with pytest.raises(TypeError, match="param_group must be a dict"):
        opt.add_param_group([a])
    with pytest.raises(TypeError, match="ordered collections"):
        eoptim.SGD([{"params": {a}}])
    with pytest.raises(TypeError, match="should be an iterable of Tensors or dicts"):
        eoptim.SGD(a)
    with pytest.raises(ValueError, match="optimizer got an empty parameter list"):
        eoptim.SGD([])
    with pytest.raises(TypeError, match="optimizer can only optimize Tensors, but one of the "
                                        "params is int"):
        eoptim.SGD([a, 3])
    with pytest.raises(ValueError, match="can't optimize a non-leaf Tensor"):
        eoptim.SGD([a * 2])
    with pytest.warns(UserWarning, match="duplicate parameters"):
        eoptim.SGD([a, a])


def test_required_option():
    class Custom(eoptim.Optimizer):
        def __init__(self, params, lr=eoptim.optimizer.required):
            super().__init__(params, {"lr": lr})

    a = ember.nn.Parameter(ember.zeros(1))
    with pytest.raises(ValueError, match="didn't specify a value of required optimization "
                                         "parameter lr"):
        Custom([a])
    assert Custom([{"params": [a], "lr": 0.1}]).param_groups[0]["lr"] == 0.1
    with pytest.raises(NotImplementedError, match="must define step"):
        Custom([a], lr=0.1).step()


VALIDATION = [
    ("SGD", dict(lr=-1.0)), ("SGD", dict(momentum=-0.5)), ("SGD", dict(weight_decay=-1e-3)),
    ("SGD", dict(nesterov=True)), ("SGD", dict(nesterov=True, momentum=0.9, dampening=0.1)),
    ("Adam", dict(lr=-1.0)), ("Adam", dict(eps=-1.0)), ("Adam", dict(betas=(1.0, 0.999))),
    ("Adam", dict(betas=(0.9, -0.1))), ("Adam", dict(weight_decay=-1.0)),
    ("Adam", dict(betas=(0, 0.9))), ("AdamW", dict(lr=-0.1)),
    ("RMSprop", dict(lr=-1.0)), ("RMSprop", dict(eps=-1.0)), ("RMSprop", dict(momentum=-1.0)),
    ("RMSprop", dict(weight_decay=-1.0)), ("RMSprop", dict(alpha=-1.0)),
    ("Adagrad", dict(lr=-1.0)), ("Adagrad", dict(lr_decay=-1.0)),
    ("Adagrad", dict(weight_decay=-1.0)), ("Adagrad", dict(initial_accumulator_value=-1.0)),
    ("Adagrad", dict(eps=-1.0)),
    ("Adadelta", dict(lr=-1.0)), ("Adadelta", dict(rho=1.5)), ("Adadelta", dict(eps=-1.0)),
    ("Adadelta", dict(weight_decay=-1.0)),
    ("Adamax", dict(lr=-1.0)), ("Adamax", dict(eps=-1.0)), ("Adamax", dict(betas=(0.9, 1.0))),
    ("Adamax", dict(weight_decay=-1.0)),
    ("NAdam", dict(lr=-1.0)), ("NAdam", dict(momentum_decay=-1.0)),
    ("NAdam", dict(betas=(-0.1, 0.9))), ("RAdam", dict(lr=-1.0)), ("RAdam", dict(eps=-1.0)),
    ("RAdam", dict(weight_decay=-1.0)), ("ASGD", dict(lr=-1.0)),
    ("ASGD", dict(weight_decay=-1.0)), ("Rprop", dict(lr=-1.0)), ("Rprop", dict(etas=(1.5, 2))),
    ("LBFGS", dict(lr=-1.0)),
]


@needs_torch
@pytest.mark.parametrize("case", VALIDATION, ids=_case_id)
def test_validation_errors_match_torch(case):
    name, kwargs = case
    with pytest.raises(Exception) as t_err:
        getattr(torch.optim, name)([torch.nn.Parameter(torch.zeros(1))], **kwargs)
    with pytest.raises(type(t_err.value)) as e_err:
        getattr(eoptim, name)([ember.nn.Parameter(ember.zeros(1))], **kwargs)
    assert str(e_err.value) == str(t_err.value)


def test_learning_rate_message():
    with pytest.raises(ValueError, match=r"^Invalid learning rate: -1.0$"):
        eoptim.Adam([ember.nn.Parameter(ember.zeros(1))], lr=-1.0)


def test_differentiable_is_refused_clearly():
    with pytest.raises(NotImplementedError, match="differentiable=True is not supported"):
        eoptim.Adam([ember.nn.Parameter(ember.zeros(1))], differentiable=True)


@needs_torch
@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta",
                                  "Adamax", "NAdam", "RAdam", "ASGD", "Rprop", "LBFGS"])
def test_defaults_and_repr_match_torch(name):
    e_opt = getattr(eoptim, name)([ember.nn.Parameter(ember.zeros(1))])
    t_opt = getattr(torch.optim, name)([torch.nn.Parameter(torch.zeros(1))])
    assert e_opt.defaults == t_opt.defaults
    assert repr(e_opt) == repr(t_opt)


def test_step_hooks():
    x = ember.nn.Parameter(ember.ones(1))
    opt = eoptim.SGD([x], lr=0.1)
    calls = []
    h1 = opt.register_step_pre_hook(lambda o, args, kwargs: calls.append(("pre", o is opt)))
    h2 = opt.register_step_post_hook(lambda o, args, kwargs: calls.append(("post", o is opt)))
    x.grad = ember.ones(1)
    opt.step()
    assert calls == [("pre", True), ("post", True)]
    h1.remove()
    h2.remove()
    opt.step()
    assert len(calls) == 2


def test_state_dict_hooks():
    x = ember.nn.Parameter(ember.ones(1))
    opt = eoptim.SGD([x], lr=0.1)
    opt.register_state_dict_post_hook(lambda o, sd: {**sd, "extra": 1})
    assert opt.state_dict()["extra"] == 1
    seen = []
    opt.register_load_state_dict_post_hook(lambda o: seen.append(o))
    opt.load_state_dict(opt.state_dict())
    assert seen == [opt]


def test_deepcopied_state_dict_is_a_snapshot():
    x = ember.nn.Parameter(ember.ones(2))
    opt = eoptim.Adam([x], lr=0.1)
    x.grad = ember.ones(2)
    opt.step()
    snap = copy.deepcopy(opt.state_dict())
    opt.step()
    assert snap["state"][0]["step"].item() == 1.0
    assert opt.state_dict()["state"][0]["step"].item() == 2.0


def test_training_an_mlp_reduces_the_loss():
    ember.manual_seed(0)
    model = ember.nn.Sequential(ember.nn.Linear(4, 16), ember.nn.ReLU(), ember.nn.Linear(16, 1))
    x = ember.randn(64, 4)
    y = (x[:, :1] * 2 - x[:, 1:2]).detach()
    opt = eoptim.Adam(model.parameters(), lr=1e-2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        first = None
        for _ in range(200):
            opt.zero_grad()
            loss = ((model(x) - y) ** 2).mean()
            loss.backward()
            opt.step()
            first = first if first is not None else float(loss)
    assert float(loss) < 0.05 * first


@needs_torch
@pytest.mark.parametrize("case", SD_CASES, ids=_case_id)
def test_load_a_torch_state_dict_and_continue_like_torch(case):
    """A torch.optim state_dict (torch tensors inside) loads into the ember optimizer."""
    name, kwargs = case
    arrays, targets = _arrays("float32")
    e_params, t_params = _make(arrays)
    t_opt = getattr(torch.optim, name)(t_params, **kwargs)
    rng = np.random.default_rng(9)
    for _ in range(4):
        _set_grads(t_params, targets, _noise(rng, "float32"), torch)
        t_opt.step()
    e_params = [ember.nn.Parameter(ember.from_numpy(_np(t).copy())) for t in t_params]
    e_opt = getattr(eoptim, name)(e_params, **kwargs)
    e_opt.load_state_dict(copy.deepcopy(t_opt.state_dict()))
    for e, t in zip(e_params, t_params):
        assert_state_equal(e_opt.state[e], t_opt.state[t], TOL["float32"], "loaded")
    for _ in range(4):
        noise = _noise(rng, "float32")
        _set_grads(t_params, targets, noise, torch)
        _set_grads(e_params, targets, noise, ember)
        t_opt.step()
        e_opt.step()
    for e, t in zip(e_params, t_params):
        np.testing.assert_allclose(_np(e), _np(t), **TOL["float32"])
        assert_state_equal(e_opt.state[e], t_opt.state[t], TOL["float32"], "continued")


def test_options_switched_on_after_the_first_step_get_their_state():
    p = ember.nn.Parameter(ember.ones(3))
    opt = eoptim.RMSprop([p], lr=0.01)
    p.grad = ember.ones(3)
    opt.step()
    opt.param_groups[0].update(momentum=0.9, centered=True)
    opt.step()
    assert {"momentum_buffer", "grad_avg"} <= set(opt.state[p])
    adam = eoptim.Adam([p])
    adam.step()
    adam.param_groups[0]["amsgrad"] = True
    adam.step()
    assert "max_exp_avg_sq" in adam.state[p]
