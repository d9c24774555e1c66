"""Smoke test of the benchmark harness: ``benchmarks/run.py --quick`` runs and prints its table.

Speed is never asserted here (BENCHMARKS.md: benchmarks measure, tests check): the test checks
that every selected figure prints a row with two medians and a ratio, and that the JSON holds
the same figures.
"""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("torch")

REPO = Path(__file__).resolve().parent.parent
ROW = re.compile(
    r"^(?P<name>W\d .+?)\s{2,}(?P<unit>samples/s|µs|ms|MiB)\s+(?P<ember>[\d,.]+)\s+"
    r"(?P<reference>[\d,.]+)\s+(?P<ratio>[\d.]+)x\s+(?P<target>-|[<>]= [\d.]+x)\s+"
    r"(?P<met>yes|NO|-)",
    re.MULTILINE,
)


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench") / "quick.json"
    command = [sys.executable, str(REPO / "benchmarks" / "run.py"), "--quick",
               "--only", "W1,W4,W5", "--json", str(out)]
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"run.py failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout, json.loads(out.read_text())


def test_table_has_a_row_per_selected_figure(quick_run):
    stdout, _ = quick_run
    rows = {m["name"].strip(): m for m in ROW.finditer(stdout)}
    assert set(rows) == {
        "W1 MLP training, batch 32",
        "W1 MLP training, batch 128",
        "W1 MLP training, batch 512",
        "W1 peak training memory, batch 128",
        "W4 MLP forward latency, batch 1",
        "W5 import time (python -c 'import X')",
    }, stdout
    for row in rows.values():
        ember = float(row["ember"].replace(",", ""))
        reference = float(row["reference"].replace(",", ""))
        assert reference > 0, row.group(0)
        # the printed ratio is ember / reference, to the two decimals shown
        assert float(row["ratio"]) == pytest.approx(ember / reference, rel=0.05, abs=0.01), \
            row.group(0)
    assert rows["W1 MLP training, batch 128"]["target"] == ">= 2.00x"
    assert rows["W4 MLP forward latency, batch 1"]["target"] == "<= 1.00x"
    assert rows["W5 import time (python -c 'import X')"]["target"] == "<= 0.20x"


def test_unselected_workloads_do_not_run(quick_run):
    stdout, result = quick_run
    assert not re.search(r"^W[236] ", stdout, re.MULTILINE), stdout
    assert {f["workload"] for f in result["figures"]} == {"W1", "W4", "W5"}


def test_environment_and_compute_rate_are_reported(quick_run):
    stdout, result = quick_run
    assert "torch.get_num_threads() = " in stdout
    assert "OPENBLAS_CORETYPE" in stdout
    assert "QUICK smoke run" in stdout
    assert result["gemm_ceiling_gflops"] > 0
    assert [r["name"] for r in result["compute"]] == [
        "W1 MLP training, batch 32", "W1 MLP training, batch 128", "W1 MLP training, batch 512"]
    for row in result["compute"]:
        assert row["mflop_per_sample"] == pytest.approx(3 * 2 * (784 * 256 + 256 * 128 + 1280)
                                                        / 1e6)
        assert row["ember_gflops"] > 0 and row["torch_gflops"] > 0


def test_json_figures_match_the_ratio_and_target_rules(quick_run):
    _, result = quick_run
    for figure in result["figures"]:
        assert figure["ratio"] == pytest.approx(figure["ember"] / figure["reference"])
        if figure["target"] is None:
            assert figure["met"] is None
        elif figure["higher_is_better"]:
            assert figure["met"] == (figure["ratio"] >= figure["target"])
        else:
            assert figure["met"] == (figure["ratio"] <= figure["target"])


def test_unknown_workload_is_rejected_with_the_valid_names():
    done = subprocess.run([sys.executable, str(REPO / "benchmarks" / "run.py"), "--only", "W9"],
                          cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert "unknown workload(s) W9; choose from W1, W2, W3, W4, W5, W6" in done.stderr
