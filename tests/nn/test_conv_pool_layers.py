"""Convolution, pooling and resampling layers: shapes, parameters, PyTorch's initialisation,
reprs and padding modes (against torch with the same weights), errors, and the W2 CNN."""

import math

import numpy as np
import pytest

import ember
from ember.nn.modules import conv as conv_layers
from ember.nn.modules import pooling as pool_layers
from tests.helpers import requires_torch, torch

# torch warns that its own 'same' padding with even kernels copies the input
pytestmark = pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel")

L = {**{n: getattr(conv_layers, n) for n in dir(conv_layers) if n[0].isupper()},
     **{n: getattr(pool_layers, n) for n in dir(pool_layers) if n[0].isupper()}}


def layer(lib, name):
    """The layer class ``name`` of torch.nn or of ember."""
    return getattr(torch.nn, name) if lib is torch else L[name]


def copy_params(src, dst):
    """Load torch module ``src``'s parameters into ember module ``dst``."""
    dst.load_state_dict({k: ember.tensor(v.detach().numpy()) for k, v in
                         src.state_dict().items()})


# -- shapes and parameters -------------------------------------------------------------------


@pytest.mark.parametrize("name, args, kwargs, x_shape, y_shape", [
    ("Conv2d", (1, 32, 3), {}, (8, 1, 28, 28), (8, 32, 26, 26)),
    ("Conv2d", (3, 8, (3, 5)), dict(stride=2, padding=1), (2, 3, 9, 9), (2, 8, 5, 4)),
    ("Conv2d", (4, 6, 3), dict(padding="same", groups=2, dilation=2), (4, 7, 7), (6, 7, 7)),
    ("Conv1d", (2, 4, 3), {}, (8, 2, 10), (8, 4, 8)),
    ("Conv1d", (2, 4, 4), dict(padding="same", padding_mode="circular"), (2, 9), (4, 9)),
    ("ConvTranspose2d", (8, 4, 2), dict(stride=2), (1, 8, 7, 7), (1, 4, 14, 14)),
    ("ConvTranspose2d", (4, 6, 3), dict(stride=2, padding=1, output_padding=1, groups=2),
     (2, 4, 5, 5), (2, 6, 10, 10)),
    ("ConvTranspose1d", (4, 2, 3), dict(stride=2), (1, 4, 5), (1, 2, 11)),
    ("MaxPool2d", (2,), {}, (8, 32, 26, 26), (8, 32, 13, 13)),
    ("MaxPool2d", (3, 2, 1), dict(ceil_mode=True), (1, 2, 10, 9), (1, 2, 6, 5)),
    ("MaxPool1d", (2,), {}, (1, 3, 9), (1, 3, 4)),
    ("AvgPool2d", (3,), dict(stride=2, padding=1), (1, 2, 8, 8), (1, 2, 4, 4)),
    ("AvgPool1d", (2,), {}, (3, 9), (3, 4)),
    ("AdaptiveAvgPool2d", ((1, 1),), {}, (2, 8, 7, 5), (2, 8, 1, 1)),
    ("AdaptiveAvgPool2d", ((None, 3),), {}, (2, 8, 7, 5), (2, 8, 7, 3)),
    ("AdaptiveAvgPool1d", (3,), {}, (2, 4, 10), (2, 4, 3)),
    ("AdaptiveMaxPool2d", (7,), {}, (1, 2, 15, 9), (1, 2, 7, 7)),
    ("AdaptiveMaxPool1d", (4,), {}, (1, 2, 9), (1, 2, 4)),
    ("LPPool2d", (2, 3), {}, (1, 1, 6, 6), (1, 1, 2, 2)),
    ("LPPool1d", (2, 3), dict(stride=1), (1, 1, 6), (1, 1, 4)),
    ("Unfold", (2,), {}, (1, 3, 4, 4), (1, 12, 9)),
    ("Fold", (4, 2), {}, (1, 12, 9), (1, 3, 4, 4)),
    ("Upsample", (), dict(scale_factor=2), (1, 1, 3, 4), (1, 1, 6, 8)),
    ("Upsample", (), dict(size=(5, 7), mode="bilinear"), (1, 1, 3, 4), (1, 1, 5, 7)),
    ("UpsamplingNearest2d", (), dict(scale_factor=3), (1, 2, 2, 2), (1, 2, 6, 6)),
    ("UpsamplingBilinear2d", (), dict(size=5), (1, 2, 2, 2), (1, 2, 5, 5)),
    ("PixelShuffle", (2,), {}, (1, 8, 3, 3), (1, 2, 6, 6)),
    ("PixelUnshuffle", (2,), {}, (1, 2, 6, 6), (1, 8, 3, 3)),
])
def test_output_shapes(name, args, kwargs, x_shape, y_shape):
    m = L[name](*args, **kwargs)
    assert tuple(m(ember.randn(*x_shape)).shape) == y_shape


