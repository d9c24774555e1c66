"""Convolutions: parity with PyTorch (values and gradients, float32 and float64) and float64
gradcheck from one table, plus double backward, batch chunking, memory layouts and errors."""

import numpy as np
import pytest

import ember
from ember.ops import conv as C
from tests.helpers import OpCase, parametrize_cases, requires_torch, torch

# torch warns that its own 'same' padding with even kernels copies the input
pytestmark = pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel")


def F(m):
    """``torch.nn.functional`` for torch; ember's conv kernels for ember."""
    return torch.nn.functional if m is torch else C


def _case(name, fn, shapes, **kw):
    return OpCase(name, fn, shapes, **kw)


CASES = [
    # conv2d
    _case("conv2d", lambda m, x, w, b: F(m).conv2d(x, w, b), [(1, 2, 4, 4), (3, 2, 2, 2), (3,)]),
    _case("conv2d", lambda m, x, w: F(m).conv2d(x, w, stride=2, padding=1),
          [(1, 2, 5, 4), (2, 2, 3, 3)]),
    _case("conv2d", lambda m, x, w: F(m).conv2d(x, w, dilation=2), [(1, 1, 6, 6), (2, 1, 2, 2)]),
    _case("conv2d", lambda m, x, w, b: F(m).conv2d(x, w, b, groups=2),
          [(1, 4, 3, 3), (4, 2, 2, 2), (4,)]),
    _case("conv2d", lambda m, x, w, b: F(m).conv2d(x, w, b, groups=3),
          [(1, 3, 4, 3), (3, 1, 2, 2), (3,)], id="conv2d-depthwise"),
    _case("conv2d", lambda m, x, w: F(m).conv2d(x, w, padding="same"),
          [(1, 2, 4, 4), (2, 2, 3, 3)], id="conv2d-same-odd"),
    _case("conv2d", lambda m, x, w: F(m).conv2d(x, w, padding="same"),
          [(1, 1, 5, 5), (2, 1, 2, 4)], id="conv2d-same-even"),
    _case("conv2d", lambda m, x, w: F(m).conv2d(x, w, padding="same", dilation=(1, 2)),
          [(1, 1, 5, 6), (2, 1, 3, 2)], id="conv2d-same-dilated"),
    _case("conv2d", lambda m, x, w: F(m).conv2d(x, w, padding="valid"),
          [(1, 2, 4, 4), (2, 2, 2, 2)], id="conv2d-valid"),
    _case("conv2d", lambda m, x, w, b: F(m).conv2d(x, w, b, padding=1),
          [(2, 4, 4), (2, 2, 3, 3), (2,)], id="conv2d-unbatched"),
    _case("conv2d", lambda m, x, w: F(m).conv2d(x, w, stride=(2, 1), padding=(1, 0),
                                                dilation=(1, 2)),
          [(1, 2, 5, 4), (2, 2, 3, 2)], id="conv2d-asymmetric"),
    _case("conv2d", lambda m, x, w: F(m).conv2d(x, w), [(2, 4, 2, 2), (3, 4, 1, 1)],
          id="conv2d-1x1"),
    _case("conv2d", lambda m, x, w: F(m).conv2d(x, w), [(1, 2, 3, 3), (2, 2, 3, 3)],
          id="conv2d-kernel-covers-input"),
    _case("conv2d", lambda m, x, w: F(m).conv2d(x, w, padding=2), [(1, 1, 2, 2), (1, 1, 3, 3)],
          id="conv2d-all-padding"),
    _case("conv2d", lambda m, x, w: F(m).conv2d(x, w, stride=3), [(1, 1, 7, 5), (2, 1, 2, 2)],
          id="conv2d-stride-skips"),
    _case("conv2d", lambda m, x, w, b: F(m).conv2d(x, w, b, stride=2, padding=2),
          [(3, 5, 9, 8), (6, 5, 3, 3), (6,)], gradcheck=False, id="conv2d-big"),
    _case("conv2d", lambda m, x, w: F(m).conv2d(x, w, stride=(2, 3), padding=(2, 1),
                                                dilation=(2, 1), groups=3),
          [(2, 6, 11, 10), (9, 2, 3, 2)], gradcheck=False, id="conv2d-big-groups"),
    _case("conv2d", lambda m, x, w1, w2: F(m).conv2d(F(m).conv2d(x, w1, padding=1), w2,
                                                     stride=2),
          [(2, 3, 7, 7), (4, 3, 3, 3), (2, 4, 2, 2)], gradcheck=False,
          id="conv2d-chain-channels-last"),
    _case("conv2d", lambda m, x, w, b: F(m).conv2d(x, w, b), [(0, 2, 4, 4), (3, 2, 2, 2), (3,)],
          gradcheck=False, id="conv2d-empty-batch"),
    # conv1d
    _case("conv1d", lambda m, x, w, b: F(m).conv1d(x, w, b), [(2, 3, 6), (4, 3, 2), (4,)]),
    _case("conv1d", lambda m, x, w: F(m).conv1d(x, w, stride=2, padding=1, dilation=2),
          [(1, 3, 9), (2, 3, 3)]),
    _case("conv1d", lambda m, x, w: F(m).conv1d(x, w, groups=2), [(1, 4, 8), (4, 2, 3)]),
    _case("conv1d", lambda m, x, w: F(m).conv1d(x, w, padding="same"), [(2, 2, 7), (3, 2, 4)],
          id="conv1d-same-even"),
    _case("conv1d", lambda m, x, w: F(m).conv1d(x, w, padding="valid"), [(1, 2, 7), (3, 2, 4)],
          id="conv1d-valid"),
    _case("conv1d", lambda m, x, w, b: F(m).conv1d(x, w, b, padding=1), [(3, 8), (2, 3, 3), (2,)],
          id="conv1d-unbatched"),
    _case("conv1d", lambda m, x, w, b: F(m).conv1d(x, w, b, stride=3, padding=2, groups=2),
          [(3, 4, 17), (6, 2, 4), (6,)], gradcheck=False, id="conv1d-big"),
    # conv_transpose2d
    _case("conv_transpose2d", lambda m, x, w, b: F(m).conv_transpose2d(x, w, b),
          [(1, 2, 3, 3), (2, 3, 2, 2), (3,)]),
    _case("conv_transpose2d",
          lambda m, x, w: F(m).conv_transpose2d(x, w, stride=2, padding=1, output_padding=1),
          [(1, 2, 3, 3), (2, 2, 3, 3)]),
    _case("conv_transpose2d", lambda m, x, w, b: F(m).conv_transpose2d(x, w, b, groups=2),
          [(1, 4, 3, 3), (4, 1, 2, 2), (2,)]),
    _case("conv_transpose2d",
          lambda m, x, w: F(m).conv_transpose2d(x, w, dilation=2, output_padding=1),
          [(1, 2, 3, 3), (2, 1, 2, 2)], id="conv_transpose2d-output-padding-below-dilation"),
    _case("conv_transpose2d", lambda m, x, w: F(m).conv_transpose2d(x, w, stride=2),
          [(2, 3, 3), (2, 2, 2, 2)], id="conv_transpose2d-unbatched"),
    _case("conv_transpose2d",
          lambda m, x, w: F(m).conv_transpose2d(x, w, stride=(2, 1), padding=(0, 1),
                                                output_padding=(1, 0)),
          [(1, 2, 3, 4), (2, 2, 3, 2)], id="conv_transpose2d-asymmetric"),
    _case("conv_transpose2d",
          lambda m, x, w, b: F(m).conv_transpose2d(x, w, b, stride=3, padding=2,
                                                   output_padding=2, groups=2, dilation=2),
          [(2, 4, 5, 6), (4, 3, 3, 2), (6,)], gradcheck=False, id="conv_transpose2d-big"),
    # conv_transpose1d
    _case("conv_transpose1d", lambda m, x, w, b: F(m).conv_transpose1d(x, w, b),
          [(2, 3, 5), (3, 2, 3), (2,)]),
    _case("conv_transpose1d",
          lambda m, x, w: F(m).conv_transpose1d(x, w, stride=3, padding=1, output_padding=2),
          [(1, 2, 4), (2, 2, 3)]),
    _case("conv_transpose1d", lambda m, x, w: F(m).conv_transpose1d(x, w, groups=2, dilation=2),
          [(4, 5), (4, 1, 3)], id="conv_transpose1d-unbatched-groups"),
    # unfold / fold (im2col / col2im)
    _case("unfold", lambda m, x: F(m).unfold(x, 2), [(1, 2, 4, 4)]),
    _case("unfold", lambda m, x: F(m).unfold(x, (2, 3), dilation=(1, 2), padding=1,
                                             stride=(2, 1)), [(1, 2, 5, 4)]),
    _case("unfold", lambda m, x: F(m).unfold(x, 3, padding=1), [(2, 4, 4)],
          id="unfold-unbatched"),
    _case("unfold", lambda m, x: F(m).unfold(x, 2, stride=2), [(2, 3, 6, 5)], gradcheck=False,
          id="unfold-big"),
    _case("fold", lambda m, x: F(m).fold(x, 4, 2), [(1, 4, 9)]),
    _case("fold", lambda m, x: F(m).fold(x, (5, 4), (2, 2), dilation=(2, 1), padding=(1, 0),
                                         stride=(2, 1)), [(1, 4, 9)]),
    _case("fold", lambda m, x: F(m).fold(x, (2, 2), 2, padding=1), [(4, 9)],
          id="fold-unbatched"),
    _case("fold", lambda m, x: F(m).fold(x, (6, 7), (2, 3), padding=1, stride=2),
          [(2, 12, 16)], gradcheck=False, id="fold-big"),
]

