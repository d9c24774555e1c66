"""``keras.metrics``: Keras 3's stateful metrics and metric functions.

A ``Metric`` accumulates over batches (``update_state``), reports (``result``: a float32 ember
tensor) and starts again (``reset_state``). Its state is plain float64 NumPy arrays on the host,
so updating it records nothing for autograd and costs a few microseconds per batch; inputs may be
ember tensors (on any device, with or without gradient history), NumPy arrays or lists.

Names, defaults and formulas follow Keras 3 (``keras/src/metrics``): e.g. ``Precision`` counts
a prediction as positive when it is strictly greater than the threshold (0.5), ``AUC`` uses 200
evenly spaced thresholds and interpolation, ``Mean`` weights by ``sample_weight``.

>>> from ember.keras import metrics
>>> m = metrics.SparseCategoricalAccuracy()
>>> m.update_state([[2], [1]], [[0.1, 0.6, 0.3], [0.05, 0.95, 0]])
>>> m.result()
tensor(0.5000)
"""

from __future__ import annotations

import inspect

from .. import losses as _losses
from ..losses import to_snake_case
from .accuracy import (Accuracy, BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy,
                       SparseTopKCategoricalAccuracy, TopKCategoricalAccuracy, accuracy,
                       binary_accuracy, categorical_accuracy, sparse_categorical_accuracy,
                       sparse_top_k_categorical_accuracy, top_k_categorical_accuracy)
from ..losses import (binary_crossentropy, binary_focal_crossentropy, categorical_crossentropy,
                      categorical_hinge, hinge, huber, kl_divergence, log_cosh,
                      mean_absolute_error, mean_absolute_percentage_error, mean_squared_error,
                      mean_squared_logarithmic_error, poisson, sparse_categorical_crossentropy,
                      squared_hinge)
from .base import Mean, MeanMetricWrapper, Metric, Sum, Variable, mask_of, masked_weights
from .confusion import (AUC, FalseNegatives, FalsePositives, Precision, Recall, TrueNegatives,
                        TruePositives)
from .f_score import F1Score, FBetaScore
from .regression import (BinaryCrossentropy, CategoricalCrossentropy, CategoricalHinge,
                         CosineSimilarity, Hinge, KLDivergence, LogCoshError, MeanAbsoluteError,
                         MeanAbsolutePercentageError, MeanSquaredError,
                         MeanSquaredLogarithmicError, Poisson, RootMeanSquaredError,
                         SparseCategoricalCrossentropy, SquaredHinge, cosine_similarity)

__all__ = [
    "AUC", "Accuracy", "BinaryAccuracy", "BinaryCrossentropy", "CategoricalAccuracy",
    "CategoricalCrossentropy", "CategoricalHinge", "CosineSimilarity", "F1Score", "FBetaScore",
    "FalseNegatives", "FalsePositives", "Hinge", "KLDivergence", "LogCoshError", "Mean",
    "MeanAbsoluteError", "MeanAbsolutePercentageError", "MeanMetricWrapper", "MeanSquaredError",
    "MeanSquaredLogarithmicError", "Metric", "Poisson", "Precision", "Recall",
    "RootMeanSquaredError", "SparseCategoricalAccuracy", "SparseCategoricalCrossentropy",
    "SparseTopKCategoricalAccuracy", "SquaredHinge", "Sum", "TopKCategoricalAccuracy",
    "TrueNegatives", "TruePositives", "Variable", "accuracy", "binary_accuracy",
    "categorical_accuracy", "deserialize", "get", "resolve", "serialize",
    "sparse_categorical_accuracy", "sparse_top_k_categorical_accuracy",
    "top_k_categorical_accuracy",
    # Keras exports the loss functions from keras.metrics too
    "binary_crossentropy", "binary_focal_crossentropy", "categorical_crossentropy",
    "categorical_hinge", "hinge", "huber", "kl_divergence", "log_cosh", "mean_absolute_error",
    "mean_absolute_percentage_error", "mean_squared_error", "mean_squared_logarithmic_error",
    "poisson", "sparse_categorical_crossentropy", "squared_hinge",
]


# -- lookup, serialization and compile-time resolution ------------------------------------------

_CLASSES = (
    Metric, Mean, Sum, MeanMetricWrapper, MeanSquaredError, RootMeanSquaredError,
    MeanAbsoluteError, MeanAbsolutePercentageError, MeanSquaredLogarithmicError,
    CosineSimilarity, LogCoshError, AUC, FalseNegatives, FalsePositives, Precision, Recall,
    TrueNegatives, TruePositives, Hinge, SquaredHinge, CategoricalHinge, KLDivergence, Poisson,
    BinaryCrossentropy, CategoricalCrossentropy, SparseCategoricalCrossentropy, Accuracy,
    BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy, TopKCategoricalAccuracy,
    SparseTopKCategoricalAccuracy, F1Score, FBetaScore,
)
_FUNCTIONS = (
    accuracy, binary_accuracy, categorical_accuracy, sparse_categorical_accuracy,
    top_k_categorical_accuracy, sparse_top_k_categorical_accuracy,
)
ALL_OBJECTS_DICT = {cls.__name__: cls for cls in _CLASSES}
ALL_OBJECTS_DICT.update({to_snake_case(cls.__name__): cls for cls in _CLASSES})
ALL_OBJECTS_DICT.update({
    "bce": BinaryCrossentropy, "BCE": BinaryCrossentropy,
    "mse": MeanSquaredError, "MSE": MeanSquaredError,
    "mae": MeanAbsoluteError, "MAE": MeanAbsoluteError,
    "mape": MeanAbsolutePercentageError, "MAPE": MeanAbsolutePercentageError,
    "msle": MeanSquaredLogarithmicError, "MSLE": MeanSquaredLogarithmicError,
})
_FUNCTIONS_DICT = {fn.__name__: fn for fn in _FUNCTIONS}