@pytest.mark.parametrize("name, args, kwargs, shapes", [
    ("Conv2d", (1, 32, 3), {}, {"weight": (32, 1, 3, 3), "bias": (32,)}),
    ("Conv2d", (4, 8, (2, 3)), dict(groups=2, bias=False), {"weight": (8, 2, 2, 3)}),
    ("Conv1d", (3, 6, 5), dict(groups=3), {"weight": (6, 1, 5), "bias": (6,)}),
    ("ConvTranspose2d", (8, 4, 2), dict(groups=2), {"weight": (8, 2, 2, 2), "bias": (4,)}),
    ("ConvTranspose1d", (3, 5, 4), {}, {"weight": (3, 5, 4), "bias": (5,)}),
])
def test_parameter_shapes_and_counts(name, args, kwargs, shapes):
    m = L[name](*args, **kwargs)
    got = {k: tuple(p.shape) for k, p in m.named_parameters()}
    assert got == shapes
    assert sum(p.numel() for p in m.parameters()) == sum(math.prod(s) for s in shapes.values())
    assert all(p.requires_grad and p.dtype is ember.float32 for p in m.parameters())


@pytest.mark.parametrize("name, args, fan_in", [
    ("Conv2d", (3, 64, 3), 27),
    ("Conv2d", (32, 64, 3), 288),
    ("Conv1d", (8, 16, 5), 40),
    ("ConvTranspose2d", (16, 8, 4), 128),  # weight (16, 8, 4, 4): fan_in = 8·16
])
def test_default_init_bounds_like_torch(name, args, fan_in):
    """kaiming_uniform_(a=√5) on the weight and U(±1/√fan_in) on the bias: both bounded by
    1/√fan_in and filling that range."""
    ember.manual_seed(0)
    m = L[name](*args)
    bound = 1 / math.sqrt(fan_in)
    for p in (m.weight, m.bias):
        v = p.detach().numpy()
        assert np.abs(v).max() <= bound + 1e-7
        assert np.abs(v).max() > 0.8 * bound and abs(v.mean()) < 0.25 * bound
    assert ember.nn.init._calculate_fan_in_and_fan_out(m.weight)[0] == fan_in


def test_dtype_and_device_arguments():
    m = L["Conv2d"](2, 3, 3, dtype=ember.float64)
    assert m.weight.dtype is ember.float64 and m.bias.dtype is ember.float64
    assert m(ember.randn(1, 2, 5, 5, dtype=ember.float64)).dtype is ember.float64


# -- reprs -----------------------------------------------------------------------------------


