"""`python -m extract pricing` against the replica, into a throw-away warehouse (raw_gridx)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from gridx.helpers import (
    ROOT,
    local_time,
    pricing_requests,
    query,
    requested_days,
    reset_replica,
    write_pricing_config,
)

from extract.__main__ import main
from extract.gridx.cli import run_pricing_defaults
from replicas.gridx import ZONE, GridXReplica
from replicas.server import ReplicaServer

RATES = ["TOU-EV-9S", "TOU-GS-1"]
CIRCUITS = ["System", "Eagle Rock"]
NOW = local_time(2026, 11, 20, 12)


@pytest.fixture(scope="module")
def running_server():
    with ReplicaServer(apps=[GridXReplica(now=NOW)]) as server:
        yield server


@pytest.fixture
def warehouse(tmp_path, monkeypatch):
    monkeypatch.setenv("HC_WAREHOUSE_DIR", str(tmp_path / "warehouse"))
    monkeypatch.setenv("HC_CONFIG_DIR", str(tmp_path / "configs"))
    monkeypatch.setenv("HC_HTTP_BACKOFF_S", "0.01")
    monkeypatch.setenv("HC_HTTP_ATTEMPTS", "3")
    write_pricing_config(tmp_path / "configs", rate_names=RATES,
                         representative_circuits=CIRCUITS)
    return tmp_path / "warehouse"


@pytest.fixture
def replica(running_server, monkeypatch):
    def configure(**options):
        reset_replica(running_server, monkeypatch, **{"now": NOW, **options})
        return running_server
    return configure


def pricing(*args: str) -> int:
    return main(["pricing", *args])


def raw_counts(warehouse) -> tuple[int, int]:
    (prices,), = query(warehouse, "select count(*) from raw_gridx.prices")
    (components,), = query(warehouse, "select count(*) from raw_gridx.prices__components")
    return prices, components


def test_a_45_day_run_is_fetched_in_14_day_windows_and_every_price_is_exact(
        warehouse, replica, capsys):
    server = replica()
    assert pricing("--start", "2026-09-01", "--end", "2026-10-15") == 0
    requests = pricing_requests(server)
    assert len(requests) == len(RATES) * len(CIRCUITS) * 4
    assert sorted(requested_days(p) for p in requests) == [3] * 4 + [14] * 12
    assert {p["representativeCircuitId"] for p in requests} == set(CIRCUITS)
    assert raw_counts(warehouse)[0] == 45 * 24 * 4
    out = capsys.readouterr().out
    assert "16 windows fetched (0 empty), 0 skipped (already Final), 0 failed; 4,320 " \
           "intervals written" in out
    loaded = query(warehouse, """
        select start_interval_timestamp, interval_price, price_status
        from raw_gridx.prices
        where rate_name = 'TOU-GS-1' and representative_circuit_id = 'Eagle Rock'
          and start_interval_timestamp like '2026-09-30%'
        order by interval_start""")
    expected = server.replica.day_details("SCE", "TOU-GS-1", "Eagle Rock", date(2026, 9, 30))
    assert loaded == [(d["startIntervalTimeStamp"], Decimal(d["intervalPrice"]), "Final")
                      for d in expected]
    (types,), = query(warehouse, """
        select string_agg(data_type, ',' order by table_name) from information_schema.columns
        where table_schema = 'raw_gridx' and column_name = 'interval_price'""")
    assert types == "DECIMAL(12,6),DECIMAL(12,6)"


def test_a_rerun_fetches_only_days_not_yet_final(warehouse, replica):
    server = replica(now=local_time(2026, 10, 14, 19))  # 10-15 is out, as Preliminary
    assert pricing("--start", "2026-10-01", "--end", "2026-10-15") == 0
    assert len(pricing_requests(server)) == 4 * 2
    server = replica(now=local_time(2026, 10, 14, 19))
    assert pricing("--start", "2026-10-01", "--end", "2026-10-15") == 0
    assert {(p["startdate"], p["enddate"]) for p in pricing_requests(server)} == {
        ("20261015", "20261015")}
    assert len(pricing_requests(server)) == 4
    server = replica(now=local_time(2026, 10, 15, 19))  # 10-15 Final, 10-16 Preliminary
    assert pricing("--start", "2026-10-01", "--end", "2026-10-16") == 0
    assert {(p["startdate"], p["enddate"]) for p in pricing_requests(server)} == {
        ("20261015", "20261016")}
    assert raw_counts(warehouse)[0] == 16 * 24 * 4
    server = replica(now=local_time(2026, 10, 15, 19))
    assert pricing("--start", "2026-10-01", "--end", "2026-10-16", "--force") == 0
    assert len(pricing_requests(server)) == 4 * 2
    assert raw_counts(warehouse)[0] == 16 * 24 * 4


def test_a_revised_price_replaces_the_preliminary_one_with_its_components(warehouse, replica):
    replica(now=local_time(2026, 10, 14, 19), revise_final_prices=True)
    assert pricing("--start", "2026-10-15", "--end", "2026-10-15") == 0
    before = query(warehouse, "select interval_start, interval_price, price_status "
                              "from raw_gridx.prices order by all")
    counts = raw_counts(warehouse)
    server = replica(now=local_time(2026, 10, 15, 19), revise_final_prices=True)
    assert pricing("--start", "2026-10-15", "--end", "2026-10-15") == 0
    after = query(warehouse, "select interval_start, interval_price, price_status "
                             "from raw_gridx.prices order by all")
    assert raw_counts(warehouse) == counts  # replaced, never duplicated
    assert {status for *_, status in before} == {"Preliminary"}
    assert {status for *_, status in after} == {"Final"}
    assert all(old[1] - new[1] == Decimal("0.0025") for old, new in zip(before, after,
                                                                         strict=True))
    expected = server.replica.day_details("SCE", "TOU-EV-9S", "System", date(2026, 10, 15))
    sums = query(warehouse, """
        select p.interval_price, sum(c.interval_price)
        from raw_gridx.prices p join raw_gridx.prices__components c on c._dlt_parent_id = p._dlt_id
        where p.rate_name = 'TOU-EV-9S' and p.representative_circuit_id = 'System'
        group by p._dlt_id, p.interval_price, p.interval_start order by p.interval_start""")
    assert [s[0] for s in sums] == [Decimal(d["intervalPrice"]) for d in expected]
    assert all(price == total for price, total in sums)


def test_a_failed_window_fails_the_run_while_the_others_load(warehouse, replica, capsys):
    replica()
    status = pricing("--start", "2026-10-01", "--end", "2026-10-02", "--circuit", "System",
                     "--circuit", "Atlantis")
    assert status == 1
    err = capsys.readouterr().err
    assert ("rate TOU-EV-9S circuit 'Atlantis' 2026-10-01..2026-10-02: GridX 204: The "
            "specified circuit ID is invalid") in err
    assert raw_counts(warehouse)[0] == 2 * 2 * 24  # both rates for System


def test_a_transient_503_is_retried_and_the_run_succeeds(warehouse, replica):
    server = replica()
    server.add_fault("status", path_contains="getPricing", status=503, times=2,
                     params={"representativeCircuitId": "Eagle Rock"})
    assert pricing("--start", "2026-10-01", "--end", "2026-10-03") == 0
    assert len(pricing_requests(server)) == 4 + 2
    assert raw_counts(warehouse)[0] == 3 * 24 * 4


def test_days_not_published_yet_are_empty_windows_in_either_204_reading(warehouse, replica):
    today = datetime.now(ZONE).date()
    start, end = today + timedelta(days=3), today + timedelta(days=6)
    for reading in ("meta", "http"):
        replica(now=None, no_content=reading)  # real time: the extractor judges by it too
        assert pricing("--start", start.isoformat(), "--end", end.isoformat(), "--rate",
                       "TOU-EV-9S", "--circuit", "System") == 0
    database = warehouse / "hosting_capacity.duckdb"
    tables = query(warehouse, "select table_name from information_schema.tables "
                              "where table_schema = 'raw_gridx'") if database.exists() else []
    assert ("prices",) not in tables  # nothing to load: no table, no rows


def test_one_entry_for_a_whole_window_loads_the_same_intervals(warehouse, replica):
    replica(one_entry_per_request=True)
    assert pricing("--start", "2026-10-30", "--end", "2026-11-02") == 0
    assert raw_counts(warehouse)[0] == (24 * 3 + 25) * 4


def test_start_before_history_start_is_refused(warehouse, replica, capsys):
    replica()
    assert pricing("--start", "2025-01-01", "--end", "2025-01-02") == 2
    assert "before history_start 2025-07-01" in capsys.readouterr().err


def test_the_default_run_loads_sce_and_pge_for_the_demo_in_seconds(tmp_path, monkeypatch,
                                                                    replica, capsys):
    monkeypatch.setenv("HC_WAREHOUSE_DIR", str(tmp_path / "warehouse"))
    monkeypatch.setenv("HC_CONFIG_DIR", str(ROOT / "configs"))
    server = replica(now=None)  # real time, like `make demo`
    assert run_pricing_defaults() == 0
    loaded = query(tmp_path / "warehouse", """
        select utility, count(distinct (rate_name, representative_circuit_id,
                                        left(start_interval_timestamp, 10))),
               count(distinct rate_name), count(distinct representative_circuit_id)
        from raw_gridx.prices group by utility order by utility""")
    assert [row[0] for row in loaded] == ["PGE", "SCE"]
    for _, price_days, rates, circuits in loaded:
        assert rates >= 2 and circuits >= 2 and price_days >= rates * circuits * 30
    series = sum(rates * circuits for _, _, rates, circuits in loaded)
    first = len(pricing_requests(server))
    assert run_pricing_defaults() == 0
    assert len(pricing_requests(server)) - first <= series  # only not-Final days
    out = capsys.readouterr().out
    assert "pricing sce (SCE CalFUSE DAM)" in out and "pricing pge (PGE CalFUSE DAM)" in out
    hosts = {r["host"] for r in server.requests()}
    assert hosts == {"pe-api.gridx.com", "pge-pe-api.gridx.com"}


def test_a_prices_table_from_before_the_cca_joined_the_key_is_upgraded_not_duplicated(
        warehouse, replica):
    import duckdb

    replica()
    assert pricing("--start", "2026-10-01", "--end", "2026-10-01") == 0
    with duckdb.connect(str(warehouse / "hosting_capacity.duckdb")) as con:
        con.execute("alter table raw_gridx.prices drop column cca")  # as written before
    server = replica()
    assert pricing("--start", "2026-10-01", "--end", "2026-10-02") == 0
    assert {(p["startdate"], p["enddate"]) for p in pricing_requests(server)} == {
        ("20261002", "20261002")}  # 10-01 is still known to be Final
    assert pricing("--start", "2026-10-01", "--end", "2026-10-01", "--force") == 0
    assert raw_counts(warehouse)[0] == 2 * 24 * 4
    assert query(warehouse, "select distinct cca from raw_gridx.prices") == [("",)]
