"""Keras recurrent layers, Embedding and wrappers: SimpleRNN, LSTM, GRU, their cells, RNN(cell),
Embedding (masks), Bidirectional, TimeDistributed.

Parity: PyTorch's nn.LSTM/GRU/RNN with the Keras weights copied across (gate blocks reordered
for the GRU), values and gradients; a NumPy transcription of Keras's masked step loop; and the
fused-kernel path against the step loop (``use_cudnn=False``) on masks, ``go_backwards`` and
``zero_output_for_mask``."""

import numpy as np
import pytest

import ember
from ember.keras.layers import (
    GRU,
    LSTM,
    RNN,
    Bidirectional,
    Embedding,
    GRUCell,
    Input,
    LayerNormalization,
    LSTMCell,
    SimpleRNN,
    SimpleRNNCell,
    TimeDistributed,
)

torch = pytest.importorskip("torch")

RTOL, ATOL = 1e-5, 1e-5
B, T, D, H = 4, 6, 5, 3


def rand(*shape, seed=0):
    return np.random.RandomState(seed).randn(*shape).astype("float32")


def npy(t):
    return t.detach().numpy() if isinstance(t, (ember.Tensor, torch.Tensor)) else np.asarray(t)


def close(a, b, rtol=RTOL, atol=ATOL):
    np.testing.assert_allclose(npy(a), npy(b), rtol=rtol, atol=atol)


def built(layer, shape=(B, T, D)):
    layer(np.zeros(shape, "float32"))
    return layer


def randomize(layer, seed=1):
    layer.set_weights([0.5 * rand(*w.shape, seed=seed + i) for i, w in
                       enumerate(layer.get_weights())])
    return layer


# -- PyTorch layouts ------------------------------------------------------------------------------

def gru_order(units):
    """Keras's GRU gate blocks z, r, h in PyTorch's order r, z, n."""
    return np.r_[units:2 * units, 0:units, 2 * units:3 * units]


def torch_twin(layer):
    """The PyTorch layer computing ``layer`` (a built LSTM, GRU or SimpleRNN)."""
    kernel, recurrent, bias = layer.get_weights()
    units = layer.units
    if isinstance(layer, LSTM):
        t = torch.nn.LSTM(kernel.shape[0], units, batch_first=True)
        b_ih, b_hh = bias, np.zeros_like(bias)
    elif isinstance(layer, GRU):
        t = torch.nn.GRU(kernel.shape[0], units, batch_first=True)
        order = gru_order(units)
        kernel, recurrent = kernel[:, order], recurrent[:, order]
        b_ih, b_hh = bias[0][order], bias[1][order]
    else:
        act = "relu" if layer.activation.__name__ == "relu" else "tanh"
        t = torch.nn.RNN(kernel.shape[0], units, batch_first=True, nonlinearity=act)
        b_ih, b_hh = bias, np.zeros_like(bias)
    with torch.no_grad():
        t.weight_ih_l0.copy_(torch.tensor(kernel.T))
        t.weight_hh_l0.copy_(torch.tensor(recurrent.T))
        t.bias_ih_l0.copy_(torch.tensor(b_ih))
        t.bias_hh_l0.copy_(torch.tensor(b_hh))
    return t


def torch_grads_as_keras(layer, t):
    """The PyTorch weight gradients mapped to the Keras weights (kernel, recurrent, bias)."""
    gk, gr = t.weight_ih_l0.grad.numpy().T, t.weight_hh_l0.grad.numpy().T
    gbi, gbh = t.bias_ih_l0.grad.numpy(), t.bias_hh_l0.grad.numpy()
    if isinstance(layer, GRU):
        inverse = np.argsort(gru_order(layer.units))
        return gk[:, inverse], gr[:, inverse], np.stack([gbi[inverse], gbh[inverse]])
    return gk, gr, gbi


# -- a NumPy transcription of Keras's step loop with masks ---------------------------------------

