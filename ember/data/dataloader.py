"""``DataLoader``: batches from a dataset, in order or shuffled, in the foreground or in the
background (PyTorch's ``torch.utils.data.DataLoader``, same arguments and errors).

Background loading (``num_workers > 0``) runs ``num_workers`` worker threads by default; pass
``multiprocessing_context="fork"`` (or ``"spawn"``, ``"forkserver"``, a context object) for
worker processes instead. Either way each worker fetches and collates whole batches, at most
``prefetch_factor * num_workers`` batches are in flight, and batches come back in the order of
``num_workers=0`` with identical values (for deterministic datasets), unless ``in_order=False``.

Why threads by default: measured on an MNIST-style in-memory dataset (60,000 28x28 uint8
images, ``ToTensor`` + ``Normalize`` per sample, batch 128) on a 2-core machine shared with other
jobs (load average 3-5, so wall times are best of 3): ``num_workers=0`` took 1.5 CPU-s and 1.6-2.0
s per epoch; 2 worker threads 1.3-1.5 CPU-s and 1.6-1.9 s; 2 worker processes (fork) 3.3 CPU-s
(0.6 in the main process, 2.7 in the workers) and 2.2-3.0 s. Per sample the work is a few small
NumPy calls under the GIL, so threads don't decode in parallel, but they cost nothing to start,
hand batches over without copies, and overlap with the main thread's GIL-free NumPy work
(a training step); processes double the CPU spent (forking every epoch, pickling each 400 KB
batch through a pipe and unpickling it), which loses on few busy cores. Processes can win with
a heavy pure-Python ``__getitem__`` on a machine with idle cores: choose them there.

Randomness: each worker gets ``seed = base_seed + worker_id`` with ``base_seed`` drawn from
``generator`` (or ember's global generator) for every epoch, as in PyTorch. A worker thread
cannot reseed the global generators without disturbing the main thread, so it carries its own
``ember.Generator`` (``get_worker_info().generator``) that the random transforms of
``ember.data.transforms`` draw from; batches go to workers round-robin, so a run is
reproducible from ``ember.manual_seed``. A dataset's own calls to ember's random functions
without ``generator=`` share the global generator between threads, in an order that depends on
timing: pass ``generator=get_worker_info().generator`` there. Worker processes reseed ember's,
NumPy's and ``random``'s global generators, as PyTorch's do.
"""

from __future__ import annotations

import itertools
import math
import os
import pickle
import queue
import threading
import time

from . import _worker
from ._worker import ExceptionWrapper, IterableStop, ResumeIteration, get_worker_info
from .collate import default_collate, default_convert
from .dataset import IterableDataset
from .sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler, _fresh_seed

__all__ = ["DataLoader", "get_worker_info"]

_THREADS = ("thread", "threads")


class _InfiniteConstantSampler(Sampler):
    """Yields None forever: the 'indices' of an IterableDataset."""

    def __iter__(self):
        while True:
            yield None


