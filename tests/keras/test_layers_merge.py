"""Merge layers: values and gradients against PyTorch, Keras's shape rules (eager and
symbolic), mask propagation, configs, functional forms and error messages."""

import numpy as np
import pytest

import ember
from ember.keras import layers
from ember.keras.layers import Input
from ember.keras.layers.layer import get_mask, set_mask

torch = pytest.importorskip("torch")

RTOL, ATOL = 1e-5, 1e-6


def rand(*shape, seed=0):
    return np.random.default_rng(seed).uniform(-2, 2, shape).astype("float32")


def npy(t):
    return t.detach().numpy()


def masked(x, mask):
    """An ember tensor carrying a Keras mask."""
    t = ember.from_numpy(np.asarray(x, dtype="float32"))
    set_mask(t, ember.from_numpy(np.asarray(mask, dtype=bool)))
    return t


def check_parity(layer, torch_fn, arrays, rtol=RTOL, atol=ATOL):
    """Values and input gradients of ``layer(list)`` equal those of ``torch_fn(list)``."""
    ts = [torch.from_numpy(a).requires_grad_() for a in arrays]
    ref = torch_fn(ts)
    upstream = rand(*ref.shape, seed=9)
    (ref * torch.from_numpy(upstream)).sum().backward()
    es = [ember.from_numpy(a).requires_grad_() for a in arrays]
    out = layer(es)
    np.testing.assert_allclose(npy(out), npy(ref), rtol=rtol, atol=atol)
    (out * ember.from_numpy(upstream)).sum().backward()
    for e, t in zip(es, ts):
        np.testing.assert_allclose(e.grad.numpy(), t.grad.numpy(), rtol=rtol, atol=atol)


def torch_reduce(op):
    def fn(ts):
        out = ts[0]
        for t in ts[1:]:
            out = op(out, t)
        return out

    return fn


ELEMENTWISE = [
    (layers.Add, torch_reduce(torch.add)),
    (layers.Multiply, torch_reduce(torch.mul)),
    (layers.Average, lambda ts: sum(ts) / len(ts)),
    (layers.Maximum, torch_reduce(torch.maximum)),
    (layers.Minimum, torch_reduce(torch.minimum)),
]


@pytest.mark.parametrize("cls,torch_fn", ELEMENTWISE)
@pytest.mark.parametrize("n_inputs", [2, 3])
def test_elementwise_parity(cls, torch_fn, n_inputs):
    arrays = [rand(4, 5, seed=i) for i in range(n_inputs)]
    check_parity(cls(), torch_fn, arrays)


def test_subtract_parity():
    check_parity(layers.Subtract(), lambda ts: ts[0] - ts[1], [rand(3, 4), rand(3, 4, seed=1)])


@pytest.mark.parametrize("cls,torch_fn", ELEMENTWISE)
def test_broadcast_and_rank_alignment(cls, torch_fn):
    # sizes 1 broadcast; a lower-rank input gets its new axes right after the batch axis
    a, b = rand(2, 1, 5), rand(2, 3, 5, seed=1)
    check_parity(cls(), torch_fn, [a, b])
    c = rand(2, 5, seed=2)
    check_parity(cls(), lambda ts: torch_fn([ts[0][:, None, :], ts[1]]), [c, b])
    x, y = Input(shape=(1, 5)), Input(shape=(3, 5))
    assert cls()([x, y]).shape == (None, 3, 5)


def test_symbolic_shapes():
    x, y = Input(shape=(16,)), Input(shape=(16,))
    for cls in (layers.Add, layers.Subtract, layers.Multiply, layers.Average, layers.Maximum,
                layers.Minimum):
        assert cls()([x, y]).shape == (None, 16)
    assert layers.Concatenate()([x, Input(shape=(8,))]).shape == (None, 24)
    assert layers.Dot(axes=1)([x, y]).shape == (None, 1)
    seq1, seq2 = Input(shape=(None, 4)), Input(shape=(None, 4))
    assert layers.Concatenate(axis=1)([seq1, seq2]).shape == (None, None, 4)
    assert layers.Dot(axes=2)([seq1, seq2]).shape == (None, None, None)


def test_merge_layers_have_no_weights():
    layer = layers.Add()
    layer([rand(2, 3), rand(2, 3)])
    assert layer.count_params() == 0 and layer.weights == []


