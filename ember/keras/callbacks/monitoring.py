"""Callbacks that watch a logged value: ``EarlyStopping``, ``ModelCheckpoint``,
``ReduceLROnPlateau``, and ``LearningRateScheduler``, which sets the rate by epoch."""

from __future__ import annotations

import math
import os
import warnings

import numpy as np

from .callback import Callback

__all__ = ["EarlyStopping", "ModelCheckpoint", "LearningRateScheduler", "ReduceLROnPlateau"]


# -- monitoring a metric ----------------------------------------------------------------------

_HIGHER_IS_BETTER = ("acc", "auc", "precision", "recall", "f1", "fbeta", "iou", "top_k")


class _Monitor(Callback):
    """Shared by the callbacks that watch one logged value (``monitor``) for improvement."""

    def __init__(self, monitor, mode, min_delta=0.0, baseline=None):
        super().__init__()
        if mode not in ("auto", "min", "max"):
            warnings.warn(f"{type(self).__name__} mode {mode!r} is unknown, fallback to auto mode.",
                          stacklevel=3)
            mode = "auto"
        self.monitor = monitor
        self.mode = mode
        self.min_delta = abs(min_delta)
        self.baseline = baseline
        self.monitor_op = None
        self.best = None

    def _direction(self) -> str:
        """Minimize ("min") or maximize ("max"): the mode given, else from the metric (Keras's
        rule: losses go down, a metric's ``_direction`` says; then by name, accuracy-like up)."""
        if self.mode != "auto":
            return self.mode
        name = self.monitor.removeprefix("val_")
        if name == "loss" or name.endswith("_loss"):
            return "min"
        for metric in _model_metrics(self.model):
            if getattr(metric, "name", None) == name and hasattr(metric, "_direction"):
                return "max" if metric._direction == "up" else "min"
        if any(key in name for key in _HIGHER_IS_BETTER):
            return "max"
        if any(key in name for key in ("error", "mse", "mae", "crossentropy", "hinge", "kl")):
            return "min"
        raise ValueError(
            f"{type(self).__name__} callback received monitor={self.monitor!r} but cannot tell "
            "whether that metric should be maximized or minimized. Pass mode='max' to act on "
            "the highest value or mode='min' for the lowest."
        )

    def _set_monitor_op(self):
        if self._direction() == "min":
            self.monitor_op = np.less
            self.best = math.inf
        else:
            self.monitor_op = np.greater
            self.best = -math.inf

    def _is_improvement(self, value, reference) -> bool:
        if self.monitor_op is np.less:
            return bool(value + self.min_delta < reference)
        return bool(value - self.min_delta > reference)

    def _monitored(self, logs):
        value = (logs or {}).get(self.monitor)
        if value is None:
            warnings.warn(
                f"{type(self).__name__} is conditioned on metric `{self.monitor}` which is not "
                f"available. Available metrics are: {','.join(logs or {})}",
                stacklevel=3,
            )
        return value


def _model_metrics(model) -> list:
    """The flat list of metric objects of a compiled model (empty when there are none)."""
    flat = getattr(model, "_flat_metrics", None)
    if callable(flat):
        return flat()
    return list(getattr(model, "metrics", None) or [])


