"""Core and activation layers: shapes (eager and symbolic), Keras parameter counts and
initialisation, PyTorch parity (values and gradients), masks, configs and error messages."""

import math

import numpy as np
import pytest

import ember
from ember.keras import layers, regularizers
from ember.keras.layers import Input
from ember.keras.layers.layer import Layer, get_mask

torch = pytest.importorskip("torch")

RTOL, ATOL = 1e-5, 1e-6


def rand(*shape, seed=0, low=-2.0, high=2.0):
    return np.random.default_rng(seed).uniform(low, high, shape).astype("float32")


def npy(t):
    """An ember (or torch) tensor's values as a NumPy array."""
    return t.detach().numpy()


def sym_shape(layer, shape, **kw):
    """Output shape of ``layer`` called on ``keras.Input(shape=shape)``."""
    return layer(Input(shape=shape, **kw)).shape


def assert_roundtrip(layer, **from_config_kwargs):
    """``from_config(get_config())`` rebuilds a layer with the same config."""
    config = layer.get_config()
    clone = type(layer).from_config(config, **from_config_kwargs)
    assert clone.get_config() == config
    return clone


def grads_of(layer, x, upstream):
    """Gradient of sum(layer(x) * upstream) w.r.t. x and each weight (NumPy arrays)."""
    xt = ember.from_numpy(x).requires_grad_()
    out = layer(xt)
    (out * ember.from_numpy(upstream)).sum().backward()
    return xt.grad.detach().numpy(), [w.grad.detach().numpy() for w in layer.trainable_weights]


class MaskReader(Layer):
    def call(self, inputs, mask=None):
        self.seen = mask
        return inputs


# -- Dense ----------------------------------------------------------------------------------------

