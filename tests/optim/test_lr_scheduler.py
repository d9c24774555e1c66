"""ember.optim.lr_scheduler against torch.optim.lr_scheduler, epoch by epoch.

Each case builds the same two-group optimizer in both libraries, wraps it in the same
scheduler, and compares ``get_last_lr()``, the groups' ``lr`` and their momentum (or Adam's
β₁) after every ``step()`` for 60–120 steps.
"""

from __future__ import annotations

import math
import warnings

import pytest

import ember
import ember.optim as eoptim

try:
    import torch
except ImportError:  # the parity tests skip cleanly without torch; the rest still run
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed")

LIBS = {"ember": ember, "torch": torch}


def _optimizer(lib, kind="SGD", lrs=(0.1, 0.05)):
    mod = eoptim if lib is ember else torch.optim
    groups = [{"params": [lib.nn.Parameter(lib.zeros(2))], "lr": lr} for lr in lrs]
    if kind == "SGD":
        return mod.SGD(groups, lr=0.1, momentum=0.9)
    return getattr(mod, kind)(groups)


def _sched_mod(lib):
    return eoptim.lr_scheduler if lib is ember else torch.optim.lr_scheduler


def _snapshot(sched, opt):
    groups = opt.param_groups
    return (list(sched.get_last_lr()), [float(g["lr"]) for g in groups],
            [g.get("momentum", g.get("betas", (None,))[0]) for g in groups])


def _history(lib, make, steps, kind="SGD", metrics=None, epochs=None):
    opt = _optimizer(lib, kind)
    sched = make(_sched_mod(lib), opt)
    out = [_snapshot(sched, opt)]
    for i in range(steps):
        opt.step()
        if metrics is not None:
            sched.step(metrics[i])
        elif epochs is not None:
            sched.step(epochs[i])
        else:
            sched.step()
        out.append(_snapshot(sched, opt))
    return out


def _assert_same(e_hist, t_hist):
    assert len(e_hist) == len(t_hist)
    for step, (e, t) in enumerate(zip(e_hist, t_hist)):
        for what, ev, tv in zip(("get_last_lr", "group lr", "momentum"), e, t):
            assert ev == pytest.approx(tv, rel=1e-12, abs=1e-15), f"step {step}: {what}"


def _lam(e):
    return 0.95 ** e


