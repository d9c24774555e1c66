"""``keras.datasets``: ``mnist`` and ``fashion_mnist`` ``load_data()`` from local files."""

from . import fashion_mnist, mnist

__all__ = ["fashion_mnist", "mnist"]
