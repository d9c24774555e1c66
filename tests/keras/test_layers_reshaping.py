"""Keras spatial reshaping layers: ZeroPadding1D/2D, Cropping1D/2D, UpSampling1D/2D against
NumPy (and PyTorch's bilinear resize), symbolic shapes, gradients, configs and errors."""

import json

import numpy as np
import pytest

import ember
from ember.keras.layers import Input, reshaping
from tests.helpers import requires_torch, torch

RNG = np.random.default_rng(2)


def rand(*shape):
    return RNG.standard_normal(shape).astype("float32")


def run(layer, x):
    return layer(ember.from_numpy(x)).detach().numpy()


# -- padding ----------------------------------------------------------------------------------


@pytest.mark.parametrize("padding, pads", [(1, (1, 1)), ((2, 0), (2, 0)), ((0, 3), (0, 3))])
def test_zero_padding_1d(padding, pads):
    x = rand(2, 5, 3)
    np.testing.assert_array_equal(run(reshaping.ZeroPadding1D(padding), x),
                                  np.pad(x, [(0, 0), pads, (0, 0)]))
    first = run(reshaping.ZeroPadding1D(padding, data_format="channels_first"),
                np.moveaxis(x, 1, 2).copy())
    np.testing.assert_array_equal(first, np.pad(np.moveaxis(x, 1, 2), [(0, 0), (0, 0), pads]))


@pytest.mark.parametrize("padding, pads", [
    (2, ((2, 2), (2, 2))), ((1, 3), ((1, 1), (3, 3))), (((1, 0), (2, 3)), ((1, 0), (2, 3))),
])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_zero_padding_2d(padding, pads, data_format):
    layer = reshaping.ZeroPadding2D(padding, data_format=data_format)
    assert layer.padding == pads
    x = rand(2, 4, 5, 3)
    widths = [(0, 0), *pads, (0, 0)] if data_format == "channels_last" else [(0, 0), (0, 0),
                                                                              *pads]
    np.testing.assert_array_equal(run(layer, x), np.pad(x, widths))


def test_zero_padding_gradient_is_the_crop():
    x = ember.from_numpy(rand(1, 3, 3, 2)).requires_grad_()
    y = reshaping.ZeroPadding2D(1)(x)
    y.backward(ember.ones(*y.shape))
    np.testing.assert_array_equal(x.grad.numpy(), np.ones((1, 3, 3, 2)))


# -- cropping ---------------------------------------------------------------------------------


def test_cropping_1d():
    x = rand(2, 7, 3)
    np.testing.assert_array_equal(run(reshaping.Cropping1D(), x), x[:, 1:6])
    np.testing.assert_array_equal(run(reshaping.Cropping1D((2, 0)), x), x[:, 2:])
    np.testing.assert_array_equal(run(reshaping.Cropping1D(3), x), x[:, 3:4])


@pytest.mark.parametrize("cropping, rows, cols", [
    (1, slice(1, -1), slice(1, -1)), ((2, 1), slice(2, -2), slice(1, -1)),
    (((0, 1), (2, 0)), slice(0, -1), slice(2, None)),
])
def test_cropping_2d(cropping, rows, cols):
    x = rand(2, 6, 5, 3)
    np.testing.assert_array_equal(run(reshaping.Cropping2D(cropping), x), x[:, rows, cols])
    first = run(reshaping.Cropping2D(cropping, data_format="channels_first"),
                np.moveaxis(x, -1, 1).copy())
    np.testing.assert_array_equal(first, np.moveaxis(x, -1, 1)[:, :, rows, cols])


def test_cropping_gradient_is_zero_outside():
    x = ember.from_numpy(rand(1, 4, 3)).requires_grad_()
    reshaping.Cropping1D((1, 2))(x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy()[0, :, 0], [0, 1, 0, 0])


# -- upsampling -------------------------------------------------------------------------------


def test_upsampling_1d_repeats_steps():
    x = rand(2, 4, 3)
    np.testing.assert_array_equal(run(reshaping.UpSampling1D(3), x), np.repeat(x, 3, axis=1))
    np.testing.assert_array_equal(run(reshaping.UpSampling1D(1), x), x)


@pytest.mark.parametrize("size", [(2, 2), (1, 3), 3])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_upsampling_2d_nearest_repeats_rows_and_columns(size, data_format):
    sh, sw = (size, size) if isinstance(size, int) else size
    x = rand(2, 3, 4, 5)
    axis = 1 if data_format == "channels_last" else 2
    expected = np.repeat(np.repeat(x, sh, axis=axis), sw, axis=axis + 1)
    np.testing.assert_array_equal(
        run(reshaping.UpSampling2D(size, data_format=data_format), x), expected)


