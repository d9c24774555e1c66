"""The callback protocol: ``Callback``, ``CallbackList`` and the two callbacks ``fit`` adds
itself, ``History`` and ``ProgbarLogger`` (plus ``LambdaCallback`` for plain functions)."""

from __future__ import annotations

from ..progbar import Progbar, dynamic_display

__all__ = ["Callback", "CallbackList", "History", "ProgbarLogger", "LambdaCallback",
           "pythonify_logs"]


class Callback:
    """Base class: every hook does nothing; subclasses override the ones they need."""

    def __init__(self):
        self.params: dict = {}
        self._model = None

    def set_params(self, params) -> None:
        self.params = params

    def set_model(self, model) -> None:
        self._model = model

    @property
    def model(self):
        return self._model

    def on_batch_begin(self, batch, logs=None):
        """A training batch starts (the older name of ``on_train_batch_begin``)."""

    def on_batch_end(self, batch, logs=None):
        """A training batch ended (the older name of ``on_train_batch_end``)."""

    def on_epoch_begin(self, epoch, logs=None):
        """Epoch ``epoch`` (0-based) starts."""

    def on_epoch_end(self, epoch, logs=None):
        """Epoch ``epoch`` ended; ``logs`` has its metrics and the ``val_`` ones."""

    def on_train_batch_begin(self, batch, logs=None):
        self.on_batch_begin(batch, logs=logs)

    def on_train_batch_end(self, batch, logs=None):
        self.on_batch_end(batch, logs=logs)

    def on_test_batch_begin(self, batch, logs=None):
        """A batch of ``evaluate`` (or of validation inside ``fit``) starts."""

    def on_test_batch_end(self, batch, logs=None):
        """A batch of ``evaluate`` ended; ``logs`` has the running metrics."""

    def on_predict_batch_begin(self, batch, logs=None):
        """A batch of ``predict`` starts."""

    def on_predict_batch_end(self, batch, logs=None):
        """A batch of ``predict`` ended; ``logs["outputs"]`` holds its predictions."""

    def on_train_begin(self, logs=None):
        """``fit`` starts."""

    def on_train_end(self, logs=None):
        """``fit`` ended; ``logs`` are the last epoch's."""

    def on_test_begin(self, logs=None):
        """``evaluate`` (or a validation pass) starts."""

    def on_test_end(self, logs=None):
        """``evaluate`` ended; ``logs`` has the final metrics."""

    def on_predict_begin(self, logs=None):
        """``predict`` starts."""

    def on_predict_end(self, logs=None):
        """``predict`` ended."""


def _overrides(callback, *names) -> bool:
    """Whether ``callback`` overrides any of the hooks ``names`` (so it must be called)."""
    return any(n in vars(callback) or getattr(type(callback), n) is not getattr(Callback, n)
               for n in names)


def pythonify_logs(logs) -> dict:
    """Logs with sorted keys and Python floats (nested dicts are merged in), as Keras 3."""
    out = {}
    for key, value in sorted((logs or {}).items()):
        if isinstance(value, dict):
            out.update(pythonify_logs(value))
            continue
        try:
            value = float(value)
        except (TypeError, ValueError):
            pass
        out[key] = value
    return out


