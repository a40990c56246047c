"""Row groups of DuckDB-written Parquet files copied byte for byte into one file read back
exactly as they were written, by pyarrow and by DuckDB (bloom filters included)."""

from __future__ import annotations

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from extract.parquet_concat import ParquetLayoutError, concatenate, key_values, read_footer

ROWS = ("select i, 'u' || (i % 3) as code, repeat('x', i % 50) as text, "
        "{{'a': i * 1.5, 'b': null::double}} as pair, [i, i + 1] as pair_list, "
        "st_point(i * 0.001, 35) as geom from range({start}, {stop}) as t(i)")


def write(con, path, start, stop, extra=""):
    con.execute(f"copy ({ROWS.format(start=start, stop=stop)}{extra}) to '{path}' "
                "(format parquet, compression zstd, row_group_size 10000)")


@pytest.fixture
def files(tmp_path):
    con = duckdb.connect()
    con.execute("load spatial")
    first, second = tmp_path / "first.parquet", tmp_path / "second.parquet"
    write(con, first, 0, 50_000)
    write(con, second, 50_000, 73_000)
    return con, first, second


def test_chosen_row_groups_of_two_files_read_back_as_written(files, tmp_path):
    con, first, second = files
    target = tmp_path / "joined.parquet"
    rows = concatenate([(first, [0, 2, 4]), (second, [0, 1, 2])], target, {"k": "v"})
    one, two = pq.ParquetFile(first), pq.ParquetFile(second)
    expected = pa.concat_tables([one.read_row_group(0), one.read_row_group(2),
                                 one.read_row_group(4), two.read()])
    assert rows == expected.num_rows == pq.read_metadata(target).num_rows
    joined = pq.read_table(target)
    assert joined.replace_schema_metadata(None).equals(expected.replace_schema_metadata(None))
    assert joined.schema.metadata == {b"k": b"v"}
    from_duckdb = con.execute(f"select * from read_parquet('{target}')").to_arrow_table()
    assert from_duckdb.num_rows == rows
    assert con.execute(f"select count(*) from read_parquet('{target}') where code = 'u1'"
                       ).fetchone()[0] == sum(c == "u1" for c in expected["code"].to_pylist())


def test_bloom_filters_still_answer_after_the_move(files, tmp_path):
    con, first, second = files
    target = tmp_path / "joined.parquet"
    concatenate([(second, [1]), (first, [3, 0])], target, {})
    excluded_everywhere = ("select bool_and(bloom_filter_excludes) "
                           "from parquet_bloom_probe(?, 'text', ?)")
    assert con.execute(excluded_everywhere, [str(target), "zzz"]).fetchone()[0] is True
    assert con.execute(excluded_everywhere, [str(target), "xxx"]).fetchone()[0] is False
    assert con.execute(f"select count(*) from read_parquet('{target}') where text = 'xxx'"
                       ).fetchone()[0] > 0


def test_files_of_another_schema_are_refused_by_name(files, tmp_path):
    con, first, _ = files
    other = tmp_path / "other.parquet"
    con.execute(f"copy (select 1 as i) to '{other}' (format parquet)")
    with pytest.raises(ParquetLayoutError, match="other.parquet: its schema differs"):
        concatenate([(first, [0]), (other, [0])], tmp_path / "joined.parquet", {})


def test_a_file_that_is_not_parquet_is_refused_by_name(tmp_path):
    garbage = tmp_path / "garbage.parquet"
    garbage.write_bytes(b"x" * 100)
    with pytest.raises(ParquetLayoutError, match="garbage.parquet: not a Parquet file"):
        read_footer(garbage)


def test_key_value_metadata_is_read_from_the_footer(files, tmp_path):
    con, first, _ = files
    tagged = tmp_path / "tagged.parquet"
    con.execute(f"copy (select 1 as i) to '{tagged}' (format parquet, "
                "kv_metadata {note: 'hello'})")
    assert key_values(read_footer(tagged))["note"] == "hello"
