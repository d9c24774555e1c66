"""``keras.datasets.fashion_mnist``: Zalando's Fashion-MNIST as NumPy arrays, from local
files."""

from __future__ import annotations

import os

from ._local import keras_cache_dir, load

__all__ = ["load_data"]

SYSTEM_DIR = "/usr/share/datasets/fashion-mnist"  # Debian's dataset-fashion-mnist package

_HINT = ("Install them with `apt-get install dataset-fashion-mnist` (Debian/Ubuntu; they land "
         f"in {SYSTEM_DIR}), or download the four files from "
         "https://github.com/zalandoresearch/fashion-mnist into ~/.keras/datasets/fashion-mnist/"
         ", or pass path= a folder holding them.")


def load_data(path=None):
    """((x_train, y_train), (x_test, y_test)): uint8 arrays of shapes (60000, 28, 28),
    (60000,), (10000, 28, 28), (10000,), as Keras's ``fashion_mnist.load_data``.

    Labels: 0 T-shirt/top, 1 Trouser, 2 Pullover, 3 Dress, 4 Coat, 5 Sandal, 6 Shirt,
    7 Sneaker, 8 Bag, 9 Ankle boot.

    Args:
        path: a folder holding the four IDX files (gzipped or not) or an ``.npz`` file with
            Keras's arrays. Default: ``~/.keras/datasets/fashion-mnist/`` (Keras's cache;
            ``$KERAS_HOME`` replaces ``~/.keras``), then ``/usr/share/datasets/fashion-mnist``.

    >>> (x_train, y_train), (x_test, y_test) = load_data()  # doctest: +SKIP
    >>> x_test.shape, y_test[:3]  # doctest: +SKIP
    ((10000, 28, 28), array([9, 2, 1], dtype=uint8))
    """
    folders = [os.path.join(keras_cache_dir(), "fashion-mnist"), SYSTEM_DIR]
    return load("fashion_mnist.load_data()", path, None, folders, _HINT)
