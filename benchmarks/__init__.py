"""ember's benchmark suite: ember against PyTorch on the workloads of BENCHMARKS.md.

Run ``python benchmarks/run.py`` (or ``make bench``); ``docs/performance.md`` explains the
method and the columns. Nothing here is imported by ``ember`` or by the tests' fast path.
"""