REPRS = [
    ("Conv2d", (1, 32, 3), {}),
    ("Conv2d", (3, 8, (3, 5)), dict(stride=2, padding=1, dilation=2, bias=False,
                                    padding_mode="reflect")),
    ("Conv2d", (4, 8, 3), dict(padding="same", groups=2)),
    ("Conv2d", (4, 8, 3), dict(padding="valid")),
    ("Conv1d", (2, 4, 3), {}),
    ("Conv1d", (2, 4, 3), dict(stride=2, padding=1, padding_mode="circular")),
    ("ConvTranspose2d", (4, 8, 3), dict(stride=2, output_padding=1)),
    ("ConvTranspose2d", (4, 8, 3), dict(groups=2, dilation=2, bias=False)),
    ("ConvTranspose1d", (4, 8, 3), {}),
    ("MaxPool2d", (2,), {}),
    ("MaxPool2d", (3, 2, 1), dict(ceil_mode=True, return_indices=True, dilation=2)),
    ("MaxPool1d", (2,), {}),
    ("AvgPool2d", (2,), {}),
    ("AvgPool2d", (3,), dict(divisor_override=2, padding=1)),
    ("AvgPool1d", (3, 2, 1, True, False), {}),
    ("AdaptiveAvgPool2d", ((1, 1),), {}),
    ("AdaptiveAvgPool2d", (7,), {}),
    ("AdaptiveAvgPool1d", (3,), {}),
    ("AdaptiveMaxPool2d", (7,), dict(return_indices=True)),
    ("AdaptiveMaxPool1d", (3,), {}),
    ("MaxUnpool2d", (2,), {}),
    ("MaxUnpool1d", (3, 2, 1), {}),
    ("LPPool2d", (2, 3), {}),
    ("LPPool1d", (1.5, 2, 1), {}),
    ("Fold", (4, 2), {}),
    ("Unfold", ((2, 3),), dict(padding=1)),
    ("Upsample", (), dict(scale_factor=2)),
    ("Upsample", (), dict(size=(4, 5), mode="bilinear", align_corners=True)),
    ("UpsamplingNearest2d", (), dict(scale_factor=2)),
    ("UpsamplingBilinear2d", (), dict(size=3)),
    ("PixelShuffle", (2,), {}),
    ("PixelUnshuffle", (3,), {}),
]


@requires_torch
@pytest.mark.parametrize("name, args, kwargs", REPRS, ids=[r[0] for r in REPRS])
def test_repr_matches_torch(name, args, kwargs):
    assert repr(L[name](*args, **kwargs)) == repr(getattr(torch.nn, name)(*args, **kwargs))


def test_repr_example_from_the_brief():
    assert repr(L["Conv2d"](1, 32, 3)) == "Conv2d(1, 32, kernel_size=(3, 3), stride=(1, 1))"


# -- forward and backward against torch with the same weights ------------------------------


def _parity(name, args, kwargs, x_shape, dtype="float64", tol=1e-9, forward_kw=None):
    torch.manual_seed(0)
    tm = getattr(torch.nn, name)(*args, **kwargs).to(getattr(torch, dtype))
    em = L[name](*args, **kwargs, **({"dtype": getattr(ember, dtype)}
                                     if "Conv" in name else {}))
    if "Conv" in name:
        copy_params(tm, em)
    x = np.random.default_rng(1).standard_normal(x_shape).astype(dtype)
    ex, tx = ember.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ey, ty = em(ex, **(forward_kw or {})), tm(tx, **(forward_kw or {}))
    np.testing.assert_allclose(ey.detach().numpy(), ty.detach().numpy(), rtol=tol, atol=tol)
    u = np.random.default_rng(2).standard_normal(tuple(ty.shape)).astype(dtype)
    ey.backward(ember.tensor(u))
    ty.backward(torch.tensor(u))
    np.testing.assert_allclose(ex.grad.numpy(), tx.grad.numpy(), rtol=tol, atol=tol)
    for (n, p), (_, q) in zip(em.named_parameters(), tm.named_parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=tol, atol=tol,
                                   err_msg=n)


@requires_torch
@pytest.mark.parametrize("mode", ["zeros", "reflect", "replicate", "circular"])
@pytest.mark.parametrize("args, kwargs, x_shape", [
    ((3, 4, 3), dict(padding=1), (2, 3, 6, 5)),
    ((3, 4, (3, 2)), dict(padding=(2, 1), stride=(2, 1)), (2, 3, 7, 6)),
    ((2, 4, (2, 4)), dict(padding="same", dilation=(2, 1), groups=2), (2, 2, 6, 7)),
    ((2, 4, 3), dict(padding=1), (2, 5, 5)),  # unbatched
])
def test_conv2d_padding_modes_match_torch(mode, args, kwargs, x_shape):
    _parity("Conv2d", args, {**kwargs, "padding_mode": mode}, x_shape)


