"""``Trainer``: ``compile``, ``fit``, ``evaluate``, ``predict`` (Keras 3's ``Model`` training API).

``Model`` inherits this mixin. A training step is Keras 3's torch-backend ``train_step``:

    y_pred = model(x, training=True)
    loss = compute_loss(x, y, y_pred, sample_weight)   # compiled losses + sum(model.losses)
    loss.backward()
    optimizer.apply([w.grad for w in trainable_weights], trainable_weights)
    return compute_metrics(x, y, y_pred, sample_weight)

``train_step(data)`` (and ``test_step``, ``predict_step``, ``compute_loss``,
``compute_metrics``) are the methods a subclass overrides to customize training, as in Keras.

Logs follow Keras 3: ``"loss"`` (the mean over the epoch's samples, regularization included),
one key per metric (named as given: ``metrics=["acc"]`` logs ``"acc"``; with several outputs
``"<output>_<metric>"`` and ``"<output>_loss"``), ``"val_"`` in front for validation; keys in
sorted order.

Differences from Keras, on purpose: ember runs eagerly, so ``jit_compile``, ``run_eagerly``,
``steps_per_execution`` and ``auto_scale_loss`` are accepted and stored but change nothing
(every batch is one step, batch callbacks run every batch). Plain ``ember.nn`` modules inside the
model are switched to training mode during ``fit``'s epochs (as Keras's torch backend does) and
put back in the mode they had when ``fit`` returns.

>>> import numpy as np
>>> from ember.keras.layers import Dense
>>> from ember.keras.models import Sequential
>>> model = Sequential([Dense(1)])
>>> model.compile(optimizer="sgd", loss="mse")
>>> history = model.fit(np.ones((8, 2)), np.ones(8), epochs=2, verbose=0)
>>> sorted(history.history), len(history.history["loss"])
(['loss'], 2)
"""

from __future__ import annotations

import inspect
import warnings

import numpy as np

import ember
from ember.tensor import Tensor

from . import callbacks as callbacks_module
from . import losses as losses_module
from . import metrics as metrics_module
from . import optimizers as optimizers_module
from .compile_utils import CompiledLoss, CompiledMetrics, host
from .data_adapter import (
    EpochIterator,
    class_weight_to_sample_weights,
    flatten,
    get_adapter,
    pack,
    train_validation_split,
    unpack_x_y_sample_weight,
)

__all__ = ["Trainer"]


def _put(obj, **attrs) -> None:
    """Set attributes without ``nn.Module`` registration (metrics and optimizers are state of
    the trainer, not sub-modules or parameters)."""
    obj.__dict__.update(attrs)


# -- per-call caches --------------------------------------------------------------------------

class _StepCache:
    """What every step needs and is costly to recompute (tree walks): rebuilt at each
    ``fit``/``evaluate``/``*_on_batch`` call, so changes between calls are seen."""

    __slots__ = ("trainable", "layers", "regularized")

    def __init__(self, model):
        self.trainable = None
        layers = model._layers_recursive() if hasattr(model, "_layers_recursive") else []
        self.layers = layers
        self.regularized = any(getattr(layer, "_regularizers", None) for layer in layers)