class EarlyStopping(_Monitor):
    """Stop training when ``monitor`` has stopped improving (Keras's ``EarlyStopping``).

    An epoch improves when the value beats the best by more than ``min_delta``; after
    ``patience`` epochs without improvement ``model.stop_training`` is set. With ``baseline``,
    the wait restarts only for values that also beat it. ``restore_best_weights`` puts back the
    weights of the best epoch at the end of training. ``start_from_epoch`` epochs of warm-up are
    not monitored.
    """

    def __init__(self, monitor="val_loss", min_delta=0, patience=0, verbose=0, mode="auto",
                 baseline=None, restore_best_weights=False, start_from_epoch=0):
        super().__init__(monitor, mode, min_delta, baseline)
        self.patience = patience
        self.verbose = verbose
        self.restore_best_weights = restore_best_weights
        self.start_from_epoch = start_from_epoch
        self.wait = 0
        self.stopped_epoch = 0
        self.best_weights = None
        self.best_epoch = 0

    def on_train_begin(self, logs=None):
        self.wait = 0
        self.stopped_epoch = 0
        self.best_weights = None
        self.best_epoch = 0
        self.monitor_op = None

    def on_epoch_end(self, epoch, logs=None):
        if self.monitor_op is None:
            self._set_monitor_op()
        current = self._monitored(logs)
        if current is None or epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights = self.model.get_weights()
            self.best_epoch = epoch
        self.wait += 1
        if self._is_improvement(current, self.best):
            self.best = current
            self.best_epoch = epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            if self.baseline is None or self._is_improvement(current, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0 and self.verbose > 0:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                print(f"Restoring model weights from the end of the best epoch: "
                      f"{self.best_epoch + 1}.")
            self.model.set_weights(self.best_weights)


class ModelCheckpoint(_Monitor):
    """Save the model (or its weights) during training (Keras's ``ModelCheckpoint``).

    ``filepath`` may hold ``str.format`` fields filled from the epoch (1-based) and the logs:
    ``"ckpt-{epoch:02d}-{val_loss:.2f}.keras"``. It must end in ``.keras`` (``model.save``), or
    with ``save_weights_only=True`` in ``.weights.h5`` / ``.weights.safetensors``
    (``model.save_weights``; ember writes its safetensors format under either name).
    ``save_best_only`` saves only when ``monitor`` improves on the best so far (which starts at
    ``initial_value_threshold`` when given). ``save_freq`` is ``"epoch"`` or a number of batches.
    """

    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False,
                 save_weights_only=False, mode="auto", save_freq="epoch",
                 initial_value_threshold=None):
        super().__init__(monitor, mode)
        self.filepath = os.fspath(filepath)
        self.verbose = verbose
        self.save_best_only = save_best_only
        self.save_weights_only = save_weights_only
        self.save_freq = save_freq
        self.initial_value_threshold = initial_value_threshold
        self._batches_since_save = 0
        self._current_epoch = 0
        if save_freq != "epoch" and not (isinstance(save_freq, int) and save_freq > 0):
            raise ValueError(
                f"ModelCheckpoint: unrecognized save_freq={save_freq!r}; expected 'epoch' or a "
                "positive number of batches"
            )
        if save_weights_only:
            if not self.filepath.endswith((".weights.h5", ".weights.safetensors")):
                raise ValueError(
                    "ModelCheckpoint: with save_weights_only=True the filepath must end in "
                    f"'.weights.h5' or '.weights.safetensors'; got filepath={self.filepath!r}"
                )
        elif not self.filepath.endswith(".keras"):
            raise ValueError(
                "ModelCheckpoint: the filepath must end in '.keras' (the Keras model format), "
                f"or pass save_weights_only=True for a '.weights.h5' file; got "
                f"filepath={self.filepath!r}"
            )

    def on_train_begin(self, logs=None):
        self.monitor_op = None

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.save_freq == "epoch":
            return
        self._batches_since_save += 1
        if self._batches_since_save >= self.save_freq:
            self._batches_since_save = 0
            self._save(self._current_epoch, batch, logs)

    def on_epoch_end(self, epoch, logs=None):
        if self.save_freq == "epoch":
            self._save(epoch, None, logs)

    def _save(self, epoch, batch, logs):
        if self.monitor_op is None:
            self._set_monitor_op()
            if self.initial_value_threshold is not None:
                self.best = self.initial_value_threshold
        logs = logs or {}
        fields = {"epoch": epoch + 1, **logs}
        if batch is not None:
            fields.setdefault("batch", batch + 1)
        try:
            path = self.filepath.format(**fields)
        except KeyError as e:
            raise KeyError(
                f'ModelCheckpoint: failed to format the filepath "{self.filepath}": {e} is not '
                f"in the logs (available: {', '.join(fields)})"
            ) from None
        if not self._should_save(epoch, logs, path):
            return
        folder = os.path.dirname(path)
        if folder:
            os.makedirs(folder, exist_ok=True)
        if os.path.isdir(path):
            raise IsADirectoryError(
                f"ModelCheckpoint: the filepath {path!r} is an existing directory; give a file name"
            )
        if self.save_weights_only:
            self.model.save_weights(path, overwrite=True)
        else:
            self.model.save(path, overwrite=True)
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: finished saving model to {path}")

    def _should_save(self, epoch, logs, path) -> bool:
        if not self.save_best_only:
            if self.verbose > 0:
                print(f"\nEpoch {epoch + 1}: saving model to {path}")
            return True
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(f"Can save best model only with {self.monitor} available.",
                          stacklevel=4)
            return True
        # Keras 3.15 starts from best=None (or initial_value_threshold) and prints "None"
        previous = "None" if math.isinf(self.best) else f"{self.best:.5f}"
        if self._is_improvement(current, self.best):
            if self.verbose > 0:
                print(f"\nEpoch {epoch + 1}: {self.monitor} improved from {previous} to "
                      f"{current:.5f}, saving model to {path}")
            self.best = current
            return True
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: {self.monitor} did not improve from {previous}")
        return False