CASES = {
    "LambdaLR": lambda m, o: m.LambdaLR(o, _lam),
    "LambdaLR-per-group": lambda m, o: m.LambdaLR(o, [_lam, lambda e: 1.0 / (1 + e)]),
    "MultiplicativeLR": lambda m, o: m.MultiplicativeLR(o, lambda e: 0.97),
    "MultiplicativeLR-per-group": lambda m, o: m.MultiplicativeLR(
        o, [lambda e: 0.97, lambda e: 1.0 if e % 3 else 0.5]),
    "StepLR": lambda m, o: m.StepLR(o, step_size=7, gamma=0.5),
    "StepLR-default-gamma": lambda m, o: m.StepLR(o, step_size=3),
    "MultiStepLR": lambda m, o: m.MultiStepLR(o, milestones=[5, 12, 12, 30], gamma=0.3),
    "ConstantLR": lambda m, o: m.ConstantLR(o, factor=0.5, total_iters=10),
    "ConstantLR-defaults": lambda m, o: m.ConstantLR(o),
    "LinearLR-warmup": lambda m, o: m.LinearLR(o, start_factor=0.2, total_iters=20),
    "LinearLR-decay": lambda m, o: m.LinearLR(o, start_factor=1.0, end_factor=0.1,
                                              total_iters=30),
    "LinearLR-defaults": lambda m, o: m.LinearLR(o),
    "ExponentialLR": lambda m, o: m.ExponentialLR(o, gamma=0.97),
    "PolynomialLR": lambda m, o: m.PolynomialLR(o, total_iters=40, power=2.0),
    "PolynomialLR-defaults": lambda m, o: m.PolynomialLR(o),
    "CosineAnnealingLR": lambda m, o: m.CosineAnnealingLR(o, T_max=20, eta_min=1e-3),
    "CosineAnnealingLR-short": lambda m, o: m.CosineAnnealingLR(o, T_max=7),
    "SequentialLR-warmup-cosine": lambda m, o: m.SequentialLR(
        o, [m.LinearLR(o, start_factor=0.1, total_iters=10), m.CosineAnnealingLR(o, T_max=50)],
        milestones=[10]),
    "SequentialLR-three": lambda m, o: m.SequentialLR(
        o, [m.ConstantLR(o, factor=0.5, total_iters=3), m.ExponentialLR(o, gamma=0.9),
            m.StepLR(o, step_size=4)], milestones=[5, 20]),
    "ChainedScheduler": lambda m, o: m.ChainedScheduler(
        [m.ExponentialLR(o, gamma=0.99), m.StepLR(o, step_size=10, gamma=0.5)]),
    "ChainedScheduler-warmup": lambda m, o: m.ChainedScheduler(
        [m.LinearLR(o, start_factor=0.25, total_iters=8), m.CosineAnnealingLR(o, T_max=30)],
        optimizer=o),
    "CyclicLR-triangular": lambda m, o: m.CyclicLR(o, base_lr=0.01, max_lr=0.1,
                                                   step_size_up=5),
    "CyclicLR-triangular2": lambda m, o: m.CyclicLR(o, base_lr=[0.01, 0.02], max_lr=0.1,
                                                    step_size_up=4, step_size_down=9,
                                                    mode="triangular2"),
    "CyclicLR-exp_range": lambda m, o: m.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=6,
                                                  mode="exp_range", gamma=0.97,
                                                  base_momentum=0.7, max_momentum=0.95),
    "CyclicLR-custom": lambda m, o: m.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=5,
                                               scale_fn=lambda x: 1 / (1 + x),
                                               scale_mode="iterations", cycle_momentum=False),
    "OneCycleLR-cos": lambda m, o: m.OneCycleLR(o, max_lr=0.5, total_steps=100),
    "OneCycleLR-linear": lambda m, o: m.OneCycleLR(o, max_lr=[0.5, 0.2], total_steps=100,
                                                   anneal_strategy="linear", pct_start=0.25),
    "OneCycleLR-three-phase": lambda m, o: m.OneCycleLR(
        o, max_lr=0.3, epochs=10, steps_per_epoch=10, three_phase=True, div_factor=10.0,
        final_div_factor=100.0, base_momentum=0.8, max_momentum=0.9),
    "OneCycleLR-no-momentum": lambda m, o: m.OneCycleLR(o, max_lr=0.3, total_steps=100,
                                                        cycle_momentum=False),
    "CosineAnnealingWarmRestarts": lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=10),
    "CosineAnnealingWarmRestarts-mult": lambda m, o: m.CosineAnnealingWarmRestarts(
        o, T_0=5, T_mult=2, eta_min=1e-3),
}
STEPS = {"OneCycleLR-cos": 100, "OneCycleLR-linear": 100, "OneCycleLR-three-phase": 100,
         "OneCycleLR-no-momentum": 100}


@needs_torch
@pytest.mark.parametrize("kind", ["SGD", "Adam"])
@pytest.mark.parametrize("name", list(CASES))
def test_parity_with_torch(name, kind):
    make = CASES[name]
    steps = STEPS.get(name, 120)
    _assert_same(_history(ember, make, steps, kind), _history(torch, make, steps, kind))


def test_cosine_annealing_recursive_follows_the_closed_form():
    """The recursive form tracks η_min + ½(η_max − η_min)(1 + cos(πt/T)) over many periods."""
    opt = _optimizer(ember, lrs=(0.1, 0.05))
    sched = eoptim.lr_scheduler.CosineAnnealingLR(opt, T_max=13, eta_min=1e-3)
    for t in range(1, 200):
        opt.step()
        sched.step()
        for lr, base in zip(sched.get_last_lr(), (0.1, 0.05)):
            closed = 1e-3 + (base - 1e-3) * (1 + math.cos(math.pi * t / 13)) / 2
            assert lr == pytest.approx(closed, rel=1e-9, abs=1e-12)


CLOSED_FORM = {
    "StepLR": lambda m, o: m.StepLR(o, step_size=4, gamma=0.5),
    "MultiStepLR": lambda m, o: m.MultiStepLR(o, milestones=[3, 8, 8], gamma=0.5),
    "ConstantLR": lambda m, o: m.ConstantLR(o, factor=0.25, total_iters=6),
    "LinearLR": lambda m, o: m.LinearLR(o, start_factor=0.1, total_iters=12),
    "ExponentialLR": lambda m, o: m.ExponentialLR(o, gamma=0.9),
    "PolynomialLR": lambda m, o: m.PolynomialLR(o, total_iters=15, power=0.5),
    "CosineAnnealingLR": lambda m, o: m.CosineAnnealingLR(o, T_max=10, eta_min=0.01),
    "LambdaLR": lambda m, o: m.LambdaLR(o, _lam),  # no closed form: get_lr at that epoch
}


