"""Pooling and resampling: parity with PyTorch (values, indices and gradients, float32 and
float64) and float64 gradcheck from one table, plus ties, NaN, chunking, layouts and errors."""

import numpy as np
import pytest

import ember
from ember.ops import conv as C
from ember.ops import pooling as P
from tests.helpers import OpCase, parametrize_cases, requires_torch, torch

# torch warns that F.upsample* are deprecated (ember keeps them as quiet aliases)
pytestmark = pytest.mark.filterwarnings("ignore:`nn.functional.upsample")


def F(m):
    """``torch.nn.functional`` for torch; ember's pooling kernels for ember."""
    return torch.nn.functional if m is torch else P


def _distinct(a):
    """Values without ties (a scaled permutation), so max pooling is differentiable."""
    ranks = np.argsort(np.argsort(a.ravel())).reshape(a.shape)
    return ranks * (4.0 / max(a.size, 1)) - 2.0


def _max(name, fn, shapes, **kw):
    return OpCase(name, fn, shapes, domain=_distinct, **kw)


CASES = [
    # max_pool2d
    _max("max_pool2d", lambda m, x: F(m).max_pool2d(x, 2), [(1, 2, 4, 4)]),
    _max("max_pool2d", lambda m, x: F(m).max_pool2d(x, 3, 2, 1), [(1, 2, 5, 4)]),
    _max("max_pool2d", lambda m, x: F(m).max_pool2d(x, 2, stride=1), [(1, 2, 4, 4)],
         id="max_pool2d-overlapping"),
    _max("max_pool2d", lambda m, x: F(m).max_pool2d(x, (2, 3), (1, 2), dilation=(2, 1)),
         [(1, 1, 6, 6)], id="max_pool2d-dilated"),
    _max("max_pool2d", lambda m, x: F(m).max_pool2d(x, 2, ceil_mode=True), [(1, 2, 5, 3)],
         id="max_pool2d-ceil"),
    _max("max_pool2d", lambda m, x: F(m).max_pool2d(x, 3, 2, 1, ceil_mode=True),
         [(1, 1, 6, 6)], id="max_pool2d-ceil-padded"),
    _max("max_pool2d", lambda m, x: F(m).max_pool2d(x, (4, 5), (2, 1), 2), [(1, 1, 5, 6)],
         id="max_pool2d-padding-2"),
    _max("max_pool2d", lambda m, x: F(m).max_pool2d(x, 2, 2, 1, ceil_mode=True),
         [(1, 1, 5, 5)], id="max_pool2d-ceil-window-in-padding-dropped"),
    _max("max_pool2d", lambda m, x: F(m).max_pool2d(x, 3, 2, 1, dilation=2, ceil_mode=True),
         [(1, 1, 6, 6)], id="max_pool2d-ceil-dilated"),
    _max("max_pool2d", lambda m, x: F(m).max_pool2d(x, 2), [(2, 4, 5)],
         id="max_pool2d-unbatched"),
    _max("max_pool2d", lambda m, x: F(m).max_pool2d(x, 2, return_indices=True),
         [(1, 2, 4, 5)], id="max_pool2d-indices"),
    _max("max_pool2d", lambda m, x: F(m).max_pool2d(x, 3, 2, 1, ceil_mode=True,
                                                    return_indices=True),
         [(1, 1, 6, 5)], id="max_pool2d-indices-padded"),
    _max("max_pool2d", lambda m, x: F(m).max_pool2d(x, (3, 2), (2, 1), (1, 0), (1, 2), True,
                                                    True),
         [(3, 4, 11, 10)], gradcheck=False, id="max_pool2d-big"),
    # max_pool1d
    _max("max_pool1d", lambda m, x: F(m).max_pool1d(x, 2), [(2, 3, 6)]),
    _max("max_pool1d", lambda m, x: F(m).max_pool1d(x, 3, 2, 1, 2, True), [(1, 2, 9)]),
    _max("max_pool1d", lambda m, x: F(m).max_pool1d(x, 3, return_indices=True), [(3, 7)],
         id="max_pool1d-unbatched-indices"),
    # avg_pool2d
    OpCase("avg_pool2d", lambda m, x: F(m).avg_pool2d(x, 2), [(1, 2, 4, 4)]),
    OpCase("avg_pool2d", lambda m, x: F(m).avg_pool2d(x, 3, 2, 1), [(1, 2, 5, 4)]),
    OpCase("avg_pool2d", lambda m, x: F(m).avg_pool2d(x, 3, 2, 1, count_include_pad=False),
           [(1, 2, 5, 4)], id="avg_pool2d-exclude-pad"),
    OpCase("avg_pool2d", lambda m, x: F(m).avg_pool2d(x, 2, ceil_mode=True), [(1, 2, 5, 3)],
           id="avg_pool2d-ceil"),
    OpCase("avg_pool2d", lambda m, x: F(m).avg_pool2d(x, 3, 2, 1, True, False),
           [(1, 1, 6, 6)], id="avg_pool2d-ceil-exclude-pad"),
    OpCase("avg_pool2d", lambda m, x: F(m).avg_pool2d(x, 3, 2, 1, True, True),
           [(1, 1, 6, 6)], id="avg_pool2d-ceil-include-pad"),
    OpCase("avg_pool2d", lambda m, x: F(m).avg_pool2d(x, (4, 5), (3, 1), 2, True, False),
           [(1, 1, 5, 6)], id="avg_pool2d-padding-2"),
    OpCase("avg_pool2d", lambda m, x: F(m).avg_pool2d(x, 2, 2, 1, True, True),
           [(1, 1, 5, 5)], id="avg_pool2d-ceil-window-in-padding-dropped"),
    OpCase("avg_pool2d", lambda m, x: F(m).avg_pool2d(x, (2, 3), 1, divisor_override=5),
           [(1, 2, 4, 4)], id="avg_pool2d-divisor"),
    OpCase("avg_pool2d", lambda m, x: F(m).avg_pool2d(x, 2, 1), [(2, 4, 5)],
           id="avg_pool2d-unbatched-overlapping"),
    OpCase("avg_pool2d", lambda m, x: F(m).avg_pool2d(x, (3, 2), (2, 1), (1, 1), True, False),
           [(3, 4, 11, 10)], gradcheck=False, id="avg_pool2d-big"),
    # avg_pool1d
    OpCase("avg_pool1d", lambda m, x: F(m).avg_pool1d(x, 2), [(2, 3, 6)]),
    OpCase("avg_pool1d", lambda m, x: F(m).avg_pool1d(x, 3, 2, 1, True, False), [(1, 2, 9)]),
    OpCase("avg_pool1d", lambda m, x: F(m).avg_pool1d(x, 3, 1, 1), [(3, 7)],
           id="avg_pool1d-unbatched"),
    # adaptive pooling
    OpCase("adaptive_avg_pool2d", lambda m, x: F(m).adaptive_avg_pool2d(x, (2, 3)),
           [(1, 2, 5, 4)]),
    OpCase("adaptive_avg_pool2d", lambda m, x: F(m).adaptive_avg_pool2d(x, 1), [(2, 2, 3, 3)]),
    OpCase("adaptive_avg_pool2d", lambda m, x: F(m).adaptive_avg_pool2d(x, (None, 2)),
           [(1, 2, 3, 5)]),
    OpCase("adaptive_avg_pool2d", lambda m, x: F(m).adaptive_avg_pool2d(x, (5, 4)),
           [(2, 3, 3)], id="adaptive_avg_pool2d-upsampling-unbatched"),
    OpCase("adaptive_avg_pool2d", lambda m, x: F(m).adaptive_avg_pool2d(x, 2), [(1, 2, 4, 4)],
           id="adaptive_avg_pool2d-divisible"),
    OpCase("adaptive_avg_pool1d", lambda m, x: F(m).adaptive_avg_pool1d(x, 3), [(2, 3, 7)]),
    OpCase("adaptive_avg_pool1d", lambda m, x: F(m).adaptive_avg_pool1d(x, 4), [(3, 8)]),
    _max("adaptive_max_pool2d", lambda m, x: F(m).adaptive_max_pool2d(x, (2, 3), True),
         [(1, 2, 5, 4)]),
    _max("adaptive_max_pool2d", lambda m, x: F(m).adaptive_max_pool2d(x, 2), [(1, 2, 4, 4)],
         id="adaptive_max_pool2d-divisible"),
    _max("adaptive_max_pool2d", lambda m, x: F(m).adaptive_max_pool2d(x, (4, 3), True),
         [(2, 3, 2)], id="adaptive_max_pool2d-upsampling-unbatched"),
    _max("adaptive_max_pool1d", lambda m, x: F(m).adaptive_max_pool1d(x, 3, True), [(2, 3, 7)]),
    _max("adaptive_max_pool1d", lambda m, x: F(m).adaptive_max_pool1d(x, 2), [(3, 8)]),
    # unpooling (gradients flow through max_pool's values and max_unpool's scatter)
    _max("max_unpool2d", lambda m, x: F(m).max_unpool2d(
        *F(m).max_pool2d(x, 2, return_indices=True), 2), [(1, 2, 4, 4)]),
    _max("max_unpool2d", lambda m, x: F(m).max_unpool2d(
        *F(m).max_pool2d(x, 3, 2, 1, return_indices=True), 3, 2, 1, output_size=(5, 4)),
        [(1, 2, 5, 4)], gradcheck=False,  # overlapping windows can pick one element twice:
        id="max_unpool2d-output-size"),    # both copies get its gradient, like PyTorch
    _max("max_unpool1d", lambda m, x: F(m).max_unpool1d(
        *F(m).max_pool1d(x, 2, return_indices=True), 2), [(2, 3, 6)]),
    # power pooling (positive inputs: fractional powers)
    OpCase("lp_pool2d", lambda m, x: F(m).lp_pool2d(x, 2, 2), [(1, 2, 4, 4)], low=0.2),
    OpCase("lp_pool2d", lambda m, x: F(m).lp_pool2d(x, 3, (2, 3), 1), [(1, 1, 4, 5)], low=0.2),
    OpCase("lp_pool1d", lambda m, x: F(m).lp_pool1d(x, 2, 3, 2), [(2, 2, 7)], low=0.2),
    # interpolate
    OpCase("interpolate", lambda m, x: F(m).interpolate(x, size=(5, 7)), [(1, 2, 3, 4)]),
    OpCase("interpolate", lambda m, x: F(m).interpolate(x, scale_factor=2), [(1, 2, 3, 3)]),
    OpCase("interpolate", lambda m, x: F(m).interpolate(x, scale_factor=(0.5, 1.5)),
           [(1, 2, 4, 3)]),
    OpCase("interpolate", lambda m, x: F(m).interpolate(x, scale_factor=(0.6, 1.3)),
           [(1, 2, 4, 3)], id="interpolate-nearest-source-by-1/scale"),  # not in/out
    OpCase("interpolate", lambda m, x: F(m).interpolate(x, scale_factor=(0.6, 1.3),
                                                        recompute_scale_factor=True),
           [(1, 2, 4, 3)], id="interpolate-nearest-recomputed-scale"),
    OpCase("interpolate", lambda m, x: F(m).interpolate(x, size=(3, 5), mode="nearest-exact"),
           [(1, 2, 4, 3)]),
    OpCase("interpolate", lambda m, x: F(m).interpolate(x, size=(5, 4), mode="bilinear"),
           [(1, 2, 3, 4)]),
    OpCase("interpolate", lambda m, x: F(m).interpolate(x, scale_factor=1.7, mode="bilinear",
                                                        align_corners=True), [(1, 2, 3, 4)]),
    OpCase("interpolate", lambda m, x: F(m).interpolate(x, scale_factor=(0.6, 2.5),
                                                        mode="bilinear"), [(1, 2, 4, 3)]),
    OpCase("interpolate", lambda m, x: F(m).interpolate(
        x, scale_factor=1.5, mode="bilinear", recompute_scale_factor=True), [(1, 2, 3, 3)]),
    OpCase("interpolate", lambda m, x: F(m).interpolate(x, size=7, mode="linear"),
           [(2, 3, 5)]),
    OpCase("interpolate", lambda m, x: F(m).interpolate(x, scale_factor=0.6, mode="linear",
                                                        align_corners=True), [(2, 3, 6)]),
    OpCase("interpolate", lambda m, x: F(m).interpolate(x, size=3), [(2, 3, 5)],
           id="interpolate-1d-nearest"),
    OpCase("interpolate", lambda m, x: F(m).interpolate(x, size=(2, 3), mode="area"),
           [(1, 2, 5, 4)]),
    OpCase("interpolate", lambda m, x: F(m).interpolate(x, size=(1, 1), mode="bilinear"),
           [(1, 2, 3, 4)], id="interpolate-bilinear-to-1x1"),
    OpCase("upsample_nearest", lambda m, x: F(m).upsample_nearest(x, scale_factor=2),
           [(1, 2, 2, 3)]),
    OpCase("upsample_bilinear", lambda m, x: F(m).upsample_bilinear(x, size=(3, 4)),
           [(1, 2, 2, 3)]),
    OpCase("upsample", lambda m, x: F(m).upsample(x, size=(3, 4), mode="bilinear"),
           [(1, 2, 2, 3)]),
    # pixel shuffle
    OpCase("pixel_shuffle", lambda m, x: F(m).pixel_shuffle(x, 2), [(1, 8, 2, 2)]),
    OpCase("pixel_shuffle", lambda m, x: F(m).pixel_shuffle(x, 3), [(9, 1, 2)]),
    OpCase("pixel_shuffle", lambda m, x: F(m).pixel_shuffle(x, 2), [(2, 1, 4, 1, 2)],
           id="pixel_shuffle-5d"),
    OpCase("pixel_unshuffle", lambda m, x: F(m).pixel_unshuffle(x, 2), [(1, 2, 4, 4)]),
    OpCase("pixel_unshuffle", lambda m, x: F(m).pixel_unshuffle(x, 3), [(1, 3, 6)]),
]

