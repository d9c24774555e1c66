"""Keras 3's preprocessing layers: ``Rescaling``, ``Normalization``, ``CategoryEncoding`` and
``TextVectorization``.

They follow their ``keras.layers`` namesakes. ``Normalization`` and ``TextVectorization`` learn
their state with ``adapt(data)``; ``Normalization`` keeps it in non-trainable weights (saved
with the model's weights), ``TextVectorization`` in its config (the vocabulary), so models
containing them round-trip through ``.keras`` files.

>>> from ember.keras import layers
>>> layers.Rescaling(1 / 255)(ember.full((1, 2), 255.0)).tolist()
[[1.0, 1.0]]
"""

from __future__ import annotations

import collections
import itertools
import math
import re
import string

import numpy as np

import ember
from ember.tensor import Tensor

from .core import _function_name, find_function
from .layer import Layer, _is_symbolic

__all__ = ["Rescaling", "Normalization", "CategoryEncoding", "TextVectorization"]

_EPSILON = 1e-7  # keras.backend.epsilon()


def _who(layer) -> str:
    return f"{type(layer).__name__} '{layer.name}'"


def _listify(value):
    """Config-friendly form of a number, sequence or array (JSON has no tuples or arrays)."""
    if isinstance(value, Tensor):
        value = value.detach().cpu().numpy()
    if isinstance(value, (np.ndarray, np.generic)):
        return value.tolist()
    if isinstance(value, (list, tuple)):
        return [_listify(v) for v in value]
    return value


# -- Rescaling ------------------------------------------------------------------------------------

class Rescaling(Layer):
    """``inputs * scale + offset`` in floating point (integer images are cast first).

    ``scale`` and ``offset`` are numbers, or sequences applied along the last (channel) axis.

    >>> from ember.keras import layers
    >>> layers.Rescaling(1 / 127.5, offset=-1)(ember.tensor([[0, 255]])).tolist()
    [[-1.0, 1.0]]
    """

    def __init__(self, scale, offset=0.0, **kwargs):
        super().__init__(**kwargs)
        self.scale = _listify(scale)
        self.offset = _listify(offset)
        self.supports_masking = True

    def _value(self, value, x):
        if isinstance(value, list):
            return ember.from_numpy(np.asarray(value, dtype=self.dtype)).to(x.device)
        return value

    def call(self, inputs):
        if not inputs.is_floating_point():
            inputs = inputs.to(getattr(ember, self.dtype))
        return inputs * self._value(self.scale, inputs) + self._value(self.offset, inputs)

    def get_config(self):
        config = super().get_config()
        config.update(scale=self.scale, offset=self.offset)
        return config


# -- Normalization --------------------------------------------------------------------------------

def _first_of_batch(batch):
    """``(x, y)`` or ``(x, y, sample_weight)`` batches contribute their ``x`` (as Keras)."""
    if isinstance(batch, (tuple, list)) and batch and isinstance(batch[0], (Tensor, np.ndarray)):
        return batch[0]
    return batch


def _is_batch_list(data) -> bool:
    """Whether a list given to adapt() holds batches (arrays, or (x, y) tuples of arrays)
    rather than numbers (a nested list of numbers is one array)."""
    first = data[0] if len(data) else None
    if isinstance(first, (tuple, list)) and first:
        first = first[0]
    return isinstance(first, (np.ndarray, Tensor))


def _as_array(data) -> np.ndarray:
    if isinstance(data, Tensor):
        return data.detach().cpu().numpy()
    return np.asarray(data)


