"""Keras models: Sequential, functional, subclassed, TorchModuleWrapper, masks and training."""

import numpy as np
import pytest

import ember
from ember.keras import backend, layers
from ember.keras.layers.input_layer import InputLayer
from ember.keras.layers.module_wrapper import TorchModuleWrapper
from ember.keras.models import Functional, Model, Sequential


def np_out(t):
    return t.detach().numpy()


@pytest.fixture(autouse=True)
def _fresh_names():
    backend.clear_session()


def dense_forward(layer, x):
    kernel, bias = layer.get_weights()
    return x @ kernel + bias


# -- Sequential ---------------------------------------------------------------------------------

def test_sequential_with_input_is_built_at_once_and_registers_layers_by_name():
    model = Sequential([layers.Input(shape=(28, 28)), layers.Flatten(), layers.Dense(8),
                        layers.Dense(3)])
    assert model.built
    assert [layer.name for layer in model.layers] == ["flatten", "dense", "dense_1"]
    assert list(model.state_dict()) == ["dense.kernel", "dense.bias", "dense_1.kernel",
                                        "dense_1.bias"]
    assert model.count_params() == 784 * 8 + 8 + 8 * 3 + 3
    assert model.output_shape == (None, 3)
    assert model.input_shape == (None, 28, 28)
    assert isinstance(model, ember.nn.Module)


def test_sequential_input_shape_on_first_layer_builds_at_once():
    model = Sequential([layers.Dense(4, input_shape=(6,)), layers.Dense(2)])
    assert model.built and model.input_shape == (None, 6)
    assert [w.shape for w in model.get_weights()] == [(6, 4), (4,), (4, 2), (2,)]


def test_sequential_without_input_builds_on_first_call_with_batch_none():
    model = Sequential([layers.Dense(4), layers.Dense(2)])
    assert not model.built and model.weights == []
    with pytest.raises(ValueError, match="has no defined input shape yet"):
        _ = model.input_shape
    x = np.random.rand(5, 3).astype("float32")
    y = model(x)
    assert model.built and model.input_shape == (None, 3) and model.output_shape == (None, 2)
    d0, d1 = model.layers
    np.testing.assert_allclose(np_out(y), dense_forward(d1, dense_forward(d0, x)), rtol=1e-5)


def test_sequential_build_with_input_shape():
    model = Sequential([layers.Dense(4), layers.Dense(2)])
    model.build((None, 7))
    assert model.built and model.count_params() == 7 * 4 + 4 + 4 * 2 + 2
    with pytest.raises(ValueError, match=r"already been configured to use input shape \(None, 7\)"):
        model.build((None, 5))


def test_sequential_add_pop_and_incremental_build():
    model = Sequential()
    model.add(layers.Input(shape=(4,)))
    model.add(layers.Dense(3))
    assert model.built and model.output_shape == (None, 3)
    model.add(layers.Dense(2))
    assert model.output_shape == (None, 2)
    popped = model.pop()
    assert popped.name == "dense_1" and model.output_shape == (None, 3)
    assert "dense_1" not in dict(model.named_children())
    assert model(np.ones((2, 4))).shape == (2, 3)
    model.pop()
    with pytest.raises(TypeError, match="there are no layers to pop"):
        model.pop()


def test_sequential_rejects_bad_layers_with_keras_messages():
    model = Sequential([layers.Dense(2, name="d")])
    with pytest.raises(ValueError, match="Name 'd' is already the name of a layer in this model"):
        model.add(layers.Dense(3, name="d"))
    with pytest.raises(ValueError, match="Only instances of `keras.Layer`"):
        model.add("dense")
    with pytest.raises(ValueError, match="an Input can only be the first layer"):
        model.add(layers.Input(shape=(3,)))
    with_input = Sequential([layers.Input(shape=(3,)), layers.Dense(2)])
    with pytest.raises(ValueError, match="already been configured to use input shape"):
        with_input.add(layers.Input(shape=(4,)))
    with pytest.raises(ValueError, match="cannot be built because it has no layers"):
        Sequential().build((None, 3))


