# Run from the repo root. `make demo` and `make test` are the two commands a user needs.
SHELL := /bin/bash
VENV := .venv
PY := $(CURDIR)/$(VENV)/bin/python
BIN := $(CURDIR)/$(VENV)/bin
STAMP := $(VENV)/.setup-done
NPM_STAMP := hcmap/node_modules/.package-lock.json

export HC_CONFIG_DIR ?= $(CURDIR)/configs
export HC_WAREHOUSE_DIR ?= $(CURDIR)/warehouse
export DBT_PROFILES_DIR := $(CURDIR)/dbt_project
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export DO_NOT_TRACK := 1
export RUNTIME__DLTHUB_TELEMETRY := false
export PYTHONDONTWRITEBYTECODE := 1
# The replicas (test doubles standing in for the utilities' servers) and the demo and bench
# runners beside them.
DOUBLES := $(CURDIR)/tests/doubles

.PHONY: setup map-tools postgres demo test test-unit extract build lint bench docs clean lock map \
	serve-map lake-maintain lake-shell

setup: $(STAMP) map-tools postgres $(NPM_STAMP)

$(STAMP): requirements.lock pyproject.toml scripts/install_extensions.py
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	$(PY) scripts/install_extensions.py
	touch $(STAMP)

# npm and Debian's Chromium for the map, installed when root, else the command is printed.
map-tools:
	@bash scripts/install_map_tools.sh

# Debian's PostgreSQL server for the lake tests, installed when root, else the command is printed.
postgres:
	@bash scripts/install_postgres.sh

# The map's browser libraries, pinned by hcmap/package-lock.json, vendored into the site.
$(NPM_STAMP): hcmap/package-lock.json | map-tools
	cd hcmap && npm ci --no-audit --no-fund --loglevel=error

demo: setup
	PYTHONPATH=$(DOUBLES) $(PY) -m replicas demo

extract: setup
	$(PY) -m extract all

build: setup
	cd dbt_project && $(BIN)/dbt build $(if $(ALLOW_SHRINK),--vars '{allow_shrink: true}')

test: setup
	$(PY) -m pytest
	$(MAKE) lint

# The unit tests only (tests/unit/: no server, no dbt, no warehouse), in seconds.
test-unit: setup
	$(PY) -m pytest -m unit -q

lint: setup
	$(BIN)/ruff check extract hcmap tests scripts
	# Against an empty warehouse, as on a fresh clone: what dbt compiles must not depend on local state.
	lint_dir=$$(mktemp -d) && cd dbt_project && HC_WAREHOUSE_DIR=$$lint_dir $(BIN)/sqlfluff lint models tests; \
	status=$$?; rm -rf $$lint_dir; exit $$status

map: setup
	$(PY) -m hcmap build

serve-map: setup
	$(PY) -m hcmap serve

bench: setup
	PYTHONPATH=$(DOUBLES) $(PY) -m replicas.bench

# HC_LAKE only: expire snapshots older than HC_LAKE_KEEP_DAYS (90), delete unused files.
lake-maintain: setup
	$(PY) -m extract lake-maintain

# HC_LAKE only: the DuckDB CLI on the lake, read-only, as extract and dbt see it.
lake-shell: setup
	$(BIN)/duckdb -cmd "$$($(PY) -m extract lake-sql)"

docs: setup
	cd dbt_project && $(BIN)/dbt docs generate
	@echo "Docs written to dbt_project/target/. Open them with: cd dbt_project && $(BIN)/dbt docs serve"

clean:
	rm -rf warehouse/*.duckdb warehouse/*.wal warehouse/exports warehouse/.dlt dbt_project/target dbt_project/logs

lock:
	$(PY) -m pip freeze --exclude-editable > requirements.lock
