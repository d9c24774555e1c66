"""``Progbar``: Keras 3's progress display (``keras.utils.Progbar``).

What a line looks like (``verbose=1``, at the end of an epoch)::

    1875/1875 ━━━━━━━━━━━━━━━━━━━━ 3s 1ms/step - accuracy: 0.7812 - loss: 0.6283

the step count, a bar of 20 ``━`` (done in green, the rest dim), the elapsed time (or, while
running, the estimated time left), the time per step (``s``/``ms``/``us``, the first step left
out of the estimate as Keras does) and the values, 4 decimals (``.4e`` below 1e-3).
``verbose=2`` prints only the last line of each run, without the bar::

    1875/1875 - 3s - 1ms/step - accuracy: 0.7812 - loss: 0.6283

On a terminal (or in Jupyter) the line is rewritten in place with ``\\r``, at most every
``interval`` seconds and always at the end. When the output is not a terminal (a log file, a
pipe, a captured test), ``verbose=1`` prints one plain line (no colour codes) at the end, so
logs don't fill with half-finished bars — Keras 3 instead writes the in-place updates there too.

Values named in ``stateful_metrics`` are shown as given; others are averaged over the steps
seen, weighted by the number of steps each update covers, and the closing line shows the values
passed with it (Keras's rules). ``fit`` passes its metrics as stateful: they are already running
averages over the epoch (Keras 3 averages these averages again while the bar runs; the closing
line is the same either way).

>>> import io, contextlib
>>> out = io.StringIO()
>>> with contextlib.redirect_stdout(out):
...     bar = Progbar(target=3, verbose=2)
...     for step in range(1, 4):
...         bar.update(step, [("loss", 1.0 / step)])
>>> out.getvalue().split(" - ")[0], out.getvalue().split(" - ")[-1]
('3/3', 'loss: 0.3333\\n')
"""

from __future__ import annotations

import math
import os
import sys
import time

__all__ = ["Progbar", "dynamic_display"]

_BOLD, _GREEN, _DIM, _RESET = "\x1b[1m", "\x1b[32m", "\x1b[37m", "\x1b[0m"


def dynamic_display() -> bool:
    """Whether stdout can rewrite a line in place: a terminal, Jupyter or PyCharm."""
    stream = sys.stdout
    isatty = getattr(stream, "isatty", None)
    try:
        if isatty is not None and isatty():
            return True
    except ValueError:  # a closed stream
        return False
    return "ipykernel" in sys.modules or "PYCHARM_HOSTED" in os.environ


def format_time_per_unit(seconds: float, unit_name: str = "step") -> str:
    """``0.0123`` -> ``"12ms/step"``: whole seconds, milliseconds or microseconds (Keras)."""
    if seconds >= 1 or seconds == 0:
        return f"{seconds:.0f}s/{unit_name}"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.0f}ms/{unit_name}"
    return f"{seconds * 1e6:.0f}us/{unit_name}"


def format_eta(seconds: float) -> str:
    """Time left as ``"42s"``, ``"3:07"`` or ``"1:02:03"`` (Keras)."""
    if seconds > 3600:
        return f"{int(seconds // 3600)}:{int(seconds % 3600 // 60):02d}:{int(seconds % 60):02d}"
    if seconds > 60:
        return f"{int(seconds // 60)}:{int(seconds % 60):02d}"
    return f"{int(seconds)}s"


def format_value(value) -> str:
    """A metric value with 4 decimals, or in ``e`` notation when it is below 1e-3 in size."""
    try:
        value = float(value)
    except (TypeError, ValueError):
        return f"{value}"
    return f"{value:.4f}" if abs(value) > 1e-3 else f"{value:.4e}"


