"""ember against PyTorch on the workloads of BENCHMARKS.md, interleaved in one process run.

Usage::

    python benchmarks/run.py                 # full run, about 3 s of timed work per figure
    python benchmarks/run.py --quick         # smoke run for CI: a few steps, no speed claims
    python benchmarks/run.py --only W1,W4    # a subset of W1..W6
    python benchmarks/run.py --json out.json # also write every figure and the environment
    python benchmarks/run.py --one-thread    # one thread per library, CPU-time clock

Prints the environment (versions, threads, BLAS), then one table: per figure the ember and
reference medians, the ratio ember / reference, the target and whether it is met; then the
compute rate of W1 and W2 against the measured GEMM ceiling. ``docs/performance.md`` explains
the method and the columns.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

ONE_THREAD_ENV = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
                  "EMBER_NUM_THREADS")
if "--one-thread" in sys.argv[1:] and os.environ.get("EMBER_BENCH_ONE_THREAD") != "1":
    # BLAS reads its thread count when NumPy loads: restart with one thread everywhere
    env = dict(os.environ, EMBER_BENCH_ONE_THREAD="1", **dict.fromkeys(ONE_THREAD_ENV, "1"))
    os.execve(sys.executable, [sys.executable, *sys.argv], env)

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # run as a script: import this checkout's ember and benchmarks
    sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402

import ember  # noqa: E402
from benchmarks import envinfo, timing, workloads  # noqa: E402

WORKLOADS = ("W1", "W2", "W3", "W4", "W5", "W6")
W1_BATCHES = (32, 128, 512)
MEMORY_BATCH = 128
GEMM_N = 1024


@dataclass
class Figure:
    """One row of the table: ember's median against the reference's, and the target."""

    workload: str
    name: str
    unit: str
    ember: float | None
    reference: float | None
    higher_is_better: bool
    target: float | None = None
    reference_name: str = "torch"
    spread: float | None = None
    extra: dict = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        if self.ember is None or not self.reference:
            return None
        return self.ember / self.reference

    @property
    def met(self) -> bool | None:
        if self.target is None or self.ratio is None:
            return None
        return self.ratio >= self.target if self.higher_is_better else self.ratio <= self.target

    def as_dict(self) -> dict:
        return {**asdict(self), "ratio": self.ratio, "met": self.met}


@dataclass
class Context:
    plan: timing.Plan
    quick: bool
    torch: object | None

    def libraries(self) -> dict[str, object]:
        libs = {"ember": ember}
        if self.torch is not None:
            libs["torch"] = self.torch
        return libs


_START = time.perf_counter()


def progress(message: str) -> None:
    print(f"... {time.perf_counter() - _START:6.1f} s  {message}", file=sys.stderr, flush=True)


def _spread(timings: dict[str, timing.Timing]) -> float:
    return max(t.spread for t in timings.values())


def _ember_vs_torch(ctx: Context, build: Callable) -> dict[str, timing.Timing]:
    """Build the workload on each library and time the two callables interleaved."""
    contenders = {name: build(lib) for name, lib in ctx.libraries().items()}
    return timing.interleaved(contenders, ctx.plan)


def throughput(ctx: Context, workload: str, name: str, batch: int, build: Callable,
               target: float | None = None) -> Figure:
    """A training figure in samples/s (higher is better)."""
    progress(name)
    timings = _ember_vs_torch(ctx, build)
    rates = {lib: batch / t.median for lib, t in timings.items()}
    return Figure(workload, name, "samples/s", rates["ember"], rates.get("torch"),
                  higher_is_better=True, target=target, spread=_spread(timings),
                  extra={"batch": batch})


# --- the workloads ---------------------------------------------------------------------------


def run_w1(ctx: Context) -> list[Figure]:
    figures = []
    for batch in W1_BATCHES:
        figures.append(throughput(
            ctx, "W1", f"W1 MLP training, batch {batch}", batch,
            lambda lib, batch=batch: workloads.mlp_train(lib, batch),
            target=2.0 if batch == 128 else None,
        ))
    return figures


def run_w2(ctx: Context) -> list[Figure]:
    batch = workloads.CNN_BATCH
    return [throughput(ctx, "W2", f"W2 CNN training, batch {batch}", batch,
                       workloads.cnn_train, target=1.5)]


def run_w3(ctx: Context) -> list[Figure]:
    batch = workloads.TEXT_BATCH
    return [throughput(ctx, "W3", f"W3 Embedding+LSTM training, batch {batch}", batch,
                       workloads.text_train, target=1.0)]


def run_w4(ctx: Context) -> list[Figure]:
    name = "W4 MLP forward latency, batch 1"
    progress(name)
    timings = _ember_vs_torch(ctx, workloads.mlp_predict)
    micros = {lib: t.median * 1e6 for lib, t in timings.items()}
    return [Figure("W4", name, "µs", micros["ember"], micros.get("torch"),
                   higher_is_better=False, target=1.0, spread=_spread(timings))]


# An installed package imports from compiled bytecode (torch ships its .pyc files; pip compiles
# ember's at install). Where PYTHONDONTWRITEBYTECODE is set (as on the development machine), an
# editable checkout would be compiled from source at every start, so the import runs allow
# bytecode caching into a private folder; the warm-up run fills it.
_PYCACHE = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"ember-bench-pycache-{os.getuid()}")
_IMPORT_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
_IMPORT_ENV["PYTHONPYCACHEPREFIX"] = _PYCACHE


def _import_seconds(module: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", f"import {module}"], cwd=REPO, check=True,
                   env=_IMPORT_ENV)
    return time.perf_counter() - start


def run_w5(ctx: Context) -> list[Figure]:
    """Wall time of ``python -c "import X"`` (interpreter start included), median of 5."""
    name = "W5 import time (python -c 'import X')"
    progress(name)
    modules = ["ember"] + (["torch"] if ctx.torch is not None else [])
    repeats = 2 if ctx.quick else 5
    for module in modules:  # warm the file and bytecode caches; not counted
        _import_seconds(module)
    seconds = {module: [] for module in modules}
    for i in range(repeats):
        for module in modules if i % 2 == 0 else modules[::-1]:
            seconds[module].append(_import_seconds(module))
    millis = {m: float(np.median(s)) * 1e3 for m, s in seconds.items()}
    return [Figure("W5", name, "ms", millis["ember"], millis.get("torch"),
                   higher_is_better=False, target=0.2, extra={"repeats": repeats})]


def run_w6(ctx: Context) -> list[Figure]:
    """``model.fit`` against the same ember.keras model in an explicit loop (both ember)."""
    try:
        import ember.keras  # noqa: F401
    except ImportError as error:
        print(f"W6 skipped: ember.keras not importable ({error})")
        return []
    samples = {"mlp": 256, "cnn": 256} if ctx.quick else {"mlp": 128 * 40, "cnn": 128 * 8}
    figures = []
    for model_name, label in (("mlp", "MLP"), ("cnn", "CNN")):
        name = f"W6 {label} fit vs explicit loop, batch {workloads.KERAS_BATCH}"
        progress(name)
        n = samples[model_name]
        try:
            contenders = {
                "fit": workloads.keras_fit_epoch(model_name, n),
                "loop": workloads.keras_loop_epoch(model_name, n),
            }
            # an epoch is many steps already: 3 rounds keep the CNN's seconds-long epochs in check
            plan = replace(ctx.plan, min_rounds=min(3, ctx.plan.min_rounds))
            timings = timing.interleaved(contenders, plan)
        except Exception as error:  # ember.keras is young: report and go on with the table
            print(f"W6 {label} failed: {type(error).__name__}: {error}")
            continue
        rates = {kind: n / t.median for kind, t in timings.items()}
        figures.append(Figure("W6", name, "samples/s", rates["fit"], rates["loop"],
                              higher_is_better=True, target=0.95, reference_name="ember loop",
                              spread=_spread(timings), extra={"samples_per_epoch": n}))
    return figures


def peak_memory(ctx: Context, selected: list[str]) -> list[Figure]:
    """Peak training memory of W1 and W2, each library in a fresh process (benchmarks.memory).

    The probes run side by side: each reads its own process's resident memory, so they do not
    disturb each other's figures, and the slow part (importing PyTorch) overlaps.
    """
    workloads_run = [w for w in ("W1", "W2") if w in selected]
    if not workloads_run:
        return []
    steps = 2 if ctx.quick else 5
    progress(f"peak training memory of {', '.join(workloads_run)} (fresh processes)")
    probes = {
        (workload, library): subprocess.Popen(
            [sys.executable, "-m", "benchmarks.memory", workload, library, str(MEMORY_BATCH),
             str(steps)], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for workload in workloads_run for library in ctx.libraries()
    }
    mib = {}
    for key, probe in probes.items():
        out, err = probe.communicate()
        if probe.returncode != 0:
            raise RuntimeError(f"memory probe {key} failed (exit {probe.returncode}):\n{err}")
        mib[key] = json.loads(out.strip().splitlines()[-1])
    figures = []
    for workload in workloads_run:
        ours, theirs = mib[(workload, "ember")], mib.get((workload, "torch"))
        figures.append(Figure(
            workload, f"{workload} peak training memory, batch {MEMORY_BATCH}", "MiB",
            ours["training_mib"], theirs["training_mib"] if theirs else None,
            higher_is_better=False, target=1.0,
            extra={"steps": steps, "method": ours["method"], "ember": ours, "torch": theirs}))
    return figures


def gemm_ceiling(ctx: Context) -> float:
    """GFLOP/s of NumPy's float32 1024x1024 @ 1024x1024 matmul (median of chunks)."""
    progress("GEMM ceiling (NumPy float32 1024x1024 matmul)")
    rng = np.random.default_rng(0)
    a, b = (rng.standard_normal((GEMM_N, GEMM_N), dtype=np.float32) for _ in range(2))
    out = np.empty_like(a)
    seconds = timing.alone(lambda: np.matmul(a, b, out=out), ctx.plan).median
    return 2 * GEMM_N**3 / seconds / 1e9


