# Two commands do all the set-up on a machine with python3 and make:
#   make report   -> .venv, package + extras, Jupyter kernel, sample data, quarterly report
#   make test     -> the same set-up, then the whole test suite
# Both are idempotent: nothing is reinstalled unless pyproject.toml or the constraints change.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
CONSTRAINTS := requirements/constraints.txt
QUARTER ?=
PYTEST_ARGS ?=

.PHONY: all install kernel sample test lint format report lab bench clean-venv lock

all: test

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml $(CONSTRAINTS) | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet -c $(CONSTRAINTS) -e '.[lab,dev,dask]'
	$(BIN)/python -m ipykernel install --sys-prefix --name satisfaction --display-name "Python (satisfaction)" >/dev/null
	touch $(STAMP)

install: $(STAMP)

kernel: $(STAMP)

# The committed synthetic organisation; regenerated only when missing.
data/sample/manifest.json: | $(STAMP)
	$(BIN)/satisfaction simulate --out data/sample

sample: data/sample/manifest.json

test: $(STAMP) sample
	$(BIN)/ruff check satisfaction tests benchmarks notebooks
	$(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check satisfaction tests benchmarks notebooks

format: $(STAMP)
	$(BIN)/ruff format satisfaction tests benchmarks notebooks

report: $(STAMP) sample
	$(BIN)/satisfaction report $(if $(QUARTER),--quarter $(QUARTER),)

lab: $(STAMP) sample
	$(BIN)/jupyter lab notebooks

bench: $(STAMP) sample
	for b in benchmarks/bench_*.py; do $(BIN)/python $$b || exit 1; done

# Re-pin the tested versions after a deliberate upgrade (then run make test).
lock: $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade -e '.[lab,dev,dask]'
	$(BIN)/python -m pip freeze --exclude-editable | grep -v '^-e' > $(CONSTRAINTS)

clean-venv:
	rm -rf $(VENV)