test_parity, test_gradcheck = parametrize_cases(CASES)


# -- double backward -------------------------------------------------------------------------


def _double_backward(m, fn, arrays):
    ts = [m.tensor(a, requires_grad=True) for a in arrays]
    out = fn(m, *ts)
    grad = m.autograd.grad if m is ember else torch.autograd.grad
    gs = grad((out * out).sum(), ts, create_graph=True)
    s = sum((g * g).sum() for g in gs)
    return [out] + list(gs) + list(grad(s, ts))


@requires_torch
@pytest.mark.parametrize("fn, shapes", [
    (lambda m, x, w, b: F(m).conv2d(x, w, b, stride=2, padding=1, groups=2),
     [(2, 4, 5, 5), (4, 2, 3, 3), (4,)]),
    (lambda m, x, w: F(m).conv_transpose2d(x, w, stride=2, output_padding=1, dilation=1),
     [(1, 2, 3, 3), (2, 3, 2, 2)]),
    (lambda m, x, w: F(m).conv1d(x, w, padding="same"), [(2, 2, 6), (3, 2, 3)]),
    (lambda m, x: F(m).unfold(x, 2, padding=1), [(1, 2, 3, 3)]),
    (lambda m, x: F(m).fold(x, 3, 2), [(1, 8, 4)]),
])
def test_double_backward_matches_torch(fn, shapes):
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s) for s in shapes]
    ours = _double_backward(ember, fn, arrays)
    theirs = _double_backward(torch, fn, arrays)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-8,
                                   atol=1e-10)


