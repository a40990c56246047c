"""The raw_arcgis tables dbt creates before any extract (macro ensure_raw_arcgis_tables, so
that a fresh clone builds) are exactly the tables dlt creates on the first extract: same
columns, types, nullability and order. GridX has the same tie in tests/test_gridx_dbt.py."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb

MACRO_FILE = (Path(__file__).resolve().parents[1] / "dbt_project" / "macros"
              / "ensure_raw_arcgis_tables.sql")
COLUMNS = """
    select table_name, column_name, data_type, is_nullable
    from information_schema.columns
    where table_schema = 'raw_arcgis' and table_name in ('features', 'ingestion_runs')
    order by table_name, ordinal_position"""


def macro_statements() -> str:
    """The macro's SQL: plain statements between its macro tags, no Jinja inside."""
    body = re.search(r"\{%\s*macro ensure_raw_arcgis_tables\(\)\s*%\}(.*?)\{%\s*endmacro\s*%\}",
                     MACRO_FILE.read_text(), re.DOTALL).group(1)
    assert "{{" not in body and "{%" not in body, "the macro grew Jinja: parse it differently"
    return body


def test_the_raw_arcgis_tables_of_the_dbt_macro_are_the_tables_dlt_creates(replica_warehouse):
    _, warehouse_dir = replica_warehouse
    with duckdb.connect(str(warehouse_dir / "hosting_capacity.duckdb"), read_only=True) as con:
        dlt_columns = con.execute(COLUMNS).fetchall()
    with duckdb.connect() as con:
        con.execute(macro_statements())
        macro_columns = con.execute(COLUMNS).fetchall()
    assert {row[0] for row in dlt_columns} == {"features", "ingestion_runs"}
    assert macro_columns == dlt_columns
