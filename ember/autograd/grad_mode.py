"""Grad modes: ``no_grad``, ``enable_grad``, ``set_grad_enabled``, ``inference_mode``.

Each works as a context manager and as a decorator. The switch is per thread, like PyTorch's.
"""

from __future__ import annotations

import functools
import threading


class _State(threading.local):
    enabled = True
    anomaly = False


state = _State()


def is_grad_enabled() -> bool:
    return state.enabled


class _GradMode:
    """Base for the grad-mode context managers; subclasses set ``_mode``."""

    _mode = True

    def __enter__(self):
        self._prev = state.enabled
        state.enabled = self._mode
        return self

    def __exit__(self, *exc):
        state.enabled = self._prev
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self._fresh():
                return fn(*args, **kwargs)

        return wrapper

    def _fresh(self):
        return type(self)()


class no_grad(_GradMode):
    """Don't record operations for autograd inside this block (evaluation, weight updates).

    >>> import ember
    >>> x = ember.ones(2, requires_grad=True)
    >>> with ember.no_grad():
    ...     y = x * 2
    >>> y.requires_grad
    False
    """

    _mode = False


class enable_grad(_GradMode):
    """Record operations again inside a ``no_grad`` block."""

    _mode = True


class inference_mode(_GradMode):
    """Like ``no_grad`` for inference (``inference_mode(False)`` leaves recording as it is)."""

    def __init__(self, mode: bool = True):
        self._enabled_inference = mode

    def __enter__(self):
        self._prev = state.enabled
        if self._enabled_inference:
            state.enabled = False
        return self

    def _fresh(self):
        return inference_mode(self._enabled_inference)


class set_grad_enabled(_GradMode):
    """Switch recording on or off: as a call, a context manager or a decorator."""

    def __init__(self, mode: bool):
        self._prev = state.enabled
        self._mode = bool(mode)
        state.enabled = self._mode

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        state.enabled = self._prev
        return False

    def __call__(self, fn):
        state.enabled = self._prev  # the decorator form must not change the mode now
        mode = self._mode

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            prev = state.enabled
            state.enabled = mode
            try:
                return fn(*args, **kwargs)
            finally:
                state.enabled = prev

        return wrapper


def is_inference_mode_enabled() -> bool:
    return not state.enabled
