"""ember.keras.metrics: Keras 3's values, weighting, accumulation, reset, names and lookups."""

from __future__ import annotations

import numpy as np
import pytest

import ember
from ember.keras import losses as L
from ember.keras import metrics as M


def _value(metric):
    out = metric.result()
    assert isinstance(out, ember.Tensor) and out.dtype is ember.float32
    return out.numpy()


# -- values Keras documents (keras/src/metrics/*.py docstrings) -------------------------------

KERAS_DOC_VALUES = [
    ("Accuracy", M.Accuracy, ([[1], [2], [3], [4]], [[0], [2], [3], [4]]), None, 0.75),
    ("Accuracy weighted", M.Accuracy, ([[1], [2], [3], [4]], [[0], [2], [3], [4]]),
     [1, 1, 0, 0], 0.5),
    ("BinaryAccuracy", M.BinaryAccuracy, ([[1], [1], [0], [0]], [[0.98], [1], [0], [0.6]]),
     None, 0.75),
    ("BinaryAccuracy weighted", M.BinaryAccuracy,
     ([[1], [1], [0], [0]], [[0.98], [1], [0], [0.6]]), [1, 0, 0, 1], 0.5),
    ("CategoricalAccuracy", M.CategoricalAccuracy,
     ([[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]]), None, 0.5),
    ("CategoricalAccuracy weighted", M.CategoricalAccuracy,
     ([[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]]), [0.7, 0.3], 0.3),
    ("SparseCategoricalAccuracy", M.SparseCategoricalAccuracy,
     ([[2], [1]], [[0.1, 0.6, 0.3], [0.05, 0.95, 0]]), None, 0.5),
    ("SparseCategoricalAccuracy weighted", M.SparseCategoricalAccuracy,
     ([[2], [1]], [[0.1, 0.6, 0.3], [0.05, 0.95, 0]]), [0.7, 0.3], 0.3),
    ("TopK k=1", lambda: M.TopKCategoricalAccuracy(k=1),
     ([[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]]), None, 0.5),
    ("TopK k=1 weighted", lambda: M.TopKCategoricalAccuracy(k=1),
     ([[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]]), [0.7, 0.3], 0.3),
    ("SparseTopK k=1", lambda: M.SparseTopKCategoricalAccuracy(k=1),
     ([2, 1], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]]), None, 0.5),
    ("SparseTopK k=1 weighted", lambda: M.SparseTopKCategoricalAccuracy(k=1),
     ([2, 1], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]]), [0.7, 0.3], 0.3),
    ("Precision", M.Precision, ([0, 1, 1, 1], [1, 0, 1, 1]), None, 2 / 3),
    ("Precision weighted", M.Precision, ([0, 1, 1, 1], [1, 0, 1, 1]), [0, 0, 1, 0], 1.0),
    ("Precision top_k=2", lambda: M.Precision(top_k=2), ([0, 0, 1, 1], [1, 1, 1, 1]), None,
     0.0),
    ("Precision top_k=4", lambda: M.Precision(top_k=4), ([0, 0, 1, 1], [1, 1, 1, 1]), None,
     0.5),
    ("Precision class_id", lambda: M.Precision(class_id=2),
     ([[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]]), None, 1.0),
    ("Recall", M.Recall, ([0, 1, 1, 1], [1, 0, 1, 1]), None, 2 / 3),
    ("Recall weighted", M.Recall, ([0, 1, 1, 1], [1, 0, 1, 1]), [0, 0, 1, 0], 1.0),
    ("AUC", lambda: M.AUC(num_thresholds=3), ([0, 0, 1, 1], [0, 0.5, 0.3, 0.9]), None, 0.75),
    ("AUC weighted", lambda: M.AUC(num_thresholds=3), ([0, 0, 1, 1], [0, 0.5, 0.3, 0.9]),
     [1, 0, 0, 1], 1.0),
    ("Mean", M.Mean, ([1, 3, 5, 7],), None, 4.0),
    ("Mean weighted", M.Mean, ([1, 3, 5, 7],), [1, 1, 0, 0], 2.0),
    ("Sum", M.Sum, ([1, 3, 5, 7],), None, 16.0),
    ("MeanSquaredError", M.MeanSquaredError, ([[0, 1], [0, 0]], [[1, 1], [0, 0]]), None, 0.25),
    ("MeanSquaredError weighted", M.MeanSquaredError, ([[0, 1], [0, 0]], [[1, 1], [0, 0]]),
     [1, 0], 0.5),
    ("MeanAbsoluteError", M.MeanAbsoluteError, ([[0, 1], [0, 0]], [[1, 1], [0, 0]]), None,
     0.25),
    ("RootMeanSquaredError", M.RootMeanSquaredError, ([[0, 1], [0, 0]], [[1, 1], [0, 0]]),
     None, 0.5),
    ("RootMeanSquaredError weighted", M.RootMeanSquaredError,
     ([[0, 1], [0, 0]], [[1, 1], [0, 0]]), [1, 0], 0.70710677),
    ("F1Score", lambda: M.F1Score(threshold=0.5),
     ([[1, 1, 1], [1, 0, 0], [1, 1, 0]], [[0.2, 0.6, 0.7], [0.2, 0.6, 0.6], [0.6, 0.8, 0.0]]),
     None, [0.5, 0.8, 0.6666667]),
    ("FBetaScore", lambda: M.FBetaScore(beta=2.0, threshold=0.5),
     ([[1, 1, 1], [1, 0, 0], [1, 1, 0]], [[0.2, 0.6, 0.7], [0.2, 0.6, 0.6], [0.6, 0.8, 0.0]]),
     None, [0.3846154, 0.90909094, 0.8333334]),
    ("BinaryCrossentropy", M.BinaryCrossentropy, ([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]]),
     None, 0.81492424),
    ("CategoricalCrossentropy", M.CategoricalCrossentropy,
     ([[0, 1, 0], [0, 0, 1]], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]]), None, 1.1769392),
    ("SparseCategoricalCrossentropy", M.SparseCategoricalCrossentropy,
     ([1, 2], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]]), None, 1.1769392),
]