@requires_torch
@pytest.mark.parametrize("mode", ["zeros", "reflect", "replicate", "circular"])
@pytest.mark.parametrize("args, kwargs, x_shape", [
    ((3, 4, 3), dict(padding=2, stride=2), (2, 3, 9)),
    ((2, 4, 4), dict(padding="same", dilation=1), (2, 2, 8)),
])
def test_conv1d_padding_modes_match_torch(mode, args, kwargs, x_shape):
    _parity("Conv1d", args, {**kwargs, "padding_mode": mode}, x_shape)


@requires_torch
@pytest.mark.parametrize("dtype, tol", [("float32", 2e-5), ("float64", 1e-9)])
@pytest.mark.parametrize("name, args, kwargs, x_shape, forward_kw", [
    ("ConvTranspose2d", (4, 6, 3), dict(stride=2, padding=1, output_padding=1, groups=2),
     (2, 4, 4, 5), None),
    ("ConvTranspose2d", (3, 2, 3), dict(stride=2, padding=1), (1, 3, 4, 4),
     dict(output_size=(8, 8))),
    ("ConvTranspose2d", (3, 2, 3), dict(stride=3), (1, 3, 2, 2),
     dict(output_size=(1, 2, 7, 8))),
    ("ConvTranspose1d", (3, 2, 3), dict(stride=2, dilation=2), (2, 3, 5),
     dict(output_size=[14])),
    ("Conv2d", (3, 5, 3), dict(stride=2, bias=False), (4, 3, 9, 9), None),
    ("MaxPool2d", (3, 2, 1), dict(ceil_mode=True), (2, 3, 8, 7), None),
    ("AvgPool2d", (3, 2, 1), dict(count_include_pad=False), (2, 3, 8, 7), None),
    ("AdaptiveAvgPool2d", ((3, 2),), {}, (2, 3, 8, 7), None),
    ("AdaptiveMaxPool2d", ((3, 2),), {}, (2, 3, 8, 7), None),
    ("LPPool2d", (2, 2), {}, (2, 3, 8, 7), None),
    ("Upsample", (), dict(scale_factor=1.5, mode="bilinear"), (2, 3, 4, 5), None),
    ("PixelShuffle", (2,), {}, (2, 8, 3, 2), None),
    ("Unfold", (2,), dict(stride=2, padding=1), (2, 3, 5, 4), None),
    ("Fold", ((4, 5), 2), {}, (2, 8, 12), None),
])
def test_layers_match_torch(name, args, kwargs, x_shape, forward_kw, dtype, tol):
    if name == "LPPool2d":
        pytest.importorskip("torch")
    _parity(name, args, kwargs, x_shape, dtype, tol, forward_kw)


@requires_torch
def test_max_pool_indices_round_trip_through_max_unpool():
    x = np.random.default_rng(3).permutation(2 * 3 * 6 * 6).reshape(2, 3, 6, 6) / 10.0
    outs = []
    for lib in (ember, torch):
        pool = layer(lib, "MaxPool2d")(2, return_indices=True)
        unpool = layer(lib, "MaxUnpool2d")(2)
        y, i = pool(lib.tensor(x))
        outs.append(unpool(y, i, output_size=(6, 6)).numpy())
    np.testing.assert_array_equal(*outs)


# -- the W2 CNN ------------------------------------------------------------------------------


