"""A warehouse built from the protocol replicas: five utilities extracted and run through
`dbt build`, one of them stale. Built once per test session (the `replica_warehouse` fixture
in conftest) and only read by the tests that use it."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from extract.arcgis.config import load_config_file
from extract.dbt_launch import dbt_env, run_dbt
from replicas.arcgis import ArcGISReplica, protocol_catalog
from replicas.arcgis.catalog import PHI_URL
from replicas.server import ReplicaServer

REPO = Path(__file__).resolve().parents[1]
PROTOCOL_CONFIGS = REPO / "tests" / "doubles" / "protocol_configs"
UTILITIES = ("pge", "sce", "pepco", "dpl", "ace")
STALE_UTILITY = "dpl"
BIN = Path(sys.executable).parent


def run_dbt_build(config_dir: Path, warehouse_dir: Path) -> subprocess.CompletedProcess:
    # Row groups of 2,048 records: 13,000 records then make enough groups to show pruning.
    return run_dbt("build", "--vars", "{geoparquet_row_group_rows: 2048}",
                   env=dbt_env(config_dir, warehouse_dir), timeout=900)


def build_replica_warehouse(root: Path) -> tuple[Path, Path]:
    """(config_dir, warehouse_dir) under `root`, extracted from the replicas and built."""
    config_dir, warehouse_dir = root / "configs", root / "warehouse"
    (config_dir / "utilities").mkdir(parents=True)
    for code in UTILITIES:
        source = PROTOCOL_CONFIGS / "utilities" / f"{code}.yaml"
        (config_dir / "utilities" / source.name).write_text(source.read_text())
    arcgis = ArcGISReplica(protocol_catalog())
    recently = datetime.now(UTC) - timedelta(days=10)
    for code in UTILITIES:
        config, _ = load_config_file(config_dir / "utilities" / f"{code}.yaml")
        arcgis.layer(config.layers[0].service_url, config.layers[0].layer_index).touch(recently)
    arcgis.layer(PHI_URL, 2).touch(at=datetime(2025, 1, 15, tzinfo=UTC))  # DPL: stale data
    env = {"HC_CONFIG_DIR": str(config_dir), "HC_WAREHOUSE_DIR": str(warehouse_dir)}
    with ReplicaServer(apps=[arcgis]) as server, pytest.MonkeyPatch.context() as patch:
        for key, value in {**env, "HC_REPLICA_URL": server.url}.items():
            patch.setenv(key, value)
        from extract.__main__ import main

        assert main(["hosting-capacity", "--utility", "all"]) == 0
    result = run_dbt_build(config_dir, warehouse_dir)
    assert result.returncode == 0, result.stdout[-4000:]
    return config_dir, warehouse_dir
