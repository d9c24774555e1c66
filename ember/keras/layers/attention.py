"""Attention layers with Keras 3's semantics: ``MultiHeadAttention``, ``Attention`` (dot-product,
Luong style) and ``AdditiveAttention`` (Bahdanau style).

Masks follow Keras: boolean, True = attend. Masked scores get −1e9 added before the softmax (so
a fully masked row attends uniformly, as in Keras, rather than giving NaN or zeros).

>>> import ember
>>> from ember.keras import layers
>>> mha = layers.MultiHeadAttention(num_heads=2, key_dim=2)
>>> out = mha(ember.randn(3, 8, 16), ember.randn(3, 4, 16))
>>> tuple(out.shape), mha.count_params()
((3, 8, 16), 284)
"""

from __future__ import annotations

import math

import ember
from ember.nn import functional as F

from .. import initializers, regularizers
from .layer import Layer, convert_inputs, get_mask, no_constraint

__all__ = ["MultiHeadAttention", "Attention", "AdditiveAttention"]

_LARGE_NEGATIVE = -1e9  # Keras's Softmax mask value for float32 (float16: -3e4)


def _large_negative(dtype):
    return -3e4 if dtype == ember.float16 else _LARGE_NEGATIVE


class _HeadsDense(Layer):
    """Keras's EinsumDense as MultiHeadAttention uses it: contract the last ``n_in`` axes of the
    input with a kernel of shape (*in_dims, *out_shape) and add a bias of shape ``out_shape``.

    The query/key/value projections are (dim,) -> (num_heads, head_dim); the output projection
    is (num_heads, value_dim) -> output_shape. Computed as one matmul on flattened axes.
    """

    def __init__(self, out_shape, n_in, use_bias, kernel_initializer, bias_initializer,
                 kernel_regularizer, bias_regularizer, activity_regularizer, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.out_shape = tuple(int(s) for s in out_shape)
        self.n_in = int(n_in)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = kernel_initializer
        self.bias_initializer = bias_initializer
        self.kernel_regularizer = kernel_regularizer
        self.bias_regularizer = bias_regularizer

    def build(self, input_shape):
        in_dims = tuple(input_shape[-self.n_in:])
        self.kernel = self.add_weight(shape=in_dims + self.out_shape, name="kernel",
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer)
        if self.use_bias:
            self.bias = self.add_weight(shape=self.out_shape, name="bias",
                                        initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer)
        else:
            self.bias = None

    def call(self, inputs):
        lead = tuple(inputs.shape[:-self.n_in])
        fan_in = math.prod(inputs.shape[-self.n_in:])
        fan_out = math.prod(self.out_shape)
        y = ember.matmul(inputs.reshape(lead + (fan_in,)), self.kernel.reshape(fan_in, fan_out))
        if self.bias is not None:
            y = y + self.bias.reshape(fan_out)
        return y.reshape(lead + self.out_shape)


class MultiHeadAttention(Layer):
    """Multi-head attention (Vaswani et al., 2017) with Keras 3's arguments and weights:

        Q_h = q W^Q_h,  K_h = k W^K_h,  V_h = v W^V_h    (h = 1..num_heads)
        A_h = softmax(Q_h K_hᵀ / √key_dim + M),   out = Σ_h (A_h V_h) W^O_h + b^O

    Projections are sublayers ``query``, ``key``, ``value`` (kernel (dim, num_heads, key_dim),
    bias (num_heads, key_dim)) and ``attention_output`` (kernel (num_heads, value_dim, out),
    bias (out,)), created on the first call from the input shapes, so the parameter count is
    Keras's. M adds −1e9 where the mask is False; the mask combines ``attention_mask``
    (batch, Tq, Tv), the Keras masks of query and value (or ``query_mask``/``value_mask``/
    ``key_mask``) and, with ``use_causal_mask``, a lower-triangular mask. ``dropout`` drops
    attention weights while training.

    Args:
        num_heads: number of heads.
        key_dim: size of each head for query and key.
        value_dim: size of each head for value (default ``key_dim``).
        dropout: dropout rate on the attention weights.
        use_bias: whether the projections have biases.
        output_shape: the output's trailing shape (default: the query's last dimension).
        attention_axes: only the default (``None``: every axis between batch and features) is
            supported; queries of rank > 3 attend over all their middle axes jointly.

    Call: ``mha(query, value, key=None, attention_mask=None, return_attention_scores=False,
    training=None, use_causal_mask=False)``; returns the output (batch, Tq, ...) and, if asked,
    the attention weights (batch, num_heads, Tq, Tv).
    """

    def __init__(self, num_heads, key_dim, value_dim=None, dropout=0.0, use_bias=True,
                 output_shape=None, attention_axes=None, flash_attention=None,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.num_heads = int(num_heads)
        self.key_dim = int(key_dim)
        self.value_dim = int(value_dim) if value_dim else self.key_dim
        self.dropout = float(dropout)
        self.use_bias = bool(use_bias)
        if output_shape:
            if isinstance(output_shape, int):
                output_shape = (output_shape,)
            try:
                output_shape = tuple(int(s) for s in output_shape)
            except (TypeError, ValueError):
                raise ValueError(
                    f"Invalid `output_shape`: {output_shape}. When specified, the "
                    "`output_shape` should be of type tuple, list, or int."
                ) from None
        self._output_shape = output_shape or None
        if isinstance(attention_axes, int):
            attention_axes = (attention_axes,)
        elif attention_axes is not None and not isinstance(attention_axes, (list, tuple)):
            raise ValueError(
                "`attention_axes` must be an int, list, or tuple. Received: "
                f"attention_axes={attention_axes}"
            )
        self.attention_axes = None if attention_axes is None else tuple(attention_axes)
        self.flash_attention = flash_attention
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self._projection_activity_regularizer = regularizers.get(activity_regularizer)
        no_constraint(f"MultiHeadAttention '{self.name}'", kernel_constraint=kernel_constraint,
                      bias_constraint=bias_constraint)
        self.seed = seed
        self.__dict__["_shapes"] = None

    # -- building ------------------------------------------------------------------------------

    def _check_axes(self, rank):
        if self.attention_axes is None:
            return
        axes = tuple(a % rank for a in self.attention_axes)
        if axes != tuple(range(1, rank - 1)):
            raise NotImplementedError(
                f"MultiHeadAttention '{self.name}': attention_axes={self.attention_axes} is "
                f"not supported for inputs of rank {rank}; only attention over every axis "
                f"between batch and features ({tuple(range(1, rank - 1))}, the default None)"
            )

    def _sublayer(self, out_shape, n_in, name):
        return _HeadsDense(out_shape, n_in, self.use_bias, self.kernel_initializer,
                           self.bias_initializer, self.kernel_regularizer, self.bias_regularizer,
                           self._projection_activity_regularizer, name=name, dtype=self.dtype,
                           trainable=self.trainable)

    def _build_from_shapes(self, query_shape, value_shape, key_shape):
        query_shape, value_shape = tuple(query_shape), tuple(value_shape)
        key_shape = value_shape if key_shape is None else tuple(key_shape)
        if value_shape[1:-1] != key_shape[1:-1]:
            raise ValueError(
                "All dimensions of `value` and `key`, except the last one, must be equal. "
                f"Received: value_shape={value_shape} and key_shape={key_shape}"
            )
        self._check_axes(len(query_shape))
        heads = self.num_heads
        out = self._output_shape or (query_shape[-1],)
        self.query_dense = self._sublayer((heads, self.key_dim), 1, "query")
        self.key_dense = self._sublayer((heads, self.key_dim), 1, "key")
        self.value_dense = self._sublayer((heads, self.value_dim), 1, "value")
        self.output_dense = self._sublayer(out, 2, "attention_output")
        for layer, shape in ((self.query_dense, query_shape), (self.key_dense, key_shape),
                             (self.value_dense, value_shape),
                             (self.output_dense, query_shape[:-1] + (heads, self.value_dim))):
            layer.build(shape)
            layer.built = True
            layer._build_shapes = shape
        self.__dict__["_shapes"] = (query_shape, value_shape, key_shape)

    def get_build_config(self):
        if self._shapes is None:
            return None
        q, v, k = self._shapes
        return {"query_shape": list(q), "value_shape": list(v), "key_shape": list(k)}

    def build_from_config(self, config):
        if config and "query_shape" in config and self._shapes is None:
            self._build_from_shapes(config["query_shape"], config["value_shape"],
                                    config.get("key_shape"))
            self.built = True

    # -- calling -------------------------------------------------------------------------------

    def call(self, query, value, key=None, query_mask=None, value_mask=None, key_mask=None,
             attention_mask=None, return_attention_scores=False, training=None,
             use_causal_mask=False):
        if value_mask is None:
            value_mask = get_mask(value)
        if key is not None and key_mask is None and key is not value:
            key_mask = get_mask(key)
        if query_mask is None:
            query_mask = get_mask(query)
        value = convert_inputs(value, self.dtype)
        key = value if key is None else convert_inputs(key, self.dtype)
        for name, t in (("query", query), ("value", value), ("key", key)):
            if t.ndim < 3:
                raise ValueError(
                    f"MultiHeadAttention '{self.name}' expects {name} of rank >= 3 (batch, "
                    f"sequence, features), got shape {tuple(t.shape)}"
                )
        if self._shapes is None:
            self._build_from_shapes(query.shape, value.shape, key.shape)
        mask = self._attention_mask(query, value, query_mask, value_mask, key_mask,
                                    attention_mask, use_causal_mask)
        batch = query.shape[0]
        q_axes, v_axes = tuple(query.shape[1:-1]), tuple(value.shape[1:-1])
        tq, tv = math.prod(q_axes), math.prod(v_axes)
        heads = self.num_heads
        # (batch, heads, T, head_dim), the query scaled first as in Keras
        q = self.query_dense(query).reshape(batch, tq, heads, self.key_dim).permute(0, 2, 1, 3)
        q = q * (1.0 / math.sqrt(self.key_dim))
        k = self.key_dense(key).reshape(batch, tv, heads, self.key_dim).permute(0, 2, 1, 3)
        v = self.value_dense(value).reshape(batch, tv, heads, self.value_dim)
        scores = ember.matmul(q, k.transpose(-1, -2))
        if mask is not None:
            keep = mask.unsqueeze(1).to(scores.dtype)
            scores = scores + (1.0 - keep) * _large_negative(scores.dtype)
        weights = F.softmax(scores, -1)
        dropped = weights
        if training and self.dropout > 0:
            dropped = F.dropout(weights, self.dropout, True)
        context = ember.matmul(dropped, v.permute(0, 2, 1, 3))  # (batch, heads, Tq, value_dim)
        context = context.permute(0, 2, 1, 3).reshape((batch,) + q_axes
                                                      + (heads, self.value_dim))
        output = self.output_dense(context)
        if return_attention_scores:
            return output, weights.reshape((batch, heads) + q_axes + v_axes)
        return output

    def _attention_mask(self, query, value, query_mask, value_mask, key_mask, attention_mask,
                        use_causal_mask):
        """Keras's combined boolean mask, shaped (batch or 1, Tq, Tv), or None."""
        batch = query.shape[0]
        tq, tv = math.prod(query.shape[1:-1]), math.prod(value.shape[1:-1])
        mask = None

        def merge(m):
            return m if mask is None else ember.logical_and(mask, m)

        if query_mask is not None:
            mask = merge(_as_bool(query_mask).reshape(batch, tq, 1))
        for m in (value_mask, key_mask):
            if m is not None:
                mask = merge(_as_bool(m).reshape(batch, 1, tv))
        if use_causal_mask:
            causal = ember.ones(tq, tv, dtype=ember.bool, device=query.device).tril()
            mask = merge(causal.reshape(1, tq, tv))
        if attention_mask is not None:
            am = _as_bool(convert_inputs(attention_mask, None))
            if am.numel() not in (batch * tq * tv, tq * tv):
                raise ValueError(
                    f"MultiHeadAttention '{self.name}': attention_mask should have shape "
                    f"(batch, Tq, Tv) = ({batch}, {tq}, {tv}), got {tuple(am.shape)}"
                )
            mask = merge(am.reshape(-1, tq, tv))
        return mask

    def get_config(self):
        config = super().get_config()
        config.update(
            num_heads=self.num_heads, key_dim=self.key_dim, value_dim=self.value_dim,
            dropout=self.dropout, use_bias=self.use_bias,
            output_shape=list(self._output_shape) if self._output_shape else None,
            attention_axes=list(self.attention_axes) if self.attention_axes else None,
            flash_attention=self.flash_attention,
            kernel_initializer=initializers.serialize(self.kernel_initializer),
            bias_initializer=initializers.serialize(self.bias_initializer),
            kernel_regularizer=regularizers.serialize(self.kernel_regularizer),
            bias_regularizer=regularizers.serialize(self.bias_regularizer),
            activity_regularizer=regularizers.serialize(self._projection_activity_regularizer),
            kernel_constraint=None, bias_constraint=None, seed=self.seed,
        )
        return config


def _as_bool(mask):
    return mask if mask.dtype == ember.bool else mask != 0


class Attention(Layer):
    """Dot-product attention (Luong style), Keras 3's ``Attention``:

        scores = q kᵀ (· scale if ``use_scale``),   out = softmax(scores + M) v

    With ``score_mode="concat"``: scores = w · Σ tanh(scale · (q_i + k_j)). Masked keys (the
    value mask, and the causal mask with ``use_causal_mask``) get −1e9; rows of masked queries
    are zeroed in the output. Weights: ``scale`` (scalar, if ``use_scale``) and
    ``concat_score_weight`` (scalar, concat mode).

    Call: ``layer([query, value])`` or ``layer([query, value, key])`` with shapes (batch, Tq,
    dim), (batch, Tv, dim); returns (batch, Tq, dim) and, with ``return_attention_scores``,
    the weights (batch, Tq, Tv).

    >>> import ember
    >>> from ember.keras import layers
    >>> layers.Attention()([ember.ones(2, 3, 4), ember.ones(2, 5, 4)]).shape
    ember.Size([2, 3, 4])
    """

    def __init__(self, use_scale=False, score_mode="dot", dropout=0.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        if score_mode not in ("dot", "concat"):
            raise ValueError(
                "Invalid value for argument score_mode. Expected one of {'dot', 'concat'}. "
                f"Received: score_mode={score_mode}"
            )
        self.use_scale = bool(use_scale)
        self.score_mode = score_mode
        self.dropout = float(dropout)
        self.seed = seed
        self.supports_masking = True

    def _validate_inputs(self, inputs, mask=None):
        name = type(self).__name__
        if not isinstance(inputs, (list, tuple)):
            raise ValueError(
                f"{name} layer must be called on a list of inputs, namely [query, value] or "
                f"[query, value, key]. Received: inputs={inputs}."
            )
        if not 2 <= len(inputs) <= 3:
            raise ValueError(
                f"{name} layer accepts inputs list of length 2 or 3, namely [query, value] or "
                f"[query, value, key]. Received length: {len(inputs)}."
            )
        if mask is not None:
            if not isinstance(mask, (list, tuple)):
                raise ValueError(
                    f"{name} layer mask must be a list, namely [query_mask, value_mask]. "
                    f"Received: mask={mask}."
                )
            if not 2 <= len(mask) <= 3:
                raise ValueError(
                    f"{name} layer accepts mask list of length 2 or 3. Received: mask={mask}."
                )

    def build(self, input_shape):
        self._validate_inputs(input_shape)
        if self.use_scale:
            self.scale = self.add_weight(shape=(), name="scale", initializer="ones")
        else:
            self.scale = None
        if self.score_mode == "concat":
            self.concat_score_weight = self.add_weight(shape=(), name="concat_score_weight",
                                                       initializer="ones")
        else:
            self.concat_score_weight = None

    def _calculate_scores(self, query, key):
        if self.score_mode == "dot":
            scores = ember.matmul(query, key.transpose(-1, -2))
            return scores * self.scale if self.scale is not None else scores
        summed = query.unsqueeze(-2) + key.unsqueeze(-3)
        if self.scale is not None:
            summed = self.scale * summed
        return self.concat_score_weight * summed.tanh().sum(-1)

    def call(self, inputs, mask=None, training=False, return_attention_scores=False,
             use_causal_mask=False):
        self._validate_inputs(inputs, mask)
        q, v = inputs[0], inputs[1]
        k = inputs[2] if len(inputs) > 2 else v
        q_mask = mask[0] if mask else None
        v_mask = mask[1] if mask else None
        scores = self._calculate_scores(q, k)
        keep = None
        if v_mask is not None:
            keep = _as_bool(v_mask).unsqueeze(-2)
        if use_causal_mask:
            causal = ember.ones(scores.shape[-2], scores.shape[-1], dtype=ember.bool,
                                device=scores.device).tril()
            keep = causal.unsqueeze(0) if keep is None else ember.logical_and(keep, causal)
        if keep is not None:
            big = 65504.0 if scores.dtype == ember.float16 else 1.0e9
            scores = scores - big * ember.logical_not(keep).to(scores.dtype)
        weights = F.softmax(scores, -1)
        applied = F.dropout(weights, self.dropout, True) if training and self.dropout > 0 \
            else weights
        result = ember.matmul(applied, v)
        if q_mask is not None:
            result = result * _as_bool(q_mask).unsqueeze(-1).to(result.dtype)
        if return_attention_scores:
            return result, weights
        return result

    def compute_mask(self, inputs, mask=None):
        if mask is None or mask[0] is None:
            return None
        return mask[0]

    def get_config(self):
        config = super().get_config()
        config.update(use_scale=self.use_scale, score_mode=self.score_mode,
                      dropout=self.dropout, seed=self.seed)
        return config


class AdditiveAttention(Attention):
    """Additive attention (Bahdanau style), Keras 3's ``AdditiveAttention``:

        scores_ij = Σ_d scale_d · tanh(q_id + k_jd),   out = softmax(scores + M) v

    Weight: ``scale`` (dim,), glorot-uniform, if ``use_scale`` (default True). Masks and call
    arguments as ``Attention``.
    """

    def __init__(self, use_scale=True, dropout=0.0, **kwargs):
        kwargs.pop("score_mode", None)
        super().__init__(use_scale=use_scale, dropout=dropout, **kwargs)

    def build(self, input_shape):
        self._validate_inputs(input_shape)
        dim = input_shape[0][-1]
        if self.use_scale:
            self.scale = self.add_weight(shape=(dim,), name="scale",
                                         initializer="glorot_uniform")
        else:
            self.scale = None

    def _calculate_scores(self, query, key):
        summed = (query.unsqueeze(-2) + key.unsqueeze(-3)).tanh()
        if self.scale is not None:
            summed = self.scale * summed
        return summed.sum(-1)

    def get_config(self):
        config = super().get_config()
        del config["score_mode"]
        return config
