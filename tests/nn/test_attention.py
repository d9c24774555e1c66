"""Attention and Transformer blocks: parity with PyTorch (outputs, attention weights, parameter and
input gradients) for scaled_dot_product_attention, MultiheadAttention and the Transformer layers."""

import copy
import warnings

import numpy as np
import pytest

import ember
from ember.nn.modules.attention import MultiheadAttention
from ember.nn.modules.transformer import (
    Transformer,
    TransformerDecoder,
    TransformerDecoderLayer,
    TransformerEncoder,
    TransformerEncoderLayer,
)
from ember.ops.attention import scaled_dot_product_attention
from tests.helpers import requires_torch, torch

pytestmark = requires_torch

TOL = {"float32": dict(rtol=2e-4, atol=2e-5), "float64": dict(rtol=1e-7, atol=1e-9)}
EMBER = {"MultiheadAttention": MultiheadAttention,
         "TransformerEncoderLayer": TransformerEncoderLayer,
         "TransformerDecoderLayer": TransformerDecoderLayer}


def _close(e, t, dtype, what=""):
    assert e is not None and t is not None, what
    np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), **TOL[dtype],
                               err_msg=what)


def _load(em, tm):
    sd = tm.state_dict()
    assert list(em.state_dict()) == list(sd)
    em.load_state_dict({k: ember.tensor(v.numpy()) for k, v in sd.items()})
    return em


def _pair(name, dtype, *args, **kwargs):
    torch.manual_seed(0)
    tm = getattr(torch.nn, name)(*args, **kwargs).to(getattr(torch, dtype))
    em = EMBER[name](*args, **kwargs).to(getattr(ember, dtype))
    return tm, _load(em, tm)


def _tensors(rng, dtype, *shapes):
    arrays = [rng.uniform(-1, 1, size=s).astype(dtype) for s in shapes]
    return ([torch.tensor(a, requires_grad=True) for a in arrays],
            [ember.tensor(a, requires_grad=True) for a in arrays])


def _backward(t_outs, e_outs, dtype, seed=3):
    rng = np.random.default_rng(seed)
    t_loss = e_loss = 0
    for t, e in zip(t_outs, e_outs):
        if t is None:
            assert e is None
            continue
        _close(e, t, dtype, "forward")
        w = rng.uniform(-1, 1, size=tuple(t.shape)).astype(dtype)
        t_loss = t_loss + (t * torch.tensor(w)).sum()
        e_loss = e_loss + (e * ember.tensor(w)).sum()
    t_loss.backward()
    e_loss.backward()


def _check_grads(tm, em, t_in, e_in, dtype):
    tp = dict(tm.named_parameters())
    for name, p in em.named_parameters():
        _close(p.grad, tp[name].grad, dtype, f"grad of {name}")
    for i, (t, e) in enumerate(zip(t_in, e_in)):
        if t.grad is not None or e.grad is not None:
            _close(e.grad, t.grad, dtype, f"grad of input {i}")


def _bool_mask(rng, shape, keep_one_axis=-1):
    """A random bool mask with at least one False (allowed) entry along ``keep_one_axis``."""
    m = rng.random(shape) < 0.4
    idx = [slice(None)] * len(shape)
    idx[keep_one_axis] = 0
    m[tuple(idx)] = False
    return m


# -- scaled_dot_product_attention ----------------------------------------------------------------