test_parity, test_gradcheck = parametrize_cases(CASES)


# -- ties: the gradient goes to the first maximum in window order ------------------------------


def _relu_ints(shape, seed):
    rng = np.random.default_rng(seed)
    return np.maximum(rng.integers(-3, 3, size=shape), 0)  # mostly zeros and small repeats


TIE_CALLS = [
    lambda m, x: F(m).max_pool2d(x, 2, return_indices=True),
    lambda m, x: F(m).max_pool2d(x, 3, 2, 1, return_indices=True),
    lambda m, x: F(m).max_pool2d(x, 2, 1, return_indices=True),
    lambda m, x: F(m).max_pool2d(x, (2, 3), (2, 1), (1, 0), (1, 2), True, True),
    lambda m, x: F(m).max_pool1d(x.flatten(2), 3, 2, 1, return_indices=True),
    lambda m, x: F(m).adaptive_max_pool2d(x, (3, 4), True),
    lambda m, x: F(m).adaptive_max_pool2d(x, 2, True),
]


@requires_torch
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("k", range(len(TIE_CALLS)))
def test_max_pool_ties_match_torch(k, dtype):
    """After ReLU many window values are equal: values, indices and the gradient routing (to
    ONE element per window) must all be PyTorch's."""
    call = TIE_CALLS[k]
    x = _relu_ints((2, 3, 8, 7), k).astype(dtype)
    ex = ember.tensor(x, requires_grad=True)
    tx = torch.tensor(x, requires_grad=True)
    (ey, ei), (ty, ti) = call(ember, ex), call(torch, tx)
    np.testing.assert_array_equal(ey.detach().numpy(), ty.detach().numpy())
    np.testing.assert_array_equal(ei.numpy(), ti.numpy())
    u = np.random.default_rng(9).standard_normal(tuple(ty.shape)).astype(dtype)
    (ge,) = ember.autograd.grad(ey, [ex], ember.tensor(u))
    (gt,) = torch.autograd.grad(ty, [tx], torch.tensor(u))
    # exact routing; overlapping windows may sum one element's shares in another order
    np.testing.assert_allclose(ge.numpy(), gt.numpy(), rtol=1e-6, atol=1e-6)


