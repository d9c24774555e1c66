"""``ember.save`` / ``ember.load``: checkpoints in the safetensors format, never pickle.

A file is a standard safetensors file: an 8-byte little-endian header length, a JSON header
naming each tensor's dtype, shape and byte range, then the raw bytes. The structure around the
tensors (nested dicts, lists, tuples, numbers, strings, None) is kept as JSON in the header's
``__metadata__``, so a whole checkpoint (model + optimizer + scheduler + epoch) is one file.

Loading parses JSON and copies bytes: it cannot run code, whatever the file holds. A flat state
dict is stored under its own keys, so ``safetensors.torch.load_file`` reads ember's files and
ember reads files PyTorch wrote that way. Saving is atomic: a temporary file in the same
folder is written, flushed to disk and renamed over the target, so a crash mid-save leaves the
previous checkpoint intact.
"""

from __future__ import annotations

import io
import json
import os
import struct
import tempfile

import numpy as np

from . import backend as B
from .tensor import Tensor

_DTYPES = {
    "BOOL": np.bool_, "U8": np.uint8, "I8": np.int8, "I16": np.int16, "I32": np.int32,
    "I64": np.int64, "F16": np.float16, "F32": np.float32, "F64": np.float64,
}
_CODES = {np.dtype(v): k for k, v in _DTYPES.items()}
_STRUCTURE_KEY = "ember.structure"
_MAX_HEADER = 100 * 1024 * 1024


class _Collector:
    """Walks a Python object, replacing tensors with references and collecting their arrays."""

    def __init__(self):
        self.arrays: dict[str, np.ndarray] = {}

    def encode(self, obj, path: str):
        if isinstance(obj, Tensor):
            return {"T": self._add(path, obj._host())}
        if isinstance(obj, np.ndarray):
            return {"A": self._add(path, obj)}
        if obj is None or isinstance(obj, (bool, int, float, str)):
            return {"V": obj}
        if isinstance(obj, (np.integer, np.floating, np.bool_)):
            return {"V": obj.item()}
        if isinstance(obj, B.dtype):
            return {"dtype": obj.name}
        if isinstance(obj, dict):
            items = []
            for k, v in obj.items():
                if not isinstance(k, (str, int)) or isinstance(k, bool):
                    raise TypeError(
                        f"ember.save(): dict key {k!r} at '{path or '<root>'}' is a "
                        f"{type(k).__name__}; only str and int keys can be saved"
                    )
                items.append([k, self.encode(v, _join(path, str(k)))])
            return {"D": items}
        if isinstance(obj, tuple):
            return {"U": [self.encode(v, _join(path, str(i))) for i, v in enumerate(obj)]}
        if isinstance(obj, list):
            return {"L": [self.encode(v, _join(path, str(i))) for i, v in enumerate(obj)]}
        raise TypeError(
            f"ember.save(): can't save a {type(obj).__name__} at '{path or '<root>'}'. ember "
            "saves tensors, NumPy arrays, numbers, strings, None and dicts/lists/tuples of them "
            "(no pickle: save a model's state_dict(), not the model object)"
        )

    def _add(self, path: str, array: np.ndarray) -> str:
        key = path or "tensor"
        while key in self.arrays:
            key += "_"
        if np.dtype(array.dtype) not in _CODES:
            raise TypeError(f"ember.save(): dtype {array.dtype} at '{key}' is not supported")
        self.arrays[key] = array if array.flags.c_contiguous else array.copy(order="C")
        return key


def _join(path: str, key: str) -> str:
    return key if not path else f"{path}/{key}"


def _flat_state_dict(obj) -> bool:
    return isinstance(obj, dict) and bool(obj) and all(
        isinstance(k, str) and isinstance(v, Tensor) for k, v in obj.items())


def _to_bytes(obj) -> bytes:
    collector = _Collector()
    if _flat_state_dict(obj):
        # Plain state dicts keep their own keys, so other safetensors readers see them as-is.
        structure = {"D": [[k, {"T": collector._add(k, v._host())}] for k, v in obj.items()]}
    else:
        structure = collector.encode(obj, "")
    header = {"__metadata__": {_STRUCTURE_KEY: json.dumps(structure), "format": "pt"}}
    offset = 0
    for key, arr in collector.arrays.items():
        header[key] = {"dtype": _CODES[np.dtype(arr.dtype)], "shape": list(arr.shape),
                       "data_offsets": [offset, offset + arr.nbytes]}
        offset += arr.nbytes
    raw = json.dumps(header, separators=(",", ":")).encode("utf-8")
    raw += b" " * (-len(raw) % 8)  # align the data section to 8 bytes
    out = io.BytesIO()
    out.write(struct.pack("<Q", len(raw)))
    out.write(raw)
    for arr in collector.arrays.values():
        out.write(arr.astype(arr.dtype.newbyteorder("<"), copy=False).tobytes())
    return out.getvalue()


def save(obj, f, pickle_module=None, pickle_protocol=None, _use_new_zipfile_serialization=True):
    """Save tensors, a state dict or a whole checkpoint to ``f`` (a path or a binary file).

    Written atomically when ``f`` is a path.

    >>> import ember, tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "ckpt.pt")
    >>> ember.save({"epoch": 3, "w": ember.ones(2)}, path)
    >>> ember.load(path)["epoch"]
    3
    """
    if pickle_module is not None:
        raise ValueError("ember.save() never pickles; pickle_module is not supported")
    data = _to_bytes(obj)
    if hasattr(f, "write"):
        f.write(data)
        return
    atomic_write(os.fspath(f), lambda fh: fh.write(data))