SDPA_MASKS = ["none", "bool_2d", "bool_broadcast", "float", "causal", "causal_rect", "scale"]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("mask", SDPA_MASKS)
def test_sdpa_matches_torch(mask, dtype):
    rng = np.random.default_rng(0)
    L = 6 if mask != "causal_rect" else 4
    S = 6 if mask in ("causal",) else 7
    t_in, e_in = _tensors(rng, dtype, (2, 3, L, 4), (2, 3, S, 4), (2, 3, S, 5))
    kw_t, kw_e = {}, {}
    if mask == "bool_2d":
        m = ~_bool_mask(rng, (L, S))
        kw_t["attn_mask"], kw_e["attn_mask"] = torch.tensor(m), ember.tensor(m)
    elif mask == "bool_broadcast":
        m = ~_bool_mask(rng, (2, 1, L, S))
        kw_t["attn_mask"], kw_e["attn_mask"] = torch.tensor(m), ember.tensor(m)
    elif mask == "float":
        m = rng.standard_normal((3, L, S)).astype(dtype)
        kw_t["attn_mask"] = torch.tensor(m, requires_grad=True)
        kw_e["attn_mask"] = ember.tensor(m, requires_grad=True)
    elif mask in ("causal", "causal_rect"):
        kw_t["is_causal"] = kw_e["is_causal"] = True
    elif mask == "scale":
        kw_t["scale"] = kw_e["scale"] = 0.3
    t_out = torch.nn.functional.scaled_dot_product_attention(*t_in, **kw_t)
    e_out = scaled_dot_product_attention(*e_in, **kw_e)
    _backward([t_out], [e_out], dtype)
    for i, (t, e) in enumerate(zip(t_in, e_in)):
        _close(e.grad, t.grad, dtype, f"grad of input {i}")
    if mask == "float":
        _close(kw_e["attn_mask"].grad, kw_t["attn_mask"].grad, dtype, "grad of the float mask")


def test_sdpa_fully_masked_rows_give_zeros_like_torch():
    rng = np.random.default_rng(1)
    t_in, e_in = _tensors(rng, "float64", (2, 3, 4), (2, 5, 4), (2, 5, 6))
    m = np.ones((3, 5), dtype=bool)
    m[1] = False
    t_out = torch.nn.functional.scaled_dot_product_attention(*t_in, attn_mask=torch.tensor(m))
    e_out = scaled_dot_product_attention(*e_in, attn_mask=ember.tensor(m))
    assert np.all(e_out.detach().numpy()[:, 1] == 0)
    _backward([t_out], [e_out], "float64")
    for t, e in zip(t_in, e_in):
        _close(e.grad, t.grad, "float64")
    assert np.all(e_in[0].grad.numpy()[:, 1] == 0)


def test_sdpa_grouped_query_attention_matches_torch():
    rng = np.random.default_rng(2)
    t_in, e_in = _tensors(rng, "float64", (2, 4, 3, 8), (2, 2, 5, 8), (2, 2, 5, 8))
    t_out = torch.nn.functional.scaled_dot_product_attention(*t_in, enable_gqa=True)
    e_out = scaled_dot_product_attention(*e_in, enable_gqa=True)
    _backward([t_out], [e_out], "float64")
    for t, e in zip(t_in, e_in):
        _close(e.grad, t.grad, "float64")


def test_sdpa_dropout_drops_weights():
    q = k = v = ember.ones(1, 8, 4)
    ember.manual_seed(0)
    out = scaled_dot_product_attention(q, k, v, dropout_p=0.5).numpy()
    assert not np.allclose(out, 1.0)  # kept weights scaled by 2, dropped ones zero
    assert set(np.unique(np.round(out * 8, 6))) <= set(range(0, 17))


def test_sdpa_double_backward():
    rng = np.random.default_rng(3)
    q, k, v = (ember.tensor(rng.standard_normal(s), requires_grad=True)
               for s in [(2, 3), (4, 3), (4, 2)])
    assert ember.autograd.gradgradcheck(scaled_dot_product_attention, (q, k, v))


def test_sdpa_errors():
    q, k, v = ember.randn(2, 3, 4), ember.randn(2, 5, 4), ember.randn(2, 5, 6)
    with pytest.raises(RuntimeError, match="Explicit attn_mask should not be set when "
                                           "is_causal=True"):
        scaled_dot_product_attention(q, k, v, attn_mask=ember.ones(3, 5, dtype=ember.bool),
                                     is_causal=True)
    with pytest.raises(RuntimeError, match=r"query's last dim \(4\) must equal key's \(3\)"):
        scaled_dot_product_attention(q, ember.randn(2, 5, 3), v)
    with pytest.raises(RuntimeError, match="same sequence length"):
        scaled_dot_product_attention(q, k, ember.randn(2, 4, 6))


# -- MultiheadAttention -------------------------------------------------------------------------


