"""Shared set-up for the GridX tests: a replica, a throw-away warehouse and configs, dbt."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import yaml

from extract.configfile import parse_yaml
from extract.dbt_launch import dbt_env, run_dbt
from replicas.gridx import ZONE, GridXReplica
from replicas.server import ReplicaServer

ROOT = Path(__file__).resolve().parents[2]
DBT_DIR = ROOT / "dbt_project"
SHIPPED_CONFIG = ROOT / "configs" / "pricing" / "sce.yaml"
SHIPPED_PGE_CONFIG = ROOT / "configs" / "pricing" / "pge.yaml"
PUBLISHED = parse_yaml((Path(__file__).with_name("gridx_published.yaml")).read_text())
GRIDX_MODELS = "+dynamic_price_daily_summaries +dynamic_price_components"


def local_time(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A moment given as America/Los_Angeles wall time, for the replica's and extractor's now."""
    return datetime(year, month, day, hour, minute, tzinfo=ZONE).astimezone(UTC)


def write_pricing_config(config_dir: Path, name: str = "sce", **overrides: object) -> Path:
    """configs/pricing/<name>.yaml in `config_dir`: the shipped config with `overrides`."""
    data = parse_yaml((ROOT / "configs" / "pricing" / f"{name}.yaml").read_text())
    data.update(overrides)
    for key in [k for k, v in data.items() if v is None]:
        del data[key]
    path = config_dir / "pricing" / f"{name}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def reset_replica(server: ReplicaServer, monkeypatch, **options: object) -> GridXReplica:
    """A fresh replica (with `options`) on an already running server, no faults, no requests:
    one server per test module, because stopping a server takes half a second."""
    replica = GridXReplica(**options)
    with server.state.lock:
        server.state.apps[:] = [replica]
        server.state.faults.clear()
        server.state.requests.clear()
    server.replica = replica
    monkeypatch.setenv("HC_REPLICA_URL", server.url)
    return replica


def pricing_requests(server: ReplicaServer) -> list[dict]:
    return [r["params"] for r in server.requests() if r["path"].endswith("/v1/getPricing")]


def requested_days(params: dict) -> int:
    start = datetime.strptime(params["startdate"], "%Y%m%d").date()
    end = datetime.strptime(params["enddate"], "%Y%m%d").date()
    return (end - start).days + 1


def query(warehouse_dir: Path, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(warehouse_dir / "hosting_capacity.duckdb"), read_only=True) as con:
        con.execute("set TimeZone = 'UTC'")
        return con.execute(sql, params or []).fetchall()


def run_dbt_build(warehouse_dir: Path, work_dir: Path) -> subprocess.CompletedProcess:
    """`dbt build` of the GridX models and their tests only, into `warehouse_dir`."""
    warehouse_dir.mkdir(parents=True, exist_ok=True)
    return run_dbt("build", "--select", *GRIDX_MODELS.split(),
                   "--target-path", str(work_dir / "target"), "--log-path", str(work_dir / "logs"),
                   env=dbt_env(warehouse_dir=warehouse_dir), timeout=300)
