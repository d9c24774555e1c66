"""ember.keras against values and names printed by real Keras 3.15.1 (JAX backend, CPU).

Each reference below was produced by running the same program with ``import keras`` (same
seeds, same weights through ``set_weights``) and is hard-coded here; CI has no Keras. Losses
are compared to float32 noise (Keras sums in another order), counts and names exactly.
"""

import numpy as np
import pytest

import ember
from ember import keras
from ember.keras import layers as L
from ember.keras import metrics as M


@pytest.fixture(autouse=True)
def _fresh_names():
    keras.backend.clear_session()


# -- fit / evaluate / predict --------------------------------------------------------------------


def _mlp_problem():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((50, 6)).astype("float32")
    y = rng.integers(0, 3, 50)
    xv = rng.standard_normal((20, 6)).astype("float32")
    yv = rng.integers(0, 3, 20)
    weights = [rng.standard_normal((6, 8)).astype("float32") * 0.4, np.zeros(8, "float32"),
               rng.standard_normal((8, 3)).astype("float32") * 0.4, np.zeros(3, "float32")]
    return rng, x, y, xv, yv, weights


def _mlp(weights, **compile_kwargs):
    model = keras.Sequential([keras.Input((6,)), L.Dense(8, activation="relu"),
                              L.Dense(3, activation="softmax")])
    model.set_weights(weights)
    compile_kwargs.setdefault("metrics", ["accuracy"])
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy",
                  **compile_kwargs)
    return model


def test_fit_history_evaluate_and_predict_match_keras():
    _, x, y, xv, yv, weights = _mlp_problem()
    model = _mlp(weights)
    history = model.fit(x, y, epochs=3, batch_size=16, shuffle=False, verbose=0,
                        validation_data=(xv, yv))
    keras_history = {
        "accuracy": [0.32, 0.38, 0.38],
        "loss": [1.3990516662597656, 1.2774624824523926, 1.208489179611206],
        "val_accuracy": [0.35, 0.40, 0.45],
        "val_loss": [1.205141305923462, 1.1661068201065063, 1.1400041580200195],
    }
    assert list(history.history) == list(keras_history)
    for key, values in keras_history.items():
        np.testing.assert_allclose(history.history[key], values, rtol=1e-5, err_msg=key)
    assert history.params == {"verbose": 0, "epochs": 3, "steps": 4}
    assert history.epoch == [0, 1, 2]
    loss, acc = model.evaluate(xv, yv, verbose=0)
    np.testing.assert_allclose([loss, acc], [1.1400041580200195, 0.45], rtol=1e-5)
    pred = model.predict(xv, verbose=0)
    assert type(pred) is np.ndarray and pred.dtype == np.float32 and pred.shape == (20, 3)
    np.testing.assert_allclose(pred[:3], [[0.31422683596611023, 0.39526522159576416,
                                           0.290507972240448],
                                          [0.3148181438446045, 0.350756973028183,
                                           0.33442485332489014],
                                          [0.4591602087020874, 0.3727266192436218,
                                           0.16811318695545197]], rtol=1e-5)


def test_sample_weights_class_weights_and_weighted_metrics_match_keras():
    rng, x, y, _, _, weights = _mlp_problem()
    sw = rng.uniform(0.2, 2, 50).astype("float32")
    h = _mlp(weights).fit(x, y, epochs=2, batch_size=16, shuffle=False, verbose=0,
                          sample_weight=sw)
    np.testing.assert_allclose(h.history["loss"], [1.4376553297042847, 1.3140616416931152],
                               rtol=1e-5)
    np.testing.assert_allclose(h.history["accuracy"], [0.34, 0.38], rtol=1e-6)
    h = _mlp(weights).fit(x, y, epochs=2, batch_size=16, shuffle=False, verbose=0,
                          class_weight={0: 1.0, 1: 2.0, 2: 0.5})
    np.testing.assert_allclose(h.history["loss"], [1.281123161315918, 1.19670569896698],
                               rtol=1e-5)
    model = _mlp(weights, weighted_metrics=["accuracy"])
    h = model.fit(x, y, epochs=1, batch_size=16, shuffle=False, verbose=0, sample_weight=sw,
                  validation_split=0.2)
    # Keras sorts the epoch logs once the validation ones are in (pythonify_logs)
    keras_history = {"accuracy": 0.35, "loss": 1.4218862056732178, "val_accuracy": 0.3,
                     "val_loss": 1.4729154109954834, "val_weighted_accuracy": 0.40566134452819824,
                     "weighted_accuracy": 0.30482637882232666}
    assert list(h.history) == list(keras_history)
    for key, value in keras_history.items():
        np.testing.assert_allclose(h.history[key], [value], rtol=1e-5, err_msg=key)