def test_gradgradcheck_conv2d():
    rng = np.random.default_rng(1)
    x = ember.tensor(rng.standard_normal((1, 2, 3, 3)), requires_grad=True)
    w = ember.tensor(rng.standard_normal((2, 1, 2, 2)), requires_grad=True)
    assert ember.autograd.gradgradcheck(lambda a, b: C.conv2d(a, b, groups=2, padding=1),
                                        (x, w))


# -- batch chunks and memory layouts ---------------------------------------------------------


@requires_torch
@pytest.mark.parametrize("threads", [1, 3])
@pytest.mark.parametrize("chunk_bytes", [1, 700, 5000])
def test_batch_chunking_matches_torch(monkeypatch, chunk_bytes, threads):
    """Many images split into chunks (one image, a partial last chunk, ...), processed by
    one or several threads, give the same values and gradients as one pass."""
    monkeypatch.setattr(C, "CHUNK_BYTES", chunk_bytes)
    monkeypatch.setattr(C, "NUM_THREADS", threads)
    rng = np.random.default_rng(2)
    x = rng.standard_normal((7, 4, 6, 5)).astype(np.float32)
    w1 = rng.standard_normal((6, 2, 3, 2)).astype(np.float32)
    b1 = rng.standard_normal(6).astype(np.float32)
    w2 = rng.standard_normal((3, 6, 2, 2)).astype(np.float32)
    wt = rng.standard_normal((3, 2, 3, 3)).astype(np.float32)

    def net(m, x, w1, b1, w2, wt):
        y = F(m).conv2d(x, w1, b1, padding=1, groups=2)
        z = F(m).conv2d(y, w2, stride=2)  # reads channels-last y
        return F(m).conv_transpose2d(z, wt, stride=2, output_padding=1)

    ins = [x, w1, b1, w2, wt]
    e = [ember.tensor(a, requires_grad=True) for a in ins]
    t = [torch.tensor(a, requires_grad=True) for a in ins]
    eo, to = net(ember, *e), net(torch, *t)
    np.testing.assert_allclose(eo.detach().numpy(), to.detach().numpy(), rtol=1e-4, atol=1e-4)
    u = rng.standard_normal(tuple(to.shape)).astype(np.float32)
    ge = ember.autograd.grad(eo, e, ember.tensor(u))
    gt = torch.autograd.grad(to, t, torch.tensor(u))
    for a, b in zip(ge, gt):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-4, atol=1e-3)


