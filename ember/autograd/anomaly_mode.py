"""``detect_anomaly``: name the op whose backward produced NaN, and where it was created."""

from __future__ import annotations

from .grad_mode import state


class detect_anomaly:
    """Inside this block, a backward that returns NaN raises an error naming the op and the
    forward line that created it (recording that line costs time: use it to debug).

    >>> import ember
    >>> x = ember.tensor([0.0], requires_grad=True)
    >>> with ember.autograd.detect_anomaly():
    ...     y = ember.sqrt(x) * 0
    ...     y.sum().backward()
    Traceback (most recent call last):
    RuntimeError: Function 'SqrtBackward0' returned nan values in its 0th output...
    """

    def __init__(self, check_nan: bool = True):
        self.check_nan = check_nan

    def __enter__(self):
        self._prev = state.anomaly
        state.anomaly = self.check_nan
        return self

    def __exit__(self, *exc):
        state.anomaly = self._prev
        return False

    def __call__(self, fn):
        import functools

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with detect_anomaly(self.check_nan):
                return fn(*args, **kwargs)

        return wrapper


class set_detect_anomaly(detect_anomaly):
    """Switch anomaly detection on or off: as a call or a context manager."""

    def __init__(self, mode: bool, check_nan: bool = True):
        self._prev = state.anomaly
        state.anomaly = bool(mode) and check_nan

    def __enter__(self):
        return self


def is_anomaly_enabled() -> bool:
    return state.anomaly
