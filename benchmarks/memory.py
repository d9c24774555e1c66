"""Peak memory of a training workload, measured in a fresh process for one library.

Usage (run.py starts it once per library): ``python -m benchmarks.memory W1 ember 128 5``
prints one JSON line ``{"baseline_mib": ..., "peak_mib": ..., "training_mib": ...}``.

Method: the process imports only the library under test, builds the model and the synthetic
batch (``workloads.TRAINING``), then takes the baseline. On Linux the resident-set high-water
mark is reset there (``echo 5 > /proc/self/clear_refs``) and the baseline is the current
resident set (``VmRSS``); after the training steps the peak is the new high-water mark
(``VmHWM``). ``training_mib = VmHWM - VmRSS(baseline) - growth of file-backed and shared pages``
is the most private memory the steps ever held on top of the model and data: activations,
gradients, optimizer state, temporaries, whoever allocated them (NumPy, PyTorch's allocator,
BLAS workspaces). The file-backed growth is the library's code paged in on first use of a
kernel (about 10 MiB for PyTorch's first training step): shared, reclaimable, and not training
memory; in a short run without memory pressure it only grows, so its value at the end is its
peak. ``tracemalloc`` would see NumPy's buffers but not PyTorch's, so resident memory is the
one measure that is fair to both. Where ``/proc`` cannot be written, the fallback is
``resource.getrusage().ru_maxrss`` before and after, which can under-count when importing the
library peaked higher than training does.
"""

from __future__ import annotations

import gc
import importlib
import json
import re
import resource
import sys

from benchmarks.workloads import TRAINING

_KIB = 1024.0


def _proc_status_kib(field: str) -> int | None:
    try:
        with open("/proc/self/status") as status:
            match = re.search(rf"^{field}:\s+(\d+) kB", status.read(), re.MULTILINE)
    except OSError:
        return None
    return int(match.group(1)) if match else None


def _reset_high_water_mark() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")
    except OSError:
        return False
    return _proc_status_kib("VmHWM") is not None


def _shared_kib() -> int:
    """Resident pages that are file-backed (code, mapped files) or shared memory."""
    return (_proc_status_kib("RssFile") or 0) + (_proc_status_kib("RssShmem") or 0)


def _ru_maxrss_kib() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024.0 if sys.platform == "darwin" else float(peak)  # macOS reports bytes


def measure(workload: str, library: str, batch: int, steps: int) -> dict:
    """Build ``workload`` on ``library``, run ``steps`` training steps, return MiB figures."""
    lib = importlib.import_module(library)
    step = TRAINING[workload](lib, batch)
    gc.collect()
    if _reset_high_water_mark():
        method = "VmHWM - VmRSS at baseline - growth of RssFile+RssShmem (Linux /proc)"
        baseline = _proc_status_kib("VmRSS")
        shared_before = _shared_kib()
        for _ in range(steps):
            step()
        peak = _proc_status_kib("VmHWM") - (_shared_kib() - shared_before)
    else:
        method = "ru_maxrss after the steps - ru_maxrss at baseline"
        baseline = _ru_maxrss_kib()
        for _ in range(steps):
            step()
        peak = _ru_maxrss_kib()
    return {
        "workload": workload,
        "library": library,
        "batch": batch,
        "steps": steps,
        "baseline_mib": baseline / _KIB,
        "peak_mib": peak / _KIB,
        "training_mib": (peak - baseline) / _KIB,
        "method": method,
    }


def main(argv: list[str]) -> None:
    if len(argv) != 4 or argv[0] not in TRAINING or argv[1] not in ("ember", "torch"):
        raise SystemExit(
            f"usage: python -m benchmarks.memory {{{','.join(TRAINING)}}} {{ember,torch}} "
            f"BATCH STEPS (got {argv})"
        )
    print(json.dumps(measure(argv[0], argv[1], int(argv[2]), int(argv[3]))))


if __name__ == "__main__":
    main(sys.argv[1:])