MHA_CASES = {
    "self": dict(),
    "self_kpm": dict(kpm="bool"),
    "self_causal": dict(attn="causal_bool", is_causal=True),
    "self_float_mask": dict(attn="float"),
    "self_3d_mask": dict(attn="bool_3d"),
    "kpm_and_mask": dict(kpm="bool", attn="bool"),
    "float_kpm_and_mask": dict(kpm="float", attn="float"),
    "per_head_weights": dict(kpm="bool", average=False),
    "cross": dict(cross=True, kpm="bool"),
    "kdim_vdim": dict(cross=True, module=dict(kdim=3, vdim=5), kpm="bool", attn="bool"),
    "bias_kv_zero_attn": dict(module=dict(add_bias_kv=True, add_zero_attn=True), attn="bool",
                              kpm="bool"),
    "no_bias": dict(module=dict(bias=False), attn="float"),
    "kv_same": dict(kv_same=True),
}


def _mha_run(case, dtype, need_weights, batch_first, batched=True):
    cfg = MHA_CASES[case]
    E, H, L, S, N = 8, 2, 4, 5, 3
    mod_kw = dict(cfg.get("module", {}), batch_first=batch_first)
    tm, em = _pair("MultiheadAttention", dtype, E, H, **mod_kw)
    rng = np.random.default_rng(4)
    cross = cfg.get("cross") or cfg.get("kv_same")
    S = S if cross else L
    kdim, vdim = mod_kw.get("kdim", E), mod_kw.get("vdim", E)

    def shape(seq, feat):
        if not batched:
            return (seq, feat)
        return (N, seq, feat) if batch_first else (seq, N, feat)

    if cfg.get("kv_same"):
        t_in, e_in = _tensors(rng, dtype, shape(L, E), shape(S, E))
        t_args, e_args = (t_in[0], t_in[1], t_in[1]), (e_in[0], e_in[1], e_in[1])
    elif cross:
        t_in, e_in = _tensors(rng, dtype, shape(L, E), shape(S, kdim), shape(S, vdim))
        t_args, e_args = tuple(t_in), tuple(e_in)
    else:
        t_in, e_in = _tensors(rng, dtype, shape(L, E))
        t_args, e_args = (t_in[0],) * 3, (e_in[0],) * 3
    kw_t, kw_e = dict(need_weights=need_weights), dict(need_weights=need_weights)
    if "average" in cfg:
        kw_t["average_attn_weights"] = kw_e["average_attn_weights"] = cfg["average"]
    kpm_shape = (N, S) if batched else (S,)
    if cfg.get("kpm") == "bool":
        m = _bool_mask(rng, kpm_shape)
        kw_t["key_padding_mask"], kw_e["key_padding_mask"] = torch.tensor(m), ember.tensor(m)
    elif cfg.get("kpm") == "float":
        m = np.where(_bool_mask(rng, kpm_shape), -np.inf, rng.standard_normal(kpm_shape))
        m = m.astype(dtype)
        kw_t["key_padding_mask"], kw_e["key_padding_mask"] = torch.tensor(m), ember.tensor(m)
    attn = cfg.get("attn")
    if attn == "causal_bool":
        m = np.triu(np.ones((L, S), dtype=bool), 1)
    elif attn == "bool":
        m = _bool_mask(rng, (L, S))
    elif attn == "bool_3d":
        m = _bool_mask(rng, ((N if batched else 1) * H, L, S))
    elif attn == "float":
        m = rng.standard_normal((L, S)).astype(dtype)
    if attn is not None:
        kw_t["attn_mask"], kw_e["attn_mask"] = torch.tensor(m), ember.tensor(m)
    if cfg.get("is_causal"):
        kw_t["is_causal"] = kw_e["is_causal"] = True
    t_out = tm(*t_args, **kw_t)
    e_out = em(*e_args, **kw_e)
    return tm, em, t_in, e_in, t_out, e_out


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("batch_first", [False, True], ids=["seq_first", "batch_first"])
@pytest.mark.parametrize("need_weights", [True, False], ids=["weights", "no_weights"])
@pytest.mark.parametrize("case", list(MHA_CASES))
def test_multihead_attention_matches_torch(case, need_weights, batch_first, dtype):
    tm, em, t_in, e_in, t_out, e_out = _mha_run(case, dtype, need_weights, batch_first)
    assert (e_out[1] is None) == (not need_weights)
    if need_weights:
        assert tuple(e_out[1].shape) == tuple(t_out[1].shape)
    _backward(t_out, e_out, dtype)
    _check_grads(tm, em, t_in, e_in, dtype)


