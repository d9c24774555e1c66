"""Turning what ``fit``/``evaluate``/``predict`` receive into batches (Keras 3's data adapters).

Accepted inputs:

- **Arrays**: NumPy arrays, ember Tensors or anything ``np.asarray`` takes, alone or in lists,
  tuples and dicts (several inputs or outputs). They are converted once (float64 becomes
  float32, like Keras's ``floatx``) and cut into batches of ``batch_size`` (default 32). A
  shuffled epoch draws one permutation from ember's global generator (so ``ember.manual_seed``
  / ``keras.utils.set_random_seed`` make runs repeatable) and gathers each batch's rows with
  one ``np.take`` per array; unshuffled batches are views, no copy.
- **Iterables of batches**: ``ember.data.DataLoader``, Python generators, any other iterable
  that is not array data, yielding ``x``, ``(x,)``, ``(x, y)`` or ``(x, y, sample_weight)``.
  A map-style ``ember.data.Dataset`` is wrapped in a ``DataLoader``.

With ``steps_per_epoch`` an epoch is that many batches, taken from where the previous epoch
stopped (a re-iterable input is restarted when it runs out, as Keras does); a one-shot
generator that runs out ends training with Keras's warning.

>>> import numpy as np
>>> it = EpochIterator(ArrayAdapter(np.zeros((10, 3)), np.arange(10), batch_size=4))
>>> [tuple(x.shape) for x, y in it.epoch()]
[(4, 3), (4, 3), (2, 3)]
"""

from __future__ import annotations

import collections.abc
import math
import warnings

import numpy as np

import ember
from ember.backend.random import default_generator
from ember.tensor import Tensor

__all__ = [
    "ArrayAdapter", "IterableAdapter", "EpochIterator", "get_adapter", "unpack_x_y_sample_weight",
    "pack_x_y_sample_weight",
    "train_validation_split", "class_weight_to_sample_weights", "flatten", "pack", "is_array_data",
]


# -- nested structures ------------------------------------------------------------------------

def flatten(struct) -> list:
    """The leaves of nested lists/tuples/dicts (dicts in insertion order); None is a leaf."""
    if isinstance(struct, (list, tuple)):
        out = []
        for item in struct:
            out.extend(flatten(item))
        return out
    if isinstance(struct, dict):
        return flatten(list(struct.values()))
    return [struct]


def pack(struct, leaves):
    """Rebuild ``struct``'s shape from ``leaves`` (the inverse of ``flatten``)."""
    it = iter(leaves)

    def build(s):
        if isinstance(s, (list, tuple)):
            return type(s)(build(v) for v in s)
        if isinstance(s, dict):
            return {k: build(v) for k, v in s.items()}
        return next(it)

    return build(struct)


def unpack_x_y_sample_weight(data):
    """``x``, ``(x,)``, ``(x, y)`` or ``(x, y, sample_weight)`` -> ``(x, y, sample_weight)``."""
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return data, None, None
    if len(data) == 1:
        return data[0], None, None
    if len(data) == 2:
        return data[0], data[1], None
    if len(data) == 3:
        return data
    raise ValueError(
        "Data is expected to be in format `x`, `(x,)`, `(x, y)`, or `(x, y, sample_weight)`, "
        f"found a tuple of {len(data)} elements"
    )


def pack_x_y_sample_weight(x, y=None, sample_weight=None):
    """The batch a step receives: ``x`` (``(x,)`` for a list/tuple x), ``(x, y)`` or
    ``(x, y, sample_weight)``, as Keras passes it to ``train_step``."""
    if y is None:
        return (x,) if isinstance(x, (list, tuple)) else x
    if sample_weight is None:
        return x, y
    return x, y, sample_weight


# -- arrays -----------------------------------------------------------------------------------

def is_array_data(x) -> bool:
    """Whether ``x`` is array data (arrays/Tensors, possibly nested), not an iterable of
    batches."""
    if isinstance(x, (np.ndarray, Tensor)) or hasattr(x, "__array__"):
        return True
    if isinstance(x, dict):
        return all(is_array_data(v) for v in x.values())
    if isinstance(x, (list, tuple)):
        return len(x) > 0 and all(is_array_data(v) or isinstance(v, (int, float)) for v in x)
    return False