def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def numpy_step(layer, x, states):
    kernel, recurrent, bias = layer.get_weights()
    u = layer.units
    if isinstance(layer, LSTM):
        h, c = states
        z = x @ kernel + h @ recurrent + bias
        act = np.tanh if layer.activation.__name__ == "tanh" else (lambda v: np.maximum(v, 0))
        i, f, o = sigmoid(z[:, :u]), sigmoid(z[:, u:2 * u]), sigmoid(z[:, 3 * u:])
        c = f * c + i * act(z[:, 2 * u:3 * u])
        h = o * act(c)
        return h, [h, c]
    if isinstance(layer, GRU):
        (h,) = states
        if layer.reset_after:
            xz = x @ kernel + bias[0]
            hz = h @ recurrent + bias[1]
            z, r = sigmoid(xz[:, :u] + hz[:, :u]), sigmoid(xz[:, u:2 * u] + hz[:, u:2 * u])
            hh = np.tanh(xz[:, 2 * u:] + r * hz[:, 2 * u:])
        else:
            xz = x @ kernel + bias
            hz = h @ recurrent[:, :2 * u]
            z, r = sigmoid(xz[:, :u] + hz[:, :u]), sigmoid(xz[:, u:2 * u] + hz[:, u:])
            hh = np.tanh(xz[:, 2 * u:] + (r * h) @ recurrent[:, 2 * u:])
        h = z * h + (1 - z) * hh
        return h, [h]
    (h,) = states
    h = np.tanh(x @ kernel + bias + h @ recurrent)
    return h, [h]


def numpy_keras_rnn(layer, x, mask=None, states=None, go_backwards=False, zero_output=False):
    """Keras's backend.rnn loop: masked steps keep the states and repeat the previous output
    (zeros with zero_output_for_mask); go_backwards reverses the inputs and returns outputs
    in processing order. Returns (outputs (B, T, U), last output, final states)."""
    batch, steps = x.shape[:2]
    n_states = 2 if isinstance(layer, LSTM) else 1
    states = states or [np.zeros((batch, layer.units), "float32")] * n_states
    order = range(steps - 1, -1, -1) if go_backwards else range(steps)
    prev = np.zeros((batch, layer.units), "float32")
    outs = []
    for t in order:
        out, new = numpy_step(layer, x[:, t], states)
        if mask is not None:
            m = mask[:, t][:, None]
            out = np.where(m, out, 0.0 if zero_output else prev)
            new = [np.where(m, n, s) for n, s in zip(new, states)]
        prev, states = out, new
        outs.append(out)
    return np.stack(outs, 1), outs[-1], states


# -- shapes, parameter counts, initial values ---------------------------------------------------

@pytest.mark.parametrize("layer, count", [
    (lambda: LSTM(64), 33024),
    (lambda: GRU(64), 24960),
    (lambda: GRU(64, reset_after=False), 24768),
    (lambda: SimpleRNN(64), 8256),
    (lambda: Bidirectional(LSTM(64)), 66048),
    (lambda: LSTM(64, use_bias=False), 32768),
])
def test_parameter_counts_match_keras(layer, count):
    lay = built(layer(), (2, 3, 64))
    assert lay.count_params() == count


def test_weight_names_and_layouts():
    lstm, gru, srnn = built(LSTM(H)), built(GRU(H)), built(SimpleRNN(H))
    assert [n for n, _ in lstm.named_parameters()] == ["cell.kernel", "cell.recurrent_kernel",
                                                       "cell.bias"]
    assert [w.shape for w in lstm.get_weights()] == [(D, 4 * H), (H, 4 * H), (4 * H,)]
    assert [w.shape for w in gru.get_weights()] == [(D, 3 * H), (H, 3 * H), (2, 3 * H)]
    assert built(GRU(H, reset_after=False)).get_weights()[2].shape == (3 * H,)
    assert [w.shape for w in srnn.get_weights()] == [(D, H), (H, H), (H,)]
    assert lstm.cell.name == "lstm_cell" and gru.cell.name == "gru_cell"
    assert lstm.name.startswith("lstm") and srnn.name.startswith("simple_rnn")