def serialize(metric) -> dict | None:
    """A JSON-friendly dict describing a metric function or ``Metric`` (Keras's format)."""
    if metric is None:
        return None
    if inspect.isfunction(metric):
        if any(metric is f for f in _FUNCTIONS):
            return {"module": "keras.metrics", "class_name": "function",
                    "config": metric.__name__, "registered_name": metric.__name__}
        return _losses.serialize(metric)
    cls = type(metric)
    builtin = cls in _CLASSES
    return {"module": "keras.metrics" if builtin else cls.__module__,
            "class_name": cls.__name__, "config": metric.get_config(),
            "registered_name": None if builtin else cls.__name__}


def _deserialize_fn(config, custom_objects=None):
    name = config if isinstance(config, str) else (config.get("registered_name")
                                                     or config.get("config"))
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    if name in _FUNCTIONS_DICT:
        return _FUNCTIONS_DICT[name]
    return _losses.deserialize(config, custom_objects)


def deserialize(config, custom_objects=None):
    """The metric (``Metric`` instance or function) that ``serialize`` or a name describes."""
    if isinstance(config, str):
        table = {**ALL_OBJECTS_DICT, **(custom_objects or {})}
        if config not in table:
            raise ValueError(f"Could not interpret metric identifier: {config!r}")
        return table[config]
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"Could not interpret metric config: {config!r}; expected a name or a "
                         "dict with 'class_name' and 'config'")
    if config["class_name"] == "function":
        return _deserialize_fn(config, custom_objects)
    name = config["class_name"]
    table = {**ALL_OBJECTS_DICT, **(custom_objects or {})}
    cls = table.get(config.get("registered_name") or name, table.get(name))
    if cls is None:
        raise ValueError(f"Unknown metric class {name!r}: pass it in custom_objects, e.g. "
                         f"custom_objects={{'{name}': {name}}}")
    return cls.from_config(config.get("config") or {})


def get(identifier):
    """A metric from a name (``"auc"``, ``"mse"``, ``"SparseCategoricalAccuracy"``), a config
    dict, a class, a function or a ``Metric`` (Keras's ``metrics.get``: names give instances).

    >>> get("sparse_categorical_accuracy").name
    'sparse_categorical_accuracy'
    """
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        obj = deserialize(identifier)
    elif isinstance(identifier, str):
        obj = ALL_OBJECTS_DICT.get(identifier)
    else:
        obj = identifier
    if callable(obj):
        return obj() if inspect.isclass(obj) else obj
    raise ValueError(f"Could not interpret metric identifier: {identifier!r}. Use a name such "
                     "as 'accuracy', 'mae' or 'auc', a Metric or a function")


_BINARY_LOSSES = {"binary_crossentropy", "binary_focal_crossentropy", "hinge", "squared_hinge",
                  "bce", "BCE", "BinaryCrossentropy", "BinaryFocalCrossentropy", "Hinge",
                  "SquaredHinge"}


def _is_binary_loss(loss) -> bool:
    """Whether the compiled loss treats each output unit as a binary problem."""
    if isinstance(loss, str):
        return loss in _BINARY_LOSSES
    names = (type(loss).__name__, getattr(loss, "__name__", None),
             getattr(getattr(loss, "fn", None), "__name__", None))
    return any(n in _BINARY_LOSSES for n in names)


def resolve(identifier, y_true, y_pred, loss=None) -> Metric | None:
    """The ``Metric`` that ``compile(metrics=[identifier])`` uses for one output (Keras's
    ``compile_utils.get_metric``).

    ``"accuracy"``/``"acc"`` become ``BinaryAccuracy`` when y_pred has one unit in its last
    axis, ``SparseCategoricalAccuracy`` when y_true has lower rank than y_pred (or a trailing 1
    while y_pred has several units), ``CategoricalAccuracy`` otherwise; ``"crossentropy"`` /
    ``"ce"`` likewise pick a crossentropy. The metric keeps the name the user wrote. ``loss``
    (the compiled loss) breaks one tie Keras leaves open: for a binary loss on 1-D outputs the
    accuracy is binary, where the shapes alone would say categorical.

    >>> import numpy as np
    >>> m = resolve("accuracy", np.zeros(4), np.zeros((4, 10)))
    >>> type(m).__name__, m.name
    ('SparseCategoricalAccuracy', 'accuracy')
    """
    if identifier is None:
        return None
    key = str(identifier).lower() if isinstance(identifier, str) else None
    if key in ("accuracy", "acc", "crossentropy", "ce"):
        is_binary, is_sparse = _losses._is_binary_or_sparse(y_true, y_pred)
        if not is_binary and not is_sparse and _is_binary_loss(loss):
            is_binary = True
        if key in ("accuracy", "acc"):
            cls = BinaryAccuracy if is_binary else (
                SparseCategoricalAccuracy if is_sparse else CategoricalAccuracy)
        else:
            cls = BinaryCrossentropy if is_binary else (
                SparseCategoricalCrossentropy if is_sparse else CategoricalCrossentropy)
        metric = cls(name=str(identifier))
    else:
        metric = get(identifier)
        if not isinstance(metric, Metric):
            metric = MeanMetricWrapper(metric)
    if isinstance(identifier, str):
        metric.name = identifier
    elif inspect.isfunction(identifier):
        metric.name = to_snake_case(identifier.__name__)
    return metric
