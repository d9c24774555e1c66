"""Keras convolution layers: shapes (eager and symbolic), Keras's parameter counts and
initialisation, PyTorch parity with the kernels copied across (values and gradients),
TensorFlow's "same"/"causal" padding, transposed-convolution sizes, config round trips and
errors."""

import json
import math

import numpy as np
import pytest

import ember
from ember.keras import regularizers
from ember.keras.layers import Input, conv
from tests.helpers import requires_torch, torch

RNG = np.random.default_rng(0)
TOL = dict(rtol=1e-5, atol=1e-5)


def rand(*shape):
    return RNG.standard_normal(shape).astype("float32")


def run(layer, x):
    return layer(ember.from_numpy(x)).detach().numpy()


def t(a):
    return torch.from_numpy(np.ascontiguousarray(a))


def conv_kernel(k, rank):
    """Keras (*k, in, out) -> PyTorch (out, in, *k)."""
    return t(np.transpose(k, (rank + 1, rank) + tuple(range(rank))))


def nhwc_to_nchw(x):
    return np.moveaxis(x, -1, 1)


def nchw_to_nhwc(x):
    return np.moveaxis(x, 1, -1)


def tf_same_pads(size, k, s, d=1):
    """TensorFlow's SAME padding (before, after) for one axis."""
    out = math.ceil(size / s)
    total = max((out - 1) * s + (k - 1) * d + 1 - size, 0)
    return total // 2, total - total // 2


# -- shapes and parameter counts --------------------------------------------------------------

SHAPES = [
    # (factory, input shape without batch, output shape without batch, Keras's param count)
    (lambda: conv.Conv2D(32, 3), (28, 28, 1), (26, 26, 32), 320),
    (lambda: conv.Conv2D(64, (3, 3), activation="relu"), (13, 13, 32), (11, 11, 64), 18496),
    (lambda: conv.Conv2D(8, 3, strides=2, padding="same"), (7, 7, 3), (4, 4, 8), 224),
    (lambda: conv.Conv2D(8, 3, strides=2, padding="same"), (8, 8, 3), (4, 4, 8), 224),
    (lambda: conv.Conv2D(8, 3, groups=2), (9, 9, 4), (7, 7, 8), 152),
    (lambda: conv.Conv2D(4, 3, dilation_rate=2, padding="same"), (9, 9, 2), (9, 9, 4), 76),
    (lambda: conv.Conv2D(8, 3, data_format="channels_first"), (3, 7, 7), (8, 5, 5), 224),
    (lambda: conv.Conv2D(8, 1, use_bias=False), (5, 5, 3), (5, 5, 8), 24),
    (lambda: conv.Conv1D(32, 3), (10, 128), (8, 32), 12320),
    (lambda: conv.Conv1D(16, 5, padding="causal"), (10, 8), (10, 16), 656),
    (lambda: conv.Conv1D(4, 3, strides=2, padding="same"), (9, 2), (5, 4), 28),
    (lambda: conv.Conv1DTranspose(4, 3, strides=2, padding="same"), (5, 3), (10, 4), 40),
    (lambda: conv.Conv1DTranspose(4, 2, strides=3), (5, 3), (15, 4), 28),
    (lambda: conv.Conv2DTranspose(8, 3, strides=2, padding="same"), (7, 7, 3), (14, 14, 8),
     224),
    (lambda: conv.Conv2DTranspose(4, 3), (5, 5, 2), (7, 7, 4), 76),
    (lambda: conv.Conv2DTranspose(4, 3, strides=2, output_padding=1), (5, 5, 2),
     (12, 12, 4), 76),
    (lambda: conv.Conv2DTranspose(4, 3, data_format="channels_first"), (2, 5, 5),
     (4, 7, 7), 76),
    (lambda: conv.DepthwiseConv2D(3), (8, 8, 4), (6, 6, 4), 40),
    (lambda: conv.DepthwiseConv2D(3, depth_multiplier=2, padding="same"), (8, 8, 4),
     (8, 8, 8), 80),
    (lambda: conv.DepthwiseConv1D(3, depth_multiplier=2), (10, 4), (8, 8), 32),
    (lambda: conv.SeparableConv2D(16, 3), (10, 10, 8), (8, 8, 16), 216),
    (lambda: conv.SeparableConv2D(16, 3, data_format="channels_first"), (8, 10, 10),
     (16, 8, 8), 216),
    (lambda: conv.SeparableConv1D(6, 3, depth_multiplier=2), (10, 4), (8, 6), 78),
]


