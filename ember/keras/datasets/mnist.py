"""``keras.datasets.mnist``: the MNIST digits as NumPy arrays, from local files."""

from __future__ import annotations

import os

from ._local import keras_cache_dir, load

__all__ = ["load_data"]

_HINT = ("Get them by downloading https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
         "mnist.npz into ~/.keras/datasets/, or pass path= a folder holding the IDX files "
         "(ember.data.datasets.MNIST(root, download=True) fetches them into root/MNIST/raw).")


def load_data(path=None):
    """((x_train, y_train), (x_test, y_test)): uint8 arrays of shapes (60000, 28, 28),
    (60000,), (10000, 28, 28), (10000,), as Keras's ``mnist.load_data``.

    Args:
        path: a folder holding the four IDX files (gzipped or not; torchvision's
            ``MNIST/raw`` layout works too) or a Keras ``mnist.npz`` file (a bare file name is
            looked up in ``~/.keras/datasets``). Default: ``~/.keras/datasets/mnist.npz`` or
            ``~/.keras/datasets/mnist/`` (``$KERAS_HOME`` replaces ``~/.keras``).

    Nothing is downloaded; a clear error says where the files were looked for.

    >>> (x_train, y_train), _ = load_data("/work/shared/datasets/mnist")  # doctest: +SKIP
    >>> x_train.shape, y_train[:5]  # doctest: +SKIP
    ((60000, 28, 28), array([5, 0, 4, 1, 9], dtype=uint8))
    """
    cache = keras_cache_dir()
    folders = [cache, os.path.join(cache, "mnist"), os.path.join(cache, "MNIST")]
    return load("mnist.load_data()", path, "mnist.npz", folders, _HINT)