@requires_torch
def test_max_pool_after_relu_of_conv_matches_torch():
    """The W2 pattern: conv (channels-last output) -> relu (zeros tie) -> pool -> conv."""
    rng = np.random.default_rng(4)
    x = rng.standard_normal((3, 1, 12, 12)).astype(np.float32)
    w1 = rng.standard_normal((4, 1, 3, 3)).astype(np.float32)
    w2 = rng.standard_normal((5, 4, 3, 3)).astype(np.float32)

    def net(m, x, w1, w2):
        h = F(m).max_pool2d(m.relu(C.conv2d(x, w1) if m is ember else
                                   torch.nn.functional.conv2d(x, w1)), 2)
        h = C.conv2d(h, w2) if m is ember else torch.nn.functional.conv2d(h, w2)
        return F(m).max_pool2d(m.relu(h), 2)

    e = [ember.tensor(a, requires_grad=True) for a in (x, w1, w2)]
    t = [torch.tensor(a, requires_grad=True) for a in (x, w1, w2)]
    eo, to = net(ember, *e), net(torch, *t)
    np.testing.assert_allclose(eo.detach().numpy(), to.detach().numpy(), rtol=1e-5, atol=1e-5)
    u = rng.standard_normal(tuple(to.shape)).astype(np.float32)
    for a, b in zip(ember.autograd.grad(eo, e, ember.tensor(u)),
                    torch.autograd.grad(to, t, torch.tensor(u))):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-4, atol=1e-4)