class TestDense:
    def test_shapes_eager_and_symbolic(self):
        assert layers.Dense(128)(rand(32, 784)).shape == (32, 128)
        assert layers.Dense(8)(rand(2, 5, 3)).shape == (2, 5, 8)
        assert sym_shape(layers.Dense(128), (784,)) == (None, 128)
        assert sym_shape(layers.Dense(4), (10, 3)) == (None, 10, 4)
        assert sym_shape(layers.Dense(4), (None, 3)) == (None, None, 4)

    def test_param_counts_match_keras(self):
        d1, d2 = layers.Dense(128), layers.Dense(10)
        d2(d1(rand(1, 784)))
        assert d1.count_params() == 100480 and d2.count_params() == 1290
        no_bias = layers.Dense(10, use_bias=False)
        no_bias(rand(1, 128))
        assert no_bias.count_params() == 1280 and len(no_bias.weights) == 1
        assert [w.shape for w in no_bias.get_weights()] == [(128, 10)]

    def test_keras_initialisation(self):
        ember.manual_seed(0)
        d = layers.Dense(128)
        d(rand(1, 784))
        kernel, bias = d.get_weights()
        std = math.sqrt(2.0 / (784 + 128))
        assert abs(kernel.std() / std - 1) < 0.03
        assert abs(kernel.mean()) < 3 * std / math.sqrt(kernel.size)
        assert np.abs(kernel).max() <= math.sqrt(6.0 / (784 + 128))
        assert np.all(bias == 0)
        named = dict(d.named_parameters())
        assert set(named) == {"kernel", "bias"}

    @pytest.mark.parametrize("shape", [(6, 5), (2, 3, 5), (2, 2, 3, 5)])
    @pytest.mark.parametrize("activation", [None, "relu", "tanh"])
    def test_parity_with_torch_linear(self, shape, activation):
        layer = layers.Dense(7, activation=activation)
        x = rand(*shape, seed=1)
        layer(x)
        kernel, bias = layer.get_weights()
        lin = torch.nn.Linear(5, 7)
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(kernel.T.copy()))
            lin.bias.copy_(torch.from_numpy(bias))
        act = {None: lambda t: t, "relu": torch.relu, "tanh": torch.tanh}[activation]
        xt = torch.from_numpy(x).requires_grad_()
        ref = act(lin(xt))
        upstream = rand(*ref.shape, seed=2)
        (ref * torch.from_numpy(upstream)).sum().backward()
        np.testing.assert_allclose(npy(layer(x)), ref.detach().numpy(), rtol=RTOL, atol=ATOL)
        gx, (gk, gb) = grads_of(layer, x, upstream)
        np.testing.assert_allclose(gx, xt.grad.detach().numpy(), rtol=RTOL, atol=ATOL)
        np.testing.assert_allclose(gk, lin.weight.grad.detach().numpy().T, rtol=RTOL, atol=ATOL)
        np.testing.assert_allclose(gb, lin.bias.grad.detach().numpy(), rtol=RTOL, atol=ATOL)

    def test_integer_inputs_are_cast(self):
        layer = layers.Dense(2, kernel_initializer="ones")
        assert layer(np.array([[1, 2]])).tolist() == [[3.0, 3.0]]

    def test_regularizers_add_losses(self):
        layer = layers.Dense(3, kernel_regularizer=regularizers.L2(0.1),
                             bias_regularizer="l1", activity_regularizer=regularizers.L1(0.5))
        out = layer(rand(2, 4))
        kernel = layer.get_weights()[0]
        losses = [float(v) for v in layer.losses]
        assert len(losses) == 3
        assert np.isclose(sorted(losses)[0], 0.0)  # l1 on the zero bias
        assert any(np.isclose(v, 0.1 * (kernel ** 2).sum(), rtol=1e-5) for v in losses)
        assert any(np.isclose(v, 0.5 * np.abs(npy(out)).sum(), rtol=1e-5) for v in losses)

    def test_mask_passes_through(self):
        x = ember.from_numpy(rand(2, 3, 4))
        masked = layers.Masking(mask_value=99.0)(x)
        out = layers.Dense(5)(masked)
        assert get_mask(out) is not None and get_mask(out).shape == (2, 3)

    def test_config_roundtrip(self):
        layer = layers.Dense(5, activation="relu", use_bias=False, kernel_initializer="he_normal",
                             kernel_regularizer=regularizers.L2(0.01))
        config = layer.get_config()
        assert config["units"] == 5 and config["activation"] == "relu"
        assert config["kernel_initializer"]["class_name"] == "HeNormal"
        assert config["kernel_regularizer"] == {"class_name": "L2", "config": {"l2": 0.01}}
        clone = assert_roundtrip(layer)
        clone(rand(2, 3))
        assert clone.count_params() == 15

    def test_errors(self):
        with pytest.raises(ValueError, match=r"Dense 'dense\w*' expects inputs of rank >= 2"
                                             r".*\(5,\)"):
            layers.Dense(3)(rand(5))
        layer = layers.Dense(3)
        layer(rand(2, 4))
        with pytest.raises(ValueError, match=r"shape \(batch, \.\.\., 4\).*got shape \(2, 5\)"):
            layer(rand(2, 5))
        with pytest.raises(ValueError, match="positive integer.*units=0"):
            layers.Dense(0)
        with pytest.raises(NotImplementedError, match="kernel_constraint"):
            layers.Dense(3, kernel_constraint="max_norm")


# -- Activation layers ----------------------------------------------------------------------------

def torch_relu(x, max_value=None, negative_slope=0.0, threshold=0.0):
    out = torch.where(x >= threshold, x, negative_slope * (x - threshold))
    return out if max_value is None else torch.clamp(out, max=max_value)


