"""``keras.losses``: Keras 3's loss functions and ``Loss`` classes on ember tensors.

Functions (``mean_squared_error(y_true, y_pred)``, ...) return one value per sample: the mean
(or sum) over the last axis, as in Keras. ``Loss`` objects call them and reduce the result:
``"sum_over_batch_size"`` (the default: sum / number of elements), ``"sum"``, ``"mean"`` or
``"none"``/``None``, after weighting by ``sample_weight``. Everything is built from ember ops, so
the result is differentiable with respect to ``y_pred``. Probabilities are clipped to
``[1e-7, 1 - 1e-7]`` (Keras's ``epsilon``) before logarithms, like Keras's PyTorch backend.

>>> from ember.keras import losses
>>> losses.SparseCategoricalCrossentropy()([1, 2], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]])
tensor(1.1769)
"""

from __future__ import annotations

import inspect

from .. import ops
from .classes import (BinaryCrossentropy, BinaryFocalCrossentropy, CategoricalCrossentropy,
                      CategoricalHinge, CosineSimilarity, Hinge, Huber, KLDivergence, LogCosh,
                      MeanAbsoluteError, MeanAbsolutePercentageError, MeanSquaredError,
                      MeanSquaredLogarithmicError, Poisson, SparseCategoricalCrossentropy,
                      SquaredHinge)
from .functions import (binary_crossentropy, binary_focal_crossentropy, categorical_crossentropy,
                        categorical_hinge, cosine_similarity, hinge, huber, kl_divergence,
                        log_cosh, mean_absolute_error, mean_absolute_percentage_error,
                        mean_squared_error, mean_squared_logarithmic_error, poisson,
                        sparse_categorical_crossentropy, squared_hinge)
from .loss import (EPSILON, Loss, LossFunctionWrapper, apply_mask, reduce_values,
                   reduce_weighted_values, squeeze_or_expand_to_same_rank, standardize_reduction,
                   to_snake_case)

__all__ = [
    "BinaryCrossentropy", "BinaryFocalCrossentropy", "CategoricalCrossentropy",
    "CategoricalHinge", "CosineSimilarity", "Hinge", "Huber", "KLDivergence", "LogCosh", "Loss",
    "LossFunctionWrapper", "MeanAbsoluteError", "MeanAbsolutePercentageError",
    "MeanSquaredError", "MeanSquaredLogarithmicError", "Poisson", "SparseCategoricalCrossentropy",
    "SquaredHinge", "binary_crossentropy", "binary_focal_crossentropy",
    "categorical_crossentropy", "categorical_hinge", "cosine_similarity", "deserialize", "get",
    "hinge", "huber", "kl_divergence", "log_cosh", "mean_absolute_error",
    "mean_absolute_percentage_error", "mean_squared_error", "mean_squared_logarithmic_error",
    "poisson", "reduce_weighted_values", "resolve", "serialize", "sparse_categorical_crossentropy",
    "squared_hinge",
]


# -- lookup and serialization -------------------------------------------------------------------

_CLASSES = (
    Loss, LossFunctionWrapper, KLDivergence, Poisson, BinaryCrossentropy,
    BinaryFocalCrossentropy, CategoricalCrossentropy, SparseCategoricalCrossentropy,
    MeanSquaredError, MeanAbsoluteError, MeanAbsolutePercentageError,
    MeanSquaredLogarithmicError, CosineSimilarity, LogCosh, Huber, Hinge, SquaredHinge,
    CategoricalHinge,
)
_FUNCTIONS = (
    kl_divergence, poisson, binary_crossentropy, binary_focal_crossentropy,
    categorical_crossentropy, sparse_categorical_crossentropy, mean_squared_error,
    mean_absolute_error, mean_absolute_percentage_error, mean_squared_logarithmic_error,
    cosine_similarity, log_cosh, huber, hinge, squared_hinge, categorical_hinge,
)
ALL_OBJECTS_DICT = {obj.__name__: obj for obj in _CLASSES + _FUNCTIONS}
ALL_OBJECTS_DICT.update({
    "bce": binary_crossentropy, "BCE": binary_crossentropy,
    "kld": kl_divergence, "KLD": kl_divergence,
    "mae": mean_absolute_error, "MAE": mean_absolute_error,
    "mse": mean_squared_error, "MSE": mean_squared_error,
    "mape": mean_absolute_percentage_error, "MAPE": mean_absolute_percentage_error,
    "msle": mean_squared_logarithmic_error, "MSLE": mean_squared_logarithmic_error,
})


