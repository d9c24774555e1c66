"""Variable-length sequences: ``pad_sequence``, ``PackedSequence`` and (un)packing, as in PyTorch.

A packed batch stores, for each time step t, the rows of the ``batch_sizes[t]`` sequences still
running (sequences sorted by decreasing length): ``data`` is (Σ_t batch_sizes[t], *).
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np

from ... import ops
from ...ops.rnn import packed_to_padded, padded_to_packed
from ...tensor import Tensor

__all__ = ["PackedSequence", "pack_padded_sequence", "pad_packed_sequence", "pad_sequence",
           "unpad_sequence", "pack_sequence", "unpack_sequence", "invert_permutation"]

_PackedSequenceBase = namedtuple("PackedSequence_",
                                 ["data", "batch_sizes", "sorted_indices", "unsorted_indices"])


def invert_permutation(permutation):
    """The permutation q with q[p[i]] = i (None stays None)."""
    if permutation is None:
        return None
    p = permutation._data if isinstance(permutation, Tensor) else np.asarray(permutation)
    xp = permutation.xp if isinstance(permutation, Tensor) else np
    inv = xp.empty_like(p)
    inv[p] = xp.arange(p.shape[0], dtype=p.dtype)
    return Tensor._make(inv)


class PackedSequence(_PackedSequenceBase):
    """A packed batch of sequences (``data``, ``batch_sizes``, ``sorted_indices``,
    ``unsorted_indices``); build it with ``pack_padded_sequence`` or ``pack_sequence``.

    >>> import ember
    >>> from ember.nn.utils.rnn import pack_sequence
    >>> pack_sequence([ember.tensor([1., 2., 3.]), ember.tensor([4., 5.])]).batch_sizes
    tensor([2, 2, 1])
    """

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        if batch_sizes is None:  # PackedSequence(*_packed_sequence_init_args) form
            raise TypeError("PackedSequence(): batch_sizes is required; build packed sequences "
                            "with pack_padded_sequence() or pack_sequence()")
        if not isinstance(batch_sizes, Tensor):
            batch_sizes = ops.tensor(list(batch_sizes), dtype="int64")
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def _with_data(self, data):
        return type(self)(data, self.batch_sizes, self.sorted_indices, self.unsorted_indices)

    def to(self, *args, **kwargs) -> PackedSequence:
        """Move/cast ``data`` (indices follow the data's device)."""
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self
        dev = data.device
        si = None if self.sorted_indices is None else self.sorted_indices.to(dev)
        ui = None if self.unsorted_indices is None else self.unsorted_indices.to(dev)
        return type(self)(data, self.batch_sizes, si, ui)

    def cpu(self) -> PackedSequence:
        return self.to("cpu")

    def cuda(self, device=None) -> PackedSequence:
        return self.to("cuda" if device is None else device)

    def double(self) -> PackedSequence:
        return self.to(dtype="float64")

    def float(self) -> PackedSequence:
        return self.to(dtype="float32")

    def half(self) -> PackedSequence:
        return self.to(dtype="float16")

    def long(self) -> PackedSequence:
        return self.to(dtype="int64")

    def int(self) -> PackedSequence:
        return self.to(dtype="int32")

    @property
    def is_cuda(self) -> bool:
        return self.data.is_cuda

    def is_pinned(self) -> bool:
        return False


def _lengths_list(lengths) -> list:
    if isinstance(lengths, Tensor):
        return [int(v) for v in lengths._host().reshape(-1).tolist()]
    return [int(v) for v in lengths]


def pack_padded_sequence(input: Tensor, lengths, batch_first: bool = False,
                         enforce_sorted: bool = True) -> PackedSequence:
    """Pack a padded (T, B, *) batch (``batch_first``: (B, T, *)) of sequences with ``lengths``.

    With ``enforce_sorted=False`` the batch is sorted by decreasing length first and the
    permutation is kept in ``sorted_indices`` (undone by ``pad_packed_sequence``).
    """
    lens = _lengths_list(lengths)
    if any(n <= 0 for n in lens):
        raise RuntimeError("Length of all samples has to be greater than 0, but found an element "
                           "in 'lengths' that is <= 0")
    batch_dim = 0 if batch_first else 1
    if len(lens) != input.size(batch_dim):
        raise RuntimeError(f"Expected `len(lengths)` to be equal to batch_size, but got "
                           f"{len(lens)} (batch_size={input.size(batch_dim)})")
    if max(lens) > input.size(1 - batch_dim):
        raise RuntimeError(f"pack_padded_sequence(): a length ({max(lens)}) is larger than the "
                           f"padded sequence length {input.size(1 - batch_dim)}")
    sorted_indices = None
    if enforce_sorted:
        if any(a < b for a, b in zip(lens, lens[1:])):
            raise RuntimeError(
                "`lengths` array must be sorted in decreasing order when `enforce_sorted` is "
                "True. You can pass `enforce_sorted=False` to pack_padded_sequence and/or "
                "pack_sequence to sidestep this requirement if you do not need ONNX "
                "exportability.")
    else:
        order = np.argsort(-np.asarray(lens), kind="stable")
        lens = [lens[i] for i in order]
        sorted_indices = ops.tensor(order.tolist(), dtype="int64", device=input.device)
        input = input.index_select(batch_dim, sorted_indices)
    if batch_first:
        input = input.transpose(0, 1)
    lens_np = np.asarray(lens)
    batch_sizes = [int((lens_np > t).sum()) for t in range(lens[0])]
    data = padded_to_packed(input, batch_sizes)
    return PackedSequence(data, ops.tensor(batch_sizes, dtype="int64"), sorted_indices, None)


def pad_packed_sequence(sequence: PackedSequence, batch_first: bool = False,
                        padding_value: float = 0.0, total_length: int | None = None):
    """The inverse of ``pack_padded_sequence``: (padded (T, B, *), lengths (B,) int64)."""
    bs = [int(b) for b in sequence.batch_sizes._host().tolist()]
    T = len(bs)
    if total_length is not None:
        if total_length < T:
            raise ValueError(
                "Expected total_length to be at least the length of the longest sequence in "
                f"input, but got total_length={total_length} and max sequence length being {T}")
    padded = packed_to_padded(sequence.data, bs, padding_value)
    if total_length is not None and total_length > T:
        extra = [0, 0] * (padded.ndim - 2) + [0, 0, 0, total_length - T]
        padded = ops.pad(padded, extra, value=padding_value)
    bs_np = np.asarray(bs)
    lengths = np.asarray([int((bs_np > b).sum()) for b in range(bs[0])], dtype=np.int64)
    if batch_first:
        padded = padded.transpose(0, 1)
    if sequence.unsorted_indices is not None:
        ui = sequence.unsorted_indices
        padded = padded.index_select(0 if batch_first else 1, ui)
        lengths = lengths[ui._host()]
    return padded, ops.tensor(lengths.tolist(), dtype="int64")


def pad_sequence(sequences, batch_first: bool = False, padding_value: float = 0.0,
                 padding_side: str = "right") -> Tensor:
    """Stack tensors of shapes (L_i, *) into (max L, B, *) (``batch_first``: (B, max L, *)),
    filling with ``padding_value`` on the ``padding_side``.

    >>> import ember
    >>> from ember.nn.utils.rnn import pad_sequence
    >>> pad_sequence([ember.tensor([1., 2.]), ember.tensor([3.])], batch_first=True)
    tensor([[1., 2.],
            [3., 0.]])
    """
    if padding_side not in ("left", "right"):
        raise ValueError(f"Expected padding_side to be one of left or right, but got "
                         f"{padding_side}.")
    if isinstance(sequences, Tensor):
        sequences = list(sequences.unbind(0))
    sequences = list(sequences)
    if not sequences:
        raise RuntimeError("received an empty list of sequences")
    trailing = tuple(sequences[0].shape[1:])
    for s in sequences:
        if tuple(s.shape[1:]) != trailing:
            raise RuntimeError(f"pad_sequence(): all sequences must have the same trailing "
                               f"shape, got {trailing} and {tuple(s.shape[1:])}")
    longest = max(s.size(0) for s in sequences)
    padded = []
    for s in sequences:
        missing = longest - s.size(0)
        if missing:
            side = [0, missing] if padding_side == "right" else [missing, 0]
            s = ops.pad(s, [0, 0] * len(trailing) + side, value=padding_value)
        padded.append(s)
    return ops.stack(padded, 0 if batch_first else 1)


def unpad_sequence(padded_sequences: Tensor, lengths, batch_first: bool = False) -> list:
    """Split a padded batch back into its sequences (a list of (L_i, *) tensors)."""
    if not batch_first:
        padded_sequences = padded_sequences.transpose(0, 1)
    return [seq[:n] for seq, n in zip(padded_sequences.unbind(0), _lengths_list(lengths))]


def pack_sequence(sequences, enforce_sorted: bool = True) -> PackedSequence:
    """Pack a list of (L_i, *) tensors (sorted by decreasing length unless
    ``enforce_sorted=False``)."""
    lengths = [s.size(0) for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences: PackedSequence) -> list:
    """The list of sequences a ``PackedSequence`` holds, in their original order."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