class Normalization(Layer):
    """Shifts and scales inputs to zero mean and unit variance per feature::

        y = (x - mean) / max(sqrt(variance), 1e-7)        (invert=True: x * std + mean)

    as ``keras.layers.Normalization`` (Keras 3's formula and epsilon). ``mean`` and
    ``variance`` are given, or learned by ``adapt(data)`` and stored in the non-trainable
    weights ``mean``, ``variance`` (and Keras's ``count``). ``axis`` lists the axes that keep
    their own statistics (default: the last one); ``axis=None`` uses one scalar mean and
    variance. The attributes ``layer.mean`` and ``layer.variance`` are those weights, shaped
    like the kept axes (``(features,)``); Keras 3 exposes them as tensors already reshaped for
    broadcasting (``(1, features)``). The weights themselves are the same in both.

    >>> from ember.keras import layers
    >>> norm = layers.Normalization()
    >>> norm.adapt(np.array([[0.0, 7.0], [2.0, 9.0]]))
    >>> norm(np.array([[0.0, 7.0]])).tolist()
    [[-1.0, -1.0]]
    """

    def __init__(self, axis=-1, mean=None, variance=None, invert=False, **kwargs):
        super().__init__(**kwargs)
        if axis is None:
            axis = ()
        elif isinstance(axis, (int, np.integer)):
            axis = (int(axis),)
        else:
            axis = tuple(int(a) for a in axis)
        self.axis = axis
        if (mean is None) != (variance is None):
            raise ValueError(
                f"{_who(self)}: when setting values directly, both `mean` and `variance` must "
                f"be set. Received: mean={mean} and variance={variance}"
            )
        if mean is not None:
            if np.shape(mean) != np.shape(variance):
                raise ValueError(
                    f"{_who(self)}: `mean` and `variance` must have the same shape. Received: "
                    f"mean shape {np.shape(mean)} and variance shape {np.shape(variance)}"
                )
            if np.ndim(mean) > len(self.axis):
                raise ValueError(
                    f"{_who(self)}: the rank of `mean` must be less than or equal to the number "
                    f"of axes ({len(self.axis)}). Received: mean shape {np.shape(mean)} for "
                    f"axis {self.axis}"
                )
        self.input_mean = _listify(mean)
        self.input_variance = _listify(variance)
        self.invert = bool(invert)
        self.supports_masking = True

    def build(self, input_shape):
        ndim = len(input_shape)
        if any(not -ndim <= a < ndim for a in self.axis):
            raise ValueError(
                f"{_who(self)}: all `axis` values must be in the range [-ndim, ndim). Received "
                f"inputs of shape {tuple(input_shape)} (ndim={ndim}), while axis={self.axis}"
            )
        keep = tuple(sorted(a % ndim for a in self.axis))
        self._keep_axis = keep
        self._reduce_axis = tuple(d for d in range(ndim) if d not in keep)
        self._stat_shape = tuple(int(input_shape[d]) for d in keep)
        self._broadcast_shape = tuple(int(input_shape[d]) if d in keep else 1
                                      for d in range(ndim))
        if self.input_mean is None:
            self.add_weight(name="mean", shape=self._stat_shape, initializer="zeros",
                            trainable=False)
            self.add_weight(name="variance", shape=self._stat_shape, initializer="ones",
                            trainable=False)
            self.add_weight(name="count", shape=(), dtype="int64", initializer="zeros",
                            trainable=False)
            return
        # Given statistics are constants (not weights, as in Keras): their trailing axes line
        # up with the kept axes, then they broadcast to the kept axes' sizes.
        mean = np.asarray(self.input_mean, dtype=self.dtype)
        variance = np.asarray(self.input_variance, dtype=self.dtype)
        aligned = [1] * ndim
        for i in range(1, mean.ndim + 1):
            aligned[keep[-i]] = mean.shape[-i]
        try:
            mean = np.broadcast_to(mean.reshape(aligned), self._broadcast_shape)
            variance = np.broadcast_to(variance.reshape(aligned), self._broadcast_shape)
        except ValueError:
            raise ValueError(
                f"{_who(self)}: mean/variance of shape {np.shape(self.input_mean)} cannot be "
                f"broadcast to the kept axes {self.axis} of inputs of shape "
                f"{tuple(input_shape)} (sizes {self._stat_shape})"
            ) from None
        self.register_buffer("mean", ember.from_numpy(np.ascontiguousarray(mean)),
                             persistent=False)
        self.register_buffer("variance", ember.from_numpy(np.ascontiguousarray(variance)),
                             persistent=False)

    def _build_for(self, shape) -> None:
        """Build from the shape of adapt() data; the batch axis stays free unless it is kept."""
        shape = tuple(shape)
        self.build(shape)
        free = tuple(None if d == 0 and 0 not in self._keep_axis else s
                     for d, s in enumerate(shape))
        self.__dict__["built"] = True
        self.__dict__["_build_shapes"] = free

    def _check_kept_axes(self, shape, what: str) -> None:
        if len(shape) != len(self._broadcast_shape) or any(
                shape[d] != self._broadcast_shape[d] for d in self._keep_axis):
            expected = tuple(s if d in self._keep_axis else None
                             for d, s in enumerate(self._broadcast_shape))
            raise ValueError(
                f"{_who(self)} was built for inputs of shape {expected} (None = any size), but "
                f"{what} has shape {tuple(shape)}"
            )

    def adapt(self, data) -> None:
        """Learn ``mean`` and ``variance`` from ``data``: a NumPy array, a tensor, or an
        iterable of batches (a list of arrays, a generator, a ``DataLoader``; ``(x, y)``
        batches use ``x``). Batches are combined exactly (pooled mean and variance)."""
        if self.input_mean is not None:
            raise ValueError(
                f"{_who(self)} was given `mean` and `variance`; adapt() would overwrite them. "
                "Create the layer without them to learn the statistics from data"
            )
        if isinstance(data, (np.ndarray, Tensor)) or (
                isinstance(data, (list, tuple)) and not _is_batch_list(data)):
            batches = iter([_as_array(data)])
        elif hasattr(data, "__iter__"):
            batches = (_as_array(_first_of_batch(b)) for b in data)
        else:
            raise TypeError(
                f"{_who(self)}.adapt() takes a NumPy array, a tensor or an iterable of batches, "
                f"got {type(data).__name__}"
            )
        first = next(batches, None)
        if first is None:
            raise ValueError(f"{_who(self)}.adapt() received no data (an empty iterable)")
        if not self.built:
            self._build_for(first.shape)
        total_mean = total_var = None
        total_count = 0
        for batch in itertools.chain([first], batches):
            batch = batch.astype(np.float64)
            self._check_kept_axes(batch.shape, "the adapt() data")
            count = math.prod(batch.shape[d] for d in self._reduce_axis)
            if count == 0:
                continue
            mean = batch.mean(axis=self._reduce_axis).reshape(self._stat_shape)
            var = batch.var(axis=self._reduce_axis).reshape(self._stat_shape)
            if total_mean is None:
                total_mean, total_var, total_count = mean, var, count
                continue
            # pooled statistics of the data so far and this batch (exact, order-independent)
            total_count += count
            w = count / total_count
            new_mean = total_mean * (1 - w) + mean * w
            total_var = ((total_var + (total_mean - new_mean) ** 2) * (1 - w)
                         + (var + (mean - new_mean) ** 2) * w)
            total_mean = new_mean
        if total_mean is None:
            raise ValueError(f"{_who(self)}.adapt() received only empty batches")
        with ember.no_grad():
            self.mean.copy_(ember.from_numpy(np.asarray(total_mean, dtype=self.dtype)))
            self.variance.copy_(ember.from_numpy(np.asarray(total_var, dtype=self.dtype)))

    def call(self, inputs):
        if not inputs.is_floating_point():
            inputs = inputs.to(getattr(ember, self.dtype))
        self._check_kept_axes(tuple(inputs.shape), "the input")
        mean = self.mean.reshape(self._broadcast_shape)
        std = self.variance.reshape(self._broadcast_shape).sqrt().clamp(min=_EPSILON)
        if self.invert:
            return mean + inputs * std
        return (inputs - mean) / std

    def get_config(self):
        config = super().get_config()
        axis = self.axis
        config.update(axis=None if axis == () else list(axis), invert=self.invert,
                      mean=self.input_mean, variance=self.input_variance)
        return config