# -- NaN and non-finite gradients --------------------------------------------------------------


@requires_torch
@pytest.mark.parametrize("call", [
    lambda m, x: F(m).max_pool2d(x, 2, return_indices=True),
    lambda m, x: F(m).max_pool2d(x, 3, 1, 1, return_indices=True),
    lambda m, x: F(m).adaptive_max_pool2d(x, 3, return_indices=True),
])
def test_nan_maximum_like_torch(call):
    """A NaN wins its window; its index is the LAST NaN in window order, as in PyTorch."""
    x = np.arange(36.0).reshape(1, 1, 6, 6) % 7
    x[0, 0, 0, 1] = x[0, 0, 1, 0] = x[0, 0, 4, 4] = np.nan
    ex, tx = ember.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    (ey, ei), (ty, ti) = call(ember, ex), call(torch, tx)
    np.testing.assert_array_equal(ey.detach().numpy(), ty.detach().numpy())
    np.testing.assert_array_equal(ei.numpy(), ti.numpy())
    ey.sum().backward()
    ty.sum().backward()
    np.testing.assert_array_equal(ex.grad.numpy(), tx.grad.numpy())


@requires_torch
def test_infinite_gradient_reaches_only_the_maximum():
    x = np.array([[[[1.0, 3.0], [2.0, 0.0]]]])
    ex, tx = ember.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    g = np.array([[[[np.inf]]]])
    (ge,) = ember.autograd.grad(P.max_pool2d(ex, 2), [ex], ember.tensor(g))
    (gt,) = torch.autograd.grad(torch.nn.functional.max_pool2d(tx, 2), [tx], torch.tensor(g))
    np.testing.assert_array_equal(ge.numpy(), gt.numpy())


