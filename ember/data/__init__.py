"""``ember.data`` (also ``ember.utils.data``): datasets, samplers and the DataLoader of
PyTorch's ``torch.utils.data``, plus torchvision-style ``transforms`` and ``datasets``.

>>> from ember.data import DataLoader, TensorDataset
>>> ds = TensorDataset(ember.arange(6.0).view(3, 2), ember.tensor([0, 1, 1]))
>>> for x, y in DataLoader(ds, batch_size=2):
...     print(x.shape, y.tolist())
ember.Size([2, 2]) [0, 1]
ember.Size([1, 2]) [1]
"""

from . import collate, dataloader, dataset, datasets, sampler, transforms
from ._worker import WorkerInfo, get_worker_info
from .collate import default_collate, default_convert
from .dataloader import DataLoader
from .dataset import (
    ChainDataset,
    ConcatDataset,
    Dataset,
    IterableDataset,
    StackDataset,
    Subset,
    TensorDataset,
    random_split,
)
from .sampler import (
    BatchSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    SubsetRandomSampler,
    WeightedRandomSampler,
)

__all__ = ["BatchSampler", "ChainDataset", "ConcatDataset", "DataLoader", "Dataset",
           "IterableDataset", "RandomSampler", "Sampler", "SequentialSampler", "StackDataset",
           "Subset", "SubsetRandomSampler", "TensorDataset", "WeightedRandomSampler",
           "WorkerInfo", "collate", "dataloader", "dataset", "datasets", "default_collate",
           "default_convert", "get_worker_info", "random_split", "sampler", "transforms"]
