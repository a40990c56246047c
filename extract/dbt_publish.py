"""dbt-duckdb plugin: the SQL functions with which dbt's on-run-end hook publishes.

Named in dbt_project/profiles.yml. `publish()` (dbt_project/macros/publish.sql) decides
whether and what to publish; `hc_publish` does the file work SQL cannot (an atomic rename,
a second database file), in extract/publish.py, on a cursor of dbt's connection.
"""

from __future__ import annotations

import duckdb
from dbt.adapters.duckdb.plugins import BasePlugin

from extract import publish as publish_module


class Plugin(BasePlugin):
    def configure_connection(self, conn: duckdb.DuckDBPyConnection) -> None:
        lent = []

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

        def publish(database, marts_schema, tables, allow_shrink, row_group_rows,
                    state_schema):
            return publish_module.publish(cursor_with_a_thread_lent(), database, marts_schema,
                                          list(tables), bool(allow_shrink), row_group_rows,
                                          state_schema)

        conn.create_function(
            "hc_publish", publish,
            ["VARCHAR", "VARCHAR", duckdb.list_type("VARCHAR"), "BOOLEAN", "BIGINT", "VARCHAR"],
            "VARCHAR", side_effects=True)
