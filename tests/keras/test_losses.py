"""ember.keras.losses: Keras 3's formulas, reductions, names, configs and lookups."""

from __future__ import annotations

import numpy as np
import pytest

import ember
from ember.keras import losses as L

try:
    import torch
    import torch.nn.functional as TF
except ImportError:  # the parity tests skip cleanly without torch
    torch = None

requires_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed")
EPS = 1e-7


def _np(t):
    return t.detach().numpy() if isinstance(t, ember.Tensor) else np.asarray(t)


# -- values Keras documents (keras/src/losses/losses.py docstrings) ---------------------------

LOGITS_TRUE = np.array([[0, 1], [0, 0]])
LOGITS_PRED = np.array([[-18.6, 0.51], [2.94, -12.8]])
CAT_TRUE = np.array([[0, 1, 0], [0, 0, 1]])
CAT_PRED = np.array([[0.05, 0.95, 0], [0.1, 0.8, 0.1]])

KERAS_DOC_VALUES = [
    ("bce logits", lambda: L.BinaryCrossentropy(from_logits=True)(LOGITS_TRUE, LOGITS_PRED),
     0.8654),
    ("bce logits 1-D", lambda: L.BinaryCrossentropy(from_logits=True)(
        np.array([0, 1, 0, 0]), np.array([-18.6, 0.51, 2.94, -12.8])), 0.8654),
    ("bce weighted", lambda: L.BinaryCrossentropy(from_logits=True)(
        LOGITS_TRUE, LOGITS_PRED, sample_weight=[0.8, 0.2]), 0.243),
    ("bce sum", lambda: L.BinaryCrossentropy(from_logits=True, reduction="sum")(
        LOGITS_TRUE, LOGITS_PRED), 1.730),
    ("bce none", lambda: L.BinaryCrossentropy(from_logits=True, reduction=None)(
        LOGITS_TRUE, LOGITS_PRED), [0.235, 1.496]),
    ("focal g2", lambda: L.BinaryFocalCrossentropy(gamma=2, from_logits=True)(
        np.array([0, 1, 0, 0]), np.array([-18.6, 0.51, 2.94, -12.8])), 0.691),
    ("focal g2 balanced", lambda: L.BinaryFocalCrossentropy(
        apply_class_balancing=True, gamma=2, from_logits=True)(
        np.array([0, 1, 0, 0]), np.array([-18.6, 0.51, 2.94, -12.8])), 0.51),
    ("focal g3", lambda: L.BinaryFocalCrossentropy(gamma=3, from_logits=True)(
        LOGITS_TRUE, LOGITS_PRED), 0.647),
    ("focal g3 balanced", lambda: L.BinaryFocalCrossentropy(
        apply_class_balancing=True, gamma=3, from_logits=True)(LOGITS_TRUE, LOGITS_PRED), 0.482),
    ("focal g3 weighted", lambda: L.BinaryFocalCrossentropy(gamma=3, from_logits=True)(
        LOGITS_TRUE, LOGITS_PRED, sample_weight=[0.8, 0.2]), 0.133),
    ("focal g4 sum", lambda: L.BinaryFocalCrossentropy(gamma=4, from_logits=True,
                                                       reduction="sum")(
        LOGITS_TRUE, LOGITS_PRED), 1.222),
    ("focal g5 none", lambda: L.BinaryFocalCrossentropy(gamma=5, from_logits=True,
                                                        reduction=None)(
        LOGITS_TRUE, LOGITS_PRED), [0.0017, 1.1561]),
    ("cce", lambda: L.CategoricalCrossentropy()(CAT_TRUE, CAT_PRED), 1.177),
    ("cce weighted", lambda: L.CategoricalCrossentropy()(
        CAT_TRUE, CAT_PRED, sample_weight=np.array([0.3, 0.7])), 0.814),
    ("cce sum", lambda: L.CategoricalCrossentropy(reduction="sum")(CAT_TRUE, CAT_PRED), 2.354),
    ("cce none", lambda: L.CategoricalCrossentropy(reduction=None)(CAT_TRUE, CAT_PRED),
     [0.0513, 2.303]),
    ("scce", lambda: L.SparseCategoricalCrossentropy()([1, 2], CAT_PRED), 1.177),
    ("scce weighted", lambda: L.SparseCategoricalCrossentropy()(
        [1, 2], CAT_PRED, sample_weight=np.array([0.3, 0.7])), 0.814),
    ("scce sum", lambda: L.SparseCategoricalCrossentropy(reduction="sum")([1, 2], CAT_PRED),
     2.354),
    ("scce fn", lambda: L.sparse_categorical_crossentropy(np.array([1, 2]), CAT_PRED),
     [0.0513, 2.303]),
    ("bce fn", lambda: L.binary_crossentropy([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]]),
     [0.916, 0.714]),
    ("focal fn", lambda: L.binary_focal_crossentropy([[0, 1], [0, 0]],
                                                     [[0.6, 0.4], [0.4, 0.6]], gamma=2),
     [0.330, 0.206]),
    ("huber fn", lambda: L.Huber()([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]]), 0.155),
    ("log_cosh", lambda: L.LogCosh()([[0., 1.], [0., 0.]], [[1., 1.], [0., 0.]]), 0.108),
    ("cosine fn", lambda: L.cosine_similarity([[0., 1.], [1., 1.], [1., 1.]],
                                              [[1., 0.], [1., 1.], [-1., -1.]]),
     [0.0, -1.0, 1.0]),
]


