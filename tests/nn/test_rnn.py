"""Recurrent layers and sequence utilities: parity with PyTorch (outputs, states, every parameter
gradient and input gradients; float32 and float64), gradcheck of the fused kernels, errors."""

import math
import warnings

import numpy as np
import pytest

import ember
from ember.autograd import gradcheck
from ember.nn.modules.rnn import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNCell
from ember.nn.utils import rnn as eru
from ember.ops.rnn import rnn_layer
from tests.helpers import requires_torch, torch

pytestmark = [requires_torch,
              pytest.mark.filterwarnings("ignore:LSTM with projections is not supported")]

TOL = {"float32": dict(rtol=2e-4, atol=2e-5), "float64": dict(rtol=1e-7, atol=1e-9)}
EMBER = {"RNN": RNN, "LSTM": LSTM, "GRU": GRU, "RNNCell": RNNCell, "LSTMCell": LSTMCell,
         "GRUCell": GRUCell}
MODES = [("RNN", dict(nonlinearity="tanh")), ("RNN", dict(nonlinearity="relu")), ("LSTM", {}),
         ("GRU", {})]
MODE_IDS = ["rnn_tanh", "rnn_relu", "lstm", "gru"]


def _pair(name, dtype, *args, **kwargs):
    """The same layer in torch and ember, ember's weights loaded from torch's state_dict."""
    torch.manual_seed(0)
    tm = getattr(torch.nn, name)(*args, **kwargs).to(getattr(torch, dtype))
    em = EMBER[name](*args, **kwargs).to(getattr(ember, dtype))
    sd = tm.state_dict()
    assert list(em.state_dict()) == list(sd)
    em.load_state_dict({k: ember.tensor(v.numpy()) for k, v in sd.items()})
    return tm, em


def _inputs(rng, dtype, *shapes):
    arrays = [rng.uniform(-1, 1, size=s).astype(dtype) for s in shapes]
    return ([torch.tensor(a, requires_grad=True) for a in arrays],
            [ember.tensor(a, requires_grad=True) for a in arrays])


def _flat(x):
    if isinstance(x, (tuple, list)):
        return [t for item in x for t in _flat(item)]
    return [x]


def _close(e, t, dtype, what=""):
    assert e is not None and t is not None, what
    np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), **TOL[dtype],
                               err_msg=what)


def _check_backward(t_out, e_out, tm, em, t_in, e_in, dtype, seed=1):
    """Backprop the same random weighting of every output; compare all gradients."""
    t_out, e_out = _flat(t_out), _flat(e_out)
    rng = np.random.default_rng(seed)
    t_loss, e_loss = 0, 0
    for t, e in zip(t_out, e_out):
        _close(e, t, dtype, "forward")
        w = rng.uniform(-1, 1, size=tuple(t.shape)).astype(dtype)
        t_loss = t_loss + (t * torch.tensor(w)).sum()
        e_loss = e_loss + (e * ember.tensor(w)).sum()
    t_loss.backward()
    e_loss.backward()
    tp = dict(tm.named_parameters())
    for name, p in em.named_parameters():
        _close(p.grad, tp[name].grad, dtype, f"grad of {name}")
    for i, (t, e) in enumerate(zip(t_in, e_in)):
        _close(e.grad, t.grad, dtype, f"grad of input {i}")


# -- layers ------------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("with_state", [False, True], ids=["zero_state", "init_state"])
@pytest.mark.parametrize("batch_first", [False, True], ids=["seq_first", "batch_first"])
@pytest.mark.parametrize("bidirectional", [False, True], ids=["uni", "bi"])
@pytest.mark.parametrize("num_layers", [1, 2])
@pytest.mark.parametrize("mode", MODES, ids=MODE_IDS)
def test_layer_matches_torch(mode, num_layers, bidirectional, batch_first, with_state, dtype):
    name, extra = mode
    T, N, In, H = 5, 3, 4, 6
    tm, em = _pair(name, dtype, In, H, num_layers=num_layers, bidirectional=bidirectional,
                   batch_first=batch_first, **extra)
    D = 2 if bidirectional else 1
    shapes = [(N, T, In) if batch_first else (T, N, In)]
    if with_state:
        shapes.append((num_layers * D, N, H))
        if name == "LSTM":
            shapes.append((num_layers * D, N, H))
    t_in, e_in = _inputs(np.random.default_rng(0), dtype, *shapes)
    if not with_state:
        t_out, e_out = tm(t_in[0]), em(e_in[0])
    elif name == "LSTM":
        t_out, e_out = tm(t_in[0], tuple(t_in[1:])), em(e_in[0], tuple(e_in[1:]))
    else:
        t_out, e_out = tm(*t_in), em(*e_in)
    assert tuple(e_out[0].shape) == tuple(t_out[0].shape)
    assert e_out[0].is_contiguous()
    _check_backward(t_out, e_out, tm, em, t_in, e_in, dtype)