def _to_numpy(value, what: str):
    """One array leaf as a C-contiguous NumPy array (float64 -> float32)."""
    if value is None:
        return None
    if isinstance(value, Tensor):
        value = value.detach().cpu().numpy()
    arr = np.asarray(value)
    if arr.dtype == np.float64:
        arr = arr.astype(np.float32)
    elif arr.dtype.kind not in "fiub":
        raise TypeError(f"{what}: cannot train on an array of dtype {arr.dtype}; convert it to "
                        "numbers first (e.g. with a StringLookup or a vocabulary)")
    if arr.ndim == 0:
        raise ValueError(f"{what}: expected arrays with a batch axis, got a scalar")
    return np.ascontiguousarray(arr)


def _arrays(struct, what: str):
    if struct is None:
        return None
    if isinstance(struct, dict):
        return {k: _arrays(v, f"{what}[{k!r}]") for k, v in struct.items()}
    if isinstance(struct, (list, tuple)) and any(_is_container(v) for v in struct):
        return type(struct)(_arrays(v, f"{what}[{i}]") for i, v in enumerate(struct))
    return _to_numpy(struct, what)  # an array, or nested Python lists of numbers


def _is_container(v) -> bool:
    """Whether ``v`` is one array of a structure (not a row of numbers)."""
    if isinstance(v, (np.ndarray, Tensor, dict)) or hasattr(v, "__array__"):
        return True
    return isinstance(v, (list, tuple)) and any(_is_container(u) for u in v)


def class_weight_to_sample_weights(y, class_weight: dict) -> np.ndarray:
    """One weight per sample from its class (Keras's rule: one-hot ``y`` is argmax'ed, a
    trailing axis of 1 squeezed; classes missing from ``class_weight`` weigh 1)."""
    y = np.asarray(y)
    if y.ndim > 1:
        y = np.argmax(y, axis=-1) if y.shape[-1] != 1 else np.squeeze(y, axis=-1)
    if y.ndim != 1:
        raise ValueError(
            f"class_weight needs one class per sample; got targets of shape {y.shape}. Pass "
            "sample_weight instead for per-timestep weights"
        )
    labels = np.round(y).astype(np.int64)
    keys = [int(k) for k in class_weight]
    if not keys:
        return np.ones(len(labels), np.float32)
    if min(keys) < 0:
        raise ValueError(f"class_weight keys must be class indices >= 0, got {sorted(keys)}")
    table = np.ones(max(max(keys), int(labels.max(initial=0))) + 1, np.float32)
    for k, w in class_weight.items():
        table[int(k)] = float(w)
    return table[labels]


def train_validation_split(arrays, validation_split: float):
    """Split ``(x, y, sample_weight)`` into the first ``1 - validation_split`` of the samples
    and the rest (Keras: the validation data is the last samples, taken before shuffling)."""
    if not 0.0 < validation_split < 1.0:
        raise ValueError(f"validation_split must be a float in (0, 1), got {validation_split}")
    if not all(is_array_data(a) for a in arrays if a is not None):
        raise ValueError(
            "validation_split is only supported for arrays or Tensors, not for DataLoaders or "
            "generators: pass validation_data=... instead"
        )
    arrays = tuple(_arrays(a, name) for a, name in zip(arrays, ("x", "y", "sample_weight")))
    leaves = [a for a in flatten(arrays) if a is not None]
    n = leaves[0].shape[0]
    split_at = int(math.floor(n * (1.0 - validation_split)))
    if split_at == 0 or split_at == n:
        raise ValueError(
            f"Training data contains {n} samples, which is not sufficient to split it into a "
            f"validation and training set as specified by validation_split={validation_split}. "
            "Either provide more data, or a different value for the validation_split argument."
        )

    def cut(part):
        return pack(arrays, [None if a is None else part(a) for a in flatten(arrays)])

    return cut(lambda a: a[:split_at]), cut(lambda a: a[split_at:])


