"""Publishing incrementally: a rebuild after one utility changed rewrites only that
utility's rows in a copy of marts.duckdb, and only its row groups in the records export;
the results are what a full copy and a full export would give. Direct tests of
publish_marts_file and write_exports on a small hand-made build file."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from extract.publish import (
    EXPORTS,
    MARTS_FILE,
    RECORDS_FILE,
    PublishRefused,
    publish_marts_file,
    write_exports,
)

BUILD = "hosting_capacity"
CODES = ["aaa", "bbb", "ccc"]


def build_file(folder: Path) -> Path:
    """A build database with a `marts` schema: the columns the macros read, a geometry,
    three utilities of 200 records each, and a table without utility_code."""
    path = folder / f"{BUILD}.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("load spatial")
        con.execute("create schema marts")
        con.execute("""
            create table marts.hosting_capacity_records as
            select utility_code, 'F' || (i // 20) as feeder_id_external,
                   'Feeder ' || (i // 20) as feeder_name, 'S' || (i // 100) as substation_name,
                   'primary' as source_layer, i as source_object_id,
                   'generation' as capacity_kind, (i * 37) % 5000 / 1000 as hosting_capacity_mw,
                   null::double as generation_capacity_peak_mw,
                   (i * 13) % 900 / 1000 as remaining_capacity_mw,
                   'thermal' as constraining_metric, 35 + i * 0.001 as centroid_lat,
                   -120 + i * 0.001 as centroid_lon, -120 + i * 0.001 as bbox_min_lon,
                   35 + i * 0.001 as bbox_min_lat, -120 + i * 0.001 as bbox_max_lon,
                   35 + i * 0.001 as bbox_max_lat,
                   st_point(-120 + i * 0.001, 35 + i * 0.001) as geom, 'POINT' as geometry_type,
                   json_object('OBJECTID', i, 'HC_KW', (i * 37) % 5000) as raw_attributes
            from unnest(?) as u(utility_code), range(200) as t(i)
            order by utility_code, i desc""", [CODES])
        con.execute("""
            create table marts.utilities as
            select utility_code, 200 as record_count, true as is_supported,
                   date '2026-11-01' as data_vintage_date, false as is_stale
            from unnest(?) as u(utility_code)""", [CODES])
        con.execute("""
            create table marts.hosting_capacity_history as
            select utility_code, source_object_id, hosting_capacity_mw,
                   timestamptz '2026-11-01 00:00:00+00' as valid_from,
                   null::timestamptz as valid_to
            from marts.hosting_capacity_records""")
        con.execute("""
            create table marts.hosting_capacity_changes as
            select utility_code, feeder_id_external, capacity_kind,
                   timestamptz '2026-11-01 00:00:00+00' as current_vintage_at
            from marts.hosting_capacity_records group by all""")
        con.execute("create table marts.dynamic_prices as select 'PGE' as utility, "
                    "'AGRICULTURAL' as program, 'DAM' as market, null as cca, 'B6' as rate_name, "
                    "'013532223' as representative_circuit_id, 60 as interval_minutes, "
                    "timestamptz '2026-11-01 00:00:00+00' + i * interval 1 hour "
                    "as interval_start, i * 0.01 as price from range(50) as t(i)")
    return path


def build_tables(con) -> list[str]:
    return sorted(t for (t,) in con.execute(
        "select table_name from duckdb_tables() where database_name = ? "
        "and schema_name = 'marts'", [BUILD]).fetchall())


def publish(folder: Path, allow_shrink: bool = False) -> str:
    with duckdb.connect(str(folder / f"{BUILD}.duckdb")) as con:
        return publish_marts_file(con.cursor(), BUILD, "marts", build_tables(con),
                                  allow_shrink)


def change(folder: Path, *statements: str) -> None:
    with duckdb.connect(str(folder / f"{BUILD}.duckdb")) as con:
        for statement in statements:
            con.execute(statement)


def assert_published_equals_build(folder: Path) -> None:
    """Every mart, both ways with `except all`, its row count and its columns; and no
    other table in the published file."""
    with duckdb.connect(str(folder / f"{BUILD}.duckdb")) as con:
        con.execute(f"attach '{folder / MARTS_FILE}' as published (read_only)")
        tables = build_tables(con)
        published = sorted(t for (t,) in con.execute(
            "select table_name from duckdb_tables() where database_name = 'published' "
            "and schema_name = 'main'").fetchall())
        assert published == tables
        for table in tables:
            build, copy = f"marts.{table}", f"published.main.{table}"
            for one, other in ((build, copy), (copy, build)):
                assert con.execute(f"select count(*) from (from {one} except all "
                                   f"from {other})").fetchone()[0] == 0, (table, one)
            assert con.execute(f"select count(*) from {build}").fetchone() == \
                con.execute(f"select count(*) from {copy}").fetchone()
            shape = "select column_name, column_type from (describe {})"
            assert con.execute(shape.format(build)).fetchall() == \
                con.execute(shape.format(copy)).fetchall()


@pytest.fixture
def published(tmp_path):
    build_file(tmp_path)
    summary = publish(tmp_path)
    assert "copied whole" in summary
    return tmp_path


def test_one_changed_utility_is_rewritten_alone_and_the_file_equals_a_full_copy(published):
    change(published, "update marts.hosting_capacity_records "
                      "set hosting_capacity_mw = hosting_capacity_mw + 1 "
                      "where utility_code = 'bbb' and source_object_id % 7 = 0")
    summary = publish(published)
    assert "hosting_capacity_records 600 (1 of 3 utilities updated)" in summary
    assert "utilities 3 (0 of 3 utilities updated)" in summary
    assert "dynamic_prices 50 (copied whole)" in summary
    assert_published_equals_build(published)


def test_a_rewritten_utility_keeps_the_build_row_order(published):
    change(published, "update marts.hosting_capacity_records set hosting_capacity_mw = -1 "
                      "where utility_code = 'ccc' and source_object_id = 5")
    publish(published)
    with duckdb.connect(str(published / MARTS_FILE), read_only=True) as con:
        ids = [i for (i,) in con.execute(
            "select source_object_id from hosting_capacity_records "
            "where utility_code = 'ccc' order by rowid").fetchall()]
    assert ids == list(range(199, -1, -1))


def test_a_utility_removed_from_the_build_disappears_from_the_published_file(published):
    change(published, "delete from marts.hosting_capacity_records where utility_code = 'aaa'",
           "delete from marts.utilities where utility_code = 'aaa'")
    summary = publish(published)
    assert "hosting_capacity_records 400 (1 of 3 utilities updated)" in summary
    with duckdb.connect(str(published / MARTS_FILE), read_only=True) as con:
        assert con.execute("select count(*) from hosting_capacity_records "
                           "where utility_code = 'aaa'").fetchone()[0] == 0
    assert_published_equals_build(published)


def test_a_new_utility_and_rows_with_no_utility_code_are_published(published):
    change(published,
           "insert into marts.hosting_capacity_records select * replace ('ddd' as utility_code) "
           "from marts.hosting_capacity_records where utility_code = 'aaa' limit 5",
           "insert into marts.hosting_capacity_records select * replace (null as utility_code) "
           "from marts.hosting_capacity_records where utility_code = 'aaa' limit 3",
           "insert into marts.utilities values ('ddd', 5, true, date '2026-11-02', false)")
    assert "(2 of 5 utilities updated)" in publish(published)
    assert_published_equals_build(published)
    change(published, "update marts.hosting_capacity_records set hosting_capacity_mw = 9 "
                      "where utility_code is null")
    assert "(1 of 5 utilities updated)" in publish(published)
    assert_published_equals_build(published)


def test_a_table_whose_columns_changed_is_copied_whole_and_a_dropped_mart_is_dropped(
        published):
    change(published,
           "alter table marts.utilities add column utility_name varchar default 'x'",
           "create or replace table marts.hosting_capacity_records as select "
           "source_object_id, * exclude (source_object_id) from marts.hosting_capacity_records",
           "drop table marts.dynamic_prices")
    summary = publish(published)
    assert "utilities 3 (copied whole)" in summary
    assert "hosting_capacity_records 600 (copied whole)" in summary  # column order changed
    assert "dynamic_prices" not in summary
    assert_published_equals_build(published)


def test_an_unreadable_published_file_falls_back_to_a_full_copy(published):
    (published / MARTS_FILE).write_bytes(os.urandom(64 * 1024))
    change(published, "update marts.hosting_capacity_records set hosting_capacity_mw = 0 "
                      "where utility_code = 'aaa'")
    summary = publish(published)
    assert "utilities updated" not in summary
    assert "the published file could not be updated" in summary
    assert_published_equals_build(published)


def test_the_macros_are_in_the_file_after_an_incremental_publish(published):
    change(published, "update marts.utilities set record_count = 201 where utility_code = 'aaa'")
    publish(published)
    with duckdb.connect(str(published / MARTS_FILE), read_only=True) as con:
        macros = {m for (m,) in con.execute(
            "select distinct function_name from duckdb_functions() "
            "where function_name like 'hc_%' and function_type = 'table_macro'").fetchall()}
    assert {"hc_nearby", "hc_in_bbox", "hc_as_of"} <= macros


def test_a_shrinking_build_is_still_refused_and_the_old_file_kept(published):
    before = (published / MARTS_FILE).read_bytes()
    change(published, "delete from marts.hosting_capacity_records where utility_code <> 'aaa'")
    with pytest.raises(PublishRefused, match="not replaced"):
        publish(published)
    assert (published / MARTS_FILE).read_bytes() == before
    assert "(2 of 3 utilities updated)" in publish(published, allow_shrink=True)
    assert_published_equals_build(published)


def test_an_incremental_publish_killed_before_the_rename_leaves_the_old_file_whole(published):
    before = (published / MARTS_FILE).read_bytes()
    change(published, "update marts.hosting_capacity_records set hosting_capacity_mw = 0 "
                      "where utility_code = 'bbb'")
    script = ("import sys; sys.path[:0] = [sys.argv[1]]; from pathlib import Path; "
              "import test_incremental_publish as t; t.publish(Path(sys.argv[2]))")
    child = subprocess.run([sys.executable, "-c", script, str(Path(__file__).parent),
                            str(published)], env={**os.environ,
                                                  "HC_KILL_AT": "before_marts_file_rename"},
                           capture_output=True, text=True, timeout=120)
    assert child.returncode == -signal.SIGKILL, child.stderr
    assert (published / MARTS_FILE).read_bytes() == before
    assert list(published.glob(".marts-publish-*"))  # the dead publish's staging file
    assert "(1 of 3 utilities updated)" in publish(published)
    assert not list(published.glob(".marts-publish-*"))
    assert_published_equals_build(published)


def export(folder: Path) -> str:
    with duckdb.connect(str(folder / f"{BUILD}.duckdb")) as con:
        return write_exports(con.cursor(), BUILD, "marts", 50)


def assert_export_equals_build(folder: Path) -> None:
    """The records export holds the export query's rows, each utility's in build order,
    and reads as GeoParquet in geopandas."""
    import geopandas

    path = folder / "exports" / RECORDS_FILE
    with duckdb.connect(str(folder / f"{BUILD}.duckdb")) as con:
        con.execute("load spatial")
        query = EXPORTS[RECORDS_FILE].format(marts="marts")
        exported = f"(select * from read_parquet('{path}'))"
        for one, other in ((f"({query})", exported), (exported, f"({query})")):
            assert con.execute(f"select count(*) from (from {one} except all from {other})"
                               ).fetchone()[0] == 0
        order = "select utility_code, source_object_id from {} order by utility_code, {}"
        assert con.execute(order.format(exported, "file_row_number").replace(
            "select * from", "select *, file_row_number from").replace(
            f"'{path}'", f"'{path}', file_row_number = true")).fetchall() == \
            con.execute(order.format("marts.hosting_capacity_records", "rowid")).fetchall()
        rows = con.execute("select count(*) from marts.hosting_capacity_records").fetchone()[0]
    assert len(geopandas.read_parquet(path)) == rows


def row_groups_of(folder: Path, code: str) -> list[bytes]:
    """The encoded column chunks of a utility's row groups, as stored."""
    import pyarrow.parquet as pq

    path = folder / "exports" / RECORDS_FILE
    metadata, data = pq.read_metadata(path), path.read_bytes()
    chunks = []
    for index in range(metadata.num_row_groups):
        group = metadata.row_group(index)
        column = group.column(0)
        if column.statistics.min == column.statistics.max == code:
            for number in range(group.num_columns):
                meta = group.column(number)
                start = meta.dictionary_page_offset or meta.data_page_offset
                chunks.append(data[start:start + meta.total_compressed_size])
    return chunks


def test_the_records_export_rewrites_only_a_changed_utility_and_equals_a_full_export(
        published):
    assert "(3 of 3 utilities written)" in export(published)
    assert_export_equals_build(published)
    kept = row_groups_of(published, "aaa")
    assert kept
    change(published, "update marts.hosting_capacity_records "
                      "set hosting_capacity_mw = hosting_capacity_mw + 1 "
                      "where utility_code = 'bbb' and source_object_id % 7 = 0")
    assert "(1 of 3 utilities written)" in export(published)
    assert_export_equals_build(published)
    assert row_groups_of(published, "aaa") == kept
    assert "(0 of 3 utilities written)" in export(published)


def test_the_export_follows_removed_and_new_utilities(published):
    export(published)
    change(published,
           "delete from marts.hosting_capacity_records where utility_code = 'aaa'",
           "insert into marts.hosting_capacity_records select * replace ('ddd' as utility_code) "
           "from marts.hosting_capacity_records where utility_code = 'bbb' limit 120")
    assert "(1 of 3 utilities written)" in export(published)
    assert_export_equals_build(published)


def test_an_unreadable_export_is_written_again_whole(published):
    export(published)
    (published / "exports" / RECORDS_FILE).write_bytes(os.urandom(4096))
    assert "(3 of 3 utilities written)" in export(published)
    assert_export_equals_build(published)


def test_records_without_a_utility_code_are_exported_in_one_piece(published):
    change(published,
           "insert into marts.hosting_capacity_records select * replace (null as utility_code) "
           "from marts.hosting_capacity_records where utility_code = 'aaa' limit 3")
    assert "(written whole)" in export(published)
    with duckdb.connect() as con:
        assert con.execute("select count(*) from read_parquet(?)",
                           [str(published / "exports" / RECORDS_FILE)]).fetchone()[0] == 603


def test_an_export_whose_footer_cannot_be_reused_is_written_again_whole(published,
                                                                        monkeypatch):
    from extract import parquet_concat

    export(published)
    exported, read_footer = published / "exports" / RECORDS_FILE, parquet_concat.read_footer

    def refusing_the_old_file(path):
        if Path(path) == exported:
            raise parquet_concat.ParquetLayoutError(f"{path}: a footer this module cannot move")
        return read_footer(path)

    monkeypatch.setattr(parquet_concat, "read_footer", refusing_the_old_file)
    change(published, "update marts.hosting_capacity_records set hosting_capacity_mw = 0 "
                      "where utility_code = 'ccc'")
    assert "(3 of 3 utilities written)" in export(published)
    assert_export_equals_build(published)