def test_compile_metric_names_and_values_match_keras():
    rng = np.random.default_rng(5)
    x = rng.standard_normal((40, 5)).astype("float32")
    y = (rng.uniform(size=(40, 1)) > 0.5).astype("float32")
    weights = [rng.standard_normal((5, 1)).astype("float32"), np.zeros(1, "float32")]
    model = keras.Sequential([keras.Input((5,)), L.Dense(1, activation="sigmoid")])
    model.set_weights(weights)
    model.compile(optimizer="sgd", loss="binary_crossentropy",
                  metrics=["accuracy", "acc", "binary_accuracy", "mse", "mae", "auc", "AUC",
                           "precision", "recall", "binary_crossentropy",
                           M.AUC(name="auc_obj"), M.Precision(thresholds=0.3)])
    logs = model.evaluate(x, y, verbose=0, return_dict=True, batch_size=16)
    keras_logs = {"AUC": 0.58854, "acc": 0.5, "accuracy": 0.5, "auc": 0.58854,
                  "auc_obj": 0.58854, "binary_accuracy": 0.5, "binary_crossentropy": 0.81516,
                  "loss": 0.81516, "mae": 0.45931, "mse": 0.28629, "precision": 0.38889,
                  "precision_1": 0.46154, "recall": 0.4375}
    assert sorted(logs) == sorted(keras_logs)
    for key, value in keras_logs.items():
        np.testing.assert_allclose(logs[key], value, atol=1e-5, err_msg=key)


# -- masks reach the losses and metrics ----------------------------------------------------------


def _tagger(rng):
    model = keras.Sequential([keras.Input((5,), dtype="int32"),
                              L.Embedding(10, 4, mask_zero=True),
                              L.LSTM(3, return_sequences=True),
                              L.Dense(3, activation="softmax")])
    model.set_weights([rng.standard_normal(w.shape).astype("float32") * 0.5
                       for w in model.get_weights()])
    return model


IDS = np.array([[3, 1, 4, 0, 0], [5, 9, 2, 6, 5], [7, 0, 0, 0, 0], [2, 2, 0, 0, 0]], "int32")


def test_padding_mask_is_left_out_of_loss_and_metrics_as_in_keras():
    rng = np.random.default_rng(0)
    tags = rng.integers(0, 3, (4, 5))
    model = _tagger(rng)
    model.compile("sgd", "sparse_categorical_crossentropy", metrics=["accuracy"])
    logs = model.evaluate(IDS, tags, verbose=0, return_dict=True, batch_size=4)
    # 11 unmasked positions, 4 of them right (Keras 3.15)
    np.testing.assert_allclose([logs["loss"], logs["accuracy"]], [1.236503, 4 / 11], atol=2e-6)
    sw = rng.uniform(0.5, 2, (4, 5)).astype("float32")
    logs = model.evaluate(IDS, tags, verbose=0, return_dict=True, sample_weight=sw,
                          batch_size=4)
    np.testing.assert_allclose([logs["loss"], logs["accuracy"]], [1.834767, 4 / 11], atol=2e-6)
    model.compile("sgd", "sparse_categorical_crossentropy", weighted_metrics=["accuracy"])
    logs = model.evaluate(IDS, tags, verbose=0, return_dict=True, batch_size=4)
    np.testing.assert_allclose([logs["loss"], logs["accuracy"]], [1.236503, 4 / 11], atol=2e-6)


def test_per_sequence_weights_spread_over_the_masked_time_axis():
    # Keras 3.15 fails to broadcast (batch,) weights against a (batch, time) mask; ember spreads
    # them over time, which equals passing the (batch, time) weights.
    rng = np.random.default_rng(0)
    tags = rng.integers(0, 3, (4, 5))
    model = _tagger(rng)
    model.compile("sgd", "sparse_categorical_crossentropy", weighted_metrics=["accuracy"])
    w = np.array([0.5, 2.0, 1.0, 1.5], "float32")
    per_sequence = model.evaluate(IDS, tags, sample_weight=w, verbose=0, return_dict=True)
    per_step = model.evaluate(IDS, tags, sample_weight=np.repeat(w[:, None], 5, 1), verbose=0,
                              return_dict=True)
    for key in per_step:
        np.testing.assert_allclose(per_sequence[key], per_step[key], rtol=1e-6, err_msg=key)


def test_masked_loss_object_and_metric_object_read_the_mask():
    rng = np.random.default_rng(1)
    y_pred = L.Dense(3, activation="softmax")(L.Embedding(10, 4, mask_zero=True)(IDS))
    y_true = rng.integers(0, 3, (4, 5))
    valid = IDS != 0
    per_position = keras.losses.sparse_categorical_crossentropy(y_true, y_pred).detach().numpy()
    loss = keras.losses.SparseCategoricalCrossentropy()(y_true, y_pred)
    np.testing.assert_allclose(float(loss), per_position[valid].mean(), rtol=1e-6)
    metric = M.SparseCategoricalAccuracy()
    metric.update_state(y_true, y_pred)
    hits = y_pred.detach().numpy().argmax(-1) == y_true
    np.testing.assert_allclose(float(metric.result()), hits[valid].mean(), rtol=1e-6)