@pytest.mark.parametrize("need_weights", [True, False], ids=["weights", "no_weights"])
@pytest.mark.parametrize("case", ["self", "self_kpm", "kdim_vdim", "per_head_weights",
                                  "self_3d_mask"])
def test_multihead_attention_unbatched_matches_torch(case, need_weights):
    tm, em, t_in, e_in, t_out, e_out = _mha_run(case, "float64", need_weights, False,
                                                batched=False)
    _backward(t_out, e_out, "float64")
    _check_grads(tm, em, t_in, e_in, "float64")


def test_multihead_attention_state_dict_repr_and_init_match_torch():
    for kw in [dict(), dict(kdim=3, vdim=5, add_bias_kv=True), dict(bias=False)]:
        tm = torch.nn.MultiheadAttention(8, 2, **kw)
        em = MultiheadAttention(8, 2, **kw)
        assert list(em.state_dict()) == list(tm.state_dict())
        assert repr(em) == repr(tm)
    em = MultiheadAttention(16, 4)
    assert np.all(em.in_proj_bias.detach().numpy() == 0)
    assert np.all(em.out_proj.bias.detach().numpy() == 0)
    bound = np.sqrt(6 / (16 + 48))  # xavier_uniform on (3E, E)
    w = em.in_proj_weight.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.9 * bound


def test_multihead_attention_dropout_only_in_training():
    em = MultiheadAttention(8, 2, dropout=0.5)
    x = ember.randn(4, 2, 8)
    em.eval()
    a, wa = em(x, x, x)
    b, wb = em(x, x, x)
    np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
    em.train()
    ember.manual_seed(0)
    c, wc = em(x, x, x)
    assert not np.allclose(c.detach().numpy(), a.detach().numpy())


def test_multihead_attention_mismatched_mask_types_warn_like_torch():
    em = MultiheadAttention(8, 2)
    x = ember.randn(4, 2, 8)
    with pytest.warns(UserWarning, match="Support for mismatched key_padding_mask and attn_mask "
                                         "is deprecated"):
        em(x, x, x, key_padding_mask=ember.zeros(2, 4, dtype=ember.bool),
           attn_mask=ember.zeros(4, 4))


def test_multihead_attention_errors_match_torch():
    em = MultiheadAttention(8, 2)
    x = ember.randn(4, 2, 8)
    with pytest.raises(RuntimeError, match="Need attn_mask if specifying the is_causal hint"):
        em(x, x, x, is_causal=True)
    with pytest.raises(RuntimeError, match=r"The shape of the 2D attn_mask is .*\[3, 3\].*, but "
                                           r"should be \(4, 4\)"):
        em(x, x, x, attn_mask=ember.zeros(3, 3))
    with pytest.raises(AssertionError, match="embed_dim must be divisible by num_heads"):
        MultiheadAttention(8, 3)
    with pytest.raises(AssertionError, match="expected `key` and `value` to be 3-D"):
        em(x, x[0], x[0])


# -- Transformer layers -------------------------------------------------------------------------


