"""Normalization kernels: parity with PyTorch (values and gradients for input, weight and bias)
and float64 gradcheck from one table, then running statistics, torch's top-level calling forms,
double backward, the create_graph path, large-input accuracy and errors."""

import importlib
import warnings

import numpy as np
import pytest

import ember
from ember.autograd import gradcheck, gradgradcheck
from tests.helpers import OpCase, parametrize_cases, requires_torch, torch

# The family by module path (``ember.ops.<name>`` is shadowed by a function of that name)
NO = importlib.import_module("ember.ops.normalization")

if torch is not None:
    import torch.nn.functional as TF


def F(m):
    """torch.nn.functional for torch; ember's normalization family for ember."""
    return TF if m is torch else NO


def T(m):
    """torch's top level for torch; ember's normalization family for ember."""
    return torch if m is torch else NO


def _stats(m, x, c, seed=0):
    """Running statistics (constants, same values in both libraries) for ``c`` channels."""
    rng = np.random.default_rng(seed)
    mean = rng.uniform(-1, 1, c)
    var = rng.uniform(0.5, 2.0, c)
    dt = x.dtype
    return m.tensor(mean.tolist(), dtype=dt), m.tensor(var.tolist(), dtype=dt)


def _bn_eval(m, x, w, b, **kw):
    rm, rv = _stats(m, x, x.shape[1])
    return F(m).batch_norm(x, rm, rv, w, b, training=False, **kw)


def _bn_train_stats(m, x, w, b):
    rm, rv = _stats(m, x, x.shape[1])
    out = F(m).batch_norm(x, rm, rv, w, b, training=True, momentum=0.3)
    return out, rm, rv  # the updated running stats are compared too


def _in_stats(m, x, w, b):
    rm, rv = _stats(m, x, x.shape[1], seed=1)
    out = F(m).instance_norm(x, rm, rv, w, b, use_input_stats=True, momentum=0.2)
    return out, rm, rv


def _in_eval(m, x, w, b):
    rm, rv = _stats(m, x, x.shape[1], seed=2)
    return F(m).instance_norm(x, rm, rv, w, b, use_input_stats=False)


