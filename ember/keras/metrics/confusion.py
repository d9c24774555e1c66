"""Confusion-matrix metrics: true/false positive/negative counts, ``Precision``, ``Recall`` and
``AUC`` (a prediction counts as positive when strictly greater than the threshold)."""

from __future__ import annotations

import numpy as np

from ...tensor import Tensor
from ..losses import squeeze_or_expand_to_same_rank
from .base import EPSILON, Metric, _divide_no_nan, _np, _result

NEG_INF = -1e10  # Keras's stand-in for -inf when filtering to the top k


def _parse_thresholds(thresholds, default) -> list:
    if thresholds is None:
        return [default]
    values = [float(t) for t in np.atleast_1d(np.asarray(thresholds, dtype=np.float64))]
    bad = [t for t in values if not 0.0 <= t <= 1.0]
    if bad:
        raise ValueError(f"Threshold values must be in [0, 1]. Received: {bad}")
    return values


def _filter_top_k(x: np.ndarray, k: int) -> np.ndarray:
    """Scores outside each row's top k set to NEG_INF (Keras's ``_filter_top_k``)."""
    k = min(int(k), x.shape[-1])
    idx = np.argsort(-x, axis=-1, kind="stable")[..., :k]  # ties: the first indices, as Keras
    keep = np.zeros(x.shape, dtype=bool)
    np.put_along_axis(keep, idx, True, axis=-1)
    return np.where(keep, x, NEG_INF)


def _confusion_inputs(name, y_true, y_pred, sample_weight, top_k, class_id):
    y_true = _np(y_true, np.float64)
    y_pred = _np(y_pred, np.float64)
    y_pred, y_true = squeeze_or_expand_to_same_rank(y_pred, y_true)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"{name}: y_true and y_pred must have the same shape, got "
                         f"y_true.shape={y_true.shape} and y_pred.shape={y_pred.shape}")
    weights = None
    if sample_weight is not None:
        weights = _np(sample_weight, np.float64)[..., None]
        _, weights = squeeze_or_expand_to_same_rank(y_true, weights, expand_rank_1=False)
    if top_k is not None:
        y_pred = _filter_top_k(y_pred, top_k)
    if class_id is not None:
        if y_pred.ndim == 1:
            raise ValueError(f"{name}: class_id needs y_pred of shape (num_samples, "
                             f"num_classes), got shape {y_pred.shape}")
        y_true = y_true[..., class_id, None]
        y_pred = y_pred[..., class_id, None]
    if weights is not None:
        weights = np.broadcast_to(weights, y_pred.shape)
    return y_true, y_pred, weights


_CONFUSION = {
    "true_positives": (True, True), "false_positives": (False, True),
    "true_negatives": (False, False), "false_negatives": (True, False),
}


def _update_confusion(variables: dict, y_true, y_pred, weights, thresholds: np.ndarray,
                      multi_label=False, label_weights=None, evenly=False) -> None:
    """Add weighted true/false positive/negative counts per threshold (a prediction is
    positive when strictly greater than the threshold) to ``variables``."""
    if label_weights is not None and not multi_label:
        lw = np.broadcast_to(np.asarray(label_weights, dtype=np.float64), y_pred.shape)
        weights = lw if weights is None else weights * lw
    if evenly:
        return _update_confusion_buckets(variables, y_true, y_pred, weights, thresholds,
                                         multi_label)
    if multi_label:
        n = y_pred.shape[0]
        preds, labels = y_pred.reshape(1, n, -1), y_true.reshape(1, n, -1) != 0
        th = thresholds.reshape(-1, 1, 1)
        w = None if weights is None else weights.reshape(1, n, -1)
    else:
        preds, labels = y_pred.reshape(1, -1), y_true.reshape(1, -1) != 0
        th = thresholds.reshape(-1, 1)
        w = None if weights is None else weights.reshape(1, -1)
    pred_pos = preds > th
    for key, var in variables.items():
        label_wanted, pred_wanted = _CONFUSION[key]
        hit = (labels if label_wanted else ~labels) & (pred_pos if pred_wanted else ~pred_pos)
        var += (hit.sum(1) if w is None else (hit * w).sum(1))
    return None