def test_initial_values_follow_keras_defaults():
    lstm = built(LSTM(64), (2, 3, 128))
    kernel, recurrent, bias = lstm.get_weights()
    expected = np.sqrt(2.0 / (128 + 256))  # glorot_uniform std, fans of (128, 4·64)
    assert abs(kernel.std() / expected - 1) < 0.03
    assert abs(kernel).max() <= np.sqrt(6.0 / (128 + 256)) + 1e-7
    np.testing.assert_allclose(recurrent @ recurrent.T, np.eye(64), atol=1e-5)  # orthogonal
    np.testing.assert_array_equal(bias, np.r_[np.zeros(64), np.ones(64), np.zeros(128)])
    gru_bias = built(GRU(8)).get_weights()[2]
    assert (gru_bias == 0).all()
    no_forget = built(LSTM(4, unit_forget_bias=False)).get_weights()[2]
    assert (no_forget == 0).all()


def test_output_shapes_eager_and_symbolic():
    x = rand(B, T, D)
    assert tuple(LSTM(H)(x).shape) == (B, H)
    assert tuple(GRU(H, return_sequences=True)(x).shape) == (B, T, H)
    out, h, c = LSTM(H, return_sequences=True, return_state=True)(x)
    assert tuple(out.shape) == (B, T, H) and tuple(h.shape) == tuple(c.shape) == (B, H)
    assert len(GRU(H, return_state=True)(x)) == 2
    inp = Input(shape=(T, D))
    assert LSTM(H)(inp).shape == (None, H)
    assert SimpleRNN(H, return_sequences=True)(Input(shape=(None, D))).shape == (None, None, H)
    outs = LSTM(H, return_state=True)(inp)
    assert [o.shape for o in outs] == [(None, H)] * 3
    assert Bidirectional(GRU(H, return_sequences=True))(inp).shape == (None, T, 2 * H)
    assert TimeDistributed(LayerNormalization())(inp).shape == (None, T, D)


# -- parity with PyTorch --------------------------------------------------------------------------

LAYERS = {
    "lstm": lambda **kw: LSTM(H, **kw),
    "gru": lambda **kw: GRU(H, **kw),
    "rnn_tanh": lambda **kw: SimpleRNN(H, **kw),
    "rnn_relu": lambda **kw: SimpleRNN(H, activation="relu", **kw),
}


@pytest.mark.parametrize("kind", list(LAYERS))
@pytest.mark.parametrize("go_backwards", [False, True])
def test_parity_with_torch_values_states_and_gradients(kind, go_backwards):
    layer = randomize(built(LAYERS[kind](return_sequences=True, return_state=True,
                                         go_backwards=go_backwards)))
    t = torch_twin(layer)
    x = rand(B, T, D, seed=7)
    xe = ember.tensor(x, requires_grad=True)
    out, *states = layer(xe)
    xt = torch.tensor(x[:, ::-1].copy() if go_backwards else x, requires_grad=True)
    t_out, t_states = t(xt)
    t_states = list(t_states) if isinstance(t_states, tuple) else [t_states]
    close(out, t_out)  # go_backwards: outputs in processing order, as Keras returns them
    for s, ts in zip(states, t_states):
        close(s, ts[0])
    g = rand(B, T, H, seed=8)
    gs = [rand(B, H, seed=9 + i) for i in range(len(states))]
    loss = (out * ember.tensor(g)).sum()
    for s, gi in zip(states, gs):
        loss = loss + (s * ember.tensor(gi)).sum()
    loss.backward()
    t_loss = (t_out * torch.tensor(g)).sum()
    for s, gi in zip(t_states, gs):
        t_loss = t_loss + (s[0] * torch.tensor(gi)).sum()
    t_loss.backward()
    t_xgrad = xt.grad.numpy()[:, ::-1] if go_backwards else xt.grad.numpy()
    close(xe.grad, t_xgrad)
    for w, tg in zip(layer.trainable_weights, torch_grads_as_keras(layer, t)):
        close(w.grad, tg)


