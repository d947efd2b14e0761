# The two set-up commands of the README: `make demo` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.8

.PHONY: demo test lint env

# Create the virtualenv and install the locked dependencies (idempotent).
$(BIN)/sightline: pyproject.toml uv.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	@$(BIN)/uv sync --frozen --inexact --compile-bytecode --python $(BIN)/python
	@touch $(BIN)/sightline

env: $(BIN)/sightline

demo: env
	$(BIN)/sightline demo

test: env
	$(BIN)/ruff check .
	$(BIN)/pytest

lint: env
	$(BIN)/ruff check . && $(BIN)/ruff format --check .