@pytest.mark.parametrize("case", KERAS_DOC_VALUES, ids=[c[0] for c in KERAS_DOC_VALUES])
def test_values_documented_by_keras(case):
    _, compute, expected = case
    np.testing.assert_allclose(_np(compute()), expected, atol=1.5e-3)


# -- every function against a NumPy transcription of Keras's formula -------------------------


def _rng_pair(seed, shape=(4, 5), low=0.05, high=0.95):
    rng = np.random.default_rng(seed)
    return rng.uniform(low, high, shape), rng.uniform(low, high, shape)


def _np_softmax(x):
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def _np_bce(t, p):
    p = np.clip(p, EPS, 1 - EPS)
    return -(t * np.log(p) + (1 - t) * np.log(1 - p))


def _np_hinge_labels(t):
    return 2 * t - 1 if np.all((t == 0) | (t == 1)) else t


def _np_l2n(x):
    return x / np.sqrt(np.maximum((x * x).sum(-1, keepdims=True), EPS ** 2))


REFERENCES = [
    ("mean_squared_error", L.mean_squared_error, lambda t, p: ((t - p) ** 2).mean(-1), {}),
    ("mean_absolute_error", L.mean_absolute_error, lambda t, p: np.abs(t - p).mean(-1), {}),
    ("mean_absolute_percentage_error", L.mean_absolute_percentage_error,
     lambda t, p: 100 * np.abs((t - p) / np.maximum(np.abs(t), EPS)).mean(-1), {}),
    ("mean_squared_logarithmic_error", L.mean_squared_logarithmic_error,
     lambda t, p: ((np.log(np.maximum(p, EPS) + 1) - np.log(np.maximum(t, EPS) + 1)) ** 2)
     .mean(-1), {}),
    ("huber", L.huber, lambda t, p: np.where(np.abs(p - t) <= 0.3, 0.5 * (p - t) ** 2,
                                             0.3 * np.abs(p - t) - 0.5 * 0.09).mean(-1),
     {"delta": 0.3}),
    ("log_cosh", L.log_cosh, lambda t, p: np.log(np.cosh(p - t)).mean(-1), {}),
    ("kl_divergence", L.kl_divergence,
     lambda t, p: (np.clip(t, EPS, 1) * np.log(np.clip(t, EPS, 1) / np.clip(p, EPS, 1)))
     .sum(-1), {}),
    ("poisson", L.poisson, lambda t, p: (p - t * np.log(p + EPS)).mean(-1), {}),
    ("hinge", L.hinge, lambda t, p: np.maximum(1 - _np_hinge_labels(np.round(t)) * p, 0)
     .mean(-1), {"round_true": True}),
    ("squared_hinge", L.squared_hinge,
     lambda t, p: (np.maximum(1 - _np_hinge_labels(np.round(t)) * p, 0) ** 2).mean(-1),
     {"round_true": True}),
    ("categorical_hinge", L.categorical_hinge,
     lambda t, p: np.maximum(((1 - t) * p).max(-1) - (t * p).sum(-1) + 1, 0), {}),
    ("cosine_similarity", L.cosine_similarity,
     lambda t, p: -(_np_l2n(t) * _np_l2n(p)).sum(-1), {}),
    ("binary_crossentropy", L.binary_crossentropy, lambda t, p: _np_bce(t, p).mean(-1), {}),
    ("binary_crossentropy smoothing", L.binary_crossentropy,
     lambda t, p: _np_bce(t * 0.8 + 0.1, p).mean(-1), {"label_smoothing": 0.2}),
    ("binary_crossentropy logits", L.binary_crossentropy,
     lambda t, p: _np_bce(t, 1 / (1 + np.exp(-p))).mean(-1), {"from_logits": True}),
    ("binary_focal_crossentropy", L.binary_focal_crossentropy,
     lambda t, p: ((1 - (t * p + (1 - t) * (1 - p))) ** 2 * _np_bce(t, p)).mean(-1), {}),
    ("categorical_crossentropy", L.categorical_crossentropy,
     lambda t, p: -(t * np.log(np.clip(p / p.sum(-1, keepdims=True), EPS, 1 - EPS))).sum(-1),
     {}),
    ("categorical_crossentropy logits smoothing", L.categorical_crossentropy,
     lambda t, p: -((t * 0.9 + 0.1 / 5) * np.log(_np_softmax(p))).sum(-1),
     {"from_logits": True, "label_smoothing": 0.1}),
]