def test_sequential_checks_input_shape_with_a_clear_error():
    model = Sequential([layers.Input(shape=(784,)), layers.Dense(2)])
    with pytest.raises(ValueError) as e:
        model(np.zeros((32, 28, 28), "float32"))
    assert "Input 'input_layer' of model 'sequential' expects shape (None, 784), " \
           "got (32, 28, 28)" in str(e.value)


def test_sequential_lazily_built_accepts_other_sequence_lengths():
    model = Sequential([layers.Embedding(10, 4), layers.GlobalAveragePooling1D()])
    assert model(np.ones((2, 5), "int64")).shape == (2, 4)
    assert model(np.ones((2, 7), "int64")).shape == (2, 4)


def test_sequential_casts_inputs_to_the_input_dtype():
    model = Sequential([layers.Input(shape=(3,)), layers.Dense(2)])
    y = model(np.ones((2, 3), dtype="uint8"))
    assert y.dtype == ember.float32


# -- TorchModuleWrapper -------------------------------------------------------------------------

def test_plain_module_is_wrapped_and_its_parameters_are_the_weights():
    net = ember.nn.Sequential(ember.nn.Linear(5, 4), ember.nn.ReLU(), ember.nn.Linear(4, 2))
    model = Sequential([net])
    wrapper = model.layers[0]
    assert isinstance(wrapper, TorchModuleWrapper) and wrapper.module is net
    assert wrapper.count_params() == 5 * 4 + 4 + 4 * 2 + 2
    assert list(model.state_dict())[0] == "torch_module_wrapper.module.0.weight"
    x = np.random.rand(3, 5).astype("float32")
    np.testing.assert_allclose(np_out(model(x)), np_out(net(ember.from_numpy(x))), rtol=1e-6)
    assert model.count_params() == wrapper.count_params() and model.output_shape == (None, 2)
    assert len(model.trainable_weights) == 4


def test_wrapper_applies_the_training_flag_to_the_module():
    net = ember.nn.Sequential(ember.nn.Dropout(0.5))
    wrapper = TorchModuleWrapper(net)
    x = ember.ones(64, 64)
    assert np.array_equal(np_out(wrapper(x)), np.ones((64, 64)))  # Keras: inference by default
    assert not net.training
    y = np_out(wrapper(x, training=True))
    assert net.training and set(np.unique(y)) == {0.0, 2.0}


def test_wrapper_rejects_non_modules_and_keras_layers():
    with pytest.raises(TypeError, match="must be an ember.nn.Module"):
        TorchModuleWrapper(lambda x: x)
    with pytest.raises(TypeError, match="is already a Keras layer"):
        TorchModuleWrapper(layers.Dense(2))


def test_wrapper_follows_the_module_dtype():
    wrapper = TorchModuleWrapper(ember.nn.Linear(3, 2).double())
    assert wrapper.dtype == "float64"
    assert wrapper(np.ones((1, 3))).dtype == ember.float64


def test_a_pytorch_style_module_is_compiled_and_fitted_in_one_line():
    ember.manual_seed(0)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(128, 4)).astype("float32")
    y = (x[:, 0] > 0).astype("int64")
    model = Sequential([ember.nn.Sequential(ember.nn.Linear(4, 16), ember.nn.ReLU(),
                                            ember.nn.Linear(16, 2))])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, epochs=3, batch_size=16, verbose=0)
    losses = history.history["loss"]
    assert losses[-1] < losses[0]


# -- functional ---------------------------------------------------------------------------------

def two_input_model():
    a = layers.Input(shape=(4,), name="a")
    b = layers.Input(shape=(3,), name="b")
    h = layers.Concatenate()([layers.Dense(5, name="da")(a), b])
    out1 = layers.Dense(2, name="head1")(h)
    out2 = layers.Dense(1, name="head2")(h)
    return Model([a, b], [out1, out2])