@needs_torch
@pytest.mark.filterwarnings("ignore:The epoch parameter")
@pytest.mark.parametrize("name", list(CLOSED_FORM))
def test_step_with_epoch_uses_the_closed_form(name):
    epochs = [1, 2, 5, 3, 9, 20, 20, 7, 0, 14]
    make = CLOSED_FORM[name]
    _assert_same(_history(ember, make, len(epochs), epochs=epochs),
                 _history(torch, make, len(epochs), epochs=epochs))


def test_step_with_epoch_warns_deprecation():
    opt = _optimizer(ember)
    sched = eoptim.lr_scheduler.StepLR(opt, step_size=2)
    opt.step()
    with pytest.warns(UserWarning, match="The epoch parameter in `scheduler.step\\(\\)`"):
        sched.step(4)
    assert sched.get_last_lr() == pytest.approx([0.1 * 0.01, 0.05 * 0.01])


@needs_torch
def test_warm_restarts_with_fractional_epochs():
    for T_mult in (1, 2):
        epochs = [e + i / 5 for e in range(40) for i in range(5)]
        def make(m, o, T_mult=T_mult):
            return m.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=T_mult, eta_min=1e-4)

        _assert_same(_history(ember, make, len(epochs), epochs=epochs),
                     _history(torch, make, len(epochs), epochs=epochs))
    with pytest.raises(ValueError, match="Expected non-negative epoch, but got -1"):
        make(eoptim.lr_scheduler, _optimizer(ember)).step(-1)


@needs_torch
def test_one_cycle_refuses_to_step_past_total_steps():
    for lib in (ember, torch):
        opt = _optimizer(lib)
        sched = _sched_mod(lib).OneCycleLR(opt, max_lr=0.1, total_steps=5)
        for _ in range(5):
            opt.step()
            sched.step()
        with pytest.raises(ValueError, match="Tried to step 6 times. The specified number of "
                                             "total steps is 5"):
            sched.step()


PLATEAU = {
    "min-rel": dict(mode="min", factor=0.5, patience=2),
    "min-abs-cooldown": dict(mode="min", factor=0.3, patience=1, threshold=0.05,
                             threshold_mode="abs", cooldown=2),
    "max-rel": dict(mode="max", factor=0.5, patience=0, threshold=0.01),
    "max-abs-min_lr": dict(mode="max", factor=0.1, patience=1, threshold_mode="abs",
                           min_lr=[0.02, 0.001]),
    "eps": dict(factor=0.5, patience=0, min_lr=0.04, eps=0.02),
    "defaults": {},
}


@needs_torch
@pytest.mark.parametrize("name", list(PLATEAU))
def test_reduce_on_plateau(name):
    kwargs = PLATEAU[name]
    metrics = [1.0, 0.9, 0.95, 0.91, 0.92, 0.905, 0.7, 0.71, 0.72, 0.73, 0.74, 0.69, 0.69,
               0.7, 0.8, 0.9, 1.0, 1.1, 1.0, 0.95] * 4
    make = lambda m, o: m.ReduceLROnPlateau(o, **kwargs)  # noqa: E731
    e_hist = _history(ember, make, len(metrics), metrics=metrics)
    t_hist = _history(torch, make, len(metrics), metrics=metrics)
    _assert_same(e_hist, t_hist)
    assert e_hist[-1][0] != e_hist[0][0] or name == "eps"


@needs_torch
def test_reduce_on_plateau_accepts_a_0d_tensor_and_keeps_its_counters():
    opt = _optimizer(ember)
    sched = eoptim.lr_scheduler.ReduceLROnPlateau(opt, patience=1, cooldown=1)
    for m in [1.0, 2.0, 2.0]:
        sched.step(ember.tensor(m))
    assert sched.get_last_lr() == pytest.approx([0.01, 0.005])
    assert sched.best == 1.0 and sched.cooldown_counter == 1 and sched.in_cooldown
    sd = sched.state_dict()
    other = eoptim.lr_scheduler.ReduceLROnPlateau(_optimizer(ember), mode="max")
    other.load_state_dict(sd)
    assert other.mode == "min" and other.best == 1.0 and other.num_bad_epochs == 0
    t_sched = torch.optim.lr_scheduler.ReduceLROnPlateau(_optimizer(torch), patience=1,
                                                          cooldown=1)
    assert list(t_sched.state_dict()) == list(sd)


# -- state_dict ----------------------------------------------------------------------------

ROUND_TRIP = ["StepLR", "MultiStepLR", "LinearLR-warmup", "ExponentialLR",
              "CosineAnnealingLR", "SequentialLR-warmup-cosine", "ChainedScheduler",
              "CyclicLR-triangular2", "OneCycleLR-three-phase", "CosineAnnealingWarmRestarts-mult",
              "LambdaLR", "MultiplicativeLR", "PolynomialLR", "ConstantLR"]