@pytest.mark.parametrize("case", REFERENCES, ids=[c[0] for c in REFERENCES])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_function_matches_numpy_reference(case, dtype):
    _, fn, ref, kwargs = case
    kwargs = dict(kwargs)
    t, p = _rng_pair(1)
    if kwargs.pop("round_true", False):
        t = np.round(t)
    out = fn(t.astype(dtype), ember.tensor(p, dtype=getattr(ember, dtype)), **kwargs)
    assert out.dtype is getattr(ember, dtype)
    assert tuple(out.shape) == (4,)
    tol = dict(rtol=1e-5, atol=1e-6) if dtype == "float32" else dict(rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(_np(out), ref(t, p), **tol)


@pytest.mark.parametrize("from_logits", [False, True])
def test_sparse_categorical_crossentropy_matches_numpy(from_logits):
    rng = np.random.default_rng(2)
    p = rng.uniform(0.05, 1.0, (6, 4))
    labels = rng.integers(0, 4, 6)
    probs = _np_softmax(p) if from_logits else p / p.sum(-1, keepdims=True)
    expected = -np.log(np.clip(probs, EPS, 1 - EPS)[np.arange(6), labels])
    out = L.sparse_categorical_crossentropy(labels, p, from_logits=from_logits)
    np.testing.assert_allclose(_np(out), expected, rtol=1e-5)
    # a trailing axis of length 1 on the labels is accepted
    out = L.sparse_categorical_crossentropy(labels[:, None], p, from_logits=from_logits)
    np.testing.assert_allclose(_np(out), expected, rtol=1e-5)


def test_sequences_of_class_labels():
    rng = np.random.default_rng(3)
    logits = rng.standard_normal((2, 3, 5))
    labels = rng.integers(0, 5, (2, 3))
    probs = _np_softmax(logits)
    expected = -np.log(np.take_along_axis(probs, labels[..., None], -1)[..., 0])
    out = L.sparse_categorical_crossentropy(labels, logits, from_logits=True)
    assert tuple(out.shape) == (2, 3)
    np.testing.assert_allclose(_np(out), expected, rtol=1e-5)
    loss = L.SparseCategoricalCrossentropy(from_logits=True)
    np.testing.assert_allclose(loss(labels, logits).item(), expected.mean(), rtol=1e-5)
    # one weight per sequence weights all of its positions
    w = np.array([1.0, 3.0])
    np.testing.assert_allclose(loss(labels, logits, sample_weight=w).item(),
                               (expected * w[:, None]).sum() / 6, rtol=1e-5)


# -- PyTorch parity (values and gradients) where the formulas coincide ------------------------


@requires_torch
@pytest.mark.parametrize("weighted", [False, True])
def test_sparse_crossentropy_logits_matches_torch(weighted):
    rng = np.random.default_rng(4)
    logits = rng.standard_normal((8, 10)).astype(np.float32)
    labels = rng.integers(0, 10, 8)
    w = rng.uniform(0.5, 2.0, 8).astype(np.float32) if weighted else None
    x = ember.tensor(logits, requires_grad=True)
    loss = L.SparseCategoricalCrossentropy(from_logits=True)(labels, x, sample_weight=w)
    loss.backward()
    tx = torch.tensor(logits, requires_grad=True)
    per = TF.cross_entropy(tx, torch.tensor(labels), reduction="none")
    tloss = (per * torch.tensor(w)).mean() if weighted else per.mean()
    tloss.backward()
    np.testing.assert_allclose(loss.item(), tloss.item(), rtol=1e-6)
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-5, atol=1e-7)


