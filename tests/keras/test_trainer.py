"""Trainer: compile / fit / evaluate / predict / *_on_batch, following Keras 3."""

import io
import re
import sys

import numpy as np
import pytest

import ember
from ember.keras import callbacks, losses, metrics, optimizers
from ember.keras.layers import Concatenate, Dense, Dropout, Input, Layer
from ember.keras.models import Model, Sequential
from ember.keras.utils import set_random_seed


def blobs(n=200, seed=0):
    """Two well separated Gaussian blobs in 4-D, labels 0/1."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    x = rng.normal(size=(n, 4)).astype("float32") + 3.0 * (2 * y[:, None] - 1)
    return x.astype("float32"), y.astype("int64")


def mlp(units=2, activation=None, seed=0, **kwargs):
    set_random_seed(seed)
    return Sequential([Input((4,)), Dense(8, activation="relu"),
                       Dense(units, activation=activation, **kwargs)])


class RecorderHooks(callbacks.Callback):
    """Overrides every hook (so CallbackList calls the batch ones too) and records it."""

    def __init__(self):
        super().__init__()
        self.calls = []


for _hook in [n for n in dir(callbacks.Callback) if n.startswith("on_")
              and n not in ("on_batch_begin", "on_batch_end")]:
    def _make(name):
        def hook(self, *args, logs=None):
            self.calls.append((name,) + tuple(a for a in args[:1] if isinstance(a, int)))
        return hook
    setattr(RecorderHooks, _hook, _make(_hook))


# -- compile ----------------------------------------------------------------------------------

@pytest.mark.parametrize("name, cls", [
    ("adam", optimizers.Adam), ("sgd", optimizers.SGD), ("rmsprop", optimizers.RMSprop),
    ("adamw", optimizers.AdamW), ("adagrad", optimizers.Adagrad), ("nadam", optimizers.Nadam),
])
def test_compile_resolves_optimizer_names(name, cls):
    model = mlp()
    model.compile(optimizer=name, loss="mse")
    assert type(model.optimizer) is cls


def test_compile_default_optimizer_is_rmsprop_and_objects_are_kept():
    model = mlp()
    model.compile(loss="mse")
    assert type(model.optimizer) is optimizers.RMSprop
    opt = optimizers.Adam(learning_rate=0.01)
    model.compile(optimizer=opt, loss="mse")
    assert model.optimizer is opt


def _onehot(y, n=2):
    return np.eye(n, dtype="float32")[y]


@pytest.mark.parametrize("loss, target, fn", [
    ("sparse_categorical_crossentropy", "sparse", losses.sparse_categorical_crossentropy),
    ("categorical_crossentropy", "onehot", losses.categorical_crossentropy),
    ("binary_crossentropy", "onehot", losses.binary_crossentropy),
    ("mse", "onehot", losses.mean_squared_error),
    ("mean_squared_error", "onehot", losses.mean_squared_error),
    ("mae", "onehot", losses.mean_absolute_error),
    ("huber", "onehot", losses.huber),
    ("kl_divergence", "onehot", losses.kl_divergence),
    ("hinge", "onehot", losses.hinge),
])
def test_compile_resolves_loss_names(loss, target, fn):
    x, y = blobs(16)
    y = y if target == "sparse" else _onehot(y)
    model = mlp(activation="softmax")
    model.compile(optimizer="sgd", loss=loss)
    got = model.test_on_batch(x, y)
    pred = model.predict_on_batch(x)
    expected = float(np.mean(fn(y, pred).numpy()))
    assert got == pytest.approx(expected, rel=1e-5)


@pytest.mark.parametrize("y_kind, units, activation, cls", [
    ("sparse", 2, "softmax", metrics.SparseCategoricalAccuracy),
    ("onehot", 2, "softmax", metrics.CategoricalAccuracy),
    ("binary", 1, "sigmoid", metrics.BinaryAccuracy),
])
@pytest.mark.parametrize("name", ["accuracy", "acc"])
def test_accuracy_is_resolved_from_the_shapes(y_kind, units, activation, cls, name):
    x, y = blobs(32)
    target = {"sparse": y, "onehot": _onehot(y), "binary": y[:, None].astype("float32")}[y_kind]
    loss = {"sparse": "sparse_categorical_crossentropy", "onehot": "categorical_crossentropy",
            "binary": "binary_crossentropy"}[y_kind]
    model = mlp(units, activation)
    model.compile(optimizer="adam", loss=loss, metrics=[name])
    logs = model.fit(x, target, epochs=1, verbose=0).history
    assert sorted(logs) == sorted(["loss", name])
    (metric,) = model._compile_metrics.metrics()
    assert type(metric) is cls and metric.name == name
    assert model.metrics_names == ["loss", name]


@pytest.mark.parametrize("name, cls", [
    ("mae", metrics.MeanAbsoluteError), ("mse", metrics.MeanSquaredError),
    ("auc", metrics.AUC), ("precision", metrics.Precision), ("recall", metrics.Recall),
    ("binary_accuracy", metrics.BinaryAccuracy), ("binary_crossentropy",
                                                  metrics.BinaryCrossentropy),
])
def test_compile_resolves_metric_names_and_logs_them_as_written(name, cls):
    x, y = blobs(32)
    model = mlp(1, "sigmoid")
    model.compile(optimizer="sgd", loss="binary_crossentropy", metrics=[name])
    logs = model.evaluate(x, y[:, None].astype("float32"), verbose=0, return_dict=True)
    assert sorted(logs) == sorted(["loss", name])
    assert type(model.metrics[1]) is cls


def test_crossentropy_and_ce_are_chosen_from_the_shapes():
    x, y = blobs(16)
    for target, fn in ((y, losses.sparse_categorical_crossentropy),
                       (_onehot(y), losses.categorical_crossentropy)):
        model = mlp(activation="softmax")
        model.compile(optimizer="sgd", loss="crossentropy", metrics=["ce"])
        logs = model.evaluate(x, target, verbose=0, return_dict=True)
        expected = float(np.mean(fn(target, model.predict_on_batch(x)).numpy()))
        assert logs["loss"] == pytest.approx(expected, rel=1e-5)
        assert logs["ce"] == pytest.approx(expected, rel=1e-5)


def test_compile_accepts_and_stores_eager_only_arguments():
    model = mlp()
    model.compile(optimizer="sgd", loss="mse", run_eagerly=True, jit_compile=True,
                  steps_per_execution=4, auto_scale_loss=False)
    assert model.run_eagerly and model.steps_per_execution == 4
    with pytest.raises(ValueError, match="steps_per_execution"):
        model.compile(optimizer="sgd", loss="mse", steps_per_execution=0)


def test_metrics_must_be_a_list():
    model = mlp()
    with pytest.raises(ValueError, match=r"metrics=\['accuracy'\]"):
        model.compile(optimizer="sgd", loss="mse", metrics="accuracy")


def test_fit_before_compile_says_what_to_do():
    x, y = blobs(8)
    with pytest.raises(ValueError, match=r"call `compile\(\)`.*fit"):
        mlp().fit(x, y, verbose=0)


def test_compile_config_round_trip():
    model = mlp()
    model.compile(optimizer=optimizers.Adam(learning_rate=0.005),
                  loss=losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy", metrics.SparseTopKCategoricalAccuracy(k=1)])
    config = model.get_compile_config()
    import json

    json.dumps(config)  # JSON-friendly
    other = mlp()
    other.compile_from_config(config)
    assert type(other.optimizer) is optimizers.Adam
    assert other.optimizer.learning_rate == pytest.approx(0.005)
    assert isinstance(other.loss, losses.SparseCategoricalCrossentropy)
    x, y = blobs(32)
    a = model.evaluate(x, y, verbose=0, return_dict=True)
    b = other.evaluate(x, y, verbose=0, return_dict=True)
    assert a == pytest.approx(b)
    assert sorted(a) == ["accuracy", "loss", "sparse_top_k_categorical_accuracy"]
    assert mlp().get_compile_config() == {}


# -- fit: data --------------------------------------------------------------------------------

def test_validation_split_holds_out_the_last_samples_before_shuffling():
    x, y = blobs(100)
    model = mlp()
    model.compile(optimizer="sgd", loss=losses.SparseCategoricalCrossentropy(from_logits=True))
    rec = RecorderHooks()
    history = model.fit(x, y, batch_size=16, epochs=1, validation_split=0.2, callbacks=[rec],
                        verbose=0)
    assert history.params["steps"] == 5  # ceil(80 / 16)
    assert sum(c[0] == "on_train_batch_end" for c in rec.calls) == 5
    assert sum(c[0] == "on_test_batch_end" for c in rec.calls) == 2  # ceil(20 / 16)
    expected = model.evaluate(x[80:], y[80:], verbose=0)
    assert history.history["val_loss"][0] == pytest.approx(expected, rel=1e-6)


def test_validation_split_needs_enough_data_and_arrays():
    model = mlp()
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(ValueError, match="not sufficient to split"):
        model.fit(np.zeros((2, 4), "float32"), np.zeros(2), validation_split=0.9, verbose=0)
    gen = ((np.zeros((2, 4), "float32"), np.zeros((2, 2), "float32")) for _ in range(3))
    with pytest.raises(ValueError, match="validation_data"):
        model.fit(gen, validation_split=0.5, verbose=0)


def test_validation_data_and_validation_freq():
    x, y = blobs(64)
    xv, yv = blobs(30, seed=1)
    model = mlp()
    model.compile(optimizer="adam", loss=losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    history = model.fit(x, y, epochs=1, validation_data=(xv, yv), verbose=0)
    assert sorted(history.history) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    expected = model.evaluate(xv, yv, verbose=0, return_dict=True)
    assert history.history["val_loss"][0] == pytest.approx(expected["loss"], rel=1e-6)
    assert history.history["val_accuracy"][0] == pytest.approx(expected["accuracy"])
    history = model.fit(x, y, epochs=4, validation_data=(xv, yv), validation_freq=2, verbose=0)
    assert len(history.history["loss"]) == 4 and len(history.history["val_loss"]) == 2


def _one_step_weights(**fit_kwargs):
    x, y = blobs(40)
    model = mlp(seed=3)
    model.compile(optimizer=optimizers.SGD(0.1),
                  loss=losses.SparseCategoricalCrossentropy(from_logits=True))
    model.fit(x, y, batch_size=40, epochs=1, shuffle=False, verbose=0, **fit_kwargs)
    return model.get_weights(), y


def test_class_weight_equals_the_matching_sample_weight():
    base, y = _one_step_weights()
    with_cw, _ = _one_step_weights(class_weight={0: 0.5, 1: 3.0})
    with_sw, _ = _one_step_weights(sample_weight=np.where(y == 1, 3.0, 0.5))
    for a, b in zip(with_cw, with_sw):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    assert any(not np.allclose(a, b) for a, b in zip(base, with_cw))


def test_class_weight_with_one_hot_targets_and_errors():
    x, y = blobs(20)
    model = mlp()
    model.compile(optimizer="sgd", loss="categorical_crossentropy")
    model.fit(x, _onehot(y), class_weight={0: 1.0, 1: 2.0}, verbose=0)
    with pytest.raises(ValueError, match="both `class_weight` and `sample_weight`"):
        model.fit(x, _onehot(y), class_weight={0: 1.0}, sample_weight=np.ones(20), verbose=0)


def test_sample_weight_weights_the_loss_like_keras():
    x, y = blobs(10)
    model = mlp()
    model.compile(optimizer="sgd", loss=losses.SparseCategoricalCrossentropy(from_logits=True))
    w = np.linspace(0.0, 2.0, 10).astype("float32")
    per_sample = losses.sparse_categorical_crossentropy(
        y, model.predict_on_batch(x), from_logits=True).numpy()
    # "sum_over_batch_size": the weighted sum divided by the number of samples
    assert model.test_on_batch(x, y, sample_weight=w) == pytest.approx(
        float((per_sample * w).sum() / 10), rel=1e-5)
    history = model.fit(x, y, sample_weight=np.zeros(10), batch_size=10, verbose=0)
    assert history.history["loss"][0] == 0.0


def test_shuffle_false_is_deterministic_and_shuffling_follows_the_seed():
    x, y = blobs(64)

    def train(shuffle, seed):
        model = mlp(seed=5)
        model.compile(optimizer=optimizers.SGD(0.05),
                      loss=losses.SparseCategoricalCrossentropy(from_logits=True))
        ember.manual_seed(seed)
        model.fit(x, y, batch_size=8, epochs=2, shuffle=shuffle, verbose=0)
        return model.get_weights()

    same = [np.array_equal(a, b) for a, b in zip(train(False, 1), train(False, 2))]
    assert all(same)
    assert all(np.array_equal(a, b) for a, b in zip(train(True, 7), train(True, 7)))
    assert not all(np.array_equal(a, b) for a, b in zip(train(True, 7), train(True, 8)))


def test_arrays_tensors_and_nested_python_lists_are_accepted():
    x, y = blobs(24)
    model = mlp()
    model.compile(optimizer="sgd", loss=losses.SparseCategoricalCrossentropy(from_logits=True))
    a = model.evaluate(x, y, verbose=0)
    b = model.evaluate(ember.tensor(x), ember.tensor(y), verbose=0)
    c = model.evaluate(x.astype("float64").tolist(), y.tolist(), verbose=0)
    assert a == pytest.approx(b) and a == pytest.approx(c, rel=1e-6)


def test_mismatched_sizes_are_reported_with_the_sizes():
    model = mlp()
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(ValueError, match=r"cardinality.*x sizes: \[10\].*y sizes: \[9\]"):
        model.fit(np.zeros((10, 4), "float32"), np.zeros((9, 2), "float32"), verbose=0)


def test_dataloader_and_dataset_inputs():
    x, y = blobs(50)
    dataset = ember.data.TensorDataset(ember.tensor(x), ember.tensor(y))
    loader = ember.data.DataLoader(dataset, batch_size=10, shuffle=True)
    model = mlp()
    model.compile(optimizer="adam", loss=losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    history = model.fit(loader, epochs=2, validation_data=loader, verbose=0)
    assert history.params["steps"] == 5
    assert len(history.history["val_accuracy"]) == 2
    history = model.fit(dataset, batch_size=25, epochs=1, verbose=0)
    assert history.params["steps"] == 2
    assert model.predict(loader, verbose=0).shape == (50, 2)
    assert model.evaluate(loader, verbose=0, return_dict=True)["loss"] > 0
    with pytest.raises(ValueError, match="`y` must not be given"):
        model.fit(loader, y, verbose=0)
    with pytest.raises(ValueError, match="do not pass batch_size"):
        model.fit(loader, batch_size=4, verbose=0)


def test_dataloader_yielding_sample_weights():
    x, y = blobs(20)
    w = np.zeros(20, "float32")
    ds = ember.data.TensorDataset(ember.tensor(x), ember.tensor(y), ember.tensor(w))
    model = mlp()
    model.compile(optimizer="sgd", loss=losses.SparseCategoricalCrossentropy(from_logits=True))
    before = model.get_weights()
    history = model.fit(ember.data.DataLoader(ds, batch_size=5), verbose=0)
    assert history.history["loss"] == [0.0]
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights()))


def test_generators_with_and_without_steps_per_epoch():
    x, y = blobs(40)
    drawn = []

    def endless():
        while True:
            i = len(drawn) % 4
            drawn.append(i)
            yield x[i * 10:(i + 1) * 10], y[i * 10:(i + 1) * 10]

    model = mlp()
    model.compile(optimizer="adam", loss=losses.SparseCategoricalCrossentropy(from_logits=True))
    history = model.fit(endless(), steps_per_epoch=3, epochs=2, verbose=0)
    assert len(drawn) == 6 and len(history.history["loss"]) == 2
    finite = ((x[i:i + 8], y[i:i + 8]) for i in range(0, 40, 8))
    history = model.fit(finite, epochs=1, verbose=0)
    assert history.params["steps"] is None and len(history.history["loss"]) == 1
    short = ((x[i:i + 8], y[i:i + 8]) for i in range(0, 16, 8))
    with pytest.warns(UserWarning, match="ran out of data"):
        history = model.fit(short, steps_per_epoch=3, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 1


def test_steps_per_epoch_with_arrays_continues_through_the_data():
    x, y = blobs(40)
    model = mlp()
    model.compile(optimizer="sgd", loss=losses.SparseCategoricalCrossentropy(from_logits=True))
    rec = RecorderHooks()
    model.fit(x, y, batch_size=10, steps_per_epoch=3, epochs=3, shuffle=False, callbacks=[rec],
              verbose=0)
    assert sum(c[0] == "on_train_batch_end" for c in rec.calls) == 9


def test_multi_input_dict_and_multi_output_functional_model():
    set_random_seed(0)
    a, b = Input((3,), name="a"), Input((2,), name="b")
    h = Dense(8, activation="relu")(Concatenate()([a, b]))
    out1 = Dense(2, name="cls")(h)
    out2 = Dense(1, name="reg")(h)
    model = Model({"a": a, "b": b}, [out1, out2])
    model.compile(optimizer="adam",
                  loss=[losses.SparseCategoricalCrossentropy(from_logits=True), "mse"],
                  loss_weights=[1.0, 0.5], metrics=[["accuracy"], ["mae"]])
    rng = np.random.default_rng(0)
    xa, xb = rng.normal(size=(32, 3)).astype("float32"), rng.normal(size=(32, 2)).astype("float32")
    y1, y2 = (xa[:, 0] > 0).astype("int64"), xb.sum(1, keepdims=True).astype("float32")
    history = model.fit({"a": xa, "b": xb}, [y1, y2], epochs=2, verbose=0,
                        validation_split=0.25)
    assert sorted(history.history) == sorted([
        "loss", "cls_loss", "reg_loss", "cls_accuracy", "reg_mae",
        "val_loss", "val_cls_loss", "val_reg_loss", "val_cls_accuracy", "val_reg_mae"])
    logs = model.evaluate({"a": xa, "b": xb}, {"cls": y1, "reg": y2}, verbose=0,
                          return_dict=True)
    assert logs["loss"] == pytest.approx(logs["cls_loss"] + 0.5 * logs["reg_loss"], rel=1e-5)
    p1, p2 = model.predict({"a": xa, "b": xb}, batch_size=10, verbose=0)
    assert p1.shape == (32, 2) and p2.shape == (32, 1)
    values = model.evaluate({"a": xa, "b": xb}, [y1, y2], verbose=0)
    assert values[0] == pytest.approx(logs["loss"]) and len(values) == 5


def test_loss_dict_by_output_name():
    set_random_seed(0)
    inp = Input((4,))
    h = Dense(4)(inp)
    model = Model(inp, {"left": Dense(1)(h), "right": Dense(1)(h)})
    model.compile(optimizer="sgd", loss={"left": "mse", "right": "mae"})
    x = np.ones((6, 4), "float32")
    logs = model.train_on_batch(x, {"left": np.zeros((6, 1)), "right": np.ones((6, 1))},
                                return_dict=True)
    assert sorted(logs) == ["left_loss", "loss", "right_loss"]
    assert logs["loss"] == pytest.approx(logs["left_loss"] + logs["right_loss"], rel=1e-5)
    with pytest.raises(ValueError, match="do not correspond to any model output"):
        model.compile(optimizer="sgd", loss={"left": "mse", "middle": "mae"})
        model.train_on_batch(x, {"left": np.zeros((6, 1)), "right": np.ones((6, 1))})


# -- fit: behaviour ---------------------------------------------------------------------------

def test_history_keys_epochs_and_params():
    x, y = blobs(40)
    model = mlp()
    model.compile(optimizer="adam", loss=losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    history = model.fit(x, y, batch_size=16, epochs=3, validation_split=0.25, verbose=0)
    assert history is model.history
    assert list(history.history) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    assert history.epoch == [0, 1, 2]
    assert history.params == {"verbose": 0, "epochs": 3, "steps": 2}
    assert all(isinstance(v, float) for vs in history.history.values() for v in vs)
    history = model.fit(x, y, epochs=5, initial_epoch=3, verbose=0)
    assert history.epoch == [3, 4]


def test_callback_hooks_are_called_in_keras_order():
    x, y = blobs(20)
    model = mlp()
    model.compile(optimizer="sgd", loss=losses.SparseCategoricalCrossentropy(from_logits=True))
    rec = RecorderHooks()
    model.fit(x, y, batch_size=10, epochs=2, validation_data=(x[:10], y[:10]), callbacks=[rec],
              verbose=0)
    epoch = lambda e: [  # noqa: E731
        ("on_epoch_begin", e),
        ("on_train_batch_begin", 0), ("on_train_batch_end", 0),
        ("on_train_batch_begin", 1), ("on_train_batch_end", 1),
        ("on_test_begin",), ("on_test_batch_begin", 0), ("on_test_batch_end", 0),
        ("on_test_end",), ("on_epoch_end", e)]
    assert rec.calls == [("on_train_begin",)] + epoch(0) + epoch(1) + [("on_train_end",)]
    rec.calls.clear()
    model.evaluate(x, y, batch_size=10, callbacks=[rec], verbose=0)
    assert rec.calls == [("on_test_begin",), ("on_test_batch_begin", 0), ("on_test_batch_end", 0),
                         ("on_test_batch_begin", 1), ("on_test_batch_end", 1), ("on_test_end",)]
    rec.calls.clear()
    model.predict(x, batch_size=20, callbacks=[rec], verbose=0)
    assert rec.calls == [("on_predict_begin",), ("on_predict_batch_begin", 0),
                         ("on_predict_batch_end", 0), ("on_predict_end",)]


def test_stop_training_is_honoured_at_batch_end():
    x, y = blobs(50)

    class StopAfterTwo(callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            if batch == 1:
                self.model.stop_training = True

    model = mlp()
    model.compile(optimizer="sgd", loss=losses.SparseCategoricalCrossentropy(from_logits=True))
    rec = RecorderHooks()
    history = model.fit(x, y, batch_size=10, epochs=5, callbacks=[StopAfterTwo(), rec],
                        verbose=0)
    assert history.epoch == [0]
    assert sum(c[0] == "on_train_batch_end" for c in rec.calls) == 2


def test_batch_logs_are_running_python_floats():
    x, y = blobs(30)
    seen = []

    class Collect(callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            seen.append(dict(logs))

    model = mlp()
    model.compile(optimizer="sgd", loss=losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    history = model.fit(x, y, batch_size=10, callbacks=[Collect()], verbose=0)
    assert [sorted(s) for s in seen] == [["accuracy", "loss"]] * 3
    assert all(isinstance(v, float) for s in seen for v in s.values())
    assert seen[-1]["loss"] == pytest.approx(history.history["loss"][0])


def test_regularization_penalties_are_part_of_the_loss():
    from ember.keras import regularizers

    x, y = blobs(10)
    set_random_seed(0)
    model = Sequential([Input((4,)), Dense(2, kernel_regularizer=regularizers.L2(0.1))])
    model.compile(optimizer="sgd", loss=losses.SparseCategoricalCrossentropy(from_logits=True))
    data = float(losses.SparseCategoricalCrossentropy(from_logits=True)(
        y, model.predict_on_batch(x)))
    penalty = 0.1 * float((model.layers[0].kernel.detach().numpy() ** 2).sum())
    assert model.test_on_batch(x, y) == pytest.approx(data + penalty, rel=1e-5)


class RecordTraining(Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.seen = []

    def call(self, inputs, training=None):
        self.seen.append(training)
        return inputs


def test_training_flag_and_module_modes():
    x, y = blobs(20)
    set_random_seed(0)
    probe = RecordTraining()
    torch_dropout = ember.nn.Dropout(0.5)
    model = Sequential([Input((4,)), probe, Dense(2)])
    model.add_module("extra", torch_dropout)  # a plain ember module inside the model
    torch_dropout.eval()
    modes = []

    class Mode(callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            modes.append(torch_dropout.training)

        def on_test_batch_end(self, batch, logs=None):
            modes.append(torch_dropout.training)

    model.compile(optimizer="sgd", loss=losses.SparseCategoricalCrossentropy(from_logits=True))
    probe.seen.clear()
    model.fit(x, y, batch_size=10, epochs=1, validation_data=(x, y), callbacks=[Mode()],
              verbose=0)
    assert probe.seen == [True, True, False, False]  # training batches, then validation
    assert modes == [True, True, False, False]
    assert torch_dropout.training is False and model.training is False  # restored
    probe.seen.clear()
    model.predict(x, verbose=0)
    model.train_on_batch(x, y)
    assert probe.seen == [False, True]


def test_dropout_is_active_in_fit_only():
    set_random_seed(0)
    model = Sequential([Input((4,)), Dropout(0.5), Dense(1, kernel_initializer="ones",
                                                         use_bias=False)])
    model.compile(optimizer=optimizers.SGD(0.0), loss="mse")
    x = np.ones((64, 4), "float32")
    y = np.full((64, 1), 4.0, "float32")
    assert model.evaluate(x, y, verbose=0) == 0.0
    assert model.fit(x, y, batch_size=64, verbose=0).history["loss"][0] > 1.0


# -- evaluate / predict / single batches ------------------------------------------------------

def test_evaluate_return_types():
    x, y = blobs(30)
    model = mlp()
    model.compile(optimizer="sgd", loss=losses.SparseCategoricalCrossentropy(from_logits=True))
    assert isinstance(model.evaluate(x, y, verbose=0), float)
    model.compile(optimizer="sgd", loss=losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy", "sparse_top_k_categorical_accuracy"])
    values = model.evaluate(x, y, batch_size=7, verbose=0)
    assert isinstance(values, list) and len(values) == 3
    logs = model.evaluate(x, y, verbose=0, return_dict=True)
    assert values == pytest.approx([logs["loss"], logs["accuracy"],
                                    logs["sparse_top_k_categorical_accuracy"]])
    # the epoch value is the mean over samples, not over batches of unequal size
    pred = model.predict(x, verbose=0)
    per_sample = losses.sparse_categorical_crossentropy(y, pred, from_logits=True).numpy()
    assert values[0] == pytest.approx(float(per_sample.mean()), rel=1e-5)
    assert logs["accuracy"] == pytest.approx(float((pred.argmax(1) == y).mean()))
    with pytest.raises(ValueError, match="not recognized"):
        model.evaluate(x, y, verbose=0, bogus=1)


def test_predict_returns_numpy_in_the_output_structure():
    x, _ = blobs(25)
    model = mlp()
    out = model.predict(x, batch_size=10, verbose=0)
    assert isinstance(out, np.ndarray) and out.shape == (25, 2) and out.dtype == np.float32
    np.testing.assert_allclose(out, model(x).detach().numpy(), rtol=1e-6)
    set_random_seed(0)
    inp = Input((4,))
    two = Model(inp, {"p": Dense(3)(inp), "q": Dense(1)(inp)})
    out = two.predict(x, batch_size=10, verbose=0)
    assert isinstance(out, dict) and out["p"].shape == (25, 3) and out["q"].shape == (25, 1)


def test_predict_uses_no_graph():
    x, _ = blobs(8)
    model = mlp()
    seen = []

    class Check(callbacks.Callback):
        def on_predict_batch_end(self, batch, logs=None):
            seen.append(logs["outputs"].requires_grad)

    model.predict(x, callbacks=[Check()], verbose=0)
    assert seen == [False]


def test_single_batch_methods():
    x, y = blobs(32)
    model = mlp()
    model.compile(optimizer=optimizers.Adam(0.05),
                  loss=losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    first = model.train_on_batch(x, y)
    assert isinstance(first, list) and len(first) == 2
    for _ in range(20):
        last = model.train_on_batch(x, y, return_dict=True)
    assert sorted(last) == ["accuracy", "loss"] and last["loss"] < first[0]
    loss, acc = model.test_on_batch(x, y)
    assert acc >= 0.9
    out = model.predict_on_batch(x)
    assert isinstance(out, np.ndarray) and out.shape == (32, 2)
    weighted = model.train_on_batch(x, y, class_weight={0: 0.0, 1: 0.0}, return_dict=True)
    assert weighted["loss"] == 0.0
    with pytest.raises(ValueError, match="either sample_weight or class_weight"):
        model.train_on_batch(x, y, sample_weight=np.ones(32), class_weight={0: 1.0})


def test_a_lazy_model_builds_on_the_first_fit():
    x, y = blobs(40)
    set_random_seed(0)
    model = Sequential([Dense(8, activation="relu"), Dense(2)])  # no Input: built by fit
    model.compile(optimizer="adam", loss=losses.SparseCategoricalCrossentropy(from_logits=True))
    model.fit(x, y, epochs=1, verbose=0)
    assert model.optimizer.built and len(model.trainable_weights) == 4


def test_a_small_network_learns_a_separable_problem():
    x, y = blobs(400)
    xt, yt = blobs(200, seed=1)
    set_random_seed(1)
    model = Sequential([Input((4,)), Dense(16, activation="relu"), Dense(2)])
    model.compile(optimizer="adam", loss=losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    history = model.fit(x, y, batch_size=32, epochs=10, validation_split=0.1, verbose=0)
    assert history.history["accuracy"][-1] > 0.97
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert model.evaluate(xt, yt, verbose=0)[1] > 0.97


# -- progress output --------------------------------------------------------------------------

LINE = r"{n}/{n} ━{{20}} \d+s \d+(us|ms|s)/step"


def test_fit_output_without_a_terminal_is_one_line_per_epoch(capsys):
    x, y = blobs(40)
    model = mlp()
    model.compile(optimizer="sgd", loss=losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    model.fit(x, y, batch_size=16, epochs=2, validation_split=0.25)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 4
    assert lines[0] == "Epoch 1/2" and lines[2] == "Epoch 2/2"
    pattern = LINE.format(n=2) + (r" - accuracy: \d\.\d{4} - loss: \d\.\d{4}"
                                  r" - val_accuracy: \d\.\d{4}(e[-+]\d+)? - val_loss: \d\.\d{4}")
    assert re.fullmatch(pattern, lines[1]) and re.fullmatch(pattern, lines[3])


def test_fit_verbose_2_and_0(capsys):
    x, y = blobs(40)
    model = mlp()
    model.compile(optimizer="sgd", loss=losses.SparseCategoricalCrossentropy(from_logits=True))
    model.fit(x, y, batch_size=40, epochs=1, verbose=2)
    assert re.fullmatch(r"1/1 - \d+s - \d+(us|ms|s)/step - loss: \d\.\d{4}\n",
                        capsys.readouterr().out)
    model.fit(x, y, epochs=3, verbose=0)
    assert capsys.readouterr().out == ""


def test_evaluate_and_predict_print_their_own_bar(capsys):
    x, y = blobs(40)
    model = mlp()
    model.compile(optimizer="sgd", loss=losses.SparseCategoricalCrossentropy(from_logits=True))
    model.evaluate(x, y, batch_size=10)
    assert re.fullmatch(LINE.format(n=4) + r" - loss: \d\.\d{4}\n", capsys.readouterr().out)
    model.predict(x, batch_size=20)
    assert re.fullmatch(LINE.format(n=2) + r"\n", capsys.readouterr().out)


def test_add_loss_only_model_trains_without_targets():
    class Shrink(Model):
        def __init__(self):
            super().__init__()
            self.dense = Dense(3)

        def call(self, inputs, training=None):
            out = self.dense(inputs)
            self.add_loss((out * out).mean())
            return out

    set_random_seed(0)
    model = Shrink()
    model.compile(optimizer=optimizers.SGD(0.1))
    x = np.random.default_rng(0).normal(size=(32, 4)).astype("float32")
    history = model.fit(x, epochs=3, batch_size=32, verbose=0)
    values = history.history["loss"]
    assert len(values) == 3 and values[2] < values[0]


def test_a_pytorch_style_module_is_fitted_through_sequential():
    x, y = blobs(64)
    ember.manual_seed(0)
    net = ember.nn.Sequential(ember.nn.Linear(4, 16), ember.nn.ReLU(), ember.nn.Linear(16, 2))
    model = Sequential([net])
    model.compile(optimizer="adam", loss=losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    history = model.fit(x, y, epochs=15, batch_size=16, verbose=0)
    assert history.history["accuracy"][-1] > 0.95
    assert net.training is True  # a fresh ember module trains by default; fit restores it


def test_a_used_up_generator_cannot_validate_every_epoch():
    x, y = blobs(20)
    model = mlp()
    model.compile(optimizer="sgd", loss=losses.SparseCategoricalCrossentropy(from_logits=True))
    once = ((x[i:i + 10], y[i:i + 10]) for i in (0, 10))
    with pytest.raises(ValueError, match="generator can be used up only once"):
        model.fit(x, y, epochs=2, validation_data=once, verbose=0)


def test_generator_of_unknown_length_in_the_progress_line(capsys):
    x, y = blobs(40)
    model = mlp()
    model.compile(optimizer="sgd", loss=losses.SparseCategoricalCrossentropy(from_logits=True))
    model.fit(((x[i:i + 8], y[i:i + 8]) for i in range(0, 40, 8)), epochs=1)
    assert re.fullmatch(LINE.format(n=5) + r" - loss: \d\.\d{4}\n", capsys.readouterr().out)


def test_a_custom_train_step_like_the_keras_guide():
    class CustomModel(Sequential):
        def train_step(self, data):
            x, y = data
            self.zero_grad()
            y_pred = self(x, training=True)
            loss = self.compute_loss(y=y, y_pred=y_pred)
            loss.backward()
            weights = list(self.trainable_weights)
            self.optimizer.apply([w.grad for w in weights], weights)
            for metric in self.metrics:
                if metric.name == "loss":
                    metric.update_state(loss)
                else:
                    metric.update_state(y, y_pred)
            return {m.name: m.result() for m in self.metrics}

    x, y = blobs(64)
    set_random_seed(0)
    model = CustomModel([Input((4,)), Dense(8, activation="relu"), Dense(2)])
    model.compile(optimizer="adam", loss=losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    history = model.fit(x, y, batch_size=16, epochs=10, verbose=0)
    assert sorted(history.history) == ["accuracy", "loss"]
    assert history.history["accuracy"][-1] > 0.9


def test_a_compute_loss_override_without_the_training_argument():
    class Halved(Sequential):
        def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None):
            return 0.5 * super().compute_loss(x, y, y_pred, sample_weight)

    x, y = blobs(16)
    set_random_seed(0)
    model = Halved([Input((4,)), Dense(2)])
    model.compile(optimizer="sgd", loss=losses.SparseCategoricalCrossentropy(from_logits=True))
    full = float(losses.SparseCategoricalCrossentropy(from_logits=True)(
        y, model.predict_on_batch(x)))
    assert model.test_on_batch(x, y) == pytest.approx(0.5 * full, rel=1e-5)
    model.fit(x, y, verbose=0)


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_fit_on_a_terminal_redraws_the_bar(monkeypatch):
    import ember.keras.progbar as progbar

    x, y = blobs(64)
    model = mlp()
    model.compile(optimizer="sgd", loss=losses.SparseCategoricalCrossentropy(from_logits=True))
    stream = Terminal()
    monkeypatch.setattr(sys, "stdout", stream)
    clock = iter(range(1000))
    monkeypatch.setattr(progbar.time, "time", lambda: float(next(clock)))  # 1 s per call
    model.fit(x, y, batch_size=16, epochs=1)
    monkeypatch.undo()
    frames = stream.getvalue().split("\r")[1:]
    assert len(frames) == 5  # 4 batches, each drawn (1 s apart), then the final line
    assert re.sub(r"\x1b\[[0-9;]*m", "", frames[0]).startswith("1/4 ━━━━━")
    assert frames[-1].endswith("\n") and frames[0].count("━") == 20


def test_without_a_terminal_the_progress_bar_costs_nothing_per_step():
    cbs = callbacks.CallbackList(None, add_progbar=True, verbose=1, epochs=1, steps=10)
    assert not cbs.wants("on_train_batch_end")
    cbs = callbacks.CallbackList(None, add_progbar=True, verbose=1, epochs=1, steps=None)
    assert cbs.wants("on_train_batch_end")  # the count of an unknown-length input is needed