@pytest.mark.parametrize("case", KERAS_DOC_VALUES, ids=[c[0] for c in KERAS_DOC_VALUES])
def test_values_documented_by_keras(case):
    _, make, args, sample_weight, expected = case
    metric = make()
    metric.update_state(*args, sample_weight=sample_weight)
    np.testing.assert_allclose(_value(metric), expected, rtol=1e-5, atol=1e-6)


# -- accumulation, reset and inputs --------------------------------------------------------------

ACCUMULATING = [
    ("sparse_categorical_accuracy", M.SparseCategoricalAccuracy, "sparse"),
    ("categorical_accuracy", M.CategoricalAccuracy, "onehot"),
    ("binary_accuracy", M.BinaryAccuracy, "binary"),
    ("sparse_top_k", lambda: M.SparseTopKCategoricalAccuracy(k=2), "sparse"),
    ("precision", M.Precision, "binary"),
    ("recall", M.Recall, "binary"),
    ("auc", M.AUC, "binary"),
    ("auc_pr", lambda: M.AUC(curve="PR"), "binary"),
    ("mse", M.MeanSquaredError, "onehot"),
    ("rmse", M.RootMeanSquaredError, "onehot"),
    ("f1_macro", lambda: M.F1Score(average="macro"), "onehot"),
    ("scce", lambda: M.SparseCategoricalCrossentropy(from_logits=True), "sparse"),
]


def _batch(kind, rng, n):
    if kind == "binary":
        return rng.integers(0, 2, (n, 1)), rng.uniform(0, 1, (n, 1))
    labels = rng.integers(0, 4, n)
    scores = rng.standard_normal((n, 4))
    return (labels, scores) if kind == "sparse" else (np.eye(4)[labels], scores)


