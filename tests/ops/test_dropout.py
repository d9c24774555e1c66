"""Dropout kernels: the deterministic cases against PyTorch (p = 0, p = 1, eval mode) from the
table, then statistics of the random masks, reproducibility with ember.manual_seed, gradients
equal to mask·scale, feature (channel) and alpha dropout, in-place forms and errors."""

import importlib
import math
import warnings

import numpy as np
import pytest

import ember
from ember.autograd import gradgradcheck
from tests.helpers import OpCase, parametrize_cases, requires_torch, torch

# The family by module path (``ember.ops.<name>`` is shadowed by a function of that name)
DO = importlib.import_module("ember.ops.dropout")

if torch is not None:
    import torch.nn.functional as TF

OTHER_TESTS = ("dropout", "dropout_", "feature_dropout", "feature_dropout_", "alpha_dropout",
               "alpha_dropout_", "feature_alpha_dropout", "feature_alpha_dropout_")

_ALPHA = 1.7580993408473766


def F(m):
    return TF if m is torch else DO


def T(m):
    return torch if m is torch else DO


# Random masks can't match torch's; these deterministic settings must, values and gradients.
CASES = [
    OpCase("dropout", lambda m, x: F(m).dropout(x, 0.0), [(3, 4)]),
    OpCase("dropout", lambda m, x: F(m).dropout(x, 0.7, training=False), [(3, 4)]),
    OpCase("dropout", lambda m, x: F(m).dropout(x, 1.0), [(2, 3)]),
    OpCase("dropout", lambda m, x: T(m).dropout(x, 1.0, True), [(2, 3)]),
    OpCase("dropout", lambda m, x: T(m).dropout(x, 0.5, False), [(2, 3)]),
    OpCase("feature_dropout", lambda m, x: T(m).feature_dropout(x, 1.0, True), [(2, 3, 2)]),
    OpCase("feature_dropout", lambda m, x: T(m).feature_dropout(x, 0.3, False), [(2, 3, 2)]),
    OpCase("dropout1d", lambda m, x: F(m).dropout1d(x, 1.0), [(2, 3, 2)]),
    OpCase("dropout1d", lambda m, x: F(m).dropout1d(x, 1.0), [(3, 2)]),
    OpCase("dropout3d", lambda m, x: F(m).dropout3d(x, 1.0), [(2, 1, 2, 2)]),
    OpCase("alpha_dropout", lambda m, x: F(m).alpha_dropout(x, 0.4), [(3, 2)]),
    OpCase("alpha_dropout", lambda m, x: T(m).alpha_dropout(x, 1.0, True), [(3, 2)]),
    OpCase("feature_alpha_dropout", lambda m, x: F(m).feature_alpha_dropout(x, 1.0, True),
           [(2, 2, 3)]),
    OpCase("feature_alpha_dropout", lambda m, x: F(m).feature_alpha_dropout(x, 0.0, True),
           [(2, 2, 3)]),
]

test_parity, test_gradcheck = parametrize_cases(CASES)


def _x(shape, seed=0, dtype=np.float32):
    rng = np.random.default_rng(seed)
    return ember.from_numpy(rng.uniform(0.5, 1.5, shape).astype(dtype))


# -- statistics and reproducibility ----------------------------------------------------------


@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fraction_dropped_is_p_and_kept_values_are_scaled(p, dtype):
    ember.manual_seed(0)
    x = _x((200, 500), dtype=dtype)
    y = DO.dropout(x, p)
    assert y.dtype is x.dtype and y.shape == x.shape
    yd, xd = y.numpy(), x.numpy()
    dropped = yd == 0
    n = dropped.size
    assert abs(dropped.mean() - p) < 4 * math.sqrt(p * (1 - p) / n)  # 4 standard deviations
    np.testing.assert_allclose(yd[~dropped], xd[~dropped] / (1 - p), rtol=1e-6)
    # the expectation is preserved
    assert abs(yd.mean() / xd.mean() - 1) < 0.02


def test_mask_statistics_of_ones_mean():
    ember.manual_seed(3)
    y = DO.dropout(ember.ones(100_000), 0.25)
    assert abs(y.numpy().mean() - 1.0) < 0.01


def test_manual_seed_reproduces_masks():
    x = _x((64, 33))
    ember.manual_seed(123)
    a = DO.dropout(x, 0.5).numpy()
    b = DO.dropout(x, 0.5).numpy()
    ember.manual_seed(123)
    c = DO.dropout(x, 0.5).numpy()
    np.testing.assert_array_equal(a, c)
    assert not np.array_equal(a, b)  # consecutive calls draw fresh masks
    ember.manual_seed(124)
    assert not np.array_equal(DO.dropout(x, 0.5).numpy(), a)


def test_odd_sizes_and_all_dtypes_of_masks():
    ember.manual_seed(0)
    for shape in [(1,), (7,), (3, 5), (2, 3, 5)]:
        for dt in (ember.float16, ember.float32, ember.float64):
            x = ember.ones(shape, dtype=dt)
            y = DO.dropout(x, 0.5)
            assert y.dtype is dt and y.shape == shape
            assert set(np.unique(y.numpy().astype(np.float64))) <= {0.0, 2.0}