def _current_lr(optimizer) -> float:
    """The optimizer's learning rate now (a schedule is evaluated at ``iterations``)."""
    if optimizer is None:
        raise ValueError("this callback needs a compiled model with an optimizer")
    lr = optimizer.learning_rate
    if callable(lr):
        lr = lr(optimizer.iterations)
    return float(np.asarray(lr.numpy() if hasattr(lr, "numpy") else lr))


class LearningRateScheduler(Callback):
    """Set the learning rate at the start of each epoch to ``schedule(epoch, lr)``.

    ``epoch`` is 0-based and ``lr`` the current rate; a one-argument ``schedule(epoch)`` works
    too. The rate is logged as ``"learning_rate"``.

    >>> sched = LearningRateScheduler(lambda epoch, lr: lr if epoch < 2 else lr * 0.5)
    """

    def __init__(self, schedule, verbose=0):
        super().__init__()
        self.schedule = schedule
        self.verbose = verbose

    def on_epoch_begin(self, epoch, logs=None):
        optimizer = self.model.optimizer
        try:
            lr = self.schedule(epoch, _current_lr(optimizer))
        except TypeError:  # the older schedule(epoch) signature
            lr = self.schedule(epoch)
        if hasattr(lr, "numpy"):
            lr = lr.numpy()
        if not isinstance(lr, (float, int, np.floating, np.integer)) or isinstance(lr, bool):
            raise ValueError(
                f"LearningRateScheduler: the output of the `schedule` function should be a "
                f"float. Got: {lr!r}"
            )
        optimizer.learning_rate = float(lr)
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: LearningRateScheduler setting learning rate to "
                  f"{float(lr)}.")

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["learning_rate"] = _current_lr(self.model.optimizer)


class ReduceLROnPlateau(_Monitor):
    """Multiply the learning rate by ``factor`` when ``monitor`` stops improving.

    After ``patience`` epochs without an improvement larger than ``min_delta`` the rate becomes
    ``max(lr * factor, min_lr)``; then ``cooldown`` epochs pass before counting again. The rate
    is logged as ``"learning_rate"``.
    """

    def __init__(self, monitor="val_loss", factor=0.1, patience=10, verbose=0, mode="auto",
                 min_delta=1e-4, cooldown=0, min_lr=0.0):
        super().__init__(monitor, mode, min_delta)
        if factor >= 1.0:
            raise ValueError(
                f"ReduceLROnPlateau does not support a factor >= 1.0. Got factor={factor}"
            )
        self.factor = factor
        self.patience = patience
        self.verbose = verbose
        self.cooldown = cooldown
        self.min_lr = min_lr
        self.wait = 0
        self.cooldown_counter = 0

    def on_train_begin(self, logs=None):
        self.monitor_op = None
        self.wait = 0
        self.cooldown_counter = 0

    def on_epoch_end(self, epoch, logs=None):
        if self.monitor_op is None:
            self._set_monitor_op()
        optimizer = self.model.optimizer
        if logs is not None:
            logs["learning_rate"] = _current_lr(optimizer)
        current = self._monitored(logs)
        if current is None:
            return
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.wait = 0
        if self._is_improvement(current, self.best):
            self.best = current
            self.wait = 0
            return
        if self.cooldown_counter > 0:
            return
        self.wait += 1
        if self.wait < self.patience:
            return
        old_lr = _current_lr(optimizer)
        if old_lr > np.float32(self.min_lr):
            new_lr = max(old_lr * self.factor, self.min_lr)
            optimizer.learning_rate = new_lr
            if self.verbose > 0:
                print(f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing learning rate to "
                      f"{new_lr}.")
            self.cooldown_counter = self.cooldown
            self.wait = 0