def test_model_with_inputs_and_outputs_is_functional():
    x = layers.Input(shape=(3,))
    y = layers.Dense(2)(x)
    assert type(Model(x, y)) is Functional
    assert type(Model(inputs=x, outputs=y)) is Functional
    assert type(Model(x, outputs=y)) is Functional
    model = Model(x, y)
    assert model.name == "functional_3" and model.inputs == [x] and model.outputs == [y]
    assert model.input is x and model.output is y
    with pytest.raises(TypeError, match="keyword arguments only"):
        Model(x)


def test_functional_layers_in_topological_order_with_input_layers():
    model = two_input_model()
    names = [layer.name for layer in model.layers]
    assert names == ["a", "da", "b", "concatenate", "head1", "head2"]
    assert isinstance(model.layers[0], InputLayer)
    assert model.get_layer("da") is model.layers[1]
    assert model.get_layer(index=4).name == "head1"
    with pytest.raises(ValueError, match="No such layer: nope"):
        model.get_layer("nope")
    with pytest.raises(ValueError, match="only has 6 layers"):
        model.get_layer(index=6)
    with pytest.raises(ValueError, match="Provide only a layer name or a layer index"):
        model.get_layer("da", 1)
    assert list(model.state_dict())[:2] == ["da.kernel", "da.bias"]
    assert model.output_names == ["head1", "head2"]


def test_functional_inputs_as_list_dict_by_name_and_outputs_as_list():
    model = two_input_model()
    xa, xb = np.random.rand(2, 4), np.random.rand(2, 3)
    out1, out2 = model([xa, xb])
    by_name = model({"b": xb, "a": xa})
    np.testing.assert_allclose(np_out(by_name[0]), np_out(out1))
    da, head1 = model.get_layer("da"), model.get_layer("head1")
    h = np.concatenate([dense_forward(da, xa.astype("float32")), xb], axis=1)
    np.testing.assert_allclose(np_out(out1), dense_forward(head1, h), rtol=1e-5)
    assert out2.shape == (2, 1)


def test_functional_dict_inputs_and_outputs():
    inputs = {"x": layers.Input(shape=(2,), name="x"), "y": layers.Input(shape=(2,), name="y")}
    s = layers.Add()([inputs["x"], inputs["y"]])
    model = Model(inputs, {"sum": s, "double": s * 2.0})
    out = model({"x": np.ones((1, 2)), "y": np.full((1, 2), 2.0)})
    assert set(out) == {"sum", "double"}
    assert np_out(out["double"]).tolist() == [[6.0, 6.0]]
    with pytest.raises(ValueError, match=r"missing \['y'\]"):
        model({"x": np.ones((1, 2))})


def test_functional_input_errors_are_clear():
    model = two_input_model()
    with pytest.raises(ValueError, match=r"expects 2 input\(s\) \['a', 'b'\], but it received 3"):
        model([np.ones((1, 4)), np.ones((1, 3)), np.ones((1, 3))])
    with pytest.raises(ValueError, match="expects 2 inputs .* received a single tensor"):
        model(np.ones((1, 4)))
    x = layers.Input(shape=(784,))
    single = Model(x, layers.Dense(2)(x))
    with pytest.raises(ValueError) as e:
        single(np.zeros((32, 28, 28), "float32"))
    assert "Input 'input_layer' of model 'functional_1' expects shape (None, 784), " \
           "got (32, 28, 28)" in str(e.value)


def test_functional_adjusts_a_trailing_axis_of_one_like_keras():
    x = layers.Input(shape=(1,))
    model = Model(x, x * 2.0)
    assert model(np.ones(3)).shape == (3, 1)
    v = layers.Input(shape=(3,))
    assert Model(v, v * 1.0)(np.ones((2, 3, 1))).shape == (2, 3)


def test_functional_casts_to_the_input_dtype():
    ids = layers.Input(shape=(3,), dtype="int32")
    model = Model(ids, layers.Embedding(5, 2)(ids))
    assert model(np.array([[1.0, 2.0, 3.0]])).shape == (1, 3, 2)