def test_initial_state_parity_with_torch():
    layer = randomize(built(LSTM(H, return_state=True)))
    t = torch_twin(layer)
    x, h0, c0 = rand(B, T, D, seed=2), rand(B, H, seed=3), rand(B, H, seed=4)
    out, h, c = layer(x, initial_state=[h0, c0])
    t_out, (th, tc) = t(torch.tensor(x), (torch.tensor(h0)[None], torch.tensor(c0)[None]))
    close(out, t_out[:, -1])
    close(c, tc[0])
    gru = randomize(built(GRU(H)))
    close(gru(x, initial_state=h0), torch_twin(gru)(torch.tensor(x), torch.tensor(h0)[None])[1][0])


# -- masks: Keras semantics, fused path == step loop ----------------------------------------------

LENGTHS = np.array([6, 3, 0, 5])
POST = np.arange(T)[None, :] < LENGTHS[:, None]  # right padding ("post")
PRE = POST[:, ::-1].copy()  # left padding, pad_sequences' default
HOLES = POST.copy()
HOLES[0, 2] = False  # not one block of valid steps: only the step loop handles it
MASKS = {"post": POST, "pre": PRE, "holes": HOLES}


@pytest.mark.parametrize("kind", ["lstm", "gru", "rnn_tanh"])
@pytest.mark.parametrize("mask_name", list(MASKS))
@pytest.mark.parametrize("options", [
    {}, {"go_backwards": True}, {"zero_output_for_mask": True},
    {"go_backwards": True, "zero_output_for_mask": True},
])
def test_masked_outputs_follow_keras_loop(kind, mask_name, options):
    mask = MASKS[mask_name]
    layer = randomize(built(LAYERS[kind](return_sequences=True, return_state=True, **options)))
    x = rand(B, T, D, seed=5)
    out, *states = layer(ember.tensor(x), mask=ember.tensor(mask))
    ref_out, _, ref_states = numpy_keras_rnn(
        layer, x, mask, go_backwards=options.get("go_backwards", False),
        zero_output=options.get("zero_output_for_mask", False))
    close(out, ref_out)
    for s, r in zip(states, ref_states):
        close(s, r)
    last = LAYERS[kind](**options)
    built(last).set_weights(layer.get_weights())
    close(last(ember.tensor(x), mask=ember.tensor(mask)), ref_out[:, -1])


@pytest.mark.parametrize("cls", [LSTM, GRU])
@pytest.mark.parametrize("mask_name", ["post", "pre"])
@pytest.mark.parametrize("options", [
    {"return_sequences": True}, {"go_backwards": True, "return_sequences": True},
    {"zero_output_for_mask": True, "return_sequences": True}, {},
])
def test_fused_kernel_matches_step_loop_with_gradients(cls, mask_name, options):
    fused = randomize(built(cls(H, return_state=True, **options)))
    loop = built(cls(H, return_state=True, use_cudnn=False, **options))
    loop.set_weights(fused.get_weights())
    mask = ember.tensor(MASKS[mask_name])
    results = []
    for layer in (fused, loop):
        x = ember.tensor(rand(B, T, D, seed=3), requires_grad=True)
        h0 = ember.tensor(rand(B, H, seed=4), requires_grad=True)
        init = [h0, h0 * 2.0] if cls is LSTM else [h0]
        outs = layer(x, mask=mask, initial_state=init)
        loss = sum((o * ember.tensor(rand(*o.shape, seed=10 + i))).sum()
                   for i, o in enumerate(outs))
        loss.backward()
        results.append([npy(o) for o in outs] + [npy(x.grad), npy(h0.grad)]
                       + [npy(w.grad) for w in layer.trainable_weights])
    for a, b in zip(*results):
        close(a, b)


