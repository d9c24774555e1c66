"""Keras attention layers: MultiHeadAttention (PyTorch parity with the weights reshaped across,
values, attention weights and gradients; masks; shapes; parameter counts), Attention and
AdditiveAttention (NumPy references)."""

import numpy as np
import pytest

import ember
from ember.keras.layers import (
    AdditiveAttention,
    Attention,
    Embedding,
    Input,
    MultiHeadAttention,
)

torch = pytest.importorskip("torch")

B, TQ, TV, E, HEADS = 2, 5, 6, 8, 2
HD = E // HEADS


def rand(*shape, seed=0):
    return np.random.RandomState(seed).randn(*shape).astype("float32")


def npy(t):
    return t.detach().numpy() if isinstance(t, (ember.Tensor, torch.Tensor)) else np.asarray(t)


def close(a, b, rtol=1e-5, atol=1e-5):
    np.testing.assert_allclose(npy(a), npy(b), rtol=rtol, atol=atol)


def softmax(z):
    e = np.exp(z - z.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def mha_and_torch():
    """A built MultiHeadAttention with random weights and the nn.MultiheadAttention computing
    the same function (Keras kernels (E, heads, head_dim) are PyTorch's (E, E) transposed)."""
    mha = MultiHeadAttention(num_heads=HEADS, key_dim=HD)
    mha(rand(B, TQ, E), rand(B, TV, E))
    mha.set_weights([0.3 * rand(*w.shape, seed=i + 1) for i, w in enumerate(mha.get_weights())])
    w = {n: npy(p) for n, p in mha.named_parameters()}
    t = torch.nn.MultiheadAttention(E, HEADS, batch_first=True)
    with torch.no_grad():
        t.in_proj_weight.copy_(torch.tensor(np.concatenate(
            [w[f"{p}_dense.kernel"].reshape(E, E).T for p in ("query", "key", "value")])))
        t.in_proj_bias.copy_(torch.tensor(np.concatenate(
            [w[f"{p}_dense.bias"].ravel() for p in ("query", "key", "value")])))
        t.out_proj.weight.copy_(torch.tensor(w["output_dense.kernel"].reshape(E, E).T))
        t.out_proj.bias.copy_(torch.tensor(w["output_dense.bias"]))
    return mha, t


# -- MultiHeadAttention ---------------------------------------------------------------------------

def test_mha_weights_match_keras_layout_and_count():
    mha = MultiHeadAttention(num_heads=2, key_dim=2)
    out = mha(rand(3, 8, 16), rand(3, 4, 16))
    assert tuple(out.shape) == (3, 8, 16)
    assert mha.count_params() == 284  # Keras's documented example
    assert [w.shape for w in mha.get_weights()] == [
        (16, 2, 2), (2, 2), (16, 2, 2), (2, 2), (16, 2, 2), (2, 2), (2, 2, 16), (16,)]
    assert [s.name for s in (mha.query_dense, mha.key_dense, mha.value_dense,
                             mha.output_dense)] == ["query", "key", "value", "attention_output"]
    no_bias = MultiHeadAttention(2, 2, use_bias=False)
    no_bias(rand(3, 8, 16), rand(3, 4, 16))
    assert no_bias.count_params() == 3 * 64 + 64


def test_mha_initial_values():
    mha = MultiHeadAttention(num_heads=8, key_dim=64)
    mha(rand(2, 3, 256), rand(2, 3, 256))
    kernel = mha.get_weights()[0]  # (256, 8, 64): Keras's fans are 8·256 and 64·256
    expected = np.sqrt(2.0 / (8 * 256 + 64 * 256))
    assert abs(kernel.std() / expected - 1) < 0.03
    assert (mha.get_weights()[1] == 0).all()


def test_mha_parity_with_torch_padding_mask_and_gradients():
    mha, t = mha_and_torch()
    q, v = rand(B, TQ, E, seed=10), rand(B, TV, E, seed=11)
    keep = np.ones((B, TV), bool)
    keep[0, 4:] = False
    qe, ve = ember.tensor(q, requires_grad=True), ember.tensor(v, requires_grad=True)
    out, scores = mha(qe, ve, value_mask=ember.tensor(keep), return_attention_scores=True)
    qt, vt = torch.tensor(q, requires_grad=True), torch.tensor(v, requires_grad=True)
    t_out, t_scores = t(qt, vt, vt, key_padding_mask=torch.tensor(~keep),
                        average_attn_weights=False)
    close(out, t_out)
    close(scores, t_scores)
    g = rand(B, TQ, E, seed=12)
    (out * ember.tensor(g)).sum().backward()
    (t_out * torch.tensor(g)).sum().backward()
    close(qe.grad, qt.grad)
    close(ve.grad, vt.grad)
    close(mha.output_dense.kernel.grad.reshape(E, E), t.out_proj.weight.grad.T)
    close(mha.query_dense.kernel.grad.reshape(E, E), t.in_proj_weight.grad[:E].T)


def test_mha_causal_and_explicit_attention_masks():
    mha, t = mha_and_torch()
    q = rand(B, TQ, E, seed=3)
    out = mha(q, q, use_causal_mask=True)
    causal = torch.triu(torch.ones(TQ, TQ, dtype=torch.bool), 1)
    close(out, t(torch.tensor(q), torch.tensor(q), torch.tensor(q), attn_mask=causal)[0])
    allowed = np.random.RandomState(2).rand(B, TQ, TQ) > 0.3
    allowed[:, :, 0] = True
    out = mha(q, q, attention_mask=ember.tensor(allowed))
    t_mask = torch.tensor(~allowed).repeat_interleave(HEADS, 0)
    close(out, t(torch.tensor(q), torch.tensor(q), torch.tensor(q), attn_mask=t_mask)[0])


def test_mha_uses_keras_masks_of_its_inputs():
    mha = MultiHeadAttention(num_heads=2, key_dim=3)
    emb = Embedding(10, 4, mask_zero=True)
    ids = np.array([[1, 2, 0, 0], [3, 4, 5, 0]])
    x = emb(ids)
    out = mha(x, x)
    explicit = mha(x.detach(), x.detach(), query_mask=ember.tensor(ids != 0),
                   value_mask=ember.tensor(ids != 0))
    close(out, explicit)
    _, scores = mha(x, x, return_attention_scores=True)
    s = npy(scores)
    assert np.allclose(s[0, :, :2, 2:], 0.0, atol=1e-6)  # padded keys get no weight
    np.testing.assert_allclose(s[0, :, 2:], 0.25, atol=1e-6)  # masked queries: uniform rows


def test_mha_shapes_options_and_symbolic_call():
    mha = MultiHeadAttention(num_heads=3, key_dim=4, value_dim=5, output_shape=(2, 7))
    out, scores = mha(rand(2, 3, 6), rand(2, 4, 9), rand(2, 4, 10), return_attention_scores=True)
    assert tuple(out.shape) == (2, 3, 2, 7) and tuple(scores.shape) == (2, 3, 3, 4)
    assert [w.shape for w in mha.get_weights()][4:] == [(9, 3, 5), (3, 5), (3, 5, 2, 7), (2, 7)]
    image = MultiHeadAttention(num_heads=2, key_dim=2)
    out, scores = image(rand(2, 3, 4, 6), rand(2, 5, 2, 6), return_attention_scores=True)
    assert tuple(out.shape) == (2, 3, 4, 6) and tuple(scores.shape) == (2, 2, 3, 4, 5, 2)
    q, v = Input(shape=(None, 16)), Input(shape=(7, 16))
    sym = MultiHeadAttention(num_heads=4, key_dim=8)
    assert sym(q, v).shape == (None, None, 16)
    assert sym.get_build_config()["value_shape"][-1] == 16


def test_mha_dropout_only_in_training():
    mha = MultiHeadAttention(num_heads=2, key_dim=4, dropout=0.5)
    q = rand(4, 6, 8)
    close(mha(q, q), mha(q, q, training=False))
    assert not np.allclose(npy(mha(q, q, training=True)), npy(mha(q, q)))


def test_mha_config_roundtrip():
    mha = MultiHeadAttention(num_heads=2, key_dim=3, value_dim=4, dropout=0.1,
                             output_shape=5, kernel_regularizer="l2")
    q, v = rand(2, 3, 6), rand(2, 4, 6)
    mha(q, v)
    clone = MultiHeadAttention.from_config(mha.get_config())
    clone.build_from_config(mha.get_build_config())
    clone.set_weights(mha.get_weights())
    close(clone(q, v), mha(q, v))
    assert clone.get_config() == mha.get_config()
    assert len(mha.losses) == 4  # the l2 penalty of each projection kernel


def test_mha_errors():
    with pytest.raises(NotImplementedError, match="attention_axes"):
        MultiHeadAttention(2, 2, attention_axes=(2,))(rand(2, 3, 4, 5), rand(2, 3, 4, 5))
    with pytest.raises(ValueError, match=r"expects query of rank >= 3.*\(2, 4\)"):
        MultiHeadAttention(2, 2)(rand(2, 4), rand(2, 3, 4))
    with pytest.raises(ValueError, match="All dimensions of `value` and `key`"):
        MultiHeadAttention(2, 2)(rand(2, 3, 4), rand(2, 5, 4), rand(2, 6, 4))
    with pytest.raises(ValueError, match="Invalid `output_shape`"):
        MultiHeadAttention(2, 2, output_shape=("a",))


# -- Attention, AdditiveAttention -----------------------------------------------------------------

def test_dot_attention_matches_numpy_with_masks():
    q, v, k = rand(B, TQ, E, seed=1), rand(B, TV, E, seed=2), rand(B, TV, E, seed=3)
    q_mask = np.ones((B, TQ), bool)
    q_mask[1, -1] = False
    v_mask = np.ones((B, TV), bool)
    v_mask[0, 3:] = False
    layer = Attention(use_scale=True)
    layer([q, v])
    layer.set_weights([np.array(0.7, "float32")])
    out, weights = layer([q, v, k], mask=[ember.tensor(q_mask), ember.tensor(v_mask)],
                         return_attention_scores=True)
    scores = 0.7 * q @ k.transpose(0, 2, 1) - 1e9 * (~v_mask[:, None, :])
    ref_w = softmax(scores)
    close(weights, ref_w)
    close(out, (ref_w @ v) * q_mask[..., None])
    assert layer.compute_mask([q, v], [ember.tensor(q_mask), None]) is not None
    causal = Attention()([q, q], use_causal_mask=True)
    s = q @ q.transpose(0, 2, 1) - 1e9 * np.triu(np.ones((TQ, TQ)), 1)
    close(causal, softmax(s) @ q)


def test_concat_and_additive_attention_match_numpy():
    q, v = rand(B, TQ, E, seed=1), rand(B, TV, E, seed=2)
    concat = Attention(score_mode="concat")
    out = concat([q, v])
    assert concat.count_params() == 1
    close(out, softmax(np.tanh(q[:, :, None] + v[:, None]).sum(-1)) @ v)
    add = AdditiveAttention()
    add([q, v])
    scale = rand(E, seed=5)
    add.set_weights([scale])
    close(add([q, v]), softmax((scale * np.tanh(q[:, :, None] + v[:, None])).sum(-1)) @ v)
    assert "score_mode" not in add.get_config()
    clone = AdditiveAttention.from_config(add.get_config())
    clone([q, v])
    assert clone.count_params() == E
    assert Attention()([Input(shape=(3, 4)), Input(shape=(5, 4))]).shape == (None, 3, 4)


def test_attention_errors():
    with pytest.raises(ValueError, match="must be called on a list of inputs"):
        Attention()(rand(2, 3, 4))
    with pytest.raises(ValueError, match="accepts inputs list of length 2 or 3"):
        Attention()([rand(2, 3, 4)] * 4)
    with pytest.raises(ValueError, match="Invalid value for argument score_mode"):
        Attention(score_mode="general")


def test_constraints_are_refused_clearly():
    from ember.keras.layers import MultiHeadAttention

    with pytest.raises(NotImplementedError, match="MultiHeadAttention '.*': kernel_constraint="):
        MultiHeadAttention(2, 4, kernel_constraint=lambda w: w)