# -- metric functions and the counting fast paths -------------------------------------------------


def test_accuracy_metrics_on_one_dimensional_inputs_count_each_sample():
    m = M.Accuracy()
    m.update_state([1, 2, 3], [1, 2, 2])
    m.update_state([1], [1])
    assert float(m.result()) == pytest.approx(0.75)  # Keras: 3 of 4, not a mean of batch means
    m = M.Accuracy()
    m.update_state([1, 2, 3], [1, 2, 2], sample_weight=[1.0, 1.0, 2.0])
    assert float(m.result()) == pytest.approx(0.5)
    m = M.BinaryAccuracy()
    m.update_state(np.ones(4), np.full(4, 0.9))
    m.update_state(np.ones(1), np.full(1, 0.1))
    assert float(m.result()) == pytest.approx(0.8)


FAST_CASES = [
    ("sparse", M.SparseCategoricalAccuracy, M.sparse_categorical_accuracy, "labels"),
    ("sparse_n1", M.SparseCategoricalAccuracy, M.sparse_categorical_accuracy, "labels_n1"),
    ("sparse_float", M.SparseCategoricalAccuracy, M.sparse_categorical_accuracy, "labels_f"),
    ("categorical", M.CategoricalAccuracy, M.categorical_accuracy, "onehot"),
    ("binary", M.BinaryAccuracy, M.binary_accuracy, "binary"),
    ("binary_1d", M.BinaryAccuracy, M.binary_accuracy, "binary_1d"),
    ("multilabel", M.BinaryAccuracy, M.binary_accuracy, "multilabel"),
]


def _fast_batch(kind, rng, n):
    scores = rng.standard_normal((n, 5)).astype("float32")
    labels = rng.integers(0, 5, n)
    if kind == "labels":
        return labels, scores
    if kind == "labels_n1":
        return labels[:, None], scores
    if kind == "labels_f":
        return labels.astype("float32"), ember.from_numpy(scores)
    if kind == "onehot":
        return np.eye(5, dtype="float32")[labels], scores
    probs = rng.uniform(0, 1, (n, 3 if kind == "multilabel" else 1)).astype("float32")
    truth = (rng.uniform(0, 1, probs.shape) > 0.5).astype("float32")
    return (truth[:, 0], probs) if kind == "binary_1d" else (truth, probs)


@pytest.mark.parametrize("case", FAST_CASES, ids=[c[0] for c in FAST_CASES])
def test_counting_fast_paths_equal_the_general_mean(case):
    _, cls, fn, kind = case
    rng = np.random.default_rng(3)
    fast, general = cls(), M.MeanMetricWrapper(fn)
    for n in (7, 32, 1):
        y_true, y_pred = _fast_batch(kind, rng, n)
        fast.update_state(y_true, y_pred)
        general.update_state(y_true, y_pred)
        np.testing.assert_allclose(float(fast.result()), float(general.result()), rtol=1e-6)


# -- names ----------------------------------------------------------------------------------------


def test_automatic_model_and_optimizer_names_follow_keras():
    # Keras 3's Sequential builds a hidden Functional model at every (re)build, which takes a
    # "functional" name: the names below are what Keras 3.15 prints for this program.
    m = keras.Sequential()
    m.add(keras.Input((3,)))
    m.add(L.Dense(2))
    m.add(L.Dense(1))
    m2 = keras.Sequential([keras.Input((3,))])
    m.pop()
    a = keras.Input((3,))
    f = keras.Model(a, L.Dense(1)(a))
    s3 = keras.Sequential([L.Dense(2)])
    s3(np.zeros((1, 3), "float32"))
    a = keras.Input((3,))
    f2 = keras.Model(a, L.Dense(1)(a))
    assert (m.name, m2.name, f.name, f2.name) == ("sequential", "sequential_1", "functional_3",
                                                  "functional_5")
    assert [w.path for w in s3.weights] == ["sequential_2/dense_3/kernel",
                                            "sequential_2/dense_3/bias"]
    keras.backend.clear_session()
    names = [keras.optimizers.get(n).name for n in ("adam", "adam", "sgd", "rmsprop", "adamw")]
    assert names == ["adam", "adam_1", "sgd", "rm_sprop", "adam_w"]


