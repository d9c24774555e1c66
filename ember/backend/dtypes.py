"""ember's dtypes, their NumPy equivalents and PyTorch's type-promotion rules."""

from __future__ import annotations

import numpy as np


class dtype:
    """A tensor element type, printed and compared like ``torch.float32``."""

    __slots__ = ("name", "np", "is_floating_point", "is_signed", "itemsize", "_rank")

    def __init__(self, name: str, np_dtype, is_floating_point: bool, is_signed: bool, rank: int):
        self.name = name
        self.np = np.dtype(np_dtype) if np_dtype is not None else None
        self.is_floating_point = is_floating_point
        self.is_signed = is_signed
        self.itemsize = self.np.itemsize if self.np is not None else 2
        self._rank = rank

    @property
    def is_complex(self) -> bool:
        return False

    def __repr__(self):
        return f"ember.{self.name}"

    def __reduce__(self):
        return self.name


bool_ = dtype("bool", np.bool_, False, False, 0)
uint8 = dtype("uint8", np.uint8, False, False, 1)
int8 = dtype("int8", np.int8, False, True, 2)
int16 = dtype("int16", np.int16, False, True, 3)
int32 = dtype("int32", np.int32, False, True, 4)
int64 = dtype("int64", np.int64, False, True, 5)
float16 = dtype("float16", np.float16, True, True, 6)
bfloat16 = dtype("bfloat16", None, True, True, 7)  # NumPy has no bfloat16; see to_numpy_dtype
float32 = dtype("float32", np.float32, True, True, 8)
float64 = dtype("float64", np.float64, True, True, 9)

ALL = (bool_, uint8, int8, int16, int32, int64, float16, bfloat16, float32, float64)
_BY_NP = {d.np: d for d in ALL if d.np is not None}
_BY_NAME = {d.name: d for d in ALL}
_BY_NAME.update(
    {"bool": bool_, "float": float32, "double": float64, "half": float16, "long": int64,
     "int": int32, "short": int16, "byte": uint8, "char": int8}
)

_default_dtype = float32


def get_default_dtype() -> dtype:
    """The dtype of new floating tensors (``float32`` unless changed)."""
    return _default_dtype


def set_default_dtype(d: dtype) -> None:
    """Make ``d`` (float32 or float64, also float16) the dtype of new floating tensors."""
    global _default_dtype
    d = as_dtype(d)
    if not d.is_floating_point or d is bfloat16:
        raise TypeError(f"set_default_dtype(): only float16/float32/float64 are supported, got {d}")
    _default_dtype = d


def as_dtype(d) -> dtype:
    """Accept an ember dtype, a NumPy dtype or type, a name, or Python's bool/int/float."""
    if isinstance(d, dtype):
        return d
    if d is bool:
        return bool_
    if d is int:
        return int64
    if d is float:
        return _default_dtype
    if isinstance(d, str) and d in _BY_NAME:
        return _BY_NAME[d]
    if getattr(d, "__module__", "").startswith("torch") or type(d).__name__ == "dtype" and hasattr(
        d, "is_floating_point"
    ):
        name = str(d).rsplit(".", 1)[-1]
        if name in _BY_NAME:
            return _BY_NAME[name]
    try:
        npd = np.dtype(d)
    except TypeError:
        raise TypeError(
            f"ember: {d!r} is not a dtype; use e.g. ember.float32 or ember.int64"
        ) from None
    if npd in _BY_NP:
        return _BY_NP[npd]
    raise TypeError(f"ember: NumPy dtype {npd} has no ember equivalent (complex is not supported)")


def from_numpy_dtype(npd) -> dtype:
    d = _BY_NP.get(npd)  # hot: every Tensor.dtype lookup
    if d is not None:
        return d
    try:
        return _BY_NP[np.dtype(npd)]
    except KeyError:
        raise TypeError(
            f"ember: can't convert an array of dtype {np.dtype(npd)}; supported: bool, uint8, "
            "int8, int16, int32, int64, float16, float32, float64"
        ) from None


def to_numpy_dtype(d: dtype):
    if d.np is None:
        raise TypeError(
            f"ember: {d} has no NumPy representation here; use float16 or float32 instead"
        )
    return d.np


def _category(d: dtype) -> int:
    return 2 if d.is_floating_point else (0 if d is bool_ else 1)


def promote_types(a: dtype, b: dtype) -> dtype:
    """PyTorch's ``promote_types``: the smallest dtype both ``a`` and ``b`` convert to safely."""
    if a is b:
        return a
    ca, cb = _category(a), _category(b)
    if ca != cb:
        return a if ca > cb else b
    if ca == 2:
        if {a, b} == {float16, bfloat16}:
            return float32
        return a if a._rank > b._rank else b
    return _BY_NP[np.promote_types(a.np, b.np)]


def _combine(higher: dtype | None, lower: dtype | None) -> dtype | None:
    # Mirrors c10's combine_categories: a higher tier keeps its dtype unless a lower tier
    # belongs to a higher category (bool < integer < floating).
    if higher is None:
        return lower
    if lower is None:
        return higher
    if higher.is_floating_point:
        return higher
    if higher is bool_ or lower.is_floating_point:
        return promote_types(higher, lower)
    return higher


def scalar_dtype(value) -> dtype:
    """The dtype a Python scalar takes part in promotion with."""
    if isinstance(value, (bool, np.bool_)):
        return bool_
    if isinstance(value, (int, np.integer)):
        return int64
    return _default_dtype


def result_type(*operands) -> dtype:
    """The dtype of an op on ``operands`` under PyTorch's rules.

    Tensors with dimensions outrank zero-dimensional tensors, which outrank Python scalars;
    a lower tier only matters when it is of a higher category (so ``float32 * 2.5`` stays
    float32 and ``int64 * 2.5`` becomes the default float dtype).
    """
    dims = zero = wrapped = None
    for op in operands:
        d = getattr(op, "dtype", None)
        if isinstance(d, dtype):
            if op.ndim:
                dims = d if dims is None else promote_types(dims, d)
            else:
                zero = d if zero is None else promote_types(zero, d)
        elif op is not None:
            s = scalar_dtype(op)
            wrapped = s if wrapped is None else promote_types(wrapped, s)
    return _combine(dims, _combine(zero, wrapped))