@pytest.mark.parametrize("with_state", [False, True], ids=["zero_state", "init_state"])
@pytest.mark.parametrize("bidirectional", [False, True], ids=["uni", "bi"])
@pytest.mark.parametrize("mode", MODES, ids=MODE_IDS)
def test_unbatched_input_matches_torch(mode, bidirectional, with_state):
    name, extra = mode
    tm, em = _pair(name, "float64", 3, 4, num_layers=2, bidirectional=bidirectional, **extra)
    D = 2 if bidirectional else 1
    shapes = [(5, 3)] + ([(2 * D, 4)] * (2 if name == "LSTM" else 1) if with_state else [])
    t_in, e_in = _inputs(np.random.default_rng(1), "float64", *shapes)
    if name == "LSTM" and with_state:
        t_out, e_out = tm(t_in[0], tuple(t_in[1:])), em(e_in[0], tuple(e_in[1:]))
    else:
        t_out, e_out = tm(*t_in), em(*e_in)
    assert tuple(e_out[0].shape) == (5, 4 * D)
    _check_backward(t_out, e_out, tm, em, t_in, e_in, "float64")


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("bidirectional", [False, True], ids=["uni", "bi"])
def test_lstm_proj_size_matches_torch(bidirectional, dtype):
    tm, em = _pair("LSTM", dtype, 4, 6, num_layers=2, proj_size=3, bidirectional=bidirectional,
                   batch_first=True)
    D = 2 if bidirectional else 1
    t_in, e_in = _inputs(np.random.default_rng(2), dtype, (2, 5, 4), (2 * D, 2, 3),
                         (2 * D, 2, 6))
    t_out = tm(t_in[0], (t_in[1], t_in[2]))
    e_out = em(e_in[0], (e_in[1], e_in[2]))
    assert tuple(e_out[1][0].shape) == (2 * D, 2, 3) and tuple(e_out[1][1].shape) == (2 * D, 2, 6)
    _check_backward(t_out, e_out, tm, em, t_in, e_in, dtype)


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("mode", MODES, ids=MODE_IDS)
def test_without_bias_matches_torch(mode, bias):
    name, extra = mode
    tm, em = _pair(name, "float64", 3, 4, num_layers=2, bias=bias, **extra)
    assert len(list(em.parameters())) == (8 if bias else 4)
    t_in, e_in = _inputs(np.random.default_rng(3), "float64", (4, 2, 3))
    _check_backward(tm(t_in[0]), em(e_in[0]), tm, em, t_in, e_in, "float64")


@pytest.mark.parametrize("enforce_sorted", [True, False])
@pytest.mark.parametrize("bidirectional", [False, True], ids=["uni", "bi"])
@pytest.mark.parametrize("mode", MODES + [("LSTM", dict(proj_size=2))],
                         ids=MODE_IDS + ["lstm_proj"])