ACTIVATION_CASES = [
    (lambda: layers.Activation("relu"), torch.relu),
    (lambda: layers.Activation("sigmoid"), torch.sigmoid),
    (lambda: layers.Activation("softmax"), lambda t: torch.softmax(t, -1)),
    (lambda: layers.ReLU(), torch.relu),
    (lambda: layers.ReLU(max_value=1.0), lambda t: torch_relu(t, max_value=1.0)),
    (lambda: layers.ReLU(negative_slope=0.1, threshold=0.5),
     lambda t: torch_relu(t, negative_slope=0.1, threshold=0.5)),
    (lambda: layers.ReLU(max_value=1.5, negative_slope=0.2),
     lambda t: torch_relu(t, max_value=1.5, negative_slope=0.2)),
    (lambda: layers.LeakyReLU(), lambda t: torch.nn.functional.leaky_relu(t, 0.3)),
    (lambda: layers.LeakyReLU(negative_slope=0.05),
     lambda t: torch.nn.functional.leaky_relu(t, 0.05)),
    (lambda: layers.ELU(), torch.nn.functional.elu),
    (lambda: layers.ELU(alpha=0.5), lambda t: torch.nn.functional.elu(t, 0.5)),
    (lambda: layers.Softmax(), lambda t: torch.softmax(t, -1)),
    (lambda: layers.Softmax(axis=1), lambda t: torch.softmax(t, 1)),
    (lambda: layers.Softmax(axis=(1, 2)),
     lambda t: torch.exp(t - torch.logsumexp(t, dim=(1, 2), keepdim=True))),
]


@pytest.mark.parametrize("make,ref_fn", ACTIVATION_CASES)
def test_activation_layers_parity_with_torch(make, ref_fn):
    layer = make()
    x = rand(3, 4, 5, seed=3)
    x[np.abs(x) < 0.05] = 0.3  # keep away from the kinks at 0
    x[np.abs(x - 0.5) < 0.05] = 0.7
    xt = torch.from_numpy(x).requires_grad_()
    ref = ref_fn(xt)
    upstream = rand(*ref.shape, seed=4)
    (ref * torch.from_numpy(upstream)).sum().backward()
    np.testing.assert_allclose(npy(layer(x)), ref.detach().numpy(), rtol=RTOL, atol=ATOL)
    gx, _ = grads_of(layer, x, upstream)
    np.testing.assert_allclose(gx, xt.grad.detach().numpy(), rtol=RTOL, atol=ATOL)
    assert sym_shape(make(), (4, 5)) == (None, 4, 5)
    assert_roundtrip(layer)


class TestPReLU:
    def test_shapes_and_param_counts(self):
        p = layers.PReLU()
        p(rand(2, 10, 10, 3))
        assert p.count_params() == 300 and tuple(p.alpha.shape) == (10, 10, 3)
        shared = layers.PReLU(shared_axes=[1, 2])
        shared(rand(2, 10, 10, 3))
        assert shared.count_params() == 3 and tuple(shared.alpha.shape) == (1, 1, 3)
        assert np.all(shared.get_weights()[0] == 0)  # Keras's alpha_initializer="zeros"
        assert sym_shape(layers.PReLU(shared_axes=1), (5, 4)) == (None, 5, 4)

    def test_parity_with_torch_prelu(self):
        layer = layers.PReLU(shared_axes=[1, 2], alpha_initializer="random_uniform")
        x = rand(2, 4, 4, 3, seed=5)
        x[np.abs(x) < 0.05] = 0.3
        layer(x)
        ref_layer = torch.nn.PReLU(num_parameters=3)
        with torch.no_grad():
            ref_layer.weight.copy_(torch.from_numpy(layer.get_weights()[0].reshape(3)))
        xt = torch.from_numpy(x).requires_grad_()
        ref = ref_layer(xt.permute(0, 3, 1, 2)).permute(0, 2, 3, 1)  # torch: channels at dim 1
        upstream = rand(*ref.shape, seed=6)
        (ref * torch.from_numpy(upstream)).sum().backward()
        np.testing.assert_allclose(npy(layer(x)), ref.detach().numpy(), rtol=RTOL, atol=ATOL)
        gx, (galpha,) = grads_of(layer, x, upstream)
        np.testing.assert_allclose(gx, xt.grad.detach().numpy(), rtol=RTOL, atol=ATOL)
        np.testing.assert_allclose(galpha.reshape(3), ref_layer.weight.grad.detach().numpy(),
                                   rtol=1e-4, atol=1e-5)

    def test_config_and_errors(self):
        layer = layers.PReLU(shared_axes=[1], alpha_regularizer="l2")
        assert layer.get_config()["shared_axes"] == [1]
        assert_roundtrip(layer)
        built = layers.PReLU()
        built(rand(2, 3))
        with pytest.raises(ValueError, match=r"PReLU 'p_re_lu\w*' was built for inputs of shape "
                                             r"\(batch, 3\).*got shape \(2, 4\)"):
            built(rand(2, 4))
        with pytest.raises(ValueError, match="shared_axes"):
            layers.PReLU(shared_axes=[3])(rand(2, 3))