@pytest.mark.parametrize("case", ACCUMULATING, ids=[c[0] for c in ACCUMULATING])
def test_batches_accumulate_like_one_batch_and_reset_clears(case):
    _, make, kind = case
    rng = np.random.default_rng(0)
    batches = [_batch(kind, rng, n) for n in (5, 8, 3)]
    weights = [rng.uniform(0.1, 2.0, len(b[0])) for b in batches]
    whole = make()
    whole.update_state(np.concatenate([b[0] for b in batches]),
                       np.concatenate([b[1] for b in batches]),
                       sample_weight=np.concatenate(weights))
    parts = make()
    for (yt, yp), w in zip(batches, weights):
        parts.update_state(yt, yp, sample_weight=w)
    np.testing.assert_allclose(_value(parts), _value(whole), rtol=1e-5, atol=1e-7)
    parts.reset_state()
    parts.update_state(*batches[0], sample_weight=weights[0])
    fresh = make()
    fresh.update_state(*batches[0], sample_weight=weights[0])
    np.testing.assert_allclose(_value(parts), _value(fresh), rtol=1e-6)


def test_tensor_inputs_with_gradient_history_record_nothing():
    x = ember.tensor([[0.2, 0.8], [0.9, 0.1]], requires_grad=True)
    y_pred = x * 2.0
    metric = M.SparseCategoricalAccuracy()
    metric.update_state(ember.tensor([1, 0]), y_pred)
    assert _value(metric) == 1.0
    mse = M.MeanSquaredError()
    mse.update_state(ember.tensor([[0.0, 1.0], [1.0, 0.0]]), y_pred)
    assert np.isclose(_value(mse), ((np.array([[0.4, 1.6], [1.8, 0.2]])
                                     - [[0, 1], [1, 0]]) ** 2).mean())
    assert x.grad is None


def test_empty_metric_results_are_zero():
    for metric in (M.Mean(), M.SparseCategoricalAccuracy(), M.Precision(), M.AUC()):
        assert _value(metric) == 0.0


def test_calling_a_metric_updates_and_returns_the_result():
    m = M.Mean()
    assert m([1.0, 2.0]).item() == 1.5
    assert m([3.0]).item() == 2.0


# -- confusion metrics against brute force -------------------------------------------------------


def _confusion(y_true, y_pred, threshold, w):
    pos = y_pred > threshold
    lab = y_true > 0
    return ((lab & pos) * w).sum(), ((~lab & pos) * w).sum(), ((~lab & ~pos) * w).sum(), \
        ((lab & ~pos) * w).sum()


def test_precision_recall_and_counts_at_several_thresholds():
    rng = np.random.default_rng(1)
    y_true = rng.integers(0, 2, 40)
    y_pred = rng.uniform(0, 1, 40)
    w = rng.uniform(0, 2, 40)
    thresholds = [0.1, 0.35, 0.5, 0.9]
    p, r = M.Precision(thresholds=thresholds), M.Recall(thresholds=thresholds)
    counts = [M.TruePositives(thresholds), M.FalsePositives(thresholds),
              M.TrueNegatives(thresholds), M.FalseNegatives(thresholds)]
    for m in [p, r] + counts:
        m.update_state(y_true, y_pred, sample_weight=w)
    expected = np.array([_confusion(y_true, y_pred, t, w) for t in thresholds])
    tp, fp, tn, fn = expected.T
    np.testing.assert_allclose(_value(p), tp / (tp + fp), rtol=1e-6)
    np.testing.assert_allclose(_value(r), tp / (tp + fn), rtol=1e-6)
    for m, col in zip(counts, expected.T):
        np.testing.assert_allclose(_value(m), col, rtol=1e-6)


def _rank_auc(y_true, y_pred):
    """ROC AUC as the probability that a positive outranks a negative (ties count half)."""
    pos, neg = y_pred[y_true == 1], y_pred[y_true == 0]
    diff = pos[:, None] - neg[None, :]
    return ((diff > 0) + 0.5 * (diff == 0)).mean()