class Trainer:
    """Mixin giving a model ``compile``/``fit``/``evaluate``/``predict`` (Keras 3's trainer)."""

    compiled = False
    optimizer = None
    loss = None
    stop_training = False
    stop_evaluating = False
    stop_predicting = False
    history = None
    run_eagerly = False
    jit_compile = False
    steps_per_execution = 1
    _compile_loss = None
    _compile_metrics = None
    _loss_tracker = None
    _compile_config = None
    _initial_epoch = None
    _step_cache = None

    # -- compile ------------------------------------------------------------------------------

    def compile(self, optimizer="rmsprop", loss=None, loss_weights=None, metrics=None,
                weighted_metrics=None, run_eagerly=False, steps_per_execution=1,
                jit_compile="auto", auto_scale_loss=True):
        """Configure the model for training (Keras 3's ``Model.compile``).

        Args:
            optimizer: a name (``"adam"``, ``"sgd"``, ``"rmsprop"``, ``"adamw"``,
                ``"adagrad"``, ``"nadam"``, ...) or a ``keras.optimizers`` instance.
            loss: a name (``"sparse_categorical_crossentropy"``, ``"mse"``, ...), a
                ``keras.losses.Loss``, a function ``fn(y_true, y_pred)``, or for several
                outputs a list (in output order) or dict (by output name) of those.
            loss_weights: scalar factors of the per-output losses (list or dict).
            metrics: list of metric names (``"accuracy"``/``"acc"`` pick binary, categorical or
                sparse categorical accuracy from the shapes of y_true and y_pred), ``Metric``s
                or functions; per output as a list of lists or a dict.
            weighted_metrics: metrics that ``sample_weight``/``class_weight`` weight.
            run_eagerly, steps_per_execution, jit_compile, auto_scale_loss: accepted for Keras
                compatibility; ember always runs eagerly, one batch per step.
        """
        opt = optimizers_module.get(optimizer)
        if int(steps_per_execution) < 1:
            raise ValueError(f"steps_per_execution must be >= 1, got {steps_per_execution}")
        _put(
            self,
            optimizer=opt,
            loss=loss,
            _compile_loss=CompiledLoss(loss, loss_weights) if loss is not None else None,
            _compile_metrics=CompiledMetrics(metrics, weighted_metrics, loss)
            if metrics or weighted_metrics else None,
            _loss_tracker=metrics_module.Mean(name="loss"),
            run_eagerly=bool(run_eagerly),
            jit_compile=False if jit_compile == "auto" else bool(jit_compile),
            steps_per_execution=int(steps_per_execution),
            stop_training=False,
            compiled=True,
            _step_cache=None,
            _compile_config={
                "optimizer": optimizer, "loss": loss, "loss_weights": loss_weights,
                "metrics": metrics, "weighted_metrics": weighted_metrics,
                "run_eagerly": run_eagerly, "steps_per_execution": steps_per_execution,
                "jit_compile": jit_compile,
            },
        )

    def get_compile_config(self) -> dict:
        """The ``compile`` arguments as JSON-friendly data (names stay names; objects are
        serialized), for ``compile_from_config`` when a saved model is loaded."""
        if not self.compiled or self._compile_config is None:
            return {}
        c = self._compile_config
        return {
            "optimizer": _serialize(c["optimizer"], optimizers_module.serialize),
            "loss": _serialize(c["loss"], losses_module.serialize),
            "loss_weights": c["loss_weights"],
            "metrics": _serialize(c["metrics"], metrics_module.serialize),
            "weighted_metrics": _serialize(c["weighted_metrics"], metrics_module.serialize),
            "run_eagerly": c["run_eagerly"],
            "steps_per_execution": c["steps_per_execution"],
            "jit_compile": c["jit_compile"],
        }

    def compile_from_config(self, config: dict) -> None:
        """``compile`` with what ``get_compile_config`` returned."""
        if not config:
            return
        config = dict(config)
        for key, get in (("optimizer", optimizers_module.get), ("loss", losses_module.get),
                         ("metrics", metrics_module.get),
                         ("weighted_metrics", metrics_module.get)):
            config[key] = _deserialize(config.get(key), get)
        if config["optimizer"] is None:
            config["optimizer"] = "rmsprop"
        self.compile(**config)
        weights = self.trainable_weights if getattr(self, "built", False) else []
        if weights and not getattr(self.optimizer, "built", False):
            self.optimizer.build(weights)

    def _assert_compiled(self, method: str) -> None:
        if not self.compiled:
            raise ValueError(
                f"You must call `compile()` before using the model ({type(self).__name__}."
                f"{method}): e.g. model.compile(optimizer='adam', loss='mse')"
            )

    # -- metrics ------------------------------------------------------------------------------

    def _flat_metrics(self) -> list:
        out = []
        if self._loss_tracker is not None:
            out.append(self._loss_tracker)
        if self._compile_metrics is not None:
            out.extend(self._compile_metrics.metrics())
        if self._compile_loss is not None:
            out.extend(self._compile_loss.trackers)
        return out

    @property
    def metrics(self) -> list:
        """The metric objects: the loss tracker, the compiled metrics (once built by the first
        batch), then one loss tracker per output for multi-output models."""
        return self._flat_metrics()

    @property
    def metrics_names(self) -> list[str]:
        """The log names, in the order ``evaluate`` returns their values (so
        ``dict(zip(model.metrics_names, model.evaluate(x, y)))`` pairs them up).

        Keras 3 lists ``['loss', 'compile_metrics']`` here (the name of its internal metrics
        container) and the per-output losses; ember lists every log name instead."""
        keys = ["loss"] if self._loss_tracker is not None else []
        if self._compile_metrics is not None:
            keys += self._compile_metrics.names
        if self._compile_loss is not None:
            keys += [m.name for m in self._compile_loss.trackers]
        return self._ordered_log_names(keys)

    def reset_metrics(self) -> None:
        for m in self._flat_metrics():
            m.reset_state()

    def get_metrics_result(self) -> dict:
        """The current value of every metric, by log name."""
        out = {}
        if self._loss_tracker is not None:
            out["loss"] = self._loss_tracker.result()
        if self._compile_metrics is not None:
            self._compile_metrics.results(out)
        if self._compile_loss is not None:
            for m in self._compile_loss.trackers:
                out[m.name] = m.result()
        return out

    def _get_metrics_result_or_logs(self, logs):
        """The metrics' values when the step returned the standard logs, else the step's own
        logs (a custom ``train_step`` may return anything)."""
        result = self.get_metrics_result()
        if isinstance(logs, dict) and set(logs) == set(result):
            return result
        return logs

    def _ordered_log_names(self, keys) -> list[str]:
        """Keras 3's order of ``evaluate``'s list: the keys that are metric names (the loss,
        each compiled metric's own name, each output's loss), then the other keys sorted. With
        several outputs the metric logs carry the output's prefix (``cls_accuracy``), so they
        come last, sorted: ``[loss, cls_loss, reg_loss, cls_accuracy, reg_mae]``. (Keras
        repeats a value when two metrics share a name; ember lists each key once.)"""
        names = ["loss"] if self._loss_tracker is not None else []
        if self._compile_metrics is not None:
            names += [m.name for m in self._compile_metrics.metrics()]
        if self._compile_loss is not None:
            names += [m.name for m in self._compile_loss.trackers]
        keys = set(keys)
        order = [n for n in dict.fromkeys(names) if n in keys]
        return order + sorted(keys.difference(order))

    def _flatten_metrics_in_order(self, logs: dict):
        values = [logs[k] for k in self._ordered_log_names(logs)]
        return values[0] if len(values) == 1 else values

    # -- the steps ----------------------------------------------------------------------------

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """The total loss: the compiled losses plus every penalty in ``self.losses``
        (regularizers, ``add_loss``), as a scalar Tensor."""
        total = None
        if self._compile_loss is not None:
            total = self._compile_loss(self, y, y_pred, sample_weight)
        for extra in self._extra_losses():
            if isinstance(extra, Tensor) and extra.dim() > 0:
                extra = extra.sum()
            total = extra if total is None else total + extra
        if total is None:
            raise ValueError("No loss to compute. Provide a `loss` argument in `compile()`.")
        if not isinstance(total, Tensor):
            total = ember.tensor(float(total))
        return total

    def _compute_loss(self, x, y, y_pred, sample_weight, training):
        """``compute_loss``, also when an override predates its ``training`` argument."""
        if _takes_training(type(self)):
            return self.compute_loss(x, y, y_pred, sample_weight, training=training)
        return self.compute_loss(x, y, y_pred, sample_weight)

    def _extra_losses(self) -> list:
        cache = self._step_cache
        if cache is None:
            return list(self.losses) if hasattr(self, "losses") else []
        if cache.regularized or any(layer._losses for layer in cache.layers):
            return list(self.losses)
        return []

    def compute_metrics(self, x, y, y_pred, sample_weight=None) -> dict:
        """Update the compiled metrics with this batch; return ``get_metrics_result()``."""
        if self._compile_metrics is not None:
            self._compile_metrics.update_state(self, y, y_pred, sample_weight)
        return self.get_metrics_result()

    def _trainable_for_step(self) -> list:
        cache = self._step_cache
        if cache is None:
            _put(self, _step_cache=_StepCache(self))
            cache = self._step_cache
        if cache.trainable is None:
            cache.trainable = list(self.trainable_weights)
            if cache.trainable and not getattr(self.optimizer, "built", False):
                self.optimizer.build(cache.trainable)
        return cache.trainable

    def train_step(self, data) -> dict:
        """One optimization step on a batch ``(x, y, sample_weight)``; returns the logs."""
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        y_pred = self(x, training=True)
        loss = self._compute_loss(x, y, y_pred, sample_weight, training=True)
        self._loss_tracker.update_state(float(loss.detach()), sample_weight=_batch_size(x))
        weights = self._trainable_for_step()
        if weights:
            for w in weights:
                w.grad = None
            loss.backward()
            self.optimizer.apply([w.grad for w in weights], weights)
        else:
            warnings.warn("The model does not have any trainable weights.", stacklevel=2)
        return self.compute_metrics(x, y, y_pred, sample_weight)

    def test_step(self, data) -> dict:
        """Loss and metrics on a batch ``(x, y, sample_weight)`` in inference mode."""
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        y_pred = self(x, training=False)
        loss = self._compute_loss(x, y, y_pred, sample_weight, training=False)
        self._loss_tracker.update_state(float(loss), sample_weight=_batch_size(x))
        return self.compute_metrics(x, y, y_pred, sample_weight)

    def predict_step(self, data):
        """The model's output on a batch, in inference mode."""
        x, _, _ = unpack_x_y_sample_weight(data)
        return self(x, training=False)

    # -- fit ----------------------------------------------------------------------------------

    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None,
            validation_split=0.0, validation_data=None, shuffle=True, class_weight=None,
            sample_weight=None, initial_epoch=0, steps_per_epoch=None, validation_steps=None,
            validation_batch_size=None, validation_freq=1):
        """Train for ``epochs`` epochs; returns the ``History`` (Keras 3's ``Model.fit``).

        Args:
            x, y: arrays/Tensors (lists or dicts of them for several inputs/outputs), or x
                alone as a DataLoader, Dataset or generator yielding ``(x, y)`` /
                ``(x, y, sample_weight)``.
            batch_size: samples per step for array data (default 32).
            epochs: train until this epoch index (counting from ``initial_epoch``).
            verbose: ``"auto"``/1 progress bar, 2 one line per epoch, 0 silent.
            callbacks: ``keras.callbacks.Callback`` instances.
            validation_split: the fraction of the array data (the last samples, before
                shuffling) held out for validation.
            validation_data: ``(x_val, y_val)``, ``(x_val, y_val, sample_weight)`` or a
                DataLoader/generator; overrides ``validation_split``.
            shuffle: reshuffle array data every epoch (ember's global generator).
            class_weight: ``{class index: weight}`` turned into per-sample loss weights.
            sample_weight: per-sample (or per-timestep) loss weights for array data.
            initial_epoch: the epoch to start from (for resuming).
            steps_per_epoch: batches per epoch (needed for endless generators).
            validation_steps, validation_batch_size, validation_freq: how much, in what batch
                size and how often (every n epochs, or a list of 1-based epochs) to validate.
        """
        self._assert_compiled("fit")
        device = _device_of(self)
        if validation_split and validation_data is None:
            (x, y, sample_weight), validation_data = train_validation_split(
                (x, y, sample_weight), validation_split)
        iterator = EpochIterator(
            get_adapter(x, y, sample_weight, batch_size, shuffle, class_weight, device, "fit"),
            steps_per_epoch)
        val_iterator = None
        if validation_data is not None:
            vx, vy, vsw = unpack_x_y_sample_weight(validation_data)
            val_iterator = EpochIterator(
                get_adapter(vx, vy, vsw, validation_batch_size or batch_size, False, None,
                            device, "fit (validation_data)"),
                validation_steps)
        modes = _Modes(self)
        self._prepare(iterator.adapter)
        if not isinstance(callbacks, callbacks_module.CallbackList):
            callbacks = callbacks_module.CallbackList(
                callbacks, add_history=True, add_progbar=verbose != 0, model=self,
                verbose=verbose, epochs=epochs, steps=iterator.num_batches)
        _put(self, stop_training=False, _fit_has_validation=val_iterator is not None)
        begin_hook = callbacks.wants("on_train_batch_begin")
        end_hook = callbacks.wants("on_train_batch_end")
        training_logs = {}
        try:
            callbacks.on_train_begin()
            first = self._initial_epoch if self._initial_epoch is not None else initial_epoch
            _put(self, _initial_epoch=None)
            for epoch in range(first, epochs):
                self.reset_metrics()
                callbacks.on_epoch_begin(epoch)
                modes.set(True)
                logs, steps = {}, 0
                for step, batch in enumerate(iterator.epoch()):
                    if begin_hook:
                        callbacks.on_train_batch_begin(step)
                    logs = self.train_step(batch)
                    steps += 1
                    if end_hook:
                        callbacks.on_train_batch_end(step, logs)
                    if self.stop_training:
                        break
                modes.set(False)
                if steps == 0:
                    if not iterator.ran_out:
                        warnings.warn(
                            "Your input ran out of data; interrupting training. Make sure that "
                            "your generator can generate at least `steps_per_epoch * epochs` "
                            "batches (or pass a re-iterable DataLoader).", stacklevel=2)
                    break
                epoch_logs = callbacks_module.pythonify_logs(
                    self._get_metrics_result_or_logs(logs))
                if val_iterator is not None and _should_eval(epoch, validation_freq):
                    val_logs = self.evaluate(callbacks=callbacks, return_dict=True,
                                             _iterator=val_iterator)
                    epoch_logs.update({f"val_{k}": v for k, v in val_logs.items()})
                    # Keras sorts the merged logs: history keys and the progress line read
                    # "... - loss: - val_accuracy: - val_loss: - weighted_accuracy:"
                    epoch_logs = dict(sorted(epoch_logs.items()))
                callbacks.on_epoch_end(epoch, epoch_logs)
                training_logs = epoch_logs
                if self.stop_training or iterator.ran_out:
                    break
        finally:
            modes.restore()
        callbacks.on_train_end(logs=training_logs)
        return self.history

    def _prepare(self, adapter) -> None:
        """Build what the steps need before the callbacks see the model (Keras's symbolic
        build): the layers and the compiled metrics (with one inference forward pass on the
        first batch when any of them is unbuilt), the optimizer's state, the per-step caches."""
        layers = self._layers_recursive() if hasattr(self, "_layers_recursive") else []
        # the compiled loss builds itself at the first step; the metrics must exist before,
        # for a custom train_step that iterates over self.metrics
        unbuilt = [c for c in (self._compile_metrics,) if c is not None and not c.built]
        if unbuilt or any(not layer.built for layer in layers):
            x, y, _ = unpack_x_y_sample_weight(adapter.peek())
            with ember.no_grad():
                y_pred = self(x, training=False)
            if y is not None:
                for compiled in unbuilt:
                    compiled.build(self, y, y_pred)
        _put(self, _step_cache=_StepCache(self))
        if self.optimizer is not None:
            self._trainable_for_step()

    # -- evaluate / predict -------------------------------------------------------------------

    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None,
                 steps=None, callbacks=None, return_dict=False, **kwargs):
        """Loss and metrics on data, in inference mode (Keras 3's ``Model.evaluate``).

        Returns the loss alone when there are no metrics, else ``[loss, *metrics]`` in
        ``metrics_names`` order, or a dict with ``return_dict=True``.
        """
        iterator = kwargs.pop("_iterator", None)
        if kwargs:
            raise ValueError(f"evaluate(): arguments not recognized: {sorted(kwargs)}")
        self._assert_compiled("evaluate")
        modes = _Modes(self)
        if iterator is None:
            iterator = EpochIterator(
                get_adapter(x, y, sample_weight, batch_size, False, None, _device_of(self),
                            "evaluate"), steps)
            self._prepare(iterator.adapter)
        if not isinstance(callbacks, callbacks_module.CallbackList):
            callbacks = callbacks_module.CallbackList(
                callbacks, add_progbar=verbose != 0, model=self, verbose=verbose, epochs=1,
                steps=iterator.num_batches)
        begin_hook = callbacks.wants("on_test_batch_begin")
        end_hook = callbacks.wants("on_test_batch_end")
        _put(self, stop_evaluating=False)
        logs, steps = {}, 0
        try:
            modes.set(False)
            callbacks.on_test_begin()
            self.reset_metrics()
            with ember.no_grad():
                for step, batch in enumerate(iterator.epoch()):
                    if begin_hook:
                        callbacks.on_test_batch_begin(step)
                    logs = self.test_step(batch)
                    steps += 1
                    if end_hook:
                        callbacks.on_test_batch_end(step, logs)
                    if self.stop_evaluating:
                        break
        finally:
            modes.restore()
        if steps == 0:
            raise ValueError(
                "evaluate(): the input yielded no batches. A generator can be used up only "
                "once: for validation at every epoch pass a DataLoader or another re-iterable, "
                "or set validation_steps"
            )
        logs = callbacks_module.pythonify_logs(self._get_metrics_result_or_logs(logs))
        callbacks.on_test_end(logs)
        return logs if return_dict else self._flatten_metrics_in_order(logs)

    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        """The model's outputs on ``x`` as NumPy arrays (batched, no gradients, inference mode;
        a list or dict of arrays for several outputs)."""
        adapter = get_adapter(x, None, None, batch_size, False, None, _device_of(self), "predict")
        iterator = EpochIterator(adapter, steps)
        if not isinstance(callbacks, callbacks_module.CallbackList):
            callbacks = callbacks_module.CallbackList(
                callbacks, add_progbar=verbose != 0, model=self, verbose=verbose, epochs=1,
                steps=iterator.num_batches)
        begin_hook = callbacks.wants("on_predict_batch_begin")
        end_hook = callbacks.wants("on_predict_batch_end")
        modes = _Modes(self)
        _put(self, stop_predicting=False)
        struct, parts = None, []
        try:
            modes.set(False)
            callbacks.on_predict_begin()
            with ember.no_grad():
                for step, batch in enumerate(iterator.epoch()):
                    if begin_hook:
                        callbacks.on_predict_batch_begin(step)
                    out = self.predict_step(batch)
                    if struct is None:
                        struct = out
                    parts.append([host(t) for t in flatten(out)])
                    if end_hook:
                        callbacks.on_predict_batch_end(step, {"outputs": out})
                    if self.stop_predicting:
                        break
        finally:
            modes.restore()
        callbacks.on_predict_end()
        if not parts:
            raise ValueError("predict(): the input yielded no batches; nothing to predict")
        arrays = [np.concatenate(column, axis=0) for column in zip(*parts)]
        return pack(struct, arrays)

    # -- single batches -----------------------------------------------------------------------

    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None,
                       return_dict=False):
        """One training step on one batch; returns the loss (and metrics) of that batch."""
        self._assert_compiled("train_on_batch")
        if class_weight is not None:
            if sample_weight is not None:
                raise ValueError("train_on_batch(): pass either sample_weight or class_weight, "
                                 "not both")
            sample_weight = class_weight_to_sample_weights(
                host(flatten(y)[0]) if y is not None else None, class_weight)
        data = _as_batch((x, y, sample_weight), _device_of(self))
        _put(self, _step_cache=_StepCache(self))
        self.reset_metrics()
        modes = _Modes(self)
        try:
            modes.set(True)
            logs = self.train_step(data)
        finally:
            modes.restore()
        logs = callbacks_module.pythonify_logs(logs)
        return logs if return_dict else self._flatten_metrics_in_order(logs)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        """Loss (and metrics) on one batch in inference mode."""
        self._assert_compiled("test_on_batch")
        data = _as_batch((x, y, sample_weight), _device_of(self))
        _put(self, _step_cache=_StepCache(self))
        self.reset_metrics()
        modes = _Modes(self)
        try:
            modes.set(False)
            with ember.no_grad():
                logs = self.test_step(data)
        finally:
            modes.restore()
        logs = callbacks_module.pythonify_logs(logs)
        return logs if return_dict else self._flatten_metrics_in_order(logs)

    def predict_on_batch(self, x):
        """The model's outputs on one batch, as NumPy arrays."""
        data = _as_batch((x, None, None), _device_of(self))
        modes = _Modes(self)
        try:
            modes.set(False)
            with ember.no_grad():
                out = self.predict_step(data)
        finally:
            modes.restore()
        return pack(out, [np.array(host(t)) for t in flatten(out)])


