# Run from the repo root. `make demo` and `make test` are the two commands a user needs.
SHELL := /bin/bash
VENV := .venv
PY := $(CURDIR)/$(VENV)/bin/python
BIN := $(CURDIR)/$(VENV)/bin
STAMP := $(VENV)/.setup-done

export HC_CONFIG_DIR ?= $(CURDIR)/configs
export HC_WAREHOUSE_DIR ?= $(CURDIR)/warehouse
export DBT_PROFILES_DIR := $(CURDIR)/dbt_project
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export DO_NOT_TRACK := 1
export RUNTIME__DLTHUB_TELEMETRY := false
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: setup demo test extract build lint bench docs clean lock lake-maintain lake-shell

setup: $(STAMP)

$(STAMP): requirements.lock pyproject.toml scripts/install_extensions.py scripts/ensure_postgres.sh
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	$(PY) scripts/install_extensions.py
	scripts/ensure_postgres.sh
	touch $(STAMP)

demo: setup
	$(PY) -m replicas demo

extract: setup
	$(PY) -m extract all

build: setup
	cd dbt_project && $(BIN)/dbt build $(if $(ALLOW_SHRINK),--vars '{allow_shrink: true}')

test: setup
	$(PY) -m pytest
	$(MAKE) lint

lint: setup
	$(BIN)/ruff check extract replicas tests scripts
	cd dbt_project && $(BIN)/sqlfluff lint models tests

bench: setup
	$(PY) -m replicas.bench

lake-maintain: setup
	$(PY) -m extract lake-maintain

lake-shell: setup
	$(BIN)/duckdb -cmd "$$($(PY) -m extract lake-sql)"

docs: setup
	cd dbt_project && $(BIN)/dbt docs generate
	@echo "Docs written to dbt_project/target/. Open them with: cd dbt_project && $(BIN)/dbt docs serve"

clean:
	rm -rf warehouse/*.duckdb warehouse/*.wal warehouse/exports warehouse/.dlt dbt_project/target dbt_project/logs

lock:
	$(PY) -m pip freeze --exclude-editable > requirements.lock
