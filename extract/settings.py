"""Paths shared by the extractor, dbt and the replicas (read from the environment when asked,
never changed at import). dlt's own settings are in .dlt/config.toml; dbt's telemetry flag in
dbt_project/dbt_project.yml."""

import os
from pathlib import Path

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
