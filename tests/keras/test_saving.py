"""Saving and loading Keras models: .keras files, weights files, configs, JSON, cloning."""

import io
import json
import os
import zipfile

import numpy as np
import pytest

import ember
from ember.keras import backend, layers, saving
from ember.keras.layers.module_wrapper import TorchModuleWrapper
from ember.keras.models import (
    Functional,
    Model,
    Sequential,
    clone_model,
    load_model,
    model_from_json,
)


@pytest.fixture(autouse=True)
def _fresh_names():
    backend.clear_session()


def np_out(t):
    return t.detach().numpy()


def predictions(model, x):
    out = model(x)
    if isinstance(out, dict):
        return {k: np_out(v) for k, v in out.items()}
    if isinstance(out, (list, tuple)):
        return [np_out(v) for v in out]
    return np_out(out)


def assert_same(a, b):
    if isinstance(a, dict):
        assert a.keys() == b.keys()
        for k in a:
            np.testing.assert_array_equal(a[k], b[k])
    elif isinstance(a, list):
        for u, v in zip(a, b):
            np.testing.assert_array_equal(u, v)
    else:
        np.testing.assert_array_equal(a, b)


def round_trip(model, tmp_path, x, **kwargs):
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = load_model(path, **kwargs)
    assert loaded is not model
    assert_same(predictions(model, x), predictions(loaded, x))
    return loaded


# -- the .keras file ----------------------------------------------------------------------------

def fashion_model():
    return Sequential([layers.Input(shape=(28, 28)), layers.Flatten(),
                       layers.Dense(16, activation="relu"), layers.Dropout(0.2),
                       layers.Dense(10)])


def test_keras_file_layout_is_keras_3_like(tmp_path):
    model = fashion_model()
    path = tmp_path / "m.keras"
    model.save(path)
    with zipfile.ZipFile(path) as zf:
        assert set(zf.namelist()) == {"config.json", "metadata.json", "model.weights.safetensors"}
        config = json.loads(zf.read("config.json"))
        metadata = json.loads(zf.read("metadata.json"))
    assert set(config) >= {"module", "class_name", "config", "registered_name", "build_config"}
    assert (config["module"], config["class_name"]) == ("keras", "Sequential")
    assert config["build_config"] == {"input_shape": [None, 28, 28]}
    first, dense = config["config"]["layers"][0], config["config"]["layers"][2]
    assert first["class_name"] == "InputLayer" and first["config"]["batch_shape"] == [None, 28, 28]
    assert (dense["module"], dense["class_name"]) == ("keras.layers", "Dense")
    assert dense["build_config"] == {"input_shape": [None, 784]}
    assert metadata["ember_version"] == ember.__version__ and "date_saved" in metadata
    with zipfile.ZipFile(path) as zf:
        state = ember.load(io.BytesIO(zf.read("model.weights.safetensors")))
    assert list(state) == ["dense.kernel", "dense.bias", "dense_1.kernel", "dense_1.bias"]


def test_sequential_round_trip(tmp_path):
    model = fashion_model()
    loaded = round_trip(model, tmp_path, np.random.rand(4, 28, 28).astype("float32"))
    assert type(loaded) is Sequential and loaded.name == model.name
    assert [layer.name for layer in loaded.layers] == [layer.name for layer in model.layers]
    assert loaded.layers[1].activation is not None


def test_lazily_built_sequential_round_trip(tmp_path):
    model = Sequential([layers.Dense(5, activation="tanh"), layers.Dense(2)])
    x = np.random.rand(3, 4).astype("float32")
    model(x)
    loaded = round_trip(model, tmp_path, x)
    assert loaded.built and loaded.input_shape == (None, 4)


def test_functional_multi_io_with_shared_layer_round_trip(tmp_path):
    a, b = layers.Input(shape=(4,), name="a"), layers.Input(shape=(4,), name="b")
    shared = layers.Dense(3, name="shared")
    ha, hb = shared(a), shared(b)
    model = Model({"a": a, "b": b},
                  {"sum": layers.Add()([ha, hb]), "proj": layers.Dense(2)(hb), "half": ha * 0.5})
    x = {"a": np.random.rand(2, 4), "b": np.random.rand(2, 4)}
    loaded = round_trip(model, tmp_path, x)
    assert type(loaded) is Functional
    assert len(loaded.get_layer("shared")._inbound_nodes) == 2
    assert [layer.name for layer in loaded.layers] == [layer.name for layer in model.layers]


