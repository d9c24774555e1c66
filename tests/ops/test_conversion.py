"""Conversions: dtype casts and copies keep gradients flowing, like torch's."""

import numpy as np

import ember
from tests.helpers import OpCase, parametrize_cases

CASES = [
    OpCase("clone", lambda m, x: m.clone(x), [(3, 4)]),
    OpCase("clone", lambda m, x: x.clone() * 2, [(2, 0)]),
    OpCase("contiguous", lambda m, x: x.t().contiguous(), [(3, 4)]),
    OpCase("contiguous", lambda m, x: x.contiguous(), [(5,)]),
    OpCase("to", lambda m, x: x.to(m.float64) * 3, [(2, 3)], dtypes=("float32",),
           gradcheck=False),
    OpCase("to", lambda m, x: x.to(m.float32), [(2, 3)], dtypes=("float64",), gradcheck=False),
    OpCase("double", lambda m, x: x.double().exp(), [(4,)], dtypes=("float32",), gradcheck=False),
    OpCase("float", lambda m, x: x.float(), [(4,)], dtypes=("float64",), gradcheck=False),
    OpCase("long", lambda m, x: x.long(), [(4,)], grad=False),
    OpCase("type_as", lambda m, x, y: x.type_as(y), [(3,), (2,)], int_inputs=(1,), grad=False),
]
OTHER_TESTS = ("to_device",)

test_parity, test_gradcheck = parametrize_cases(CASES)


def test_to_returns_self_when_nothing_changes():
    x = ember.ones(2)
    assert x.to(ember.float32) is x and x.to("cpu") is x
    assert x.to(ember.float32, copy=True) is not x


def test_gradient_of_a_cast_comes_back_in_the_input_dtype():
    x = ember.ones(3, requires_grad=True)
    (x.double() * 2).sum().backward()
    assert x.grad.dtype is ember.float32
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 2.0, 2.0])