@requires_torch
@pytest.mark.parametrize("layout", ["nchw", "channels_last"])
@pytest.mark.parametrize("args", [(2,), (2, 1), ((2, 3), (2, 1), 0, (1, 2)), (3, 2)])
def test_max_pool_gradient_goes_to_first_maximum_like_torch(args, layout):
    """Each window's gradient goes to its first maximum in row-major order, on ties (zeros
    after ReLU), on windows of -inf, for tiling, disjoint and overlapping windows."""
    x = _relu_ints((3, 4, 8, 9), 5).astype(np.float32)
    x[0, 0, :4, :4] = -np.inf  # whole windows of -inf: PyTorch routes to the first element
    if layout == "channels_last":
        x = np.ascontiguousarray(x.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)
    ex, tx = ember.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ey, ty = P.max_pool2d(ex, *args), torch.nn.functional.max_pool2d(tx, *args)
    np.testing.assert_array_equal(ey.detach().numpy(), ty.detach().numpy())
    u = np.random.default_rng(2).standard_normal(tuple(ty.shape)).astype(np.float32)
    (ge,) = ember.autograd.grad(ey, [ex], ember.tensor(u))
    (gt,) = torch.autograd.grad(ty, [tx], torch.tensor(u))
    np.testing.assert_allclose(ge.numpy(), gt.numpy(), rtol=1e-6, atol=1e-6)