def _encoder_inputs(rng, dtype, batch_first, S=5, N=3, E=8):
    t_in, e_in = _tensors(rng, dtype, (N, S, E) if batch_first else (S, N, E))
    kpm = np.zeros((N, S), dtype=bool)
    kpm[0, 3:] = True
    kpm[2, 4:] = True
    causal = np.triu(np.full((S, S), -np.inf), 1).astype(dtype)
    return t_in, e_in, kpm, causal


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("masks", ["none", "kpm", "causal_kpm"])
@pytest.mark.parametrize("batch_first", [False, True], ids=["seq_first", "batch_first"])
@pytest.mark.parametrize("activation", ["relu", "gelu"])
@pytest.mark.parametrize("norm_first", [False, True], ids=["post_norm", "pre_norm"])
def test_encoder_layer_matches_torch_in_eval(norm_first, activation, batch_first, masks, dtype):
    tm, em = _pair("TransformerEncoderLayer", dtype, 8, 2, dim_feedforward=16,
                   activation=activation, batch_first=batch_first, norm_first=norm_first)
    tm.eval()
    em.eval()
    t_in, e_in, kpm, causal = _encoder_inputs(np.random.default_rng(5), dtype, batch_first)
    kw_t, kw_e = {}, {}
    if masks != "none":
        kw_t["src_key_padding_mask"] = torch.tensor(kpm)
        kw_e["src_key_padding_mask"] = ember.tensor(kpm)
    if masks == "causal_kpm":
        kw_t["src_mask"] = torch.tensor(causal)
        kw_e["src_mask"] = ember.tensor(causal)
        kw_t["src_key_padding_mask"] = torch.tensor(np.where(kpm, -np.inf, 0).astype(dtype))
        kw_e["src_key_padding_mask"] = ember.tensor(np.where(kpm, -np.inf, 0).astype(dtype))
    t_out, e_out = tm(t_in[0], **kw_t), em(e_in[0], **kw_e)
    _backward([t_out], [e_out], dtype)
    _check_grads(tm, em, t_in, e_in, dtype)


def test_encoder_layer_custom_activation_and_unbatched_input():
    tm, em = _pair("TransformerEncoderLayer", "float64", 8, 2, dim_feedforward=16, dropout=0.0,
                   activation=torch.nn.functional.silu)
    em.activation = ember.nn.functional.silu
    t_in, e_in = _tensors(np.random.default_rng(6), "float64", (5, 8))
    _backward([tm(t_in[0])], [em(e_in[0])], "float64")
    _check_grads(tm, em, t_in, e_in, "float64")


def _torch_encoder(layer, n, norm=None, **kw):
    with warnings.catch_warnings():  # torch's note about its nested-tensor fast path
        warnings.simplefilter("ignore")
        return torch.nn.TransformerEncoder(layer, n, norm=norm, **kw)


@pytest.mark.parametrize("norm_first", [False, True], ids=["post_norm", "pre_norm"])
@pytest.mark.parametrize("batch_first", [False, True], ids=["seq_first", "batch_first"])
def test_encoder_matches_torch(batch_first, norm_first):
    dtype = "float64"
    torch.manual_seed(0)
    t_layer = torch.nn.TransformerEncoderLayer(8, 2, 16, batch_first=batch_first,
                                               norm_first=norm_first).double()
    tm = _torch_encoder(t_layer, 2, norm=torch.nn.LayerNorm(8).double())
    e_layer = TransformerEncoderLayer(8, 2, 16, batch_first=batch_first,
                                      norm_first=norm_first).double()
    from ember.nn.modules.normalization import LayerNorm

    em = _load(TransformerEncoder(e_layer, 2, norm=LayerNorm(8).double()), tm)
    # the layers are deep copies: distinct parameters, not shared with the prototype
    assert em.layers[0].linear1.weight is not em.layers[1].linear1.weight
    assert em.layers[0].linear1.weight is not e_layer.linear1.weight
    tm.eval()
    em.eval()
    t_in, e_in, kpm, causal = _encoder_inputs(np.random.default_rng(7), dtype, batch_first)
    fkpm = np.where(kpm, -np.inf, 0.0)
    t_out = tm(t_in[0], mask=torch.tensor(causal), src_key_padding_mask=torch.tensor(fkpm))
    e_out = em(e_in[0], mask=ember.tensor(causal), src_key_padding_mask=ember.tensor(fkpm))
    _backward([t_out], [e_out], dtype)
    _check_grads(tm, em, t_in, e_in, dtype)


