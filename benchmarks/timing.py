"""Interleaved timing: run several callables in alternating chunks and keep per-call times.

The machines these benchmarks run on are shared and noisy, so two libraries are never timed
one after the other in long blocks: each round runs a chunk of calls of every contender (the
order flips every round), and the figure is the median over rounds of the mean time per call
inside a chunk. A load spike then lands in one chunk of one contender and the median drops it;
a slow drift in machine speed hits both contenders alike. Chunks are long enough (about
``chunk_s``) that the mean inside a chunk includes what a real training loop pays: garbage
collection, allocator churn, the first touch of fresh memory.

Between two chunks the harness sleeps ``settle_s`` (untimed). Multi-threaded BLAS and OpenMP
pools keep their worker threads spinning for a while after a call (OpenBLAS about 0.1 s); on a
2-core machine those spinners would otherwise steal the cores from the next contender's first
calls, a cost that one library alone in a training run never pays.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Timing:
    """Per-call seconds of one contender: one entry per chunk (the mean over its calls)."""

    per_call: list[float] = field(default_factory=list)
    calls: int = 0
    timed_s: float = 0.0

    @property
    def median(self) -> float:
        return statistics.median(self.per_call)

    @property
    def spread(self) -> float:
        """Half the interquartile range of the chunks, relative to the median (0.05 = ±5%)."""
        if len(self.per_call) < 4:
            return (max(self.per_call) - min(self.per_call)) / 2 / self.median
        q1, _, q3 = statistics.quantiles(self.per_call, n=4)
        return (q3 - q1) / 2 / self.median


@dataclass(frozen=True)
class Plan:
    """How long to time: warm-up, chunk length, timed seconds per contender, rounds, settling."""

    warmup_s: float
    chunk_s: float
    budget_s: float
    min_rounds: int
    settle_s: float
    max_rounds: int = 1000


# The clock of every timed chunk: wall time by default; run.py --one-thread switches to the
# calling thread's CPU time, which other processes on a busy machine do not inflate.
CLOCK = time.perf_counter

FULL = Plan(warmup_s=0.5, chunk_s=0.4, budget_s=3.0, min_rounds=5, settle_s=0.15)
QUICK = Plan(warmup_s=0.0, chunk_s=0.02, budget_s=0.1, min_rounds=2, settle_s=0.0, max_rounds=20)


def _warm_up(fn: Callable[[], object], plan: Plan) -> float:
    """Call ``fn`` for ``plan.warmup_s`` (at least twice); return its seconds per call.

    The first call builds lazy state (optimizer moments, caches, BLAS thread pools) and is never
    a steady-state sample; the estimate that sizes the chunks comes from the later calls.
    """
    fn()
    start = CLOCK()
    calls = 0
    while calls < 1 or CLOCK() - start < plan.warmup_s:
        fn()
        calls += 1
    return (CLOCK() - start) / calls


def interleaved(contenders: dict[str, Callable[[], object]], plan: Plan) -> dict[str, Timing]:
    """Time every callable in ``contenders`` in alternating chunks; return a Timing per name.

    Each contender is warmed up, which sizes its chunks to about ``plan.chunk_s``; then rounds
    run until every contender has ``plan.budget_s`` of timed calls and at least
    ``plan.min_rounds`` rounds are done (``plan.max_rounds`` caps very fast callables).
    """
    per_chunk = {}
    for name, fn in contenders.items():
        seconds = _warm_up(fn, plan)
        per_chunk[name] = max(1, int(plan.chunk_s / max(seconds, 1e-9)))
        time.sleep(plan.settle_s)
    timings = {name: Timing() for name in contenders}
    names = list(contenders)
    rounds = 0
    while rounds < plan.max_rounds and (
        rounds < plan.min_rounds or min(t.timed_s for t in timings.values()) < plan.budget_s
    ):
        order = names if rounds % 2 == 0 else names[::-1]
        for name in order:
            fn, n = contenders[name], per_chunk[name]
            t0 = CLOCK()
            for _ in range(n):
                fn()
            elapsed = CLOCK() - t0
            timing = timings[name]
            timing.per_call.append(elapsed / n)
            timing.calls += n
            timing.timed_s += elapsed
            # resize the chunks from the median so far: a burst of load on the machine must
            # not turn the warm-up estimate into minutes-long chunks
            per_chunk[name] = max(1, int(plan.chunk_s / timing.median))
            time.sleep(plan.settle_s)
        rounds += 1
    return timings


def alone(fn: Callable[[], object], plan: Plan) -> Timing:
    """Time one callable alone (no contender), with the same chunks and medians."""
    return interleaved({"only": fn}, plan)["only"]