def test_fully_masked_batch_keeps_initial_states():
    layer = randomize(built(GRU(H, return_sequences=True, return_state=True)))
    h0 = rand(B, H, seed=2)
    out, h = layer(rand(B, T, D), mask=ember.zeros(B, T, dtype=ember.bool), initial_state=h0)
    assert (npy(out) == 0).all()
    close(h, h0)


@pytest.mark.parametrize("kind", ["gru_reset_before", "lstm_relu"])
def test_step_loop_configurations_match_numpy(kind):
    if kind == "gru_reset_before":
        layer = GRU(H, reset_after=False, return_sequences=True)
    else:
        layer = LSTM(H, activation="relu", return_sequences=True)
    randomize(built(layer))
    x = rand(B, T, D, seed=6)
    close(layer(ember.tensor(x), mask=ember.tensor(PRE)), numpy_keras_rnn(layer, x, PRE)[0])
    close(layer(x), numpy_keras_rnn(layer, x)[0])


def test_use_cudnn_argument():
    with pytest.raises(ValueError, match="use_cudnn"):
        LSTM(H, use_cudnn="yes")
    strict = GRU(H, reset_after=False, use_cudnn=True)
    with pytest.raises(ValueError, match="use_cudnn=True was specified"):
        strict(rand(B, T, D))


# -- dropout --------------------------------------------------------------------------------------

@pytest.mark.parametrize("cls", [LSTM, GRU, SimpleRNN])
def test_dropout_only_in_training(cls):
    x = rand(8, T, D)
    plain = built(cls(H))
    drop = built(cls(H, dropout=0.5, recurrent_dropout=0.3))
    drop.set_weights(plain.get_weights())
    close(drop(x), plain(x))
    ember.manual_seed(0)
    y = drop(ember.tensor(x, requires_grad=True), training=True)
    assert np.isfinite(npy(y)).all() and not np.allclose(npy(y), npy(plain(x)))
    y.sum().backward()
    assert all(w.grad is not None for w in drop.trainable_weights)
    fused_drop = built(cls(H, dropout=0.5))
    assert not np.allclose(npy(fused_drop(x, training=True)), npy(fused_drop(x)))


@pytest.mark.parametrize("recurrent_dropout", [0.0, 0.5])  # fused kernel, step loop
def test_input_dropout_mask_is_shared_across_timesteps(recurrent_dropout):
    cell = SimpleRNNCell(H, dropout=0.5, recurrent_dropout=recurrent_dropout, use_bias=False)
    layer = built(RNN(cell, return_sequences=True), (64, T, D))
    layer.set_weights([np.ones((D, H), "float32"), np.zeros((H, H), "float32")])
    x = np.ones((64, T, D), "float32")  # constant over time: equal outputs iff equal masks
    y = npy(layer(x, training=True))
    np.testing.assert_allclose(y, np.broadcast_to(y[:, :1], y.shape), rtol=1e-6)
    assert len(np.unique(y.round(5))) > 1  # some inputs were dropped


# -- states, cells, generic RNN -------------------------------------------------------------------

def test_stateful_layer_carries_states_between_calls():
    x = rand(B, 2 * T, D)
    whole = randomize(built(LSTM(H)))
    stateful = built(LSTM(H, stateful=True))
    stateful.set_weights(whole.get_weights())
    stateful(x[:, :T])
    close(stateful(x[:, T:]), whole(x))
    stateful.reset_states()
    close(stateful(x[:, :T]), whole(x[:, :T]))


