"""``Embedding``: integer indices to dense vectors, with Keras 3's defaults and masking.

>>> import ember
>>> from ember.keras import layers
>>> emb = layers.Embedding(10, 3, mask_zero=True)
>>> out = emb(ember.tensor([[4, 2, 0]]))
>>> tuple(out.shape), emb.compute_mask(ember.tensor([[4, 2, 0]])).tolist()
((1, 3, 3), [[True, True, False]])
"""

from __future__ import annotations

import ember
from ember.nn import functional as F

from .. import initializers, regularizers
from .layer import Layer

__all__ = ["Embedding"]


class Embedding(Layer):
    """Turn indices into rows of a trainable table: ``out[..., :] = embeddings[inputs[...]]``.

    Follows Keras 3: ``embeddings_initializer="uniform"`` is ``RandomUniform(-0.05, 0.05)``;
    float indices are cast to integers; with ``mask_zero=True`` index 0 is padding and the
    layer attaches the mask ``inputs != 0`` to its output, which later layers (``LSTM``, ``GRU``,
    pooling, attention) consume. ``input_length`` (Keras 2) is accepted and ignored.

    Args:
        input_dim: size of the vocabulary (largest index + 1).
        output_dim: size of each embedding vector.
        embeddings_initializer, embeddings_regularizer: for the ``embeddings`` table.
        mask_zero: whether index 0 is a padding value to be masked out.
        weights: an optional initial table of shape (input_dim, output_dim).

    Shape: (batch, ...) integer indices -> (batch, ..., output_dim).
    Weights: ``embeddings`` (input_dim, output_dim).
    """

    def __init__(self, input_dim, output_dim, embeddings_initializer="uniform",
                 embeddings_regularizer=None, embeddings_constraint=None, mask_zero=False,
                 weights=None, lora_rank=None, lora_alpha=None, **kwargs):
        kwargs.pop("input_length", None)  # a Keras 2 argument with no effect
        if lora_rank is not None:
            raise NotImplementedError(
                "Embedding: LoRA (lora_rank=...) is not supported by ember.keras; fine-tune the "
                "full table or freeze it with trainable=False"
            )
        super().__init__(**kwargs)
        if int(input_dim) <= 0 or int(output_dim) <= 0:
            raise ValueError(
                f"Embedding '{self.name}': input_dim and output_dim must be positive integers, "
                f"got input_dim={input_dim}, output_dim={output_dim}"
            )
        self.input_dim = int(input_dim)
        self.output_dim = int(output_dim)
        if embeddings_initializer == "uniform":  # Keras's alias for RandomUniform(-0.05, 0.05)
            embeddings_initializer = initializers.RandomUniform(-0.05, 0.05)
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        self.embeddings_constraint = embeddings_constraint
        self.mask_zero = bool(mask_zero)
        self.supports_masking = self.mask_zero
        if weights is not None:
            self.build()
            self.built = True
            if not (isinstance(weights, list) and len(weights) == 1):
                weights = [weights]
            self.set_weights(weights)

    def build(self, input_shape=None):
        if self.built:
            return
        self.embeddings = self.add_weight(shape=(self.input_dim, self.output_dim),
                                          initializer=self.embeddings_initializer,
                                          regularizer=self.embeddings_regularizer,
                                          constraint=self.embeddings_constraint,
                                          name="embeddings")

    def call(self, inputs):
        idx = inputs
        if idx.is_floating_point() or idx.dtype == ember.bool:
            idx = idx.to(ember.int64)
        if idx.numel():
            lo, hi = int(idx.min()), int(idx.max())
            if lo < 0 or hi >= self.input_dim:
                bad = lo if lo < 0 else hi
                raise ValueError(
                    f"Embedding '{self.name}': index {bad} is out of range for input_dim="
                    f"{self.input_dim} (valid indices are 0 to {self.input_dim - 1}); raise "
                    "input_dim to the vocabulary size + 1 or clip the indices"
                )
        return F.embedding(idx, self.embeddings)

    def compute_mask(self, inputs, mask=None):
        if not self.mask_zero:
            return None
        return inputs != 0

    def get_config(self):
        config = super().get_config()
        config.update(
            input_dim=self.input_dim, output_dim=self.output_dim,
            embeddings_initializer=initializers.serialize(self.embeddings_initializer),
            embeddings_regularizer=regularizers.serialize(self.embeddings_regularizer),
            embeddings_constraint=None, mask_zero=self.mask_zero,
        )
        return config
