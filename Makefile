# The two commands a fresh machine needs: `make demo` and `make test`.
# Each creates (or reuses) a virtual environment in .venv and installs what it needs.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test lint coverage clean

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
	$(VENV)/bin/ruff check ember tests tools examples

coverage: $(STAMP)
	$(PY) tools/parity_coverage.py

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
