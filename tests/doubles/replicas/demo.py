"""The demo: the unchanged configs/ extracted from the replicas, built by dbt, summarised."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb

from extract import settings
from extract.dbt_launch import dbt_env, run_dbt
from hcmap.serve import DEFAULT_PORT
from replicas.server import ReplicaServer

REPO = Path(__file__).resolve().parents[3]


def run_step(title: str, command: list[str], env: dict, cwd: Path = REPO) -> int:
    print(f"\n== {title}: {' '.join(command)}", flush=True)
    return subprocess.run(command, env=env, cwd=cwd, check=False).returncode


def summary_lines(marts_file: Path) -> list[str]:
    with duckdb.connect(str(marts_file), read_only=True) as con:
        utilities, supported, ingested = con.execute(
            "select count(*), count(*) filter (where is_supported), "
            "count(*) filter (where record_count > 0) from marts.utilities").fetchone()
        kinds = con.execute(
            "select capacity_kind, count(distinct utility_code), sum(total_records), "
            "sum(total_feeders), sum(total_hosting_capacity_mw), "
            "sum(total_remaining_capacity_mw), sum(records_at_lower_bound) "
            "from marts.hosting_capacity_summaries group by all order by 1").fetchall()
        prices = con.execute(PRICES_BY_UTILITY).fetchall()
        compared = con.execute(UTILITIES_ON_ONE_DAY).fetchall()
    lines = [
        f"utilities:  {utilities} configured, {supported} supported, {ingested} with records",
        *(f"{kind + ':':<11} {utilities_of_kind} utilities, {records or 0:,} records on "
          f"{feeders or 0:,} feeders, {hosting_mw or 0:,.1f} MW hosting, "
          f"{remaining_mw or 0:,.1f} MW remaining, {floors or 0:,} at a censoring floor"
          for kind, utilities_of_kind, records, feeders, hosting_mw, remaining_mw, floors
          in kinds),
    ]
    if not prices:
        lines.append("prices:     none loaded")
    for utility, days, first, last, intervals, series, final in prices:
        lines.append(f"prices {utility}: {days} days {first}..{last}, {intervals:,} prices "
                     f"({final:,} Final) in {series} series")
    for utility, day, series, low, mean, high, hour in compared:
        lines.append(f"  {day} {utility}: {low:.4f}..{high:.4f} USD/kWh, mean {mean:.4f} over "
                     f"{series} hourly series, dearest hour {hour:02d}:00")
    return lines


PRICES_BY_UTILITY = """
    select utility, count(distinct interval_date_local), min(interval_date_local),
           max(interval_date_local), count(*),
           count(distinct (cca, rate_name, representative_circuit_id, interval_minutes)),
           count(*) filter (where price_status = 'Final')
    from marts.dynamic_prices group by utility order by utility"""
# The latest local day every utility has complete and Final, utility by utility: the same day
# as the README's hour-by-hour comparison of SCE and PG&E.
UTILITIES_ON_ONE_DAY = """
    with day as (
        select interval_date_local from marts.dynamic_price_daily_summaries
        where is_final and is_complete and interval_minutes = 60 and cca = ''
        group by interval_date_local
        having count(distinct utility) = (select count(distinct utility)
                                          from marts.dynamic_prices)
        order by interval_date_local desc limit 1)
    select utility, interval_date_local, count(*), min(min_price_usd_per_kwh),
           avg(mean_price_usd_per_kwh), max(max_price_usd_per_kwh), mode(max_price_hour_local)
    from marts.dynamic_price_daily_summaries join day using (interval_date_local)
    where interval_minutes = 60 and cca = ''
    group by all order by utility"""


def run_demo() -> int:
    started = time.monotonic()
    python = sys.executable
    with ReplicaServer() as server:
        env = {**os.environ, "HC_REPLICA_URL": server.url}
        print(f"replicas serving on {server.url}", flush=True)
        extract_status = run_step("extract", [python, "-m", "extract", "all"], env)
    build_env = {k: v for k, v in env.items() if k != "HC_REPLICA_URL"}
    print("\n== dbt build", flush=True)
    build_status = run_dbt("build", env=dbt_env(base=build_env), capture=False,
                           colors=True).returncode
    map_status = run_step("map", [python, "-m", "hcmap", "build"], build_env)
    print("\n== summary")
    marts_file = settings.warehouse_dir() / "marts.duckdb"
    if build_status:
        print("  dbt build failed (see above): the marts file is the previous build's")
    elif marts_file.exists():
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