RUNNERS = {"W1": run_w1, "W2": run_w2, "W3": run_w3, "W4": run_w4, "W5": run_w5, "W6": run_w6}


# --- the report ------------------------------------------------------------------------------


def _number(value: float | None, unit: str) -> str:
    if value is None:
        return "n/a"
    if unit in ("µs", "MiB"):
        return f"{value:,.1f}"
    return f"{value:,.0f}"


def _target(figure: Figure) -> str:
    if figure.target is None:
        return "-"
    return f"{'>=' if figure.higher_is_better else '<='} {figure.target:.2f}x"


def _met(figure: Figure) -> str:
    return {None: "-", True: "yes", False: "NO"}[figure.met]


def table(figures: list[Figure]) -> list[str]:
    header = (f"{'figure':<44} {'unit':<10} {'ember':>10} {'reference':>10} {'ratio':>7} "
              f"{'target':>8} {'met':>4} {'noise':>6}")
    lines = [header, "-" * len(header)]
    for f in figures:
        ratio = "n/a" if f.ratio is None else f"{f.ratio:.2f}x"
        noise = "" if f.spread is None else f"±{100 * f.spread:.0f}%"
        lines.append(f"{f.name:<44} {f.unit:<10} {_number(f.ember, f.unit):>10} "
                     f"{_number(f.reference, f.unit):>10} {ratio:>7} {_target(f):>8} "
                     f"{_met(f):>4} {noise:>6}".rstrip())
    return lines