# -- double backward ---------------------------------------------------------------------------


def _double_backward(m, fn, arrays):
    ts = [m.tensor(a, requires_grad=True) for a in arrays]
    out = fn(m, *ts)
    grad = m.autograd.grad if m is ember else torch.autograd.grad
    gs = grad((out * out * out).sum(), ts, create_graph=True)
    s = sum((g * g).sum() for g in gs)
    return [out] + list(gs) + list(grad(s, ts))


@requires_torch
@pytest.mark.parametrize("fn", [
    lambda m, x: F(m).max_pool2d(x, 3, 2, 1),
    lambda m, x: F(m).avg_pool2d(x, 3, 2, 1, count_include_pad=False),
    lambda m, x: F(m).adaptive_avg_pool2d(x, (2, 3)),
    lambda m, x: F(m).adaptive_max_pool2d(x, (2, 3)),
    lambda m, x: F(m).interpolate(x, scale_factor=1.5, mode="bilinear"),
])
def test_double_backward_matches_torch(fn):
    x = _distinct(np.random.default_rng(5).standard_normal((1, 2, 5, 4)))
    for a, b in zip(_double_backward(ember, fn, [x]), _double_backward(torch, fn, [x])):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-8,
                                   atol=1e-10)


# -- batch chunks, layouts, dtypes -------------------------------------------------------------


@requires_torch
@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("chunk_bytes", [1, 300, 5000])
@pytest.mark.parametrize("call", [
    lambda m, x: F(m).max_pool2d(x, 2),
    lambda m, x: F(m).max_pool2d(x, 3, 2, 1, ceil_mode=True),
    lambda m, x: F(m).avg_pool2d(x, 2),
    lambda m, x: F(m).avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False),
])
def test_batch_chunking_matches_torch(monkeypatch, chunk_bytes, call, threads):
    monkeypatch.setattr(C, "CHUNK_BYTES", chunk_bytes)
    monkeypatch.setattr(C, "NUM_THREADS", threads)
    x = _relu_ints((7, 3, 9, 8), 3).astype(np.float32)
    x = np.ascontiguousarray(x.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)  # channels-last
    ex, tx = ember.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ey, ty = call(ember, ex), call(torch, tx)
    np.testing.assert_allclose(ey.detach().numpy(), ty.detach().numpy(), rtol=1e-6)
    u = np.random.default_rng(1).standard_normal(tuple(ty.shape)).astype(np.float32)
    (ge,) = ember.autograd.grad(ey, [ex], ember.tensor(u))
    (gt,) = torch.autograd.grad(ty, [tx], torch.tensor(u))
    np.testing.assert_allclose(ge.numpy(), gt.numpy(), rtol=1e-6, atol=1e-6)


def test_pooling_keeps_layout_and_dtype():
    x = C.conv2d(ember.randn(2, 1, 9, 9), ember.randn(8, 1, 2, 2))  # channels-last memory
    y = P.max_pool2d(x, 2)
    assert y.dtype is ember.float32 and C.channels_last(y._data)
    assert P.avg_pool2d(x, 2).dtype is ember.float32


@requires_torch
def test_integer_pooling_like_torch():
    x = np.arange(2 * 1 * 5 * 5).reshape(2, 1, 5, 5) - 20
    for call in (lambda m, x: F(m).max_pool2d(x, 2, 1, 1),
                 lambda m, x: F(m).avg_pool2d(x, 2, ceil_mode=True),
                 lambda m, x: F(m).avg_pool2d(x, 3, 2, 1),
                 lambda m, x: F(m).avg_pool1d(x.flatten(2), 3, 2)):
        e, t = call(ember, ember.tensor(x)), call(torch, torch.tensor(x))
        assert e.dtype is ember.int64
        np.testing.assert_array_equal(e.numpy(), t.numpy())


