"""What ``compile`` builds from its arguments: the per-output losses and metrics (Keras 3's
``trainers/compile_utils.py``).

Losses and metrics are resolved at the first batch, when the shapes of ``y_true`` and
``y_pred`` are known (``"accuracy"`` becomes binary, categorical or sparse categorical accuracy
from them). With several outputs, a loss or metric list follows the output order and a dict
the output names (``model.output_names``, or the keys of a dict of outputs); their logs are
named ``"<output>_loss"`` and ``"<output>_<metric>"``.
"""

from __future__ import annotations

from ember.tensor import Tensor

from . import losses as losses_module
from . import metrics as metrics_module
from .data_adapter import flatten

__all__ = ["CompiledLoss", "CompiledMetrics", "host"]


def _output_names(model, y_pred, n: int) -> list[str]:
    """Names of the model's outputs: ``model.output_names``, dict keys, else output_0..."""
    if isinstance(y_pred, dict):
        return list(y_pred)
    names = getattr(model, "output_names", None)
    if names and len(names) == n:
        return list(names)
    return [f"output_{i}" for i in range(n)]


def _per_output(value, names: list[str], what: str) -> list:
    """One entry per output from a single value, a list (in output order) or a dict by name."""
    n = len(names)
    if isinstance(value, dict):
        unknown = [k for k in value if k not in names]
        if unknown:
            raise ValueError(
                f"compile(): in the dict argument `{what}`, key(s) {unknown} do not correspond "
                f"to any model output; the outputs are {names}"
            )
        return [value.get(name) for name in names]
    if isinstance(value, (list, tuple)) and n > 1:
        if len(value) != n:
            raise ValueError(
                f"compile(): for a model with {n} outputs, `{what}` given as a list needs {n} "
                f"entries (one per output {names}); got {len(value)}"
            )
        return list(value)
    if isinstance(value, (list, tuple)) and n == 1 and what in ("loss", "loss_weights"):
        if len(value) != 1:
            raise ValueError(f"compile(): `{what}` has {len(value)} entries for a single output")
        return list(value)
    return [value] * n


def _flat_targets(y, names: list[str], what="y"):
    """Targets (or sample weights) as a list aligned with the outputs."""
    if isinstance(y, dict):
        return [y.get(name) for name in names]
    if isinstance(y, (list, tuple)) and len(names) > 1:
        if len(y) != len(names):
            raise ValueError(
                f"the model has {len(names)} outputs {names} but {what} has {len(y)} entries"
            )
        return list(y)
    if isinstance(y, (list, tuple)) and len(y) == 1:
        return list(y)
    return [y] * len(names) if what == "sample_weight" else [y] + [None] * (len(names) - 1)


class CompiledLoss:
    """The loss given to ``compile``: one loss per output, weighted and summed."""

    def __init__(self, loss, loss_weights):
        if loss_weights is not None and not isinstance(loss_weights, (list, tuple, dict,
                                                                      float, int)):
            raise ValueError(
                "compile(): expected `loss_weights` to be a float (single output) or a list or "
                f"dict (several outputs); got {type(loss_weights).__name__}"
            )
        self._loss = loss
        self._weights = loss_weights
        self.built = False
        self.entries: list = []  # (output index, Loss, weight, name)
        self.trackers: list = []  # a Mean per output loss when there are several

    def build(self, model, y_true, y_pred):
        preds = flatten(y_pred)
        names = _output_names(model, y_pred, len(preds))
        targets = _flat_targets(y_true, names)
        loss = self._loss
        if isinstance(loss, dict) and len(names) == 1 and set(loss) != set(names):
            raise ValueError(f"compile(): expected keys {names} in the loss dict, got {list(loss)}")
        per_loss = _per_output(loss, names, "loss")
        weights = _per_output(self._weights, names, "loss_weights") \
            if self._weights is not None else [None] * len(names)
        for i, (ident, weight) in enumerate(zip(per_loss, weights)):
            if ident is None:
                continue
            obj = losses_module.resolve(ident, targets[i], preds[i])
            self.entries.append((i, obj, None if weight is None else float(weight), names[i]))
        if len(self.entries) > 1:
            self.trackers = [metrics_module.Mean(name=f"{entry[3]}_loss")
                             for entry in self.entries]
        self.names = names
        self.built = True

    def __call__(self, model, y_true, y_pred, sample_weight):
        if y_true is None:
            raise ValueError(
                f"{type(model).__name__} '{model.name}' was compiled with a loss but got no "
                "targets: pass y to fit()/evaluate()/train_on_batch() (or a dataset yielding "
                "(x, y) pairs), or compile without a loss when the model adds its own with "
                "add_loss()"
            )
        if not self.built:
            self.build(model, y_true, y_pred)
        if len(self.entries) == 1 and not isinstance(y_pred, (list, tuple, dict)):
            if isinstance(y_true, (list, tuple)) and len(y_true) == 1:
                y_true = y_true[0]
            _, fn, weight, _ = self.entries[0]
            value = fn(y_true, y_pred, sample_weight)
            return value if weight is None else value * weight
        preds = flatten(y_pred) if not isinstance(y_pred, dict) else [y_pred[n] for n in self.names]
        targets = _flat_targets(y_true, self.names)
        weights = _flat_targets(sample_weight, self.names, "sample_weight") \
            if sample_weight is not None else [None] * len(self.names)
        total = None
        for k, (i, fn, weight, name) in enumerate(self.entries):
            if targets[i] is None:
                raise ValueError(f"no target given for output {name!r}, which has a loss")
            value = fn(targets[i], preds[i], weights[i])
            if self.trackers:
                self.trackers[k].update_state(float(value.detach()),
                                              sample_weight=preds[i].shape[0])
            if weight is not None:
                value = value * weight
            total = value if total is None else total + value
        return total