def test_roc_auc_approaches_the_rank_statistic():
    rng = np.random.default_rng(2)
    y_true = rng.integers(0, 2, 500)
    y_pred = np.clip(0.3 * y_true + rng.uniform(0, 0.7, 500), 0, 1)
    m = M.AUC(num_thresholds=2000)
    m.update_state(y_true, y_pred)
    assert abs(_value(m) - _rank_auc(y_true, y_pred)) < 2e-3


def test_auc_even_and_explicit_thresholds_agree():
    rng = np.random.default_rng(3)
    y_true = rng.integers(0, 2, 60)
    y_pred = rng.uniform(0, 1, 60)
    w = rng.uniform(0.5, 1.5, 60)
    for curve in ("ROC", "PR"):
        for method in ("interpolation", "minoring", "majoring"):
            even = M.AUC(num_thresholds=11, curve=curve, summation_method=method)
            # the same thresholds given explicitly, slightly off the even grid: the brute-force
            # comparison path
            inner = [i / 10 + 1e-9 for i in range(1, 10)]
            explicit = M.AUC(thresholds=inner, curve=curve, summation_method=method)
            assert explicit.num_thresholds == 11
            for m in (even, explicit):
                m.update_state(y_true, y_pred, sample_weight=w)
            np.testing.assert_allclose(_value(even), _value(explicit), rtol=1e-5)


def test_pr_auc_of_perfect_ranking_is_one():
    m = M.AUC(curve="PR")
    m.update_state([0, 0, 1, 1, 1], [0.1, 0.2, 0.7, 0.8, 0.9])
    assert np.isclose(_value(m), 1.0, atol=1e-6)
    roc = M.AUC(from_logits=True)
    roc.update_state([0, 1], [-3.0, 3.0])
    assert np.isclose(_value(roc), 1.0)


def test_multi_label_auc_averages_the_labels():
    rng = np.random.default_rng(4)
    y_true = rng.integers(0, 2, (50, 3))
    y_pred = rng.uniform(0, 1, (50, 3))
    multi = M.AUC(multi_label=True, num_thresholds=50)
    multi.update_state(y_true, y_pred)
    singles = []
    for j in range(3):
        s = M.AUC(num_thresholds=50)
        s.update_state(y_true[:, j], y_pred[:, j])
        singles.append(_value(s))
    np.testing.assert_allclose(_value(multi), np.mean(singles), rtol=1e-5)
    weighted = M.AUC(multi_label=True, num_thresholds=50, label_weights=[1.0, 0.0, 3.0])
    weighted.update_state(y_true, y_pred)
    np.testing.assert_allclose(_value(weighted), (singles[0] + 3 * singles[2]) / 4, rtol=1e-5)


def test_f_scores_average_modes():
    rng = np.random.default_rng(5)
    y_true = np.eye(4)[rng.integers(0, 4, 30)]
    y_pred = rng.uniform(0, 1, (30, 4))
    picked = (y_pred >= y_pred.max(-1, keepdims=True)).astype(float)
    tp = (picked * y_true).sum(0)
    fp = (picked * (1 - y_true)).sum(0)
    fn = ((1 - picked) * y_true).sum(0)

    def f1(tp, fp, fn):
        p = tp / (tp + fp + 1e-7)
        r = tp / (tp + fn + 1e-7)
        return 2 * p * r / (p + r + 1e-7)

    per_class = f1(tp, fp, fn)
    support = y_true.sum(0)
    expected = {None: per_class, "macro": per_class.mean(),
                "weighted": (per_class * support / (support.sum() + 1e-7)).sum(),
                "micro": f1(tp.sum(), fp.sum(), fn.sum())}
    for average, value in expected.items():
        m = M.F1Score(average=average)
        m.update_state(y_true, y_pred)
        np.testing.assert_allclose(_value(m), value, rtol=1e-5)


