"""What runs inside a DataLoader worker (a thread or a process), and how errors travel back."""

from __future__ import annotations

import os
import pickle
import queue
import random
import sys
import threading
import traceback

import numpy as np

from .. import backend as B
from .collate import default_collate
from .dataset import IterableDataset, _Columns

# How often (seconds) a blocked worker process checks that its parent is still alive.
STATUS_CHECK_INTERVAL = 1.0

_local = threading.local()  # worker threads keep their WorkerInfo here
_process_info = None  # a worker process keeps its WorkerInfo here


class WorkerInfo:
    """Describes the worker that runs the current code: ``id``, ``num_workers``, ``seed``,
    ``dataset`` (as in PyTorch) and ``generator``, the ``ember.Generator`` (seeded with
    ``seed``) that random transforms in this worker draw from."""

    __initialized = False

    def __init__(self, **kwargs):
        for k, v in kwargs.items():
            setattr(self, k, v)
        self.__keys = tuple(kwargs)
        self.__initialized = True

    def __setattr__(self, key, val):
        if self.__initialized:
            raise RuntimeError(f"Cannot assign attributes to {self.__class__.__name__} objects")
        return super().__setattr__(key, val)

    def __repr__(self):
        items = ", ".join(f"{k}={getattr(self, k)!r}" for k in self.__keys if k != "dataset")
        return f"{self.__class__.__name__}({items})"


def get_worker_info() -> WorkerInfo | None:
    """The ``WorkerInfo`` of the DataLoader worker running this code, or None outside workers.

    An ``IterableDataset`` uses it to give each worker its own share of the stream.

    >>> get_worker_info() is None
    True
    """
    info = getattr(_local, "info", None)
    return info if info is not None else _process_info


def worker_generator():
    """The generator random transforms should draw from: the worker's, or None (the global)."""
    info = get_worker_info()
    return None if info is None else info.generator


class ExceptionWrapper:
    """An exception caught in a worker, with its formatted traceback, re-raised in the main
    thread by ``reraise()`` as the same exception type."""

    def __init__(self, exc_info=None, where: str = "in background"):
        exc_info = exc_info or sys.exc_info()
        self.exc_type = exc_info[0]
        self.exc_msg = "".join(traceback.format_exception(*exc_info))
        self.where = where

    def __getstate__(self):
        state = dict(self.__dict__)
        try:
            pickle.dumps(self.exc_type)
        except Exception:  # e.g. a class defined inside a function: send its name instead
            state["exc_type"] = RuntimeError
            state["exc_msg"] = f"({self.exc_type.__qualname__}) " + self.exc_msg
        return state

    def reraise(self):
        msg = f"Caught {self.exc_type.__name__} {self.where}.\nOriginal {self.exc_msg}"
        if self.exc_type is KeyError:
            msg = _KeyErrorMessage(msg)
        try:
            exc = self.exc_type(msg)
        except Exception:  # an exception type that can't be built from one message
            raise RuntimeError(msg) from None
        raise exc


class _KeyErrorMessage(str):
    """KeyError quotes its message with repr(); this keeps the traceback readable."""

    def __repr__(self):
        return self


class IterableStop:
    """Sent by a worker whose copy of an IterableDataset is exhausted."""

    def __init__(self, worker_id):
        self.worker_id = worker_id


class ResumeIteration:
    """Sent to persistent workers when a new epoch starts."""


class _MapFetcher:
    def __init__(self, dataset, auto_collation, collate_fn, drop_last):
        self.dataset = dataset
        self.auto_collation = auto_collation
        self.collate_fn = collate_fn
        getitems = getattr(dataset, "__getitems__", None)
        self.getitems = getitems if callable(getitems) else None

    def fetch(self, index):
        if not self.auto_collation:
            return self.collate_fn(self.dataset[index])
        if self.getitems is not None:
            data = self.getitems(index)
            if isinstance(data, _Columns) and self.collate_fn is not default_collate:
                data = list(data)  # any other collate_fn sees PyTorch's list of samples
        else:
            data = [self.dataset[i] for i in index]
        return self.collate_fn(data)


class _IterableFetcher:
    def __init__(self, dataset, auto_collation, collate_fn, drop_last):
        self.it = iter(dataset)
        self.auto_collation = auto_collation
        self.collate_fn = collate_fn
        self.drop_last = drop_last
        self.ended = False

    def fetch(self, index):
        if self.ended:
            raise StopIteration
        if not self.auto_collation:
            return self.collate_fn(next(self.it))
        data = []
        for _ in index:
            try:
                data.append(next(self.it))
            except StopIteration:
                self.ended = True
                break
        if not data or (self.drop_last and len(data) < len(index)):
            raise StopIteration
        return self.collate_fn(data)


def make_fetcher(dataset, auto_collation, collate_fn, drop_last):
    kind = _IterableFetcher if isinstance(dataset, IterableDataset) else _MapFetcher
    return kind(dataset, auto_collation, collate_fn, drop_last)


def worker_loop(is_process, dataset, index_queue, data_queue, done_event, auto_collation,
                collate_fn, drop_last, base_seed, init_fn, worker_id, num_workers, parent_pid):
    """Fetch the batches whose indices arrive on ``index_queue`` and put ``(task, batch)``
    on ``data_queue``, until ``None`` arrives."""
    global _process_info
    seed = base_seed + worker_id
    where = f"in DataLoader worker {'process' if is_process else 'thread'} {worker_id}"
    if is_process:
        # Like PyTorch's workers: every global generator gets a seed of its own.
        random.seed(seed)
        B.manual_seed(seed)
        np.random.seed(np.random.SeedSequence([base_seed % 2**64, worker_id]).generate_state(4))
        generator = B.default_generator
    else:
        generator = B.Generator().manual_seed(seed)
    info = WorkerInfo(id=worker_id, num_workers=num_workers, seed=seed, dataset=dataset,
                      generator=generator)
    if is_process:
        _process_info = info
    _local.info = info

    def put(task, data):
        if not is_process:
            data_queue.put((task, data))
            return
        try:  # pickle here, so an unpicklable batch becomes an error instead of a hang
            blob = pickle.dumps((task, data), protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:
            blob = pickle.dumps((task, ExceptionWrapper(where=where + " (sending the batch)")))
        data_queue.put(blob)

    init_error = None
    fetcher = None
    try:
        if init_fn is not None:
            init_fn(worker_id)
        fetcher = make_fetcher(dataset, auto_collation, collate_fn, drop_last)
    except Exception:
        init_error = ExceptionWrapper(where=where)
    ended = False
    try:
        while True:
            try:
                r = index_queue.get(timeout=STATUS_CHECK_INTERVAL)
            except queue.Empty:
                if is_process and os.getppid() != parent_pid:
                    return  # the main process is gone
                continue
            if r is None:
                return
            if isinstance(r, ResumeIteration):
                ended = False
                if init_error is None and isinstance(dataset, IterableDataset):
                    try:
                        fetcher = make_fetcher(dataset, auto_collation, collate_fn, drop_last)
                    except Exception:
                        init_error = ExceptionWrapper(where=where)
                put(r, None)
                continue
            if done_event.is_set() or ended:
                continue
            task, index = r
            if init_error is not None:
                data, init_error = init_error, None
            else:
                try:
                    data = fetcher.fetch(index)
                except StopIteration:
                    if isinstance(dataset, IterableDataset):
                        data, ended = IterableStop(worker_id), True
                    else:
                        data = ExceptionWrapper(where=where)
                except Exception:
                    data = ExceptionWrapper(where=where)
            put(task, data)
            del data
    except KeyboardInterrupt:
        pass
    finally:
        _local.info = None
