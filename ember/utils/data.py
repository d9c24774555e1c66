"""``ember.utils.data``: the same objects as ``ember.data`` under PyTorch's module path, so
``from ember.utils.data import DataLoader, TensorDataset`` works as with ``torch.utils.data``.

>>> import ember.utils.data
>>> ember.utils.data.DataLoader is ember.data.DataLoader
True
"""

from ..data import *  # noqa: F403
from ..data import __all__  # noqa: F401
