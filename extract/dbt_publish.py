"""dbt-duckdb plugin: the SQL functions with which dbt's on-run-end hook publishes.

Named in dbt_project/profiles.yml. `publish()` (dbt_project/macros/publish.sql) decides
whether and what to publish; these functions do the file work SQL cannot (an atomic rename,
a second database file), in extract/publish.py. Each runs on a cursor of dbt's connection.
"""

from __future__ import annotations

import duckdb
from dbt.adapters.duckdb.plugins import BasePlugin

from extract import publish


class Plugin(BasePlugin):
    def configure_connection(self, conn: duckdb.DuckDBPyConnection) -> None:
        conn.create_function(
            "hc_publish_marts_file",
            lambda database, marts_schema, tables, allow_shrink: publish.publish_marts_file(
                conn.cursor(), database, marts_schema, list(tables), bool(allow_shrink)),
            ["VARCHAR", "VARCHAR", duckdb.list_type("VARCHAR"), "BOOLEAN"], "VARCHAR",
            side_effects=True)
        conn.create_function(
            "hc_write_exports",
            lambda database, marts_schema, row_group_rows: publish.write_exports(
                conn.cursor(), database, marts_schema, row_group_rows),
            ["VARCHAR", "VARCHAR", "BIGINT"], "VARCHAR", side_effects=True)
