"""``ember.linalg``: norms, inverse, solve and determinant with PyTorch's names."""

from .ops import linalg as _linalg  # noqa: F401

__all__: list = []