class TestActivationArguments:
    def test_relu_validation(self):
        with pytest.raises(ValueError, match="max_value.*negative"):
            layers.ReLU(max_value=-1.0)
        with pytest.raises(ValueError, match="negative_slope"):
            layers.ReLU(negative_slope=-0.1)
        with pytest.raises(ValueError, match="threshold"):
            layers.ReLU(threshold=-1.0)

    def test_leaky_relu_keras2_alpha(self):
        with pytest.warns(UserWarning, match="`alpha` is deprecated"):
            layer = layers.LeakyReLU(alpha=0.1)
        assert layer.negative_slope == 0.1
        assert layers.LeakyReLU().negative_slope == 0.3
        with pytest.raises(ValueError, match="negative_slope"):
            layers.LeakyReLU(negative_slope=-1)

    def test_names(self):
        assert layers.ReLU().name.startswith("re_lu")
        assert layers.LeakyReLU().name.startswith("leaky_re_lu")


class TestSoftmaxMask:
    def test_masked_positions_get_zero(self):
        x = rand(2, 4, seed=7)
        mask = np.array([[True, True, False, True], [False, False, False, False]])
        out = layers.Softmax()(x, mask=ember.from_numpy(mask)).detach().numpy()
        keep = x[0, mask[0]]
        expected = np.exp(keep - keep.max()) / np.exp(keep - keep.max()).sum()
        np.testing.assert_allclose(out[0, mask[0]], expected, rtol=1e-6)
        assert out[0, 2] == 0 and np.all(out[1] == 0)  # fully masked row: zeros, not NaN

    def test_mask_from_previous_layer(self):
        x = np.array([[2.0, 0.0, 1.0]], "float32")
        scores = layers.Softmax()(NonZeroMask()(x))
        expected = np.exp([2.0, 1.0]) / np.exp([2.0, 1.0]).sum()
        np.testing.assert_allclose(scores.detach().numpy()[0], [expected[0], 0.0, expected[1]],
                                   rtol=1e-6)


class NonZeroMask(Layer):
    """Passes its input on with the mask ``inputs != 0`` (same shape as the input)."""

    def call(self, inputs):
        return inputs * 1.0

    def compute_mask(self, inputs, mask=None):
        return inputs != 0


# -- dropout and noise ----------------------------------------------------------------------------

