"""The dense kernel ``linear``: parity with PyTorch and gradcheck from one table, then its
no-grad fast path (same values, no graph, same errors) and double backward."""

import numpy as np
import pytest

import ember
from ember.autograd import gradgradcheck
from tests.helpers import OpCase, parametrize_cases, torch

if torch is not None:
    import torch.nn.functional as TF


def F(m):
    return TF if m is not ember else ember.nn.functional


CASES = [
    OpCase("linear", lambda m, x, w, b: F(m).linear(x, w, b), [(4, 3), (5, 3), (5,)],
           id="linear-2d"),
    OpCase("linear", lambda m, x, w, b: F(m).linear(x, w, b), [(2, 4, 3), (5, 3), (5,)],
           id="linear-3d"),
    OpCase("linear", lambda m, x, w, b: F(m).linear(x, w, b), [(3,), (5, 3), (5,)],
           id="linear-1d-input"),
    OpCase("linear", lambda m, x, w: F(m).linear(x, w), [(4, 3), (5, 3)], id="linear-no-bias"),
]

test_parity, test_gradcheck = parametrize_cases(CASES)


@pytest.mark.parametrize("shape", [(4, 3), (2, 4, 3), (3,)])
def test_no_grad_fast_path_equals_the_recorded_forward(shape):
    rng = np.random.default_rng(0)
    x = ember.tensor(rng.standard_normal(shape).astype(np.float32))
    w = ember.nn.Parameter(ember.tensor(rng.standard_normal((5, 3)).astype(np.float32)))
    b = ember.nn.Parameter(ember.tensor(rng.standard_normal(5).astype(np.float32)))
    recorded = ember.nn.functional.linear(x, w, b)
    with ember.no_grad():
        fast = ember.nn.functional.linear(x, w, b)
    assert recorded.grad_fn is not None and fast.grad_fn is None and not fast.requires_grad
    np.testing.assert_array_equal(fast.numpy(), recorded.detach().numpy())
    # Nothing requiring grad: no graph even with grad mode on.
    plain = ember.nn.functional.linear(x, w.detach(), b.detach())
    assert plain.grad_fn is None
    np.testing.assert_array_equal(plain.numpy(), fast.numpy())


def test_no_grad_path_still_raises_the_shape_and_dtype_errors():
    w = ember.zeros(5, 3)
    with ember.no_grad():
        with pytest.raises(RuntimeError, match=r"input of shape \(4, 2\).*\(5, 3\)"):
            ember.nn.functional.linear(ember.zeros(4, 2), w)
        with pytest.raises(RuntimeError, match="bias of shape"):
            ember.nn.functional.linear(ember.zeros(4, 3), w, ember.zeros(4))
        with pytest.raises(RuntimeError, match="is ember.float64 but weight is ember.float32"):
            ember.nn.functional.linear(ember.zeros(4, 3, dtype=ember.float64), w)
        with pytest.raises(TypeError, match="must be a Tensor"):
            ember.nn.functional.linear(np.zeros((4, 3)), w)


def test_scalar_bias_takes_the_checked_path():
    x, w = ember.ones(2, 3), ember.ones(4, 3)
    out = ember.nn.functional.linear(x, w, ember.tensor(0.5))
    np.testing.assert_allclose(out.numpy(), np.full((2, 4), 3.5))


def test_double_backward_through_linear():
    rng = np.random.default_rng(1)
    x = ember.tensor(rng.standard_normal((3, 4)), requires_grad=True)
    w = ember.tensor(rng.standard_normal((2, 4)), requires_grad=True)
    b = ember.tensor(rng.standard_normal(2), requires_grad=True)
    assert gradgradcheck(lambda x, w, b: ember.nn.functional.linear(x, w, b).tanh(), (x, w, b))


def test_bias_grad_is_not_shared_with_the_incoming_gradient():
    """A 1-D input hands the output gradient itself to the bias; accumulating into bias.grad
    later must not change any other tensor's gradient."""
    x = ember.tensor([1.0, 2.0, 3.0], requires_grad=True)
    lin = ember.nn.Linear(3, 2)
    out = lin(x)
    out.backward(ember.ones(2))
    first = lin.bias.grad.numpy().copy()
    lin(x).backward(ember.ones(2))
    np.testing.assert_array_equal(lin.bias.grad.numpy(), 2 * first)
