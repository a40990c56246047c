"""Shared test set-up: fast retries, and an extract environment on a live replica."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
import yaml

from extract.arcgis.runs import latest_successful_runs
from extract.configfile import parse_yaml
from replicas.arcgis import ArcGISReplica, protocol_catalog
from replicas.server import ReplicaServer

REPO = Path(__file__).resolve().parents[1]
# The replicas are test doubles under tests/doubles; child processes import them too.
DOUBLES = REPO / "tests" / "doubles"
# Configs of the synthetic protocol services the extractor's mechanics are tested on.
PROTOCOL_CONFIGS = DOUBLES / "protocol_configs"
os.environ["PYTHONPATH"] = os.pathsep.join(
    p for p in (str(DOUBLES), os.environ.get("PYTHONPATH", "")) if p)


UNIT_TESTS = REPO / "tests" / "unit"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test is `unit` (under tests/unit/) or `integration` (anywhere else), so a test
    file added anywhere gets its marker without an edit; an explicit marker wins."""
    for item in items:
        if item.get_closest_marker("unit") or item.get_closest_marker("integration"):
            continue
        is_unit = Path(item.path).resolve().is_relative_to(UNIT_TESTS)
        item.add_marker(pytest.mark.unit if is_unit else pytest.mark.integration)


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch):
    """Real backoff would make failure-mode tests slow; the behaviour is the same."""
    monkeypatch.setenv("HC_HTTP_BACKOFF_S", "0.01")
    monkeypatch.setenv("HC_HTTP_ATTEMPTS", "4")


@dataclass
class ExtractWorld:
    """A replica, a configs folder and a warehouse folder, all private to one test."""

    arcgis: ArcGISReplica
    server: ReplicaServer
    config_dir: Path
    warehouse_dir: Path

    def use_config(self, code: str, **changes: object) -> dict:
        """Copy the protocol config <code>.yaml into this world, with top-level changes."""
        data = parse_yaml((PROTOCOL_CONFIGS / "utilities" / f"{code}.yaml").read_text())
        data.update(changes)
        self.write_config(code, data)
        return data

    def use_utility_config(self, code: str) -> dict:
        """Copy the shipped configs/utilities/<code>.yaml (built from evidence) unchanged."""
        data = parse_yaml((REPO / "configs" / "utilities" / f"{code}.yaml").read_text())
        self.write_config(code, data)
        return data

    def write_config(self, code: str, data: dict) -> None:
        path = self.config_dir / "utilities" / f"{code}.yaml"
        path.write_text(yaml.safe_dump(data, sort_keys=False))

    def extract(self, *args: str) -> int:
        from extract.__main__ import main

        return main(["hosting-capacity", *args])

    def query(self, sql: str, *params: object) -> list[tuple]:
        with duckdb.connect(str(self.warehouse_dir / "hosting_capacity.duckdb"),
                            read_only=True) as con:
            return con.execute(sql, list(params)).fetchall()

    def current_rows(self, code: str) -> list[tuple]:
        """(source_layer, object id, run id) of the rows dbt would read for the utility."""
        latest = latest_successful_runs(self.warehouse_dir / "hosting_capacity.duckdb")
        if code not in latest:
            return []
        return self.query("""
            select source_layer, source_object_id, ingestion_run_id from raw_arcgis.features
            where ingestion_run_id = ?""", latest[code].run_id)

    def runs(self, code: str) -> list[tuple]:
        return self.query("""select status, records_written, error_message, source_url
                             from raw_arcgis.ingestion_runs where utility_code = ?
                             order by started_at""", code)


@pytest.fixture
def world(tmp_path, monkeypatch) -> Iterator[ExtractWorld]:
    config_dir = tmp_path / "configs"
    (config_dir / "utilities").mkdir(parents=True)
    warehouse_dir = tmp_path / "warehouse"
    arcgis = ArcGISReplica(protocol_catalog())
    with ReplicaServer(apps=[arcgis]) as server:
        monkeypatch.setenv("HC_REPLICA_URL", server.url)
        monkeypatch.setenv("HC_CONFIG_DIR", str(config_dir))
        monkeypatch.setenv("HC_WAREHOUSE_DIR", str(warehouse_dir))
        yield ExtractWorld(arcgis, server, config_dir, warehouse_dir)


@pytest.fixture
def evidence_world(tmp_path, monkeypatch) -> Iterator[ExtractWorld]:
    """Like `world`, on the utilities' replicas built from recorded evidence."""
    config_dir = tmp_path / "configs"
    (config_dir / "utilities").mkdir(parents=True)
    warehouse_dir = tmp_path / "warehouse"
    arcgis = ArcGISReplica()
    with ReplicaServer(apps=[arcgis]) as server:
        monkeypatch.setenv("HC_REPLICA_URL", server.url)
        monkeypatch.setenv("HC_CONFIG_DIR", str(config_dir))
        monkeypatch.setenv("HC_WAREHOUSE_DIR", str(warehouse_dir))
        yield ExtractWorld(arcgis, server, config_dir, warehouse_dir)


@pytest.fixture(scope="session")
def replica_warehouse(tmp_path_factory) -> tuple[Path, Path]:
    """(config_dir, warehouse_dir) of five replica utilities extracted and built by dbt, shared
    by the test session: read it, never change it."""
    from replica_warehouse import build_replica_warehouse

    return build_replica_warehouse(tmp_path_factory.mktemp("replica-warehouse"))
