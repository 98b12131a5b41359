# gmsvar: two commands on a fresh machine.
#   make demo   set up .venv and run the main job on shipped example data
#   make test   set up .venv and run the test suite
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: demo test lint bench clean setup

setup: $(STAMP)

# the C accelerators are rebuilt when their sources change
$(STAMP): pyproject.toml setup.py $(wildcard src/gmsvar/io/*.c)
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

demo: $(STAMP)
	$(PY) -m gmsvar demo --out demo-out

test: $(STAMP)
	$(PY) -m pytest -q

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests benchmarks
	$(VENV)/bin/mypy

bench: $(STAMP)
	$(PY) -m pip install --quiet -e '.[dev,bench]'
	$(PY) benchmarks/bench_read.py
	$(PY) benchmarks/bench_filter.py
	$(PY) benchmarks/bench_cohort.py
	$(PY) benchmarks/classification/evaluate.py

clean:
	rm -rf $(VENV) build dist src/*.egg-info .pytest_cache .mypy_cache .ruff_cache
	rm -f src/gmsvar/io/*.so
