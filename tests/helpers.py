"""One table drives every op test: PyTorch parity (values and gradients) and float64 gradcheck.

An ``OpCase`` names the op it covers and gives ``fn(lib, *inputs)``, written once for both
libraries: ``lib`` is ``ember`` or ``torch`` and inputs are that library's tensors, so
``lambda m, x, y: m.add(x, y)`` or ``lambda m, x: x.sum(dim=1)`` test the same call in both.

A test module lists its cases in ``CASES`` and calls ``parametrize_cases(CASES)`` for the two
standard tests; ``tools/parity_coverage.py`` reads every ``CASES`` to report coverage.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pytest

import ember

try:
    import torch
except ImportError:  # parity tests skip cleanly without torch
    torch = None

requires_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed")

TOLERANCES = {"float32": dict(rtol=1e-4, atol=1e-5), "float64": dict(rtol=1e-7, atol=1e-9)}


@dataclass
class OpCase:
    """One op under test.

    name: the exported op (or Tensor method) this case covers, e.g. ``"add"``.
    fn: ``fn(lib, *inputs)`` returning a tensor or a tuple of tensors.
    shapes: one shape per input tensor.
    low/high: range of uniform random inputs; ``domain`` may transform the float64 array.
    int_inputs: indices of inputs that are integer tensors drawn from [0, int_high).
    grad: whether to compare gradients (False for non-differentiable ops).
    gradcheck: whether to run float64 finite differences.
    noncontig: also run parity with non-contiguous inputs.
    atol/rtol: override tolerances (multiplied into the dtype defaults when given).
    """

    name: str
    fn: Callable
    shapes: list
    low: float = -2.0
    high: float = 2.0
    domain: Callable | None = None
    int_inputs: tuple = ()
    int_high: int = 5
    bool_inputs: tuple = ()
    grad: bool = True
    gradcheck: bool = True
    noncontig: bool = True
    dtypes: tuple = ("float32", "float64")
    rtol: float | None = None
    atol: float | None = None
    id: str = ""
    extra: dict = field(default_factory=dict)

    def __post_init__(self):
        if not self.id:
            self.id = self.name + "-" + "x".join(
                "(" + ",".join(map(str, s)) + ")" for s in self.shapes
            )


def make_arrays(case: OpCase, dtype: str, seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    arrays = []
    for i, shape in enumerate(case.shapes):
        if i in case.int_inputs:
            arrays.append(rng.integers(0, case.int_high, size=shape).astype(np.int64))
        elif i in case.bool_inputs:
            arrays.append(rng.random(size=shape) > 0.5)
        else:
            a = rng.uniform(case.low, case.high, size=shape)
            if case.domain is not None:
                a = case.domain(a)
            arrays.append(np.asarray(a).astype(dtype))
    return arrays


def _noncontig(a: np.ndarray) -> np.ndarray:
    """The same values in memory laid out transposed (so not C-contiguous when ndim >= 2)."""
    if a.ndim < 2:
        return a
    return np.ascontiguousarray(a.T).T


def _tuple(x):
    return x if isinstance(x, tuple) else (x,)


def _tol(case, dtype):
    t = dict(TOLERANCES[dtype])
    if case.rtol is not None:
        t["rtol"] = max(t["rtol"], case.rtol)
    if case.atol is not None:
        t["atol"] = max(t["atol"], case.atol)
    return t


def assert_close(actual, expected, name: str, **tol):
    actual = np.asarray(actual)
    expected = np.asarray(expected)
    assert actual.shape == expected.shape, f"{name}: shape {actual.shape} != {expected.shape}"
    if actual.dtype == np.bool_ or expected.dtype == np.bool_ or actual.dtype.kind in "iu":
        np.testing.assert_array_equal(actual, expected, err_msg=name)
        return
    np.testing.assert_allclose(actual, expected, err_msg=name, equal_nan=True, **tol)


def check_parity(case: OpCase, dtype: str, noncontig: bool = False, seed: int = 0):
    """Run ``case`` in ember and torch on the same inputs; compare outputs and gradients."""
    arrays = make_arrays(case, dtype, seed)
    if noncontig:
        arrays = [_noncontig(a) for a in arrays]
    floats = [i for i, a in enumerate(arrays) if a.dtype.kind == "f"]
    e_in = [ember.from_numpy(a.copy() if not noncontig else a) for a in arrays]
    t_in = [torch.from_numpy(a.copy()) for a in arrays]
    if case.grad:
        for i in floats:
            e_in[i].requires_grad_()
            t_in[i].requires_grad_()
    e_out = _tuple(case.fn(ember, *e_in))
    t_out = _tuple(case.fn(torch, *t_in))
    assert len(e_out) == len(t_out), f"{case.id}: {len(e_out)} outputs vs torch's {len(t_out)}"
    tol = _tol(case, dtype)
    for k, (e, t) in enumerate(zip(e_out, t_out)):
        assert isinstance(e, ember.Tensor), f"{case.id}: output {k} is {type(e).__name__}"
        assert str(e.dtype).split(".")[-1] == str(t.dtype).split(".")[-1], (
            f"{case.id}: output {k} dtype {e.dtype} vs torch {t.dtype}"
        )
        assert_close(e.detach().numpy(), t.detach().numpy(), f"{case.id} output {k}", **tol)
    if not case.grad or not floats:
        return
    rng = np.random.default_rng(seed + 7)
    pairs = [(e, t) for e, t in zip(e_out, t_out) if t.requires_grad]
    if not pairs:
        return
    ups = [rng.standard_normal(tuple(t.shape)).astype(dtype) for _, t in pairs]
    t_grads = torch.autograd.grad(
        [t for _, t in pairs], [t_in[i] for i in floats],
        [torch.from_numpy(u) for u in ups], allow_unused=True,
    )
    e_grads = ember.autograd.grad(
        [e for e, _ in pairs], [e_in[i] for i in floats],
        [ember.from_numpy(u) for u in ups], allow_unused=True,
    )
    for i, eg, tg in zip(floats, e_grads, t_grads):
        if tg is None:
            assert eg is None or not np.any(eg.numpy()), f"{case.id}: grad {i} should be zero"
            continue
        assert eg is not None, f"{case.id}: ember gave no gradient for input {i}"
        assert_close(eg.numpy(), tg.numpy(), f"{case.id} grad of input {i}", **tol)


def check_gradcheck(case: OpCase, seed: int = 0):
    arrays = make_arrays(case, "float64", seed)
    inputs = [ember.from_numpy(a) for a in arrays]
    for t in inputs:
        if t.is_floating_point():
            t.requires_grad_()
    assert ember.autograd.gradcheck(lambda *xs: case.fn(ember, *xs), tuple(inputs),
                                    atol=1e-5, rtol=1e-3)


def parametrize_cases(cases: list[OpCase]):
    """The two standard tests for a table: parity (contiguous and not) and gradcheck."""

    @requires_torch
    @pytest.mark.parametrize("dtype", ["float32", "float64"])
    @pytest.mark.parametrize("case", cases, ids=lambda c: c.id)
    def test_parity(case, dtype):
        if dtype not in case.dtypes:
            pytest.skip(f"{case.id} is not defined for {dtype}")
        check_parity(case, dtype)
        if case.noncontig:
            check_parity(case, dtype, noncontig=True, seed=1)

    @pytest.mark.parametrize("case", [c for c in cases if c.grad and c.gradcheck],
                             ids=lambda c: c.id)
    def test_gradcheck(case):
        check_gradcheck(case)

    return test_parity, test_gradcheck