@pytest.mark.parametrize("factory, in_shape, out_shape, params", SHAPES)
def test_output_shapes_and_parameter_counts(factory, in_shape, out_shape, params):
    layer = factory()
    y = layer(ember.zeros(3, *in_shape))
    assert tuple(y.shape) == (3,) + out_shape
    assert layer.count_params() == params
    sym = factory()(Input(shape=in_shape))
    assert sym.shape == (None,) + out_shape


def test_weight_names_and_keras_layouts():
    c = conv.Conv2D(6, (3, 5), groups=2)
    c(ember.zeros(1, 9, 9, 4))
    assert [(n, tuple(p.shape)) for n, p in c.named_parameters()] == [
        ("kernel", (3, 5, 2, 6)), ("bias", (6,))]
    tr = conv.Conv2DTranspose(6, 3)
    tr(ember.zeros(1, 5, 5, 4))
    assert tuple(tr.kernel.shape) == (3, 3, 6, 4)
    dw = conv.DepthwiseConv2D(3, depth_multiplier=2)
    dw(ember.zeros(1, 5, 5, 4))
    assert [(n, tuple(p.shape)) for n, p in dw.named_parameters()] == [
        ("kernel", (3, 3, 4, 2)), ("bias", (8,))]
    sep = conv.SeparableConv2D(5, 3, depth_multiplier=2)
    sep(ember.zeros(1, 5, 5, 4))
    assert [(n, tuple(p.shape)) for n, p in sep.named_parameters()] == [
        ("depthwise_kernel", (3, 3, 4, 2)), ("pointwise_kernel", (1, 1, 8, 5)), ("bias", (5,))]
    assert conv.Conv1D(2, 3).name.startswith("conv1d")
    assert conv.Conv2DTranspose(2, 3).name.startswith("conv2d_transpose")
    assert conv.Convolution2D is conv.Conv2D


def test_glorot_uniform_kernel_and_zero_bias():
    c = conv.Conv2D(64, 3)
    c(ember.zeros(1, 5, 5, 32))
    k = c.kernel.detach().numpy()
    fan_in, fan_out = 9 * 32, 9 * 64  # Keras's fans: receptive field × channels
    limit = math.sqrt(6 / (fan_in + fan_out))
    assert abs(k.std() / math.sqrt(2 / (fan_in + fan_out)) - 1) < 0.03
    assert np.abs(k).max() <= limit and np.abs(k).max() > 0.95 * limit
    assert abs(k.mean()) < 0.002
    assert np.all(c.bias.detach().numpy() == 0)


def test_depthwise_and_pointwise_initializers():
    sep = conv.SeparableConv2D(32, 3, depth_multiplier=4, pointwise_initializer="he_normal",
                               bias_initializer="ones")
    sep(ember.zeros(1, 5, 5, 64))
    d = sep.depthwise_kernel.detach().numpy()  # glorot over (3, 3, 64, 4): fans 9·64, 9·4
    assert abs(d.std() / math.sqrt(2 / (9 * 64 + 9 * 4)) - 1) < 0.03
    p = sep.pointwise_kernel.detach().numpy()  # he_normal: truncated normal, std sqrt(2 / fan_in)
    assert abs(p.std() / math.sqrt(2 / 256) - 1) < 0.05
    assert np.all(sep.bias.detach().numpy() == 1)


# -- parity with PyTorch ------------------------------------------------------------------------

CONV2D_CASES = [
    dict(filters=4, kernel_size=3),
    dict(filters=4, kernel_size=(2, 3), strides=(2, 1)),
    dict(filters=4, kernel_size=3, padding="same"),
    dict(filters=4, kernel_size=4, padding="same"),  # even kernel: the odd pad at the end
    dict(filters=4, kernel_size=3, strides=2, padding="same"),
    dict(filters=4, kernel_size=(3, 2), strides=(3, 2), padding="same"),
    dict(filters=4, kernel_size=3, dilation_rate=2, padding="same"),
    dict(filters=6, kernel_size=3, groups=3),
    dict(filters=4, kernel_size=3, strides=2, padding="same", data_format="channels_first"),
    dict(filters=4, kernel_size=3, activation="relu", use_bias=True),
]


