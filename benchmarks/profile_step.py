"""Where an ember training step spends its time: cProfile over warm steps, top functions.

Usage::

    python benchmarks/profile_step.py W1                 # batch 128, 50 steps, top 15
    python benchmarks/profile_step.py W2 --steps 5 --sort cumulative --top 30

The workload is the benchmark's own (``workloads.TRAINING``), built on ember, warmed up with
two steps (lazy optimizer state, first-touch allocations), then profiled. Times in the table
are per step. cProfile adds a roughly constant cost per Python call, so it overstates
call-heavy code (the autograd engine, small ops) against BLAS time, and it sees the main
thread only (work that ember's kernels hand to worker threads shows as the wait for them);
read it for where the calls go, and the benchmark for how long the step takes.
``--blas-threads N`` caps NumPy's BLAS pool for the run (needs ``threadpoolctl``).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import ember  # noqa: E402
from benchmarks.workloads import TRAINING  # noqa: E402

DEFAULT_BATCH = {"W1": 128, "W2": 128, "W3": 64}


def profile(workload: str, batch: int, steps: int) -> tuple[pstats.Stats, float]:
    """Profile ``steps`` warm training steps; return the stats and the unprofiled step time."""
    step = TRAINING[workload](ember, batch)
    for _ in range(2):
        step()
    start = time.perf_counter()
    for _ in range(steps):
        step()
    plain = (time.perf_counter() - start) / steps
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(steps):
        step()
    profiler.disable()
    return pstats.Stats(profiler), plain


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workload", choices=sorted(TRAINING))
    parser.add_argument("--batch", type=int)
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument("--sort", default="tottime", choices=["tottime", "cumulative", "ncalls"])
    parser.add_argument("--blas-threads", type=int, help="cap NumPy's BLAS threads (threadpoolctl)")
    args = parser.parse_args(argv)
    batch = args.batch or DEFAULT_BATCH[args.workload]
    if args.blas_threads:
        try:
            import threadpoolctl
        except ImportError:
            parser.error("--blas-threads needs threadpoolctl: pip install threadpoolctl")
        threadpoolctl.threadpool_limits(args.blas_threads, user_api="blas")

    stats, plain = profile(args.workload, batch, args.steps)
    stream = io.StringIO()
    stats.stream = stream
    stats.strip_dirs().sort_stats(args.sort).print_stats(args.top)
    print(f"{args.workload} batch {batch}: {plain * 1e3:.2f} ms per step unprofiled "
          f"(mean of {args.steps}); profiled: {stats.total_tt / args.steps * 1e3:.2f} ms per step, "
          f"{stats.total_calls / args.steps:,.0f} Python calls per step")
    print(f"top {args.top} by {args.sort}; times are totals over {args.steps} steps")
    print(stream.getvalue().split("\n", 3)[-1].rstrip())


if __name__ == "__main__":
    main()