def test_upsampling_gradient_sums_the_copies():
    x = ember.from_numpy(rand(1, 2, 2, 1)).requires_grad_()
    reshaping.UpSampling2D((2, 3))(x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.full((1, 2, 2, 1), 6.0))


@requires_torch
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_upsampling_2d_bilinear_matches_half_pixel_resize(data_format):
    x = rand(2, 3, 4, 2)
    xin = x if data_format == "channels_last" else np.moveaxis(x, -1, 1).copy()
    layer = reshaping.UpSampling2D((2, 3), data_format=data_format, interpolation="Bilinear")
    got = run(layer, xin)
    ref = torch.nn.functional.interpolate(torch.from_numpy(np.moveaxis(x, -1, 1).copy()),
                                          scale_factor=(2, 3), mode="bilinear",
                                          align_corners=False).numpy()
    ref = np.moveaxis(ref, 1, -1) if data_format == "channels_last" else ref
    np.testing.assert_allclose(got, ref, rtol=1e-5, atol=1e-6)


def test_upsampling_2d_bilinear_known_values():
    # half-pixel centres: outputs at 0.25 and 0.75 of the way between input pixels
    x = np.array([0.0, 4.0], dtype="float32").reshape(1, 1, 2, 1)
    y = run(reshaping.UpSampling2D((1, 2), interpolation="bilinear"), x)
    np.testing.assert_allclose(y.ravel(), [0, 1, 3, 4])


# -- shapes, config, errors -------------------------------------------------------------------

SHAPES = [
    (lambda: reshaping.ZeroPadding1D((1, 2)), (5, 3), (8, 3)),
    (lambda: reshaping.ZeroPadding2D(((1, 0), (2, 3))), (4, 4, 3), (5, 9, 3)),
    (lambda: reshaping.Cropping1D((1, 2)), (5, 3), (2, 3)),
    (lambda: reshaping.Cropping2D(((2, 2), (4, 4))), (28, 28, 3), (24, 20, 3)),
    (lambda: reshaping.UpSampling1D(), (5, 3), (10, 3)),
    (lambda: reshaping.UpSampling2D(data_format="channels_first"), (3, 4, 5), (3, 8, 10)),
    (lambda: reshaping.UpSampling2D((2, 3), interpolation="bilinear"), (4, 5, 3), (8, 15, 3)),
]


@pytest.mark.parametrize("factory, in_shape, out_shape", SHAPES)
def test_output_shapes(factory, in_shape, out_shape):
    layer = factory()
    assert tuple(layer(ember.zeros(2, *in_shape)).shape) == (2,) + out_shape
    assert layer.count_params() == 0
    assert factory()(Input(shape=in_shape)).shape == (None,) + out_shape


@pytest.mark.parametrize("factory", [f for f, _, _ in SHAPES])
def test_config_round_trip(factory):
    layer = factory()
    config = json.loads(json.dumps(layer.get_config()))
    clone = type(layer).from_config(config)
    assert json.loads(json.dumps(clone.get_config())) == config


@pytest.mark.parametrize("factory, shape, message", [
    (lambda: reshaping.ZeroPadding2D(), (2, 4, 4),
     "ZeroPadding2D 'zero_padding2d.*' expects inputs of rank 4 \\(batch, height, width, "
     "channels\\), got shape \\(2, 4, 4\\)"),
    (lambda: reshaping.Cropping2D(((2, 2), (0, 0))), (1, 4, 4, 1),
     "cropping \\(\\(2, 2\\), \\(0, 0\\)\\) removes the whole spatial size \\(4, 4\\)"),
    (lambda: reshaping.Cropping1D((3, 3)), (1, 5, 2), "removes the whole"),
    (lambda: reshaping.UpSampling1D(), (2, 4), "expects inputs of rank 3"),
])
def test_input_errors(factory, shape, message):
    with pytest.raises(ValueError, match=message):
        factory()(ember.zeros(*shape))


@pytest.mark.parametrize("factory, message", [
    (lambda: reshaping.ZeroPadding2D((1, 2, 3)), "`padding` should have two elements"),
    (lambda: reshaping.ZeroPadding2D(-1), "padding.*>= 0"),
    (lambda: reshaping.ZeroPadding1D((1, -1)), "padding"),
    (lambda: reshaping.Cropping2D(((1, 2, 3), 0)), "1st entry of cropping"),
    (lambda: reshaping.UpSampling2D(interpolation="lanczos3"), "lanczos3.*not supported"),
    (lambda: reshaping.UpSampling2D(size=0), "size"),
])
def test_argument_errors(factory, message):
    with pytest.raises(ValueError, match=message):
        factory()