@requires_torch
def test_w2_cnn_loss_and_gradients_match_torch():
    """Conv2d(1,32,3)→ReLU→MaxPool2d(2)→Conv2d(32,64,3)→ReLU→MaxPool2d(2)→Flatten→
    Linear(1600,10), same weights, cross-entropy: loss and every gradient match PyTorch."""
    def build(lib):
        nn = lib.nn
        return nn.Sequential(layer(lib, "Conv2d")(1, 32, 3), nn.ReLU(),
                             layer(lib, "MaxPool2d")(2), layer(lib, "Conv2d")(32, 64, 3),
                             nn.ReLU(), layer(lib, "MaxPool2d")(2), nn.Flatten(),
                             nn.Linear(1600, 10))

    torch.manual_seed(0)
    tm, em = build(torch), build(ember)
    copy_params(tm, em)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((6, 1, 28, 28)).astype(np.float32)
    y = rng.integers(0, 10, 6)
    el = ember.nn.functional.cross_entropy(em(ember.tensor(x)), ember.tensor(y))
    tl = torch.nn.functional.cross_entropy(tm(torch.tensor(x)), torch.tensor(y))
    el.backward()
    tl.backward()
    assert abs(el.item() - tl.item()) < 1e-5
    for (n, p), (_, q) in zip(em.named_parameters(), tm.named_parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-3, atol=1e-5,
                                   err_msg=n)


# -- errors ----------------------------------------------------------------------------------


def test_wrong_channels_name_in_channels_and_input_shape():
    conv = L["Conv2d"](3, 8, 3)
    msg = (r"conv2d\(\): expected input with 3 channels \(in_channels\) but got 1: input shape "
           r"\(8, 1, 28, 28\)")
    with pytest.raises(RuntimeError, match=msg):
        conv(ember.zeros(8, 1, 28, 28))
    with pytest.raises(RuntimeError, match=msg):  # padding modes check before padding
        L["Conv2d"](3, 8, 3, padding=1, padding_mode="reflect")(ember.zeros(8, 1, 28, 28))


def test_wrong_rank_names_expected_shapes():
    with pytest.raises(RuntimeError, match=r"conv2d\(\).*4-D.*input of shape \(28, 28\)"):
        L["Conv2d"](1, 8, 3)(ember.zeros(28, 28))
    with pytest.raises(RuntimeError, match=r"conv1d\(\).*input of shape \(2, 1, 5, 5\)"):
        L["Conv1d"](1, 8, 3, padding=1, padding_mode="circular")(ember.zeros(2, 1, 5, 5))
    with pytest.raises(RuntimeError, match=r"max_pool2d\(\).*\(28,\)"):
        L["MaxPool2d"](2)(ember.zeros(28))


@pytest.mark.parametrize("make, exc, match", [
    (lambda: L["Conv2d"](3, 8, 3, groups=2), ValueError, "in_channels must be divisible by "
                                                         "groups"),
    (lambda: L["Conv2d"](4, 6, 3, groups=4), ValueError, "out_channels must be divisible by "
                                                         "groups"),
    (lambda: L["Conv2d"](4, 6, 3, groups=0), ValueError, "groups must be a positive integer"),
    (lambda: L["Conv2d"](4, 6, 3, padding="full"), ValueError, "Invalid padding string 'full'"),
    (lambda: L["Conv2d"](4, 6, 3, padding="same", stride=2), ValueError,
     "padding='same' is not supported for strided convolutions"),
    (lambda: L["Conv2d"](4, 6, 3, padding_mode="mirror"), ValueError,
     "padding_mode must be one of"),
    (lambda: L["ConvTranspose2d"](4, 6, 3, padding_mode="reflect"), ValueError,
     'Only "zeros" padding mode is supported for ConvTranspose2d'),
])
def test_constructor_errors(make, exc, match):
    with pytest.raises(exc, match=match):
        make()


def test_conv_transpose_output_size_out_of_range():
    m = L["ConvTranspose2d"](3, 2, 3, stride=2, padding=1)
    with pytest.raises(ValueError, match=r"requested an output size of \[12, 12\], but valid "
                                         r"sizes range from \[7, 7\] to \[8, 8\]"):
        m(ember.zeros(1, 3, 4, 4), output_size=(12, 12))