def test_shared_layer_is_one_child_with_two_nodes():
    a, b = layers.Input(shape=(3,)), layers.Input(shape=(3,))
    shared = layers.Dense(2, name="shared")
    model = Model([a, b], layers.Subtract()([shared(a), shared(b)]))
    assert len(shared._inbound_nodes) == 2
    assert [n for n, _ in model.named_children()].count("shared") == 1
    assert model.count_params() == 3 * 2 + 2
    x = np.random.rand(4, 3)
    assert np.allclose(np_out(model([x, x])), 0.0)


def test_nested_model_is_a_layer_of_the_outer_model():
    a = layers.Input(shape=(4,))
    inner = Model(a, layers.Dense(3, name="d")(a), name="inner")
    c = layers.Input(shape=(4,))
    outer = Model(c, layers.Dense(1, name="head")(inner(c)))
    assert [layer.name for layer in outer.layers][1] == "inner"
    assert list(outer.state_dict())[:2] == ["inner.d.kernel", "inner.d.bias"]
    x = np.random.rand(2, 4).astype("float32")
    expected = dense_forward(outer.get_layer("head"), dense_forward(inner.get_layer("d"), x))
    np.testing.assert_allclose(np_out(outer(x)), expected, rtol=1e-5)


def test_graph_disconnected_and_duplicate_names_raise():
    a, b = layers.Input(shape=(2,), name="a"), layers.Input(shape=(2,), name="b")
    out = layers.Add()([a, b])
    with pytest.raises(ValueError, match="Graph disconnected.*Input 'b'"):
        Model(a, out)
    x = layers.Input(shape=(2,))
    y = layers.Dense(2, name="same")(layers.Dense(2, name="same")(x))
    with pytest.raises(ValueError, match='The name "same" is used 2 times in the model'):
        Model(x, y)
    with pytest.raises(ValueError, match="All `outputs` values must be KerasTensors"):
        Model(x, ember.ones(2))


def test_functional_subclass_calling_super_init_with_inputs_outputs():
    class Head(Model):
        def __init__(self, units=2):
            x = layers.Input(shape=(3,))
            super().__init__(x, layers.Dense(units)(x))
            self.units = units

    model = Head(4)
    assert isinstance(model, Head) and isinstance(model, Functional)
    assert type(model).__name__ == "Head" and model.name == "head"
    assert model(np.ones((2, 3))).shape == (2, 4) and model.units == 4


def test_training_flag_reaches_layers_in_functional_and_sequential_models():
    x = layers.Input(shape=(100,))
    model = Model(x, layers.Dropout(0.5)(x))
    data = np.ones((4, 100), "float32")
    assert np.array_equal(np_out(model(data)), data)
    dropped = np_out(model(data, training=True))
    assert set(np.unique(dropped)) == {0.0, 2.0}
    seq = Sequential([layers.Dropout(0.5)])
    assert np.array_equal(np_out(seq(data)), data)
    assert set(np.unique(np_out(seq(data, training=True)))) == {0.0, 2.0}


# -- masks --------------------------------------------------------------------------------------

def test_masks_flow_through_sequential_functional_and_nested_models():
    emb, lstm = layers.Embedding(10, 4, mask_zero=True), layers.LSTM(3)
    seq = Sequential([layers.Input(shape=(None,), dtype="int32"), emb, lstm])
    padded = np.array([[1, 2, 3, 0, 0]])
    # a masked LSTM skips the padding: same result as the unpadded sequence
    np.testing.assert_allclose(np_out(seq(padded)), np_out(seq(np.array([[1, 2, 3]]))),
                               atol=1e-6)
    ids = layers.Input(shape=(None,), dtype="int32")
    inner = Model(ids, emb(ids))
    outer_in = layers.Input(shape=(None,), dtype="int32")
    outer = Model(outer_in, lstm(inner(outer_in)))
    np.testing.assert_allclose(np_out(outer(padded)), np_out(seq(padded)), atol=1e-6)


# -- subclassed models --------------------------------------------------------------------------

