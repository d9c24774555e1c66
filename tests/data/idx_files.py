"""Small synthetic IDX files for the dataset and download tests."""

from __future__ import annotations

import gzip
import struct

import numpy as np

CODES = {np.dtype("uint8"): 0x08, np.dtype("int8"): 0x09, np.dtype(">i2"): 0x0B,
         np.dtype(">i4"): 0x0C, np.dtype(">f4"): 0x0D, np.dtype(">f8"): 0x0E}


def idx_bytes(arr: np.ndarray) -> bytes:
    big = arr.astype(arr.dtype.newbyteorder(">")) if arr.dtype.itemsize > 1 else arr
    header = bytes([0, 0, CODES[big.dtype], arr.ndim]) + struct.pack(f">{arr.ndim}I", *arr.shape)
    return header + big.tobytes()


def gz(data: bytes) -> bytes:
    return gzip.compress(data, mtime=0)


def mnist_like(n_train=12, n_test=5, seed=0) -> dict[str, bytes]:
    """The four gz files of a tiny MNIST-shaped dataset, by file name."""
    rng = np.random.default_rng(seed)
    files = {}
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        images = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
        labels = (np.arange(n) % 10).astype(np.uint8)
        files[f"{prefix}-images-idx3-ubyte.gz"] = gz(idx_bytes(images))
        files[f"{prefix}-labels-idx1-ubyte.gz"] = gz(idx_bytes(labels))
    return files