def test_functional_list_inputs_and_nested_model_round_trip(tmp_path):
    inp = layers.Input(shape=(6,))
    inner = Model(inp, layers.Dense(4, activation="relu")(inp), name="encoder")
    x1, x2 = layers.Input(shape=(6,)), layers.Input(shape=(6,))
    out = layers.Concatenate()([inner(x1), inner(x2), x1[:, :2]])
    model = Model([x1, x2], [layers.Dense(1)(out), out])
    data = [np.random.rand(3, 6), np.random.rand(3, 6)]
    loaded = round_trip(model, tmp_path, data)
    assert list(loaded.state_dict()) == list(model.state_dict())
    assert "encoder.dense.kernel" in loaded.state_dict()


class Residual(Model):
    """A subclassed model whose constructor takes plain values: saved by its automatic config."""

    def __init__(self, units=4, depth=2, **kwargs):
        super().__init__(**kwargs)
        self.units, self.depth = units, depth
        self.blocks = [layers.Dense(units, activation="relu") for _ in range(depth)]
        self.head = layers.Dense(1)

    def call(self, inputs, training=None):
        x = inputs
        for block in self.blocks:
            x = x + block(x)
        return self.head(x)


def test_subclassed_model_round_trip_with_automatic_config(tmp_path):
    model = Residual(units=3, depth=3, name="res")
    x = np.random.rand(2, 3).astype("float32")
    model(x)
    loaded = round_trip(model, tmp_path, x)
    assert type(loaded) is Residual and loaded.name == "res" and loaded.depth == 3


class Scaled(Model):
    """A subclassed model taking an object: needs its own get_config/from_config."""

    def __init__(self, inner, factor=2.0, **kwargs):
        super().__init__(**kwargs)
        self.inner, self.factor = inner, factor

    def call(self, inputs):
        return self.inner(inputs) * self.factor

    def get_config(self):
        return {"inner": saving.serialize_keras_object(self.inner), "factor": self.factor,
                "name": self.name}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["inner"] = saving.deserialize_keras_object(config["inner"])
        return cls(**config)


def test_subclassed_model_with_custom_config_and_custom_objects(tmp_path):
    model = Scaled(layers.Dense(2), factor=3.0)
    x = np.random.rand(4, 5).astype("float32")
    model(x)
    loaded = round_trip(model, tmp_path, x, custom_objects={"Scaled": Scaled})
    assert loaded.factor == 3.0


class NoArgs(Model):
    def __init__(self):
        super().__init__()
        self.dense = layers.Dense(3)

    def call(self, inputs):
        return self.dense(inputs)


def test_subclassed_model_without_config_is_rebuilt_by_calling_the_class(tmp_path):
    model = NoArgs()
    x = np.random.rand(2, 7).astype("float32")
    model(x)
    assert model.get_config() == {"name": "no_args", "trainable": True}
    loaded = round_trip(model, tmp_path, x)
    assert loaded.name == "no_args" and loaded.dense.kernel.shape == (7, 3)


def test_unrevivable_subclassed_model_raises_a_clear_error(tmp_path):
    class NeedsLayer(Model):
        def __init__(self, layer):
            super().__init__()
            self.layer = layer

        def call(self, inputs):
            return self.layer(inputs)

    model = NeedsLayer(layers.Dense(2))
    model(np.ones((1, 3), "float32"))
    path = tmp_path / "m.keras"
    model.save(path)
    with pytest.raises(TypeError, match="Unable to revive model NeedsLayer.*override"):
        load_model(path)


def test_registered_custom_layer_and_missing_class(tmp_path):
    @saving.register_keras_serializable(package="tests")
    class Shift(layers.Layer):
        def __init__(self, amount=1.0, **kwargs):
            super().__init__(**kwargs)
            self.amount = amount

        def call(self, inputs):
            return inputs + self.amount

        def get_config(self):
            return {**super().get_config(), "amount": self.amount}

    x = layers.Input(shape=(2,))
    model = Model(x, Shift(5.0)(x))
    path = tmp_path / "m.keras"
    model.save(path)
    with zipfile.ZipFile(path) as zf:
        entry = json.loads(zf.read("config.json"))["config"]["layers"][1]
    assert entry["registered_name"] == "tests>Shift"
    assert np_out(load_model(path)(np.zeros((1, 2)))).tolist() == [[5.0, 5.0]]
    entry = {"module": "somewhere", "class_name": "Unknown", "config": {}, "registered_name": None}
    with pytest.raises(ValueError, match="Could not locate class 'Unknown'.*custom_objects"):
        saving.deserialize_keras_object(entry)
    fn = {"module": "m", "class_name": "function", "config": "my_fn", "registered_name": "function"}
    with pytest.raises(ValueError, match="Could not locate function 'my_fn'"):
        saving.deserialize_keras_object(fn)