_TAKES_TRAINING: dict[type, bool] = {}


def _takes_training(cls) -> bool:
    """Whether ``cls.compute_loss`` accepts ``training`` (Keras added it in 3.3)."""
    flag = _TAKES_TRAINING.get(cls)
    if flag is None:
        params = inspect.signature(cls.compute_loss).parameters
        flag = "training" in params or any(p.kind is p.VAR_KEYWORD for p in params.values())
        _TAKES_TRAINING[cls] = flag
    return flag


# -- helpers ----------------------------------------------------------------------------------

class _Modes:
    """Switches every sub-module's ``training`` flag, and puts the original flags back."""

    def __init__(self, model):
        self._model = model
        self._saved = [(m, m.training) for m in model.modules()]
        self._modules = None  # listed at the first switch: building may add modules

    def set(self, mode: bool) -> None:
        if self._modules is None:
            self._modules = list(self._model.modules())
        for m in self._modules:
            m.__dict__["training"] = mode

    def restore(self) -> None:
        for m, mode in self._saved:
            m.__dict__["training"] = mode


def _batch_size(x) -> int:
    if isinstance(x, Tensor):
        return x.shape[0]
    for leaf in flatten(x):
        if leaf is not None:
            return int(leaf.shape[0])
    return 0


def _device_of(model):
    for p in model.parameters() if hasattr(model, "parameters") else ():
        return p.device
    return None


