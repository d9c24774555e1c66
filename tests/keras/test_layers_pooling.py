"""Keras pooling layers: shapes (eager and symbolic), PyTorch parity for "valid" windows,
TensorFlow's "same" windows against a NumPy reference (padding never wins a max and is left
out of a mean), global pooling with keepdims and masks, gradients, configs and errors."""

import json
import math

import numpy as np
import pytest

import ember
from ember.keras.layers import Input, pooling
from ember.keras.layers.layer import get_mask, set_mask
from tests.helpers import requires_torch, torch

RNG = np.random.default_rng(1)
TOL = dict(rtol=1e-5, atol=1e-6)


def rand(*shape):
    return RNG.standard_normal(shape).astype("float32")


def run(layer, x, **kwargs):
    return layer(ember.from_numpy(x), **kwargs).detach().numpy()


def reference_pool(x, pool, strides, padding, mode):
    """NumPy pooling of channels-last ``x`` (batch, *spatial, channels), TensorFlow's rules:
    "same" pads with NaN, which nanmax / nanmean ignore."""
    rank = len(pool)
    spatial = x.shape[1:-1]
    pads, outs = [], []
    for n, k, s in zip(spatial, pool, strides):
        if padding == "same":
            out = math.ceil(n / s)
            total = max((out - 1) * s + k - n, 0)
            pads.append((total // 2, total - total // 2))
        else:
            out = (n - k) // s + 1
            pads.append((0, 0))
        outs.append(out)
    xp = np.pad(x.astype("float64"), [(0, 0)] + pads + [(0, 0)], constant_values=np.nan)
    y = np.empty((x.shape[0], *outs, x.shape[-1]))
    reduce = np.nanmax if mode == "max" else np.nanmean
    for idx in np.ndindex(*outs):
        window = tuple(slice(i * s, i * s + k) for i, s, k in zip(idx, strides, pool))
        y[(slice(None),) + idx] = reduce(xp[(slice(None),) + window],
                                         axis=tuple(range(1, rank + 1)))
    return y


# -- shapes -------------------------------------------------------------------------------------

SHAPES = [
    (lambda: pooling.MaxPooling2D(), (26, 26, 32), (13, 13, 32)),
    (lambda: pooling.MaxPooling2D((3, 2), strides=(2, 1)), (9, 8, 2), (4, 7, 2)),
    (lambda: pooling.MaxPooling2D(2, padding="same"), (5, 7, 2), (3, 4, 2)),
    (lambda: pooling.MaxPooling2D(data_format="channels_first"), (3, 8, 6), (3, 4, 3)),
    (lambda: pooling.AveragePooling2D(3, strides=1, padding="same"), (5, 5, 2), (5, 5, 2)),
    (lambda: pooling.MaxPooling1D(), (9, 4), (4, 4)),
    (lambda: pooling.AveragePooling1D(3, strides=2, padding="same"), (9, 4), (5, 4)),
    (lambda: pooling.GlobalAveragePooling1D(), (7, 4), (4,)),
    (lambda: pooling.GlobalAveragePooling1D(keepdims=True), (7, 4), (1, 4)),
    (lambda: pooling.GlobalAveragePooling2D(), (5, 6, 3), (3,)),
    (lambda: pooling.GlobalAveragePooling2D(keepdims=True, data_format="channels_first"),
     (3, 5, 6), (3, 1, 1)),
    (lambda: pooling.GlobalMaxPooling1D(data_format="channels_first"), (4, 7), (4,)),
    (lambda: pooling.GlobalMaxPooling2D(keepdims=True), (5, 6, 3), (1, 1, 3)),
]


@pytest.mark.parametrize("factory, in_shape, out_shape", SHAPES)
def test_output_shapes(factory, in_shape, out_shape):
    layer = factory()
    assert tuple(layer(ember.zeros(2, *in_shape)).shape) == (2,) + out_shape
    assert layer.count_params() == 0
    assert factory()(Input(shape=in_shape)).shape == (None,) + out_shape


def test_defaults_and_aliases():
    assert pooling.MaxPooling2D().pool_size == (2, 2)
    assert pooling.MaxPooling2D().strides == (2, 2)  # strides default to pool_size
    assert pooling.MaxPooling1D(3).strides == (3,)
    assert pooling.MaxPooling2D().name.startswith("max_pooling2d")
    assert pooling.MaxPool2D is pooling.MaxPooling2D
    assert pooling.GlobalAvgPool1D is pooling.GlobalAveragePooling1D


# -- values -----------------------------------------------------------------------------------


@requires_torch
@pytest.mark.parametrize("mode", ["max", "average"])
@pytest.mark.parametrize("rank, pool, strides", [(2, (2, 2), None), (2, (3, 2), (2, 1)),
                                                 (1, (3,), (2,)), (1, (2,), None)])
def test_valid_pooling_matches_torch(mode, rank, pool, strides):
    cls = {("max", 1): pooling.MaxPooling1D, ("max", 2): pooling.MaxPooling2D,
           ("average", 1): pooling.AveragePooling1D,
           ("average", 2): pooling.AveragePooling2D}[mode, rank]
    layer = cls(pool, strides=strides)
    x = rand(2, *(9, 8)[:rank], 3)
    xt = torch.from_numpy(np.moveaxis(x, -1, 1).copy())
    fn = getattr(torch.nn.functional, ("max" if mode == "max" else "avg") + f"_pool{rank}d")
    ref = fn(xt, pool, strides or pool).numpy()
    np.testing.assert_allclose(run(layer, x), np.moveaxis(ref, 1, -1), **TOL)


SAME_1D = [(n, k, s) for n in (1, 2, 5, 6, 7) for k in (1, 2, 3, 4) for s in (1, 2, 3)]


@pytest.mark.parametrize("mode", ["max", "average"])
def test_same_pooling_1d_follows_tensorflow_on_every_small_geometry(mode):
    cls = pooling.MaxPooling1D if mode == "max" else pooling.AveragePooling1D
    for n, k, s in SAME_1D:
        x = rand(2, n, 3)
        got = run(cls(k, strides=s, padding="same"), x)
        np.testing.assert_allclose(got, reference_pool(x, (k,), (s,), "same", mode), **TOL,
                                   err_msg=f"size {n}, pool {k}, stride {s}")


@pytest.mark.parametrize("mode", ["max", "average"])
@pytest.mark.parametrize("pool, strides, size", [
    ((2, 2), (2, 2), (5, 7)), ((3, 3), (1, 1), (5, 6)), ((2, 3), (1, 2), (6, 5)),
    ((3, 2), (2, 1), (7, 4)), ((4, 4), (3, 3), (8, 9)),
])
def test_same_pooling_2d_follows_tensorflow(mode, pool, strides, size):
    cls = pooling.MaxPooling2D if mode == "max" else pooling.AveragePooling2D
    x = rand(2, *size, 3)
    got = run(cls(pool, strides=strides, padding="same"), x)
    np.testing.assert_allclose(got, reference_pool(x, pool, strides, "same", mode), **TOL)
    first = run(cls(pool, strides=strides, padding="same", data_format="channels_first"),
                np.moveaxis(x, -1, 1).copy())
    np.testing.assert_allclose(np.moveaxis(first, 1, -1), got, **TOL)


def test_keras_documented_examples():
    x = np.array([1.0, 2.0, 3.0, 4.0, 5.0], dtype="float32").reshape(1, 5, 1)
    same = run(pooling.AveragePooling1D(pool_size=2, strides=1, padding="same"), x)
    np.testing.assert_allclose(same.ravel(), [1.5, 2.5, 3.5, 4.5, 5.0])
    np.testing.assert_allclose(run(pooling.MaxPooling1D(2, strides=1, padding="same"),
                                   x).ravel(), [2, 3, 4, 5, 5])
    img = np.arange(1, 10, dtype="float32").reshape(1, 3, 3, 1)
    avg = run(pooling.AveragePooling2D((2, 2), strides=(1, 1), padding="same"), img)
    np.testing.assert_allclose(avg[0, :, :, 0], [[3, 4, 4.5], [6, 7, 7.5], [7.5, 8.5, 9]])


def test_max_pool_padding_never_wins():
    x = -np.ones((1, 3, 1), dtype="float32")  # all negative: a zero pad would win
    np.testing.assert_allclose(run(pooling.MaxPooling1D(2, padding="same"), x).ravel(),
                               [-1, -1])


def test_pooling_gradients_flow():
    x = ember.from_numpy(rand(2, 5, 5, 3)).requires_grad_()
    y = pooling.MaxPooling2D(2, padding="same")(x)
    y.sum().backward()
    g = x.grad.numpy()
    assert g.shape == (2, 5, 5, 3)
    assert g.sum() == pytest.approx(2 * 3 * 3 * 3)  # one winner per window
    x.grad = None
    pooling.AveragePooling2D(2)(x).sum().backward()
    assert x.grad.numpy()[:, :4, :4].ravel() == pytest.approx(np.full(2 * 4 * 4 * 3, 0.25))
    assert np.all(x.grad.numpy()[:, 4] == 0)  # the last row is in no "valid" window


# -- global pooling ---------------------------------------------------------------------------


@pytest.mark.parametrize("cls, reduce", [(pooling.GlobalAveragePooling2D, np.mean),
                                         (pooling.GlobalMaxPooling2D, np.max),
                                         (pooling.GlobalAveragePooling1D, np.mean),
                                         (pooling.GlobalMaxPooling1D, np.max)])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_global_pooling_values(cls, reduce, data_format):
    rank = 2 if cls.__name__.endswith("2D") else 1
    x = rand(3, 4, 5, 6)[(slice(None),) * (rank + 1) + (0,) * (2 - rank)]
    axes = tuple(range(1, rank + 1)) if data_format == "channels_last" else tuple(
        range(2, rank + 2))
    got = run(cls(data_format=data_format), x)
    np.testing.assert_allclose(got, reduce(x, axis=axes), **TOL)
    kept = run(cls(data_format=data_format, keepdims=True), x)
    np.testing.assert_allclose(kept, reduce(x, axis=axes, keepdims=True), **TOL)


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_global_average_pooling_1d_excludes_masked_steps(data_format):
    x = rand(3, 6, 4)
    mask = np.array([[1, 1, 1, 0, 0, 0], [1, 1, 1, 1, 1, 1], [0, 1, 0, 1, 0, 0]], dtype=bool)
    expected = np.stack([x[i][mask[i]].mean(axis=0) for i in range(3)])
    xin = x if data_format == "channels_last" else np.moveaxis(x, 1, 2).copy()
    layer = pooling.GlobalAveragePooling1D(data_format=data_format)
    y = layer(ember.from_numpy(xin), mask=ember.from_numpy(mask))
    np.testing.assert_allclose(y.numpy(), expected, **TOL)
    assert get_mask(y) is None  # Keras's compute_mask: the pooled output has no mask


def test_global_average_pooling_1d_picks_up_an_attached_mask():
    x = ember.from_numpy(rand(2, 4, 3))
    mask = ember.from_numpy(np.array([[1, 0, 0, 0], [1, 1, 0, 0]], dtype=bool))
    set_mask(x, mask)
    y = pooling.GlobalAveragePooling1D()(x).numpy()
    np.testing.assert_allclose(y[0], x.numpy()[0, 0], **TOL)
    np.testing.assert_allclose(y[1], x.numpy()[1, :2].mean(axis=0), **TOL)


def test_masked_mean_gradient_skips_masked_steps():
    x = ember.from_numpy(rand(1, 4, 2)).requires_grad_()
    mask = ember.from_numpy(np.array([[1, 1, 0, 0]], dtype=bool))
    pooling.GlobalAveragePooling1D()(x, mask=mask).sum().backward()
    np.testing.assert_allclose(x.grad.numpy()[0], [[0.5, 0.5], [0.5, 0.5], [0, 0], [0, 0]])


# -- config and errors ------------------------------------------------------------------------


@pytest.mark.parametrize("factory, shape", [
    (lambda: pooling.MaxPooling2D((3, 2), strides=1, padding="same", name="p"), (2, 5, 5, 3)),
    (lambda: pooling.AveragePooling1D(2, data_format="channels_first"), (2, 3, 6)),
    (lambda: pooling.GlobalAveragePooling1D(keepdims=True), (2, 5, 3)),
    (lambda: pooling.GlobalMaxPooling2D(data_format="channels_first"), (2, 3, 4, 4)),
])
def test_config_round_trip(factory, shape):
    layer = factory()
    config = json.loads(json.dumps(layer.get_config()))
    clone = type(layer).from_config(config)
    assert json.loads(json.dumps(clone.get_config())) == config
    x = rand(*shape)
    np.testing.assert_allclose(run(clone, x), run(layer, x))


@pytest.mark.parametrize("factory, shape, message", [
    (lambda: pooling.MaxPooling2D(), (2, 8, 8),
     "MaxPooling2D 'max_pooling2d.*' expects inputs of rank 4 \\(batch, height, width, "
     "channels\\), got shape \\(2, 8, 8\\)"),
    (lambda: pooling.AveragePooling1D(4), (2, 3, 5), "pool \\(4,\\) does not fit"),
    (lambda: pooling.GlobalAveragePooling2D(), (2, 3, 5), "expects inputs of rank 4"),
    (lambda: pooling.GlobalMaxPooling1D(), (2, 3), "expects inputs of rank 3"),
])
def test_input_errors(factory, shape, message):
    with pytest.raises(ValueError, match=message):
        factory()(ember.zeros(*shape))


def test_mask_shape_error():
    with pytest.raises(ValueError, match="mask of shape \\(2, 3\\) does not match"):
        pooling.GlobalAveragePooling1D()(ember.zeros(2, 4, 3), mask=ember.ones(2, 3))


@pytest.mark.parametrize("factory, message", [
    (lambda: pooling.MaxPooling2D(padding="causal"), "padding"),
    (lambda: pooling.MaxPooling2D((2, 2, 2)), "pool_size.*tuple of 2 integers"),
    (lambda: pooling.AveragePooling1D(2, strides=0), "strides"),
])
def test_argument_errors(factory, message):
    with pytest.raises(ValueError, match=message):
        factory()