def test_thread_count_setting(monkeypatch):
    monkeypatch.setattr(C, "NUM_THREADS", None)
    assert 1 <= C.get_num_threads() <= 4  # automatic
    C.set_num_threads(3)
    assert C.get_num_threads() == 3
    C.set_num_threads(None)
    assert C.NUM_THREADS is None


def test_errors_in_a_worker_thread_propagate(monkeypatch):
    monkeypatch.setattr(C, "CHUNK_BYTES", 1)
    monkeypatch.setattr(C, "NUM_THREADS", 2)

    def body(a, b, step):
        if a:
            raise ValueError("boom in part")
        return a

    with pytest.raises(ValueError, match="boom in part"):
        C.parallel_ranges(np, 4, 10, body)
    assert C.parallel_ranges(np, 4, 10, lambda a, b, step: (a, b)) == [(0, 2), (2, 4)]


@pytest.mark.parametrize("kwargs", [dict(padding=1), dict(padding=(2, 0), dilation=2),
                                    dict(stride=2, padding=1), dict(groups=2, padding="same")])
def test_uninitialised_buffers_never_reach_results(monkeypatch, kwargs):
    """Work buffers are np.empty (grad_input is zeroed chunk by chunk, the first kernel
    offset's block assigned): filling every fresh buffer with NaN must change nothing."""
    rng = np.random.default_rng(5)
    x = rng.standard_normal((5, 4, 7, 6))
    w = rng.standard_normal((6, 2 if kwargs.get("groups") else 4, 3, 3))
    u = None

    def grads():
        nonlocal u
        xt, wt = ember.tensor(x, requires_grad=True), ember.tensor(w, requires_grad=True)
        y = C.conv2d(xt, wt, **kwargs)
        if u is None:
            u = rng.standard_normal(tuple(y.shape))
        return [y.detach().numpy().copy()] + [g.numpy().copy() for g in
                                               ember.autograd.grad(y, [xt, wt], ember.tensor(u))]

    monkeypatch.setattr(C, "CHUNK_BYTES", 600)  # several chunks per call
    clean = grads()
    real_empty = np.empty

    def nan_empty(shape, dtype=float, *args, **kw):
        a = real_empty(shape, dtype, *args, **kw)
        if a.dtype.kind == "f":
            a.fill(np.nan)
        return a

    monkeypatch.setattr(C._local, "bufs", {}, raising=False)  # fresh scratch buffers
    monkeypatch.setattr(np, "empty", nan_empty)
    poisoned = grads()
    monkeypatch.undo()
    for a, b in zip(clean, poisoned):
        np.testing.assert_array_equal(a, b)


def test_output_is_channels_last_view_with_float32_kept():
    """The GEMM result (N·OH·OW, O) is returned as an NCHW view, without a transpose copy."""
    x = ember.randn(2, 3, 6, 6)
    w = ember.randn(4, 3, 3, 3)
    y = C.conv2d(x, w)
    assert y.dtype is ember.float32 and tuple(y.shape) == (2, 4, 4, 4)
    assert C.channels_last(y._data)
    assert y.flatten(1).shape == (2, 64)  # reshapes still work (they copy)


def test_bias_gradient_without_weight_gradient():
    x = ember.randn(3, 2, 5, 5)
    w = ember.randn(4, 2, 3, 3)
    b = ember.zeros(4, requires_grad=True)
    C.conv2d(x, w, b).sum().backward()
    np.testing.assert_allclose(b.grad.numpy(), np.full(4, 3 * 9.0), rtol=1e-6)


def test_integer_convolution_like_torch():
    x = ember.arange(2 * 1 * 4 * 4).reshape(2, 1, 4, 4)
    w = ember.ones(2, 1, 2, 2, dtype=ember.int64)
    y = C.conv2d(x, w, stride=2)
    assert y.dtype is ember.int64
    assert y[0, 0].tolist() == [[10, 18], [42, 50]]


def test_saved_input_modified_in_place_raises():
    x = ember.randn(1, 1, 4, 4, requires_grad=True)
    h = x * 1
    y = C.conv2d(h, ember.randn(1, 1, 2, 2, requires_grad=True))
    h.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


# -- errors ----------------------------------------------------------------------------------