class Progbar:
    """A progress bar with running values (Keras 3's ``keras.utils.Progbar``).

    Args:
        target: total number of steps, or None when unknown (shown as ``/Unknown``).
        width: characters of the bar (20).
        verbose: 0 silent, 1 the bar, 2 one line at the end.
        interval: minimum seconds between two redraws (0.05).
        stateful_metrics: names whose values are shown as given instead of averaged.
        unit_name: the unit in ``ms/step``.
    """

    def __init__(self, target, width=20, verbose=1, interval=0.05, stateful_metrics=None,
                 unit_name="step"):
        self.target = target
        self.width = width
        self.verbose = verbose
        self.interval = interval
        self.unit_name = unit_name
        self.stateful_metrics = set(stateful_metrics or ())
        self._dynamic_display = dynamic_display()
        self._values: dict[str, list] = {}  # name -> [weighted sum, weight]
        self._values_order: list[str] = []
        self._seen_so_far = 0
        self._start = time.time()
        self._last_update = 0.0
        self._time_after_first_step = None
        self._prev_width = 0

    def update(self, current, values=None, finalize=None) -> None:
        """Record progress ``current`` (steps done) with ``values`` ``[(name, value), ...]``.

        ``finalize`` (default: ``current >= target``) prints the closing line.
        """
        if finalize is None:
            finalize = self.target is not None and current >= self.target
        for name, value in values or ():
            if name not in self._values_order:
                self._values_order.append(name)
            if name in self.stateful_metrics or finalize:
                self._values[name] = [value, 1]
                continue
            steps = max(current - self._seen_so_far, 1)
            total = self._values.get(name)
            if total is None:
                self._values[name] = [value * steps, steps]
            else:
                total[0] += value * steps
                total[1] += steps
        self._seen_so_far = current
        now = time.time()
        per_step = self._estimate_step_duration(current, now)
        if self.verbose == 1:
            if not finalize and (not self._dynamic_display
                                 or now - self._last_update < self.interval):
                return
            self._write_bar(current, now, per_step, finalize)
        elif self.verbose == 2 and finalize:
            self._write_line(current, now, per_step)
        self._last_update = now

    def add(self, n, values=None) -> None:
        """Advance by ``n`` steps."""
        self.update(self._seen_so_far + n, values)

    # -- rendering ----------------------------------------------------------------------------

    def _values_text(self) -> str:
        parts = []
        for name in self._values_order:
            total, weight = self._values[name]
            parts.append(f" - {name}: {format_value(total / max(1, weight))}")
        return "".join(parts)

    def _write_bar(self, current, now, per_step, finalize) -> None:
        # Without a terminal this only runs at the end (see update), so the bar is full there.
        color = self._dynamic_display
        known = self.target is not None and self.target > 0
        bar = colored_bar = ""
        if known:
            digits = int(math.log10(self.target)) + 1
            count = f"{current:{digits}d}/{self.target}"
            done = min(int(self.width * current / self.target), self.width)
            bar = "━" * self.width + " "
            colored_bar = (f"{_GREEN}{bar[:done]}{_RESET}" if done else "") + \
                f"{_DIM}{bar[done:-1]}{_RESET} "
            timing = f"{now - self._start:.0f}s" if finalize else \
                format_eta(per_step * (self.target - current))
        else:
            count, timing = f"{current:7d}/Unknown", f"{now - self._start:.0f}s"
        rest = f" {format_time_per_unit(per_step, self.unit_name)}{self._values_text()}"
        plain = f"{count} {bar}{timing}{rest}"
        if color:
            padding = " " * max(self._prev_width - len(plain), 0)  # wipe a longer old line
            line = f"\r{_BOLD}{count}{_RESET} {colored_bar}{_BOLD}{timing}{_RESET}{rest}{padding}"
        else:
            line = plain
        self._prev_width = len(plain)
        _write(line + "\n" if finalize else line)

    def _write_line(self, current, now, per_step) -> None:
        if self.target is not None and self.target > 0:
            digits = int(math.log10(self.target)) + 1
            count = f"{current:{digits}d}/{self.target}"
        else:
            count = f"{current}/Unknown"
        _write(f"{count} - {now - self._start:.0f}s - "
               f"{format_time_per_unit(per_step, self.unit_name)}{self._values_text()}\n")

    def _estimate_step_duration(self, current, now) -> float:
        """Seconds per step, leaving the (slow, warm-up) first step out once there are more."""
        if not current:
            return 0.0
        if self._time_after_first_step is not None and current > 1:
            per_step = (now - self._time_after_first_step) / (current - 1)
        else:
            per_step = (now - self._start) / current
        if current == 1:
            self._time_after_first_step = now
        return per_step


def _write(text: str) -> None:
    stream = sys.stdout
    stream.write(text)
    stream.flush()