@requires_torch
@pytest.mark.parametrize("name, ember_loss, torch_loss", [
    ("bce logits", L.BinaryCrossentropy(from_logits=True),
     lambda p, t: TF.binary_cross_entropy_with_logits(p, t)),
    ("mse", L.MeanSquaredError(), lambda p, t: TF.mse_loss(p, t)),
    ("mae", L.MeanAbsoluteError(), lambda p, t: TF.l1_loss(p, t)),
    ("huber", L.Huber(delta=0.7), lambda p, t: TF.huber_loss(p, t, delta=0.7)),
    ("cce logits", L.CategoricalCrossentropy(from_logits=True),
     lambda p, t: TF.cross_entropy(p, t)),
])
def test_losses_match_torch_values_and_gradients(name, ember_loss, torch_loss):
    rng = np.random.default_rng(5)
    pred = rng.standard_normal((6, 4)).astype(np.float32)
    target = rng.uniform(0, 1, (6, 4)).astype(np.float32)
    if name == "cce logits":
        target = target / target.sum(-1, keepdims=True)
    x = ember.tensor(pred, requires_grad=True)
    loss = ember_loss(target, x)
    loss.backward()
    tx = torch.tensor(pred, requires_grad=True)
    tloss = torch_loss(tx, torch.tensor(target))
    tloss.backward()
    np.testing.assert_allclose(loss.item(), tloss.item(), rtol=1e-5)
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-4, atol=1e-7)


@pytest.mark.parametrize("loss", [
    L.CategoricalCrossentropy(dtype="float64"),
    L.SparseCategoricalCrossentropy(dtype="float64"),
    L.BinaryFocalCrossentropy(dtype="float64", apply_class_balancing=True),
    L.KLDivergence(dtype="float64"),
    L.LogCosh(dtype="float64"),
    L.CosineSimilarity(dtype="float64"),
    L.MeanAbsolutePercentageError(dtype="float64"),
], ids=lambda loss: loss.name)
def test_gradients_match_finite_differences(loss):
    rng = np.random.default_rng(6)
    pred = rng.uniform(0.1, 0.9, (3, 4))
    if loss.name == "sparse_categorical_crossentropy":
        target = np.array([0, 3, 1])
    else:
        target = rng.uniform(0.1, 0.9, (3, 4))
        target = target / target.sum(-1, keepdims=True)
    x = ember.tensor(pred, requires_grad=True)
    assert ember.autograd.gradcheck(lambda p: loss(target, p), (x,))


# -- reductions, weights and masks ---------------------------------------------------------------


def test_reductions():
    t, p = _rng_pair(7)
    per = ((t - p) ** 2).mean(-1)
    w = np.array([0.5, 1.0, 0.0, 2.0])
    assert np.isclose(L.MeanSquaredError()(t, p).item(), per.mean())
    assert np.isclose(L.MeanSquaredError(reduction="mean")(t, p).item(), per.mean())
    assert np.isclose(L.MeanSquaredError(reduction="sum")(t, p).item(), per.sum())
    for none in (None, "none"):
        np.testing.assert_allclose(_np(L.MeanSquaredError(reduction=none)(t, p)), per,
                                   rtol=1e-6)
    assert np.isclose(L.MeanSquaredError()(t, p, sample_weight=w).item(), (per * w).mean())
    assert np.isclose(L.MeanSquaredError(reduction="sum")(t, p, sample_weight=w).item(),
                      (per * w).sum())
    assert np.isclose(
        L.MeanSquaredError(reduction="mean_with_sample_weight")(t, p, sample_weight=w).item(),
        (per * w).sum() / w.sum())
    # (batch, 1) weights and a scalar weight
    assert np.isclose(L.MeanSquaredError()(t, p, sample_weight=w[:, None]).item(),
                      (per * w).mean())
    assert np.isclose(L.MeanSquaredError()(t, p, sample_weight=2.0).item(), 2 * per.mean())


def test_invalid_reduction_names_the_choices():
    with pytest.raises(ValueError, match=r"Invalid value for argument `reduction`.*"
                                         r"Received: reduction=average"):
        L.MeanSquaredError(reduction="average")