def compute_rates(figures: list[Figure], ceiling: float) -> list[dict]:
    """GFLOP/s of the W1/W2 training figures, a step counted as 3x the forward FLOPs."""
    flops = {"W1": workloads.mlp_forward_flops(), "W2": workloads.cnn_forward_flops()}
    rows = []
    for f in figures:
        if f.workload not in flops or f.unit != "samples/s":
            continue
        per_sample = 3 * flops[f.workload]
        rate = {lib: None if v is None else v * per_sample / 1e9
                for lib, v in (("ember", f.ember), ("torch", f.reference))}
        rows.append({"name": f.name, "mflop_per_sample": per_sample / 1e6,
                     "ember_gflops": rate["ember"], "torch_gflops": rate["torch"],
                     "ember_share": None if rate["ember"] is None else rate["ember"] / ceiling,
                     "torch_share": None if rate["torch"] is None else rate["torch"] / ceiling})
    return rows


def compute_table(rows: list[dict], ceiling: float) -> list[str]:
    def cell(gflops, share):
        return "n/a" if gflops is None else f"{gflops:6.1f} ({100 * share:3.0f}%)"

    header = f"{'figure':<44} {'MFLOP/sample':>12} {'ember GFLOP/s':>16} {'torch GFLOP/s':>16}"
    lines = [f"compute rate: a training step counts 3x the forward matmul/conv FLOPs; "
             f"(%) = share of the GEMM ceiling, NumPy float32 {GEMM_N}^3 matmul = "
             f"{ceiling:.1f} GFLOP/s in this run", header, "-" * len(header)]
    for r in rows:
        lines.append(f"{r['name']:<44} {r['mflop_per_sample']:>12.2f} "
                     f"{cell(r['ember_gflops'], r['ember_share']):>16} "
                     f"{cell(r['torch_gflops'], r['torch_share']):>16}")
    return lines


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: a few steps per figure, whole run under a minute; "
                             "the figures are not measurements")
    parser.add_argument("--only", default=",".join(WORKLOADS),
                        help="comma-separated workloads to run (default: all of W1..W6)")
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    parser.add_argument("--one-thread", action="store_true",
                        help="one thread per library (BLAS, OpenMP, ember's workers, "
                             "torch.set_num_threads(1)) timed by the thread's CPU time: the "
                             "work each library does, steady on a busy machine; not what two "
                             "cores buy")
    args = parser.parse_args(argv)
    args.only = [w.strip().upper() for w in args.only.split(",") if w.strip()]
    unknown = [w for w in args.only if w not in WORKLOADS]
    if unknown:
        parser.error(f"--only: unknown workload(s) {', '.join(unknown)}; "
                     f"choose from {', '.join(WORKLOADS)}")
    return args


