"""``ember.utils``: PyTorch's ``torch.utils`` namespace; ``ember.utils.data`` is ``ember.data``."""

from . import data

__all__ = ["data"]