def test_generic_rnn_over_cells_equals_layers():
    x = rand(B, T, D)
    for layer, cell in ((LSTM(H, return_sequences=True), LSTMCell(H)),
                        (GRU(H, return_sequences=True), GRUCell(H)),
                        (SimpleRNN(H, return_sequences=True), SimpleRNNCell(H))):
        randomize(built(layer))
        rnn = built(RNN(cell, return_sequences=True))
        rnn.set_weights(layer.get_weights())
        close(rnn(x), layer(x))
    cell = LSTMCell(H)
    h, (h2, c) = cell(rand(B, D), [ember.zeros(B, H), ember.zeros(B, H)])
    assert tuple(h.shape) == (B, H) and h2 is h and cell.state_size == [H, H]


def test_custom_cell_runs_in_the_step_loop():
    class Accumulate(SimpleRNNCell):
        """A subclass: not the fused kernel's cell, so the generic loop runs it."""

    fused = randomize(built(RNN(SimpleRNNCell(H), return_sequences=True)))
    loop = built(RNN(Accumulate(H), return_sequences=True))
    loop.set_weights(fused.get_weights())
    x = rand(B, T, D)
    close(loop(x), fused(x))
    close(loop(ember.tensor(x), mask=ember.tensor(PRE)),
          fused(ember.tensor(x), mask=ember.tensor(PRE)))


# -- Embedding ------------------------------------------------------------------------------------

def test_embedding_lookup_init_and_gradients():
    emb = Embedding(1000, 64)
    idx = np.array([[1, 2, 2], [999, 0, 1]])
    out = emb(idx)
    table = emb.get_weights()[0]
    assert emb.count_params() == 64000 and table.shape == (1000, 64)
    close(out, table[idx])
    assert abs(table).max() <= 0.05 and abs(table.std() / (0.1 / np.sqrt(12)) - 1) < 0.03
    out.sum().backward()
    grad = npy(emb.embeddings.grad)
    assert (grad[2] == 2).all() and (grad[1] == 2).all() and (grad[3] == 0).all()
    close(emb(idx.astype("float32")), table[idx])  # float indices are cast
    assert Embedding(10, 4)(Input(shape=(7,), dtype="int32")).shape == (None, 7, 4)


def test_embedding_mask_zero_feeds_recurrent_layers():
    emb = Embedding(20, D, mask_zero=True)
    idx = np.array([[0, 0, 3, 4, 5, 6], [1, 2, 3, 0, 0, 0], [7, 8, 9, 10, 11, 12], [0] * 6])
    vectors = emb(idx)
    np.testing.assert_array_equal(npy(emb.compute_mask(ember.tensor(idx))), idx != 0)
    lstm = randomize(built(LSTM(H)))
    close(lstm(vectors), lstm(vectors.detach(), mask=ember.tensor(idx != 0)))
    assert Embedding(5, 2).compute_mask(ember.tensor(idx)) is None


def test_embedding_options_config_and_errors():
    table = rand(6, 3)
    emb = Embedding(6, 3, weights=table, input_length=4)
    close(emb(np.array([[5, 0]])), table[[[5, 0]]])
    clone = Embedding.from_config(Embedding(6, 3, mask_zero=True).get_config())
    assert clone.mask_zero and clone.output_dim == 3
    with pytest.raises(ValueError, match=r"Embedding 'emb_err': index 6 is out of range for "
                                         r"input_dim=6"):
        Embedding(6, 3, name="emb_err")(np.array([[1, 6]]))
    with pytest.raises(ValueError, match="index -1"):
        Embedding(6, 3)(np.array([[-1]]))


# -- Bidirectional -------------------------------------------------------------------------------

