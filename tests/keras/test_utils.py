"""ember.keras.utils and ember.keras.preprocessing: to_categorical, normalize, pad_sequences,
set_random_seed."""

from __future__ import annotations

import random

import numpy as np
import pytest

import ember
from ember.keras import preprocessing, utils


def test_to_categorical():
    out = utils.to_categorical([0, 1, 2, 3], num_classes=4)
    np.testing.assert_array_equal(out, np.eye(4))
    assert out.dtype == np.float32
    # a trailing axis of 1 is dropped, the class axis goes last, classes default to max + 1
    out = utils.to_categorical(np.array([[1], [0], [2]]))
    assert out.shape == (3, 3)
    np.testing.assert_array_equal(out.argmax(-1), [1, 0, 2])
    out = utils.to_categorical(np.array([[0, 1], [2, 1]]), num_classes=5)
    assert out.shape == (2, 2, 5) and out[1, 0, 2] == 1 and out.sum() == 4
    assert utils.to_categorical([1, 0], dtype="float64").dtype == np.float64


def test_to_categorical_of_a_tensor_is_a_tensor():
    out = utils.to_categorical(ember.tensor([2, 0]), num_classes=3)
    assert isinstance(out, ember.Tensor) and out.dtype is ember.float32
    np.testing.assert_array_equal(out.numpy(), [[0, 0, 1], [1, 0, 0]])
    assert tuple(utils.to_categorical(ember.tensor([[1], [3]])).shape) == (2, 4)


def test_to_categorical_errors():
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 3\)"):
        utils.to_categorical([0, 3], num_classes=3)
    with pytest.raises(ValueError, match="whole numbers"):
        utils.to_categorical([0.5, 1.0])


def test_normalize_numpy_and_tensors():
    x = np.array([[3.0, 4.0], [0.0, 0.0], [1.0, -1.0]])
    expected = np.array([[0.6, 0.8], [0.0, 0.0], [1, -1] / np.sqrt(2)])
    np.testing.assert_allclose(utils.normalize(x), expected)
    np.testing.assert_allclose(utils.normalize(x, order=1),
                               [[3 / 7, 4 / 7], [0, 0], [0.5, -0.5]])
    np.testing.assert_allclose(utils.normalize(x, axis=0)[:, 0], [3 / np.sqrt(10), 0,
                                                                  1 / np.sqrt(10)])
    t = utils.normalize(ember.tensor(x, dtype=ember.float32))
    assert isinstance(t, ember.Tensor)
    np.testing.assert_allclose(t.numpy(), expected, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(utils.normalize(ember.tensor(x), order=1).numpy(),
                               [[3 / 7, 4 / 7], [0, 0], [0.5, -0.5]])


def test_normalize_gradient():
    x = ember.tensor([[3.0, 4.0], [1.0, 2.0]], dtype=ember.float64, requires_grad=True)
    assert ember.autograd.gradcheck(lambda v: utils.normalize(v), (x,))
    zero = ember.zeros(1, 3, requires_grad=True)
    utils.normalize(zero).sum().backward()
    assert np.all(np.isfinite(zero.grad.numpy()))


KERAS_PAD_EXAMPLES = [
    ({}, [[0, 0, 1], [0, 2, 3], [4, 5, 6]]),
    ({"value": -1}, [[-1, -1, 1], [-1, 2, 3], [4, 5, 6]]),
    ({"padding": "post"}, [[1, 0, 0], [2, 3, 0], [4, 5, 6]]),
    ({"maxlen": 2}, [[0, 1], [2, 3], [5, 6]]),
    ({"maxlen": 2, "truncating": "post"}, [[0, 1], [2, 3], [4, 5]]),
    ({"maxlen": 4, "padding": "post"}, [[1, 0, 0, 0], [2, 3, 0, 0], [4, 5, 6, 0]]),
]


@pytest.mark.parametrize("kwargs, expected", KERAS_PAD_EXAMPLES,
                         ids=[str(k) for k, _ in KERAS_PAD_EXAMPLES])
def test_pad_sequences_like_keras(kwargs, expected):
    out = utils.pad_sequences([[1], [2, 3], [4, 5, 6]], **kwargs)
    assert out.dtype == np.int32
    np.testing.assert_array_equal(out, expected)


def test_pad_sequences_dtypes_empty_and_multidimensional_items():
    out = utils.pad_sequences([[0.5, 1.5], []], dtype="float32", value=-1.0)
    np.testing.assert_array_equal(out, [[0.5, 1.5], [-1.0, -1.0]])
    assert out.dtype == np.float32
    out = utils.pad_sequences([np.ones((2, 3)), np.ones((1, 3))], maxlen=3)
    assert out.shape == (2, 3, 3) and out[1, :2].sum() == 0
    out = utils.pad_sequences([["a", "b"], ["c"]], dtype=object, value="")
    assert out.tolist() == [["a", "b"], ["", "c"]]
    assert utils.pad_sequences([]).shape == (0, 0)


def test_pad_sequences_errors():
    with pytest.raises(ValueError, match='Padding type "middle" not understood'):
        utils.pad_sequences([[1]], padding="middle")
    with pytest.raises(ValueError, match='Truncating type "both" not understood'):
        utils.pad_sequences([[1]], truncating="both")
    with pytest.raises(ValueError, match="must be a list of iterables"):
        utils.pad_sequences([1, 2])
    with pytest.raises(ValueError, match="dtype=object"):
        utils.pad_sequences([["a"]], value="x")
    with pytest.raises(ValueError, match=r"Shape of sample \(2,\) of sequence at position 1"):
        utils.pad_sequences([np.ones((1, 3)), np.ones((1, 2))])


def test_preprocessing_sequence_is_the_same_function():
    assert preprocessing.sequence.pad_sequences is utils.pad_sequences


def test_set_random_seed_makes_every_generator_repeat():
    def draw():
        return random.random(), np.random.rand(), ember.randn(3).numpy().tolist()

    utils.set_random_seed(1234)
    first = draw()
    utils.set_random_seed(1234)
    assert draw() == first
    assert utils.get_random_seed() == 1234
    utils.set_random_seed(99)
    assert draw() != first
    with pytest.raises(ValueError, match="Expected `seed` argument to be an integer"):
        utils.set_random_seed(1.5)
