"""Paths and switches shared by the extractor, dbt and the replicas (read from the environment)."""

import os
from pathlib import Path

# dlt and dbt both phone home unless told not to.
os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")
os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
# Bounded dlt files: memory stays flat however large a layer is (pages stream to disk, and
# each load file stays small enough for DuckDB to read without holding a layer).
os.environ.setdefault("DATA_WRITER__BUFFER_MAX_ITEMS", "5000")
os.environ.setdefault("DATA_WRITER__FILE_MAX_ITEMS", "50000")
os.environ.setdefault("LOAD__WORKERS", "1")
# Loaded files are in the warehouse: keeping dlt's copies would grow the disk by a whole
# layer each run.
os.environ.setdefault("LOAD__DELETE_COMPLETED_JOBS", "true")
# Arrow's default allocator keeps freed memory; the system one gives it back between steps.
os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")


# Defaults are the repo's own folders, wherever the command runs from: `dbt build` runs in
# dbt_project/, and a configs path relative to it would find no configs at all.
REPO = Path(__file__).resolve().parents[1]


def config_dir() -> Path:
    return Path(os.environ.get("HC_CONFIG_DIR") or REPO / "configs").resolve()


def warehouse_dir() -> Path:
    path = Path(os.environ.get("HC_WAREHOUSE_DIR") or REPO / "warehouse").resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def warehouse_path() -> Path:
    return warehouse_dir() / "hosting_capacity.duckdb"


def replica_url() -> str | None:
    """When set (e.g. http://127.0.0.1:8765), every https://host/path is fetched from
    <replica>/host/path instead: configs stay the live URLs, the demo and tests stay offline."""
    value = os.environ.get("HC_REPLICA_URL", "").strip()
    return value.rstrip("/") or None
