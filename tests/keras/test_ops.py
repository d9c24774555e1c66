"""ember.keras.ops: each op against NumPy from one table, gradients for the differentiable
ones, and the errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

import ember
from ember.keras import ops

RNG = np.random.default_rng(0)
A = RNG.standard_normal((3, 4))
B = RNG.standard_normal((3, 4))
P = RNG.uniform(0.5, 2.0, (3, 4))  # positive
M = RNG.standard_normal((4, 2))
V = RNG.standard_normal(4)
I3 = np.array([[2, 0, 1], [1, 1, 0]])
T3 = RNG.standard_normal((2, 3, 4))


def _erf(x):
    return np.vectorize(math.erf)(x)


def _softmax(x, axis=-1):
    e = np.exp(x - x.max(axis, keepdims=True))
    return e / e.sum(axis, keepdims=True)


def _gelu_tanh(x):
    return 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3)))


# (name, keras op call, NumPy reference)
CASES = [
    ("convert_to_tensor", lambda: ops.convert_to_tensor(A), lambda: A),
    ("convert_to_numpy", lambda: ops.convert_to_numpy(ember.tensor(A)), lambda: A),
    ("cast", lambda: ops.cast(A, "int32"), lambda: A.astype(np.int32)),
    ("zeros", lambda: ops.zeros((2, 3)), lambda: np.zeros((2, 3))),
    ("ones", lambda: ops.ones(3, dtype="int64"), lambda: np.ones(3, np.int64)),
    ("full", lambda: ops.full((2, 2), 7.0), lambda: np.full((2, 2), 7.0)),
    ("eye", lambda: ops.eye(3, 4, k=1), lambda: np.eye(3, 4, 1)),
    ("arange", lambda: ops.arange(2, 11, 3), lambda: np.arange(2, 11, 3)),
    ("arange one arg", lambda: ops.arange(4), lambda: np.arange(4)),
    ("linspace", lambda: ops.linspace(0, 1, 5), lambda: np.linspace(0, 1, 5)),
    ("linspace no endpoint", lambda: ops.linspace(0, 1, 4, endpoint=False),
     lambda: np.linspace(0, 1, 4, endpoint=False)),
    ("add", lambda: ops.add(A, B), lambda: A + B),
    ("add scalar", lambda: ops.add(A, 2), lambda: A + 2),
    ("subtract", lambda: ops.subtract(1.0, A), lambda: 1.0 - A),
    ("multiply broadcast", lambda: ops.multiply(A, V), lambda: A * V),
    ("divide", lambda: ops.divide(A, P), lambda: A / P),
    ("divide ints", lambda: ops.divide(np.array([3, 4]), 2), lambda: np.array([1.5, 2.0])),
    ("power", lambda: ops.power(P, 1.5), lambda: P ** 1.5),
    ("maximum", lambda: ops.maximum(A, B), lambda: np.maximum(A, B)),
    ("maximum scalar", lambda: ops.maximum(A, 0.0), lambda: np.maximum(A, 0.0)),
    ("minimum", lambda: ops.minimum(0.5, A), lambda: np.minimum(0.5, A)),
    ("matmul", lambda: ops.matmul(A, M), lambda: A @ M),
    ("dot matrix", lambda: ops.dot(A, M), lambda: np.dot(A, M)),
    ("dot vector", lambda: ops.dot(A, V), lambda: np.dot(A, V)),
    ("dot inner", lambda: ops.dot(V, V), lambda: np.dot(V, V)),
    ("dot nd", lambda: ops.dot(T3, M),
     lambda: np.dot(T3, M)),
    ("exp", lambda: ops.exp(A), lambda: np.exp(A)),
    ("log", lambda: ops.log(P), lambda: np.log(P)),
    ("sqrt", lambda: ops.sqrt(P), lambda: np.sqrt(P)),
    ("square", lambda: ops.square(A), lambda: A ** 2),
    ("abs", lambda: ops.abs(A), lambda: np.abs(A)),
    ("negative", lambda: ops.negative(A), lambda: -A),
    ("clip", lambda: ops.clip(A, -0.5, 0.5), lambda: np.clip(A, -0.5, 0.5)),
    ("sum", lambda: ops.sum(A), lambda: A.sum()),
    ("sum axis keepdims", lambda: ops.sum(A, axis=1, keepdims=True),
     lambda: A.sum(1, keepdims=True)),
    ("sum axes", lambda: ops.sum(np.ones((2, 3, 4)), axis=(0, 2)), lambda: np.full(3, 8.0)),
    ("mean", lambda: ops.mean(A, axis=0), lambda: A.mean(0)),
    ("mean ints", lambda: ops.mean(np.array([1, 2])), lambda: np.float32(1.5)),
    ("max", lambda: ops.max(A), lambda: A.max()),
    ("max axis", lambda: ops.max(A, axis=-1, keepdims=True), lambda: A.max(-1, keepdims=True)),
    ("max initial", lambda: ops.max(A, axis=1, initial=1.0), lambda: A.max(1, initial=1.0)),
    ("min", lambda: ops.min(A, axis=0), lambda: A.min(0)),
    ("argmax", lambda: ops.argmax(A, axis=1), lambda: A.argmax(1)),
    ("argmax flat", lambda: ops.argmax(A), lambda: A.argmax()),
    ("argmin", lambda: ops.argmin(A, axis=0), lambda: A.argmin(0)),
    ("prod", lambda: ops.prod(P, axis=1), lambda: P.prod(1)),
    ("prod all", lambda: ops.prod(P), lambda: P.prod()),
    ("std", lambda: ops.std(A, axis=1), lambda: A.std(1)),
    ("var", lambda: ops.var(A), lambda: A.var()),
    ("reshape", lambda: ops.reshape(A, (4, -1)), lambda: A.reshape(4, -1)),
    ("transpose", lambda: ops.transpose(np.ones((2, 3, 4)) * np.arange(4)),
     lambda: np.transpose(np.ones((2, 3, 4)) * np.arange(4))),
    ("transpose axes", lambda: ops.transpose(T3, (1, 0, 2)),
     lambda: np.transpose(T3, (1, 0, 2))),
    ("expand_dims", lambda: ops.expand_dims(A, 1), lambda: np.expand_dims(A, 1)),
    ("expand_dims tuple", lambda: ops.expand_dims(A, (0, -1)),
     lambda: np.expand_dims(A, (0, -1))),
    ("squeeze", lambda: ops.squeeze(np.ones((1, 3, 1))), lambda: np.ones(3)),
    ("squeeze axis", lambda: ops.squeeze(np.ones((1, 3, 1)), axis=-1),
     lambda: np.ones((1, 3))),
    ("concatenate", lambda: ops.concatenate([A, B], axis=1),
     lambda: np.concatenate([A, B], 1)),
    ("stack", lambda: ops.stack([A, B], axis=-1), lambda: np.stack([A, B], -1)),
    ("where", lambda: ops.where(A > 0, A, B), lambda: np.where(A > 0, A, B)),
    ("where scalar", lambda: ops.where(A > 0, A, 0.0), lambda: np.where(A > 0, A, 0.0)),
    ("equal", lambda: ops.equal(I3, 1), lambda: I3 == 1),
    ("not_equal", lambda: ops.not_equal(I3, 1), lambda: I3 != 1),
    ("greater", lambda: ops.greater(A, B), lambda: A > B),
    ("greater scalar first", lambda: ops.greater(0.0, A), lambda: 0.0 > A),
    ("greater_equal", lambda: ops.greater_equal(A, 0), lambda: A >= 0),
    ("less", lambda: ops.less(A, B), lambda: A < B),
    ("less_equal", lambda: ops.less_equal(1, I3), lambda: 1 <= I3),
    ("logical_and", lambda: ops.logical_and(A > 0, B > 0), lambda: (A > 0) & (B > 0)),
    ("logical_or", lambda: ops.logical_or(A > 0, B > 0), lambda: (A > 0) | (B > 0)),
    ("logical_not", lambda: ops.logical_not(A > 0), lambda: ~(A > 0)),
    ("logical_xor", lambda: ops.logical_xor(A > 0, B > 0), lambda: (A > 0) ^ (B > 0)),
    ("one_hot", lambda: ops.one_hot(np.array([0, 2, -1]), 3),
     lambda: np.array([[1, 0, 0], [0, 0, 1], [0, 0, 0]], np.float32)),
    ("one_hot axis", lambda: ops.one_hot(np.array([0, 2]), 3, axis=0),
     lambda: np.array([[1, 0], [0, 0], [0, 1]], np.float32)),
    ("relu", lambda: ops.relu(A), lambda: np.maximum(A, 0)),
    ("sigmoid", lambda: ops.sigmoid(A), lambda: 1 / (1 + np.exp(-A))),
    ("tanh", lambda: ops.tanh(A), lambda: np.tanh(A)),
    ("softmax", lambda: ops.softmax(A), lambda: _softmax(A)),
    ("softmax axis 0", lambda: ops.softmax(A, axis=0), lambda: _softmax(A, 0)),
    ("log_softmax", lambda: ops.log_softmax(A), lambda: np.log(_softmax(A))),
    ("gelu", lambda: ops.gelu(A), lambda: _gelu_tanh(A)),
    ("gelu exact", lambda: ops.gelu(A, approximate=False),
     lambda: 0.5 * A * (1 + _erf(A / np.sqrt(2)))),
    ("silu", lambda: ops.silu(A), lambda: A / (1 + np.exp(-A))),
    ("leaky_relu", lambda: ops.leaky_relu(A), lambda: np.where(A > 0, A, 0.2 * A)),
    ("softplus", lambda: ops.softplus(A), lambda: np.log1p(np.exp(A))),
    ("sort", lambda: ops.sort(A), lambda: np.sort(A)),
    ("sort axis 0", lambda: ops.sort(A, axis=0), lambda: np.sort(A, 0)),
    ("argsort", lambda: ops.argsort(A), lambda: np.argsort(A, kind="stable")),
    ("top_k values", lambda: ops.top_k(A, 2)[0], lambda: -np.sort(-A)[:, :2]),
    ("top_k indices", lambda: ops.top_k(A, 2)[1], lambda: np.argsort(-A)[:, :2]),
    ("stop_gradient", lambda: ops.stop_gradient(A), lambda: A),
    ("take flat", lambda: ops.take(A, [0, 5, -1]), lambda: np.take(A, [0, 5, -1])),
    ("take axis", lambda: ops.take(A, I3, axis=1), lambda: np.take(A, I3, axis=1)),
    ("take_along_axis", lambda: ops.take_along_axis(A, np.argsort(A, 1), axis=1),
     lambda: np.take_along_axis(A, np.argsort(A, 1), 1)),
    ("tile", lambda: ops.tile(A, (2, 1)), lambda: np.tile(A, (2, 1))),
    ("tile short", lambda: ops.tile(V, 3), lambda: np.tile(V, 3)),
    ("repeat", lambda: ops.repeat(A, 2, axis=0), lambda: np.repeat(A, 2, 0)),
    ("repeat flat", lambda: ops.repeat(V, 2), lambda: np.repeat(V, 2)),
    ("flip", lambda: ops.flip(A, axis=1), lambda: np.flip(A, 1)),
    ("flip all", lambda: ops.flip(A), lambda: np.flip(A)),
    ("cumsum", lambda: ops.cumsum(A, axis=1), lambda: np.cumsum(A, 1)),
    ("cumsum flat", lambda: ops.cumsum(A), lambda: np.cumsum(A)),
    ("erf", lambda: ops.erf(A), lambda: _erf(A)),
    ("floor", lambda: ops.floor(A * 3), lambda: np.floor(A * 3)),
    ("ceil", lambda: ops.ceil(A * 3), lambda: np.ceil(A * 3)),
    ("round", lambda: ops.round(np.array([0.5, 1.5, 2.5, -0.5])),
     lambda: np.round(np.array([0.5, 1.5, 2.5, -0.5]))),
    ("round decimals", lambda: ops.round(A, 2), lambda: np.round(A, 2)),
    ("sign", lambda: ops.sign(A), lambda: np.sign(A)),
    ("einsum", lambda: ops.einsum("ij,jk->ik", A, M), lambda: np.einsum("ij,jk->ik", A, M)),
    ("einsum trace", lambda: ops.einsum("ii", A[:, :3]), lambda: np.einsum("ii", A[:, :3])),
    ("norm", lambda: ops.norm(A), lambda: np.linalg.norm(A)),
    ("norm axis", lambda: ops.norm(A, axis=1), lambda: np.linalg.norm(A, axis=1)),
    ("norm ord 1", lambda: ops.norm(A, ord=1, axis=1, keepdims=True),
     lambda: np.linalg.norm(A, 1, 1, keepdims=True)),
    ("norm inf matrix", lambda: ops.norm(A, ord=np.inf, axis=(0, 1)),
     lambda: np.linalg.norm(A, np.inf, (0, 1))),
    ("logsumexp", lambda: ops.logsumexp(A, axis=1), lambda: np.log(np.exp(A).sum(1))),
    ("logsumexp all", lambda: ops.logsumexp(A), lambda: np.log(np.exp(A).sum())),
    ("pad", lambda: ops.pad(A, ((1, 0), (0, 2))), lambda: np.pad(A, ((1, 0), (0, 2)))),
    ("pad int", lambda: ops.pad(A, 1, constant_values=5.0),
     lambda: np.pad(A, 1, constant_values=5.0)),
    ("pad reflect", lambda: ops.pad(A[None], ((0, 0), (0, 0), (2, 1)), mode="reflect"),
     lambda: np.pad(A[None], ((0, 0), (0, 0), (2, 1)), mode="reflect")),
    ("swapaxes", lambda: ops.swapaxes(T3, 0, 2), lambda: np.swapaxes(T3, 0, 2)),
    ("moveaxis", lambda: ops.moveaxis(T3, 0, -1), lambda: np.moveaxis(T3, 0, -1)),
    ("all", lambda: ops.all(A > -5), lambda: np.all(A > -5)),
    ("any axis", lambda: ops.any(A > 1, axis=1), lambda: np.any(A > 1, 1)),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_op_matches_numpy(case):
    _, call, reference = case
    out = call()
    expected = np.asarray(reference())
    got = ops.convert_to_numpy(out) if isinstance(out, ember.Tensor) else np.asarray(out)
    assert got.shape == expected.shape
    if expected.dtype == bool:
        np.testing.assert_array_equal(got, expected)
    else:
        np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-7)


def test_split():
    parts = ops.split(A, 2, axis=1)
    assert len(parts) == 2
    for got, exp in zip(parts, np.split(A, 2, axis=1)):
        np.testing.assert_allclose(got.numpy(), exp)
    for got, exp in zip(ops.split(A, [1, 3], axis=1), np.split(A, [1, 3], axis=1)):
        np.testing.assert_allclose(got.numpy(), exp)
    with pytest.raises(ValueError, match="cannot be split into 3 equal sections"):
        ops.split(A, 3, axis=1)


def test_where_with_only_a_condition_gives_indices():
    got = ops.where(np.array([[True, False], [False, True]]))
    expected = np.where(np.array([[True, False], [False, True]]))
    assert len(got) == 2
    for g, e in zip(got, expected):
        np.testing.assert_array_equal(g.numpy(), e)


def test_shape_and_dtypes():
    assert ops.shape(np.ones((2, 3))) == (2, 3) and ops.shape(ember.ones(4)) == (4,)
    assert ops.zeros((2,)).dtype is ember.float32
    assert ops.cast(A, ember.float32).dtype is ember.float32
    assert ops.convert_to_tensor([1.0, 2.0]).dtype is ember.float32
    assert ops.convert_to_tensor(np.float32(1.0)).dtype is ember.float32
    t = ember.ones(2)
    assert ops.convert_to_tensor(t) is t and ops.is_tensor(t) and not ops.is_tensor(A)
    # float32 tensors are not widened by Python numbers
    assert ops.add(ember.ones(2), 1.5).dtype is ember.float32


def _grad_close(fn, *arrays):
    inputs = tuple(ember.tensor(a, requires_grad=True) for a in arrays)
    assert ember.autograd.gradcheck(fn, inputs)


@pytest.mark.parametrize("name, fn, arrays", [
    ("logsumexp", lambda x: ops.logsumexp(x, axis=1), (A,)),
    ("norm", lambda x: ops.norm(x, axis=1), (A,)),
    ("softmax", lambda x: ops.softmax(x, axis=0), (A,)),
    ("gelu", lambda x: ops.gelu(x), (A,)),
    ("take", lambda x: ops.take(x, I3, axis=1), (A,)),
    ("dot nd", lambda x, y: ops.dot(x, y), (A, M)),
    ("einsum", lambda x, y: ops.einsum("ij,ik->jk", x, y), (A, B)),
    ("where", lambda x, y: ops.where(A > 0, x, y), (A, B)),
    ("pad", lambda x: ops.pad(x, ((1, 1), (2, 0))), (A,)),
    ("std", lambda x: ops.std(x, axis=0), (A,)),
    ("prod", lambda x: ops.prod(x, axis=(0, 1)), (P,)),
    ("max", lambda x: ops.max(x, axis=1), (A,)),
])
def test_gradients_match_finite_differences(name, fn, arrays):
    _grad_close(fn, *arrays)


def test_stop_gradient_blocks_gradients():
    x = ember.tensor(A, requires_grad=True)
    y = (ops.stop_gradient(x) * x).sum()
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), A)


def test_errors():
    with pytest.raises(ValueError, match=r"cannot squeeze axis 1 of a tensor of shape \(1, 3\)"):
        ops.squeeze(np.ones((1, 3)), axis=1)
    with pytest.raises(ValueError, match="give both x1 and x2"):
        ops.where(A > 0, A)
    with pytest.raises(ValueError, match="mode 'symmetric' is not supported"):
        ops.pad(A, 1, mode="symmetric")