def test_packed_sequence_matches_torch(mode, bidirectional, enforce_sorted):
    name, extra = mode
    tm, em = _pair(name, "float64", 3, 4, num_layers=2, bidirectional=bidirectional,
                   batch_first=True, **extra)
    lengths = [6, 4, 4, 1] if enforce_sorted else [3, 6, 1, 4]
    D = 2 if bidirectional else 1
    P = extra.get("proj_size", 4)
    shapes = [(4, 7, 3), (2 * D, 4, P)] + ([(2 * D, 4, 4)] if name == "LSTM" else [])
    t_in, e_in = _inputs(np.random.default_rng(4), "float64", *shapes)
    tp = torch.nn.utils.rnn.pack_padded_sequence(t_in[0], lengths, batch_first=True,
                                                 enforce_sorted=enforce_sorted)
    ep = eru.pack_padded_sequence(e_in[0], lengths, batch_first=True,
                                  enforce_sorted=enforce_sorted)
    np.testing.assert_array_equal(ep.batch_sizes.numpy(), tp.batch_sizes.numpy())
    t_h = tuple(t_in[1:]) if name == "LSTM" else t_in[1]
    e_h = tuple(e_in[1:]) if name == "LSTM" else e_in[1]
    t_out, t_hn = tm(tp, t_h)
    e_out, e_hn = em(ep, e_h)
    assert isinstance(e_out, eru.PackedSequence)
    _close(e_out.data, t_out.data, "float64", "packed data")
    t_pad, t_len = torch.nn.utils.rnn.pad_packed_sequence(t_out, batch_first=True)
    e_pad, e_len = eru.pad_packed_sequence(e_out, batch_first=True)
    assert e_len.tolist() == t_len.tolist() == lengths
    _check_backward((t_pad, t_hn), (e_pad, e_hn), tm, em, t_in, e_in, "float64")


@pytest.mark.parametrize("mode", MODES, ids=MODE_IDS)
def test_dropout_between_layers_only_in_training(mode):
    name, extra = mode
    tm, em = _pair(name, "float64", 3, 5, num_layers=3, dropout=0.5, **extra)
    x = np.random.default_rng(5).uniform(-1, 1, (6, 4, 3))
    em.eval()
    tm.eval()
    out_eval = em(ember.tensor(x))[0].detach().numpy()
    np.testing.assert_allclose(out_eval, tm(torch.tensor(x))[0].detach().numpy(), rtol=1e-7,
                               atol=1e-9)
    em.train()
    ember.manual_seed(0)
    out_a = em(ember.tensor(x))[0].detach().numpy()
    out_b = em(ember.tensor(x))[0].detach().numpy()
    assert not np.allclose(out_a, out_eval)
    assert not np.allclose(out_a, out_b)  # a fresh mask each call
    em.dropout = 0.0
    np.testing.assert_allclose(em(ember.tensor(x))[0].detach().numpy(), out_eval, rtol=1e-12)


def test_dropout_is_not_applied_after_the_last_layer():
    em = LSTM(3, 4, num_layers=2, dropout=0.9)
    x = ember.randn(5, 2, 3)
    em.train()
    ember.manual_seed(1)
    out, (h, c) = em(x)
    # the last layer's output is its hidden state unchanged: h_n of the top layer = out[-1]
    np.testing.assert_allclose(out[-1].detach().numpy(), h[-1].detach().numpy(), rtol=1e-6)


def test_dropout_with_one_layer_warns_like_torch():
    with pytest.warns(UserWarning, match="non-zero dropout expects num_layers greater than 1"):
        GRU(3, 4, dropout=0.2)


# -- cells -------------------------------------------------------------------------------------


CELLS = [("RNNCell", dict(nonlinearity="tanh")), ("RNNCell", dict(nonlinearity="relu")),
         ("LSTMCell", {}), ("GRUCell", {})]
CELL_IDS = ["rnn_tanh", "rnn_relu", "lstm", "gru"]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("batched", [True, False])
@pytest.mark.parametrize("with_state", [False, True], ids=["zero_state", "init_state"])
@pytest.mark.parametrize("cell", CELLS, ids=CELL_IDS)
def test_cell_matches_torch(cell, with_state, batched, dtype):
    name, extra = cell
    tm, em = _pair(name, dtype, 3, 5, **extra)
    lead = (4,) if batched else ()
    shapes = [lead + (3,)]
    if with_state:
        shapes += [lead + (5,)] * (2 if name == "LSTMCell" else 1)
    t_in, e_in = _inputs(np.random.default_rng(6), dtype, *shapes)
    if name == "LSTMCell" and with_state:
        t_out, e_out = tm(t_in[0], tuple(t_in[1:])), em(e_in[0], tuple(e_in[1:]))
    else:
        t_out, e_out = tm(*t_in), em(*e_in)
    _check_backward(t_out, e_out, tm, em, t_in, e_in, dtype)


