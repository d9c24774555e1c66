"""DataLoader: batching, order, seeding, argument checks, background workers (threads and
processes), the TensorDataset fast path."""

from __future__ import annotations

import multiprocessing
import threading
import time

import numpy as np
import pytest

import ember
from ember.data import (
    BatchSampler,
    DataLoader,
    Dataset,
    IterableDataset,
    SequentialSampler,
    TensorDataset,
    get_worker_info,
)
from ember.data import transforms as T

# Python 3.12+ warns when a process with threads forks; these tests fork on purpose
pytestmark = pytest.mark.filterwarnings("ignore:.*multi-threaded.*:DeprecationWarning")

# worker kinds: threads (the default) and forked processes where the platform has fork
KINDS = [None] + (["fork"] if "fork" in multiprocessing.get_all_start_methods() else [])


class Squares(Dataset):
    """Sample i: (float32 array [i, i*i], i); records which thread fetched each index."""

    def __init__(self, n=23):
        self.n = n
        self.fetched = []

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        self.fetched.append((i, threading.current_thread().name))
        return np.array([i, i * i], dtype=np.float32), i


class Stream(IterableDataset):
    """0..n-1, split between workers by worker id (each worker a strided share)."""

    def __init__(self, n):
        self.n = n

    def __iter__(self):
        info = get_worker_info()
        if info is None:
            return iter(range(self.n))
        return iter(range(info.id, self.n, info.num_workers))

    def __len__(self):
        return self.n


class Failing(Dataset):
    def __len__(self):
        return 10

    def __getitem__(self, i):
        if i == 6:
            return _explode(i)
        return i


def _explode(i):
    raise ValueError(f"bad sample {i}")


class Missing(Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, i):
        return {"a": 1}["b"]


def _ys(loader):
    return [y.tolist() for _, y in loader]


def _as_lists(batches):
    return [[t.tolist() if isinstance(t, ember.Tensor) else t for t in b] for b in batches]


# -- batching and order -----------------------------------------------------------------------


def test_sequential_batches_len_and_drop_last():
    ds = Squares(10)
    loader = DataLoader(ds, batch_size=4)
    batches = list(loader)
    assert len(loader) == 3 and len(batches) == 3
    x, y = batches[0]
    assert x.shape == (4, 2) and x.dtype == ember.float32 and y.dtype == ember.int64
    assert _ys(loader) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    dl = DataLoader(ds, batch_size=4, drop_last=True)
    assert len(dl) == 2 and _ys(dl) == [[0, 1, 2, 3], [4, 5, 6, 7]]
    assert x[3].tolist() == [3.0, 9.0]


def test_batch_size_none_gives_converted_samples():
    loader = DataLoader(Squares(3), batch_size=None)
    items = list(loader)
    assert len(loader) == 3 and len(items) == 3
    x, y = items[2]  # default_convert: the tuple becomes a list, the array a tensor
    assert isinstance(x, ember.Tensor) and x.tolist() == [2.0, 4.0] and y == 2


def test_custom_batch_sampler_and_collate_fn():
    bs = BatchSampler(SequentialSampler(range(5)), 2, False)
    loader = DataLoader(Squares(5), batch_sampler=bs, collate_fn=lambda b: [y for _, y in b])
    assert list(loader) == [[0, 1], [2, 3], [4]] and len(loader) == 3


def test_shuffle_reproducible_from_manual_seed():
    def order(seed):
        ember.manual_seed(seed)
        return sum(_ys(DataLoader(Squares(30), batch_size=7, shuffle=True)), [])

    a, b, c = order(0), order(0), order(1)
    assert sorted(a) == list(range(30))
    assert a == b and a != c
    ember.manual_seed(0)
    loader = DataLoader(Squares(30), batch_size=30, shuffle=True)
    assert _ys(loader) != _ys(loader)  # each epoch reshuffles


def test_generator_is_independent_of_global_state():
    def order(gen_seed, global_seed):
        ember.manual_seed(global_seed)
        g = ember.Generator().manual_seed(gen_seed)
        return sum(_ys(DataLoader(Squares(30), batch_size=8, shuffle=True, generator=g)), [])

    assert order(5, 0) == order(5, 1)
    assert order(5, 0) != order(6, 0)
    ember.manual_seed(0)
    before = ember.rand(3).tolist()
    ember.manual_seed(0)
    list(DataLoader(Squares(30), batch_size=8, shuffle=True,
                    generator=ember.Generator().manual_seed(1)))
    assert ember.rand(3).tolist() == before  # the global stream is untouched