CASES = [
    # batch_norm: training uses the biased batch variance; eval the running statistics
    OpCase("batch_norm", lambda m, x, w, b: F(m).batch_norm(x, None, None, w, b, training=True),
           [(4, 3), (3,), (3,)]),
    OpCase("batch_norm", lambda m, x, w, b: F(m).batch_norm(x, None, None, w, b, True),
           [(3, 2, 5), (2,), (2,)]),
    OpCase("batch_norm", lambda m, x, w, b: F(m).batch_norm(x, None, None, w, b, True, 0.1,
                                                            1e-3),
           [(2, 3, 2, 3), (3,), (3,)]),
    OpCase("batch_norm", lambda m, x, w: F(m).batch_norm(x, None, None, w, training=True),
           [(3, 4, 2), (4,)]),
    OpCase("batch_norm", lambda m, x, b: F(m).batch_norm(x, None, None, None, b, training=True),
           [(3, 4, 2), (4,)]),
    OpCase("batch_norm", lambda m, x: F(m).batch_norm(x, None, None, training=True),
           [(2, 3, 2, 2, 2)]),
    OpCase("batch_norm", lambda m, x, w, b: F(m).batch_norm(x, None, None, w, b, True),
           [(2, 40, 40), (40,), (40,)], id="batch_norm-long-rows"),
    OpCase("batch_norm", _bn_eval, [(4, 3, 2), (3,), (3,)], id="batch_norm-eval"),
    OpCase("batch_norm", lambda m, x: _bn_eval(m, x, None, None, eps=0.1), [(3, 2)],
           id="batch_norm-eval-noaffine"),
    OpCase("batch_norm", _bn_train_stats, [(5, 3, 2), (3,), (3,)], id="batch_norm-train-stats",
           gradcheck=False),  # extra outputs (the running stats) are not differentiable
    OpCase("batch_norm",
           lambda m, x, w, b: T(m).batch_norm(x, w, b, None, None, True, 0.1, 1e-5, False),
           [(4, 2, 3), (2,), (2,)], id="batch_norm-torch-form"),
    # layer_norm
    OpCase("layer_norm", lambda m, x, w, b: F(m).layer_norm(x, (5,), w, b), [(3, 5), (5,), (5,)]),
    OpCase("layer_norm", lambda m, x, w, b: F(m).layer_norm(x, (3, 4), w, b, 1e-3),
           [(2, 2, 3, 4), (3, 4), (3, 4)]),
    OpCase("layer_norm", lambda m, x: F(m).layer_norm(x, [4]), [(2, 3, 4)]),
    OpCase("layer_norm", lambda m, x, w: F(m).layer_norm(x, (2, 3), weight=w), [(2, 3), (2, 3)]),
    OpCase("layer_norm", lambda m, x, b: F(m).layer_norm(x, (3,), bias=b), [(4, 3), (3,)]),
    OpCase("layer_norm", lambda m, x, w, b: F(m).layer_norm(x, (6,), w, b), [(6,), (6,), (6,)]),
    OpCase("layer_norm", lambda m, x, w, b: T(m).layer_norm(x, (4,), w, b, 1e-5, True),
           [(3, 4), (4,), (4,)], id="layer_norm-torch-form"),
    # group_norm
    OpCase("group_norm", lambda m, x, w, b: F(m).group_norm(x, 2, w, b), [(3, 4, 5), (4,), (4,)]),
    OpCase("group_norm", lambda m, x, w, b: F(m).group_norm(x, 1, w, b, 1e-3),
           [(2, 3, 2, 2), (3,), (3,)]),
    OpCase("group_norm", lambda m, x, w, b: F(m).group_norm(x, 6, w, b), [(2, 6, 3), (6,), (6,)]),
    OpCase("group_norm", lambda m, x: F(m).group_norm(x, 3), [(2, 6, 2, 2)]),
    OpCase("group_norm", lambda m, x, w, b: F(m).group_norm(x, 2, w, b), [(3, 8), (8,), (8,)]),
    OpCase("group_norm", lambda m, x, w: F(m).group_norm(x, 2, w), [(2, 4, 3), (4,)]),
    # instance_norm
    OpCase("instance_norm", lambda m, x: F(m).instance_norm(x), [(2, 3, 5)]),
    OpCase("instance_norm", lambda m, x, w, b: F(m).instance_norm(x, weight=w, bias=b),
           [(2, 3, 2, 3), (3,), (3,)]),
    OpCase("instance_norm", _in_stats, [(3, 2, 4), (2,), (2,)], id="instance_norm-stats",
           gradcheck=False),
    OpCase("instance_norm", _in_eval, [(2, 3, 4), (3,), (3,)], id="instance_norm-eval"),
    OpCase("instance_norm",
           lambda m, x, w, b: T(m).instance_norm(x, w, b, None, None, True, 0.1, 1e-5, False),
           [(2, 2, 3), (2,), (2,)], id="instance_norm-torch-form"),
    # rms_norm
    OpCase("rms_norm", lambda m, x, w: F(m).rms_norm(x, (4,), w), [(3, 4), (4,)]),
    OpCase("rms_norm", lambda m, x: F(m).rms_norm(x, (2, 3), eps=1e-3), [(2, 2, 3)]),
    OpCase("rms_norm", lambda m, x, w: T(m).rms_norm(x, [3], w, 1e-6), [(2, 3), (3,)]),
    # local_response_norm (F only) and normalize (F only)
    OpCase("local_response_norm", lambda m, x: F(m).local_response_norm(x, 3), [(2, 5, 3)]),
    OpCase("local_response_norm",
           lambda m, x: F(m).local_response_norm(x, 2, alpha=0.5, beta=0.6, k=2.0),
           [(2, 4, 2, 3)]),
    OpCase("local_response_norm", lambda m, x: F(m).local_response_norm(x, 4, 1.0),
           [(1, 3, 2, 2, 2)]),
    OpCase("normalize", lambda m, x: F(m).normalize(x), [(3, 4)]),
    OpCase("normalize", lambda m, x: F(m).normalize(x, p=1.0, dim=-1), [(2, 3, 4)]),
    OpCase("normalize", lambda m, x: F(m).normalize(x, 3.0, 0), [(3, 2)]),
    OpCase("normalize", lambda m, x: F(m).normalize(x, float("inf"), 1), [(2, 4)],
           gradcheck=False),
]