class TestDropout:
    def test_inference_is_identity(self):
        x = rand(4, 5)
        for layer in (layers.Dropout(0.5), layers.SpatialDropout1D(0.5),
                      layers.GaussianNoise(0.5), layers.GaussianDropout(0.5)):
            xin = x.reshape(4, 5, 1) if isinstance(layer, layers.SpatialDropout1D) else x
            np.testing.assert_array_equal(layer(xin).detach().numpy(), xin)
            np.testing.assert_array_equal(layer(xin, training=False).detach().numpy(), xin)

    def test_training_drops_and_scales(self):
        ember.manual_seed(1)
        out = layers.Dropout(0.25)(np.ones((200, 100), "float32"), training=True).detach().numpy()
        assert set(np.unique(out)) <= {0.0, np.float32(1 / 0.75)}
        assert abs((out == 0).mean() - 0.25) < 0.02

    def test_noise_shape_shares_draws(self):
        ember.manual_seed(2)
        layer = layers.Dropout(0.5, noise_shape=(None, 1, 6))
        out = layer(np.ones((8, 5, 6), "float32"), training=True).detach().numpy()
        assert np.all(out == out[:, :1, :])  # same drop at every timestep
        assert 0 < (out == 0).mean() < 1
        with pytest.raises(ValueError, match="noise_shape"):
            layers.Dropout(0.5, noise_shape=(None, 2, 6))(np.ones((8, 5, 6), "float32"),
                                                         training=True)

    def test_seed_makes_layer_reproducible(self):
        x = np.ones((10, 10), "float32")
        a = layers.Dropout(0.5, seed=42)(x, training=True).detach().numpy()
        b = layers.Dropout(0.5, seed=42)(x, training=True).detach().numpy()
        np.testing.assert_array_equal(a, b)
        assert 0 < (a == 0).mean() < 1
        noise = [npy(layers.GaussianNoise(0.5, seed=7)(x, training=True)) for _ in range(2)]
        np.testing.assert_array_equal(noise[0], noise[1])
        assert not np.array_equal(noise[0], x)

    def test_gradient_uses_the_same_mask(self):
        x = ember.ones(6, 6, requires_grad=True)
        out = layers.Dropout(0.5)(x, training=True)
        out.sum().backward()
        np.testing.assert_array_equal(x.grad.detach().numpy(), out.detach().numpy())

    @pytest.mark.parametrize("cls,shape,kw,channel_axis", [
        (layers.SpatialDropout1D, (4, 7, 6), {}, 2),
        (layers.SpatialDropout2D, (4, 5, 5, 6), {}, 3),
        (layers.SpatialDropout2D, (4, 6, 5, 5), {"data_format": "channels_first"}, 1),
        (layers.SpatialDropout3D, (4, 3, 3, 3, 6), {}, 4),
    ])
    def test_spatial_dropout_drops_whole_channels(self, cls, shape, kw, channel_axis):
        ember.manual_seed(3)
        out = cls(0.5, **kw)(np.ones(shape, "float32"), training=True).detach().numpy()
        moved = np.moveaxis(out, channel_axis, 1).reshape(shape[0], shape[channel_axis], -1)
        assert np.all(moved == moved[:, :, :1])  # one value per (sample, channel)
        assert 0 < (out == 0).mean() < 1
        assert cls(0.5, **kw)(Input(shape=shape[1:])).shape == (None,) + shape[1:]

    def test_spatial_dropout_rank_error(self):
        with pytest.raises(ValueError, match=r"SpatialDropout2D '\w+' expects inputs of rank "
                                             r"4 \(batch, rows, cols, channels\), got shape "
                                             r"\(2, 3\)"):
            layers.SpatialDropout2D(0.5)(rand(2, 3), training=True)
        with pytest.raises(ValueError, match=r"\(batch, channels, rows, cols\)"):
            layers.SpatialDropout2D(0.5, data_format="channels_first")(rand(2, 3))

    def test_gaussian_noise_and_dropout_statistics(self):
        ember.manual_seed(4)
        x = np.ones((400, 250), "float32")
        noisy = layers.GaussianNoise(0.3)(x, training=True).detach().numpy()
        assert abs(noisy.mean() - 1) < 0.01 and abs(noisy.std() - 0.3) < 0.01
        dropped = layers.GaussianDropout(0.2)(x, training=True).detach().numpy()
        assert abs(dropped.mean() - 1) < 0.01 and abs(dropped.std() - 0.5) < 0.01

    def test_rate_validation_and_configs(self):
        with pytest.raises(ValueError, match="between 0 and 1.*rate=1.5"):
            layers.Dropout(1.5)
        with pytest.raises(ValueError, match="stddev"):
            layers.GaussianNoise(2.0)
        with pytest.raises(ValueError, match="rate=-0.1"):
            layers.GaussianDropout(-0.1)
        for layer in (layers.Dropout(0.2, noise_shape=(None, 1, 3), seed=1),
                      layers.SpatialDropout1D(0.3, seed=2),
                      layers.SpatialDropout2D(0.3, data_format="channels_first"),
                      layers.GaussianNoise(0.1, seed=3), layers.GaussianDropout(0.4)):
            assert_roundtrip(layer)
        assert "noise_shape" not in layers.SpatialDropout1D(0.3).get_config()