def test_bidirectional_matches_torch_bidirectional_lstm():
    bi = Bidirectional(LSTM(H, return_sequences=True))
    randomize(built(bi))
    kf, rf, bf, kb, rb, bb = bi.get_weights()
    t = torch.nn.LSTM(D, H, batch_first=True, bidirectional=True)
    with torch.no_grad():
        for suffix, (k, r, b) in (("", (kf, rf, bf)), ("_reverse", (kb, rb, bb))):
            getattr(t, "weight_ih_l0" + suffix).copy_(torch.tensor(k.T))
            getattr(t, "weight_hh_l0" + suffix).copy_(torch.tensor(r.T))
            getattr(t, "bias_ih_l0" + suffix).copy_(torch.tensor(b))
            getattr(t, "bias_hh_l0" + suffix).zero_()
    x = rand(B, T, D, seed=3)
    close(bi(x), t(torch.tensor(x))[0])
    assert bi.forward_layer.name.startswith("forward_lstm")
    assert bi.backward_layer.name.startswith("backward_lstm")
    assert bi.backward_layer.go_backwards and not bi.forward_layer.go_backwards


@pytest.mark.parametrize("mode", ["sum", "mul", "ave", None])
def test_bidirectional_merge_modes_and_states(mode):
    bi = randomize(built(Bidirectional(GRU(H, return_state=True), merge_mode=mode)))
    x = rand(B, T, D)
    outs = bi(x)
    fw = npy(bi.forward_layer(x)[0])
    bw = npy(bi.backward_layer(x)[0])
    merged = {"sum": fw + bw, "mul": fw * bw, "ave": (fw + bw) / 2}
    if mode is None:
        close(outs[0], fw)
        close(outs[1], bw)
        assert len(outs) == 4
    else:
        close(outs[0], merged[mode])
        assert len(outs) == 3
        close(outs[1], fw)  # the forward GRU's final state is its last output


def test_bidirectional_masks_zero_the_padded_outputs():
    bi = randomize(built(Bidirectional(LSTM(H, return_sequences=True))))
    x = rand(B, T, D)
    out = npy(bi(ember.tensor(x), mask=ember.tensor(POST)))
    assert (out[~POST] == 0).all()  # zero_output_for_mask is forced with return_sequences
    fw, _, _ = numpy_keras_rnn(bi.forward_layer, x, POST, zero_output=True)
    close(out[..., :H], fw)
    bw, _, _ = numpy_keras_rnn(bi.backward_layer, x, POST, go_backwards=True, zero_output=True)
    close(out[..., H:], bw[:, ::-1])


def test_bidirectional_initial_state_and_initial_weights():
    weights = [0.5 * rand(*s, seed=i) for i, s in
               enumerate([(D, 4 * H), (H, 4 * H), (4 * H,)] * 2)]
    bi = Bidirectional(LSTM(H, return_sequences=True), weights=weights)
    x = rand(B, T, D)
    states = [rand(B, H, seed=10 + i) for i in range(4)]
    out = npy(bi(x, initial_state=states))
    for got, want in zip(bi.get_weights(), weights):
        np.testing.assert_array_equal(got, want)
    close(out[..., :H], bi.forward_layer(x, initial_state=states[:2]))
    close(out[..., H:], npy(bi.backward_layer(x, initial_state=states[2:]))[:, ::-1])


def test_bidirectional_config_roundtrip_and_errors():
    bi = Bidirectional(LSTM(H, return_sequences=True), merge_mode="sum")
    x = rand(B, T, D)
    randomize(built(bi))
    clone = Bidirectional.from_config(bi.get_config())
    built(clone).set_weights(bi.get_weights())
    close(clone(x), bi(x))
    assert clone.merge_mode == "sum" and clone.backward_layer.go_backwards
    with pytest.raises(ValueError, match="Invalid merge mode"):
        Bidirectional(LSTM(H), merge_mode="max")
    with pytest.raises(ValueError, match="different `go_backwards`"):
        Bidirectional(LSTM(H), backward_layer=LSTM(H))
    with pytest.raises(ValueError, match="keras.layers.Layer"):
        Bidirectional("lstm")


# -- TimeDistributed ----------------------------------------------------------------------------