class CompiledMetrics:
    """The metrics given to ``compile``: per output, resolved at the first batch."""

    def __init__(self, metrics, weighted_metrics, loss):
        for value, what in ((metrics, "metrics"), (weighted_metrics, "weighted_metrics")):
            if value and not isinstance(value, (list, tuple, dict)):
                raise ValueError(
                    f"compile(): expected `{what}` to be a list, tuple or dict; got "
                    f"{what}={value!r} of type {type(value).__name__} (write {what}=[{value!r}])"
                )
        self._metrics = metrics
        self._weighted = weighted_metrics
        self._loss = loss
        self.built = False
        self.plain: list = []  # (output index, Metric, log name)
        self.weighted: list = []
        self.names: list[str] = []

    def build(self, model, y_true, y_pred):
        preds = flatten(y_pred) if not isinstance(y_pred, dict) else list(y_pred.values())
        names = _output_names(model, y_pred, len(preds))
        targets = _flat_targets(y_true, names)
        losses = _per_output(self._loss, names, "loss") if self._loss is not None \
            else [None] * len(names)
        used: dict[str, int] = {}

        def unique(name, weighted_name=None):
            if name not in used:
                used[name] = 1
                return name
            if weighted_name is not None and weighted_name not in used:
                used[weighted_name] = 1
                return weighted_name
            base = weighted_name or name
            used[base] = used.get(base, 1) + 1
            return f"{base}_{used[base] - 1}"

        for spec, out, weighted in ((self._metrics, self.plain, False),
                                    (self._weighted, self.weighted, True)):
            if not spec:
                continue
            what = "weighted_metrics" if weighted else "metrics"
            if len(names) > 1:
                per = _per_output(spec, names, what)
            elif isinstance(spec, dict):
                if getattr(model, "output_names", None):
                    _per_output(spec, names, what)  # the keys must name the output
                per = [_flat_list(spec)]
            else:
                per = [spec]
            for i, entry in enumerate(per):
                if entry is None:
                    continue
                entry = _flat_list(entry)
                for ident in entry:
                    if ident is None:
                        continue
                    metric = metrics_module.resolve(ident, targets[i], preds[i], loss=losses[i])
                    prefix = f"{names[i]}_" if len(names) > 1 else ""
                    log = prefix + metric.name
                    log = unique(log, f"{prefix}weighted_{metric.name}" if weighted else None)
                    out.append((i, metric, log))
        self.names = [log for _, _, log in self.plain + self.weighted]
        self.output_names = names
        self.built = True

    def metrics(self) -> list:
        return [m for _, m, _ in self.plain + self.weighted]

    def update_state(self, model, y_true, y_pred, sample_weight):
        if y_true is None:
            return
        if not self.built:
            self.build(model, y_true, y_pred)
        if not self.plain and not self.weighted:
            return
        if isinstance(y_pred, Tensor) and len(self.output_names) == 1:  # the common case
            preds, targets = [y_pred], [host(y_true)]
        else:
            if isinstance(y_pred, dict):
                preds = [y_pred[n] for n in self.output_names]
            else:
                preds = flatten(y_pred)
            targets = [host(t) for t in _flat_targets(y_true, self.output_names)]
        # Masks attached to the outputs (Embedding(mask_zero=True) -> ... -> sequence output)
        # drop masked positions from the mean metrics, as in Keras; read them before the
        # predictions become host arrays.
        masks = [metrics_module.mask_of(p) for p in preds]
        preds = [host(p) for p in preds]
        for i, metric, _ in self.plain:
            if masks[i] is not None and isinstance(metric, metrics_module.MeanMetricWrapper):
                metric.update_state(targets[i], preds[i], metrics_module.masked_weights(None,
                                                                                masks[i]))
            else:
                metric.update_state(targets[i], preds[i])
        if self.weighted:
            weights = _flat_targets(sample_weight, self.output_names, "sample_weight") \
                if sample_weight is not None else [None] * len(preds)
            for i, metric, _ in self.weighted:
                weight = host(weights[i])
                if masks[i] is not None and isinstance(metric,
                                                       metrics_module.MeanMetricWrapper):
                    weight = metrics_module.masked_weights(weight, masks[i])
                metric.update_state(targets[i], preds[i], weight)

    def results(self, out: dict) -> None:
        for _, metric, log in self.plain + self.weighted:
            out[log] = metric.result()

    def reset_state(self):
        for m in self.metrics():
            m.reset_state()


def _flat_list(value) -> list:
    if isinstance(value, dict):
        return list(value.values())
    if isinstance(value, (list, tuple)):
        out = []
        for v in value:
            out.extend(_flat_list(v))
        return out
    return [value]


def host(value):
    """A Tensor's values as a NumPy array for metric updates (no autograd, no copy on CPU)."""
    if isinstance(value, Tensor):
        return value.detach().numpy(force=True) if value.device.type != "cpu" \
            else value.detach().numpy()
    return value