@pytest.mark.parametrize("name", ROUND_TRIP)
def test_state_dict_round_trip_continues_the_schedule(name):
    make = CASES[name]
    n1, n2 = 23, 30 if "OneCycle" not in name else 40
    ref = _history(ember, make, n1 + n2)
    opt = _optimizer(ember)
    sched = make(eoptim.lr_scheduler, opt)
    for _ in range(n1):
        opt.step()
        sched.step()
    sched_sd, opt_sd = sched.state_dict(), opt.state_dict()
    opt2 = _optimizer(ember, lrs=(0.7, 0.3))
    sched2 = make(eoptim.lr_scheduler, opt2)  # create the scheduler, then load both
    sched2.load_state_dict(sched_sd)
    opt2.load_state_dict(opt_sd)
    hist = [_snapshot(sched2, opt2)]
    for _ in range(n2):
        opt2.step()
        sched2.step()
        hist.append(_snapshot(sched2, opt2))
    _assert_same(hist, ref[n1:])


@needs_torch
@pytest.mark.parametrize("name", ["StepLR", "CosineAnnealingLR", "SequentialLR-three",
                                  "ChainedScheduler", "CyclicLR-exp_range", "OneCycleLR-cos",
                                  "CosineAnnealingWarmRestarts", "LambdaLR", "ConstantLR",
                                  "LinearLR-decay", "PolynomialLR"])
def test_state_dict_keys_match_torch(name):
    make = CASES[name]
    e = make(eoptim.lr_scheduler, _optimizer(ember))
    t = make(torch.optim.lr_scheduler, _optimizer(torch))
    e_sd, t_sd = e.state_dict(), t.state_dict()
    assert list(e_sd) == list(t_sd)
    if "_schedulers" in t_sd:
        for es, ts in zip(e_sd["_schedulers"], t_sd["_schedulers"]):
            assert list(es) == list(ts)
    for key in ("last_epoch", "base_lrs", "_last_lr", "_step_count"):
        if key in t_sd:
            assert e_sd[key] == pytest.approx(t_sd[key])


def test_lambda_state_dict_saves_callable_objects_only():
    class Decay:
        def __init__(self, rate):
            self.rate = rate

        def __call__(self, epoch):
            return self.rate ** epoch

    opt = _optimizer(ember)
    sched = eoptim.lr_scheduler.LambdaLR(opt, [Decay(0.5), _lam])
    sd = sched.state_dict()
    assert sd["lr_lambdas"] == [{"rate": 0.5}, None]
    other = eoptim.lr_scheduler.LambdaLR(_optimizer(ember), [Decay(0.9), _lam])
    other.load_state_dict(sd)
    assert other.lr_lambdas[0].rate == 0.5
    assert "lr_lambdas" in sd


@needs_torch
def test_resume_with_last_epoch():
    opt = _optimizer(ember)
    with pytest.raises(KeyError, match="param 'initial_lr' is not specified in "
                                       "param_groups\\[0\\]"):
        eoptim.lr_scheduler.StepLR(opt, step_size=2, last_epoch=3)
    for lib in (ember, torch):
        o = _optimizer(lib)
        for g in o.param_groups:
            g["initial_lr"] = g["lr"] * 2
        s = _sched_mod(lib).StepLR(o, step_size=2, last_epoch=3)
        o.step()
        s.step()
        assert s.base_lrs == [0.2, 0.1]
        if lib is ember:
            e_lr = s.get_last_lr()
        else:
            assert e_lr == pytest.approx(s.get_last_lr())


# -- behaviour around the optimizer ----------------------------------------------------------


def test_initial_lr_and_base_lrs():
    opt = _optimizer(ember)
    sched = eoptim.lr_scheduler.ExponentialLR(opt, gamma=0.5)
    assert [g["initial_lr"] for g in opt.param_groups] == [0.1, 0.05]
    assert sched.base_lrs == [0.1, 0.05] and sched.last_epoch == 0
    assert sched.get_last_lr() == [0.1, 0.05]
    opt.step()
    sched.step()
    assert sched.get_last_lr() == [0.05, 0.025] and sched.last_epoch == 1
    assert issubclass(eoptim.lr_scheduler._LRScheduler, eoptim.lr_scheduler.LRScheduler)


def test_scheduler_lr_reaches_the_optimizer_update():
    p = ember.nn.Parameter(ember.zeros(1))
    opt = eoptim.SGD([p], lr=1.0)
    sched = eoptim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    for _ in range(3):
        p.grad = ember.ones(1)
        opt.step()
        sched.step()
    assert float(p) == pytest.approx(-(1.0 + 0.5 + 0.25))


