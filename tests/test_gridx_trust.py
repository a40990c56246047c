"""GridX answers are checked before anything is stored (issue 12, probe 9), against a real
replica server answering hostile variations of the published answer."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from gridx.helpers import local_time, query, reset_replica, write_pricing_config

from extract.__main__ import main
from replicas.gridx import GridXReplica
from replicas.server import ReplicaServer

NOW = local_time(2026, 11, 20, 12)


@pytest.fixture(scope="module")
def running_server():
    with ReplicaServer(apps=[GridXReplica(now=NOW)]) as server:
        yield server


@pytest.fixture
def warehouse(tmp_path, monkeypatch):
    monkeypatch.setenv("HC_WAREHOUSE_DIR", str(tmp_path / "warehouse"))
    monkeypatch.setenv("HC_CONFIG_DIR", str(tmp_path / "configs"))
    write_pricing_config(tmp_path / "configs", rate_names=["TOU-EV-9S"],
                         representative_circuits=["System"])
    write_pricing_config(tmp_path / "configs", "pge", rate_names=["B19S"],
                         representative_circuits=["013532223"])
    return tmp_path / "warehouse"


@pytest.fixture
def replica(running_server, monkeypatch):
    def configure(**options):
        reset_replica(running_server, monkeypatch, now=NOW,
                      quarter_hour_rates=frozenset({("PGE", "B19S")}), **options)
        return running_server
    return configure


def pricing(*args: str) -> int:
    return main(["pricing", *args])


def stored(warehouse) -> dict[tuple[str, str], int]:
    """Intervals stored per (utility, local day)."""
    if not (warehouse / "hosting_capacity.duckdb").exists():
        return {}
    tables = query(warehouse, "select table_name from information_schema.tables "
                              "where table_schema = 'raw_gridx'")
    if ("prices",) not in tables:
        return {}
    return {(utility, day): count for utility, day, count in query(warehouse, """
        select utility, left(start_interval_timestamp, 10), count(*)
        from raw_gridx.prices group by all""")}


def test_intervals_of_days_not_requested_are_not_stored_and_the_run_says_so(
        warehouse, replica, capsys):
    replica(faults=("previous_day",))
    assert pricing("--start", "2026-10-01", "--end", "2026-10-02") == 0
    assert stored(warehouse) == {("SCE", "2026-10-01"): 24, ("SCE", "2026-10-02"): 24,
                                 ("PGE", "2026-10-01"): 96, ("PGE", "2026-10-02"): 96}
    err = capsys.readouterr().err
    assert ("rate TOU-EV-9S circuit 'System' 2026-10-01..2026-10-02: 24 intervals of days "
            "not requested (2026-09-30) were not stored") in err
    assert "96 intervals of days not requested (2026-09-30)" in err


def test_a_30_interval_day_spilling_into_the_next_fails_the_window_and_stores_nothing(
        warehouse, replica, capsys):
    replica(faults=("spill_next_day",))
    assert pricing("--utility", "SCE", "--start", "2026-10-01", "--end", "2026-10-02") == 1
    assert stored(warehouse) == {}
    err = capsys.readouterr().err
    assert ("error: pricing sce: SCE CalFUSE rate TOU-EV-9S circuit 'System' "
            "2026-10-01..2026-10-02: data[0].priceDetails[24]: interval "
            "2026-10-02T00:00:00-0700 lies outside its curve's startTime..endTime "
            "2026-10-01T00:00:00-0700..2026-10-01T23:59:59-0700") in err


@pytest.mark.parametrize(("start", "message"), [
    ("2026-10-01", "local day 2026-10-01 has 23 intervals of 60 minutes, expected 24 hourly "
                   "intervals: the day has 24 hours"),
    ("2026-11-01", "local day 2026-11-01 has 24 intervals of 60 minutes, expected 25 hourly "
                   "intervals: the day has 25 hours (fall-back day)"),
    ("2026-03-08", "local day 2026-03-08 has 22 intervals of 60 minutes, expected 23 hourly "
                   "intervals: the day has 23 hours (spring-forward day)"),
])
def test_a_day_short_of_its_dst_length_fails_the_window_before_anything_is_stored(
        warehouse, replica, capsys, start, message):
    replica(faults=("missing_hour",))
    assert pricing("--utility", "SCE", "--start", start, "--end", start) == 1
    assert stored(warehouse) == {}
    assert f"{message}; nothing of this window stored" in capsys.readouterr().err


def test_a_quarter_hour_day_is_checked_against_its_100_intervals(warehouse, replica, capsys):
    replica(faults=("missing_hour",))
    assert pricing("--utility", "PGE", "--start", "2026-11-01", "--end", "2026-11-01") == 1
    assert stored(warehouse) == {}
    assert ("local day 2026-11-01 has 99 intervals of 15 minutes, expected 100 15-minute "
            "intervals: the day has 25 hours (fall-back day)") in capsys.readouterr().err


def test_an_interval_twice_with_different_prices_fails_the_window_naming_both(
        warehouse, replica, capsys):
    server = replica(faults=("duplicate_different",))
    assert pricing("--utility", "SCE", "--start", "2026-10-01", "--end", "2026-10-01") == 1
    assert stored(warehouse) == {}
    first = server.replica.day_details("SCE", "TOU-EV-9S", "System", date(2026, 10, 1))[0]
    price = first["intervalPrice"]
    dearer = Decimal(price) + Decimal("0.01")
    err = capsys.readouterr().err
    assert (f"interval 2026-10-01T00:00:00-0700 is published twice with different contents "
            f"(price {price} Final and {dearer} Final); nothing of this window stored") in err


def test_an_interval_twice_identically_is_stored_once_and_the_summary_counts_what_is_stored(
        warehouse, replica, capsys):
    replica(faults=("duplicate_same",))
    assert pricing("--utility", "SCE", "--start", "2026-10-01", "--end", "2026-10-02") == 0
    assert stored(warehouse) == {("SCE", "2026-10-01"): 24, ("SCE", "2026-10-02"): 24}
    captured = capsys.readouterr()
    assert "2 intervals published twice identically were stored once" in captured.err
    assert "48 intervals written" in captured.out
