"""Finding and reading MNIST-style datasets from local files (no download here).

Two layouts are read: Keras's ``mnist.npz`` (arrays ``x_train``, ``y_train``, ``x_test``,
``y_test``) and folders of the four IDX files (``train-images-idx3-ubyte.gz``, ...; gzipped or
not), read with ``ember.data``'s IDX reader.
"""

from __future__ import annotations

import os

import numpy as np

from ...data.datasets.mnist import read_idx

IDX_FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
             "t10k-labels-idx1-ubyte")


def keras_cache_dir() -> str:
    """Keras's cache folder for datasets: ``$KERAS_HOME/datasets`` or ``~/.keras/datasets``."""
    home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    return os.path.join(home, "datasets")


def _idx_path(folder: str, stem: str) -> str | None:
    for name in (stem + ".gz", stem):
        path = os.path.join(folder, name)
        if os.path.isfile(path):
            return path
    return None


def _idx_folder(folder: str) -> list | None:
    """The four IDX paths if ``folder`` holds all of them, else None."""
    paths = [_idx_path(folder, stem) for stem in IDX_FILES]
    return paths if all(paths) else None


def _check(images: np.ndarray, labels: np.ndarray, source: str):
    if images.ndim != 3 or images.dtype != np.uint8:
        raise ValueError(f"{source}: expected uint8 images of shape (N, 28, 28), got "
                         f"{images.dtype} of shape {images.shape}")
    if labels.ndim != 1 or len(labels) != len(images):
        raise ValueError(f"{source}: expected one label per image ({len(images)}), got labels "
                         f"of shape {labels.shape}")
    return images, labels.astype(np.uint8, copy=False)


def read_npz(path: str):
    """((x_train, y_train), (x_test, y_test)) from a Keras ``.npz`` file."""
    with np.load(path, allow_pickle=False) as f:
        missing = [k for k in ("x_train", "y_train", "x_test", "y_test") if k not in f]
        if missing:
            raise ValueError(f"{path}: not a Keras dataset file: it lacks {missing}")
        train = _check(f["x_train"], f["y_train"], path)
        test = _check(f["x_test"], f["y_test"], path)
    return train, test


def read_idx_folder(paths: list):
    """((x_train, y_train), (x_test, y_test)) from the four IDX files."""
    train = _check(read_idx(paths[0]), read_idx(paths[1]), paths[0])
    test = _check(read_idx(paths[2]), read_idx(paths[3]), paths[2])
    return train, test


def load(caller: str, path, npz_name: str | None, folders: list, hint: str):
    """Load from ``path`` (a folder or an .npz file) if given, else from the first of
    ``folders`` holding the files; raise an error saying where it looked otherwise."""
    looked = []
    candidates = []
    if path is not None:
        path = os.path.expanduser(os.fspath(path))
        if path.endswith(".npz") and not os.path.isabs(path) and not os.path.exists(path):
            path = os.path.join(keras_cache_dir(), path)  # Keras's path= is cache-relative
        candidates.append(path)
    else:
        candidates.extend(folders)
    for where in candidates:
        if os.path.isfile(where) and where.endswith(".npz"):
            return read_npz(where)
        looked.append(where)
        if not os.path.isdir(where):
            continue
        if npz_name and os.path.isfile(os.path.join(where, npz_name)):
            return read_npz(os.path.join(where, npz_name))
        for folder in (where, os.path.join(where, "raw")):
            paths = _idx_folder(folder)
            if paths:
                return read_idx_folder(paths)
    wanted = (f"{npz_name} or " if npz_name else "") + "the four IDX files (" + \
        ", ".join(s + ".gz" for s in IDX_FILES) + "; gzipped or not)"
    raise FileNotFoundError(f"{caller}: dataset files not found: looked for {wanted} in "
                            f"{looked}. {hint}")