def torch_conv(x_nchw, kernel, bias, rank, strides, padding, dilation, groups, sizes):
    """PyTorch's conv with TensorFlow's padding done explicitly by F.pad."""
    fn = torch.nn.functional.conv1d if rank == 1 else torch.nn.functional.conv2d
    ksize = kernel.shape[:rank]
    pads = []
    for n, k, s, d in zip(sizes, ksize, strides, dilation):
        if padding == "same":
            pads.append(tf_same_pads(n, k, s, d))
        elif padding == "causal":
            pads.append((d * (k - 1), 0))
        else:
            pads.append((0, 0))
    flat = [v for lo_hi in reversed(pads) for v in lo_hi]
    xp = torch.nn.functional.pad(x_nchw, flat)
    return fn(xp, conv_kernel(kernel, rank), None if bias is None else t(bias), strides, 0,
              dilation, groups)


@requires_torch
@pytest.mark.parametrize("case", CONV2D_CASES)
@pytest.mark.parametrize("size", [(7, 7), (8, 9)])
def test_conv2d_matches_torch(case, size):
    layer = conv.Conv2D(**case)
    first = case.get("data_format") == "channels_first"
    c = 6
    x = rand(2, c, *size) if first else rand(2, *size, c)
    layer(ember.from_numpy(x))
    kernel, bias = rand(*layer.kernel.shape), rand(*layer.bias.shape)
    layer.set_weights([kernel, bias])
    y = run(layer, x)
    ref = torch_conv(t(x if first else nhwc_to_nchw(x)), kernel, bias, 2, layer.strides,
                     layer.padding, layer.dilation_rate, layer.groups, size)
    if case.get("activation") == "relu":
        ref = torch.relu(ref)
    ref = ref.numpy() if first else nchw_to_nhwc(ref.numpy())
    np.testing.assert_allclose(y, ref, **TOL)


@requires_torch
@pytest.mark.parametrize("case", [
    dict(filters=3, kernel_size=3), dict(filters=3, kernel_size=4, padding="same"),
    dict(filters=3, kernel_size=3, strides=2, padding="same"),
    dict(filters=3, kernel_size=3, padding="causal"),
    dict(filters=3, kernel_size=2, dilation_rate=3, padding="causal"),
    dict(filters=4, kernel_size=3, groups=2, data_format="channels_first"),
])
def test_conv1d_matches_torch(case):
    layer = conv.Conv1D(**case)
    first = case.get("data_format") == "channels_first"
    x = rand(2, 4, 11) if first else rand(2, 11, 4)
    layer(ember.from_numpy(x))
    kernel, bias = rand(*layer.kernel.shape), rand(*layer.bias.shape)
    layer.set_weights([kernel, bias])
    ref = torch_conv(t(x if first else np.moveaxis(x, -1, 1)), kernel, bias, 1, layer.strides,
                     layer.padding, layer.dilation_rate, layer.groups, (11,))
    ref = ref.numpy() if first else np.moveaxis(ref.numpy(), 1, -1)
    np.testing.assert_allclose(run(layer, x), ref, **TOL)


def test_same_padding_puts_the_odd_pad_at_the_end_like_tensorflow():
    layer = conv.Conv1D(1, 3, strides=2, padding="same", use_bias=False,
                        kernel_initializer="ones")
    x = np.array([1, 2, 3, 4], dtype="float32").reshape(1, 4, 1)
    # TensorFlow pads (0, 1): windows [1, 2, 3] and [3, 4, 0] (PyTorch-style (1, 0) gives 3, 9)
    np.testing.assert_allclose(run(layer, x).ravel(), [6, 7])


def test_causal_padding_sees_only_the_past():
    layer = conv.Conv1D(1, 3, padding="causal", use_bias=False, kernel_initializer="ones")
    x = np.array([1, 2, 3, 4], dtype="float32").reshape(1, 4, 1)
    np.testing.assert_allclose(run(layer, x).ravel(), [1, 3, 6, 9])


