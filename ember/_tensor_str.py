"""Printing tensors the way PyTorch prints them: ``tensor([1.5000, 2.0000], requires_grad=True)``."""

from __future__ import annotations

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


def _float_formatter(values: np.ndarray):
    finite = values[np.isfinite(values)]
    prec = _options["precision"]
    if finite.size == 0:
        return lambda v: _special(v) or f"{v}"
    absf = np.abs(finite)
    nonzero = absf[absf != 0]
    integral = np.all(finite == np.round(finite))
    amax = absf.max()
    amin = nonzero.min() if nonzero.size else 0.0
    sci = _options["sci_mode"]
    if sci is None:
        sci = amax >= 1e8 or (nonzero.size and (amin < 1e-4 or amax / amin > 1000.0)) and not integral
    if integral and not sci:
        return lambda v: _special(v) or f"{v:.0f}."
    if sci:
        return lambda v: _special(v) or f"{v:.{prec}e}"
    return lambda v: _special(v) or f"{v:.{prec}f}"


def _special(v):
    if np.isnan(v):
        return "nan"
    if np.isinf(v):
        return "inf" if v > 0 else "-inf"
    return None


def _summarised(a: np.ndarray) -> np.ndarray:
    """The elements that will be shown, for choosing a common width."""
    if a.size <= _options["threshold"]:
        return a.ravel()
    e = _options["edgeitems"]
    parts = [a]
    for axis in range(a.ndim):
        nxt = []
        for p in parts:
            if p.shape[axis] > 2 * e:
                nxt += [np.take(p, range(e), axis), np.take(p, range(p.shape[axis] - e, p.shape[axis]), axis)]
            else:
                nxt.append(p)
        parts = nxt
    return np.concatenate([p.ravel() for p in parts])


def format_array(a: np.ndarray, indent: int) -> str:
    """The bracketed body of a tensor's repr (no ``tensor(`` prefix)."""
    if a.dtype == np.bool_:
        fmt = lambda v: "True" if v else "False"  # noqa: E731
    elif a.dtype.kind == "f":
        fmt = _float_formatter(_summarised(a).astype(np.float64))
    else:
        fmt = lambda v: str(int(v))  # noqa: E731
    shown = _summarised(a)
    width = max((len(fmt(v)) for v in shown), default=1)
    kw = dict(
        separator=", ",
        prefix=" " * indent,
        threshold=_options["threshold"] if _options["threshold"] != float("inf") else 2**62,
        edgeitems=_options["edgeitems"],
        max_line_width=_options["linewidth"],
        formatter={"all": lambda v: fmt(v).rjust(width)},
    )
    if a.ndim == 0:
        return fmt(a.item())
    return np.array2string(a, **kw)


def tensor_repr(t) -> str:
    data = t._data
    host = data if isinstance(data, np.ndarray) else data.get()
    if host.dtype == np.float16:
        host = host.astype(np.float32)
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
        body = format_array(host, indent=len("tensor("))
        if t.dtype not in default_shown:
            suffixes.append(f"dtype={t.dtype}")
    if t.grad_fn is not None:
        suffixes.append(f"grad_fn=<{t.grad_fn.name()}>")
    elif t._requires_grad:
        suffixes.append("requires_grad=True")
    sep = ",\n       " if "\n" in body else ", "
    return "tensor(" + body + "".join(sep + s for s in suffixes) + ")"