class CallbackList(Callback):
    """Calls a list of callbacks together; adds ``History`` and ``ProgbarLogger`` when asked.

    Batch hooks only reach the callbacks that override them, so a run without batch-level
    callbacks pays nothing per step for them.
    """

    def __init__(self, callbacks=None, add_history=False, add_progbar=False, model=None,
                 **params):
        super().__init__()
        self.callbacks = _flatten_callbacks(callbacks)
        self._history = next((c for c in self.callbacks if isinstance(c, History)), None)
        self._progbar = next((c for c in self.callbacks if isinstance(c, ProgbarLogger)), None)
        if self._history is None and add_history:
            self._history = History()
            self.callbacks.append(self._history)
        if self._progbar is None and add_progbar:
            self._progbar = ProgbarLogger()
            self.callbacks.append(self._progbar)
        self._find_batch_hooks()
        if model is not None:
            self.set_model(model)
        if params:
            self.set_params(params)

    def _find_batch_hooks(self) -> None:
        self._batch_hooks = {
            name: [c for c in self.callbacks if _overrides(c, *names)
                   and not getattr(c, "_skip_batch_hooks", False)]
            for name, names in _BATCH_HOOKS.items()
        }

    def set_params(self, params) -> None:
        self.params = params
        for c in self.callbacks:
            c.set_params(params)
        self._find_batch_hooks()  # a ProgbarLogger may not need them with these params

    def set_model(self, model) -> None:
        super().set_model(model)
        if self._history is not None:
            model.history = self._history
        for c in self.callbacks:
            c.set_model(model)

    def wants(self, hook: str) -> bool:
        """Whether any callback listens to the batch hook ``hook``."""
        return bool(self._batch_hooks[hook])

    def _call(self, hook, *args):
        for c in self.callbacks:
            getattr(c, hook)(*args)

    def _call_batch(self, hook, batch, logs, convert=True):
        targets = self._batch_hooks[hook]
        if not targets:
            return
        logs = pythonify_logs(logs) if convert else (logs or {})
        for c in targets:
            getattr(c, hook)(batch, logs)

    def on_train_begin(self, logs=None):
        self._call("on_train_begin", logs or {})

    def on_train_end(self, logs=None):
        self._call("on_train_end", logs or {})

    def on_test_begin(self, logs=None):
        self._call("on_test_begin", logs or {})

    def on_test_end(self, logs=None):
        self._call("on_test_end", logs or {})

    def on_predict_begin(self, logs=None):
        self._call("on_predict_begin", logs or {})

    def on_predict_end(self, logs=None):
        self._call("on_predict_end", logs or {})

    def on_epoch_begin(self, epoch, logs=None):
        self._call("on_epoch_begin", epoch, logs or {})

    def on_epoch_end(self, epoch, logs=None):
        self._call("on_epoch_end", epoch, logs if logs is not None else {})

    def on_batch_begin(self, batch, logs=None):
        self.on_train_batch_begin(batch, logs)

    def on_batch_end(self, batch, logs=None):
        self.on_train_batch_end(batch, logs)

    def on_train_batch_begin(self, batch, logs=None):
        self._call_batch("on_train_batch_begin", batch, logs, convert=False)

    def on_train_batch_end(self, batch, logs=None):
        self._call_batch("on_train_batch_end", batch, logs)

    def on_test_batch_begin(self, batch, logs=None):
        self._call_batch("on_test_batch_begin", batch, logs, convert=False)

    def on_test_batch_end(self, batch, logs=None):
        self._call_batch("on_test_batch_end", batch, logs)

    def on_predict_batch_begin(self, batch, logs=None):
        self._call_batch("on_predict_batch_begin", batch, logs, convert=False)

    def on_predict_batch_end(self, batch, logs=None):
        self._call_batch("on_predict_batch_end", batch, logs, convert=False)

    def __iter__(self):
        return iter(self.callbacks)


_BATCH_HOOKS = {  # a batch hook -> the methods whose override makes a callback listen to it
    "on_train_batch_begin": ("on_train_batch_begin", "on_batch_begin"),
    "on_train_batch_end": ("on_train_batch_end", "on_batch_end"),
    "on_test_batch_begin": ("on_test_batch_begin",),
    "on_test_batch_end": ("on_test_batch_end",),
    "on_predict_batch_begin": ("on_predict_batch_begin",),
    "on_predict_batch_end": ("on_predict_batch_end",),
}


def _flatten_callbacks(callbacks) -> list:
    if callbacks is None:
        return []
    if isinstance(callbacks, Callback):
        return [callbacks]
    out = []
    for c in callbacks:
        if isinstance(c, (list, tuple)):
            out.extend(_flatten_callbacks(c))
        elif isinstance(c, Callback):
            out.append(c)
        else:
            raise TypeError(
                f"callbacks: expected keras.callbacks.Callback instances, got "
                f"{type(c).__name__}; subclass keras.callbacks.Callback (or use LambdaCallback)"
            )
    return out