@requires_torch
def test_conv2d_gradients_match_torch():
    layer = conv.Conv2D(5, 3, strides=2, padding="same", activation="tanh")
    x = rand(2, 8, 7, 3)
    layer(ember.from_numpy(x))
    kernel, bias = rand(*layer.kernel.shape), rand(5)
    layer.set_weights([kernel, bias])
    xe = ember.from_numpy(x).requires_grad_()
    y = layer(xe)
    g = rand(*y.shape)
    y.backward(ember.from_numpy(g))

    xt = t(nhwc_to_nchw(x)).requires_grad_()
    kt = t(kernel).requires_grad_()
    bt = t(bias).requires_grad_()
    w = kt.permute(3, 2, 0, 1)
    ref = torch.tanh(torch.nn.functional.conv2d(
        torch.nn.functional.pad(xt, [*tf_same_pads(7, 3, 2), *tf_same_pads(8, 3, 2)]), w, bt,
        stride=2))
    ref.backward(t(nhwc_to_nchw(g)))
    np.testing.assert_allclose(xe.grad.numpy(), nchw_to_nhwc(xt.grad.numpy()), **TOL)
    np.testing.assert_allclose(layer.kernel.grad.numpy(), kt.grad.numpy(), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(layer.bias.grad.numpy(), bt.grad.numpy(), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("factory, in_shape", [
    (lambda: conv.Conv1D(3, 2, padding="causal"), (6, 2)),
    (lambda: conv.Conv2DTranspose(3, 3, strides=2, padding="same"), (4, 4, 2)),
    (lambda: conv.Conv1DTranspose(3, 3, strides=2), (4, 2)),
    (lambda: conv.DepthwiseConv2D(3, depth_multiplier=2), (5, 5, 2)),
    (lambda: conv.DepthwiseConv1D(2), (5, 2)),
    (lambda: conv.SeparableConv2D(3, 3, padding="same"), (5, 5, 2)),
    (lambda: conv.SeparableConv1D(3, 3), (5, 2)),
])
def test_gradients_reach_every_weight(factory, in_shape):
    layer = factory()
    x = ember.from_numpy(rand(2, *in_shape)).requires_grad_()
    (layer(x) ** 2).sum().backward()
    assert x.grad is not None and tuple(x.grad.shape) == tuple(x.shape)
    for w in layer.trainable_weights:
        assert w.grad is not None and tuple(w.grad.shape) == tuple(w.shape)
        assert np.abs(w.grad.numpy()).sum() > 0


# -- transposed convolutions ----------------------------------------------------------------


def keras_transpose_length(n, k, s, padding, output_padding, d=1):
    """Keras's documented output length of a transposed convolution."""
    k = (k - 1) * d + 1
    if output_padding is None:
        return n * s if padding == "same" else (n - 1) * s + max(k, s)
    if padding == "same":
        return (n - 1) * s + k % 2 + output_padding
    return (n - 1) * s + k + output_padding


TRANSPOSE_CASES = list(dict.fromkeys(
    (k, s, p, op) for k in (1, 2, 3, 4) for s in (1, 2, 3) for p in ("valid", "same")
    for op in (None, 0, s - 1)))


@pytest.mark.parametrize("k, s, padding, output_padding", TRANSPOSE_CASES)
def test_conv1d_transpose_is_the_adjoint_of_conv1d(k, s, padding, output_padding):
    """TensorFlow defines conv_transpose(y) as the gradient of conv(x) for an x of the
    output's size: check that, and the sizes Keras documents."""
    n = 5
    layer = conv.Conv1DTranspose(3, k, strides=s, padding=padding,
                                 output_padding=output_padding, use_bias=False)
    y = rand(2, n, 4)
    out = run(layer, y)
    length = keras_transpose_length(n, k, s, padding, output_padding)
    assert out.shape == (2, length, 3)
    forward = conv.Conv1D(4, k, strides=s, padding=padding, use_bias=False)
    x = ember.zeros(2, length, 3).requires_grad_()
    z = forward(x)
    forward.set_weights(layer.get_weights())  # (k, 3, 4): conv 3 -> 4 is the transpose's adjoint
    if tuple(z.shape) != (2, n, 4):  # output_padding beyond what the conv's size maps back
        return
    (forward(x) * ember.from_numpy(y)).sum().backward()
    np.testing.assert_allclose(out, x.grad.numpy(), **TOL)


@pytest.mark.parametrize("strides, padding, output_padding, dilation", [
    (2, "same", None, 1), (2, "valid", None, 1), (1, "same", None, 2), (3, "same", 1, 1),
    ((2, 1), "valid", (1, 0), 1),
])
def test_conv2d_transpose_is_the_adjoint_of_conv2d(strides, padding, output_padding, dilation):
    layer = conv.Conv2DTranspose(3, (3, 2), strides=strides, padding=padding,
                                 output_padding=output_padding, dilation_rate=dilation,
                                 use_bias=False)
    y = rand(2, 4, 5, 2)
    out = run(layer, y)
    forward = conv.Conv2D(2, (3, 2), strides=strides, padding=padding, dilation_rate=dilation,
                          use_bias=False)
    x = ember.zeros(*out.shape).requires_grad_()
    assert tuple(forward(x).shape) == y.shape
    forward.set_weights(layer.get_weights())
    (forward(x) * ember.from_numpy(y)).sum().backward()
    np.testing.assert_allclose(out, x.grad.numpy(), **TOL)


@requires_torch
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_conv2d_transpose_matches_torch(data_format):
    layer = conv.Conv2DTranspose(4, 3, strides=2, activation="sigmoid", data_format=data_format)
    first = data_format == "channels_first"
    x = rand(2, 3, 5, 6) if first else rand(2, 5, 6, 3)
    layer(ember.from_numpy(x))
    kernel, bias = rand(3, 3, 4, 3), rand(4)
    layer.set_weights([kernel, bias])
    # valid padding with k >= s is PyTorch's plain transposed convolution
    ref = torch.sigmoid(torch.nn.functional.conv_transpose2d(
        t(x if first else nhwc_to_nchw(x)), t(np.transpose(kernel, (3, 2, 0, 1))), t(bias),
        stride=2)).numpy()
    np.testing.assert_allclose(run(layer, x), ref if first else nchw_to_nhwc(ref), **TOL)


def test_transpose_bias_covers_the_zero_extended_end():
    # valid, k < s: the output is extended to (n - 1)·s + s; the extension holds only the bias
    layer = conv.Conv1DTranspose(1, 1, strides=3, kernel_initializer="ones",
                                 bias_initializer="ones")
    out = run(layer, np.array([[[2.0], [5.0]]], dtype="float32")).ravel()
    np.testing.assert_allclose(out, [3, 1, 1, 6, 1, 1])


# -- depthwise and separable ------------------------------------------------------------------


@requires_torch
@pytest.mark.parametrize("kwargs", [
    dict(kernel_size=3), dict(kernel_size=3, depth_multiplier=3, strides=2, padding="same"),
    dict(kernel_size=(2, 3), dilation_rate=2, data_format="channels_first"),
])
def test_depthwise_conv2d_matches_torch(kwargs):
    layer = conv.DepthwiseConv2D(**kwargs)
    first = kwargs.get("data_format") == "channels_first"
    c, size = 4, (7, 8)
    x = rand(2, c, *size) if first else rand(2, *size, c)
    layer(ember.from_numpy(x))
    m = layer.depth_multiplier
    kernel, bias = rand(*layer.kernel.shape), rand(c * m)
    layer.set_weights([kernel, bias])
    # TensorFlow's output channel c·m + j uses kernel[..., c, j]: PyTorch groups=c
    torch_kernel = kernel.reshape(*kernel.shape[:2], 1, c * m)
    ref = torch_conv(t(x if first else nhwc_to_nchw(x)), torch_kernel, bias, 2, layer.strides,
                     layer.padding, layer.dilation_rate, c, size).numpy()
    np.testing.assert_allclose(run(layer, x), ref if first else nchw_to_nhwc(ref), **TOL)


@requires_torch
@pytest.mark.parametrize("rank, data_format", [(1, "channels_last"), (2, "channels_last"),
                                               (2, "channels_first")])
def test_separable_conv_matches_depthwise_then_pointwise_torch(rank, data_format):
    cls = conv.SeparableConv1D if rank == 1 else conv.SeparableConv2D
    layer = cls(5, 3, depth_multiplier=2, padding="same", strides=2, data_format=data_format,
                activation="relu")
    first = data_format == "channels_first"
    c, size = 3, (9,) * rank
    x = rand(2, c, *size) if first else rand(2, *size, c)
    layer(ember.from_numpy(x))
    dk, pk, b = rand(*layer.depthwise_kernel.shape), rand(*layer.pointwise_kernel.shape), rand(5)
    layer.set_weights([dk, pk, b])
    xt = t(x if first else np.moveaxis(x, -1, 1))
    mid = torch_conv(xt, dk.reshape(*dk.shape[:rank], 1, c * 2), None, rank, layer.strides,
                     "same", layer.dilation_rate, c, size)
    ref = torch.relu(torch_conv(mid, pk, b, rank, (1,) * rank, "valid", (1,) * rank, 1,
                                mid.shape[2:])).numpy()
    np.testing.assert_allclose(run(layer, x), ref if first else np.moveaxis(ref, 1, -1), **TOL)


# -- regularizers, config, errors -------------------------------------------------------------


def test_kernel_and_bias_regularizers_add_losses():
    layer = conv.Conv2D(2, 3, kernel_regularizer=regularizers.L2(0.1),
                        bias_regularizer="l1", bias_initializer="ones")
    layer(ember.zeros(1, 4, 4, 1))
    k = layer.kernel.detach().numpy()
    losses = sorted(float(v.item()) for v in layer.losses)
    assert losses == pytest.approx(sorted([0.1 * float((k ** 2).sum()), 0.01 * 2]), rel=1e-5)


CONFIG_FACTORIES = [
    lambda: conv.Conv1D(4, 3, padding="causal", dilation_rate=2, activation="relu",
                        kernel_regularizer="l2"),
    lambda: conv.Conv2D(8, (3, 5), strides=(2, 1), padding="same", groups=2,
                        kernel_initializer="he_normal", bias_initializer="ones",
                        data_format="channels_first", name="my_conv"),
    lambda: conv.Conv1DTranspose(3, 3, strides=2, output_padding=1, use_bias=False),
    lambda: conv.Conv2DTranspose(3, 3, strides=2, padding="same", activity_regularizer="l2"),
    lambda: conv.DepthwiseConv1D(3, depth_multiplier=2, depthwise_regularizer="l1"),
    lambda: conv.DepthwiseConv2D((3, 3), depth_multiplier=2, trainable=False),
    lambda: conv.SeparableConv1D(4, 3, pointwise_initializer="zeros"),
    lambda: conv.SeparableConv2D(4, 3, depth_multiplier=2, activation="tanh"),
]


@pytest.mark.parametrize("factory", CONFIG_FACTORIES)
def test_config_round_trip(factory):
    layer = factory()
    config = layer.get_config()
    json.dumps(config)  # storable in a .keras file
    clone = type(layer).from_config(json.loads(json.dumps(config)))
    assert json.loads(json.dumps(clone.get_config())) == json.loads(json.dumps(config))
    first = layer.data_format == "channels_first"
    shape = (2, 4) + (9,) * layer.rank if first else (2,) + (9,) * layer.rank + (4,)
    x = ember.from_numpy(rand(*shape))
    y = layer(x)
    clone(x)
    clone.set_weights(layer.get_weights())
    np.testing.assert_allclose(clone(x).detach().numpy(), y.detach().numpy(), **TOL)


def test_config_lists_every_constructor_argument():
    import inspect

    for cls in (conv.Conv1D, conv.Conv2D, conv.Conv1DTranspose, conv.Conv2DTranspose,
                conv.DepthwiseConv1D, conv.DepthwiseConv2D, conv.SeparableConv1D,
                conv.SeparableConv2D):
        args = [p for p in inspect.signature(cls.__init__).parameters if p not in
                ("self", "kwargs")]
        layer = cls(*([2, 3] if "filters" in args else [3]))
        assert set(args) <= set(layer.get_config()), cls.__name__


@pytest.mark.parametrize("factory, shape, message", [
    (lambda: conv.Conv2D(32, 3), (32, 28, 28),
     "Conv2D 'conv2d.*' expects inputs of rank 4 \\(batch, height, width, channels\\), got "
     "shape \\(32, 28, 28\\)"),
    (lambda: conv.Conv1D(4, 3, data_format="channels_first"), (2, 3, 4, 5),
     "rank 3 \\(batch, channels, steps\\)"),
    (lambda: conv.Conv2D(4, 5), (2, 3, 3, 1), "does not fit in the spatial size \\(3, 3\\)"),
    (lambda: conv.Conv2D(4, 3, groups=2), (1, 5, 5, 3), "evenly divisible by the number of "
     "groups"),
])
def test_input_errors(factory, shape, message):
    with pytest.raises(ValueError, match=message):
        factory()(ember.zeros(*shape))


def test_channel_count_is_fixed_after_build():
    layer = conv.Conv2D(4, 3)
    layer(ember.zeros(1, 5, 5, 3))
    with pytest.raises(ValueError, match="built for inputs with 3 channels \\(last axis\\), "
                                         "got shape \\(1, 5, 5, 2\\)"):
        layer(ember.zeros(1, 5, 5, 2))


@pytest.mark.parametrize("factory, message", [
    (lambda: conv.Conv2D(4, 3, padding="causal"), "padding.*\\['valid', 'same'\\]"),
    (lambda: conv.Conv2D(4, 3, padding="full"), "padding.*Received padding='full'"),
    (lambda: conv.Conv2D(4, (3, 3, 3)), "kernel_size.*tuple of 2 integers"),
    (lambda: conv.Conv2D(4, 0), "kernel_size.*> 0"),
    (lambda: conv.Conv2D(0, 3), "filters"),
    (lambda: conv.Conv2D(6, 3, groups=4), "filters must be evenly divisible"),
    (lambda: conv.Conv2D(4, 3, strides=2, dilation_rate=2), "strides > 1.*dilation_rate > 1"),
    (lambda: conv.Conv2D(4, 3, data_format="NHWC"), "data_format"),
    (lambda: conv.Conv2DTranspose(4, 3, strides=2, output_padding=2),
     "output_padding.*< `strides`"),
    (lambda: conv.DepthwiseConv2D(3, depth_multiplier=0), "depth_multiplier"),
])
def test_argument_errors(factory, message):
    with pytest.raises(ValueError, match=message):
        factory()


def test_constraints_are_refused_clearly():
    with pytest.raises(NotImplementedError, match="Conv2D: kernel_constraint=.*\\(weight "
                                                  "constraints are not implemented"):
        conv.Conv2D(4, 3, kernel_constraint=lambda w: w)


@pytest.mark.parametrize("cls, spatial", [(conv.Conv2DTranspose, (4, 5)),
                                          (conv.Conv1DTranspose, (6,))])
def test_transpose_channels_first_agrees_with_channels_last(cls, spatial):
    last = cls(3, 4, strides=2, padding="same")
    first = cls(3, 4, strides=2, padding="same", data_format="channels_first")
    x = rand(2, *spatial, 2)
    y = run(last, x)
    first(ember.zeros(2, 2, *spatial))
    first.set_weights(last.get_weights())
    y_first = run(first, np.moveaxis(x, -1, 1).copy())
    np.testing.assert_allclose(np.moveaxis(y_first, 1, -1), y, **TOL)


@requires_torch
def test_depthwise_conv1d_matches_torch():
    layer = conv.DepthwiseConv1D(3, depth_multiplier=2, strides=2, padding="same")
    x = rand(2, 9, 3)
    layer(ember.from_numpy(x))
    kernel, bias = rand(3, 3, 2), rand(6)
    layer.set_weights([kernel, bias])
    ref = torch_conv(t(np.moveaxis(x, -1, 1)), kernel.reshape(3, 1, 6), bias, 1, (2,), "same",
                     (1,), 3, (9,)).numpy()
    np.testing.assert_allclose(run(layer, x), np.moveaxis(ref, 1, -1), **TOL)