def test_iterable_dataset_batches():
    loader = DataLoader(Stream(10), batch_size=4)
    assert _flat(loader) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]] and len(loader) == 3
    dl = DataLoader(Stream(10), batch_size=4, drop_last=True)
    assert _flat(dl) == [[0, 1, 2, 3], [4, 5, 6, 7]] and len(dl) == 2
    assert [int(v) for v in DataLoader(Stream(3), batch_size=None)] == [0, 1, 2]


class _NoLen(IterableDataset):
    def __iter__(self):
        return iter(range(3))


def test_iterable_len_needs_dataset_len():
    with pytest.raises(TypeError):
        len(DataLoader(_NoLen()))


def _flat(loader):
    return [b.tolist() for b in loader]


def test_argument_errors():
    ds = Squares(4)
    with pytest.raises(ValueError, match="sampler option is mutually exclusive with shuffle"):
        DataLoader(ds, shuffle=True, sampler=SequentialSampler(ds))
    bs = BatchSampler(range(4), 2, False)
    for kw in (dict(batch_size=2), dict(shuffle=True), dict(drop_last=True),
               dict(sampler=SequentialSampler(ds))):
        with pytest.raises(ValueError, match="batch_sampler option is mutually exclusive"):
            DataLoader(ds, batch_sampler=bs, **kw)
    with pytest.raises(ValueError, match="batch_size=None option disables auto-batching"):
        DataLoader(ds, batch_size=None, drop_last=True)
    with pytest.raises(ValueError, match="num_workers option should be non-negative"):
        DataLoader(ds, num_workers=-1)
    with pytest.raises(ValueError, match="timeout option should be non-negative"):
        DataLoader(ds, timeout=-1)
    with pytest.raises(ValueError, match="prefetch_factor option could only be specified"):
        DataLoader(ds, prefetch_factor=2)
    with pytest.raises(ValueError, match="prefetch_factor option should be a positive"):
        DataLoader(ds, num_workers=1, prefetch_factor=0)
    with pytest.raises(ValueError, match="persistent_workers option needs num_workers > 0"):
        DataLoader(ds, persistent_workers=True)
    with pytest.raises(ValueError, match="multiprocessing_context can only be used"):
        DataLoader(ds, multiprocessing_context="fork")
    with pytest.raises(ValueError, match="valid start method"):
        DataLoader(ds, num_workers=1, multiprocessing_context="teleport")
    with pytest.raises(ValueError, match="expected unspecified shuffle option"):
        DataLoader(Stream(3), shuffle=True)
    with pytest.raises(ValueError, match="expected unspecified sampler option"):
        DataLoader(Stream(3), sampler=[0])
    with pytest.raises(ValueError, match="expected unspecified batch_sampler option"):
        DataLoader(Stream(3), batch_sampler=[[0]])
    loader = DataLoader(ds, pin_memory=True)
    with pytest.raises(ValueError, match="batch_size attribute should not be set after"):
        loader.batch_size = 3
    loader.num_workers = 0  # not frozen, as in PyTorch


# -- the TensorDataset fast path --------------------------------------------------------------


class _PerItem(Dataset):
    """The same samples as a TensorDataset, without __getitems__ (the per-sample path)."""

    def __init__(self, ds):
        self.ds = ds

    def __len__(self):
        return len(self.ds)

    def __getitem__(self, i):
        return self.ds[i]


@pytest.mark.parametrize("shuffle", [False, True])
def test_tensor_dataset_fast_path_equals_per_item_path(shuffle):
    x = ember.randn(103, 5, 3)
    y = ember.randint(0, 10, (103,))
    z = ember.rand(103) > 0.5
    fast = TensorDataset(x, y, z)
    ember.manual_seed(4)
    a = list(DataLoader(fast, batch_size=16, shuffle=shuffle))
    ember.manual_seed(4)
    b = list(DataLoader(_PerItem(fast), batch_size=16, shuffle=shuffle))
    assert len(a) == len(b) == 7
    for ba, bb in zip(a, b):
        assert isinstance(ba, list) and len(ba) == 3
        for ta, tb in zip(ba, bb):
            assert ta.dtype == tb.dtype and ta.shape == tb.shape
            np.testing.assert_array_equal(ta.numpy(), tb.numpy())