class ArrayAdapter:
    """Batches of in-memory arrays, shuffled per epoch when asked."""

    reiterable = True

    def __init__(self, x, y=None, sample_weight=None, batch_size=None, shuffle=False,
                 class_weight=None, device=None):
        x, y, sample_weight = (_arrays(x, "x"), _arrays(y, "y"),
                               _arrays(sample_weight, "sample_weight"))
        if class_weight is not None:
            if sample_weight is not None:
                raise ValueError(
                    "You cannot pass both `class_weight` and `sample_weight`: fold the class "
                    "weights into the sample weights instead"
                )
            if y is None or len(flatten(y)) != 1:
                raise ValueError(
                    "class_weight is only supported for models with a single output and "
                    "targets `y`; use sample_weight for several outputs"
                )
            sample_weight = class_weight_to_sample_weights(flatten(y)[0], class_weight)
        self._struct = (x, y, sample_weight)
        self._leaves = flatten(self._struct)
        # one array (or None) each for x, y, sample_weight: no nesting to rebuild per batch
        self._flat = not any(isinstance(v, (list, tuple, dict)) for v in self._struct)
        present = [a for a in self._leaves if a is not None]
        if not present:
            raise ValueError("fit/evaluate/predict received no data (x is None)")
        sizes = {a.shape[0] for a in present}
        if len(sizes) > 1:
            raise ValueError(
                "Data cardinality is ambiguous: make sure all arrays contain the same number "
                "of samples. " + "; ".join(
                    f"{name} sizes: {[a.shape[0] for a in flatten(s) if a is not None]}"
                    for name, s in zip(("x", "y", "sample_weight"), self._struct) if s is not None
                )
            )
        self.num_samples = sizes.pop()
        self.batch_size = int(batch_size or 32)
        if self.batch_size <= 0:
            raise ValueError(f"batch_size must be a positive integer, got {batch_size}")
        self.num_batches = math.ceil(self.num_samples / self.batch_size)
        self.shuffle = bool(shuffle)
        self._device = None if device is None or ember.device(device).type == "cpu" else device

    def peek(self):
        """The first batch's inputs (for building the model), without using randomness."""
        return self._batch([None if a is None else a[: self.batch_size] for a in self._leaves])

    def new_pass(self):
        """A generator over one pass through the data."""
        n, bs, leaves = self.num_samples, self.batch_size, self._leaves
        order = default_generator.rng.permutation(n) if self.shuffle else None
        for start in range(0, n, bs):
            if order is None:
                parts = [None if a is None else a[start:start + bs] for a in leaves]
            else:
                idx = order[start:start + bs]
                parts = [None if a is None else np.take(a, idx, axis=0) for a in leaves]
            yield self._batch(parts)

    def _batch(self, parts):
        device = self._device
        tensors = []
        for a in parts:
            if a is None:
                tensors.append(None)
                continue
            t = ember.from_numpy(a)
            tensors.append(t if device is None else t.to(device))
        if self._flat:
            return pack_x_y_sample_weight(*tensors)
        return pack_x_y_sample_weight(*pack(self._struct, tensors))


# -- iterables --------------------------------------------------------------------------------

def _batch_to_tensors(data, device):
    """Leaves of a yielded batch as Tensors on ``device`` (float64 arrays become float32)."""

    def convert(v):
        if v is None:
            return None
        if isinstance(v, Tensor):
            if v.dtype == ember.float64:
                v = v.to(ember.float32)
        else:
            v = ember.from_numpy(_to_numpy(v, "batch"))
        return v if device is None or v.device == ember.device(device) else v.to(device)

    x, y, sw = unpack_x_y_sample_weight(data)
    leaves = [convert(v) for v in flatten((x, y, sw))]
    return pack_x_y_sample_weight(*pack((x, y, sw), leaves))


