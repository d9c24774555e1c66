"""Elementwise ops: parity with PyTorch and float64 gradcheck, from one table."""

import numpy as np
import pytest

import ember
from tests.helpers import OpCase, parametrize_cases

CASES = [
    OpCase("add", lambda m, x, y: m.add(x, y), [(3, 4), (3, 4)]),
    OpCase("add", lambda m, x, y: m.add(x, y, alpha=2.5), [(2, 3, 4), (4,)]),
    OpCase("add", lambda m, x: x + 1.5, [(5,)]),
    OpCase("add", lambda m, x, y: x + y, [(0, 3), (1, 3)]),
    OpCase("sub", lambda m, x, y: m.sub(x, y), [(3, 1), (1, 4)]),
    OpCase("sub", lambda m, x: 2.0 - x, [(4,)]),
    OpCase("mul", lambda m, x, y: m.mul(x, y), [(2, 3), (3,)]),
    OpCase("mul", lambda m, x: x * 3, [(2, 2)]),
    OpCase("div", lambda m, x, y: m.div(x, y), [(3, 4), (3, 4)], domain=lambda a: a + 3.0 * np.sign(a)),
    OpCase("div", lambda m, x: 1.0 / x, [(4,)], low=0.5, high=2.0),
    OpCase("neg", lambda m, x: m.neg(x), [(2, 3)]),
]

test_parity, test_gradcheck = parametrize_cases(CASES)


def test_python_scalars_do_not_widen_float32():
    x = ember.ones(3)
    assert (x * 2.5).dtype is ember.float32
    assert (x + 1).dtype is ember.float32
    assert (ember.arange(3) * 2.5).dtype is ember.float32 if hasattr(ember, "arange") else True


def test_promotion_follows_torch():
    i = ember.tensor([1, 2])
    f64 = ember.tensor([1.0, 2.0], dtype=ember.float64)
    assert (i + f64).dtype is ember.float64
    assert (i * 2.5).dtype is ember.float32
    assert (i / 2).dtype is ember.float32
    assert (ember.tensor([1, 2], dtype=ember.int32) + 5).dtype is ember.int32
    assert (ember.ones(2) + ember.tensor(1.0, dtype=ember.float64)).dtype is ember.float32


def test_broadcast_error_names_op_and_shapes():
    with pytest.raises(RuntimeError, match=r"add\(\).*\(2, 3\) and \(4,\)"):
        ember.ones(2, 3) + ember.ones(4)