def _update_confusion_buckets(variables, y_true, y_pred, weights, thresholds, multi_label):
    """Evenly spaced thresholds: bucket each prediction once and take reversed cumulative sums
    (Keras's optimized path; O(N) instead of O(N · thresholds))."""
    num = len(thresholds)
    with_epsilon = thresholds[0] < 0.0 or thresholds[-1] > 1.0
    w = np.ones(y_pred.shape) if weights is None else np.broadcast_to(weights, y_pred.shape)
    truth = (y_true != 0).astype(np.float64)
    if multi_label:
        n = y_pred.shape[0]
        preds, truth, w = y_pred.reshape(n, -1), truth.reshape(n, -1), w.reshape(n, -1)
    else:
        preds, truth, w = y_pred.reshape(-1, 1), truth.reshape(-1, 1), w.reshape(-1, 1)
    labels = preds.shape[1]
    buckets = np.ceil(np.clip(preds, 0.0, 1.0) * (num - 1)) - 1
    if with_epsilon:
        buckets = np.maximum(buckets, 0)
    buckets = buckets.astype(np.int64)
    valid = buckets >= 0
    flat = (buckets + num * np.arange(labels))[valid]

    def per_bucket(values):
        counts = np.bincount(flat, weights=values[valid], minlength=num * labels)
        return counts.reshape(labels, num).T

    tp = np.cumsum(per_bucket(truth * w)[::-1], axis=0)[::-1]
    fp = np.cumsum(per_bucket((1.0 - truth) * w)[::-1], axis=0)[::-1]
    totals = {"true_positives": tp, "false_positives": fp,
              "true_negatives": ((1.0 - truth) * w).sum(0) - fp,
              "false_negatives": (truth * w).sum(0) - tp}
    for key, var in variables.items():
        value = totals[key]
        var += value if multi_label else value[:, 0]