class IterableAdapter:
    """Batches yielded by a DataLoader, a generator or any iterable."""

    def __init__(self, data, device=None):
        self._data = data
        self.reiterable = not isinstance(data, collections.abc.Iterator)
        try:
            self.num_batches = len(data)
        except TypeError:
            self.num_batches = None
        self._device = None if device is None or ember.device(device).type == "cpu" else device
        self._peeked = None  # (first batch, the iterator it came from)

    def peek(self):
        if self._peeked is None:
            iterator = iter(self._data)
            try:
                first = next(iterator)
            except StopIteration:
                raise ValueError(
                    "the input yielded no batches (is the generator exhausted?)") from None
            self._peeked = (_batch_to_tensors(first, self._device), iterator)
        return self._peeked[0]

    def new_pass(self):
        if self._peeked is not None:
            first, iterator = self._peeked
            self._peeked = None
            yield first
        else:
            iterator = iter(self._data)
        for data in iterator:
            yield _batch_to_tensors(data, self._device)


def get_adapter(x, y=None, sample_weight=None, batch_size=None, shuffle=False,
                class_weight=None, device=None, what="fit"):
    """The adapter for ``x`` (see the module docstring)."""
    if x is None:
        raise ValueError(f"{what}: x is None; pass the input data")
    if is_array_data(x):
        return ArrayAdapter(x, y, sample_weight, batch_size, shuffle, class_weight, device)
    for name, value in (("y", y), ("sample_weight", sample_weight),
                        ("class_weight", class_weight)):
        if value is not None:
            raise ValueError(
                f"{what}: `{name}` must not be given when x is a {type(x).__name__} (a "
                f"DataLoader, dataset or generator): yield (x, y, sample_weight) from it instead"
            )
    if isinstance(x, ember.data.Dataset) and not isinstance(x, ember.data.IterableDataset):
        x = ember.data.DataLoader(x, batch_size=int(batch_size or 32), shuffle=bool(shuffle))
    elif batch_size is not None:
        raise ValueError(
            f"{what}: do not pass batch_size when x is a {type(x).__name__}: it yields batches "
            "already (set the batch size on the DataLoader or generator)"
        )
    if not isinstance(x, collections.abc.Iterable):
        raise TypeError(
            f"{what}: unrecognized data type x={type(x).__name__}; expected NumPy arrays, "
            "ember Tensors, lists/dicts of them, a DataLoader, a Dataset or a generator"
        )
    return IterableAdapter(x, device)


class EpochIterator:
    """Epochs of batches from an adapter, ``steps_per_epoch`` batches each when given."""

    def __init__(self, adapter, steps_per_epoch=None):
        if steps_per_epoch is not None and int(steps_per_epoch) <= 0:
            raise ValueError(f"steps_per_epoch must be a positive integer, got {steps_per_epoch}")
        self.adapter = adapter
        self.steps_per_epoch = None if steps_per_epoch is None else int(steps_per_epoch)
        self._current = None
        self.ran_out = False

    @property
    def num_batches(self):
        """Batches per epoch, None while unknown (a generator before its first pass ends)."""
        return self.steps_per_epoch or self.adapter.num_batches

    def epoch(self):
        """A generator over the next epoch's batches."""
        if self.steps_per_epoch is None:
            count = 0
            for batch in self.adapter.new_pass():
                count += 1
                yield batch
            if self.adapter.num_batches is None and count:
                self.adapter.num_batches = count
            return
        for _ in range(self.steps_per_epoch):
            batch = self._next()
            if batch is None:
                self.ran_out = True
                warnings.warn(
                    "Your input ran out of data; interrupting training. Make sure that your "
                    "dataset or generator can generate at least `steps_per_epoch * epochs` "
                    "batches.",
                    stacklevel=3,
                )
                return
            yield batch

    def _next(self):
        for _ in range(2):  # once more from a fresh pass when the current one ended
            if self._current is None:
                self._current = self.adapter.new_pass()
            batch = next(self._current, None)
            if batch is not None:
                return batch
            self._current = None
            if not self.adapter.reiterable:
                return None
        return None