# -- shape layers ---------------------------------------------------------------------------------

class TestShapeLayers:
    def test_flatten(self):
        x = rand(2, 3, 4, 5)
        np.testing.assert_array_equal(layers.Flatten()(x).detach().numpy(), x.reshape(2, 60))
        assert sym_shape(layers.Flatten(), (28, 28)) == (None, 784)
        assert layers.Flatten()(rand(3)).shape == (3, 1)
        assert layers.Flatten()(np.zeros((0, 2, 3), "float32")).shape == (0, 6)
        # channels_first: channels move last first, like Keras
        ref = torch.from_numpy(x).permute(0, 2, 3, 1).reshape(2, -1).detach().numpy()
        np.testing.assert_array_equal(npy(layers.Flatten(data_format="channels_first")(x)), ref)
        assert_roundtrip(layers.Flatten(data_format="channels_first"))
        with pytest.raises(ValueError, match="data_format"):
            layers.Flatten(data_format="NHWC")

    def test_reshape(self):
        x = rand(2, 12)
        np.testing.assert_array_equal(npy(layers.Reshape((3, 4))(x)), x.reshape(2, 3, 4))
        assert sym_shape(layers.Reshape((-1, 2, 2)), (12,)) == (None, 3, 2, 2)
        assert layers.Reshape((-1, 2))(np.zeros((0, 12), "float32")).shape == (0, 6, 2)
        assert_roundtrip(layers.Reshape((3, -1)))
        with pytest.raises(ValueError, match="more than one -1"):
            layers.Reshape((-1, -1))
        with pytest.raises(ValueError, match=r"cannot reshape inputs of shape \(2, 12\).*\(5, 2\)"):
            layers.Reshape((5, 2))(x)
        with pytest.raises(ValueError, match=r"\(5, -1\)"):
            layers.Reshape((5, -1))(x)

    def test_permute(self):
        x = rand(2, 3, 4, 5)
        ref = torch.from_numpy(x).permute(0, 3, 1, 2).detach().numpy()
        np.testing.assert_array_equal(layers.Permute((3, 1, 2))(x).detach().numpy(), ref)
        assert sym_shape(layers.Permute((2, 1)), (10, 64)) == (None, 64, 10)
        assert_roundtrip(layers.Permute((2, 1)))
        with pytest.raises(ValueError, match="start from 1.*dims=\\(0, 1\\)"):
            layers.Permute((0, 1))
        with pytest.raises(ValueError, match=r"expects inputs of rank 3.*got shape \(2, 3, 4, 5\)"):
            layers.Permute((2, 1))(x)

    def test_repeat_vector(self):
        x = rand(2, 5)
        out = layers.RepeatVector(3)(x)
        np.testing.assert_array_equal(out.detach().numpy(), np.repeat(x[:, None, :], 3, axis=1))
        assert sym_shape(layers.RepeatVector(4), (32,)) == (None, 4, 32)
        assert_roundtrip(layers.RepeatVector(3))
        xt = ember.from_numpy(x).requires_grad_()
        layers.RepeatVector(3)(xt).sum().backward()
        np.testing.assert_array_equal(xt.grad.detach().numpy(), np.full((2, 5), 3.0))
        with pytest.raises(ValueError, match=r"rank 2 \(batch, features\), got shape \(2, 5, 1\)"):
            layers.RepeatVector(3)(rand(2, 5, 1))

    def test_shape_layers_keep_gradients(self):
        x = ember.from_numpy(rand(2, 3, 4)).requires_grad_()
        y = layers.Permute((2, 1))(layers.Reshape((4, 3))(layers.Flatten()(x).reshape(2, 3, 4)))
        (y * 2).sum().backward()
        np.testing.assert_array_equal(x.grad.detach().numpy(), np.full((2, 3, 4), 2.0))


# -- Lambda, Identity, Masking --------------------------------------------------------------------

