"""Devices and the array module behind each one (NumPy on the CPU, CuPy on CUDA)."""

from __future__ import annotations

import numpy as np

_cupy = None


class device:
    """Where a tensor's memory lives: ``device("cpu")``, ``device("cuda")``, ``device("cuda", 1)``.

    >>> device("cuda:1")
    device(type='cuda', index=1)
    """

    __slots__ = ("type", "index")

    def __init__(self, type: str | device, index: int | None = None):
        if isinstance(type, device):
            type, index = type.type, type.index if index is None else index
        if not isinstance(type, str):
            raise TypeError(f"device(): expected a string such as 'cpu' or 'cuda:0', got {type!r}")
        if ":" in type:
            type, _, idx = type.partition(":")
            if index is not None:
                raise ValueError("device(): give the index either in the string or as index=")
            if not idx.isdigit():
                raise ValueError(f"device(): invalid device index {idx!r} in '{type}:{idx}'")
            index = int(idx)
        if type not in ("cpu", "cuda"):
            raise ValueError(f"device(): unknown device type {type!r}; expected 'cpu' or 'cuda'")
        if type == "cpu" and index not in (None, 0):
            raise ValueError(f"device(): the cpu device has no index {index}")
        self.type = type
        self.index = index if type == "cuda" else None

    def __eq__(self, other):
        if isinstance(other, str):
            other = device(other)
        if not isinstance(other, device):
            return NotImplemented
        if self.type != other.type:
            return False
        # 'cuda' means the current device: compare it as cuda:0 (single-GPU semantics).
        return (self.index or 0) == (other.index or 0)

    def __hash__(self):
        return hash((self.type, self.index or 0))

    def __repr__(self):
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"


CPU = device("cpu")


def as_device(dev) -> device:
    """Normalise ``None``/str/int/device to a :class:`device` (None means cpu)."""
    if dev is None:
        return CPU
    if isinstance(dev, device):
        return dev
    if isinstance(dev, int):
        return device("cuda", dev)
    return device(dev)


def cupy():
    """Import CuPy on first use, with an error that says how to get it."""
    global _cupy
    if _cupy is None:
        try:
            import cupy as cp
        except ImportError as e:
            raise ImportError(
                "ember: CUDA tensors need CuPy, which is not installed. Install the build for "
                "your CUDA version, e.g. `pip install cupy-cuda12x` (or `pip install ember[cuda]`)."
            ) from e
        _cupy = cp
    return _cupy


def array_module(dev: device):
    """The array module (numpy or cupy) that holds arrays on ``dev``."""
    return np if dev.type == "cpu" else cupy()


def device_of(array) -> device:
    """The device an array lives on."""
    if isinstance(array, np.ndarray):
        return CPU
    if _cupy is not None and isinstance(array, _cupy.ndarray):
        return device("cuda", array.device.id)
    return CPU


def module_of(array):
    """The array module for an array (``xp``)."""
    if isinstance(array, np.ndarray) or _cupy is None:
        return np
    return _cupy.get_array_module(array)


def to_device(array, dev: device):
    """Copy ``array`` to ``dev`` (no copy when it is already there)."""
    if dev.type == "cpu":
        if isinstance(array, np.ndarray):
            return array
        return array.get()
    cp = cupy()
    with cp.cuda.Device(dev.index or 0):
        return cp.asarray(array)