test_parity, test_gradcheck = parametrize_cases(CASES)


# -- running statistics --------------------------------------------------------------------


@requires_torch
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape", [(6, 3), (4, 3, 5), (3, 3, 2, 2)])
def test_batch_norm_running_stats_follow_torch_over_several_steps(shape, dtype):
    rng = np.random.default_rng(0)
    c = shape[1]
    edt, tdt = getattr(ember, dtype), getattr(torch, dtype)
    e_rm, e_rv = ember.zeros(c, dtype=edt), ember.ones(c, dtype=edt)
    t_rm, t_rv = torch.zeros(c, dtype=tdt), torch.ones(c, dtype=tdt)
    w = rng.uniform(0.5, 1.5, c).astype(dtype)
    b = rng.uniform(-1, 1, c).astype(dtype)
    for step in range(4):
        x = (rng.standard_normal(shape) * (step + 1) + step).astype(dtype)
        e = NO.batch_norm(ember.from_numpy(x), e_rm, e_rv, ember.from_numpy(w),
                          ember.from_numpy(b), True, 0.25, 1e-5)
        t = TF.batch_norm(torch.from_numpy(x), t_rm, t_rv, torch.from_numpy(w),
                          torch.from_numpy(b), True, 0.25, 1e-5)
        np.testing.assert_allclose(e.numpy(), t.numpy(), rtol=1e-5, atol=1e-5)
    tol = dict(rtol=1e-5, atol=1e-6) if dtype == "float32" else dict(rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(e_rm.numpy(), t_rm.numpy(), **tol)
    np.testing.assert_allclose(e_rv.numpy(), t_rv.numpy(), **tol)
    x = rng.standard_normal(shape).astype(dtype)  # eval mode uses what was accumulated
    e = NO.batch_norm(ember.from_numpy(x), e_rm, e_rv, training=False)
    t = TF.batch_norm(torch.from_numpy(x), t_rm, t_rv, training=False)
    np.testing.assert_allclose(e.numpy(), t.numpy(), rtol=1e-5, atol=1e-5)


def test_running_stats_update_formula_and_versions():
    x = ember.tensor([[1.0, 10.0], [3.0, 20.0], [5.0, 60.0]])
    rm, rv = ember.zeros(2), ember.ones(2)
    v0 = rm._version
    NO.batch_norm(x, rm, rv, training=True, momentum=0.5)
    # mean (3, 30); unbiased var (4, 700)
    np.testing.assert_allclose(rm.numpy(), [1.5, 15.0])
    np.testing.assert_allclose(rv.numpy(), [2.5, 350.5])
    assert rm._version == v0 + 1
    NO.batch_norm(x, rm, rv, training=False)  # eval leaves them alone
    np.testing.assert_allclose(rm.numpy(), [1.5, 15.0])


@requires_torch
def test_instance_norm_running_stats_match_torch():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((3, 2, 5))
    e_rm, e_rv = ember.zeros(2, dtype=ember.float64), ember.ones(2, dtype=ember.float64)
    t_rm, t_rv = torch.zeros(2, dtype=torch.float64), torch.ones(2, dtype=torch.float64)
    for _ in range(3):
        NO.instance_norm(ember.from_numpy(x), e_rm, e_rv, momentum=0.3)
        TF.instance_norm(torch.from_numpy(x), t_rm, t_rv, momentum=0.3)
    np.testing.assert_allclose(e_rm.numpy(), t_rm.numpy(), rtol=1e-12)
    np.testing.assert_allclose(e_rv.numpy(), t_rv.numpy(), rtol=1e-12)


# -- accuracy and speed-minded paths ---------------------------------------------------------


@requires_torch
@pytest.mark.parametrize("name", ["batch_norm", "layer_norm", "group_norm"])
def test_float32_large_input_with_offset_matches_float64(name):
    """Many elements per statistic and a large mean: two-pass variance keeps float32 accurate,
    and the block-by-block kernels give the same numbers as one pass over everything."""
    rng = np.random.default_rng(2)
    x64 = rng.standard_normal((16, 8, 700)) * 0.5 + 50.0
    g64 = rng.standard_normal(x64.shape)
    fn = {"batch_norm": lambda m, x: F(m).batch_norm(x, None, None, training=True),
          "layer_norm": lambda m, x: F(m).layer_norm(x, (700,)),
          "group_norm": lambda m, x: F(m).group_norm(x, 4)}[name]
    ref = torch.from_numpy(x64).requires_grad_()
    out_ref = fn(torch, ref)
    (gref,) = torch.autograd.grad(out_ref, ref, torch.from_numpy(g64))
    x = ember.from_numpy(x64.astype(np.float32)).requires_grad_()
    out = fn(ember, x)
    (gx,) = ember.autograd.grad(out, x, ember.from_numpy(g64.astype(np.float32)))
    assert out.dtype is ember.float32 and gx.dtype is ember.float32
    np.testing.assert_allclose(out.detach().numpy(), out_ref.detach().numpy(), atol=2e-4)
    np.testing.assert_allclose(gx.numpy(), gref.numpy(), atol=2e-3, rtol=1e-3)


def test_outputs_and_gradients_own_their_memory():
    """Results are fresh arrays (no views of saved buffers): changing the output in place
    (e.g. relu_) must not corrupt the saved x̂."""
    rng = np.random.default_rng(3)
    for fn in (lambda x: NO.batch_norm(x, None, None, training=True),
               lambda x: NO.layer_norm(x, (4,)), lambda x: NO.group_norm(x, 1)):
        x = ember.from_numpy(rng.standard_normal((3, 2, 4))).requires_grad_()
        out = fn(x)
        (g1,) = ember.autograd.grad(out, x, ember.ones_like(out), retain_graph=True)
        out.detach().zero_()
        (g2,) = ember.autograd.grad(out, x, ember.ones_like(out))
        np.testing.assert_array_equal(g1.numpy(), g2.numpy())
        assert out._data.base is None and g1._data.base is None


def test_half_precision_is_normalised_in_float32():
    x = ember.tensor([[1.0, 2.0, 3.0, 4.0]], dtype=ember.float16)
    out = NO.layer_norm(x, (4,))
    assert out.dtype is ember.float16
    np.testing.assert_allclose(out.numpy().astype(np.float64),
                               [[-1.3416, -0.4472, 0.4472, 1.3416]], atol=2e-3)


def test_empty_batch_gives_empty_output():
    out = NO.layer_norm(ember.zeros(0, 4), (4,))
    assert out.shape == (0, 4)
    out = NO.group_norm(ember.zeros(0, 4, 2), 2)
    assert out.shape == (0, 4, 2)


# -- double backward (create_graph builds the gradient from ember ops) -------------------------

DOUBLE = {
    "batch_norm-train": (lambda x, w, b: NO.batch_norm(x, None, None, w, b, True),
                         [(4, 2, 3), (2,), (2,)]),
    "batch_norm-eval": (lambda x, w, b: NO.batch_norm(
        x, ember.tensor([0.1, -0.3], dtype=ember.float64),
        ember.tensor([0.5, 2.0], dtype=ember.float64), w, b, False), [(3, 2), (2,), (2,)]),
    "layer_norm": (lambda x, w, b: NO.layer_norm(x, (3,), w, b), [(2, 3), (3,), (3,)]),
    "layer_norm-noaffine": (lambda x: NO.layer_norm(x, (2, 2)), [(2, 2, 2)]),
    "group_norm": (lambda x, w, b: NO.group_norm(x, 2, w, b), [(2, 4, 2), (4,), (4,)]),
    "instance_norm": (lambda x: NO.instance_norm(x), [(2, 2, 3)]),
    "rms_norm": (lambda x, w: NO.rms_norm(x, (3,), w), [(2, 3), (3,)]),
    "local_response_norm": (lambda x: NO.local_response_norm(x, 2), [(1, 3, 2)]),
    "normalize": (lambda x: NO.normalize(x), [(2, 3)]),
}


@pytest.mark.parametrize("name", sorted(DOUBLE))
def test_gradgradcheck(name):
    fn, shapes = DOUBLE[name]
    rng = np.random.default_rng(4)
    xs = tuple(ember.from_numpy(rng.standard_normal(s)).requires_grad_() for s in shapes)

    def f(*args):
        out = fn(*args)
        return out * out  # nonlinear so that second derivatives aren't zero

    assert gradgradcheck(f, xs)


DOUBLE_VS_TORCH = {
    "batch_norm-train": (lambda m, x, w, b: F(m).batch_norm(x, None, None, w, b, training=True),
                         (4, 3, 2)),
    "batch_norm-eval": (lambda m, x, w, b: _bn_eval(m, x, w, b), (4, 3, 2)),
    "layer_norm": (lambda m, x, w, b: F(m).layer_norm(x, (3, 2), w.reshape(3, 1).expand(3, 2),
                                                     b.reshape(3, 1).expand(3, 2)), (4, 3, 2)),
    "group_norm": (lambda m, x, w, b: F(m).group_norm(x, 3, w, b), (2, 3, 4)),
    "instance_norm": (lambda m, x, w, b: F(m).instance_norm(x, weight=w, bias=b), (2, 3, 4)),
}


@requires_torch
@pytest.mark.parametrize("name", sorted(DOUBLE_VS_TORCH))
def test_create_graph_gradients_and_double_backward_match_torch(name):
    """create_graph=True takes the graph-building backward: its first derivatives must equal the
    array backward's and torch's, and its second derivatives torch's."""
    fn, shape = DOUBLE_VS_TORCH[name]
    rng = np.random.default_rng(5)
    x64, w64, b64 = rng.standard_normal(shape), rng.uniform(0.5, 1.5, 3), rng.standard_normal(3)
    res = []
    for m in (ember, torch):
        frm = ember.from_numpy if m is ember else torch.from_numpy
        x, w, b = (frm(a.copy()).requires_grad_() for a in (x64, w64, b64))
        loss = (fn(m, x, w, b) ** 3).sum()
        first = m.autograd.grad(loss, [x, w, b], create_graph=True)
        if m is ember:
            plain = m.autograd.grad((fn(m, x, w, b) ** 3).sum(), [x, w, b])
            for f, p in zip(first, plain):
                np.testing.assert_allclose(f.detach().numpy(), p.numpy(), rtol=1e-10,
                                           atol=1e-12)
        second = m.autograd.grad(sum((f * f).sum() for f in first), [x, w, b])
        res.append([t.detach().numpy() for t in tuple(first) + tuple(second)])
    for e, t in zip(*res):
        np.testing.assert_allclose(e, t, rtol=1e-9, atol=1e-9)


# -- calling forms and errors ----------------------------------------------------------------


def test_torch_form_keywords_and_positional_binding():
    x = ember.randn(4, 2, 3)
    w, b = ember.tensor([2.0, 3.0]), ember.tensor([0.5, -0.5])
    a = NO.batch_norm(x, None, None, w, b, True, 0.1, 1e-5)
    t = NO.batch_norm(x, w, b, None, None, True, 0.1, 1e-5, True)
    k = NO.batch_norm(input=x, weight=w, bias=b, running_mean=None, running_var=None,
                      training=True, momentum=0.1, eps=1e-5, cudnn_enabled=False)
    np.testing.assert_array_equal(a.numpy(), t.numpy())
    np.testing.assert_array_equal(a.numpy(), k.numpy())
    with pytest.raises(TypeError, match=r"batch_norm\(\) got multiple values for argument"):
        NO.batch_norm(x, None, running_mean=None, running_var=None)
    with pytest.raises(TypeError, match=r"batch_norm\(\) missing required argument"):
        NO.batch_norm(x, w, b, cudnn_enabled=True)


def test_batch_norm_errors_name_the_op_and_shapes():
    x = ember.zeros(8, 16, 4, 4)
    with pytest.raises(RuntimeError, match=r"batch_norm\(\): expected 32 channels \(num_features"
                                           r"\) at dim 1, got input of shape \(8, 16, 4, 4\)"):
        NO.batch_norm(x, ember.zeros(32), ember.ones(32), training=True)
    with pytest.raises(ValueError, match=r"Expected more than 1 value per channel when training,"
                                         r" got input size ember.Size\(\[1, 3\]\)"):
        NO.batch_norm(ember.zeros(1, 3), None, None, training=True)
    with pytest.raises(ValueError, match=r"more than 1 value per channel.*\[1, 3, 1, 1\]"):
        NO.batch_norm(ember.zeros(1, 3, 1, 1), None, None, training=True)
    NO.batch_norm(ember.zeros(1, 3), ember.zeros(3), ember.ones(3), training=False)  # fine
    with pytest.raises(RuntimeError, match=r"batch_norm\(\): running_mean must be defined in "
                                           r"evaluation mode"):
        NO.batch_norm(ember.zeros(2, 3), None, None)
    with pytest.raises(ValueError, match=r"running_mean and running_var must either both be"):
        NO.batch_norm(ember.zeros(2, 3), ember.zeros(3), None, training=True)
    with pytest.raises(ValueError, match=r"eps must be positive during training, but got 0"):
        NO.batch_norm(ember.zeros(2, 3), None, None, training=True, eps=0.0)
    with pytest.raises(RuntimeError, match=r"batch_norm\(\).*floating point.*int64"):
        NO.batch_norm(ember.zeros(2, 3, dtype=ember.int64), None, None, training=True)
    with pytest.raises(RuntimeError, match=r"batch_norm\(\): weight is ember.float64 but "
                                           r"input is ember.float32"):
        NO.batch_norm(ember.zeros(2, 3), None, None, ember.ones(3, dtype=ember.float64),
                      training=True)
    with pytest.raises(RuntimeError, match=r"batch_norm\(\).*at least 2 dimensions.*\(3,\)"):
        NO.batch_norm(ember.zeros(3), None, None, training=True)
    with pytest.raises(TypeError, match=r"batch_norm\(\): argument 'momentum' must be float"):
        NO.batch_norm(ember.zeros(2, 3), None, None, training=True, momentum=None)


def test_layer_group_instance_norm_errors():
    x = ember.zeros(4, 3, 5)
    with pytest.raises(RuntimeError, match=r"layer_norm\(\): Given normalized_shape=\[4\], "
                                           r"expected input with shape \[\*, 4\], but got input "
                                           r"of size \[4, 3, 5\]"):
        NO.layer_norm(x, (4,))
    with pytest.raises(RuntimeError, match=r"layer_norm\(\): Expected weight to be of same "
                                           r"shape as normalized_shape, but got weight of shape "
                                           r"\[4\] and normalized_shape = \[5\]"):
        NO.layer_norm(x, (5,), ember.ones(4))
    with pytest.raises(RuntimeError, match=r"at least 1-dimensional"):
        NO.layer_norm(x, ())
    with pytest.raises(RuntimeError, match=r"group_norm\(\): Expected number of channels in "
                                           r"input to be divisible by num_groups, but got input "
                                           r"of shape \[4, 3, 5\] and num_groups=2"):
        NO.group_norm(x, 2)
    with pytest.raises(RuntimeError, match=r"group_norm\(\): Expected weight to be a vector of "
                                           r"size equal to the number of channels"):
        NO.group_norm(x, 3, ember.ones(4))
    with pytest.raises(RuntimeError, match=r"group_norm\(\).*at least 2 dimensions"):
        NO.group_norm(ember.zeros(3), 3)
    with pytest.raises(ValueError, match=r"more than 1 value per channel.*\[1, 3\]"):
        NO.group_norm(ember.zeros(1, 3), 3)
    with pytest.raises(ValueError, match=r"Expected more than 1 spatial element when training, "
                                         r"got input size ember.Size\(\[2, 3, 1\]\)"):
        NO.instance_norm(ember.zeros(2, 3, 1))
    with pytest.raises(RuntimeError, match=r"Expected running_mean and running_var to be "
                                           r"defined when use_input_stats is false"):
        NO.instance_norm(x, use_input_stats=False)
    with pytest.raises(RuntimeError, match=r"instance_norm\(\): weight should contain 3 "
                                           r"elements.*shape \(2,\)"):
        NO.instance_norm(x, weight=ember.ones(2))
    with pytest.raises(RuntimeError, match=r"rms_norm\(\): Given normalized_shape=\[2\]"):
        NO.rms_norm(x, (2,))
    with pytest.raises(ValueError, match=r"local_response_norm\(\): Expected 3D or higher"):
        NO.local_response_norm(ember.zeros(2, 3), 2)
    with pytest.raises(RuntimeError, match=r"layer_norm\(\).*floating point.*int64"):
        NO.layer_norm(ember.zeros(2, 3, dtype=ember.int64), (3,))


def test_warnings_are_not_emitted_for_constant_input():
    x = ember.ones(4, 3, 2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = NO.batch_norm(x, None, None, training=True)
        NO.layer_norm(x, (2,))
    assert np.all(out.numpy() == 0)


def test_normalize_out_argument():
    x = ember.tensor([[3.0, 4.0]])
    out = ember.zeros(1, 2)
    r = NO.normalize(x, out=out)
    assert r is out
    np.testing.assert_allclose(out.numpy(), [[0.6, 0.8]])


def test_gradcheck_eval_batch_norm_weight_path():
    rng = np.random.default_rng(6)
    x = ember.from_numpy(rng.standard_normal((3, 2, 2))).requires_grad_()
    w = ember.from_numpy(rng.standard_normal(2)).requires_grad_()
    rm = ember.tensor([0.3, -0.2], dtype=ember.float64)
    rv = ember.tensor([1.5, 0.7], dtype=ember.float64)
    assert gradcheck(lambda a, b: NO.batch_norm(a, rm, rv, b, None, False), (x, w))


def test_eval_backward_uses_the_statistics_of_its_forward():
    """Running stats updated in place between forward and backward don't leak into the
    gradient (the eval-mode forward keeps its own copy)."""
    x = ember.randn(4, 2, requires_grad=True)
    w = ember.ones(2, requires_grad=True)
    rm, rv = ember.zeros(2), ember.ones(2)
    y = NO.batch_norm(x, rm, rv, w, None, False)
    NO.batch_norm(ember.randn(4, 2) + 5, rm, rv, training=True)  # moves rm, rv
    y.sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), x.detach().numpy().sum(0) / np.sqrt(1 + 1e-5),
                               rtol=1e-5)