def test_argument_errors_say_what_is_allowed():
    with pytest.raises(ValueError, match=r"Expected a value in interval \(0, 1\)"):
        M.BinaryAccuracy(threshold=1.5)
    with pytest.raises(ValueError, match=r"Threshold values must be in \[0, 1\]"):
        M.Precision(thresholds=[0.5, 2.0])
    with pytest.raises(ValueError, match=r"`num_thresholds` must be an integer > 1"):
        M.AUC(num_thresholds=1)
    with pytest.raises(ValueError, match="Invalid AUC curve value"):
        M.AUC(curve="XY")
    with pytest.raises(ValueError, match="Invalid `average` argument value"):
        M.F1Score(average="mean")
    with pytest.raises(ValueError, match=r"expects 2D inputs.*y_pred.shape=\(3,\)"):
        M.F1Score()(np.ones(3), np.ones(3))
    with pytest.raises(ValueError, match=r"y_true.shape=\(3,\) and y_pred.shape=\(4,\)"):
        M.Precision().update_state(np.ones(3), np.ones(4))


# -- wrappers, custom metrics, names and lookups ------------------------------------------------


def test_mean_metric_wrapper_around_a_loss_function():
    m = M.MeanMetricWrapper(L.mean_absolute_error, name="mae")
    m.update_state([[0.0], [1.0]], [[0.5], [2.0]], sample_weight=[1.0, 3.0])
    assert m.name == "mae"
    assert np.isclose(_value(m), (0.5 + 3.0) / 4)
    config = m.get_config()
    assert config["fn"]["config"] == "mean_absolute_error"
    clone = M.MeanMetricWrapper.from_config(config)
    assert clone._fn is L.mean_absolute_error


def test_custom_metric_with_keras_variable_api():
    class TruePositiveCount(M.Metric):
        def __init__(self, name="tp", **kwargs):
            super().__init__(name=name, **kwargs)
            self.tp = self.add_variable(shape=(), initializer="zeros", name="tp")

        def update_state(self, y_true, y_pred, sample_weight=None):
            hits = ember.keras.ops.logical_and(ember.keras.ops.equal(y_true, 1),
                                               ember.keras.ops.greater(y_pred, 0.5))
            self.tp.assign_add(ember.keras.ops.sum(ember.keras.ops.cast(hits, "float32")))

        def result(self):
            return self.tp.value

    m = TruePositiveCount()
    m.update_state(ember.tensor([1, 1, 0]), ember.tensor([0.9, 0.2, 0.8]))
    m.update_state(np.array([1]), np.array([0.7]))
    assert m.result().item() == 2.0 and len(m.variables) == 1
    m.reset_state()
    assert m.result().item() == 0.0


DEFAULT_NAMES = [
    (M.Accuracy, "accuracy"), (M.BinaryAccuracy, "binary_accuracy"),
    (M.CategoricalAccuracy, "categorical_accuracy"),
    (M.SparseCategoricalAccuracy, "sparse_categorical_accuracy"),
    (M.TopKCategoricalAccuracy, "top_k_categorical_accuracy"),
    (M.SparseTopKCategoricalAccuracy, "sparse_top_k_categorical_accuracy"),
    (M.Precision, "precision"), (M.Recall, "recall"), (M.AUC, "auc"),
    (M.F1Score, "f1_score"), (M.FBetaScore, "fbeta_score"),
    (M.MeanSquaredError, "mean_squared_error"), (M.MeanAbsoluteError, "mean_absolute_error"),
    (M.RootMeanSquaredError, "root_mean_squared_error"), (M.Mean, "mean"), (M.Sum, "sum"),
    (M.BinaryCrossentropy, "binary_crossentropy"), (M.TruePositives, "true_positives"),
]


@pytest.mark.parametrize("cls, name", DEFAULT_NAMES, ids=[n for _, n in DEFAULT_NAMES])
def test_default_names_and_config_round_trip(cls, name):
    metric = cls()
    assert metric.name == name and metric.dtype == "float32"
    config = metric.get_config()
    assert config["name"] == name
    assert cls.from_config(config).get_config() == config
    again = M.deserialize(M.serialize(metric))
    assert type(again) is cls and again.get_config() == config