def test_tensor_lr_is_filled_in_place():
    p = ember.nn.Parameter(ember.zeros(1))
    lr = ember.tensor(0.1)
    opt = eoptim.SGD([p], lr=lr)
    sched = eoptim.lr_scheduler.ExponentialLR(opt, gamma=0.5)
    opt.step()
    sched.step()
    assert opt.param_groups[0]["lr"] is lr and float(lr) == pytest.approx(0.05)
    last = sched.get_last_lr()[0]
    assert isinstance(last, ember.Tensor) and last is not lr


def test_warns_when_the_scheduler_steps_before_the_optimizer():
    opt = _optimizer(ember)
    sched = eoptim.lr_scheduler.StepLR(opt, step_size=2)
    with pytest.warns(UserWarning, match="Detected call of `lr_scheduler.step\\(\\)` before "
                                         "`optimizer.step\\(\\)`"):
        sched.step()
    opt2 = _optimizer(ember)
    sched2 = eoptim.lr_scheduler.StepLR(opt2, step_size=2)
    opt2.step()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sched2.step()


def test_get_lr_outside_step_warns():
    sched = eoptim.lr_scheduler.StepLR(_optimizer(ember), step_size=2)
    with pytest.warns(UserWarning, match="please use `get_last_lr\\(\\)`"):
        sched.get_lr()


ERRORS = [
    lambda m, o: m.StepLR(object(), step_size=1),
    lambda m, o: m.ConstantLR(o, factor=1.5),
    lambda m, o: m.LinearLR(o, start_factor=0),
    lambda m, o: m.LinearLR(o, end_factor=1.5),
    lambda m, o: m.LambdaLR(o, [_lam]),
    lambda m, o: m.MultiplicativeLR(o, 0.9),
    lambda m, o: m.SequentialLR(o, [], milestones=[]),
    lambda m, o: m.SequentialLR(o, [m.StepLR(o, 2), m.StepLR(o, 3)], milestones=[]),
    lambda m, o: m.SequentialLR(o, [m.ReduceLROnPlateau(o)], milestones=[]),
    lambda m, o: m.ChainedScheduler([]),
    lambda m, o: m.ReduceLROnPlateau(o, factor=1.0),
    lambda m, o: m.ReduceLROnPlateau(o, mode="avg"),
    lambda m, o: m.ReduceLROnPlateau(o, threshold_mode="pct"),
    lambda m, o: m.ReduceLROnPlateau(o, min_lr=[0.1]),
    lambda m, o: m.CyclicLR(o, base_lr=0.1, max_lr=1.0, mode="square"),
    lambda m, o: m.CyclicLR(o, base_lr=[0.1], max_lr=1.0),
    lambda m, o: m.OneCycleLR(o, max_lr=0.1),
    lambda m, o: m.OneCycleLR(o, max_lr=0.1, total_steps=0),
    lambda m, o: m.OneCycleLR(o, max_lr=0.1, epochs=0, steps_per_epoch=2),
    lambda m, o: m.OneCycleLR(o, max_lr=0.1, epochs=2, steps_per_epoch=-1),
    lambda m, o: m.OneCycleLR(o, max_lr=0.1, total_steps=10, pct_start=1.5),
    lambda m, o: m.OneCycleLR(o, max_lr=0.1, total_steps=10, anneal_strategy="exp"),
    lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=0),
    lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=2, T_mult=0),
    lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=2, eta_min="0"),
]


@needs_torch
@pytest.mark.parametrize("i", range(len(ERRORS)))
def test_errors_match_torch(i):
    make = ERRORS[i]
    with pytest.raises(Exception) as t_err:
        make(torch.optim.lr_scheduler, _optimizer(torch))
    with pytest.raises(type(t_err.value)) as e_err:
        make(eoptim.lr_scheduler, _optimizer(ember))
    if "is not an Optimizer" in str(t_err.value):
        assert str(e_err.value).startswith(str(t_err.value))
    else:
        assert str(e_err.value) == str(t_err.value)


def test_cycle_momentum_needs_momentum():
    opt = eoptim.Adagrad([ember.nn.Parameter(ember.zeros(1))])
    with pytest.raises(ValueError, match="optimizer must support momentum or beta1"):
        eoptim.lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=10)
    with pytest.raises(ValueError, match="optimizer must support momentum or beta1"):
        eoptim.lr_scheduler.CyclicLR(opt, base_lr=0.01, max_lr=0.1)