class DataLoader:
    """Iterate over ``dataset`` in batches.

    Arguments as in PyTorch: ``batch_size`` (None turns batching off), ``shuffle``
    (a ``RandomSampler`` drawing from ``generator``), ``sampler`` / ``batch_sampler`` (custom
    orders), ``num_workers`` (background workers; threads unless ``multiprocessing_context``
    names a start method), ``collate_fn`` (default: ``default_collate``), ``drop_last``,
    ``timeout`` (seconds to wait for a worker's batch), ``worker_init_fn(worker_id)``,
    ``prefetch_factor`` (batches in flight per worker, default 2), ``persistent_workers``
    (keep workers across epochs), ``in_order``. ``pin_memory`` and ``pin_memory_device`` are
    accepted and do nothing (CPU data needs no pinning here).

    >>> ds = ember.data.TensorDataset(ember.arange(10.0), ember.arange(10))
    >>> loader = DataLoader(ds, batch_size=4)
    >>> len(loader), [y.tolist() for x, y in loader]
    (3, [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]])
    """

    _initialized = False

    def __init__(self, dataset, batch_size: int | None = 1, shuffle: bool | None = None,
                 sampler=None, batch_sampler=None, num_workers: int = 0, collate_fn=None,
                 pin_memory: bool = False, drop_last: bool = False, timeout: float = 0,
                 worker_init_fn=None, multiprocessing_context=None, generator=None, *,
                 prefetch_factor: int | None = None, persistent_workers: bool = False,
                 pin_memory_device: str = "", in_order: bool = True):
        if not isinstance(num_workers, int) or num_workers < 0:
            raise ValueError("num_workers option should be non-negative; "
                             "use num_workers=0 to disable multiprocessing.")
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError("prefetch_factor option could only be specified in multiprocessing."
                             "let num_workers > 0 to enable multiprocessing, otherwise set "
                             "prefetch_factor to None.")
        if num_workers > 0 and prefetch_factor is None:
            prefetch_factor = 2
        if prefetch_factor is not None and prefetch_factor < 1:
            # PyTorch accepts 0 and then yields nothing at all; say so instead
            raise ValueError("prefetch_factor option should be a positive integer (batches "
                             f"loaded ahead per worker), got {prefetch_factor}")
        if persistent_workers and num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")

        self.dataset = dataset
        self.num_workers = num_workers
        self.prefetch_factor = prefetch_factor
        self.pin_memory = pin_memory
        self.pin_memory_device = pin_memory_device
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.in_order = in_order

        if isinstance(dataset, IterableDataset):
            self._dataset_kind = "iterable"
            if shuffle not in (False, None):
                raise ValueError("DataLoader with IterableDataset: expected unspecified shuffle "
                                 f"option, but got shuffle={shuffle}")
            if sampler is not None:
                raise ValueError("DataLoader with IterableDataset: expected unspecified sampler "
                                 f"option, but got sampler={sampler}")
            if batch_sampler is not None:
                raise ValueError("DataLoader with IterableDataset: expected unspecified "
                                 f"batch_sampler option, but got batch_sampler={batch_sampler}")
        else:
            self._dataset_kind = "map"
            shuffle = bool(shuffle)

        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, "
                                 "shuffle, sampler, and drop_last")
            batch_size = None
            drop_last = False
        elif batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually "
                             "exclusive with drop_last")

        if sampler is None:
            if self._dataset_kind == "iterable":
                sampler = _InfiniteConstantSampler()
            elif shuffle:
                sampler = RandomSampler(dataset, generator=generator)
            else:
                sampler = SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)

        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.generator = generator
        if collate_fn is None:
            collate_fn = default_collate if batch_sampler is not None else default_convert
        self.collate_fn = collate_fn
        self.persistent_workers = persistent_workers
        self.multiprocessing_context = multiprocessing_context
        self._iterator = None
        self._initialized = True

    # -- configuration ------------------------------------------------------------------------

    @property
    def multiprocessing_context(self):
        return self._mp_context

    @multiprocessing_context.setter
    def multiprocessing_context(self, ctx):
        if ctx is not None:
            if self.num_workers == 0:
                raise ValueError("multiprocessing_context can only be used with multi-process "
                                 "loading (num_workers > 0), but got "
                                 f"num_workers={self.num_workers}")
            if isinstance(ctx, str) and ctx not in _THREADS:
                import multiprocessing

                methods = multiprocessing.get_all_start_methods()
                if ctx not in methods:
                    raise ValueError("multiprocessing_context option should specify a valid "
                                     f"start method in {methods!r} (or 'thread'), but got "
                                     f"multiprocessing_context={ctx!r}")
                ctx = multiprocessing.get_context(ctx)
            elif not isinstance(ctx, str) and not hasattr(ctx, "Process"):
                raise TypeError("multiprocessing_context option should be a valid context "
                                "object or a string specifying the start method, but got "
                                f"multiprocessing_context={ctx}")
        self._mp_context = ctx

    def __setattr__(self, attr, val):
        if self._initialized and attr in ("batch_size", "batch_sampler", "sampler", "drop_last",
                                          "dataset", "persistent_workers"):
            raise ValueError(f"{attr} attribute should not be set after "
                             f"{type(self).__name__} is initialized")
        super().__setattr__(attr, val)

    @property
    def _auto_collation(self) -> bool:
        return self.batch_sampler is not None

    @property
    def _index_sampler(self):
        return self.batch_sampler if self._auto_collation else self.sampler

    @property
    def _uses_processes(self) -> bool:
        ctx = self._mp_context
        return ctx is not None and not (isinstance(ctx, str) and ctx in _THREADS)

    # -- iteration ----------------------------------------------------------------------------

    def _get_iterator(self):
        if self.num_workers == 0:
            return _SingleIter(self)
        return _WorkersIter(self)

    def __iter__(self):
        if self.persistent_workers and self.num_workers > 0:
            if self._iterator is None:
                self._iterator = self._get_iterator()
            else:
                self._iterator._reset(self)
            return self._iterator
        return self._get_iterator()

    def __len__(self) -> int:
        if self._dataset_kind == "iterable":
            n = len(self.dataset)  # TypeError when the stream has no length, as in PyTorch
            if self.batch_size is not None:
                n = n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)
            return n
        return len(self._index_sampler)


