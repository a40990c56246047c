"""The demo: the unchanged configs/ extracted from the replicas, built by dbt, summarised."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb

from extract import settings
from hcmap.serve import DEFAULT_PORT
from replicas.server import ReplicaServer

REPO = Path(__file__).resolve().parents[1]


def run_step(title: str, command: list[str], env: dict, cwd: Path = REPO) -> int:
    print(f"\n== {title}: {' '.join(command)}", flush=True)
    return subprocess.run(command, env=env, cwd=cwd, check=False).returncode


def summary_lines(marts_file: Path) -> list[str]:
    with duckdb.connect(str(marts_file), read_only=True) as con:
        utilities, supported, ingested = con.execute(
            "select count(*), count(*) filter (where is_supported), "
            "count(*) filter (where record_count > 0) from marts.utilities").fetchone()
        records, feeders, hosting_mw, remaining_mw = con.execute(
            "select sum(total_records), sum(total_feeders), sum(total_hosting_capacity_mw), "
            "sum(total_remaining_capacity_mw) from marts.hosting_capacity_summaries").fetchone()
        price_days, intervals, series = con.execute(
            "select count(distinct cast(interval_start_local as date)), count(*), "
            "count(distinct (rate_name, representative_circuit_id)) "
            "from marts.dynamic_prices").fetchone()
    return [
        f"utilities:  {utilities} configured, {supported} supported, {ingested} with records",
        f"records:    {records or 0:,} segments on {feeders or 0:,} feeders",
        f"capacity:   {hosting_mw or 0:,.1f} MW hosting, {remaining_mw or 0:,.1f} MW remaining",
        f"prices:     {price_days} price days, {intervals:,} hourly prices, "
        f"{series} rate x circuit series",
    ]


def run_demo() -> int:
    started = time.monotonic()
    python = sys.executable
    dbt = str(Path(python).with_name("dbt"))
    with ReplicaServer() as server:
        env = {**os.environ, "HC_REPLICA_URL": server.url}
        print(f"replicas serving on {server.url}", flush=True)
        extract_status = run_step("extract", [python, "-m", "extract", "all"], env)
    build_env = {k: v for k, v in env.items() if k != "HC_REPLICA_URL"}
    build_status = run_step("dbt build", [dbt, "build"], build_env, cwd=REPO / "dbt_project")
    map_status = run_step("map", [python, "-m", "hcmap", "build"], build_env)
    print("\n== summary")
    marts_file = settings.warehouse_dir() / "marts.duckdb"
    if marts_file.exists():
        for line in summary_lines(marts_file):
            print(f"  {line}")
    print(f"  seconds:    {time.monotonic() - started:.1f}")
    print(f"  warehouse:  {settings.warehouse_path()}\n  marts file: {marts_file}")
    if map_status == 0:
        print(f"  map:        {settings.warehouse_dir() / 'map'} (make serve-map, then open "
              f"http://127.0.0.1:{DEFAULT_PORT}/)")
    if extract_status or build_status or map_status:
        print(f"demo finished with failures (extract exit {extract_status}, "
              f"dbt build exit {build_status}, map exit {map_status})", file=sys.stderr)
        return 1
    return 0