class _ConfusionCount(Metric):
    """A count of one cell of the confusion matrix per threshold (default 0.5)."""

    _key = ""

    def __init__(self, thresholds=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds = thresholds
        self.thresholds = _parse_thresholds(thresholds, 0.5)
        self._thresholds = np.asarray(self.thresholds)
        self.accumulator = self.add_variable(shape=(len(self.thresholds),), name="accumulator")

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        y_true, y_pred, w = _confusion_inputs(self.name, y_true, y_pred, sample_weight,
                                              None, None)
        _update_confusion({self._key: self.accumulator}, y_true, y_pred, w, self._thresholds)

    def result(self) -> Tensor:
        value = self.accumulator[0] if len(self.thresholds) == 1 else self.accumulator
        return _result(value)

    def get_config(self) -> dict:
        return {"thresholds": self.init_thresholds, **super().get_config()}


class TruePositives(_ConfusionCount):
    """Weighted count of positive labels predicted positive (prediction > threshold)."""

    _key = "true_positives"


class FalsePositives(_ConfusionCount):
    """Weighted count of negative labels predicted positive (prediction > threshold)."""

    _key = "false_positives"


class TrueNegatives(_ConfusionCount):
    """Weighted count of negative labels predicted negative (prediction <= threshold)."""

    _key = "true_negatives"


class FalseNegatives(_ConfusionCount):
    """Weighted count of positive labels predicted negative (prediction <= threshold)."""

    _key = "false_negatives"


class _PrecisionRecall(Metric):
    _second = ""

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds = thresholds
        self.top_k = top_k
        self.class_id = class_id
        self.thresholds = _parse_thresholds(thresholds, 0.5 if top_k is None else NEG_INF)
        self._thresholds = np.asarray(self.thresholds)
        n = len(self.thresholds)
        self.true_positives = self.add_variable(shape=(n,), name="true_positives")
        setattr(self, self._second, self.add_variable(shape=(n,), name=self._second))

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        y_true, y_pred, w = _confusion_inputs(self.name, y_true, y_pred, sample_weight,
                                              self.top_k, self.class_id)
        _update_confusion({"true_positives": self.true_positives,
                           self._second: getattr(self, self._second)},
                          y_true, y_pred, w, self._thresholds)

    def result(self) -> Tensor:
        tp = self.true_positives
        value = _divide_no_nan(tp, tp + getattr(self, self._second))
        return _result(value[0] if len(self.thresholds) == 1 else value)

    def get_config(self) -> dict:
        return {"thresholds": self.init_thresholds, "top_k": self.top_k,
                "class_id": self.class_id, **super().get_config()}


class Precision(_PrecisionRecall):
    """TP / (TP + FP): the fraction of positive predictions that are right.

    Args:
        thresholds: a prediction above it counts as positive (default 0.5); a list gives one
            precision per threshold.
        top_k: only the k highest scores of each row count as positive.
        class_id: compute the metric for this class (column) only.

    >>> m = Precision(); m.update_state([0, 1, 1, 1], [1, 0, 1, 1]); m.result()
    tensor(0.6667)
    """

    _second = "false_positives"


class Recall(_PrecisionRecall):
    """TP / (TP + FN): the fraction of positive labels that are found.

    Same arguments as ``Precision``.

    >>> m = Recall(); m.update_state([0, 1, 1, 1], [1, 0, 1, 1]); m.result()
    tensor(0.6667)
    """

    _second = "false_negatives"


class AUC(Metric):
    """Area under the ROC or precision-recall curve, from confusion counts at
    ``num_thresholds`` thresholds (Keras's ``AUC``).

    Args:
        num_thresholds: number of thresholds, evenly spaced in [0, 1] (default 200).
        curve: "ROC" (default) or "PR".
        summation_method: "interpolation" (default; the trapezoidal rule for ROC, Davis &
            Goadrich's interpolation for PR), "minoring" or "majoring".
        thresholds: explicit thresholds in [0, 1] instead of ``num_thresholds``.
        multi_label: one curve per label column, averaged (weighted by ``label_weights``).
        num_labels: number of label columns when multi_label (otherwise found on first use).
        label_weights: per-label weights.
        from_logits: apply a sigmoid to y_pred first.

    >>> m = AUC(num_thresholds=3)
    >>> m.update_state([0, 0, 1, 1], [0, 0.5, 0.3, 0.9]); m.result()
    tensor(0.7500)
    """

    def __init__(self, num_thresholds=200, curve="ROC", summation_method="interpolation",
                 name=None, dtype=None, thresholds=None, multi_label=False, num_labels=None,
                 label_weights=None, from_logits=False):
        super().__init__(name=name, dtype=dtype)
        curve = str(curve).upper()
        if curve not in ("ROC", "PR"):
            raise ValueError(f'Invalid AUC curve value: "{curve}". Expected values are ["ROC", '
                             '"PR"]')
        method = str(summation_method).lower()
        if method not in ("interpolation", "minoring", "majoring"):
            raise ValueError(f'Invalid AUC summation method value: "{summation_method}". '
                             'Expected values are ["interpolation", "majoring", "minoring"]')
        self.curve = curve
        self.summation_method = method
        self.multi_label = multi_label
        self.num_labels = num_labels
        self._from_logits = from_logits
        if thresholds is not None:
            inner = sorted(_parse_thresholds(thresholds, 0.5))
            self.num_thresholds = len(inner) + 2
            spacing = np.diff([0.0] + inner + [1.0])
            self._evenly = bool(np.allclose(spacing, spacing[0], atol=EPSILON))
        else:
            if num_thresholds <= 1:
                raise ValueError("Argument `num_thresholds` must be an integer > 1. Received: "
                                 f"num_thresholds={num_thresholds}")
            self.num_thresholds = num_thresholds
            inner = [(i + 1) / (num_thresholds - 1) for i in range(num_thresholds - 2)]
            self._evenly = True
        # endpoints just outside [0, 1] so that 0 and 1 predictions land on the curve's ends
        self._thresholds = np.array([0.0 - EPSILON] + inner + [1.0 + EPSILON])
        self.label_weights = None if label_weights is None else \
            np.asarray(label_weights, dtype=np.float64)
        self._built = False
        if not multi_label or num_labels is not None:
            self._build(num_labels)

    @property
    def thresholds(self) -> list:
        return list(self._thresholds)

    def _build(self, num_labels) -> None:
        shape = (self.num_thresholds,) if not self.multi_label else \
            (self.num_thresholds, num_labels)
        self.num_labels = num_labels
        self.true_positives = self.add_variable(shape=shape, name="true_positives")
        self.false_positives = self.add_variable(shape=shape, name="false_positives")
        self.true_negatives = self.add_variable(shape=shape, name="true_negatives")
        self.false_negatives = self.add_variable(shape=shape, name="false_negatives")
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        y_true, y_pred, w = _confusion_inputs(self.name, y_true, y_pred, sample_weight,
                                              None, None)
        if not self._built:
            if y_pred.ndim < 2:
                raise ValueError(f"{self.name}: multi_label=True needs y_pred of shape "
                                 f"(num_samples, num_labels), got {y_pred.shape}")
            self._build(int(np.prod(y_pred.shape[1:])))
        if self._from_logits:
            y_pred = 1.0 / (1.0 + np.exp(-y_pred))
        label_weights = None if self.multi_label else self.label_weights
        _update_confusion({"true_positives": self.true_positives,
                           "false_positives": self.false_positives,
                           "true_negatives": self.true_negatives,
                           "false_negatives": self.false_negatives},
                          y_true, y_pred, w, self._thresholds, multi_label=self.multi_label,
                          label_weights=label_weights, evenly=self._evenly)

    def _average(self, by_label):
        if not self.multi_label:
            return by_label
        if self.label_weights is None:
            return by_label.mean()
        return _divide_no_nan((by_label * self.label_weights).sum(), self.label_weights.sum())

    def _interpolate_pr_auc(self):
        tp, fp, fn = self.true_positives, self.false_positives, self.false_negatives
        dtp = tp[:-1] - tp[1:]
        p = tp + fp
        dp = p[:-1] - p[1:]
        slope = _divide_no_nan(dtp, np.maximum(dp, 0))
        intercept = tp[1:] - slope * p[1:]
        both = (p[:-1] > 0) & (p[1:] > 0)
        ratio = np.where(both, _divide_no_nan(p[:-1], np.maximum(p[1:], 0)), 1.0)
        with np.errstate(divide="ignore"):
            log_ratio = np.log(np.where(ratio > 0, ratio, 1.0))
        increments = _divide_no_nan(slope * (dtp + intercept * log_ratio),
                                    np.maximum(tp[1:] + fn[1:], 0))
        return self._average(increments.sum(0))

    def result(self) -> Tensor:
        if not self._built:
            return _result(0.0)
        if self.curve == "PR" and self.summation_method == "interpolation":
            return _result(self._interpolate_pr_auc())
        tp, fp = self.true_positives, self.false_positives
        tn, fn = self.true_negatives, self.false_negatives
        recall = _divide_no_nan(tp, tp + fn)
        if self.curve == "ROC":
            x, y = _divide_no_nan(fp, fp + tn), recall
        else:
            x, y = recall, _divide_no_nan(tp, tp + fp)
        if self.summation_method == "interpolation":
            heights = (y[:-1] + y[1:]) / 2.0
        elif self.summation_method == "minoring":
            heights = np.minimum(y[:-1], y[1:])
        else:
            heights = np.maximum(y[:-1], y[1:])
        return _result(self._average(((x[:-1] - x[1:]) * heights).sum(0)))

    def get_config(self) -> dict:
        label_weights = None if self.label_weights is None else self.label_weights.tolist()
        config = {
            "num_thresholds": self.num_thresholds, "curve": self.curve,
            "summation_method": self.summation_method, "multi_label": self.multi_label,
            "num_labels": self.num_labels, "label_weights": label_weights,
            "from_logits": self._from_logits,
        }
        if not self._evenly or self.num_thresholds != len(self._thresholds):
            config["thresholds"] = self.thresholds[1:-1]
        return {**super().get_config(), **config}