def test_torch_module_wrapper_needs_the_module_class_to_load(tmp_path):
    class Net(ember.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = ember.nn.Linear(3, 2)

        def forward(self, x):
            return self.fc(x)

    model = Sequential([layers.Input(shape=(3,)), Net()])
    path = tmp_path / "m.keras"
    model.save(path)
    with pytest.raises(ValueError, match=r"custom_objects=\{'Net': Net\}"):
        load_model(path)
    loaded = load_model(path, custom_objects={"Net": Net})
    assert isinstance(loaded.layers[0], TorchModuleWrapper)
    x = np.random.rand(2, 3)
    assert_same(predictions(model, x), predictions(loaded, x))


def test_compile_config_and_optimizer_state_are_restored(tmp_path):
    ember.manual_seed(0)
    model = Sequential([layers.Input(shape=(3,)), layers.Dense(4, activation="relu"),
                        layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    x = np.random.rand(32, 3).astype("float32")
    y = x.sum(axis=1, keepdims=True)
    model.fit(x, y, epochs=2, batch_size=8, verbose=0)
    path = tmp_path / "m.keras"
    model.save(path)
    with zipfile.ZipFile(path) as zf:
        assert "optimizer.safetensors" in zf.namelist()
        assert json.loads(zf.read("config.json"))["compile_config"]["loss"] == "mse"
    loaded = load_model(path)
    assert loaded.compiled and type(loaded.optimizer) is type(model.optimizer)
    assert loaded.optimizer.iterations == model.optimizer.iterations == 8
    for a, b in zip(loaded.optimizer.variables, model.optimizer.variables):
        np.testing.assert_array_equal(np_out(a), np_out(b))
    # both continue identically
    model.fit(x, y, epochs=1, batch_size=8, verbose=0, shuffle=False)
    loaded.fit(x, y, epochs=1, batch_size=8, verbose=0, shuffle=False)
    assert_same(predictions(model, x), predictions(loaded, x))
    assert not load_model(path, compile=False).compiled


def test_save_refuses_other_formats_and_respects_overwrite(tmp_path):
    model = fashion_model()
    with pytest.raises(ValueError, match="Invalid filepath extension"):
        model.save(tmp_path / "m.zip")
    with pytest.raises(ValueError, match="legacy HDF5 format, which ember cannot write"):
        model.save(tmp_path / "m.h5")
    path = tmp_path / "m.keras"
    model.save(path)
    with pytest.raises(FileExistsError, match="overwrite=True"):
        model.save(path, overwrite=False)


def test_failed_save_leaves_the_previous_file_intact(tmp_path, monkeypatch):
    model = fashion_model()
    path = tmp_path / "m.keras"
    model.save(path)
    before = path.read_bytes()

    def broken(self, name, data, *args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(zipfile.ZipFile, "writestr", broken)
    with pytest.raises(OSError, match="disk full"):
        model.save(path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["m.keras"]


def test_corrupt_truncated_or_foreign_files_raise_clear_errors(tmp_path):
    model = fashion_model()
    path = tmp_path / "m.keras"
    model.save(path)
    data = path.read_bytes()
    truncated = tmp_path / "truncated.keras"
    truncated.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="not a valid .keras file.*corrupt or truncated"):
        load_model(truncated)
    garbage = tmp_path / "garbage.keras"
    garbage.write_bytes(b"not a zip at all")
    with pytest.raises(ValueError, match="not a zip archive"):
        load_model(garbage)
    with pytest.raises(ValueError, match="File not found"):
        load_model(tmp_path / "missing.keras")
    # a damaged weights member (bytes flipped inside the archive)
    flipped = tmp_path / "flipped.keras"
    offset = data.index(b"dense.kernel") + 200
    flipped.write_bytes(data[:offset] + bytes(b ^ 0xFF for b in data[offset:offset + 64])
                        + data[offset + 64:])
    with pytest.raises(ValueError, match="corrupt"):
        load_model(flipped)
    keras_written = tmp_path / "keras.keras"
    with zipfile.ZipFile(keras_written, "w") as zf:
        zf.writestr("config.json", "{}")
        zf.writestr("model.weights.h5", b"\x89HDF\r\n\x1a\n")
    with pytest.raises(ValueError, match="written by Keras.*HDF5"):
        load_model(keras_written)
    no_config = tmp_path / "no_config.keras"
    with zipfile.ZipFile(no_config, "w") as zf:
        zf.writestr("model.weights.safetensors", b"")
    with pytest.raises(ValueError, match="config.json missing"):
        load_model(no_config)


# -- weights files ------------------------------------------------------------------------------

@pytest.mark.parametrize("suffix", [".weights.h5", ".weights.safetensors"])
def test_save_and_load_weights(tmp_path, suffix):
    model = fashion_model()
    path = tmp_path / ("m" + suffix)
    model.save_weights(path)
    assert not path.read_bytes().startswith(b"\x89HDF")
    twin = fashion_model()  # same architecture, layers named dense_2, dense_3: matched by order
    x = np.random.rand(2, 28, 28).astype("float32")
    assert not np.array_equal(np_out(twin(x)), np_out(model(x)))
    twin.load_weights(path)
    np.testing.assert_array_equal(np_out(twin(x)), np_out(model(x)))
    other = Sequential([layers.Input(shape=(28, 28)), layers.Flatten(), layers.Dense(16),
                        layers.Dense(10)])
    other.load_weights(path)
    np.testing.assert_array_equal(other.layers[1].get_weights()[0],
                                  model.layers[1].get_weights()[0])


def test_weights_errors(tmp_path):
    model = fashion_model()
    with pytest.raises(ValueError, match="must end in `.weights.h5`"):
        model.save_weights(tmp_path / "m.h5")
    path = tmp_path / "m.weights.h5"
    model.save_weights(path)
    with pytest.raises(ValueError, match="has not yet been built"):
        Sequential([layers.Dense(3)]).load_weights(path)
    smaller = Sequential([layers.Input(shape=(28, 28)), layers.Flatten(), layers.Dense(8),
                          layers.Dense(10)])
    with pytest.raises(ValueError, match=r"weight 'dense.kernel' has shape \(784, 16\) in the "
                       r"file but model 'sequential_2' has \(784, 8\) for 'dense_3.kernel' "
                       r"\(3 mismatched\)"):
        smaller.load_weights(path)
    before = smaller.get_weights()
    smaller.load_weights(path, skip_mismatch=True)  # only the last bias has a matching shape
    after = smaller.get_weights()
    for a, b in zip(after[:3], before[:3]):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(after[3], model.get_weights()[3])
    wider_head = Sequential([layers.Input(shape=(28, 28)), layers.Flatten(), layers.Dense(16),
                             layers.Dense(5)])
    wider_head.load_weights(path, skip_mismatch=True)  # the first Dense still loads
    np.testing.assert_array_equal(wider_head.get_weights()[0], model.get_weights()[0])
    different = Sequential([layers.Input(shape=(4,)), layers.Dense(2)])
    with pytest.raises(ValueError, match="does not match model.*missing weights"):
        different.load_weights(path)
    hdf5 = tmp_path / "real.weights.h5"
    hdf5.write_bytes(b"\x89HDF\r\n\x1a\n" + b"\0" * 64)
    with pytest.raises(ValueError, match="HDF5 file.*ember cannot read HDF5.*h5py"):
        model.load_weights(hdf5)
    broken = tmp_path / "broken.weights.h5"
    broken.write_bytes(path.read_bytes()[:100])
    with pytest.raises(ValueError, match="corrupt or truncated"):
        model.load_weights(broken)


def test_load_weights_from_a_keras_file(tmp_path):
    model = fashion_model()
    model.save(tmp_path / "m.keras")
    twin = fashion_model()
    twin.load_weights(tmp_path / "m.keras")
    for a, b in zip(twin.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)


# -- configs, JSON and cloning ------------------------------------------------------------------

def test_functional_config_is_keras_3_shaped():
    a = layers.Input(shape=(3,), name="a")
    shared = layers.Dense(3, name="shared")
    model = Model(a, layers.Add()([shared(a), shared(shared(a))]))
    config = model.get_config()
    assert config["input_layers"] == ["a", 0, 0]
    assert config["output_layers"] == ["add", 0, 0]
    entries = {e["name"]: e for e in config["layers"]}
    assert entries["a"]["inbound_nodes"] == []
    nodes = entries["shared"]["inbound_nodes"]
    assert len(nodes) == 3
    first_arg = nodes[0]["args"][0]
    assert first_arg["class_name"] == "__keras_tensor__"
    assert first_arg["config"]["keras_history"] == ["a", 0, 0]
    assert nodes[2]["args"][0]["config"]["keras_history"] == ["shared", 1, 0]
    rebuilt = Functional.from_config(config)
    assert len(rebuilt.get_layer("shared")._inbound_nodes) == 3


def test_node_indices_count_only_the_models_own_nodes():
    x = layers.Input(shape=(2,), name="x")
    shared = layers.Dense(2, name="d")
    shared(layers.Input(shape=(2,)))  # a node in another graph
    model = Model(x, shared(x))
    nodes = {e["name"]: e for e in model.get_config()["layers"]}["d"]["inbound_nodes"]
    assert len(nodes) == 1 and model.get_config()["output_layers"] == ["d", 0, 0]


def test_to_json_and_model_from_json():
    model = fashion_model()
    text = model.to_json()
    assert json.loads(text)["class_name"] == "Sequential"
    rebuilt = model_from_json(text)
    assert type(rebuilt) is Sequential and rebuilt.built
    assert [w.shape for w in rebuilt.get_weights()] == [w.shape for w in model.get_weights()]
    with pytest.raises(ValueError, match="not valid JSON"):
        model_from_json("{oops")


def test_sequential_get_config_from_config():
    model = fashion_model()
    config = model.get_config()
    assert config["build_input_shape"] == [None, 28, 28]
    rebuilt = Sequential.from_config(config)
    assert rebuilt.output_shape == (None, 10)


def test_non_json_config_values_raise_clearly(tmp_path):
    class Odd(layers.Layer):
        def call(self, inputs):
            return inputs

        def get_config(self):
            return {**super().get_config(), "thing": object()}

    model = Sequential([layers.Input(shape=(2,)), Odd()])
    with pytest.raises(TypeError, match="JSON cannot store"):
        model.save(tmp_path / "m.keras")


def test_clone_model_has_fresh_weights_and_same_architecture():
    model = fashion_model()
    clone = clone_model(model)
    assert type(clone) is Sequential and clone.name == model.name
    assert [w.shape for w in clone.get_weights()] == [w.shape for w in model.get_weights()]
    assert not np.array_equal(clone.get_weights()[0], model.get_weights()[0])

    a, b = layers.Input(shape=(3,)), layers.Input(shape=(3,))
    shared = layers.Dense(2)
    functional = Model([a, b], layers.Add()([shared(a), shared(b)]))
    twin = clone_model(functional)
    assert type(twin) is Functional and twin.get_layer(shared.name) is not shared
    assert len(twin.get_layer(shared.name)._inbound_nodes) == 2
    new_a, new_b = layers.Input(shape=(3,)), layers.Input(shape=(3,))
    on_new = clone_model(functional, input_tensors=[new_a, new_b])
    assert on_new.inputs == [new_a, new_b]
    kept = clone_model(functional, clone_function=lambda layer: layer)
    assert kept.get_layer(shared.name) is shared


def test_clone_subclassed_model():
    model = Residual(units=2)
    model(np.ones((1, 2), "float32"))
    twin = clone_model(model)
    assert type(twin) is Residual and twin.built
    assert not np.array_equal(twin.get_weights()[0], model.get_weights()[0])
    with pytest.raises(ValueError, match="only apply to Sequential and functional"):
        clone_model(model, clone_function=lambda layer: layer)


def cube(x):
    return x * x * x


def test_lambda_layers_load_only_with_their_function_in_custom_objects(tmp_path):
    x = layers.Input(shape=(2,))
    model = Model(x, layers.Lambda(cube)(x))
    path = tmp_path / "m.keras"
    model.save(path)
    with pytest.raises(ValueError, match="cannot find the function 'cube'"):
        load_model(path)
    loaded = load_model(path, custom_objects={"cube": cube})
    assert np_out(loaded(np.full((1, 2), 2.0))).tolist() == [[8.0, 8.0]]