def test_encoder_zeroes_padding_like_torch_nested_fast_path():
    torch.manual_seed(0)
    t_layer = torch.nn.TransformerEncoderLayer(8, 2, 16, batch_first=True).double()
    tm = torch.nn.TransformerEncoder(t_layer, 2)
    em = _load(TransformerEncoder(TransformerEncoderLayer(8, 2, 16, batch_first=True).double(),
                                  2), tm)
    tm.eval()
    em.eval()
    t_in, e_in, kpm, _ = _encoder_inputs(np.random.default_rng(8), "float64", True)
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch: "nested tensors are in prototype stage"
        t_out = tm(t_in[0], src_key_padding_mask=torch.tensor(kpm))
    with ember.no_grad():
        e_out = em(e_in[0], src_key_padding_mask=ember.tensor(kpm))
    assert np.all(t_out.numpy()[kpm] == 0)
    np.testing.assert_allclose(e_out.numpy(), t_out.numpy(), rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("norm_first", [False, True], ids=["post_norm", "pre_norm"])
def test_decoder_layer_matches_torch_in_eval(norm_first):
    dtype = "float64"
    tm, em = _pair("TransformerDecoderLayer", dtype, 8, 2, dim_feedforward=16,
                   norm_first=norm_first, activation="gelu")
    tm.eval()
    em.eval()
    rng = np.random.default_rng(9)
    t_in, e_in = _tensors(rng, dtype, (4, 3, 8), (6, 3, 8))
    causal = np.triu(np.full((4, 4), -np.inf), 1)
    mkpm = np.zeros((3, 6), dtype=bool)
    mkpm[1, 4:] = True
    t_out = tm(*t_in, tgt_mask=torch.tensor(causal), tgt_is_causal=True,
               memory_key_padding_mask=torch.tensor(mkpm))
    e_out = em(*e_in, tgt_mask=ember.tensor(causal), tgt_is_causal=True,
               memory_key_padding_mask=ember.tensor(mkpm))
    _backward([t_out], [e_out], dtype)
    _check_grads(tm, em, t_in, e_in, dtype)


def test_transformer_matches_torch_in_eval():
    torch.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tm = torch.nn.Transformer(8, 2, 2, 1, dim_feedforward=16, batch_first=True).double()
    em = _load(Transformer(8, 2, 2, 1, dim_feedforward=16, batch_first=True).double(), tm)
    assert isinstance(em.decoder, TransformerDecoder)
    tm.eval()
    em.eval()
    t_in, e_in = _tensors(np.random.default_rng(10), "float64", (3, 5, 8), (3, 4, 8))
    mask = Transformer.generate_square_subsequent_mask(4, dtype=ember.float64)
    np.testing.assert_array_equal(
        mask.numpy(), torch.nn.Transformer.generate_square_subsequent_mask(4).double().numpy())
    t_out = tm(*t_in, tgt_mask=torch.tensor(mask.numpy()))
    e_out = em(*e_in, tgt_mask=mask)
    _backward([t_out], [e_out], "float64")
    _check_grads(tm, em, t_in, e_in, "float64")


def test_transformer_state_dicts_and_reprs_match_torch():
    tl = torch.nn.TransformerEncoderLayer(8, 2, 16)
    el = TransformerEncoderLayer(8, 2, 16)
    assert list(el.state_dict()) == list(tl.state_dict())
    assert repr(el) == repr(tl)
    tenc = _torch_encoder(tl, 3)
    eenc = TransformerEncoder(el, 3)
    assert list(eenc.state_dict()) == list(tenc.state_dict())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tt = torch.nn.Transformer(8, 2, 1, 2, 16)
    et = Transformer(8, 2, 1, 2, 16)
    assert list(et.state_dict()) == list(tt.state_dict())
    dl = TransformerDecoderLayer(8, 2, 16)
    assert list(dl.state_dict()) == list(torch.nn.TransformerDecoderLayer(8, 2, 16).state_dict())


def test_encoder_layer_dropout_active_in_training():
    layer = TransformerEncoderLayer(8, 2, 16, dropout=0.5)
    x = ember.randn(5, 2, 8)
    layer.eval()
    a = layer(x).detach().numpy()
    layer.train()
    ember.manual_seed(0)
    b = layer(x).detach().numpy()
    assert not np.allclose(a, b)


def test_deepcopy_of_encoder_layer_is_independent():
    layer = TransformerEncoderLayer(8, 2, 16)
    other = copy.deepcopy(layer)
    with ember.no_grad():
        other.linear1.weight.add_(1.0)
    assert not np.allclose(other.linear1.weight.detach().numpy(),
                           layer.linear1.weight.detach().numpy())