def test_cells_unrolled_equal_the_fused_layer():
    lstm = LSTM(3, 4).double()
    cell = LSTMCell(3, 4).double()
    for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
        getattr(cell, n)._data[...] = getattr(lstm, n + "_l0")._data
    x = ember.randn(6, 2, 3, dtype=ember.float64)
    out, (h, c) = lstm(x)
    hc = None
    for t in range(6):
        hc = cell(x[t], hc)
        np.testing.assert_allclose(hc[0].detach().numpy(), out[t].detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(hc[1].detach().numpy(), c[0].detach().numpy(), rtol=1e-12)


def test_cell_double_backward_works():
    cell = GRUCell(2, 3).double()
    x = ember.randn(2, 2, dtype=ember.float64, requires_grad=True)
    assert ember.autograd.gradgradcheck(lambda a: cell(a), (x,))


# -- fused kernels: gradcheck and double backward ------------------------------------------------


@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("packed", [False, True])
@pytest.mark.parametrize("mode", ["LSTM", "GRU", "RNN_TANH", "RNN_RELU", "LSTM_PROJ"])
def test_fused_layer_gradcheck(mode, packed, reverse):
    rng = np.random.default_rng(7)
    T, N, In, H = 3, 3, 2, 3
    proj = mode == "LSTM_PROJ"
    kind = "LSTM" if proj else mode
    G = {"LSTM": 4, "GRU": 3}.get(kind, 1)
    P = 2 if proj else H

    def t(*shape, scale=0.8):
        return ember.tensor(rng.uniform(-scale, scale, shape), requires_grad=True)

    x, h0 = t(T, N, In), t(N, P)
    c0 = t(N, H) if kind == "LSTM" else None
    w_ih, w_hh, b_ih, b_hh = t(G * H, In), t(G * H, P), t(G * H), t(G * H)
    w_hr = t(P, H) if proj else None
    bs = [3, 2, 1] if packed else None
    if mode == "RNN_RELU":  # keep pre-activations away from the kink at 0
        b_ih._data += 1.5
    args = [x, h0, w_ih, w_hh, b_ih, b_hh] + ([c0] if c0 is not None else []) + \
        ([w_hr] if w_hr is not None else [])

    def f(x, h0, w_ih, w_hh, b_ih, b_hh, c0=None, w_hr=None):
        return rnn_layer(kind, x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr, reverse, bs)

    assert gradcheck(f, tuple(args))


def test_fused_layer_refuses_double_backward():
    lstm = LSTM(2, 3).double()
    x = ember.randn(4, 1, 2, dtype=ember.float64, requires_grad=True)
    out, _ = lstm(x)
    (g,) = ember.autograd.grad(out.sum(), x, create_graph=True)
    with pytest.raises(RuntimeError, match="does not support double backward"):
        g.sum().backward()


def test_fused_layer_detects_inplace_change_of_saved_weights():
    lstm = LSTM(2, 3)
    out, _ = lstm(ember.randn(4, 1, 2))
    with ember.no_grad():
        lstm.weight_hh_l0.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        out.sum().backward()


def test_no_grad_forward_records_nothing():
    lstm = GRU(2, 3)
    with ember.no_grad():
        out, h = lstm(ember.randn(4, 1, 2))
    assert out.grad_fn is None and not out.requires_grad


# -- module structure, init and errors -------------------------------------------------------------


@pytest.mark.parametrize("kwargs", [dict(), dict(num_layers=2, bidirectional=True),
                                    dict(num_layers=2, bias=False, proj_size=2),
                                    dict(bidirectional=True, proj_size=3, batch_first=True,
                                         dropout=0.1, num_layers=3)])
def test_lstm_state_dict_and_repr_match_torch(kwargs):
    tm = torch.nn.LSTM(3, 5, **kwargs)
    em = LSTM(3, 5, **kwargs)
    assert list(em.state_dict()) == list(tm.state_dict())
    for k, v in tm.state_dict().items():
        assert tuple(em.state_dict()[k].shape) == tuple(v.shape), k
    assert repr(em) == repr(tm)
    assert em._flat_weights_names == tm._flat_weights_names
    assert em._all_weights == tm._all_weights
    assert [[tuple(w.shape) for w in ws] for ws in em.all_weights] == \
        [[tuple(w.shape) for w in ws] for ws in tm.all_weights]


@pytest.mark.parametrize("name,kwargs", [("RNN", dict(nonlinearity="relu", num_layers=2)),
                                         ("GRU", dict(bidirectional=True)),
                                         ("RNNCell", dict(bias=False, nonlinearity="relu")),
                                         ("LSTMCell", {}), ("GRUCell", {})])
def test_other_state_dicts_and_reprs_match_torch(name, kwargs):
    tm = getattr(torch.nn, name)(3, 4, **kwargs)
    em = EMBER[name](3, 4, **kwargs)
    assert list(em.state_dict()) == list(tm.state_dict())
    assert repr(em) == repr(tm)


@pytest.mark.parametrize("name", ["RNN", "LSTM", "GRU", "LSTMCell"])
def test_default_init_is_uniform_within_one_over_sqrt_hidden(name):
    ember.manual_seed(0)
    m = EMBER[name](10, 16)
    bound = 1 / math.sqrt(16)
    values = np.concatenate([p.detach().numpy().ravel() for p in m.parameters()])
    assert values.min() >= -bound and values.max() <= bound
    assert values.min() < -0.9 * bound and values.max() > 0.9 * bound
    assert abs(values.mean()) < 0.02


def test_input_size_error_matches_torch():
    with pytest.raises(RuntimeError, match=r"input.size\(-1\) must be equal to input_size. "
                                           r"Expected 64, got 32"):
        LSTM(64, 20)(ember.randn(5, 3, 32))


def test_hidden_size_errors_match_torch():
    lstm = LSTM(4, 20)
    x = ember.randn(5, 3, 4)
    with pytest.raises(RuntimeError, match=r"Expected hidden\[0\] size \(1, 3, 20\), got "
                                           r"\[1, 4, 20\]"):
        lstm(x, (ember.zeros(1, 4, 20), ember.zeros(1, 3, 20)))
    with pytest.raises(RuntimeError, match=r"Expected hidden\[1\] size \(1, 3, 20\), got "
                                           r"\[1, 4, 20\]"):
        lstm(x, (ember.zeros(1, 3, 20), ember.zeros(1, 4, 20)))
    with pytest.raises(RuntimeError, match=r"hx and cx should also be 3-D but got \(2-D, 2-D\)"):
        lstm(x, (ember.zeros(3, 20), ember.zeros(3, 20)))
    with pytest.raises(RuntimeError, match=r"Expected hidden size \(1, 3, 20\), got \[1, 4, 20\]"):
        GRU(4, 20)(x, ember.zeros(1, 4, 20))
    with pytest.raises(RuntimeError, match="For unbatched 2-D input, hx should also be 2-D but "
                                           "got 3-D tensor"):
        RNN(4, 20)(ember.randn(5, 4), ember.zeros(1, 1, 20))


def test_input_rank_and_dtype_errors_match_torch():
    with pytest.raises(ValueError, match="LSTM: Expected input to be 2D or 3D, got 4D instead"):
        LSTM(4, 3)(ember.randn(2, 5, 3, 4))
    with pytest.raises(ValueError, match=r"RNN input dtype \(ember.float64\) does not match "
                                         r"weight dtype \(ember.float32\)"):
        GRU(4, 3)(ember.randn(5, 3, 4, dtype=ember.float64))
    with pytest.raises(ValueError, match="GRUCell: Expected input to be 1D or 2D, got 3D"):
        GRUCell(4, 3)(ember.randn(2, 3, 4))
    with pytest.raises(RuntimeError, match="input has inconsistent input_size: got 3 expected 4"):
        LSTMCell(4, 5)(ember.randn(3, 3))
    with pytest.raises(RuntimeError, match="Input batch size 3 doesn't match hidden0 batch "
                                           "size 2"):
        RNNCell(4, 5)(ember.randn(3, 4), ember.zeros(2, 5))


@pytest.mark.parametrize("call,exc,msg", [
    (lambda: RNN(3, 4, nonlinearity="sigmoid"), ValueError, "Unknown nonlinearity 'sigmoid'"),
    (lambda: RNN(3, 0), ValueError, "hidden_size must be greater than zero"),
    (lambda: LSTM(3, 4, num_layers=0), ValueError, "num_layers must be greater than zero"),
    (lambda: GRU(3, 4, dropout=1.5), ValueError, r"dropout should be a number in range \[0, 1\]"),
    (lambda: LSTM(3, 4, proj_size=4), ValueError, "proj_size has to be smaller than hidden_size"),
    (lambda: LSTM(3, 4, proj_size=-1), ValueError, "proj_size should be a positive integer"),
    (lambda: GRU(3, 4, proj_size=2), ValueError, "proj_size argument is only supported for LSTM"),
    (lambda: RNN(3.0, 4), TypeError, "input_size should be of type int, got: float"),
])
def test_constructor_errors_match_torch(call, exc, msg):
    with pytest.raises(exc, match=msg):
        call()


# -- sequence utilities ----------------------------------------------------------------------------


@pytest.mark.parametrize("padding_side", ["right", "left"])
@pytest.mark.parametrize("batch_first", [False, True])
def test_pad_sequence_matches_torch(batch_first, padding_side):
    rng = np.random.default_rng(8)
    arrays = [rng.standard_normal((n, 2, 3)) for n in (3, 5, 1)]
    t = torch.nn.utils.rnn.pad_sequence([torch.tensor(a, requires_grad=True) for a in arrays],
                                        batch_first=batch_first, padding_value=-1.5,
                                        padding_side=padding_side)
    es = [ember.tensor(a, requires_grad=True) for a in arrays]
    e = eru.pad_sequence(es, batch_first=batch_first, padding_value=-1.5,
                         padding_side=padding_side)
    np.testing.assert_array_equal(e.detach().numpy(), t.detach().numpy())
    (e * ember.tensor(np.arange(e.numel()).reshape(e.shape) * 1.0)).sum().backward()
    assert es[1].grad is not None and tuple(es[2].grad.shape) == (1, 2, 3)


def test_pack_and_pad_round_trip_matches_torch():
    rng = np.random.default_rng(9)
    seqs = [rng.standard_normal((n, 2)) for n in (2, 4, 1, 4)]
    tp = torch.nn.utils.rnn.pack_sequence([torch.tensor(s) for s in seqs], enforce_sorted=False)
    ep = eru.pack_sequence([ember.tensor(s) for s in seqs], enforce_sorted=False)
    np.testing.assert_array_equal(ep.data.numpy(), tp.data.numpy())
    np.testing.assert_array_equal(ep.batch_sizes.numpy(), tp.batch_sizes.numpy())
    np.testing.assert_array_equal(ep.sorted_indices.numpy(), tp.sorted_indices.numpy())
    np.testing.assert_array_equal(ep.unsorted_indices.numpy(), tp.unsorted_indices.numpy())
    t_pad, t_len = torch.nn.utils.rnn.pad_packed_sequence(tp, total_length=6, padding_value=9.0)
    e_pad, e_len = eru.pad_packed_sequence(ep, total_length=6, padding_value=9.0)
    np.testing.assert_array_equal(e_pad.numpy(), t_pad.numpy())
    assert e_len.tolist() == t_len.tolist() and e_len.dtype == ember.int64
    for a, b in zip(eru.unpack_sequence(ep), seqs):
        np.testing.assert_array_equal(a.numpy(), b)
    for a, b in zip(eru.unpad_sequence(e_pad, e_len), seqs):
        np.testing.assert_array_equal(a.numpy(), b)


def test_packing_errors_match_torch():
    x = ember.randn(4, 3, 2)
    with pytest.raises(RuntimeError, match="`lengths` array must be sorted in decreasing order"):
        eru.pack_padded_sequence(x, [2, 3, 1])
    with pytest.raises(RuntimeError, match="Length of all samples has to be greater than 0"):
        eru.pack_padded_sequence(x, [2, 0, 1], enforce_sorted=False)
    packed = eru.pack_padded_sequence(x, [3, 2, 1])
    with pytest.raises(ValueError, match="Expected total_length to be at least the length of "
                                         "the longest sequence in input, but got "
                                         "total_length=2 and max sequence length being 3"):
        eru.pad_packed_sequence(packed, total_length=2)


def test_packed_sequence_converts_dtype():
    packed = eru.pack_sequence([ember.ones(3, 2), ember.ones(2, 2)])
    double = packed.double()
    assert double.data.dtype == ember.float64 and double.batch_sizes.tolist() == [2, 2, 1]


def test_all_rnn_modules_suppress_no_warnings_in_normal_use():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        LSTM(3, 4, num_layers=2, dropout=0.1)(ember.randn(2, 1, 3))


@pytest.mark.parametrize("mode", MODES + [("LSTM", dict(proj_size=2))],
                         ids=MODE_IDS + ["lstm_proj"])
def test_gradients_through_the_final_state_only_match_torch(mode):
    name, extra = mode
    tm, em = _pair(name, "float64", 3, 4, num_layers=2, batch_first=True, **extra)
    t_in, e_in = _inputs(np.random.default_rng(10), "float64", (2, 5, 3))
    t_h, e_h = tm(t_in[0])[1], em(e_in[0])[1]
    t_h = t_h[0] if isinstance(t_h, tuple) else t_h
    e_h = e_h[0] if isinstance(e_h, tuple) else e_h
    _check_backward(t_h[-1], e_h[-1], tm, em, t_in, e_in, "float64")


def test_fused_layer_frees_its_arrays_after_backward_unless_retained():
    lstm = LSTM(2, 3)
    out, _ = lstm(ember.randn(4, 1, 2))
    node = out.grad_fn
    while not hasattr(node, "kernel_state"):
        node = node.next_functions[0][0]
    out.sum().backward(retain_graph=True)
    assert hasattr(node, "kernel_state")
    out.sum().backward()
    assert not hasattr(node, "kernel_state")
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        out.sum().backward()


@pytest.mark.parametrize("threads", [2, 3])
@pytest.mark.parametrize("packed", [False, True])
@pytest.mark.parametrize("mode", MODES + [("LSTM", dict(proj_size=2))],
                         ids=MODE_IDS + ["lstm_proj"])
def test_batch_split_over_threads_matches_torch(mode, packed, threads, monkeypatch):
    """Large batches run as independent slices on worker threads; force that on a small one."""
    from ember.ops import conv, rnn

    monkeypatch.setattr(rnn, "MIN_COLUMNS", 2)
    monkeypatch.setattr(rnn, "MIN_STEP_WORK", 1)
    old = conv.get_num_threads()
    conv.set_num_threads(threads)
    try:
        name, extra = mode
        tm, em = _pair(name, "float64", 3, 4, num_layers=2, bidirectional=True, **extra)
        D, P = 2, extra.get("proj_size", 4)
        shapes = [(6, 7, 3), (2 * D, 7, P)] + ([(2 * D, 7, 4)] if name == "LSTM" else [])
        t_in, e_in = _inputs(np.random.default_rng(11), "float64", *shapes)
        t_h = tuple(t_in[1:]) if name == "LSTM" else t_in[1]
        e_h = tuple(e_in[1:]) if name == "LSTM" else e_in[1]
        if packed:
            lengths = [6, 6, 5, 3, 2, 1, 1]
            t_x = torch.nn.utils.rnn.pack_padded_sequence(t_in[0], lengths)
            e_x = eru.pack_padded_sequence(e_in[0], lengths)
            t_out, t_hn = tm(t_x, t_h)
            e_out, e_hn = em(e_x, e_h)
            t_out, e_out = t_out.data, e_out.data
        else:
            (t_out, t_hn), (e_out, e_hn) = tm(t_in[0], t_h), em(e_in[0], e_h)
        _check_backward((t_out, t_hn), (e_out, e_hn), tm, em, t_in, e_in, "float64")
    finally:
        conv.set_num_threads(old)