def test_elementwise_errors():
    with pytest.raises(ValueError, match=r"Add 'add\w*' should be called on a list of inputs, got "
                                         r"a single tensor of shape \(2, 3\)"):
        layers.Add()(rand(2, 3))
    with pytest.raises(ValueError, match=r"different batch sizes.*\[\(2, 3\), \(4, 3\)\]"):
        layers.Add()([rand(2, 3), rand(4, 3)])
    with pytest.raises(ValueError, match=r"incompatible shapes.*\[\(2, 3\), \(2, 4\)\]"):
        layers.Multiply()([rand(2, 3), rand(2, 4)])
    with pytest.raises(ValueError, match=r"Subtract '\w+' should be called on exactly 2 inputs, "
                                         r"got 3"):
        layers.Subtract()([rand(2, 3)] * 3)
    with pytest.raises(ValueError, match="incompatible shapes"):
        layers.Maximum()([Input(shape=(3,)), Input(shape=(4,))])


# -- Concatenate ----------------------------------------------------------------------------------

@pytest.mark.parametrize("axis,shapes", [
    (-1, [(2, 3), (2, 4)]),
    (1, [(2, 2, 5), (2, 1, 5), (2, 3, 5)]),
    (-2, [(2, 2, 5), (2, 1, 5)]),
    (2, [(2, 3, 1, 4), (2, 3, 2, 4)]),
])
def test_concatenate_parity(axis, shapes):
    arrays = [rand(*s, seed=i) for i, s in enumerate(shapes)]
    check_parity(layers.Concatenate(axis=axis), lambda ts: torch.cat(ts, dim=axis), arrays)


def test_concatenate_errors():
    with pytest.raises(ValueError, match=r"Concatenate '\w+' requires inputs with matching shapes "
                                         r"except for the concatenation axis -1.*\(2, 3\), "
                                         r"\(3, 4\)"):
        layers.Concatenate()([rand(2, 3), rand(3, 4)])
    with pytest.raises(ValueError, match="matching shapes"):
        layers.Concatenate()([rand(2, 3), rand(2, 3, 1)])
    with pytest.raises(ValueError, match="concatenation axis 1"):
        layers.Concatenate(axis=1)([Input(shape=(3, 4)), Input(shape=(3, 5))])


# -- Dot ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("axes,shapes,torch_fn", [
    (1, [(4, 5), (4, 5)], lambda a, b: (a * b).sum(1, keepdim=True)),
    (-1, [(4, 5), (4, 5)], lambda a, b: (a * b).sum(1, keepdim=True)),
    ((1, 2), [(2, 3, 5), (2, 10, 3)], lambda a, b: torch.einsum("bkx,byk->bxy", a, b)),
    (2, [(2, 3, 4), (2, 6, 4)], lambda a, b: torch.bmm(a, b.transpose(1, 2))),
    ((2, 1), [(2, 3, 4), (2, 4, 6)], lambda a, b: torch.bmm(a, b)),
    ((1, 1), [(2, 4), (2, 4, 6)], lambda a, b: torch.einsum("bk,bky->by", a, b)),
    ((2, 3), [(2, 3, 4, 5), (2, 6, 7, 4)], lambda a, b: torch.einsum("bxky,bzwk->bxyzw", a, b)),
])
def test_dot_parity(axes, shapes, torch_fn):
    arrays = [rand(*s, seed=i) for i, s in enumerate(shapes)]
    check_parity(layers.Dot(axes=axes), lambda ts: torch_fn(*ts), arrays, rtol=1e-5, atol=1e-5)


def test_dot_normalize_is_cosine_similarity():
    a, b = rand(6, 8), rand(6, 8, seed=1)
    cos = torch.nn.functional.cosine_similarity
    check_parity(layers.Dot(axes=1, normalize=True),
                 lambda ts: cos(ts[0], ts[1], dim=1)[:, None], [a, b])
    out = layers.Dot(axes=1, normalize=True)([np.zeros((1, 8), "float32"), b[:1]])
    assert npy(out).tolist() == [[0.0]]  # Keras's epsilon: a zero vector gives 0, not NaN