def test_weight_names_and_paths_follow_keras():
    class Block(L.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.d1 = L.Dense(2)
            self.bn = L.BatchNormalization()

        def call(self, x):
            return self.bn(self.d1(x))

    class MyModel(keras.Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.block = Block()
            self.out = L.Dense(1)

        def call(self, x):
            return self.out(self.block(x))

    model = MyModel()
    model(np.zeros((2, 3), "float32"))
    assert [(w.name, w.path) for w in model.weights] == [
        ("kernel", "my_model/block/dense/kernel"), ("bias", "my_model/block/dense/bias"),
        ("gamma", "my_model/block/batch_normalization/gamma"),
        ("beta", "my_model/block/batch_normalization/beta"),
        ("moving_mean", "my_model/block/batch_normalization/moving_mean"),
        ("moving_variance", "my_model/block/batch_normalization/moving_variance"),
        ("kernel", "my_model/dense_1/kernel"), ("bias", "my_model/dense_1/bias")]
    bi = L.Bidirectional(L.GRU(2))
    bi(np.zeros((1, 2, 3), "float32"))
    assert [w.path for w in bi.weights][:3] == [
        "bidirectional/forward_gru/gru_cell/kernel",
        "bidirectional/forward_gru/gru_cell/recurrent_kernel",
        "bidirectional/forward_gru/gru_cell/bias"]
    inp = keras.Input((4,), name="x")
    out = L.Dense(1, name="out")(L.Dense(3)(inp))
    assert [w.path for w in keras.Model(inp, out).weights] == [
        "dense_2/kernel", "dense_2/bias", "out/kernel", "out/bias"]


def test_fit_without_targets_names_the_problem():
    model = keras.Sequential([keras.Input((4,)), L.Dense(1)])
    model.compile("adam", "mse")
    with pytest.raises(ValueError, match=r"compiled with a loss but got no targets: pass y"):
        model.fit(np.zeros((10, 4), "float32"), verbose=0)


def test_multi_output_logs_and_evaluate_order_match_keras():
    rng = np.random.default_rng(0)
    inp = keras.Input((4,), name="x")
    h = L.Dense(8, activation="relu")(inp)
    outputs = [L.Dense(3, activation="softmax", name="cls")(h), L.Dense(1, name="reg")(h),
               L.Dense(1)(h)]
    model = keras.Model(inp, outputs)
    model.set_weights([rng.standard_normal(w.shape).astype("float32") * 0.5
                       for w in model.get_weights()])
    model.compile(optimizer="adam", loss=["sparse_categorical_crossentropy", "mse", "mae"],
                  metrics=[["accuracy"], ["mae"], []], loss_weights=[1.0, 0.5, 2.0])
    x = rng.standard_normal((10, 4)).astype("float32")
    ys = [rng.integers(0, 3, 10), rng.standard_normal((10, 1)).astype("float32"),
          rng.standard_normal((10, 1)).astype("float32")]
    # Keras 3: the loss, the output losses, then the prefixed metric logs sorted
    np.testing.assert_allclose(model.evaluate(x, ys, verbose=0, batch_size=4),
                               [4.05198, 1.47265, 1.22817, 0.98262, 0.1, 0.97268], atol=2e-5)
    assert model.metrics_names == ["loss", "cls_loss", "reg_loss", "dense_1_loss",
                                   "cls_accuracy", "reg_mae"]
    history = model.fit(x, ys, verbose=0, batch_size=4, epochs=2, shuffle=False)
    keras_history = {"cls_accuracy": [0.1, 0.1], "cls_loss": [1.47208, 1.4549],
                     "dense_1_loss": [0.98038, 0.96388], "loss": [4.04865, 3.99062],
                     "reg_loss": [1.23163, 1.21594], "reg_mae": [0.97612, 0.97152]}
    assert list(history.history) == list(keras_history)
    for key, values in keras_history.items():
        np.testing.assert_allclose(history.history[key], values, atol=2e-5, err_msg=key)
    np.testing.assert_allclose(model.train_on_batch(x, ys),
                               [3.94754, 1.44133, 1.20636, 0.95152, 0.1, 0.96805], atol=2e-5)


def test_exclude_from_weight_decay_matches_weight_names_as_keras():
    # Keras searches the patterns in each variable's name ("kernel", "bias"), not its path
    model = keras.Sequential([keras.Input((3,)), L.Dense(2, name="dense_bias_free")])
    opt = keras.optimizers.AdamW(0.1, weight_decay=0.5)
    opt.exclude_from_weight_decay(var_names=["bi.s"])
    model.compile(opt, "mse")
    before = model.get_weights()
    model.train_on_batch(np.zeros((4, 3), "float32"), np.zeros((4, 2), "float32"))
    kernel, bias = model.get_weights()
    np.testing.assert_allclose(kernel, before[0] * (1 - 0.5 * 0.1), rtol=1e-6)  # decayed
    np.testing.assert_array_equal(bias, before[1])  # excluded; its gradient is zero