def double(x):
    return x * 2


def scale_by(x, factor=1.0):
    return x * factor


def keep_mask(inputs, mask):
    return mask


class TestLambda:
    def test_call_shapes_and_arguments(self):
        x = rand(2, 3)
        np.testing.assert_allclose(layers.Lambda(double)(x).detach().numpy(), 2 * x)
        layer = layers.Lambda(scale_by, arguments={"factor": 3.0})
        np.testing.assert_allclose(layer(x).detach().numpy(), 3 * x)
        assert sym_shape(layers.Lambda(lambda t: t[:, :2]), (5,)) == (None, 2)

    def test_training_and_mask_are_passed(self):
        seen = {}

        def fn(x, mask=None, training=None):
            seen.update(mask=mask, training=training)
            return x

        masked = layers.Masking()(np.array([[[1.0], [0.0]]], "float32"))
        layers.Lambda(fn)(masked, training=True)
        assert seen["training"] is True and seen["mask"].tolist() == [[True, False]]

    def test_mask_function(self):
        masked = layers.Masking()(np.array([[[1.0], [0.0]]], "float32"))
        out = layers.Lambda(double, mask=keep_mask)(masked)
        assert get_mask(out).tolist() == [[True, False]]
        assert get_mask(layers.Lambda(double)(masked)) is None  # Keras drops it without mask=

    def test_config_stores_the_name_only(self):
        layer = layers.Lambda(scale_by, arguments={"factor": 2.0}, mask=keep_mask)
        config = layer.get_config()
        assert config["function"] == "scale_by" and config["mask"] == "keep_mask"
        clone = type(layer).from_config(config, custom_objects={"scale_by": scale_by,
                                                                "keep_mask": keep_mask})
        np.testing.assert_allclose(clone(rand(1, 2)).detach().numpy(), 2 * rand(1, 2))
        with pytest.raises(ValueError, match="custom_objects=.*'scale_by'"):
            layers.Lambda.from_config(config)
        anonymous = layers.Lambda(lambda t: t).get_config()
        with pytest.raises(ValueError, match="anonymous lambda"):
            layers.Lambda.from_config(anonymous)
        from ember.keras.saving import custom_object_scope

        with custom_object_scope({"scale_by": scale_by, "keep_mask": keep_mask}):
            scoped = layers.Lambda.from_config(config)  # how load_model passes custom_objects
        assert scoped.function is scale_by and scoped.mask is keep_mask
        relu = layers.Lambda.from_config(layers.Lambda(ember.relu).get_config())
        assert relu(np.array([[-1.0]], "float32")).tolist() == [[0.0]]

    def test_not_callable(self):
        with pytest.raises(TypeError, match="callable"):
            layers.Lambda(3)


class TestIdentityAndMasking:
    def test_identity(self):
        x = rand(2, 3)
        np.testing.assert_array_equal(layers.Identity()(x).detach().numpy(), x)
        masked = layers.Masking()(np.array([[[1.0], [0.0]]], "float32"))
        assert get_mask(layers.Identity()(masked)).tolist() == [[True, False]]
        assert sym_shape(layers.Identity(), (4,)) == (None, 4)

    def test_masking_output_and_mask(self):
        x = np.array([[[1.0, 2.0], [-1.0, -1.0], [0.0, -1.0]],
                      [[-1.0, -1.0], [3.0, 4.0], [-1.0, -1.0]]], "float32")
        out = layers.Masking(mask_value=-1.0)(x)
        assert get_mask(out).tolist() == [[True, False, True], [False, True, False]]
        expected = x * np.array([[1, 0, 1], [0, 1, 0]], "float32")[..., None]
        np.testing.assert_array_equal(out.detach().numpy(), expected)
        reader = MaskReader()
        reader(out)
        assert reader.seen.tolist() == [[True, False, True], [False, True, False]]
        assert sym_shape(layers.Masking(), (3, 2)) == (None, 3, 2)
        assert_roundtrip(layers.Masking(mask_value=-1.0))
