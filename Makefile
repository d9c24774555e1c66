# The two commands a fresh machine needs: `make demo` and `make test`.
# Each creates (or reuses) a virtual environment in .venv and installs what it needs.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test lint coverage bench bench-quick clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(PY) examples/demo.py

test: $(STAMP)
	$(PY) -m pytest

lint: $(STAMP)
	$(PY) -m pip install -q ruff
	$(VENV)/bin/ruff check ember tests tools examples benchmarks

coverage: $(STAMP)
	$(PY) tools/parity_coverage.py

# ember vs PyTorch on BENCHMARKS.md's workloads (docs/performance.md). OPENBLAS_CORETYPE slows a
# current NumPy where it is set, so the benchmark (only) runs without it.
BENCH_STAMP := $(VENV)/.bench-installed

$(BENCH_STAMP): $(STAMP)
	$(PY) -m pip install -q -e '.[parity]' threadpoolctl
	touch $(BENCH_STAMP)

bench: $(BENCH_STAMP)
	env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $(PY) benchmarks/run.py $(BENCH_ARGS)

bench-quick: $(BENCH_STAMP)
	$(PY) benchmarks/run.py --quick $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