@pytest.mark.parametrize("identifier, cls", [
    ("accuracy", M.Accuracy), ("sparse_categorical_accuracy", M.SparseCategoricalAccuracy),
    ("SparseCategoricalAccuracy", M.SparseCategoricalAccuracy), ("auc", M.AUC),
    ("AUC", M.AUC), ("precision", M.Precision), ("mse", M.MeanSquaredError),
    ("MAE", M.MeanAbsoluteError), ("root_mean_squared_error", M.RootMeanSquaredError),
    ("f1_score", M.F1Score), ("top_k_categorical_accuracy", M.TopKCategoricalAccuracy),
    ("bce", M.BinaryCrossentropy), ("kl_divergence", M.KLDivergence),
])
def test_get_resolves_names_to_instances(identifier, cls):
    assert type(M.get(identifier)) is cls


def test_get_errors_and_passthrough():
    m = M.Recall()
    assert M.get(m) is m and M.get(None) is None
    with pytest.raises(ValueError, match="Could not interpret metric identifier: 'acuracy'"):
        M.get("acuracy")


@pytest.mark.parametrize("y_true, y_pred, loss, expected", [
    ((8,), (8, 10), None, M.SparseCategoricalAccuracy),
    ((8, 1), (8, 10), None, M.SparseCategoricalAccuracy),
    ((8, 10), (8, 10), None, M.CategoricalAccuracy),
    ((8, 1), (8, 1), None, M.BinaryAccuracy),
    ((8,), (8, 1), None, M.BinaryAccuracy),
    ((8, 5, 1), (8, 5, 7), None, M.SparseCategoricalAccuracy),
    ((8,), (8,), None, M.CategoricalAccuracy),  # Keras's rule on shapes alone
    ((8,), (8,), "binary_crossentropy", M.BinaryAccuracy),  # the loss breaks the tie
    ((8,), (8,), L.BinaryCrossentropy(from_logits=True), M.BinaryAccuracy),
])
def test_accuracy_resolution_follows_keras(y_true, y_pred, loss, expected):
    for identifier in ("accuracy", "acc"):
        m = M.resolve(identifier, np.zeros(y_true), np.zeros(y_pred), loss=loss)
        assert type(m) is expected and m.name == identifier


def test_resolve_crossentropy_and_other_identifiers():
    m = M.resolve("crossentropy", np.zeros(4), np.zeros((4, 3)))
    assert type(m) is M.SparseCategoricalCrossentropy and m.name == "crossentropy"
    m = M.resolve("ce", np.zeros((4, 1)), np.zeros((4, 1)))
    assert type(m) is M.BinaryCrossentropy and m.name == "ce"
    m = M.resolve("mae", np.zeros((4, 1)), np.zeros((4, 1)))
    assert type(m) is M.MeanAbsoluteError and m.name == "mae"
    auc = M.AUC(name="my_auc")
    assert M.resolve(auc, None, None) is auc and auc.name == "my_auc"

    def half_error(y_true, y_pred):
        return 0.5 * L.mean_absolute_error(y_true, y_pred)

    m = M.resolve(half_error, None, None)
    assert isinstance(m, M.MeanMetricWrapper) and m.name == "half_error"
    m.update_state([[0.0]], [[2.0]])
    assert _value(m) == 1.0


def test_function_forms_return_tensors():
    out = M.sparse_categorical_accuracy([1, 0], [[0.2, 0.8], [0.3, 0.7]])
    assert isinstance(out, ember.Tensor)
    np.testing.assert_array_equal(out.numpy(), [1.0, 0.0])
    np.testing.assert_array_equal(
        M.top_k_categorical_accuracy([[0, 0, 1], [0, 1, 0]], [[0.5, 0.3, 0.2], [0.1, 0.8, 0.1]],
                                     k=2).numpy(), [0.0, 1.0])
    # Keras 3 returns one match per element (the metric, not the function, averages)
    np.testing.assert_array_equal(M.binary_accuracy([[1, 0]], [[0.7, 0.6]]).numpy(), [[1.0, 0.0]])
    np.testing.assert_array_equal(M.accuracy([1, 2, 3], [1, 2, 2]).numpy(), [1.0, 1.0, 0.0])