class History(Callback):
    """Records the logs of every epoch: ``history[name]`` is a list, ``epoch`` the epochs run.

    ``fit`` adds one and returns it (also as ``model.history``).
    """

    def __init__(self):
        super().__init__()
        self.history: dict[str, list] = {}
        self.epoch: list[int] = []

    def on_train_begin(self, logs=None):
        self.epoch = []

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)
        if self.model is not None:
            self.model.history = self


class ProgbarLogger(Callback):
    """Prints Keras's progress display (see ``keras.progbar``); ``fit`` adds it unless
    ``verbose=0``. ``"Epoch 3/10"`` precedes each epoch when there is more than one; the
    validation pass inside ``fit`` is silent, its ``val_`` metrics end the epoch's line."""

    def __init__(self):
        super().__init__()
        self.verbose = 1
        self.epochs = 1
        self.target = None
        self.progbar = None
        self.seen = 0
        self._called_in_fit = False

    def set_params(self, params) -> None:
        verbose = params.get("verbose", 1)
        self.verbose = 1 if verbose == "auto" else verbose
        self.epochs = params.get("epochs", 1)
        self.target = params.get("steps")
        # Only a bar redrawn in place needs every batch; a known number of steps printed once
        # at the end does not, so the steps skip this callback entirely (no per-step cost).
        self._skip_batch_hooks = self.target is not None and not (
            self.verbose == 1 and dynamic_display())

    def on_train_begin(self, logs=None):
        self._called_in_fit = True

    def on_test_begin(self, logs=None):
        if not self._called_in_fit:
            self._start()

    def on_predict_begin(self, logs=None):
        self._start()

    def on_epoch_begin(self, epoch, logs=None):
        self._start()
        if self.verbose and self.epochs > 1:
            print(f"Epoch {epoch + 1}/{self.epochs}", flush=True)

    def on_train_batch_end(self, batch, logs=None):
        self._update(batch, logs)

    def on_test_batch_end(self, batch, logs=None):
        if not self._called_in_fit:
            self._update(batch, logs)

    def on_predict_batch_end(self, batch, logs=None):
        self._update(batch, None)

    def on_epoch_end(self, epoch, logs=None):
        self._finish(logs)

    def on_test_end(self, logs=None):
        if not self._called_in_fit:
            self._finish(logs)

    def on_predict_end(self, logs=None):
        self._finish(None)

    def _start(self):
        self.seen = 0
        self.progbar = Progbar(self.target, verbose=self.verbose, unit_name="step")

    def _update(self, batch, logs):
        if self.progbar is None:
            self._start()
        self.seen = batch + 1
        if self.verbose == 1:
            logs = logs or {}
            self.progbar.stateful_metrics.update(logs)
            self.progbar.update(self.seen, list(logs.items()), finalize=False)

    def _finish(self, logs):
        if self.progbar is None:
            self._start()
        logs = logs or {}
        if self.target is None:  # an input of unknown length: the epoch told us its size
            self.target = self.seen
            self.progbar.target = self.seen
        self.progbar.stateful_metrics.update(logs)
        self.progbar.update(self.progbar.target or self.seen, list(logs.items()), finalize=True)


class LambdaCallback(Callback):
    """A callback from plain functions: ``LambdaCallback(on_epoch_end=lambda epoch, logs: ...)``.

    Accepts any hook name as a keyword (``on_epoch_begin``, ``on_train_batch_end``, ...).
    """

    def __init__(self, **hooks):
        super().__init__()
        for name, fn in hooks.items():
            if not name.startswith("on_") or not hasattr(Callback, name):
                raise ValueError(f"LambdaCallback: unknown hook {name!r}")
            if fn is not None:
                setattr(self, name, fn)
