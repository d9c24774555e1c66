"""Regression, probabilistic and hinge metrics: means of the loss functions of the same name."""

from __future__ import annotations

import numpy as np

from ...tensor import Tensor
from .. import losses as _losses
from ..losses import squeeze_or_expand_to_same_rank
from .base import EPSILON, Mean, _FixedFnMetric, _np, _numpy_backed, _result


class MeanSquaredError(_FixedFnMetric):
    """mean((y_true − y_pred)²) over all samples."""

    _fn_impl = staticmethod(_losses.mean_squared_error)

    def __init__(self, name="mean_squared_error", dtype=None):
        super().__init__(name=name, dtype=dtype)


class MeanAbsoluteError(_FixedFnMetric):
    """mean(|y_true − y_pred|) over all samples."""

    _fn_impl = staticmethod(_losses.mean_absolute_error)

    def __init__(self, name="mean_absolute_error", dtype=None):
        super().__init__(name=name, dtype=dtype)


class MeanAbsolutePercentageError(_FixedFnMetric):
    """100 · mean(|(y_true − y_pred) / y_true|) over all samples."""

    _fn_impl = staticmethod(_losses.mean_absolute_percentage_error)

    def __init__(self, name="mean_absolute_percentage_error", dtype=None):
        super().__init__(name=name, dtype=dtype)


class MeanSquaredLogarithmicError(_FixedFnMetric):
    """mean((log(y_true + 1) − log(y_pred + 1))²) over all samples."""

    _fn_impl = staticmethod(_losses.mean_squared_logarithmic_error)

    def __init__(self, name="mean_squared_logarithmic_error", dtype=None):
        super().__init__(name=name, dtype=dtype)


class LogCoshError(_FixedFnMetric):
    """mean(log(cosh(y_pred − y_true))) over all samples."""

    _fn_impl = staticmethod(_losses.log_cosh)

    def __init__(self, name="logcosh", dtype=None):
        super().__init__(name=name, dtype=dtype)


def _cosine_similarity(y_true, y_pred, axis=-1):
    """sum(l2_normalize(y_true) · l2_normalize(y_pred), axis): +1 when aligned."""
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true.astype(np.float64),
                                                    y_pred.astype(np.float64))

    def normalize(x):
        return x / np.sqrt(np.maximum((x * x).sum(axis, keepdims=True), EPSILON ** 2))

    return (normalize(y_true) * normalize(y_pred)).sum(axis)


cosine_similarity = _numpy_backed(_cosine_similarity)


class CosineSimilarity(_FixedFnMetric):
    """Mean cosine similarity between labels and predictions (positive: 1 when aligned)."""

    _fn_impl = staticmethod(cosine_similarity)
    _config_keys = ("axis",)

    def __init__(self, name="cosine_similarity", dtype=None, axis=-1):
        super().__init__(name=name, dtype=dtype, axis=axis)


class RootMeanSquaredError(Mean):
    """sqrt(mean((y_true − y_pred)²)) over all samples.

    >>> m = RootMeanSquaredError(); m.update_state([[0, 1], [0, 0]], [[1, 1], [0, 0]])
    >>> m.result()
    tensor(0.5000)
    """

    def __init__(self, name="root_mean_squared_error", dtype=None):
        super().__init__(name=name, dtype=dtype)

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        y_true, y_pred = squeeze_or_expand_to_same_rank(_np(y_true, np.float64),
                                                        _np(y_pred, np.float64))
        super().update_state((y_pred - y_true) ** 2, sample_weight)

    def result(self) -> Tensor:
        count = float(self.count)
        return _result(np.sqrt(float(self.total) / count) if count else 0.0)


class BinaryCrossentropy(_FixedFnMetric):
    """Mean binary crossentropy over all samples."""

    _fn_impl = staticmethod(_losses.binary_crossentropy)
    _config_keys = ("from_logits", "label_smoothing")

    def __init__(self, name="binary_crossentropy", dtype=None, from_logits=False,
                 label_smoothing=0):
        super().__init__(name=name, dtype=dtype, from_logits=from_logits,
                         label_smoothing=label_smoothing)


class CategoricalCrossentropy(_FixedFnMetric):
    """Mean categorical crossentropy (one-hot labels) over all samples."""

    _fn_impl = staticmethod(_losses.categorical_crossentropy)
    _config_keys = ("from_logits", "label_smoothing", "axis")

    def __init__(self, name="categorical_crossentropy", dtype=None, from_logits=False,
                 label_smoothing=0, axis=-1):
        super().__init__(name=name, dtype=dtype, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)


class SparseCategoricalCrossentropy(_FixedFnMetric):
    """Mean sparse categorical crossentropy (integer labels) over all samples."""

    _fn_impl = staticmethod(_losses.sparse_categorical_crossentropy)
    _config_keys = ("from_logits", "axis")

    def __init__(self, name="sparse_categorical_crossentropy", dtype=None, from_logits=False,
                 axis=-1):
        super().__init__(name=name, dtype=dtype, from_logits=from_logits, axis=axis)


class KLDivergence(_FixedFnMetric):
    """Mean Kullback-Leibler divergence over all samples."""

    _fn_impl = staticmethod(_losses.kl_divergence)

    def __init__(self, name="kl_divergence", dtype=None):
        super().__init__(name=name, dtype=dtype)


class Poisson(_FixedFnMetric):
    """Mean Poisson loss over all samples."""

    _fn_impl = staticmethod(_losses.poisson)

    def __init__(self, name="poisson", dtype=None):
        super().__init__(name=name, dtype=dtype)


class Hinge(_FixedFnMetric):
    """Mean hinge loss over all samples."""

    _fn_impl = staticmethod(_losses.hinge)

    def __init__(self, name="hinge", dtype=None):
        super().__init__(name=name, dtype=dtype)


class SquaredHinge(_FixedFnMetric):
    """Mean squared hinge loss over all samples."""

    _fn_impl = staticmethod(_losses.squared_hinge)

    def __init__(self, name="squared_hinge", dtype=None):
        super().__init__(name=name, dtype=dtype)


class CategoricalHinge(_FixedFnMetric):
    """Mean categorical hinge loss over all samples."""

    _fn_impl = staticmethod(_losses.categorical_hinge)

    def __init__(self, name="categorical_hinge", dtype=None):
        super().__init__(name=name, dtype=dtype)
