"""Map-style and iterable datasets, their combinators and random_split."""

from __future__ import annotations

import numpy as np
import pytest

import ember
from ember.data import (
    ChainDataset,
    ConcatDataset,
    Dataset,
    IterableDataset,
    StackDataset,
    Subset,
    TensorDataset,
    random_split,
)

try:
    import torch
except ImportError:
    torch = None


class Range(Dataset):
    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if not 0 <= i < self.n:
            raise IndexError(i)
        return i


class Stream(IterableDataset):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        return iter(range(self.n))


def test_tensor_dataset_items_and_len():
    x = ember.arange(12.0).view(4, 3)
    y = ember.tensor([3, 1, 4, 1])
    ds = TensorDataset(x, y)
    assert len(ds) == 4
    xi, yi = ds[2]
    assert xi.tolist() == [6.0, 7.0, 8.0] and yi.item() == 4
    cols = ds.__getitems__([3, 0, 3])
    assert len(cols) == 3
    assert cols.columns[0].tolist() == [[9.0, 10.0, 11.0], [0.0, 1.0, 2.0], [9.0, 10.0, 11.0]]
    assert cols.columns[1].dtype == ember.int64 and cols.columns[1].tolist() == [1, 3, 1]
    # the lazy batch reads as the list of per-sample tuples
    assert [tuple(t.tolist() for t in s) for s in cols] == [
        ([9.0, 10.0, 11.0], 1), ([0.0, 1.0, 2.0], 3), ([9.0, 10.0, 11.0], 1)]
    with pytest.raises(IndexError):
        ds.__getitems__([4])


def test_tensor_dataset_size_mismatch_names_sizes():
    with pytest.raises(ValueError, match=r"\[3, 2\]"):
        TensorDataset(ember.zeros(3, 2), ember.zeros(2))
    with pytest.raises(TypeError):
        TensorDataset(np.zeros(3))


def test_subset_and_getitems_delegation():
    base = TensorDataset(ember.arange(10))
    sub = Subset(base, [9, 7, 5])
    assert len(sub) == 3 and sub[1][0].item() == 7
    assert sub.__getitems__([2, 0]).columns[0].tolist() == [5, 9]
    plain = Subset(Range(10), [4, 2])
    assert plain.__getitems__([1, 0]) == [2, 4]
    arr = Subset(np.arange(5) * 10, [4, 2])
    assert arr[[0, 1]].tolist() == [40, 20]  # a list index is forwarded as one list


def test_concat_dataset_and_add():
    ds = Range(3) + Range(2)
    assert isinstance(ds, ConcatDataset)
    assert [ds[i] for i in range(len(ds))] == [0, 1, 2, 0, 1]
    assert ds[-1] == 1 and ds[-5] == 0 and ds.cumulative_sizes == [3, 5]
    with pytest.raises(IndexError):
        ds[5]
    with pytest.raises(ValueError):
        ds[-6]
    with pytest.raises(ValueError):
        ConcatDataset([])
    with pytest.raises(TypeError):
        ConcatDataset([Stream(2)])
    chained = Stream(2) + Stream(3)
    assert isinstance(chained, ChainDataset) and list(chained) == [0, 1, 0, 1, 2]
    assert len(ChainDataset([range(2), range(3)])) == 5


def test_stack_dataset():
    assert StackDataset([1, 2], ["a", "b"])[0] == (1, "a")
    assert StackDataset(x=[1, 2], y=["a", "b"])[1] == {"x": 2, "y": "b"}
    with pytest.raises(ValueError, match="Size mismatch"):
        StackDataset([1, 2], [1])


@pytest.mark.parametrize("n, fracs, expect", [
    (10, [0.33, 0.33, 0.34], [4, 3, 3]),
    (11, [0.5, 0.25, 0.25], [6, 3, 2]),
    (7, [0.1, 0.9], [1, 6]),
    (100, [0.7, 0.2, 0.1], [70, 20, 10]),
])
def test_random_split_fraction_rounding(n, fracs, expect):
    parts = random_split(Range(n), fracs, generator=ember.Generator().manual_seed(0))
    assert [len(p) for p in parts] == expect
    if torch is not None:
        ref = torch.utils.data.random_split(range(n), fracs)
        assert [len(p) for p in ref] == expect
    items = sorted(i for p in parts for i in p.indices)
    assert items == list(range(n))


def test_random_split_lengths_and_errors():
    g = ember.Generator().manual_seed(3)
    a, b = random_split(Range(5), [2, 3], generator=g)
    assert len(a) == 2 and len(b) == 3 and sorted(a.indices + b.indices) == list(range(5))
    with pytest.raises(ValueError, match="Sum of input lengths"):
        random_split(Range(5), [2, 2])
    with pytest.raises(ValueError, match="between 0 and 1"):
        random_split(Range(5), [1.5, -0.5])
    with pytest.warns(UserWarning, match="Length of split at index 1 is 0"):
        random_split(Range(2), [0.9, 0.1])


def test_random_split_reproducible():
    def split(seed=None, gen=None):
        if seed is not None:
            ember.manual_seed(seed)
        return [p.indices for p in random_split(Range(20), [10, 10], generator=gen)]

    assert split(seed=1) == split(seed=1)
    assert split(seed=1) != split(seed=2)
    g1, g2 = ember.Generator().manual_seed(5), ember.Generator().manual_seed(5)
    ember.manual_seed(0)
    first = split(gen=g1)
    ember.manual_seed(99)
    assert split(gen=g2) == first  # the generator, not the global seed, decides