def _import_torch(threads=None):
    try:
        import torch
    except ImportError:
        return None
    if threads:
        torch.set_num_threads(threads)
    return torch


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.one_thread:
        timing.CLOCK = time.thread_time
    ctx = Context(plan=timing.QUICK if args.quick else timing.FULL, quick=args.quick,
                  torch=_import_torch(1 if args.one_thread else None))
    environment = envinfo.describe(ctx.torch)
    print("ember benchmarks:", " ".join(["benchmarks/run.py", *(argv or sys.argv[1:])]))
    for line in environment:
        print(f"  {line}")
    busy = envinfo.busy_warning()
    if busy:
        print(busy)
        environment.append(busy)
    if args.one_thread:
        print("ONE-THREAD run: every library on one thread, timed by thread CPU time "
              "(time.thread_time); W5 and memory as usual")
    if args.quick:
        print("QUICK smoke run: a few steps per figure; the figures are not measurements "
              "and 'met' means nothing")

    ceiling = gemm_ceiling(ctx) if {"W1", "W2"} & set(args.only) else None
    figures = []
    for workload in WORKLOADS:
        if workload in args.only:
            figures += RUNNERS[workload](ctx)
    figures += peak_memory(ctx, args.only)
    figures.sort(key=lambda f: WORKLOADS.index(f.workload))

    print()
    print("\n".join(table(figures)))
    print("reference = PyTorch, except W6: the same ember.keras model in an explicit ember loop. "
          "ratio = ember / reference: samples/s higher is better; µs, ms, MiB lower is better. "
          "noise = half the interquartile range of the timed chunks.")
    rows = compute_rates(figures, ceiling) if ceiling else []
    if rows:
        print()
        print("\n".join(compute_table(rows, ceiling)))
    progress("done")
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"\nload average at the end: {load}")
    busy = envinfo.busy_warning(own_threads=os.cpu_count() or 1)
    if busy:
        print(busy)

    if args.json:
        result = {"mode": "quick" if args.quick else "full", "argv": argv or sys.argv[1:],
                  "environment": environment, "gemm_ceiling_gflops": ceiling,
                  "figures": [f.as_dict() for f in figures], "compute": rows,
                  "load_average_end": os.getloadavg()}
        Path(args.json).write_text(json.dumps(result, indent=2, default=str) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