# -- CategoryEncoding -----------------------------------------------------------------------------

class CategoryEncoding(Layer):
    """Encodes integer category ids in [0, num_tokens) as dense vectors (Keras's layer):

    - ``"one_hot"``: one vector per id; (batch,) or (batch, 1) -> (batch, num_tokens);
    - ``"multi_hot"``: one vector per sample with 1 at each id present; (batch, k) ->
      (batch, num_tokens), and a 1-D input is a single sample -> (num_tokens,);
    - ``"count"``: like multi_hot with the number of occurrences (weighted by
      ``count_weights`` when given).

    Ids outside [0, num_tokens) raise a ValueError (Keras would silently drop them).

    >>> from ember.keras import layers
    >>> layers.CategoryEncoding(4, output_mode="one_hot")(ember.tensor([3, 0])).tolist()
    [[0.0, 0.0, 0.0, 1.0], [1.0, 0.0, 0.0, 0.0]]
    """

    def __init__(self, num_tokens=None, output_mode="multi_hot", sparse=False, **kwargs):
        super().__init__(**kwargs)
        if output_mode == "binary":  # Keras 2 name
            output_mode = "multi_hot"
        if output_mode not in ("count", "one_hot", "multi_hot"):
            raise ValueError(
                f"{_who(self)}: unknown output_mode {output_mode!r}; use 'multi_hot', "
                "'one_hot' or 'count'"
            )
        if num_tokens is None:
            raise ValueError(
                f"{_who(self)}: num_tokens must be set to use this layer. If the number of "
                "tokens is not known beforehand, map the values to ids 0..n-1 first"
            )
        if num_tokens < 1:
            raise ValueError(f"{_who(self)}: `num_tokens` must be >= 1. Received: "
                             f"num_tokens={num_tokens}")
        if sparse:
            raise ValueError(f"{_who(self)}: sparse=True is not supported by ember (no sparse "
                             "tensors); use sparse=False")
        self.num_tokens = int(num_tokens)
        self.output_mode = output_mode
        self.sparse = False

    def call(self, inputs, count_weights=None):
        if count_weights is not None and self.output_mode != "count":
            raise ValueError(
                f"{_who(self)}: `count_weights` is not used when `output_mode` is not 'count'. "
                f"Received count_weights with output_mode={self.output_mode!r}"
            )
        ids = self._ids(inputs)
        if ids.ndim == 0:  # a scalar is one sample
            ids = ids.reshape(1)
        if self.output_mode == "one_hot" and ids.shape[-1] != 1:
            ids = ids.unsqueeze(-1)
        if ids.ndim > 2:
            raise ValueError(
                f"{_who(self)}: with output_mode={self.output_mode!r} the output rank is at most "
                f"2; inputs of shape {tuple(inputs.shape)} would give rank {ids.ndim}. Use "
                "(batch,) or (batch, k) inputs"
            )
        squeeze = ids.ndim == 1
        ids2 = ids.reshape(1, -1) if squeeze else ids
        dtype = getattr(ember, self.dtype)
        if count_weights is None:
            weights = ember.ones(tuple(ids2.shape), dtype=dtype, device=ids2.device)
        else:
            weights = count_weights if isinstance(count_weights, Tensor) else \
                ember.from_numpy(np.asarray(count_weights, dtype=self.dtype))
            weights = weights.to(dtype).reshape(tuple(ids2.shape))
        out = ember.zeros((ids2.shape[0], self.num_tokens), dtype=dtype, device=ids2.device)
        out = out.scatter_add(1, ids2, weights)
        if self.output_mode != "count":
            out = (out > 0).to(dtype)
        return out.reshape(self.num_tokens) if squeeze else out

    def _ids(self, inputs):
        if inputs.is_floating_point():
            if not bool(ember.all(inputs == inputs.round())):
                raise ValueError(
                    f"{_who(self)} expects integer category ids, got non-integer values "
                    f"(dtype {inputs.dtype})"
                )
        ids = inputs.to(ember.int64)
        if ids.numel() and (int(ids.min()) < 0 or int(ids.max()) >= self.num_tokens):
            raise ValueError(
                f"{_who(self)}: input values must be in the range 0 <= values < num_tokens "
                f"({self.num_tokens}); got values in [{int(ids.min())}, {int(ids.max())}]. "
                "Set num_tokens to the number of categories"
            )
        return ids

    def get_config(self):
        config = super().get_config()
        config.update(num_tokens=self.num_tokens, output_mode=self.output_mode,
                      sparse=self.sparse)
        return config


