"""The Keras Layer base: names, lazy build, weights API, training flag, masks, symbolic calls,
and the initializer / activation / regularizer registries."""

import numpy as np
import pytest

import ember
from ember.keras import activations, initializers, regularizers
from ember.keras.layers.input_layer import Input, KerasTensor, infer_output_shape
from ember.keras.layers.layer import Layer, get_mask, set_mask, to_snake_case, unique_name


class Scale(Layer):
    """y = x * w (+ b): one trainable vector, one non-trainable counter."""

    def __init__(self, use_counter=False, **kwargs):
        super().__init__(**kwargs)
        self.use_counter = use_counter

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="w",
                                 regularizer=regularizers.L2(0.5))
        if self.use_counter:
            self.calls = self.add_weight(shape=(), initializer="zeros", name="calls",
                                         trainable=False)

    def call(self, inputs, training=None):
        if self.use_counter and training:
            self.calls.add_(1.0)
        return inputs * self.w


class Noisy(Layer):
    def call(self, inputs, training=None):
        return inputs + 1.0 if training else inputs


class Outer(Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.inner = Noisy()

    def call(self, inputs):
        return self.inner(inputs)


class MaskMaker(Layer):
    def call(self, inputs):
        return inputs * 1.0

    def compute_mask(self, inputs, mask=None):
        return inputs != 0


class MaskReader(Layer):
    def call(self, inputs, mask=None):
        self.seen = mask
        return inputs


def test_snake_case_and_unique_names():
    assert to_snake_case("Conv2DTranspose") == "conv2d_transpose"
    assert to_snake_case("BatchNormalization") == "batch_normalization"
    assert to_snake_case("LSTM") == "lstm"
    assert to_snake_case("GlobalAveragePooling2D") == "global_average_pooling2d"
    first = unique_name("zz_test")
    assert (first, unique_name("zz_test")) == ("zz_test", "zz_test_1")
    a, b = Scale(), Scale()
    assert a.name != b.name and a.name.startswith("scale")
    assert Scale(name="mine").name == "mine"


def test_lazy_build_and_weights_api():
    layer = Scale(use_counter=True)
    assert not layer.built
    with pytest.raises(ValueError, match="isn't built"):
        layer.count_params()
    y = layer(np.ones((2, 3)))
    assert layer.built and y.dtype == ember.float32  # float64 input autocast to float32
    assert [tuple(w.shape) for w in layer.weights] == [(3,), ()]
    assert len(layer.trainable_weights) == 1 and len(layer.non_trainable_weights) == 1
    assert layer.count_params() == 4
    layer.set_weights([np.array([1.0, 2.0, 3.0]), np.array(5.0)])
    np.testing.assert_allclose(layer(np.ones((1, 3))).detach().numpy(), [[1.0, 2.0, 3.0]])
    got = layer.get_weights()
    got[0][0] = 100.0  # copies, not views
    assert float(layer.w[0]) == 1.0
    with pytest.raises(ValueError, match=r"expected 2 arrays"):
        layer.set_weights([np.ones(3)])
    with pytest.raises(ValueError,
                       match=r"weight 0 has shape \(3,\), got an array of shape \(4,\)"):
        layer.set_weights([np.ones(4), np.array(0.0)])


def test_trainable_freezes_and_regularizer_losses():
    layer = Scale()
    layer(np.ones((1, 2)))
    (penalty,) = layer.losses
    assert float(penalty) == pytest.approx(0.5 * 2)
    layer.trainable = False
    assert layer.trainable_weights == [] and len(layer.non_trainable_weights) == 1
    assert not layer.w.requires_grad and layer.losses == []
    layer.trainable = True
    assert layer.w.requires_grad


def test_activity_regularizer_and_add_loss_cleared_each_call():
    layer = Noisy(activity_regularizer=regularizers.L1(0.1))
    layer(np.full((2, 2), -1.0))
    assert [float(v) for v in layer.losses] == [pytest.approx(0.4)]
    layer(np.full((2, 2), 2.0))
    assert [float(v) for v in layer.losses] == [pytest.approx(0.8)]


def test_training_flag_resolution():
    layer = Noisy()
    x = np.zeros((1, 2), dtype="float32")
    assert float(layer(x).sum()) == 0.0  # Keras layers start in inference mode
    assert float(layer(x, training=True).sum()) == 2.0
    layer.train()  # the PyTorch-style switch for an explicit loop
    assert float(layer(x).sum()) == 2.0
    assert float(layer(x, training=False).sum()) == 0.0
    outer = Outer()
    assert float(outer(x, training=True).sum()) == 2.0  # propagated to the nested call
    assert float(outer(x).sum()) == 0.0


def test_masks_flow_between_layers():
    x = ember.tensor([[1.0, 0.0, 2.0]])
    y = MaskMaker()(x)
    assert get_mask(y).tolist() == [[True, False, True]]
    reader = MaskReader()
    reader(y)
    assert reader.seen.tolist() == [[True, False, True]]
    z = ember.ones(2)
    set_mask(z, ember.tensor([True, False]))
    set_mask(z, None)
    assert get_mask(z) is None


def test_symbolic_call_records_node_and_infers_shapes():
    inp = Input(shape=(None, 4), name="seq")
    assert isinstance(inp, KerasTensor) and inp.shape == (None, None, 4)
    layer = Scale()
    out = layer(inp)
    assert out.shape == (None, None, 4) and layer.built
    assert layer.output is out and layer.input is inp
    node = layer._inbound_nodes[0]
    assert node.keras_inputs == [inp]
    assert infer_output_shape(layer, (None, 7, 4)) == (None, 7, 4)
    picked = out[:, -1]
    assert picked.shape == (None, 4)
    summed = (1.0 - picked) * 2.0
    assert summed.shape == (None, 4)
    with pytest.raises(TypeError, match="truth value"):
        bool(inp)


def test_symbolic_error_names_layer_and_shapes():
    class Bad(Layer):
        def call(self, inputs):
            return inputs.reshape(5, 7)

    message = r"while calling layer 'bad.*' on symbolic inputs of shape \(None, 3\)"
    with pytest.raises(RuntimeError, match=message):
        Bad()(Input(shape=(3,)))


def test_unknown_keyword_is_rejected():
    with pytest.raises(TypeError, match="unexpected keyword argument"):
        Scale(nonsense=1)


@pytest.mark.parametrize("name, shape, std", [
    ("glorot_uniform", (300, 200), np.sqrt(2 / 500)),
    ("glorot_normal", (300, 200), np.sqrt(2 / 500)),
    ("he_normal", (3, 3, 32, 64), np.sqrt(2 / (9 * 32))),
    ("he_uniform", (400, 100), np.sqrt(2 / 400)),
    ("lecun_normal", (400, 100), np.sqrt(1 / 400)),
    ("random_normal", (400, 100), 0.05),
    ("random_uniform", (400, 100), 0.1 / np.sqrt(12)),
])
def test_initializer_statistics(name, shape, std):
    ember.manual_seed(0)
    w = initializers.get(name)(shape)
    assert w.shape == shape and w.dtype == np.float32
    assert abs(w.mean()) < 0.05 * std + 1e-3
    assert w.std() == pytest.approx(std, rel=0.03)


def test_initializers_misc():
    q = initializers.get("orthogonal")((64, 256))
    np.testing.assert_allclose(q @ q.T, np.eye(64), atol=1e-5)
    assert initializers.get("zeros")((2,)).tolist() == [0, 0]
    assert initializers.Constant(3)((2,)).tolist() == [3, 3]
    t = initializers.TruncatedNormal(stddev=1.0)((10000,))
    assert np.abs(t).max() <= 2.0
    ember.manual_seed(1)
    a = initializers.GlorotUniform()((3, 3))
    ember.manual_seed(1)
    np.testing.assert_array_equal(a, initializers.GlorotUniform()((3, 3)))
    np.testing.assert_array_equal(initializers.GlorotUniform(seed=3)((3, 3)),
                                  initializers.GlorotUniform(seed=3)((3, 3)))
    cfg = initializers.serialize(initializers.VarianceScaling(2.0, "fan_out", "uniform"))
    assert cfg == {"class_name": "VarianceScaling",
                   "config": {"scale": 2.0, "mode": "fan_out", "distribution": "uniform",
                              "seed": None}}
    assert isinstance(initializers.deserialize(cfg), initializers.VarianceScaling)
    with pytest.raises(ValueError, match="unknown initializer 'glorot'"):
        initializers.get("glorot")


def test_activations_registry():
    x = ember.tensor([[-1.0, 0.0, 2.0]])
    np.testing.assert_allclose(activations.get("relu")(x).numpy(), [[0, 0, 2]])
    np.testing.assert_allclose(activations.get("softmax")(x).numpy().sum(), 1.0, rtol=1e-6)
    np.testing.assert_allclose(activations.relu(x, max_value=1.0, negative_slope=0.5).numpy(),
                               [[-0.5, 0, 1]])
    assert activations.get("swish") is activations.silu
    assert activations.serialize(activations.get("tanh")) == "tanh"
    with pytest.raises(ValueError, match="unknown activation 'relux'"):
        activations.get("relux")


def test_regularizers():
    x = ember.tensor([1.0, -2.0])
    assert float(regularizers.L1L2(l1=0.1, l2=0.2)(x)) == pytest.approx(0.3 + 1.0)
    assert float(regularizers.get("l2")(x)) == pytest.approx(0.05)
    cfg = regularizers.serialize(regularizers.L2(0.3))
    assert cfg == {"class_name": "L2", "config": {"l2": 0.3}}
    assert regularizers.deserialize(cfg).l2 == 0.3