def test_time_distributed_applies_the_layer_to_every_step():
    inner = randomize(built(LSTM(H), (2, 5, D)))
    td = TimeDistributed(inner)
    x = rand(2, 4, 5, D)
    y = td(x)
    assert tuple(y.shape) == (2, 4, H) and td.count_params() == inner.count_params()
    for t in range(4):
        close(y[:, t], inner(x[:, t]))
    clone = TimeDistributed.from_config(td.get_config())
    clone(x)
    assert isinstance(clone.layer, LSTM) and clone.count_params() == td.count_params()
    mask = np.ones((2, 4, 5), bool)
    mask[:, :, :2] = False  # the wrapped LSTM takes the (folded) mask
    y = td(ember.tensor(x), mask=ember.tensor(mask))
    close(y[:, 1], inner(ember.tensor(x[:, 1]), mask=ember.tensor(mask[:, 1])))
    close(y[:, 1], inner(x[:, 1, 2:]))
    with pytest.raises(ValueError, match=r"TimeDistributed 'td_err' expects inputs of rank "
                                         r">= 3.*\(2, 5\)"):
        TimeDistributed(LayerNormalization(), name="td_err")(rand(2, 5))


# -- configs and errors ---------------------------------------------------------------------------

@pytest.mark.parametrize("make", [
    lambda: LSTM(H, return_sequences=True, go_backwards=True, dropout=0.1, unit_forget_bias=False,
                 kernel_regularizer="l2"),
    lambda: GRU(H, reset_after=False, recurrent_activation="hard_sigmoid", return_state=True),
    lambda: SimpleRNN(H, activation="relu", use_bias=False),
    lambda: RNN(LSTMCell(H), return_sequences=True, zero_output_for_mask=True),
])
def test_config_roundtrip(make):
    layer = randomize(built(make()))
    config = layer.get_config()
    clone = type(layer).from_config(config)
    built(clone).set_weights(layer.get_weights())
    assert clone.get_config() == config
    x = rand(B, T, D)
    a, b = layer(x), clone(x)
    for u, v in zip(a if isinstance(a, tuple) else [a], b if isinstance(b, tuple) else [b]):
        close(u, v)


def test_errors_name_the_layer_and_shapes():
    with pytest.raises(ValueError, match=r"LSTM 'lstm_err' expects inputs of rank 3 \(batch, "
                                         r"timesteps, features\), got shape \(4, 5\)"):
        LSTM(H, name="lstm_err")(rand(4, 5))
    with pytest.raises(ValueError, match="invalid value for argument `units`"):
        GRU(0)
    layer = built(LSTM(H))
    with pytest.raises(ValueError, match=r"initial_state should be 2 tensor\(s\) of shape\(s\) "
                                         r"\[\(4, 3\), \(4, 3\)\]"):
        layer(rand(B, T, D), initial_state=[rand(B, H)])
    with pytest.raises(NotImplementedError, match="list of cells"):
        RNN([LSTMCell(2), LSTMCell(2)])


def test_stateful_layer_keeps_no_state_from_shape_inference():
    """Calling a stateful RNN on keras.Input runs it on zero batches to find the output shape;
    those probe runs must not leave states behind for the first real batch."""
    import ember.keras as keras

    layer = keras.layers.SimpleRNN(3, stateful=True, bias_initializer="ones")
    layer(keras.Input(shape=(4, 2), batch_size=2))
    assert layer.states is None or all(float(s.abs().sum()) == 0.0 for s in layer.states)
    fresh = keras.layers.SimpleRNN(3, stateful=True, bias_initializer="ones")
    fresh.build((2, 4, 2))
    fresh.set_weights(layer.get_weights())
    x = np.random.default_rng(0).standard_normal((2, 4, 2)).astype("float32")
    np.testing.assert_allclose(layer(x).detach().numpy(), fresh(x).detach().numpy(), rtol=1e-6)
