"""``MultiheadAttention`` with PyTorch's parameters (``in_proj_weight``/``in_proj_bias``, or
``q/k/v_proj_weight`` when kdim/vdim differ, ``out_proj``, optional ``bias_k``/``bias_v``)."""

from __future__ import annotations

from ... import ops
from ...ops.attention import _canonical_mask, _none_or_dtype, multi_head_attention_forward
from .. import init
from ..module import Module
from ..parameter import Parameter
from .linear import Linear


class NonDynamicallyQuantizableLinear(Linear):
    """A ``Linear`` (PyTorch's name for the attention output projection)."""


class MultiheadAttention(Module):
    """MultiHead(Q, K, V) = concat(head_1, …, head_h) W_oᵀ + b_o,
    head_i = softmax((Q W_qᵢᵀ)(K W_kᵢᵀ)ᵀ / √d_head + mask) (V W_vᵢᵀ).

    Inputs (L, N, E) / (S, N, kdim) / (S, N, vdim) ((N, L, E) … with ``batch_first``, or
    unbatched (L, E)). ``key_padding_mask`` (N, S): True (or −∞) marks keys to ignore;
    ``attn_mask`` (L, S) or (N·num_heads, L, S): True (or −∞) blocks attention, floats are
    added. Returns (output, weights averaged over heads (N, L, S) — or per head (N, H, L, S)
    with ``average_attn_weights=False`` — or None when ``need_weights=False``).

    >>> import ember
    >>> from ember.nn.modules.attention import MultiheadAttention
    >>> mha = MultiheadAttention(8, 2, batch_first=True)
    >>> x = ember.randn(3, 5, 8)
    >>> out, w = mha(x, x, x)
    >>> tuple(out.shape), tuple(w.shape)
    ((3, 5, 8), (3, 5, 5))
    """

    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0, bias: bool = True,
                 add_bias_kv: bool = False, add_zero_attn: bool = False, kdim=None, vdim=None,
                 batch_first: bool = False, device=None, dtype=None):
        if embed_dim <= 0 or num_heads <= 0:
            raise ValueError(f"embed_dim and num_heads must be greater than 0, got "
                             f"embed_dim={embed_dim} and num_heads={num_heads} instead")
        super().__init__()
        kw = dict(device=device, dtype=dtype)
        self.embed_dim = embed_dim
        self.kdim = kdim if kdim is not None else embed_dim
        self.vdim = vdim if vdim is not None else embed_dim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.num_heads = num_heads
        self.dropout = dropout
        self.batch_first = batch_first
        self.head_dim = embed_dim // num_heads
        if self.head_dim * num_heads != embed_dim:
            raise AssertionError("embed_dim must be divisible by num_heads")
        if not self._qkv_same_embed_dim:
            self.q_proj_weight = Parameter(ops.empty(embed_dim, embed_dim, **kw))
            self.k_proj_weight = Parameter(ops.empty(embed_dim, self.kdim, **kw))
            self.v_proj_weight = Parameter(ops.empty(embed_dim, self.vdim, **kw))
            self.register_parameter("in_proj_weight", None)
        else:
            self.in_proj_weight = Parameter(ops.empty(3 * embed_dim, embed_dim, **kw))
            self.register_parameter("q_proj_weight", None)
            self.register_parameter("k_proj_weight", None)
            self.register_parameter("v_proj_weight", None)
        if bias:
            self.in_proj_bias = Parameter(ops.empty(3 * embed_dim, **kw))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = NonDynamicallyQuantizableLinear(embed_dim, embed_dim, bias=bias, **kw)
        if add_bias_kv:
            self.bias_k = Parameter(ops.empty(1, 1, embed_dim, **kw))
            self.bias_v = Parameter(ops.empty(1, 1, embed_dim, **kw))
        else:
            self.bias_k = self.bias_v = None
        self.add_zero_attn = add_zero_attn
        self._reset_parameters()

    def _reset_parameters(self) -> None:
        """Xavier-uniform projections, zero biases, Xavier-normal bias_k/bias_v (PyTorch's)."""
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            init.xavier_uniform_(self.q_proj_weight)
            init.xavier_uniform_(self.k_proj_weight)
            init.xavier_uniform_(self.v_proj_weight)
        if self.in_proj_bias is not None:
            init.constant_(self.in_proj_bias, 0.0)
            init.constant_(self.out_proj.bias, 0.0)
        if self.bias_k is not None:
            init.xavier_normal_(self.bias_k)
        if self.bias_v is not None:
            init.xavier_normal_(self.bias_v)

    def forward(self, query, key, value, key_padding_mask=None, need_weights: bool = True,
                attn_mask=None, average_attn_weights: bool = True, is_causal: bool = False):
        is_batched = query.dim() == 3
        key_padding_mask = _canonical_mask(key_padding_mask, "key_padding_mask",
                                           _none_or_dtype(attn_mask), "attn_mask", query.dtype)
        attn_mask = _canonical_mask(attn_mask, "attn_mask", None, "", query.dtype, False)
        if self.batch_first and is_batched:
            if key is value:
                if query is key:
                    query = key = value = query.transpose(1, 0)
                else:
                    query, key = (x.transpose(1, 0) for x in (query, key))
                    value = key
            else:
                query, key, value = (x.transpose(1, 0) for x in (query, key, value))
        separate = not self._qkv_same_embed_dim
        out, weights = multi_head_attention_forward(
            query, key, value, self.embed_dim, self.num_heads, self.in_proj_weight,
            self.in_proj_bias, self.bias_k, self.bias_v, self.add_zero_attn, self.dropout,
            self.out_proj.weight, self.out_proj.bias, training=self.training,
            key_padding_mask=key_padding_mask, need_weights=need_weights, attn_mask=attn_mask,
            use_separate_proj_weight=separate,
            q_proj_weight=self.q_proj_weight if separate else None,
            k_proj_weight=self.k_proj_weight if separate else None,
            v_proj_weight=self.v_proj_weight if separate else None,
            average_attn_weights=average_attn_weights, is_causal=is_causal)
        if self.batch_first and is_batched:
            return out.transpose(1, 0), weights
        return out, weights

    def merge_masks(self, attn_mask, key_padding_mask, query):
        """One float mask (N, H, L, S) from attn_mask and key_padding_mask, and its type
        (0: attn_mask only, 1: key_padding_mask only, 2: both), like PyTorch."""
        if attn_mask is None and key_padding_mask is None:
            return None, None
        bsz, seq_len = query.shape[0], query.shape[1]
        shape = (bsz, self.num_heads, seq_len, seq_len)
        if key_padding_mask is not None:
            kpm = key_padding_mask.reshape(bsz, 1, 1, seq_len).expand(*shape)
            if attn_mask is None:
                return kpm, 1
        am = attn_mask.reshape(1, 1, seq_len, seq_len) if attn_mask.dim() == 2 \
            else attn_mask.reshape(bsz, -1, seq_len, seq_len)
        am = am.expand(*shape)
        return (am + kpm, 2) if key_padding_mask is not None else (am, 0)
