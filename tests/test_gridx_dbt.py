"""The GridX marts built by dbt from replica prices: DST days, exact prices, revisions, SCE and
PG&E side by side (PG&E hourly and at 15 minutes).

One warehouse for the module: `dbt build` first runs before anything was extracted (the raw
tables come from ensure_raw_gridx_tables), then prices are extracted into those very tables
and `dbt build` runs again with every GridX data test and unit test.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from gridx.helpers import local_time, query, run_dbt_build, write_pricing_config

from extract.__main__ import main
from replicas.gridx import GridXReplica
from replicas.server import ReplicaServer

RATES = ["TOU-EV-9S", "TOU-GS-1"]
CIRCUITS = ["System", "Eagle Rock"]
PGE_RATES = ["EELEC", "B19S"]  # B19S answered at 15 minutes by this module's replica
PGE_CIRCUITS = ["013532223"]
RAW_COLUMNS = """
    select table_name, column_name, data_type, is_nullable
    from information_schema.columns
    where table_schema = 'raw_gridx' and table_name like 'prices%'
    order by table_name, ordinal_position"""


@dataclass
class Built:
    warehouse: Path
    first_build: object
    second_build: object
    extract_statuses: list[int]
    macro_columns: list[tuple]
    dlt_columns: list[tuple]
    replica: GridXReplica


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Built:
    root = tmp_path_factory.mktemp("gridx_dbt")
    warehouse = root / "warehouse"
    with pytest.MonkeyPatch.context() as env:
        env.setenv("HC_WAREHOUSE_DIR", str(warehouse))
        env.setenv("HC_CONFIG_DIR", str(root / "configs"))
        env.setenv("HC_HTTP_BACKOFF_S", "0.01")
        write_pricing_config(root / "configs", rate_names=RATES,
                             representative_circuits=CIRCUITS)
        write_pricing_config(root / "configs", "pge", rate_names=PGE_RATES,
                             representative_circuits=PGE_CIRCUITS)
        first_build = run_dbt_build(warehouse, root)
        macro_columns = query(warehouse, RAW_COLUMNS)
        replica = GridXReplica(now=local_time(2026, 11, 19, 19), revise_final_prices=True,
                               quarter_hour_rates=frozenset({("PGE", "B19S")}))
        with ReplicaServer(apps=[replica]) as server:
            env.setenv("HC_REPLICA_URL", server.url)
            statuses = [main(["pricing", "--start", "2026-03-07", "--end", "2026-03-09"]),
                        main(["pricing", "--start", "2026-10-31", "--end", "2026-11-02"]),
                        main(["pricing", "--start", "2026-11-20", "--end", "2026-11-20"])]
            replica.now = local_time(2026, 11, 20, 19)  # 11-20 Final now, and revised
            statuses.append(main(["pricing", "--start", "2026-11-20", "--end", "2026-11-20"]))
            env.setenv("HC_WAREHOUSE_DIR", str(root / "dlt_only"))
            statuses.append(main(["pricing", "--start", "2026-11-01", "--end", "2026-11-01"]))
        dlt_columns = query(root / "dlt_only", RAW_COLUMNS)
        env.setenv("HC_WAREHOUSE_DIR", str(warehouse))
        second_build = run_dbt_build(warehouse, root)
    return Built(warehouse, first_build, second_build, statuses, macro_columns, dlt_columns,
                 replica)


def test_dbt_builds_before_any_price_was_extracted_with_the_raw_tables_dlt_would_create(built):
    assert built.first_build.returncode == 0, built.first_build.stdout[-3000:]
    assert built.macro_columns == built.dlt_columns
    assert ("prices", "interval_price", "DECIMAL(12,6)", "YES") in built.macro_columns


def test_every_gridx_model_data_test_and_unit_test_passes(built):
    assert built.extract_statuses == [0] * 5
    assert built.second_build.returncode == 0, built.second_build.stdout[-5000:]
    assert "ERROR=0" in built.second_build.stdout and "SKIP=0" in built.second_build.stdout
    assert "unit_test" in built.second_build.stdout


def day_rows(built: Built, day: str, rate="TOU-EV-9S", circuit="Eagle Rock") -> list[tuple]:
    return query(built.warehouse, """
        select strftime(interval_start, '%Y-%m-%d %H:%M'), strftime(interval_start_local, '%H'),
               interval_start_published, price_usd_per_kwh, price_status
        from marts.dynamic_prices
        where interval_date_local = ? and rate_name = ? and representative_circuit_id = ?
        order by interval_start""", [day, rate, circuit])


def summaries(built: Built, utility: str, rate: str, circuit: str) -> dict[str, tuple]:
    return {day: rest for day, *rest in query(built.warehouse, """
        select strftime(interval_date_local, '%m-%d'), interval_minutes, interval_count,
               expected_interval_count
        from marts.dynamic_price_daily_summaries
        where utility = ? and rate_name = ? and representative_circuit_id = ?
          and is_complete and is_final""", [utility, rate, circuit])}


def test_spring_forward_day_has_23_intervals_without_2am(built):
    rows = day_rows(built, "2026-03-08")
    assert len(rows) == 23
    assert [hour for _, hour, *_ in rows][:4] == ["00", "01", "03", "04"]
    assert rows[0][:3] == ("2026-03-08 08:00", "00", "2026-03-08T00:00:00-0800")
    assert rows[2][:3] == ("2026-03-08 10:00", "03", "2026-03-08T03:00:00-0700")
    assert rows[-1][:2] == ("2026-03-09 06:00", "23")


def test_fall_back_day_has_25_intervals_with_1am_twice(built):
    rows = day_rows(built, "2026-11-01")
    assert len(rows) == 25
    assert [r[:3] for r in rows[1:3]] == [
        ("2026-11-01 08:00", "01", "2026-11-01T01:00:00-0700"),
        ("2026-11-01 09:00", "01", "2026-11-01T01:00:00-0800")]
    assert rows[-1][:2] == ("2026-11-02 07:00", "23")


def test_daily_summaries_know_the_length_of_each_local_day(built):
    counts = {"03-07": 24, "03-08": 23, "03-09": 24, "10-31": 24, "11-01": 25, "11-02": 24,
              "11-20": 24}
    assert summaries(built, "SCE", "TOU-GS-1", "System") == {
        day: [60, count, count] for day, count in counts.items()}
    assert summaries(built, "PGE", "EELEC", "013532223") == {
        day: [60, count, count] for day, count in counts.items()}


def test_a_quarter_hour_series_has_92_96_and_100_intervals_on_its_days(built):
    assert summaries(built, "PGE", "B19S", "013532223") == {
        day: [15, count * 4, count * 4] for day, count in {
            "03-07": 24, "03-08": 23, "03-09": 24, "10-31": 24, "11-01": 25, "11-02": 24,
            "11-20": 24}.items()}
    (stamps,), = query(built.warehouse, """
        select list(strftime(interval_start_local, '%H:%M') order by interval_start)[8:11]
        from marts.dynamic_prices
        where rate_name = 'B19S' and interval_date_local = '2026-11-01'""")
    assert stamps == ["01:45", "01:00", "01:15", "01:30"]  # the repeated hour, in quarters


def test_sce_and_pge_series_never_mix(built):
    rows = query(built.warehouse, """
        select utility, string_agg(distinct rate_name, ',' order by rate_name),
               string_agg(distinct component, ',' order by component),
               list_sort(list(distinct interval_minutes))
        from marts.dynamic_price_components group by utility order by utility""")
    assert rows == [
        ("PGE", "B19S,EELEC", "cld,mec,mgcc", [15, 60]),
        ("SCE", "TOU-EV-9S,TOU-GS-1",
         "abank,bbank,circuitpricecurve,mec,nbc,ppf,ramp,transmissionpricecurve", [60])]


def test_mart_prices_are_the_published_strings_exactly(built):
    expected = built.replica.day_details("SCE", "TOU-EV-9S", "Eagle Rock", date(2026, 11, 1))
    rows = day_rows(built, "2026-11-01")
    assert [r[3] for r in rows] == [Decimal(d["intervalPrice"]) for d in expected]
    (types,), = query(built.warehouse, """
        select string_agg(distinct data_type, ',') from information_schema.columns
        where table_schema = 'marts' and column_name like '%price_usd_per_kwh'""")
    assert types == "DECIMAL(12,6)"


def test_components_are_keyed_like_prices_and_add_up_to_them(built):
    (mismatches, intervals), = query(built.warehouse, """
        with sums as (
            select utility, program, market, cca, rate_name, representative_circuit_id,
                   interval_minutes, interval_start, sum(price_usd_per_kwh) as total
            from marts.dynamic_price_components group by all)
        select count(*) filter (where p.price_usd_per_kwh <> s.total), count(*)
        from marts.dynamic_prices p join sums s using (
            utility, program, market, cca, rate_name, representative_circuit_id,
            interval_minutes, interval_start)""")
    (prices,), = query(built.warehouse, "select count(*) from marts.dynamic_prices")
    assert (mismatches, intervals) == (0, prices)


def test_a_revised_price_is_in_the_marts_once_as_final(built):
    rows = day_rows(built, "2026-11-20", "TOU-GS-1", "System")
    expected = built.replica.day_details("SCE", "TOU-GS-1", "System", date(2026, 11, 20))
    assert len(rows) == 24
    assert {r[4] for r in rows} == {"Final"}
    assert [r[3] for r in rows] == [Decimal(d["intervalPrice"]) for d in expected]
