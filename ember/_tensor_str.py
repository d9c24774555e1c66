"""Printing tensors the way PyTorch prints them: ``tensor([1.5000, 2.0000], requires_grad=True)``.

The layout follows torch/_tensor_str.py: one formatter (width, fixed/scientific/integral mode)
chosen from the non-zero finite values that are shown, a fixed number of elements per line,
``' ...'`` standing in for the elided middle of long dimensions, and suffixes appended to the
last line when they fit.
"""

from __future__ import annotations

import math

import numpy as np

from .backend import dtypes as _dt

_options = {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80, "sci_mode": None}


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None,
                     profile=None, sci_mode=None):
    """Like ``torch.set_printoptions``: digits, summarisation threshold, line width."""
    if profile == "default":
        _options.update(precision=4, threshold=1000, edgeitems=3, linewidth=80)
    elif profile == "short":
        _options.update(precision=2, threshold=1000, edgeitems=2, linewidth=80)
    elif profile == "full":
        _options.update(precision=4, threshold=float("inf"), edgeitems=3, linewidth=80)
    for k, v in (("precision", precision), ("threshold", threshold), ("edgeitems", edgeitems),
                 ("linewidth", linewidth)):
        if v is not None:
            _options[k] = v
    _options["sci_mode"] = sci_mode


class _Formatter:
    """One width and notation for every element shown (torch's ``_Formatter``)."""

    def __init__(self, shown: np.ndarray):
        self.floating = shown.dtype.kind == "f"
        self.int_mode = True
        self.sci_mode = False
        self.width = 1
        prec = _options["precision"]
        if not self.floating:
            if shown.size:
                if shown.dtype == np.bool_:
                    self.width = 5 if not shown.all() else 4
                else:
                    self.width = max(len(str(int(shown.max()))), len(str(int(shown.min()))))
            return
        vals = shown.ravel().astype(np.float64)
        vals = vals[np.isfinite(vals) & (vals != 0)]
        if vals.size:
            absv = np.abs(vals)
            lo, hi = float(absv.min()), float(absv.max())
            self.int_mode = bool(np.all(vals == np.ceil(vals)))
            if self.int_mode:
                self.sci_mode = hi / lo > 1000.0 or hi > 1.0e8
            else:
                self.sci_mode = hi / lo > 1000.0 or hi > 1.0e8 or lo < 1.0e-4
            shown_vals = vals.tolist()  # at most ~threshold values: the ones printed
            if self.sci_mode:
                self.width = max(len(f"{v:.{prec}e}") for v in shown_vals)
            elif self.int_mode:
                self.width = max(len(f"{v:.0f}") for v in shown_vals) + 1
            else:
                self.width = max(len(f"{v:.{prec}f}") for v in shown_vals)
        if _options["sci_mode"] is not None:
            self.sci_mode = _options["sci_mode"]

    def format(self, value) -> str:
        prec = _options["precision"]
        if self.floating:
            if self.sci_mode:
                s = f"{value:{self.width}.{prec}e}"
            elif self.int_mode:
                s = f"{value:.0f}"
                if math.isfinite(value):
                    s += "."
            else:
                s = f"{value:.{prec}f}"
        elif isinstance(value, bool):
            s = str(value)
        else:
            s = str(int(value))
        return (self.width - len(s)) * " " + s


def _summarized(a: np.ndarray, summarize: bool) -> np.ndarray:
    """The elements that will be shown (torch's ``get_summarized_data``)."""
    if not summarize or a.ndim == 0:
        return a
    e = _options["edgeitems"]
    for axis in range(a.ndim):
        if a.shape[axis] > 2 * e:
            n = a.shape[axis]
            a = np.take(a, list(range(e)) + list(range(n - e, n)), axis=axis)
    return a


def _vector(a: np.ndarray, indent: int, summarize: bool, fmt: _Formatter) -> str:
    per_line = max(1, math.floor((_options["linewidth"] - indent) / (fmt.width + 2)))
    e = _options["edgeitems"]
    if summarize and a.shape[0] > 2 * e:
        data = [fmt.format(v) for v in a[:e].tolist()] + [" ..."]
        data += [fmt.format(v) for v in a[-e:].tolist()]
    else:
        data = [fmt.format(v) for v in a.tolist()]
    lines = [", ".join(data[i:i + per_line]) for i in range(0, len(data), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _nested(a: np.ndarray, indent: int, summarize: bool, fmt: _Formatter) -> str:
    if a.ndim == 0:
        return fmt.format(a.item())
    if a.ndim == 1:
        return _vector(a, indent, summarize, fmt)
    e = _options["edgeitems"]
    n = a.shape[0]
    if summarize and n > 2 * e:
        rows = [_nested(a[i], indent + 1, summarize, fmt) for i in range(e)] + ["..."]
        rows += [_nested(a[i], indent + 1, summarize, fmt) for i in range(n - e, n)]
    else:
        rows = [_nested(a[i], indent + 1, summarize, fmt) for i in range(n)]
    return "[" + ("," + "\n" * (a.ndim - 1) + " " * (indent + 1)).join(rows) + "]"


def format_array(a: np.ndarray, indent: int) -> str:
    """The bracketed body of a tensor's repr (no ``tensor(`` prefix)."""
    summarize = a.size > _options["threshold"]
    fmt = _Formatter(_summarized(a, summarize))
    return _nested(a, indent, summarize, fmt)


def _add_suffixes(text: str, suffixes: list, indent: int) -> str:
    parts = [text]
    last = len(text) - text.rfind("\n") + 1
    for s in suffixes:
        if last + len(s) + 2 > _options["linewidth"]:
            parts.append(",\n" + " " * indent + s)
            last = indent + len(s)
        else:
            parts.append(", " + s)
            last += len(s) + 2
    parts.append(")")
    return "".join(parts)


def tensor_repr(t) -> str:
    data = t._data
    host = data if isinstance(data, np.ndarray) else data.get()
    if host.dtype == np.float16:
        host = host.astype(np.float32)
    prefix = "tensor("
    suffixes = []
    if t.device.type != "cpu":
        suffixes.append(f"device='{t.device}'")
    default_shown = (_dt.get_default_dtype(), _dt.int64, _dt.bool_)
    if host.size == 0:
        body = "[]"
        if t.ndim != 1:
            suffixes.append(f"size={tuple(t.shape)}")
        if t.dtype is not _dt.get_default_dtype():
            suffixes.append(f"dtype={t.dtype}")
    else:
        body = format_array(host, indent=len(prefix))
        if t.dtype not in default_shown:
            suffixes.append(f"dtype={t.dtype}")
    if t.grad_fn is not None:
        suffixes.append(f"grad_fn=<{t.grad_fn.name()}>")
    elif t._requires_grad:
        suffixes.append("requires_grad=True")
    return _add_suffixes(prefix + body, suffixes, len(prefix))