def test_wrong_channel_count_names_in_channels_and_shape():
    msg = (r"conv2d\(\): expected input with 3 channels \(in_channels\) but got 1: input shape "
           r"\(8, 1, 28, 28\)")
    with pytest.raises(RuntimeError, match=msg):
        C.conv2d(ember.zeros(8, 1, 28, 28), ember.zeros(32, 3, 3, 3))


def test_wrong_rank_names_expected_layouts():
    with pytest.raises(RuntimeError, match=r"conv2d\(\).*4-D.*\(28, 28\)"):
        C.conv2d(ember.zeros(28, 28), ember.zeros(32, 1, 3, 3))
    with pytest.raises(RuntimeError, match=r"conv1d\(\).*3-D.*\(2, 3, 5, 5\)"):
        C.conv1d(ember.zeros(2, 3, 5, 5), ember.zeros(4, 3, 3))
    with pytest.raises(RuntimeError, match=r"conv2d\(\).*4-D weight.*\(32, 3, 3\)"):
        C.conv2d(ember.zeros(2, 3, 5, 5), ember.zeros(32, 3, 3))


@pytest.mark.parametrize("kwargs, match", [
    (dict(stride=0), "non-positive stride"),
    (dict(padding=-1), "negative padding"),
    (dict(padding="same", stride=2), "padding='same' is not supported for strided"),
    (dict(padding="full"), "Invalid padding string: 'full'"),
    (dict(groups=0), "non-positive groups"),
    (dict(stride=(1, 1, 1)), r"stride.*list of 2 values.*stride=\[1, 1, 1\]"),
    (dict(dilation=0), "non-positive dilation"),
])
def test_argument_errors(kwargs, match):
    with pytest.raises(RuntimeError, match=match):
        C.conv2d(ember.zeros(2, 4, 5, 5), ember.zeros(4, 4, 3, 3), **kwargs)


def test_shape_errors():
    with pytest.raises(RuntimeError, match=r"Kernel size can't be greater than actual input"):
        C.conv2d(ember.zeros(2, 3, 2, 2), ember.zeros(4, 3, 3, 3))
    with pytest.raises(RuntimeError, match=r"divisible by 3 at dimension 0.*\(32, 1, 3, 3\)"):
        C.conv2d(ember.zeros(2, 3, 5, 5), ember.zeros(32, 1, 3, 3), groups=3)
    with pytest.raises(RuntimeError, match=r"bias to be 1-D with 4 elements.*\(5,\)"):
        C.conv2d(ember.zeros(2, 3, 5, 5), ember.zeros(4, 3, 3, 3), ember.zeros(5))
    with pytest.raises(RuntimeError, match=r"input is ember.float64 but weight is ember.float32"):
        C.conv2d(ember.zeros(2, 3, 5, 5, dtype=ember.float64), ember.zeros(4, 3, 3, 3))
    with pytest.raises(TypeError, match=r"argument 'weight' must be a Tensor"):
        C.conv2d(ember.zeros(2, 3, 5, 5), np.zeros((4, 3, 3, 3)))


def test_conv_transpose_errors():
    x = ember.zeros(2, 3, 5, 5)
    with pytest.raises(RuntimeError, match=r"output padding must be smaller than either stride "
                                           r"or dilation"):
        C.conv_transpose2d(x, ember.zeros(3, 4, 3, 3), stride=2, output_padding=2)
    with pytest.raises(RuntimeError, match=r"expected input with 4 channels.*got 3"):
        C.conv_transpose2d(x, ember.zeros(4, 4, 3, 3))
    with pytest.raises(TypeError, match=r"'padding' must be an int or a tuple of ints"):
        C.conv_transpose2d(x, ember.zeros(3, 4, 3, 3), padding="same")
    with pytest.raises(RuntimeError, match=r"output size per channel \(-1 x -1\) is too small"):
        C.conv_transpose2d(ember.zeros(1, 3, 1, 1), ember.zeros(3, 4, 3, 3), padding=2)


def test_fold_unfold_errors():
    with pytest.raises(RuntimeError, match=r"unfold\(\).*\(2, 3\)"):
        C.unfold(ember.zeros(2, 3), 2)
    with pytest.raises(RuntimeError, match=r"sliding blocks has shape \(0, 0\)"):
        C.unfold(ember.zeros(1, 1, 2, 2), 3)
    with pytest.raises(RuntimeError, match=r"divisible by the product of kernel_size.*=5"):
        C.fold(ember.zeros(1, 5, 9), 4, 2)
    with pytest.raises(RuntimeError, match=r"sliding blocks 3 \* 3 = 9, but got input.size\(2\)=8"):
        C.fold(ember.zeros(1, 4, 8), 4, 2)