def test_tensor_dataset_custom_collate_sees_list_of_samples():
    ds = TensorDataset(ember.arange(6), ember.arange(6) * 2)
    seen = []

    def collate(batch):
        seen.append(batch)
        return [tuple(int(v) for v in s) for s in batch]

    out = list(DataLoader(ds, batch_size=4, collate_fn=collate))
    assert isinstance(seen[0], list) and len(seen[0]) == 4
    assert out == [[(0, 0), (1, 2), (2, 4), (3, 6)], [(4, 8), (5, 10)]]


def test_tensor_dataset_with_grad_uses_differentiable_indexing():
    w = ember.arange(8.0).view(4, 2).requires_grad_()
    (xb,) = next(iter(DataLoader(TensorDataset(w), batch_size=4)))
    xb.sum().backward()
    assert w.grad.tolist() == [[1.0, 1.0]] * 4


# -- background workers -----------------------------------------------------------------------


def _loader(ds, kind, **kw):
    return DataLoader(ds, multiprocessing_context=kind, **kw)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("num_workers, batch_size, shuffle, drop_last",
                         [(1, 4, False, False), (2, 5, True, False), (3, 3, False, True),
                          (2, 1, True, True)])
def test_workers_match_single_process(kind, num_workers, batch_size, shuffle, drop_last):
    ds = Squares(23)
    kw = dict(batch_size=batch_size, shuffle=shuffle, drop_last=drop_last)
    ember.manual_seed(11)
    ref = _as_lists(DataLoader(ds, **kw))
    ember.manual_seed(11)
    got = _as_lists(_loader(ds, kind, num_workers=num_workers, **kw))
    assert got == ref


@pytest.mark.parametrize("kind", KINDS)
def test_workers_tensor_dataset_identical(kind):
    x = ember.randn(200, 7)
    y = ember.arange(200)
    ds = TensorDataset(x, y)
    ember.manual_seed(3)
    ref = list(DataLoader(ds, batch_size=32, shuffle=True))
    ember.manual_seed(3)
    got = list(_loader(ds, kind, batch_size=32, shuffle=True, num_workers=2))
    assert len(got) == len(ref) == 7
    for (xa, ya), (xb, yb) in zip(got, ref):
        np.testing.assert_array_equal(xa.numpy(), xb.numpy())
        np.testing.assert_array_equal(ya.numpy(), yb.numpy())


def test_worker_threads_really_run_in_background():
    ds = Squares(64)
    it = iter(DataLoader(ds, batch_size=4, num_workers=2, prefetch_factor=2))
    first = next(it)
    assert first[1].tolist() == [0, 1, 2, 3]
    deadline = time.monotonic() + 5
    while len(ds.fetched) < 4 * 4 and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.1)
    # while the main thread sleeps, the workers prefetch up to prefetch_factor*num_workers
    # batches beyond those consumed: 1 consumed + 4 in flight = 5 batches of 4, no more
    assert 4 * 4 <= len(ds.fetched) <= 5 * 4
    threads = {name for _, name in ds.fetched}
    assert threading.current_thread().name not in threads
    assert all(name.startswith("ember-DataLoader-worker-") for name in threads)
    assert sum(len(b[1]) for b in it) == 60


@pytest.mark.parametrize("kind", KINDS)
def test_worker_exception_reraised_with_worker_traceback(kind):
    loader = _loader(Failing(), kind, batch_size=2, num_workers=2)
    it = iter(loader)
    assert next(it).tolist() == [0, 1]
    assert next(it).tolist() == [2, 3]
    assert next(it).tolist() == [4, 5]
    with pytest.raises(ValueError) as err:
        next(it)
    msg = str(err.value)
    assert "Caught ValueError in DataLoader worker" in msg
    assert "Original Traceback (most recent call last)" in msg
    assert "_explode" in msg and "bad sample 6" in msg
    with pytest.raises(KeyError, match="Caught KeyError"):
        list(_loader(Missing(), kind, num_workers=1))


@pytest.mark.parametrize("kind", KINDS)
def test_iterable_dataset_with_workers(kind):
    got = _flat(_loader(Stream(10), kind, batch_size=2, num_workers=2))
    # worker 0 streams 0,2,4,6,8 and worker 1 streams 1,3,5,7,9; batches alternate
    assert got == [[0, 2], [1, 3], [4, 6], [5, 7], [8], [9]]
    dl = _loader(Stream(10), kind, batch_size=2, num_workers=3, drop_last=True)
    # each worker drops its own short last batch: worker 1's [7] and worker 2's [8]
    assert _flat(dl) == [[0, 3], [1, 4], [2, 5], [6, 9]]