# -- identity cases --------------------------------------------------------------------------


def test_eval_and_p0_return_the_input_itself():
    x = _x((3, 4))
    assert DO.dropout(x, 0.5, training=False) is x
    assert DO.dropout(x, 0.0) is x
    assert DO.dropout(x, 0.5, train=False) is x
    assert DO.alpha_dropout(x, 0.5) is x  # training defaults to False like torch
    assert DO.feature_dropout(x, 0.5, False) is x
    assert DO.dropout(ember.zeros(0, 3), 0.5).shape == (0, 3)


@requires_torch
def test_p1_gives_zeros_and_keeps_nan_like_torch():
    x = ember.tensor([float("inf"), 1.0, -2.0, float("nan")])
    y = DO.dropout(x, 1.0)
    t = TF.dropout(torch.tensor([float("inf"), 1.0, -2.0, float("nan")]), 1.0)
    np.testing.assert_array_equal(y.numpy(), t.numpy())


# -- gradients ---------------------------------------------------------------------------------


@pytest.mark.parametrize("p", [0.2, 0.6])
def test_gradient_is_mask_times_scale(p):
    ember.manual_seed(1)
    x = _x((40, 30), dtype=np.float64).requires_grad_()
    y = DO.dropout(x, p)
    g = np.random.default_rng(2).standard_normal(y.shape)
    y.backward(ember.from_numpy(g))
    keep = (y.detach().numpy() != 0).astype(np.float64)
    np.testing.assert_allclose(x.grad.numpy(), g * keep / (1 - p), rtol=1e-12)
    # the output is the input times the same mask
    np.testing.assert_allclose(y.detach().numpy(), x.detach().numpy() * keep / (1 - p))


def test_gradient_of_feature_dropout_is_per_channel():
    ember.manual_seed(2)
    x = _x((6, 5, 4), dtype=np.float64).requires_grad_()
    y = DO.feature_dropout(x, 0.5, True)
    y.sum().backward()
    g = x.grad.numpy()
    assert set(np.unique(g)) <= {0.0, 2.0}
    assert np.all(g.min(axis=2) == g.max(axis=2))  # whole channels share one mask value


def test_double_backward_through_dropout():
    def f(x):
        ember.manual_seed(5)  # the same mask on every call
        y = DO.dropout(x, 0.4)
        return y * y

    x = ember.from_numpy(np.random.default_rng(3).standard_normal((3, 4))).requires_grad_()
    assert gradgradcheck(f, (x,))


def test_gradient_of_p1_is_zero():
    x = _x((3,), dtype=np.float64).requires_grad_()
    DO.dropout(x, 1.0).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.zeros(3))


# -- feature and alpha dropout ---------------------------------------------------------------