def test_ignore_class_averages_over_valid_positions():
    rng = np.random.default_rng(8)
    logits = rng.standard_normal((2, 4, 3))
    labels = np.array([[0, 2, -1, 1], [-1, -1, 2, 0]])
    per = np.zeros((2, 4))
    valid = labels != -1
    logp = np.log(_np_softmax(logits))
    for i, j in zip(*np.nonzero(valid)):
        per[i, j] = -logp[i, j, labels[i, j]]
    for from_logits, pred in ((True, logits), (False, _np_softmax(logits))):
        fn_values = L.sparse_categorical_crossentropy(labels, pred, from_logits=from_logits,
                                                      ignore_class=-1)
        np.testing.assert_allclose(_np(fn_values), per, rtol=1e-5, atol=1e-7)
        loss = L.SparseCategoricalCrossentropy(from_logits=from_logits, ignore_class=-1)
        np.testing.assert_allclose(loss(labels, pred).item(), per.sum() / valid.sum(),
                                   rtol=1e-5)


def test_fast_path_equals_general_path():
    rng = np.random.default_rng(9)
    logits = rng.standard_normal((5, 7)).astype(np.float32)
    labels = rng.integers(0, 7, 5)
    loss = L.SparseCategoricalCrossentropy(from_logits=True)
    fast = loss(labels, logits).item()
    general = loss(labels, logits, sample_weight=np.ones(5)).item()
    assert np.isclose(fast, general, rtol=1e-6)
    summed = L.SparseCategoricalCrossentropy(from_logits=True, reduction="sum")
    assert np.isclose(summed(labels, logits).item(), 5 * fast, rtol=1e-6)


# -- inputs and errors ---------------------------------------------------------------------------


def test_inputs_may_be_lists_arrays_or_tensors_and_follow_the_loss_dtype():
    t, p = [[0.0, 1.0]], [[0.5, 0.5]]
    for yt, yp in ((t, p), (np.array(t), np.array(p)), (ember.tensor(t), ember.tensor(p))):
        out = L.MeanSquaredError()(yt, yp)
        assert out.dtype is ember.float32 and out.ndim == 0
        assert np.isclose(out.item(), 0.25)
    assert L.MeanSquaredError(dtype="float64")(t, p).dtype is ember.float64


def test_loss_is_differentiable_with_respect_to_predictions():
    x = ember.tensor([[0.2, 0.7, 0.1]], requires_grad=True)
    L.CategoricalCrossentropy()([[0, 1, 0]], x).backward()
    # loss = −log(p₁ / Σp): ∂/∂pⱼ = 1/Σp − [j = 1]/p₁, with Σp = 1
    np.testing.assert_allclose(x.grad.numpy()[0], [1.0, 1.0 - 1 / 0.7, 1.0], rtol=1e-5)


def test_shape_errors_name_the_shapes():
    with pytest.raises(ValueError, match=r"y_true.shape=\(2, 3\).*y_pred.shape=\(2, 4\)"):
        L.binary_crossentropy(np.zeros((2, 3)), np.zeros((2, 4)))
    with pytest.raises(ValueError, match=r"expected \(2,\), got y_true.shape=\(3,\)"):
        L.SparseCategoricalCrossentropy()(np.zeros(3), np.ones((2, 4)))
    with pytest.raises(ValueError, match="axis must be an int"):
        L.categorical_crossentropy(CAT_TRUE, CAT_PRED, axis=True)


def test_single_unit_categorical_crossentropy_warns():
    with pytest.warns(SyntaxWarning, match="binary_crossentropy"):
        L.categorical_crossentropy(np.ones((2, 1)), np.ones((2, 1)))


def test_hinge_converts_binary_labels():
    t = np.array([[0.0, 1.0]])
    p = np.array([[0.3, -0.4]])
    assert np.isclose(L.hinge(t, p).item(), np.maximum(1 - np.array([-1, 1]) * p, 0).mean())
    t2 = np.array([[-1.0, 1.0]])
    assert np.isclose(L.hinge(t2, p).item(), L.hinge(t, p).item())


# -- names, configs and lookups ------------------------------------------------------------------

DEFAULT_NAMES = [
    (L.MeanSquaredError, "mean_squared_error"), (L.MeanAbsoluteError, "mean_absolute_error"),
    (L.MeanAbsolutePercentageError, "mean_absolute_percentage_error"),
    (L.MeanSquaredLogarithmicError, "mean_squared_logarithmic_error"),
    (L.Huber, "huber_loss"), (L.LogCosh, "log_cosh"),
    (L.BinaryCrossentropy, "binary_crossentropy"),
    (L.BinaryFocalCrossentropy, "binary_focal_crossentropy"),
    (L.CategoricalCrossentropy, "categorical_crossentropy"),
    (L.SparseCategoricalCrossentropy, "sparse_categorical_crossentropy"),
    (L.KLDivergence, "kl_divergence"), (L.Hinge, "hinge"), (L.SquaredHinge, "squared_hinge"),
    (L.CategoricalHinge, "categorical_hinge"), (L.Poisson, "poisson"),
    (L.CosineSimilarity, "cosine_similarity"),
]