# -- TextVectorization ----------------------------------------------------------------------------

_PUNCTUATION = re.compile("[" + re.escape(string.punctuation) + "]")  # Keras's strip regex
_MASK, _OOV = "", "[UNK]"
_STANDARDIZE = ("lower_and_strip_punctuation", "lower", "strip_punctuation")
_SPLIT = ("whitespace", "character")
_MODES = ("int", "multi_hot", "count", "tf_idf")


class TextVectorization(Layer):
    """Maps strings to token ids or token-count vectors, as ``keras.layers.TextVectorization``.

    Each string is standardized (``"lower_and_strip_punctuation"`` by default), split
    (``"whitespace"``), optionally turned into n-grams (``ngrams=2`` gives unigrams then
    bigrams joined by a space), then looked up in the vocabulary. ``adapt(texts)`` builds the
    vocabulary by frequency; ties are broken by the token's sort order, highest first (Keras's
    rule); ``max_tokens`` caps its size including the special tokens.

    Output modes: ``"int"`` gives int64 ids (0 = padding ``""``, 1 = out-of-vocabulary
    ``"[UNK]"``), padded or cut to ``output_sequence_length`` (default: the longest text of the
    call); ``"multi_hot"``, ``"count"`` and ``"tf_idf"`` give float32 (batch, vocabulary_size)
    vectors with index 0 = ``"[UNK]"`` (tf_idf: count * log(1 + n_docs / (1 + doc_freq))).

    Inputs are Python strings: one string, a list, or a NumPy array of shape (batch,) or
    (batch, 1). The layer runs eagerly on strings, so vectorize the text before the model
    (ember's symbolic tensors hold numbers only). A callable ``standardize`` takes and returns
    one ``str``; a callable ``split`` takes a ``str`` and returns its tokens. The vocabulary is
    stored in the config, so saved models keep it.

    >>> from ember.keras import layers
    >>> vec = layers.TextVectorization(output_sequence_length=4)
    >>> vec.adapt(["foo bar", "bar baz", "baz bada boom"])
    >>> vec.get_vocabulary()
    ['', '[UNK]', 'baz', 'bar', 'foo', 'boom', 'bada']
    >>> vec(["foo qux bar", "qux baz"]).tolist()
    [[4, 1, 3, 0], [1, 2, 0, 0]]
    """

    def __init__(self, max_tokens=None, standardize="lower_and_strip_punctuation",
                 split="whitespace", ngrams=None, output_mode="int", output_sequence_length=None,
                 pad_to_max_tokens=False, vocabulary=None, idf_weights=None, sparse=False,
                 ragged=False, encoding="utf-8", name=None, **kwargs):
        has_input_vocabulary = kwargs.pop("has_input_vocabulary", vocabulary is not None)
        kwargs.pop("vocabulary_size", None)  # informational in Keras configs
        super().__init__(name=name, **kwargs)
        who = _who(self)
        if not (standardize is None or callable(standardize) or standardize in _STANDARDIZE):
            raise ValueError(f"{who}: standardize must be None, a callable or one of "
                             f"{_STANDARDIZE}. Received: standardize={standardize!r}")
        if not (split is None or callable(split) or split in _SPLIT):
            raise ValueError(f"{who}: split must be None, a callable or one of {_SPLIT}. "
                             f"Received: split={split!r}")
        output_mode = {"binary": "multi_hot", "tf-idf": "tf_idf"}.get(output_mode, output_mode)
        if output_mode not in _MODES:
            raise ValueError(f"{who}: output_mode must be one of {_MODES} (one_hot is not "
                             f"supported by ember). Received: output_mode={output_mode!r}")
        if isinstance(ngrams, list):
            ngrams = tuple(ngrams)
        if not (ngrams is None or (isinstance(ngrams, int) and ngrams >= 1) or (
                isinstance(ngrams, tuple) and ngrams
                and all(isinstance(n, int) and n >= 1 for n in ngrams))):
            raise ValueError(f"{who}: `ngrams` must be None, a positive integer, or a tuple of "
                             f"positive integers. Received: ngrams={ngrams!r}")
        if output_mode == "int" and not (output_sequence_length is None or (
                isinstance(output_sequence_length, int) and output_sequence_length >= 0)):
            raise ValueError(f"{who}: `output_sequence_length` must be either None or an integer "
                             f"when `output_mode` is 'int'. Received: "
                             f"output_sequence_length={output_sequence_length!r}")
        if output_mode != "int" and output_sequence_length is not None:
            raise ValueError(f"{who}: `output_sequence_length` must not be set if `output_mode` "
                             f"is not 'int'. Received output_sequence_length="
                             f"{output_sequence_length}.")
        if max_tokens is not None and max_tokens <= 1:
            raise ValueError(f"{who}: if set, `max_tokens` must be greater than 1. Received: "
                             f"max_tokens={max_tokens}")
        if pad_to_max_tokens and max_tokens is None:
            raise ValueError(f"{who}: if pad_to_max_tokens is True, must set `max_tokens`. "
                             f"Received: max_tokens={max_tokens}")
        if sparse or ragged:
            raise ValueError(f"{who}: sparse=True and ragged=True are not supported by ember "
                             "(it has no sparse or ragged tensors)")
        self.max_tokens = max_tokens
        self.standardize = standardize
        self.split = split
        self.ngrams = ngrams
        self._ngram_widths = tuple(range(1, ngrams + 1)) if isinstance(ngrams, int) else ngrams
        self.output_mode = output_mode
        self.output_sequence_length = output_sequence_length
        self.pad_to_max_tokens = bool(pad_to_max_tokens)
        self.encoding = encoding
        self._has_input_vocabulary = bool(has_input_vocabulary)
        self._vocab: list = []
        self._lookup: dict = {}
        self._idf = None  # learned idf weights (tf_idf), without the OOV entry
        self.built = True
        if vocabulary is not None:
            self._set_vocabulary(vocabulary, idf_weights)
        elif idf_weights is not None:
            raise ValueError(f"{who}: idf_weights were given without a vocabulary")

    # -- vocabulary -------------------------------------------------------------------------------

    @property
    def _token_start(self) -> int:
        """Index of the first learned token: after "" and "[UNK]" in int mode, "[UNK]" else."""
        return 2 if self.output_mode == "int" else 1

    def _specials(self) -> list:
        return [_MASK, _OOV] if self.output_mode == "int" else [_OOV]

    def get_vocabulary(self, include_special_tokens=True) -> list:
        """The vocabulary; with the special tokens, a token's position is its output id."""
        return (self._specials() if include_special_tokens else []) + list(self._vocab)

    def vocabulary_size(self) -> int:
        return self._token_start + len(self._vocab)

    def set_vocabulary(self, vocabulary, idf_weights=None) -> None:
        """Replace the vocabulary (a list of tokens, with or without the special tokens at the
        front) and, for ``"tf_idf"``, the idf weights (one per token)."""
        self._set_vocabulary(vocabulary, idf_weights)

    def _set_vocabulary(self, vocabulary, idf_weights) -> None:
        who = _who(self)
        if isinstance(vocabulary, str):
            with open(vocabulary, encoding=self.encoding) as f:
                vocabulary = [line.rstrip("\n") for line in f]
        tokens = [self._decode(t) for t in _listify(vocabulary)]
        specials = self._specials()
        found_specials = tokens[:len(specials)] == specials
        if found_specials:
            tokens = tokens[len(specials):]
        repeated = [t for t, c in collections.Counter(tokens).items() if c > 1]
        if repeated:
            raise ValueError(f"{who}: the passed vocabulary has at least one repeated term. "
                             f"Please uniquify your dataset. The repeated terms are {repeated}")
        for special in specials:
            if special in tokens:
                raise ValueError(f"{who}: found reserved token {special!r} at an unexpected "
                                 "location in `vocabulary`; special tokens may only come first")
        size = len(tokens) + len(specials)
        if self.max_tokens is not None and size > self.max_tokens:
            raise ValueError(f"{who}: attempted to set a vocabulary larger than the maximum vocab "
                             f"size. Received vocabulary size is {size}; `max_tokens` is "
                             f"{self.max_tokens}.")
        idf = None
        if self.output_mode == "tf_idf":
            if idf_weights is None:
                raise ValueError(f"{who}: `idf_weights` must be set if output_mode is 'tf_idf'")
            idf = np.asarray(_listify(idf_weights), dtype=np.float32).reshape(-1)
            if found_specials and len(idf) == len(tokens) + 1:
                idf = idf[1:]
            if len(idf) != len(tokens):
                raise ValueError(f"{who}: `idf_weights` must have one value per vocabulary term "
                                 f"({len(tokens)}), got {len(idf)}")
        elif idf_weights is not None:
            raise ValueError(f"{who}: `idf_weights` should only be set if output_mode is "
                             f"'tf_idf'. Received: output_mode={self.output_mode!r}")
        self._vocab = tokens
        start = self._token_start
        self._lookup = {t: i + start for i, t in enumerate(tokens)}
        self._idf = idf

    def adapt(self, data, batch_size=None, steps=None) -> None:
        """Build the vocabulary from ``data``: a list / NumPy array of strings (each string a
        document), or an iterable of such batches (``steps`` limits how many are read).
        ``batch_size`` is accepted for Keras compatibility; the text is counted in one pass."""
        if self._has_input_vocabulary:
            raise ValueError(
                f"Cannot adapt {_who(self)} after setting a static vocabulary via the "
                "`vocabulary` argument"
            )
        if isinstance(data, (str, bytes, list, tuple, np.ndarray)):
            batches = [data]
        elif hasattr(data, "__iter__"):
            batches = data if steps is None else itertools.islice(data, steps)
        else:
            raise TypeError(f"{_who(self)}.adapt() takes strings, a list / array of strings or "
                            f"an iterable of batches, got {type(data).__name__}")
        counts: collections.Counter = collections.Counter()
        doc_freq: collections.Counter = collections.Counter()
        num_docs = 0
        for batch in batches:
            docs, _ = self._documents(batch)
            for doc in docs:
                tokens = self._tokenize(doc)
                counts.update(tokens)
                if self.output_mode == "tf_idf":
                    doc_freq.update(set(tokens))
                num_docs += 1
        for special in (_MASK, _OOV):
            counts.pop(special, None)
        # frequency first, then the token itself, both high to low (Keras's lexsort order)
        ranked = [t for t, _ in sorted(counts.items(), key=lambda kv: (kv[1], kv[0]),
                                       reverse=True)]
        if self.max_tokens is not None:
            ranked = ranked[:max(self.max_tokens - self._token_start, 0)]
        idf = None
        if self.output_mode == "tf_idf":
            df = np.array([doc_freq[t] for t in ranked], dtype=np.float64)
            idf = np.log(1.0 + num_docs / (1.0 + df)).astype(np.float32)
        self._vocab = ranked
        self._lookup = {t: i + self._token_start for i, t in enumerate(ranked)}
        self._idf = idf

    # -- text processing --------------------------------------------------------------------------

    def _decode(self, value) -> str:
        if isinstance(value, bytes):
            return value.decode(self.encoding)
        if isinstance(value, (str, np.str_)):
            return str(value)
        raise TypeError(f"{_who(self)} expects strings, got {type(value).__name__} ({value!r})")

    def _documents(self, inputs):
        """The input as a list of documents, and whether it was a single string."""
        if isinstance(inputs, (str, bytes, np.str_, np.bytes_)):
            return [self._decode(inputs)], True
        if isinstance(inputs, Tensor):
            raise TypeError(f"{_who(self)} expects strings (a list or NumPy array of str), got a "
                            f"tensor of dtype {inputs.dtype}")
        array = np.asarray(inputs, dtype=object)
        if array.ndim == 0:
            return [self._decode(array.item())], True
        if array.ndim == 2 and array.shape[-1] == 1:
            array = array[:, 0]
        if array.ndim != 1:
            raise ValueError(
                f"When using {_who(self)} to tokenize strings, the input rank must be 1 or the "
                f"last shape dimension must be 1. Received: inputs.shape={array.shape} with "
                f"rank={array.ndim}"
            )
        return [self._decode(d) for d in array], False

    def _tokenize(self, doc: str) -> list:
        standardize, split = self.standardize, self.split
        if standardize in ("lower", "lower_and_strip_punctuation"):
            doc = doc.lower()
        if standardize in ("strip_punctuation", "lower_and_strip_punctuation"):
            doc = _PUNCTUATION.sub("", doc)
        if callable(standardize):
            doc = standardize(doc)
        if split is None:
            tokens = [doc]
        elif split == "whitespace":
            tokens = doc.split()
        elif split == "character":
            tokens = list(doc)
        else:
            tokens = [str(t) for t in split(doc)]
        if self._ngram_widths:
            tokens = [" ".join(tokens[i:i + n]) for n in self._ngram_widths
                      for i in range(len(tokens) - n + 1)]
        return tokens

    # -- calling ----------------------------------------------------------------------------------

    def __call__(self, inputs=None, *args, **kwargs):
        kwargs.pop("training", None)
        if args or kwargs:
            raise TypeError(f"{_who(self)} takes only the texts; got extra arguments "
                            f"{list(kwargs) or args}")
        if _is_symbolic(inputs):
            raise ValueError(
                f"{_who(self)} cannot be called on a symbolic keras.Input: ember's symbolic "
                "tensors hold numbers, not strings. Vectorize the texts first (ids = "
                "vectorizer(texts)) and feed the ids to a model starting with "
                "keras.Input(shape=(sequence_length,), dtype='int64')"
            )
        return self.call(inputs)

    def call(self, inputs):
        docs, scalar = self._documents(inputs)
        token_lists = [self._tokenize(d) for d in docs]
        lookup, oov = self._lookup, 1 if self.output_mode == "int" else 0
        if self.output_mode == "int":
            length = self.output_sequence_length
            if length is None:
                length = max((len(t) for t in token_lists), default=0)
            out = np.zeros((len(docs), length), dtype=np.int64)
            for row, tokens in zip(out, token_lists):
                ids = [0 if t == _MASK else lookup.get(t, oov) for t in tokens[:length]]
                row[:len(ids)] = ids
        else:
            width = self.vocabulary_size()
            if self.pad_to_max_tokens:
                width = max(width, self.max_tokens)
            out = np.zeros((len(docs), width), dtype=np.float32)
            for row, tokens in zip(out, token_lists):
                ids = [lookup.get(t, oov) for t in tokens if t != _MASK]
                np.add.at(row, ids, 1.0)
            if self.output_mode == "multi_hot":
                np.minimum(out, 1.0, out=out)
            elif self.output_mode == "tf_idf":
                out *= self._idf_vector(width)
        return ember.from_numpy(out[0] if scalar else out)

    def _idf_vector(self, width: int) -> np.ndarray:
        """idf per output column: OOV gets the mean learned idf (as Keras), padding gets 0."""
        learned = self._idf if self._idf is not None else np.zeros(0, np.float32)
        vector = np.zeros(width, dtype=np.float32)
        vector[0] = float(learned.mean()) if len(learned) else 0.0
        vector[1:1 + len(learned)] = learned
        return vector

    # -- config -----------------------------------------------------------------------------------

    def get_config(self):
        config = super().get_config()
        config.update(
            max_tokens=self.max_tokens,
            standardize=_callable_name(self.standardize),
            split=_callable_name(self.split),
            ngrams=list(self.ngrams) if isinstance(self.ngrams, tuple) else self.ngrams,
            output_mode=self.output_mode,
            output_sequence_length=self.output_sequence_length,
            pad_to_max_tokens=self.pad_to_max_tokens,
            sparse=False,
            ragged=False,
            vocabulary=list(self._vocab) if self._vocab or self._has_input_vocabulary else None,
            idf_weights=None if self._idf is None or not self._vocab else self._idf.tolist(),
            encoding=self.encoding,
            vocabulary_size=self.vocabulary_size(),
            has_input_vocabulary=self._has_input_vocabulary,
        )
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        for key, known in (("standardize", _STANDARDIZE), ("split", _SPLIT)):
            value = config.get(key)
            if isinstance(value, str) and value not in known:
                found = find_function(value, custom_objects)
                if found is None:
                    raise ValueError(
                        f"TextVectorization '{config.get('name')}': the custom `{key}` function "
                        f"{value!r} is stored by name only; pass custom_objects={{{value!r}: "
                        f"{value}}} when loading"
                    )
                config[key] = found
        return cls(**config)


def _callable_name(value):
    if callable(value):
        name = _function_name(value)
        if name == "<lambda>":
            raise ValueError(
                "TextVectorization: a custom standardize/split function must be a named "
                "function (def ...) to be saved; ember stores its name, never code"
            )
        return name
    return value
