"""Samplers: order, lengths, reproducibility and argument checks."""

from __future__ import annotations

import collections

import pytest

import ember
from ember.data import (
    BatchSampler,
    RandomSampler,
    SequentialSampler,
    SubsetRandomSampler,
    WeightedRandomSampler,
)

try:
    import torch
except ImportError:
    torch = None


def test_sequential():
    s = SequentialSampler(range(4))
    assert list(s) == [0, 1, 2, 3] and len(s) == 4


def test_random_sampler_is_permutation_and_reproducible():
    s = RandomSampler(range(50))
    ember.manual_seed(0)
    a = list(s)
    ember.manual_seed(0)
    b = list(s)
    ember.manual_seed(1)
    c = list(s)
    assert sorted(a) == list(range(50)) and a == b and a != c
    assert list(s) != list(s)  # each epoch draws a new order


def test_random_sampler_generator_independent_of_global():
    g = ember.Generator().manual_seed(7)
    s = RandomSampler(range(30), generator=g)
    first = list(s)
    g.manual_seed(7)
    ember.manual_seed(123)
    ember.rand(5)
    assert list(s) == first


def test_random_sampler_num_samples_and_replacement():
    g = ember.Generator().manual_seed(0)
    s = RandomSampler(range(5), num_samples=12, generator=g)
    out = list(s)
    assert len(out) == len(s) == 12
    assert sorted(out[:5]) == list(range(5)) and sorted(out[5:10]) == list(range(5))
    assert len(set(out[10:])) == 2
    r = list(RandomSampler(range(3), replacement=True, num_samples=300, generator=g))
    assert len(r) == 300 and set(r) == {0, 1, 2}
    with pytest.raises(TypeError, match="replacement should be a boolean"):
        RandomSampler(range(3), replacement=1)
    with pytest.raises(ValueError, match="num_samples should be a positive integer"):
        RandomSampler(range(3), num_samples=0)
    with pytest.raises(ValueError, match="num_samples=0"):
        RandomSampler([])


def test_subset_random_sampler():
    idx = [10, 20, 30, 40]
    s = SubsetRandomSampler(idx, generator=ember.Generator().manual_seed(2))
    out = list(s)
    assert sorted(out) == idx and len(s) == 4


def test_weighted_random_sampler():
    g = ember.Generator().manual_seed(0)
    s = WeightedRandomSampler([0.0, 1.0, 3.0], 4000, generator=g)
    counts = collections.Counter(s)
    assert len(s) == 4000 and counts[0] == 0
    assert 2.6 < counts[2] / counts[1] < 3.4
    no_rep = list(WeightedRandomSampler([1, 1, 1, 1, 1], 5, replacement=False, generator=g))
    assert sorted(no_rep) == [0, 1, 2, 3, 4]
    with pytest.raises(ValueError, match="num_samples"):
        WeightedRandomSampler([1.0], 0)
    with pytest.raises(ValueError, match="replacement"):
        WeightedRandomSampler([1.0], 1, replacement="yes")
    with pytest.raises(ValueError, match="1d sequence"):
        WeightedRandomSampler([[1.0, 2.0]], 1)


@pytest.mark.parametrize("n, bs, drop", [(10, 3, False), (10, 3, True), (9, 3, True),
                                         (2, 5, False), (2, 5, True), (0, 2, False)])
def test_batch_sampler(n, bs, drop):
    s = BatchSampler(SequentialSampler(range(n)), bs, drop)
    batches = list(s)
    expect = [list(range(i, min(i + bs, n))) for i in range(0, n, bs)]
    if drop:
        expect = [b for b in expect if len(b) == bs]
    assert batches == expect and len(s) == len(expect)
    if torch is not None:
        ref = torch.utils.data.BatchSampler(torch.utils.data.SequentialSampler(range(n)), bs, drop)
        assert list(ref) == batches and len(ref) == len(s)


def test_batch_sampler_checks():
    with pytest.raises(ValueError, match="batch_size should be a positive integer"):
        BatchSampler(range(3), 0, False)
    with pytest.raises(ValueError, match="batch_size"):
        BatchSampler(range(3), True, False)
    with pytest.raises(ValueError, match="drop_last should be a boolean"):
        BatchSampler(range(3), 2, 0)