class _BaseIter:
    def __init__(self, loader: DataLoader):
        self._dataset = loader.dataset
        self._auto_collation = loader._auto_collation
        self._drop_last = loader.drop_last
        self._index_sampler = loader._index_sampler
        self._collate_fn = loader.collate_fn
        self._sampler_iter = iter(self._index_sampler)
        self._base_seed = _fresh_seed(loader.generator)
        self._num_yielded = 0

    def __iter__(self):
        return self

    def __len__(self):
        return len(self._index_sampler)

    def _next_index(self):
        return next(self._sampler_iter)  # StopIteration ends the epoch


class _SingleIter(_BaseIter):
    """num_workers=0: fetch each batch in the calling thread."""

    def __init__(self, loader):
        super().__init__(loader)
        self._fetcher = _worker.make_fetcher(self._dataset, self._auto_collation,
                                             self._collate_fn, self._drop_last)

    def __next__(self):
        data = self._fetcher.fetch(self._next_index())
        self._num_yielded += 1
        return data


class _WorkersIter(_BaseIter):
    """num_workers>0: worker threads or processes fetch batches; this puts them in order."""

    def __init__(self, loader):
        super().__init__(loader)
        self._n = loader.num_workers
        self._prefetch = loader.prefetch_factor
        self._timeout = loader.timeout
        self._in_order = loader.in_order
        self._persistent = loader.persistent_workers
        self._is_process = loader._uses_processes
        self._shutdown = False
        self._workers = []
        self._index_queues = []
        if self._is_process:
            ctx = loader.multiprocessing_context
            self._data_queue = ctx.Queue()
            self._done_event = ctx.Event()
        else:
            self._data_queue = queue.SimpleQueue()
            self._done_event = threading.Event()
        try:
            for wid in range(self._n):
                iq = ctx.Queue() if self._is_process else queue.SimpleQueue()
                if self._is_process:
                    iq.cancel_join_thread()
                args = (self._is_process, self._dataset, iq, self._data_queue, self._done_event,
                        self._auto_collation, self._collate_fn, self._drop_last,
                        self._base_seed, loader.worker_init_fn, wid, self._n, os.getpid())
                if self._is_process:
                    w = ctx.Process(target=_worker.worker_loop, args=args, daemon=True)
                else:
                    w = threading.Thread(target=_worker.worker_loop, args=args, daemon=True,
                                         name=f"ember-DataLoader-worker-{wid}")
                w.start()
                self._index_queues.append(iq)
                self._workers.append(w)
        except BaseException:
            self._shutdown_workers()
            raise
        self._reset(loader, first_iter=True)

    def _reset(self, loader, first_iter=False):
        self._sampler_iter = iter(self._index_sampler)
        self._num_yielded = 0
        self._send_idx = 0
        self._rcvd_idx = 0
        self._task_info = {}  # task -> (worker,) while out, (worker, data) when early
        self._tasks_outstanding = 0
        self._active = [True] * self._n
        self._cycle = itertools.cycle(range(self._n))
        if not first_iter:  # persistent workers: wait until every worker has started over
            for q in self._index_queues:
                q.put(ResumeIteration())
            waiting = self._n
            while waiting:
                task, _ = self._get_data()
                if isinstance(task, ResumeIteration):
                    waiting -= 1
        for _ in range(self._prefetch * self._n):
            self._try_put_index()

    def _try_put_index(self):
        try:
            index = self._next_index()
        except StopIteration:
            return
        for _ in range(self._n):
            wid = next(self._cycle)
            if self._active[wid]:
                break
        else:
            return  # every worker's stream has ended
        self._index_queues[wid].put((self._send_idx, index))
        self._task_info[self._send_idx] = (wid,)
        self._tasks_outstanding += 1
        self._send_idx += 1

    def _get_data(self):
        deadline = time.monotonic() + self._timeout if self._timeout > 0 else None
        while True:
            wait = _worker.STATUS_CHECK_INTERVAL
            if deadline is not None:
                wait = max(0.0, min(wait, deadline - time.monotonic()))
            try:
                item = self._data_queue.get(timeout=wait)
            except queue.Empty:
                dead = [w for w in self._workers if not w.is_alive()]
                if dead:
                    self._shutdown_workers()
                    ids = ", ".join(str(getattr(w, "pid", None) or w.name) for w in dead)
                    raise RuntimeError(f"DataLoader worker ({ids}) exited unexpectedly") from None
                if deadline is not None and time.monotonic() >= deadline:
                    raise RuntimeError(f"DataLoader timed out after {self._timeout} seconds"
                                       ) from None
                continue
            return pickle.loads(item) if self._is_process else item

    def __next__(self):
        while True:
            while self._rcvd_idx < self._send_idx:
                info = self._task_info.get(self._rcvd_idx)
                if info is not None and (len(info) == 2 or self._active[info[0]]):
                    break
                self._task_info.pop(self._rcvd_idx, None)  # consumed, or its worker has ended
                self._rcvd_idx += 1
            else:
                if not self._persistent:
                    self._shutdown_workers()
                raise StopIteration
            info = self._task_info[self._rcvd_idx]
            if len(info) == 2:  # arrived earlier, out of order
                del self._task_info[self._rcvd_idx]
                self._rcvd_idx += 1
                return self._process(info[1])
            task, data = self._get_data()
            if isinstance(task, ResumeIteration):
                continue
            self._tasks_outstanding -= 1
            if isinstance(data, IterableStop):
                self._active[data.worker_id] = False
                self._task_info.pop(task, None)
                self._try_put_index()
                continue
            if task == self._rcvd_idx or not self._in_order:
                self._task_info.pop(task, None)
                if task == self._rcvd_idx:
                    self._rcvd_idx += 1
                return self._process(data)
            self._task_info[task] += (data,)

    def _process(self, data):
        self._try_put_index()
        if isinstance(data, ExceptionWrapper):
            data.reraise()
        self._num_yielded += 1
        return data

    def _shutdown_workers(self):
        if self._shutdown:
            return
        self._shutdown = True
        self._done_event.set()
        for q in self._index_queues:
            q.put(None)
        for w in self._workers:
            w.join(timeout=_worker.STATUS_CHECK_INTERVAL if self._is_process else 0.1)
        if self._is_process:
            for w in self._workers:
                if w.is_alive():
                    w.terminate()
            for q in self._index_queues:
                q.close()
            self._data_queue.cancel_join_thread()
            self._data_queue.close()

    def __del__(self):
        try:
            self._shutdown_workers()
        except Exception:  # interpreter shutdown: queues may already be gone
            pass
