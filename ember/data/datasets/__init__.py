"""Datasets with torchvision's signatures: ``MNIST``, ``FashionMNIST`` (local IDX files or a
verified download) and ``Digits`` (bundled with ember)."""

from .digits import Digits
from .mnist import MNIST, FashionMNIST, read_idx

__all__ = ["Digits", "FashionMNIST", "MNIST", "read_idx"]