class MLP(Model):
    def __init__(self, units=8, **kwargs):
        super().__init__(**kwargs)
        self.hidden = layers.Dense(units, activation="relu")
        self.blocks = [layers.Dense(units), layers.Dense(units)]
        self.drop = layers.Dropout(0.5)
        self.out = layers.Dense(2)

    def call(self, inputs, training=None):
        x = self.hidden(inputs)
        for block in self.blocks:
            x = block(x)
        return self.out(self.drop(x))


def test_subclassed_model_registers_attribute_layers_and_lists_of_layers():
    model = MLP(units=4)
    assert model.name == "mlp" and not model.built
    model(np.ones((3, 5), "float32"))
    assert model.built
    assert [layer.name for layer in model.layers] == ["dense", "dense_1", "dense_2", "dropout",
                                                      "dense_3"]
    assert "blocks.1.kernel" in model.state_dict()
    assert model.count_params() == 5 * 4 + 4 + 2 * (4 * 4 + 4) + 4 * 2 + 2
    assert len(list(model.parameters())) == 8
    assert model.get_config() == {"name": "mlp", "trainable": True, "units": 4}


def test_subclassed_model_passes_training_to_its_layers():
    model = MLP(units=64)
    x = np.ones((8, 5), "float32")
    assert np.array_equal(np_out(model(x)), np_out(model(x)))
    assert not np.array_equal(np_out(model(x, training=True)), np_out(model(x)))


def test_subclassed_model_build_runs_it_on_zeros():
    model = MLP(units=3)
    model.build((None, 6))
    assert model.built and model.count_params() == 6 * 3 + 3 + 2 * 12 + 3 * 2 + 2
    assert model.get_build_config() == {"input_shape": [None, 6]}
    with pytest.raises(ValueError, match="build\\(\\) needs input_shape"):
        MLP().build()


def test_subclass_with_own_build_is_not_run_twice():
    class WithBuild(Model):
        def build(self, input_shape):
            self.scale = self.add_weight(shape=(input_shape[-1],), initializer="ones")
            self.builds = getattr(self, "builds", 0) + 1
            super().build(input_shape)

        def call(self, inputs):
            return inputs * self.scale

    model = WithBuild()
    assert model(np.ones((2, 3))).shape == (2, 3)
    assert model.builds == 1 and model.count_params() == 3


def test_a_keras_model_trains_in_an_explicit_ember_loop():
    ember.manual_seed(0)
    model = Sequential([layers.Input(shape=(3,)), layers.Dense(1)])
    x = ember.from_numpy(np.random.default_rng(0).normal(size=(64, 3)).astype("float32"))
    y = x.sum(dim=1, keepdim=True)
    opt = ember.optim.SGD(model.parameters(), lr=0.1)
    model.train()
    first = None
    for _ in range(30):
        loss = ((model(x) - y) ** 2).mean()
        first = first if first is not None else loss.item()
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert loss.item() < first * 0.1


# -- backend ------------------------------------------------------------------------------------

def test_clear_session_restarts_names_and_backend_settings():
    layers.Dense(2)
    backend.clear_session()
    assert layers.Dense(2).name == "dense"
    assert Sequential().name == "sequential"
    assert backend.floatx() == "float32" and backend.epsilon() == 1e-7
    assert backend.image_data_format() == "channels_last"
    backend.set_image_data_format("channels_first")
    try:
        assert backend.image_data_format() == "channels_first"
    finally:
        backend.set_image_data_format("channels_last")
    with pytest.raises(ValueError, match="'channels_last' or 'channels_first'"):
        backend.set_image_data_format("nhwc")
    assert backend.is_keras_tensor(layers.Input(shape=(2,)))


def test_subclass_taking_two_positional_numbers_is_not_functional():
    class Pair(Model):
        def __init__(self, a, b):
            super().__init__()
            self.dense = layers.Dense(a + b)

        def call(self, inputs):
            return self.dense(inputs)

    model = Pair(2, 3)
    assert type(model) is Pair and model.get_config() == {"name": "pair", "trainable": True,
                                                          "a": 2, "b": 3}
    assert model(np.ones((1, 4))).shape == (1, 5)
