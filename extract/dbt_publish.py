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
        lent = []
        build_signatures = {}  # publish_marts_file leaves them for write_exports

        def cursor_with_a_thread_lent() -> duckdb.DuckDBPyConnection:
            """The query that called the function holds one of DuckDB's threads while it
            waits: lend the work one more, or it runs on one fewer (measured: the GeoParquet
            export of 10,000,000 records took 26 s inside the function with 2 threads, 17 s
            with 3, 16 s outside). Once, never given back: the hook is the build's last
            step, and DuckDB refuses fewer threads from inside a query ("Resource deadlock
            avoided")."""
            cursor = conn.cursor()
            if not lent:
                threads = cursor.execute("select current_setting('threads')").fetchone()[0]
                cursor.execute(f"set threads = {int(threads) + 1}")
                lent.append(True)
            return cursor

        def publish_marts_file(database, marts_schema, tables, allow_shrink):
            return publish.publish_marts_file(cursor_with_a_thread_lent(), database,
                                              marts_schema, list(tables), bool(allow_shrink),
                                              build_signatures)

        def write_exports(database, marts_schema, row_group_rows):
            return publish.write_exports(cursor_with_a_thread_lent(), database, marts_schema,
                                         row_group_rows, build_signatures)

        conn.create_function(
            "hc_publish_marts_file", publish_marts_file,
            ["VARCHAR", "VARCHAR", duckdb.list_type("VARCHAR"), "BOOLEAN"], "VARCHAR",
            side_effects=True)
        conn.create_function("hc_write_exports", write_exports,
                             ["VARCHAR", "VARCHAR", "BIGINT"], "VARCHAR", side_effects=True)