@pytest.mark.parametrize("cls, name", DEFAULT_NAMES, ids=[n for _, n in DEFAULT_NAMES])
def test_default_names_and_config_round_trip(cls, name):
    loss = cls()
    assert loss.name == name and loss.reduction == "sum_over_batch_size"
    config = loss.get_config()
    assert config["name"] == name
    clone = cls.from_config(config)
    assert clone.get_config() == config
    again = L.deserialize(L.serialize(loss))
    assert type(again) is cls and again.get_config() == config


def test_config_keeps_arguments():
    config = L.BinaryCrossentropy(from_logits=True, label_smoothing=0.1, axis=-1).get_config()
    assert config == {"name": "binary_crossentropy", "reduction": "sum_over_batch_size",
                      "from_logits": True, "label_smoothing": 0.1, "axis": -1}
    assert L.SparseCategoricalCrossentropy(ignore_class=0).get_config()["ignore_class"] == 0
    assert L.Huber.from_config(L.Huber(delta=2.5).get_config()).delta == 2.5


@pytest.mark.parametrize("identifier, expected", [
    ("mse", L.mean_squared_error), ("MSE", L.mean_squared_error),
    ("mean_squared_error", L.mean_squared_error), ("mae", L.mean_absolute_error),
    ("mape", L.mean_absolute_percentage_error), ("msle", L.mean_squared_logarithmic_error),
    ("kld", L.kl_divergence), ("kl_divergence", L.kl_divergence), ("bce", L.binary_crossentropy),
    ("huber", L.huber), ("hinge", L.hinge), ("log_cosh", L.log_cosh),
    ("sparse_categorical_crossentropy", L.sparse_categorical_crossentropy),
    ("categorical_crossentropy", L.categorical_crossentropy),
    ("binary_crossentropy", L.binary_crossentropy),
])
def test_get_resolves_function_names(identifier, expected):
    assert L.get(identifier) is expected


def test_get_classes_configs_and_callables():
    assert isinstance(L.get("SparseCategoricalCrossentropy"), L.SparseCategoricalCrossentropy)
    loss = L.get({"class_name": "CategoricalCrossentropy", "config": {"from_logits": True}})
    assert isinstance(loss, L.CategoricalCrossentropy) and loss.from_logits
    obj = L.Huber()
    assert L.get(obj) is obj and L.get(None) is None

    def my_loss(y_true, y_pred):
        return y_pred.mean(-1)

    assert L.get(my_loss) is my_loss
    with pytest.raises(ValueError, match="Could not interpret loss identifier: 'nope'"):
        L.get("nope")


def test_resolve_wraps_functions_and_picks_crossentropy_from_shapes():
    wrapped = L.resolve("mse")
    assert isinstance(wrapped, L.LossFunctionWrapper) and wrapped.name == "mse"
    assert np.isclose(wrapped([[1.0]], [[3.0]]).item(), 4.0)
    cases = [((4,), (4, 10), L.sparse_categorical_crossentropy),
             ((4, 1), (4, 10), L.sparse_categorical_crossentropy),
             ((4, 1), (4, 1), L.binary_crossentropy),
             ((4, 10), (4, 10), L.categorical_crossentropy)]
    for yt, yp, fn in cases:
        loss = L.resolve("crossentropy", np.zeros(yt), np.zeros(yp))
        assert loss.fn is fn and loss.name == "crossentropy"
    obj = L.BinaryCrossentropy()
    assert L.resolve(obj) is obj


def test_custom_objects_round_trip():
    class Scaled(L.Loss):
        def __init__(self, factor=2.0, **kwargs):
            super().__init__(**kwargs)
            self.factor = factor

        def call(self, y_true, y_pred):
            return self.factor * (y_pred - y_true).abs().mean(-1)

        def get_config(self):
            return {**super().get_config(), "factor": self.factor}

    config = L.serialize(Scaled(3.0))
    assert config["registered_name"] == "Scaled"
    with pytest.raises(ValueError, match="custom_objects"):
        L.deserialize(config)
    loss = L.deserialize(config, custom_objects={"Scaled": Scaled})
    assert loss.factor == 3.0 and loss.name == "scaled"
    assert np.isclose(loss([[1.0]], [[2.0]]).item(), 3.0)