@pytest.mark.parametrize("fn,shape,batched", [
    (lambda x: DO.feature_dropout(x, 0.5, True), (8, 6, 5), True),
    (lambda x: DO.dropout1d(x, 0.5), (8, 6, 5), True),
    (lambda x: DO.dropout1d(x, 0.5), (40, 5), False),
    (lambda x: DO.dropout2d(x, 0.5), (4, 6, 3, 3), True),
    (lambda x: DO.dropout2d(x, 0.5), (6, 7, 3), True),  # read as (N, C, L), with a warning
    (lambda x: DO.dropout3d(x, 0.5), (2, 6, 2, 2, 2), True),
    (lambda x: DO.dropout3d(x, 0.5), (40, 2, 2, 2), False),
])
def test_channel_dropout_zeroes_whole_channels(fn, shape, batched):
    ember.manual_seed(4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # dropout2d's warning for 3-D input
        y = fn(ember.ones(shape)).numpy()
    assert y.shape == shape
    lead = 2 if batched else 1
    per_channel = y.reshape(shape[:lead] + (-1,))
    lo, hi = per_channel.min(axis=-1), per_channel.max(axis=-1)
    assert np.array_equal(lo, hi) and set(np.unique(lo)) <= {0.0, 2.0}
    assert 0 < (lo == 0).mean() < 1


def test_feature_dropout_of_unbatched_dropout1d_uses_channels_of_dim0():
    ember.manual_seed(0)
    y = DO.dropout1d(ember.ones(50, 4), 0.5).numpy()
    assert np.all(y.min(axis=1) == y.max(axis=1))


@pytest.mark.parametrize("p", [0.2, 0.5])
def test_alpha_dropout_values_and_self_normalisation(p):
    ember.manual_seed(6)
    rng = np.random.default_rng(7)
    xd = rng.standard_normal((400, 250))
    x = ember.from_numpy(xd).requires_grad_()
    y = DO.alpha_dropout(x, p, training=True)
    a = 1.0 / math.sqrt((_ALPHA * _ALPHA * p + 1) * (1 - p))
    yd = y.detach().numpy()
    dropped_value = _ALPHA * a * (p - 1)
    dropped = np.isclose(yd, dropped_value) & ~np.isclose(xd * a + _ALPHA * a * p, dropped_value)
    kept = np.isclose(yd, xd * a + _ALPHA * a * p)
    assert np.all(dropped | kept)
    assert abs(dropped.mean() - p) < 0.01
    assert abs(yd.mean()) < 0.02 and abs(yd.std() - 1) < 0.02  # zero mean, unit variance kept
    y.backward(ember.ones_like(y))
    np.testing.assert_allclose(x.grad.numpy(), np.where(kept, a, 0.0), rtol=1e-12)


def test_feature_alpha_dropout_shares_values_per_channel():
    ember.manual_seed(8)
    y = DO.feature_alpha_dropout(ember.zeros(20, 6, 5), 0.5, True).numpy()
    assert np.allclose(y.min(axis=2), y.max(axis=2))
    assert len(np.unique(np.round(y, 5))) == 2


# -- in-place forms ----------------------------------------------------------------------------


def test_inplace_forms_write_into_the_input():
    for fn in (lambda t: DO.dropout(t, 0.5, True, True), lambda t: DO.dropout_(t, 0.5, True),
               lambda t: DO.feature_dropout_(t, 0.5, True),
               lambda t: DO.alpha_dropout_(t, 0.5, True),
               lambda t: DO.feature_alpha_dropout(t, 0.5, True, inplace=True),
               lambda t: DO.dropout2d(t, 0.5, True, True),
               lambda t: DO.dropout3d(t, 0.5, True, True),
               lambda t: DO.dropout1d(t[0], 0.5, True, True)):
        ember.manual_seed(9)
        x = ember.ones(4, 3, 5, 6)
        v = x._version
        y = fn(x)
        assert x._version > v
        if y.shape == x.shape:
            assert y is x
        assert np.any(x.numpy() != 1)


def test_inplace_dropout_in_a_graph_gives_mask_gradients():
    ember.manual_seed(10)
    w = ember.ones(6, 5, dtype=ember.float64, requires_grad=True)
    h = w * 3.0
    out = DO.dropout(h, 0.5, True, inplace=True)
    assert out is h
    out.sum().backward()
    keep = h.detach().numpy() != 0
    np.testing.assert_allclose(w.grad.numpy(), np.where(keep, 6.0, 0.0))


def test_inplace_on_a_leaf_requiring_grad_raises():
    x = ember.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"dropout_\(\).*leaf Variable"):
        DO.dropout(x, 0.5, True, inplace=True)


# -- errors and warnings ---------------------------------------------------------------------


def test_errors_name_the_op_and_values():
    x = ember.ones(2, 3)
    for fn in (DO.dropout, DO.alpha_dropout, DO.feature_alpha_dropout, DO.dropout1d,
               DO.dropout2d, DO.dropout3d):
        with pytest.raises(ValueError, match=r"dropout probability has to be between 0 and 1, "
                                             r"but got 1.5"):
            fn(x, 1.5)
        with pytest.raises(ValueError, match=r"but got -0.1"):
            fn(x, -0.1)
    with pytest.raises(RuntimeError, match=r"dropout\(\): expected a floating point input, got "
                                           r"ember.int64"):
        DO.dropout(ember.tensor([1, 2]), 0.5)
    assert DO.dropout(ember.tensor([1, 2]), 0.5, training=False).dtype is ember.int64
    with pytest.raises(RuntimeError, match=r"dropout1d: Expected 2D or 3D input, but received a "
                                           r"4D input \(shape \(1, 2, 3, 4\)\)"):
        DO.dropout1d(ember.ones(1, 2, 3, 4), 0.5)
    with pytest.raises(RuntimeError, match=r"feature_dropout\(\): Feature dropout requires at "
                                           r"least 2 dimensions.*\(4,\)"):
        DO.feature_dropout(ember.ones(4), 0.5, True)
    with pytest.raises(TypeError, match=r"dropout\(\): argument 'input' must be a Tensor"):
        DO.dropout([1.0, 2.0], 0.5)


def test_dropout2d_and_3d_warn_like_torch():
    with pytest.warns(UserWarning, match=r"dropout2d: Received a 3D input to dropout2d"):
        DO.dropout2d(ember.ones(2, 3, 4), 0.5)
    with pytest.warns(UserWarning, match=r"dropout2d: Received a 2-D input"):
        DO.dropout2d(ember.ones(2, 3), 0.5)
    with pytest.warns(UserWarning, match=r"dropout3d: Received a 3-D input"):
        DO.dropout3d(ember.ones(2, 3, 4), 0.5)


def test_noise_is_drawn_in_the_input_dtype_without_float64_temporaries():
    ember.manual_seed(0)
    x = ember.ones(10, 10)
    y = DO.dropout(x, 0.3)
    assert y.dtype is ember.float32
    x = ember.ones(10, 10, requires_grad=True)
    y = DO.dropout(x, 0.3)
    assert y.grad_fn.noise.dtype is ember.float32
