"""PG&E's prices beside SCE's (issue 14's "done when"): a PG&E window across the fall-back day
arrives exactly, Preliminary then Final, with SCE's prices unchanged, on the replica built from
GridX's published descriptions; and the README's comparison query reads both.

One warehouse for the module:
1. SCE, 2026-10-30..11-01, all Final (as of 2026-11-03).
2. PG&E bundled and PG&E for the CCA PCE, 2026-10-30..11-02, as of 2026-10-31 17:00: 10-30 and
   10-31 Final, 11-01 posted (4:30 PM) but not finalized (6:30 PM), 11-02 a week-ahead
   forecast: both Preliminary. `dbt build`.
3. The same PG&E run as of 2026-11-01 19:00: only 11-01 and 11-02 are requested again, and come
   back Final, revised. `dbt build`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from gridx.helpers import (
    ROOT,
    local_time,
    pricing_requests,
    query,
    run_dbt_build,
    write_pricing_config,
)

from extract.__main__ import main
from replicas.gridx import GridXReplica
from replicas.server import ReplicaServer

FALL_BACK = date(2026, 11, 1)
# (cca, rate, circuit) of the PG&E series loaded: bundled EELEC and EV2AS, PCE's EELEC.
LOADED_SERIES = [("", "EELEC", "013532223"), ("", "EV2AS", "013532223"),
                 ("PCE", "EELEC", "013532223")]
RAW_SCE = """
    select p.*, list((c.component, c.price_type, c.interval_price) order by c._dlt_list_idx)
    from raw_gridx.prices p join raw_gridx.prices__components c on c._dlt_parent_id = p._dlt_id
    where p.utility = 'SCE' group by all order by p.rate_name, p.interval_start"""
MART_DAY = """
    select strftime(interval_start_local, '%H:%M'), interval_start_published,
           price_usd_per_kwh, price_status
    from marts.dynamic_prices
    where utility = ? and cca = ? and rate_name = ? and representative_circuit_id = ?
      and interval_minutes = 60 and interval_date_local = ?
    order by interval_start"""
MART_COMPONENTS = """
    select interval_start_published, list((component, price_type, c.price_usd_per_kwh)
                                          order by component)
    from marts.dynamic_price_components c join marts.dynamic_prices p using (
        utility, program, market, cca, rate_name, representative_circuit_id, interval_minutes,
        interval_start)
    where utility = ? and cca = ? and rate_name = ? and representative_circuit_id = ?
      and interval_date_local = ?
    group by interval_start, interval_start_published order by interval_start"""


@dataclass
class World:
    warehouse: Path
    replica: GridXReplica
    statuses: list[int]
    builds: list
    preliminary_marts: dict[tuple, list[tuple]]
    preliminary_expected: dict[tuple, list[dict]]
    rerun_requests: list[dict]
    sce_before: list[tuple]
    sce_after: list[tuple]


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> World:
    root = tmp_path_factory.mktemp("gridx_pge")
    warehouse, configs = root / "warehouse", root / "configs"
    with pytest.MonkeyPatch.context() as env:
        env.setenv("HC_WAREHOUSE_DIR", str(warehouse))
        env.setenv("HC_CONFIG_DIR", str(configs))
        env.setenv("HC_HTTP_BACKOFF_S", "0.01")
        write_pricing_config(configs, rate_names=["TOU-EV-9S"], representative_circuits=["System"])
        write_pricing_config(configs, "pge", rate_names=["EELEC"],
                             representative_circuits=["013532223"], cca="PCE",
                             ).rename(configs / "pricing" / "pge_pce.yaml")
        write_pricing_config(configs, "pge", rate_names=["EELEC", "EV2AS"],
                             representative_circuits=["013532223"])
        replica = GridXReplica(revise_final_prices=True)
        with ReplicaServer(apps=[replica]) as server:
            env.setenv("HC_REPLICA_URL", server.url)
            pge_window = ["pricing", "--utility", "PGE", "--start", "2026-10-30", "--end",
                          "2026-11-02"]
            replica.now = local_time(2026, 11, 3, 12)
            statuses = [main(["pricing", "--utility", "SCE", "--start", "2026-10-30", "--end",
                              "2026-11-01"])]
            sce_before = query(warehouse, RAW_SCE)
            replica.now = local_time(2026, 10, 31, 17)
            statuses.append(main(pge_window))
            preliminary_expected = {
                (cca, rate, circuit): replica.day_details("PGE", rate, circuit, FALL_BACK, cca)
                for cca, rate, circuit in LOADED_SERIES}
            builds = [run_dbt_build(warehouse, root)]
            preliminary_marts = {
                key: query(warehouse, MART_DAY, ["PGE", key[0], key[1], key[2], FALL_BACK])
                for key in preliminary_expected}
            replica.now = local_time(2026, 11, 1, 19)
            before_rerun = len(server.requests())
            statuses.append(main(pge_window))
            rerun_requests = [r["params"] for r in server.requests()[before_rerun:]]
            assert len(rerun_requests) == len(pricing_requests(server)) - before_rerun
        builds.append(run_dbt_build(warehouse, root))
        sce_after = query(warehouse, RAW_SCE)
    return World(warehouse, replica, statuses, builds, preliminary_marts, preliminary_expected,
                 rerun_requests, sce_before, sce_after)


def expected_rows(details: list[dict]) -> list[tuple]:
    return [(d["startIntervalTimeStamp"][11:16], d["startIntervalTimeStamp"],
             Decimal(d["intervalPrice"]), d["priceStatus"]) for d in details]


def test_every_run_and_both_builds_succeed(world):
    assert world.statuses == [0, 0, 0]
    for build in world.builds:
        assert build.returncode == 0, build.stdout[-4000:]
        assert "ERROR=0" in build.stdout and "SKIP=0" in build.stdout


@pytest.mark.parametrize(("cca", "rate", "circuit"), LOADED_SERIES)
def test_the_fall_back_day_is_first_preliminary_exactly_as_posted(world, cca, rate, circuit):
    rows = world.preliminary_marts[(cca, rate, circuit)]
    assert rows == expected_rows(world.preliminary_expected[(cca, rate, circuit)])
    assert len(rows) == 25 and {r[3] for r in rows} == {"Preliminary"}
    assert [r[0] for r in rows[:4]] == ["00:00", "01:00", "01:00", "02:00"]
    assert [r[1][-5:] for r in rows[1:3]] == ["-0700", "-0800"]


@pytest.mark.parametrize("cca", ["", "PCE"])
def test_then_final_exactly_with_every_decimal_and_component(world, cca):
    rate, circuit = "EELEC", "013532223"
    final = world.replica.day_details("PGE", rate, circuit, FALL_BACK, cca)
    rows = query(world.warehouse, MART_DAY, ["PGE", cca, rate, circuit, FALL_BACK])
    assert rows == expected_rows(final)
    assert {r[3] for r in rows} == {"Final"} and len(rows) == 25
    preliminary = world.preliminary_marts[(cca, rate, circuit)]
    assert all(p[2] - f[2] == Decimal("0.0025") for p, f in zip(preliminary, rows, strict=True))
    components = query(world.warehouse, MART_COMPONENTS, ["PGE", cca, rate, circuit, FALL_BACK])
    assert components == [
        (d["startIntervalTimeStamp"], sorted(
            (c["component"], c["priceType"], Decimal(c["intervalPrice"]))
            for c in d["priceComponents"])) for d in final]
    assert all([name for name, *_ in parts] == ["cld", "mec", "mgcc"] for _, parts in components)


def test_the_rerun_asks_only_for_the_days_not_yet_final(world):
    windows = {(p["ratename"], p.get("cca", ""), p["startdate"], p["enddate"])
               for p in world.rerun_requests}
    assert windows == {("EELEC", "", "20261101", "20261102"), ("EV2AS", "", "20261101", "20261102"),
                       ("EELEC", "PCE", "20261101", "20261102")}
    assert {p["representativeCircuitId"] for p in world.rerun_requests} == {"013532223"}


def test_each_pge_day_is_complete_and_final_once_in_the_summaries(world):
    rows = query(world.warehouse, """
        select cca, rate_name, strftime(interval_date_local, '%m-%d'), interval_count,
               expected_interval_count, is_complete, is_final
        from marts.dynamic_price_daily_summaries where utility = 'PGE' order by all""")
    days = {"10-30": 24, "10-31": 24, "11-01": 25, "11-02": 24}
    assert rows == [(cca, rate, day, n, n, True, True) for cca, rate in (
        ("", "EELEC"), ("", "EV2AS"), ("PCE", "EELEC")) for day, n in days.items()]


def test_a_cca_is_its_own_series_beside_bundled_service(world):
    bundled = query(world.warehouse, MART_DAY, ["PGE", "", "EELEC", "013532223", FALL_BACK])
    pce = query(world.warehouse, MART_DAY, ["PGE", "PCE", "EELEC", "013532223", FALL_BACK])
    assert [r[:2] for r in bundled] == [r[:2] for r in pce]
    assert [r[2] for r in bundled] != [r[2] for r in pce]


def test_sce_is_unchanged_by_the_pge_loads(world):
    assert world.sce_after == world.sce_before
    assert len(world.sce_before) == 24 + 24 + 25
    sce = GridXReplica(now=local_time(2026, 11, 3, 12))
    rows = query(world.warehouse, MART_DAY, ["SCE", "", "TOU-EV-9S", "System", FALL_BACK])
    assert rows == expected_rows(sce.day_details("SCE", "TOU-EV-9S", "System", FALL_BACK))
    components = query(world.warehouse, MART_COMPONENTS,
                       ["SCE", "", "TOU-EV-9S", "System", FALL_BACK])
    assert {tuple(name for name, *_ in parts) for _, parts in components} == {(
        "abank", "bbank", "circuitpricecurve", "mec", "nbc", "ppf", "ramp",
        "transmissionpricecurve")}


def readme_comparison_query() -> str:
    blocks = re.findall(r"```sql\n(.*?)```", (ROOT / "README.md").read_text(), re.S)
    (block,) = [b for b in blocks if "'SCE'" in b and "'PGE'" in b]
    return block


def test_the_readme_query_compares_both_utilities_hour_by_hour_on_the_fall_back_day(world):
    with duckdb.connect(str(world.warehouse / "hosting_capacity.duckdb"), read_only=True) as con:
        con.execute("set TimeZone = 'America/Los_Angeles'")
        rows = con.execute(readme_comparison_query()).fetchall()
    sce = query(world.warehouse, MART_DAY, ["SCE", "", "TOU-EV-9S", "System", FALL_BACK])
    pge = query(world.warehouse, MART_DAY, ["PGE", "", "EELEC", "013532223", FALL_BACK])
    assert len(rows) == 25  # the latest day both have Final: the fall-back day
    assert [r[0].strftime("%H:%M") for r in rows] == [r[0] for r in sce]
    assert [(r[1], r[2], r[3]) for r in rows] == [
        (s[2], p[2], p[2] - s[2]) for s, p in zip(sce, pge, strict=True)]


def test_the_demo_summary_shows_both_utilities_prices_and_compares_them_on_one_day(world):
    from replicas.demo import PRICES_BY_UTILITY, UTILITIES_ON_ONE_DAY

    with duckdb.connect(str(world.warehouse / "hosting_capacity.duckdb"), read_only=True) as con:
        prices = con.execute(PRICES_BY_UTILITY).fetchall()
        compared = con.execute(UTILITIES_ON_ONE_DAY).fetchall()
    assert [row[:2] for row in prices] == [("PGE", 4), ("SCE", 3)]
    assert [row[4:] for row in prices] == [(3 * 97, 3, 3 * 97), (73, 1, 73)]
    assert [(utility, day, series) for utility, day, series, *_ in compared] == [
        ("PGE", FALL_BACK, 2), ("SCE", FALL_BACK, 1)]
    sce = query(world.warehouse, MART_DAY, ["SCE", "", "TOU-EV-9S", "System", FALL_BACK])
    assert compared[1][3] == min(r[2] for r in sce) and compared[1][5] == max(r[2] for r in sce)
