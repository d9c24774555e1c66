"""Attention: ``scaled_dot_product_attention`` and ``multi_head_attention_forward``.

Both are compositions of ember ops (matmul, softmax, masking, dropout), so their gradients —
including double backward — come from those ops. Semantics are PyTorch's:

    Attention(Q, K, V) = softmax(Q Kᵀ · scale + M) V,   scale = 1/√E by default

A boolean mask marks with True the positions that take part in attention (False → −∞); a float
mask is added to the scores. For ``scaled_dot_product_attention`` a query row whose keys are all
masked gives zeros (and zero gradients), like PyTorch's.
"""

from __future__ import annotations

import math
import warnings

from ..tensor import Tensor
from ._util import check_tensor

__all__: list = []  # reached as ember.nn.functional.scaled_dot_product_attention / ...
TENSOR_METHODS: tuple = ()


def _ops():
    from .. import ops

    return ops


def _is_bool(t: Tensor) -> bool:
    return t._data.dtype.kind == "b"


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p: float = 0.0,
                                 is_causal: bool = False, scale=None,
                                 enable_gqa: bool = False) -> Tensor:
    """softmax(Q Kᵀ · scale + M) V over the last two dims; Q (..., L, E), K (..., S, E),
    V (..., S, Ev) -> (..., L, Ev).

    ``attn_mask``: bool (True = attend) or float (added), broadcastable to (..., L, S);
    ``is_causal``: query i attends to keys j ≤ i (no explicit mask allowed then); ``dropout_p``
    drops attention weights (always, like PyTorch: pass 0.0 when evaluating); ``enable_gqa``:
    K and V may have fewer heads (dim −3) than Q, each shared by a group of query heads.

    >>> import ember
    >>> from ember.ops.attention import scaled_dot_product_attention
    >>> q = k = v = ember.ones(1, 2, 4)
    >>> scaled_dot_product_attention(q, k, v, is_causal=True)
    tensor([[[1., 1., 1., 1.],
             [1., 1., 1., 1.]]])
    """
    ops = _ops()
    for name, t in (("query", query), ("key", key), ("value", value)):
        check_tensor(t, "scaled_dot_product_attention", name)
    if query.ndim < 2 or key.ndim < 2 or value.ndim < 2:
        raise RuntimeError(
            "scaled_dot_product_attention(): query, key and value must have at least 2 "
            f"dimensions (..., L, E), got {tuple(query.shape)}, {tuple(key.shape)}, "
            f"{tuple(value.shape)}")
    if query.size(-1) != key.size(-1):
        raise RuntimeError(
            f"scaled_dot_product_attention(): query's last dim ({query.size(-1)}) must equal "
            f"key's ({key.size(-1)}); got query {tuple(query.shape)}, key {tuple(key.shape)}")
    if key.size(-2) != value.size(-2):
        raise RuntimeError(
            f"scaled_dot_product_attention(): key and value must have the same sequence length "
            f"(dim -2), got key {tuple(key.shape)} and value {tuple(value.shape)}")
    if is_causal and attn_mask is not None:
        raise RuntimeError("_scaled_dot_product_attention: Explicit attn_mask should not be set "
                           "when is_causal=True")
    if not query.is_floating_point() or query.dtype != key.dtype or query.dtype != value.dtype:
        raise RuntimeError(
            "scaled_dot_product_attention(): expected query, key and value to have the same "
            f"floating dtype, got {query.dtype}, {key.dtype} and {value.dtype}")
    if enable_gqa and query.ndim >= 3 and key.size(-3) != query.size(-3):
        hq, hk = query.size(-3), key.size(-3)
        if hq % hk:
            raise RuntimeError(f"scaled_dot_product_attention(): with enable_gqa the number of "
                               f"query heads ({hq}) must be a multiple of key heads ({hk})")
        key = key.repeat_interleave(hq // hk, -3)
        value = value.repeat_interleave(hq // hk, -3)
    L, S = query.size(-2), key.size(-2)
    scale = 1.0 / math.sqrt(query.size(-1)) if scale is None else float(scale)
    scores = ops.matmul(query, key.transpose(-2, -1)) * scale
    xp = scores.xp
    dead = None  # rows with no key to attend to: their output is zero
    if is_causal:
        keep = xp.tril(xp.ones((L, S), dtype=bool))
        scores = ops.masked_fill(scores, Tensor._make(~keep), float("-inf"))
        if L > S:
            dead = ~keep.any(-1, keepdims=True)
    elif attn_mask is not None:
        check_tensor(attn_mask, "scaled_dot_product_attention", "attn_mask")
        if _is_bool(attn_mask):
            keep = attn_mask._data
            scores = ops.masked_fill(scores, Tensor._make(~keep), float("-inf"))
            dead = ~keep.any(-1, keepdims=True)
        else:
            if attn_mask.dtype != scores.dtype:
                raise RuntimeError(
                    f"scaled_dot_product_attention(): a float attn_mask must have the query's "
                    f"dtype ({query.dtype}), got {attn_mask.dtype}")
            scores = scores + attn_mask
            dead = xp.isneginf(attn_mask._data).all(-1, keepdims=True)
    if dead is not None and bool(dead.any()):
        dead_t = Tensor._make(dead)
        weights = ops.softmax(ops.masked_fill(scores, dead_t, 0.0), -1)
        weights = ops.masked_fill(weights, dead_t, 0.0)
    else:
        weights = ops.softmax(scores, -1)
    if dropout_p > 0.0:
        from .dropout import dropout

        weights = dropout(weights, dropout_p, True)
    return ops.matmul(weights, value)


# -- multi-head attention ----------------------------------------------------------------------


def _canonical_mask(mask, mask_name: str, other_type, other_name: str, target_type,
                    check_other: bool = True):
    """A bool mask as a float mask (True → −∞); float masks pass through."""
    if mask is None:
        return None
    kind = mask._data.dtype.kind
    if kind != "b" and kind != "f":
        raise AssertionError(f"only bool and floating types of {mask_name} are supported")
    if check_other and other_type is not None and mask.dtype != other_type:
        warnings.warn(f"Support for mismatched {mask_name} and {other_name} is deprecated. Use "
                      "same type for both instead.", stacklevel=3)
    if kind == "b":
        xp = mask.xp
        out = xp.zeros(mask._data.shape, dtype=target_type.np)
        out[mask._data] = float("-inf")
        return Tensor._make(out)
    return mask


def _none_or_dtype(t):
    return None if t is None else t.dtype


def _mha_shape_check(query, key, value, key_padding_mask, attn_mask, num_heads) -> bool:
    if query.dim() == 3:
        if key.dim() != 3 or value.dim() != 3:
            raise AssertionError(
                "For batched (3-D) `query`, expected `key` and `value` to be 3-D but found "
                f"{key.dim()}-D and {value.dim()}-D tensors respectively")
        if key_padding_mask is not None and key_padding_mask.dim() != 2:
            raise AssertionError(
                "For batched (3-D) `query`, expected `key_padding_mask` to be `None` or 2-D but "
                f"found {key_padding_mask.dim()}-D tensor instead")
        if attn_mask is not None and attn_mask.dim() not in (2, 3):
            raise AssertionError(
                "For batched (3-D) `query`, expected `attn_mask` to be `None`, 2-D or 3-D but "
                f"found {attn_mask.dim()}-D tensor instead")
        return True
    if query.dim() == 2:
        if key.dim() != 2 or value.dim() != 2:
            raise AssertionError(
                "For unbatched (2-D) `query`, expected `key` and `value` to be 2-D but found "
                f"{key.dim()}-D and {value.dim()}-D tensors respectively")
        if key_padding_mask is not None and key_padding_mask.dim() != 1:
            raise AssertionError(
                "For unbatched (2-D) `query`, expected `key_padding_mask` to be `None` or 1-D "
                f"but found {key_padding_mask.dim()}-D tensor instead")
        if attn_mask is not None:
            if attn_mask.dim() not in (2, 3):
                raise AssertionError(
                    "For unbatched (2-D) `query`, expected `attn_mask` to be `None`, 2-D or 3-D "
                    f"but found {attn_mask.dim()}-D tensor instead")
            if attn_mask.dim() == 3:
                expected = (num_heads, query.shape[0], key.shape[0])
                if tuple(attn_mask.shape) != expected:
                    raise AssertionError(f"Expected `attn_mask` shape to be {expected} but got "
                                         f"{attn_mask.shape}")
        return False
    raise AssertionError("query should be unbatched 2D or batched 3D tensor but received "
                         f"{query.dim()}-D query tensor")


def _in_projection_packed(q, k, v, w, b):
    from .linear import linear

    E = q.size(-1)
    if k is v:
        if q is k:
            return linear(q, w, b).chunk(3, -1)
        w_q, w_kv = w.split([E, 2 * E])
        b_q, b_kv = (None, None) if b is None else b.split([E, 2 * E])
        k_out, v_out = linear(k, w_kv, b_kv).chunk(2, -1)
        return linear(q, w_q, b_q), k_out, v_out
    w_q, w_k, w_v = w.chunk(3)
    b_q, b_k, b_v = (None, None, None) if b is None else b.chunk(3)
    return linear(q, w_q, b_q), linear(k, w_k, b_k), linear(v, w_v, b_v)


def multi_head_attention_forward(query, key, value, embed_dim_to_check: int, num_heads: int,
                                 in_proj_weight, in_proj_bias, bias_k, bias_v,
                                 add_zero_attn: bool, dropout_p: float, out_proj_weight,
                                 out_proj_bias, training: bool = True, key_padding_mask=None,
                                 need_weights: bool = True, attn_mask=None,
                                 use_separate_proj_weight: bool = False, q_proj_weight=None,
                                 k_proj_weight=None, v_proj_weight=None, static_k=None,
                                 static_v=None, average_attn_weights: bool = True,
                                 is_causal: bool = False):
    """Multi-head attention on (L, N, E) query and (S, N, E_k/E_v) key/value (or unbatched
    (L, E)): head_i = Attention(Q W_qᵢ, K W_kᵢ, V W_vᵢ), output = concat(head_i) W_oᵀ + b_o.

    Returns (output (L, N, E), weights (N, L, S) averaged over heads or (N, H, L, S), or None
    when ``need_weights`` is False).
    """
    from .linear import linear

    ops = _ops()
    is_batched = _mha_shape_check(query, key, value, key_padding_mask, attn_mask, num_heads)
    if not is_batched:
        query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
    tgt_len, bsz, embed_dim = query.shape
    src_len = key.shape[0]
    key_padding_mask = _canonical_mask(key_padding_mask, "key_padding_mask",
                                       _none_or_dtype(attn_mask), "attn_mask", query.dtype)
    if is_causal and attn_mask is None:
        raise RuntimeError("Need attn_mask if specifying the is_causal hint. You may use the "
                           "Transformer module method `generate_square_subsequent_mask` to "
                           "create this mask.")
    if is_causal and key_padding_mask is None and not need_weights:
        attn_mask = None  # the scaled_dot_product_attention kernel applies the causal mask
    else:
        attn_mask = _canonical_mask(attn_mask, "attn_mask", None, "", query.dtype, False)
        if key_padding_mask is not None:
            is_causal = False
    if embed_dim != embed_dim_to_check:
        raise AssertionError(f"was expecting embedding dimension of {embed_dim_to_check}, but "
                             f"got {embed_dim}")
    head_dim = embed_dim // num_heads
    if head_dim * num_heads != embed_dim:
        raise AssertionError(f"embed_dim {embed_dim} not divisible by num_heads {num_heads}")
    if use_separate_proj_weight:
        if tuple(key.shape[:2]) != tuple(value.shape[:2]):
            raise AssertionError(f"key's sequence and batch dims {key.shape[:2]} do not match "
                                 f"value's {value.shape[:2]}")
        b_q, b_k, b_v = (None,) * 3 if in_proj_bias is None else in_proj_bias.chunk(3)
        q = linear(query, q_proj_weight, b_q)
        k = linear(key, k_proj_weight, b_k)
        v = linear(value, v_proj_weight, b_v)
    else:
        if tuple(key.shape) != tuple(value.shape):
            raise AssertionError(f"key shape {key.shape} does not match value shape "
                                 f"{value.shape}")
        q, k, v = _in_projection_packed(query, key, value, in_proj_weight, in_proj_bias)
    if attn_mask is not None:
        if attn_mask.dim() == 2:
            if tuple(attn_mask.shape) != (tgt_len, src_len):
                raise RuntimeError(f"The shape of the 2D attn_mask is {attn_mask.shape}, but "
                                   f"should be {(tgt_len, src_len)}.")
            attn_mask = attn_mask.unsqueeze(0)
        elif attn_mask.dim() == 3:
            if tuple(attn_mask.shape) != (bsz * num_heads, tgt_len, src_len):
                raise RuntimeError(f"The shape of the 3D attn_mask is {attn_mask.shape}, but "
                                   f"should be {(bsz * num_heads, tgt_len, src_len)}.")
        else:
            raise RuntimeError(f"attn_mask's dimension {attn_mask.dim()} is not supported")
    if bias_k is not None and bias_v is not None:
        if static_k is not None or static_v is not None:
            raise AssertionError("bias cannot be added to static key.")
        k = ops.cat([k, bias_k.repeat(1, bsz, 1)])
        v = ops.cat([v, bias_v.repeat(1, bsz, 1)])
        if attn_mask is not None:
            attn_mask = ops.pad(attn_mask, (0, 1))
        if key_padding_mask is not None:
            key_padding_mask = ops.pad(key_padding_mask, (0, 1))
    elif bias_k is not None or bias_v is not None:
        raise AssertionError("bias_k is set but bias_v is None" if bias_k is not None
                             else "bias_v is set but bias_k is None")
    q = q.reshape(tgt_len, bsz * num_heads, head_dim).transpose(0, 1)
    k = k.reshape(k.shape[0], bsz * num_heads, head_dim).transpose(0, 1) if static_k is None \
        else _static("k", static_k, bsz * num_heads, head_dim)
    v = v.reshape(v.shape[0], bsz * num_heads, head_dim).transpose(0, 1) if static_v is None \
        else _static("v", static_v, bsz * num_heads, head_dim)
    if add_zero_attn:
        zeros = ops.zeros(bsz * num_heads, 1, head_dim, dtype=k.dtype, device=k.device)
        k = ops.cat([k, zeros], 1)
        v = ops.cat([v, zeros], 1)
        if attn_mask is not None:
            attn_mask = ops.pad(attn_mask, (0, 1))
        if key_padding_mask is not None:
            key_padding_mask = ops.pad(key_padding_mask, (0, 1))
    src_len = k.size(1)
    if key_padding_mask is not None:
        if key_padding_mask.shape[0] != bsz:
            raise AssertionError(f"Expected key_padded_mask.shape[0] to be {bsz}, but got "
                                 f"{key_padding_mask.shape[0]}")
        if key_padding_mask.shape[1] != src_len:
            raise AssertionError(f"Expected key_padded_mask.shape[1] to be {src_len}, but got "
                                 f"{key_padding_mask.shape[1]}")
        kpm = key_padding_mask.reshape(bsz, 1, 1, src_len).expand(-1, num_heads, -1, -1)
        kpm = kpm.reshape(bsz * num_heads, 1, src_len)
        attn_mask = kpm if attn_mask is None else attn_mask + kpm
    if not training:
        dropout_p = 0.0
    if need_weights:
        E = q.shape[-1]
        scores = ops.matmul(q * math.sqrt(1.0 / float(E)), k.transpose(-2, -1))
        if attn_mask is not None:
            scores = scores + attn_mask
        weights = ops.softmax(scores, -1)
        if dropout_p > 0.0:
            from .dropout import dropout

            weights = dropout(weights, dropout_p, True)
        out = ops.matmul(weights, v)  # (N·H, L, hd)
        out = out.transpose(0, 1).reshape(tgt_len * bsz, embed_dim)
        out = linear(out, out_proj_weight, out_proj_bias).reshape(tgt_len, bsz, -1)
        weights = weights.reshape(bsz, num_heads, tgt_len, src_len)
        if average_attn_weights:
            weights = weights.mean(1)
        if not is_batched:
            out, weights = out.squeeze(1), weights.squeeze(0)
        return out, weights
    if attn_mask is not None:
        if attn_mask.size(0) == 1 and attn_mask.dim() == 3:
            attn_mask = attn_mask.unsqueeze(0)
        else:
            attn_mask = attn_mask.reshape(bsz, num_heads, -1, src_len)
    q = q.reshape(bsz, num_heads, tgt_len, head_dim)
    k = k.reshape(bsz, num_heads, src_len, head_dim)
    v = v.reshape(bsz, num_heads, src_len, head_dim)
    out = scaled_dot_product_attention(q, k, v, attn_mask, dropout_p, is_causal)
    out = out.permute(2, 0, 1, 3).reshape(bsz * tgt_len, embed_dim)
    out = linear(out, out_proj_weight, out_proj_bias).reshape(tgt_len, bsz, -1)
    if not is_batched:
        out = out.squeeze(1)
    return out, None


def _static(name, t, batch_heads, head_dim):
    if t.size(0) != batch_heads:
        raise AssertionError(f"expecting static_{name}.size(0) of {batch_heads}, but got "
                             f"{t.size(0)}")
    if t.size(2) != head_dim:
        raise AssertionError(f"expecting static_{name}.size(2) of {head_dim}, but got "
                             f"{t.size(2)}")
    return t