@requires_torch
def test_output_modified_in_place_keeps_gradient_like_torch():
    """PyTorch routes through saved indices, so ReLU(inplace=True) after max pooling works."""
    x = np.arange(16.0).reshape(1, 1, 4, 4) % 5 - 2
    grads = []
    for m in (ember, torch):
        t = m.tensor(x, requires_grad=True)
        y = F(m).max_pool2d(t * 1, 2)
        y.relu_()
        y.sum().backward()
        grads.append(t.grad.numpy())
    np.testing.assert_array_equal(grads[0], grads[1])


def test_saved_input_modified_in_place_raises():
    x = ember.randn(1, 1, 4, 4, requires_grad=True)
    h = x * 1
    y = P.max_pool2d(h, 2)
    h.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


# -- errors ------------------------------------------------------------------------------------


@pytest.mark.parametrize("call, exc, match", [
    (lambda: P.max_pool2d(ember.zeros(2, 3, 5, 5), 3, padding=2), RuntimeError,
     r"pad should be at most half of effective kernel size.*padding=\(2, 2\)"),
    (lambda: P.max_pool2d(ember.zeros(2, 3, 5, 5), 6), RuntimeError,
     r"given input size: \(3x5x5\). Calculated output size: \(3x0x0\)"),
    (lambda: P.max_pool2d(ember.zeros(5, 5), 2), RuntimeError,
     r"max_pool2d\(\): expected a 3-D \(C, H, W\) or 4-D.*\(5, 5\)"),
    (lambda: P.max_pool2d(ember.zeros(2, 3, 0, 5), 2), RuntimeError, r"non-empty.*\(2, 3, 0, 5\)"),
    (lambda: P.max_pool2d(ember.zeros(2, 3, 5, 5), 0), RuntimeError, "greater than zero"),
    (lambda: P.max_pool2d(ember.zeros(2, 3, 5, 5), 2, dilation=0), RuntimeError, "dilation"),
    (lambda: P.max_pool2d(ember.zeros(2, 3, 5, 5), (2, 2, 2)), RuntimeError,
     r"kernel_size.*list of 2 values"),
    (lambda: P.avg_pool2d(ember.zeros(2, 3, 5, 5), 2, divisor_override=0), RuntimeError,
     "divisor must be not zero"),
    (lambda: P.avg_pool1d(ember.zeros(5), 2), RuntimeError, r"avg_pool1d\(\).*\(5,\)"),
    (lambda: P.adaptive_avg_pool2d(ember.zeros(1, 4, 4, dtype=ember.int64), 2), RuntimeError,
     "not implemented for ember.int64"),
    (lambda: P.interpolate(ember.zeros(1, 1, 4, 4), size=2, scale_factor=2), ValueError,
     "only one of size or scale_factor"),
    (lambda: P.interpolate(ember.zeros(1, 1, 4, 4)), ValueError,
     "either size or scale_factor"),
    (lambda: P.interpolate(ember.zeros(1, 1, 4, 4), size=2, align_corners=True), ValueError,
     "align_corners option can only be set"),
    (lambda: P.interpolate(ember.zeros(1, 1, 4), size=2, mode="bilinear"), NotImplementedError,
     "bilinear.*4-D"),
    (lambda: P.pixel_shuffle(ember.zeros(1, 5, 2, 2), 2), RuntimeError,
     r"input.size\(-3\)=5 is not divisible by 4"),
    (lambda: P.pixel_unshuffle(ember.zeros(1, 1, 3, 4), 2), RuntimeError,
     r"divisible by downscale_factor=2.*\(1, 1, 3, 4\)"),
    (lambda: P.max_unpool2d(ember.zeros(1, 1, 2, 2), ember.full((1, 1, 2, 2), 16,
                                                                 dtype=ember.int64), 2),
     RuntimeError, "invalid max index 16"),
])
def test_errors(call, exc, match):
    with pytest.raises(exc, match=match):
        call()
