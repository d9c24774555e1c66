"""What the figures ran on: versions, threads, the BLAS behind NumPy and PyTorch, load."""

from __future__ import annotations

import datetime
import os
import platform
import sys

BLAS_VARIABLES = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


def _threadpools() -> list[str] | None:
    """One line per native thread pool (BLAS, OpenMP) loaded in this process, or None."""
    try:
        import threadpoolctl
    except ImportError:
        return None
    lines = []
    for pool in threadpoolctl.threadpool_info():
        name = os.path.basename(pool.get("filepath", "?"))
        detail = ", ".join(
            f"{key} {pool[key]}" for key in ("version", "architecture", "threading_layer")
            if pool.get(key)
        )
        lines.append(f"{pool['user_api']}: {pool['internal_api']} {name}, "
                     f"{pool['num_threads']} threads" + (f" ({detail})" if detail else ""))
    return lines


def _numpy_blas() -> str:
    """NumPy's BLAS from ``numpy.show_config`` (the fallback without threadpoolctl)."""
    import numpy as np

    try:
        config = np.show_config(mode="dicts")
        blas = config["Build Dependencies"]["blas"]
    except (TypeError, KeyError):  # NumPy < 1.26 prints instead of returning a dict
        return "see numpy.show_config()"
    return f"{blas.get('name', '?')} {blas.get('version', '')}".strip()


def busy_warning(own_threads: float = 0.0) -> str | None:
    """A warning when other work keeps the CPUs busy (1-minute load average).

    ``own_threads``: the load this benchmark itself adds (at the end of a run its own threads
    are in the average: up to one per CPU), which does not count as other work.
    """
    cpus = os.cpu_count() or 1
    load = os.getloadavg()[0]
    if load - own_threads <= cpus / 2:
        return None
    return (f"WARNING: the machine is busy (load average {load:.2f} on {cpus} CPUs). "
            "Multi-threaded BLAS and OpenMP pools spin-wait for their partner threads, and "
            "with more runnable threads than cores both libraries slow down by up to 10-40x "
            "and unevenly: read the ratios with care, or rerun on an idle machine.")


def blas_variables() -> dict[str, str | None]:
    return {name: os.environ.get(name) for name in BLAS_VARIABLES}


def describe(torch) -> list[str]:
    """Lines describing the machine and libraries; ``torch`` may be None when not installed."""
    import numpy as np

    import ember

    lines = [
        f"date: {datetime.datetime.now().isoformat(timespec='seconds')}",
        f"machine: {platform.machine()} {platform.processor() or ''} {platform.system()}, "
        f"{os.cpu_count()} CPUs, load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}",
        f"python {platform.python_version()} ({sys.executable})",
        f"numpy {np.__version__} (BLAS {_numpy_blas()}), ember {ember.__version__}",
    ]
    if torch is None:
        lines.append("torch: not importable, reference columns are empty")
    else:
        lines.append(f"torch {torch.__version__}, torch.get_num_threads() = "
                     f"{torch.get_num_threads()}, MKL {torch.backends.mkl.is_available()}, "
                     f"oneDNN {torch.backends.mkldnn.is_available()}")
    pools = _threadpools()
    if pools is None:
        lines.append("threadpoolctl not installed (pip install threadpoolctl lists the BLAS and "
                     "OpenMP pools); NumPy's BLAS above is from numpy.show_config")
    else:
        lines += [f"threadpool: {line}" for line in pools]
    found = {name: value for name, value in blas_variables().items() if value is not None}
    if found:
        lines.append(f"WARNING: {', '.join(f'{k}={v!r}' for k, v in found.items())} is set: "
                     "it slows a current NumPy's OpenBLAS; `make bench` runs with "
                     "`env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE`")
    else:
        lines.append("OPENBLAS_CORETYPE, OPENBLAS_L2_SIZE: not set "
                     "(`make bench` unsets both, for the benchmark command only)")
    threads = os.environ.get("EMBER_NUM_THREADS")
    lines.append(f"EMBER_NUM_THREADS: {threads if threads is not None else 'not set (default)'}")
    return lines
