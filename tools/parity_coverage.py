"""Print how many exported ops the PyTorch parity table covers.

Usage: python tools/parity_coverage.py [--missing]

An op counts as covered when some ``OpCase`` in a ``tests/ops/test_*.py`` table names it
(parity against PyTorch on values, dtypes and gradients). Names a module lists in
``OTHER_TESTS`` have dedicated (non-table) tests instead, e.g. random sampling; they are shown
separately so the table figure stays honest.
"""

from __future__ import annotations

import importlib
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import ember  # noqa: E402
from ember import ops  # noqa: E402


def exported_ops() -> set[str]:
    names = set(ops.__all__) | {f"linalg.{n}" for n in ember.linalg.__all__
                                 if n[0].islower()}
    for fam in ops.FAMILIES:
        names.update(n for n in fam.TENSOR_METHODS if not n.endswith("_"))
    return {n for n in names if not n.startswith("_")}


def table_names() -> tuple[set[str], set[str]]:
    covered, other = set(), set()
    for path in sorted((ROOT / "tests" / "ops").glob("test_*.py")):
        mod = importlib.import_module(f"tests.ops.{path.stem}")
        for table in ("CASES", "MORE_CASES", "DTYPE_CASES", "LINALG_CASES"):
            for c in getattr(mod, table, ()):
                covered.add(c.name)
                covered.add("linalg." + c.name)
        other.update(getattr(mod, "OTHER_TESTS", ()))
    return covered, other


def main() -> None:
    exported = exported_ops()
    covered, other = table_names()
    in_table = exported & covered
    elsewhere = (exported & other) - in_table
    missing = sorted(exported - in_table - elsewhere)
    print(f"ember {ember.__version__}: {len(exported)} ops exported (functions and Tensor methods)")
    share = 100 * len(in_table) / len(exported)
    print(f"  parity table (values, dtypes, gradients vs PyTorch): "
          f"{len(in_table)} / {len(exported)} = {share:.0f}%")
    print(f"  dedicated tests instead (random, creation, ...):     {len(elsewhere)}")
    print(f"  not covered: {len(missing)}")
    if missing and ("--missing" in sys.argv or len(missing) <= 40):
        print("    " + ", ".join(missing))


if __name__ == "__main__":
    main()