def _is_builtin(obj) -> bool:
    return any(obj is v for v in ALL_OBJECTS_DICT.values())


def serialize(loss) -> dict | None:
    """A JSON-friendly dict describing a loss function or ``Loss`` (Keras's format)."""
    if loss is None:
        return None
    if inspect.isfunction(loss) or inspect.isbuiltin(loss):
        builtin = _is_builtin(loss)
        return {"module": "keras.losses" if builtin else loss.__module__,
                "class_name": "function", "config": loss.__name__,
                "registered_name": loss.__name__}
    cls = type(loss)
    builtin = cls in _CLASSES
    return {"module": "keras.losses" if builtin else cls.__module__,
            "class_name": cls.__name__, "config": loss.get_config(),
            "registered_name": None if builtin else cls.__name__}


def deserialize(config, custom_objects=None):
    """The loss (function or ``Loss`` instance) that ``serialize`` or a name describes."""
    table = dict(ALL_OBJECTS_DICT)
    table.update(custom_objects or {})
    if isinstance(config, str):
        if config not in table:
            raise ValueError(f"Could not interpret loss identifier: {config!r}; known names: "
                             f"{sorted(ALL_OBJECTS_DICT)} (pass your own through "
                             "custom_objects)")
        return table[config]
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"Could not interpret loss config: {config!r}; expected a name or a "
                         "dict with 'class_name' and 'config'")
    name = config["class_name"]
    if name == "function":
        return deserialize(config.get("registered_name") or config["config"], custom_objects)
    key = config.get("registered_name") or name
    cls = table.get(key, table.get(name))
    if cls is None:
        raise ValueError(f"Unknown loss class {name!r}: pass it in custom_objects, e.g. "
                         f"custom_objects={{'{name}': {name}}}")
    return cls.from_config(config.get("config") or {})


def get(identifier):
    """A loss from a name (``"mse"``, ``"sparse_categorical_crossentropy"``,
    ``"BinaryCrossentropy"``, ...), a config dict, a class, a function or a ``Loss``.

    Function names give functions, class names give instances, as in Keras.

    >>> get("mse").__name__
    'mean_squared_error'
    >>> get("SparseCategoricalCrossentropy").name
    'sparse_categorical_crossentropy'
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
    raise ValueError(f"Could not interpret loss identifier: {identifier!r}. Use a name such "
                     f"as 'mse' or 'sparse_categorical_crossentropy' (known: "
                     f"{', '.join(sorted(ALL_OBJECTS_DICT))}), a Loss or a function")


def _is_binary_or_sparse(y_true, y_pred):
    st, sp = tuple(ops.shape(y_true)), tuple(ops.shape(y_pred))
    is_binary = len(sp) > 0 and sp[-1] == 1
    is_sparse = len(st) < len(sp) or (len(st) > 0 and st[-1] == 1 and len(sp) > 0
                                      and sp[-1] > 1)
    return is_binary, is_sparse


def resolve(identifier, y_true=None, y_pred=None) -> Loss | None:
    """The ``Loss`` object ``compile(loss=identifier)`` uses (Keras's ``get_loss``).

    ``"crossentropy"``/``"ce"`` pick binary, sparse categorical or categorical crossentropy
    from the shapes of ``y_true`` and ``y_pred``; functions are wrapped in a
    ``LossFunctionWrapper`` named after the identifier.

    >>> resolve("mse").name
    'mse'
    """
    if identifier is None:
        return None
    if str(identifier).lower() in ("crossentropy", "ce"):
        if y_true is None or y_pred is None:
            raise ValueError(f"loss={identifier!r} is chosen from the shapes of y_true and "
                             "y_pred; pass them, or name the crossentropy explicitly")
        is_binary, is_sparse = _is_binary_or_sparse(y_true, y_pred)
        obj = (binary_crossentropy if is_binary else
               sparse_categorical_crossentropy if is_sparse else categorical_crossentropy)
    else:
        obj = get(identifier)
    if isinstance(obj, Loss):
        return obj
    name = identifier if isinstance(identifier, str) else getattr(obj, "__name__", None)
    if obj is sparse_categorical_crossentropy:
        # the class takes integer labels as they are (a wrapper would cast them to float32
        # and back in every step); same values
        return SparseCategoricalCrossentropy(name=name)
    return LossFunctionWrapper(obj, name=name)