def _record_init(worker_id):
    info = get_worker_info()
    assert info.id == worker_id
    _record_init.seen.append((worker_id, info.num_workers, info.seed))


_record_init.seen = []


def test_worker_init_fn_and_worker_info():
    _record_init.seen = []
    g = ember.Generator().manual_seed(9)
    list(DataLoader(Squares(8), batch_size=2, num_workers=3, worker_init_fn=_record_init,
                    generator=g))
    seen = sorted(_record_init.seen)
    assert [s[:2] for s in seen] == [(0, 3), (1, 3), (2, 3)]
    base = seen[0][2]
    assert [s[2] for s in seen] == [base, base + 1, base + 2]
    assert get_worker_info() is None


class _Echo(Dataset):
    def __len__(self):
        return 6

    def __getitem__(self, i):
        info = get_worker_info()
        return -1 if info is None else info.id


@pytest.mark.parametrize("kind", KINDS)
def test_batches_go_round_robin_to_workers(kind):
    got = [b.tolist() for b in _loader(_Echo(), kind, batch_size=1, num_workers=3)]
    assert got == [[0], [1], [2], [0], [1], [2]]


@pytest.mark.parametrize("kind", KINDS)
def test_persistent_workers_and_epochs(kind):
    loader = _loader(Squares(12), kind, batch_size=5, num_workers=2, persistent_workers=True)
    for _ in range(3):
        assert _ys(loader) == [[0, 1, 2, 3, 4], [5, 6, 7, 8, 9], [10, 11]]
    it = iter(loader)
    next(it)  # an epoch abandoned half-way
    assert _ys(loader) == [[0, 1, 2, 3, 4], [5, 6, 7, 8, 9], [10, 11]]
    loader._iterator._shutdown_workers()


def test_breaking_out_and_restarting():
    loader = DataLoader(Squares(40), batch_size=2, num_workers=2)
    for i, _ in enumerate(loader):
        if i == 2:
            break
    assert _ys(loader)[0] == [0, 1]


def test_out_of_order_delivery():
    loader = DataLoader(Squares(20), batch_size=3, num_workers=3, in_order=False)
    assert sorted(sum(_ys(loader), [])) == list(range(20))


class _Slow(Dataset):
    def __len__(self):
        return 2

    def __getitem__(self, i):
        time.sleep(1.0)
        return i


def test_timeout():
    with pytest.raises(RuntimeError, match="DataLoader timed out after 0.2 seconds"):
        list(DataLoader(_Slow(), num_workers=1, timeout=0.2))


class _Noisy(Dataset):
    """Random crops, so the values depend on the generator the worker draws from."""

    def __init__(self):
        self.t = T.Compose([T.ToTensor(), T.RandomCrop(3, padding=1), T.RandomHorizontalFlip()])
        self.img = np.arange(25, dtype=np.uint8).reshape(5, 5)

    def __len__(self):
        return 16

    def __getitem__(self, i):
        return self.t(self.img)


@pytest.mark.parametrize("kind", KINDS)
def test_random_transforms_in_workers_are_reproducible(kind):
    def run(seed):
        ember.manual_seed(seed)
        return [b.numpy().copy() for b in _loader(_Noisy(), kind, batch_size=2, num_workers=2)]

    a, b, c = run(1), run(1), run(2)
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    assert not all(np.array_equal(x, y) for x, y in zip(a, c))


@pytest.mark.skipif("spawn" not in multiprocessing.get_all_start_methods(),
                    reason="no spawn start method")
def test_spawned_worker_processes():
    ds = TensorDataset(ember.arange(10.0), ember.arange(10))
    got = _ys(DataLoader(ds, batch_size=4, num_workers=2, multiprocessing_context="spawn"))
    assert got == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]


def _worker_threads():
    return [t for t in threading.enumerate() if t.name.startswith("ember-DataLoader-worker-")]


def test_worker_threads_exit_after_the_epoch():
    before = len(_worker_threads())
    assert len(_ys(DataLoader(Squares(20), batch_size=3, num_workers=3))) == 7
    deadline = time.monotonic() + 5
    while len(_worker_threads()) > before and time.monotonic() < deadline:
        time.sleep(0.02)
    assert len(_worker_threads()) == before


def test_utils_data_alias():
    import ember.utils.data as eud
    from ember.utils.data import DataLoader as DL
    from ember.utils.data import TensorDataset as TD

    assert DL is DataLoader and TD is TensorDataset and eud.get_worker_info is get_worker_info
    assert ember.utils.data.random_split is ember.data.random_split
