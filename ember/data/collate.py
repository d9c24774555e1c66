"""``default_collate`` (a list of samples -> one batch) and ``default_convert`` (a sample ->
tensors), with PyTorch's rules.

Tensors are stacked along a new first dimension, NumPy arrays and scalars become tensors of
their dtype, Python ints int64, floats float64 and bools bool tensors; strings and bytes stay a
list; dicts, namedtuples and sequences are collated field by field (tuples give lists, as in
PyTorch). ``collate(batch, collate_fn_map=...)`` lets a map of type -> function extend it.
"""

from __future__ import annotations

import collections.abc
import copy
import re

import numpy as np

from .. import ops as _ops
from ..tensor import Tensor
from .dataset import _Columns

__all__ = ["collate", "default_collate", "default_collate_fn_map", "default_convert"]

_STR_OR_OBJECT = re.compile(r"[SaUO]")

_ERR = ("default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; "
        "found {}")


def collate_tensor_fn(batch, *, collate_fn_map=None):
    first = batch[0]
    for i, t in enumerate(batch):
        if t.shape != first.shape:
            shapes = [list(x.shape) for x in batch]
            raise RuntimeError(
                f"default_collate: cannot stack the batch's tensors: item 0 has shape "
                f"{list(first.shape)} but item {i} has shape {list(t.shape)} (all shapes: "
                f"{shapes}); make the samples one size (crop, pad or resize them) or pass a "
                "collate_fn that handles them"
            )
    return _ops.stack(list(batch), 0)


def collate_numpy_array_fn(batch, *, collate_fn_map=None):
    first = batch[0]
    if _STR_OR_OBJECT.search(first.dtype.str) is not None:
        raise TypeError(_ERR.format(first.dtype))
    for i, a in enumerate(batch):
        if a.shape != first.shape:
            shapes = [list(x.shape) for x in batch]
            raise RuntimeError(
                f"default_collate: cannot stack the batch's arrays: item 0 has shape "
                f"{list(first.shape)} but item {i} has shape {list(a.shape)} (all shapes: "
                f"{shapes}); make the samples one size or pass a collate_fn that handles them"
            )
    # One NumPy stack instead of a tensor per sample: the same values, dtype and shape.
    return _ops.from_numpy(np.stack(batch))


def collate_numpy_scalar_fn(batch, *, collate_fn_map=None):
    return _ops.as_tensor(np.asarray(batch))


def collate_float_fn(batch, *, collate_fn_map=None):
    return _ops.tensor(batch, dtype="float64")


def collate_int_fn(batch, *, collate_fn_map=None):
    return _ops.tensor(batch)


def collate_str_fn(batch, *, collate_fn_map=None):
    return batch


default_collate_fn_map = {
    Tensor: collate_tensor_fn,
    np.ndarray: collate_numpy_array_fn,
    (np.bool_, np.number, np.object_): collate_numpy_scalar_fn,
    float: collate_float_fn,
    int: collate_int_fn,
    str: collate_str_fn,
    bytes: collate_str_fn,
}


def collate(batch, *, collate_fn_map=None):
    """Collate ``batch`` (a sequence of samples), looking up each element type in
    ``collate_fn_map`` (exact type first, then ``isinstance``) before the container rules.

    >>> collate([1.5, 2.5], collate_fn_map={float: lambda b, collate_fn_map: sum(b)})
    4.0
    """
    elem = batch[0]
    elem_type = type(elem)
    if collate_fn_map is not None:
        if elem_type in collate_fn_map:
            return collate_fn_map[elem_type](batch, collate_fn_map=collate_fn_map)
        for kind, fn in collate_fn_map.items():
            if isinstance(elem, kind):
                return fn(batch, collate_fn_map=collate_fn_map)
    if isinstance(elem, collections.abc.Mapping):
        for i, d in enumerate(batch):
            missing = [k for k in elem if k not in d] if isinstance(d, collections.abc.Mapping) \
                else list(elem)
            if missing:
                raise KeyError(f"default_collate: item {i} of the batch lacks the key(s) "
                               f"{missing} that item 0 has")
        fields = {k: collate([d[k] for d in batch], collate_fn_map=collate_fn_map) for k in elem}
        try:
            if isinstance(elem, collections.abc.MutableMapping):
                clone = copy.copy(elem)
                clone.update(fields)
                return clone
            return elem_type(fields)
        except TypeError:
            return fields
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
        return elem_type(*(collate(s, collate_fn_map=collate_fn_map) for s in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        size = len(elem)
        for i, s in enumerate(batch):
            if len(s) != size:
                raise RuntimeError(
                    "each element in list of batch should be of equal size (item 0 has "
                    f"{size} elements, item {i} has {len(s)})"
                )
        columns = [collate(s, collate_fn_map=collate_fn_map) for s in zip(*batch)]
        if isinstance(elem, tuple):
            return columns  # PyTorch returns a list here too
        try:
            if isinstance(elem, collections.abc.MutableSequence):
                clone = copy.copy(elem)
                for i, c in enumerate(columns):
                    clone[i] = c
                return clone
            return elem_type(columns)
        except TypeError:
            return columns
    raise TypeError(_ERR.format(elem_type))


def default_collate(batch):
    """Merge a list of samples into a batch (see the module docstring for the rules).

    >>> default_collate([(ember.tensor([1.0, 2.0]), 0), (ember.tensor([3.0, 4.0]), 1)])
    [tensor([[1., 2.],
            [3., 4.]]), tensor([0, 1])]
    >>> default_collate([{"x": 1.5, "name": "a"}, {"x": 2.5, "name": "b"}])
    {'x': tensor([1.5000, 2.5000], dtype=ember.float64), 'name': ['a', 'b']}
    """
    if isinstance(batch, _Columns):  # a TensorDataset batch: the columns are the batch
        return list(batch.columns)
    return collate(batch, collate_fn_map=default_collate_fn_map)


def default_convert(data):
    """Turn NumPy arrays and scalars in ``data`` into tensors, recursing into dicts and
    sequences (tuples become lists); used by the DataLoader when ``batch_size=None``.

    >>> import numpy as np
    >>> default_convert((np.array([1, 2]), "s"))
    [tensor([1, 2]), 's']
    """
    elem_type = type(data)
    if isinstance(data, Tensor):
        return data
    if elem_type.__module__ == "numpy" and elem_type.__name__ not in ("str_", "bytes_"):
        if isinstance(data, np.ndarray) and _STR_OR_OBJECT.search(data.dtype.str):
            return data
        return _ops.as_tensor(data)
    if isinstance(data, collections.abc.Mapping):
        fields = {k: default_convert(v) for k, v in data.items()}
        try:
            if isinstance(data, collections.abc.MutableMapping):
                clone = copy.copy(data)
                clone.update(fields)
                return clone
            return elem_type(fields)
        except TypeError:
            return fields
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return elem_type(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        items = [default_convert(d) for d in data]
        try:
            if isinstance(data, collections.abc.MutableSequence):
                clone = copy.copy(data)
                for i, d in enumerate(items):
                    clone[i] = d
                return clone
            return elem_type(items)
        except TypeError:
            return items
    return data