def test_dot_errors_and_config():
    with pytest.raises(ValueError, match=r"incompatible input shapes: axis values 3 \(at axis 1\) "
                                         r"!= 4 \(at axis 1\)"):
        layers.Dot(axes=1)([rand(2, 3), rand(2, 4)])
    with pytest.raises(ValueError, match="batch axis 0"):
        layers.Dot(axes=0)([rand(2, 3), rand(2, 3)])
    with pytest.raises(ValueError, match="exactly 2 inputs"):
        layers.Dot(axes=1)([rand(2, 3)] * 3)
    with pytest.raises(ValueError, match="two integers"):
        layers.Dot(axes=(1, 2, 3))
    with pytest.raises(TypeError, match="list or an int"):
        layers.Dot(axes="1")
    layer = layers.Dot(axes=(1, 2), normalize=True)
    config = layer.get_config()
    assert config["axes"] == [1, 2] and config["normalize"] is True
    clone = layers.Dot.from_config(config)
    assert clone.get_config() == config


# -- masks ----------------------------------------------------------------------------------------

def test_elementwise_masks_are_or_ed():
    a = masked(rand(2, 3, 4), [[True, False, False], [True, True, False]])
    b = masked(rand(2, 3, 4, seed=1), [[False, True, False], [True, False, False]])
    for cls in (layers.Add, layers.Subtract, layers.Multiply, layers.Average, layers.Maximum,
                layers.Minimum):
        out = cls()([a, b])
        assert get_mask(out).tolist() == [[True, True, False], [True, True, False]]
    # one unmasked input: Keras 3 gives no mask
    plain = ember.from_numpy(rand(2, 3, 4, seed=2))
    assert get_mask(layers.Add()([a, plain])) is None


def test_masked_entries_do_not_win_maximum_or_multiply():
    a = masked([[[5.0], [1.0]]], [[False, True]])
    b = masked([[[2.0], [3.0]]], [[True, False]])
    assert npy(layers.Maximum()([a, b])).ravel().tolist() == [2.0, 1.0]
    assert npy(layers.Minimum()([a, b])).ravel().tolist() == [2.0, 1.0]
    assert npy(layers.Multiply()([a, b])).ravel().tolist() == [2.0, 1.0]
    c = masked([[[5.0], [7.0]]], [[False, False]])
    d = masked([[[2.0], [3.0]]], [[True, False]])
    # positions masked in every input are 0 in a masked product
    assert npy(layers.Multiply()([c, d])).ravel().tolist() == [2.0, 0.0]


def test_concatenate_masks():
    a = masked(rand(2, 2, 3), [[True, False], [False, True]])
    b = ember.from_numpy(rand(2, 1, 3, seed=1))  # unmasked: counts as all True
    out = layers.Concatenate(axis=1)([a, b])
    assert get_mask(out).tolist() == [[True, False, True], [False, True, True]]
    c = masked(rand(2, 2, 4, seed=2), [[False, False], [True, False]])
    out = layers.Concatenate()([a, c])  # feature axis: a step is kept if any input keeps it
    assert get_mask(out).tolist() == [[True, False], [True, True]]
    assert get_mask(layers.Concatenate()([ember.ones(2, 3), ember.ones(2, 3)])) is None


def test_dot_drops_masks():
    a = masked(rand(2, 3, 4), [[True, False, True], [True, True, True]])
    assert get_mask(layers.Dot(axes=2)([a, a])) is None


# -- functional forms and configs -----------------------------------------------------------------

@pytest.mark.parametrize("fn,cls,kwargs", [
    (layers.add, layers.Add, {}), (layers.subtract, layers.Subtract, {}),
    (layers.multiply, layers.Multiply, {}), (layers.average, layers.Average, {}),
    (layers.maximum, layers.Maximum, {}), (layers.minimum, layers.Minimum, {}),
    (layers.concatenate, layers.Concatenate, {"axis": 1}), (layers.dot, layers.Dot, {"axes": 1}),
])
def test_functional_forms_match_layers(fn, cls, kwargs):
    a, b = rand(3, 4), rand(3, 4, seed=1)
    np.testing.assert_array_equal(npy(fn([a, b], **kwargs)), npy(cls(**kwargs)([a, b])))
    x, y = Input(shape=(4,)), Input(shape=(4,))
    out = fn([x, y], **kwargs)
    assert out._keras_history[0].__class__ is cls
    layer = cls(**kwargs)
    assert cls.from_config(layer.get_config()).get_config() == layer.get_config()