def atomic_write(path: str, write) -> None:
    """Call ``write(file)`` on a temporary file beside ``path``, fsync it, then rename it over
    ``path``: readers see the old file or the new one, never a partial one."""
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".ember-save-", dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    try:  # make the rename itself durable
        dfd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    except OSError:
        pass


def _parse(buf: bytes, name: str):
    if len(buf) < 8:
        raise ValueError(f"ember.load(): {name} is not a safetensors file (only {len(buf)} bytes)")
    (n,) = struct.unpack("<Q", buf[:8])
    if n > _MAX_HEADER or 8 + n > len(buf):
        raise ValueError(
            f"ember.load(): {name} is not a valid safetensors file (header length {n} does not "
            f"fit in {len(buf)} bytes). ember files are safetensors, not pickle: files written "
            "by torch.save must be converted with safetensors.torch.save_file."
        )
    try:
        header = json.loads(buf[8:8 + n].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ValueError(f"ember.load(): {name} has a corrupt header: {e}") from None
    if not isinstance(header, dict):
        raise ValueError(f"ember.load(): {name} has a corrupt header (not a JSON object)")
    data = memoryview(buf)[8 + n:]
    meta = header.pop("__metadata__", None) or {}
    arrays = {}
    spans = []
    for key, info in header.items():
        try:
            dt = _DTYPES[info["dtype"]]
            shape = tuple(int(s) for s in info["shape"])
            begin, end = (int(o) for o in info["data_offsets"])
        except (KeyError, TypeError, ValueError):
            raise ValueError(f"ember.load(): {name}: bad or unsupported entry for '{key}': "
                             f"{info!r}") from None
        count = int(np.prod(shape)) if shape else 1
        if any(s < 0 for s in shape) or not 0 <= begin <= end <= len(data) or \
                end - begin != count * np.dtype(dt).itemsize:
            raise ValueError(
                f"ember.load(): {name} is truncated or corrupt: tensor '{key}' claims bytes "
                f"[{begin}, {end}) for shape {shape} but the data section has {len(data)} bytes"
            )
        spans.append((begin, end, key))
        arrays[key] = np.frombuffer(data[begin:end], dtype=np.dtype(dt).newbyteorder("<")) \
            .astype(dt).reshape(shape)
    spans.sort()
    for (_, e0, k0), (b1, _, k1) in zip(spans, spans[1:]):
        if b1 < e0:
            raise ValueError(f"ember.load(): {name} is corrupt: tensors '{k0}' and '{k1}' overlap")
    return arrays, meta


def _decode(node, arrays, convert, name):
    if not isinstance(node, dict) or len(node) != 1:
        raise ValueError(f"ember.load(): {name} has a corrupt structure entry {node!r}")
    (kind, value), = node.items()
    if kind == "T":
        return convert(arrays[value])
    if kind == "A":
        return arrays[value]
    if kind == "V":
        return value
    if kind == "dtype":
        return B.as_dtype(value)
    if kind == "D":
        return {k: _decode(v, arrays, convert, name) for k, v in value}
    if kind == "U":
        return tuple(_decode(v, arrays, convert, name) for v in value)
    if kind == "L":
        return [_decode(v, arrays, convert, name) for v in value]
    raise ValueError(f"ember.load(): {name} has an unknown structure tag {kind!r}")


def _target_device(map_location):
    if map_location is None:
        return None
    if isinstance(map_location, dict):
        return B.as_device(map_location.get("cpu", "cpu"))
    if callable(map_location):
        raise TypeError("ember.load(): map_location as a function is not supported; pass a "
                        "device such as 'cpu' or 'cuda:0'")
    return B.as_device(map_location)


def load(f, map_location=None, pickle_module=None, *, weights_only=True, mmap=None, **kwargs):
    """Load what ``ember.save`` wrote (or any safetensors file) onto ``map_location``.

    Never executes code from the file; a truncated or corrupt file raises ``ValueError``.
    """
    if hasattr(f, "read"):
        buf, name = f.read(), "the file object"
    else:
        name = os.fspath(f)
        with open(name, "rb") as fh:
            buf = fh.read()
    arrays, meta = _parse(buf, name)
    dev = _target_device(map_location)

    def convert(a):
        a = np.array(a)  # own, writeable memory
        t = Tensor._make(a)
        return t.to(dev) if dev is not None and dev.type != "cpu" else t

    structure = meta.get(_STRUCTURE_KEY) if isinstance(meta, dict) else None
    if structure is None:
        # A plain safetensors file (e.g. from safetensors.torch.save_file): a flat state dict.
        return {k: convert(v) for k, v in arrays.items()}
    try:
        tree = json.loads(structure)
    except json.JSONDecodeError as e:
        raise ValueError(f"ember.load(): {name} has a corrupt structure: {e}") from None
    try:
        return _decode(tree, arrays, convert, name)
    except KeyError as e:
        raise ValueError(f"ember.load(): {name} refers to a missing tensor {e}") from None