def _as_batch(data, device):
    """``(x, y, sample_weight)`` of one batch as Tensors (arrays converted once)."""
    from .data_adapter import _batch_to_tensors

    return _batch_to_tensors(data, None if device is None or device.type == "cpu" else device)


def _should_eval(epoch: int, freq) -> bool:
    if isinstance(freq, int):
        return (epoch + 1) % freq == 0
    if isinstance(freq, (list, tuple, set)):
        return epoch + 1 in freq
    raise ValueError(f"Expected `validation_freq` to be an int or a list of epochs, got {freq!r}")


def _serialize(value, serialize_one):
    """Strings and numbers as they are; objects through ``serialize_one``; lists/dicts mapped."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (list, tuple)):
        return [_serialize(v, serialize_one) for v in value]
    if isinstance(value, dict) and "class_name" not in value:
        return {k: _serialize(v, serialize_one) for k, v in value.items()}
    return serialize_one(value)


def _deserialize(value, get_one):
    if value is None or isinstance(value, (str, int, float)):
        return value  # names are resolved by compile (e.g. "accuracy" from the shapes)
    if isinstance(value, list):
        return [_deserialize(v, get_one) for v in value]
    if isinstance(value, dict) and "class_name" not in value:
        return {k: _deserialize(v, get_one) for k, v in value.items()}
    return get_one(value)
