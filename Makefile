# PayDesk: `make run` serves the dashboard, `make test` runs the whole suite.
# Both create .venv and install on first use; later runs reuse it.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
RUN_STAMP  := $(VENV)/.paydesk-run
TEST_STAMP := $(VENV)/.paydesk-dev

.PHONY: run test bench install install-dev clean-store help

help:
	@echo "make run    serve the dashboard (sandbox, SQLite, demo data)"
	@echo "make test   run the whole test suite"
	@echo "make bench  run the benchmarks and write bench/RESULTS.md"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "PayDesk needs Python 3.11 or newer; set PYTHON=python3.11")'
	$(PYTHON) -m venv $(VENV)

# uv installs the same packages several times faster than pip; pip is the fallback when uv is
# missing or cannot reach the package index. uv is told to compile bytecode as pip does: where
# PYTHONDONTWRITEBYTECODE is set, every command would otherwise compile pandas anew (3 s).
UV  := $(shell command -v uv 2>/dev/null)
PIP := $(BIN)/python -m pip install --quiet --disable-pip-version-check
define install_packages
	$(if $(UV),$(UV) pip install --quiet --compile-bytecode --python $(BIN)/python $(1) || $(PIP) $(1),$(PIP) $(1))
endef

$(RUN_STAMP): pyproject.toml | $(BIN)/python
	$(call install_packages,-e .)
	@touch $@

$(TEST_STAMP): pyproject.toml | $(BIN)/python
	$(call install_packages,-e '.[dev]')
	@touch $@ $(RUN_STAMP)

install: $(RUN_STAMP)
install-dev: $(TEST_STAMP)

# Streamlit reads STREAMLIT_SERVER_PORT (and every other STREAMLIT_* setting) itself.
run: $(RUN_STAMP)
	$(BIN)/paydesk prepare
	$(BIN)/streamlit run dashboard/server.py

test: $(TEST_STAMP)
	$(BIN)/lint-imports
	$(BIN)/python -m pytest

bench: $(TEST_STAMP)
	$(BIN)/python -m bench.run

clean-store:
	rm -f var/paydesk.db var/paydesk.db-wal var/paydesk.db-shm
