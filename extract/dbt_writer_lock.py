"""dbt-duckdb plugin: a dbt command holds the warehouse's writer lock for its whole run, and
attaches the lake when HC_LAKE is set.

Named in dbt_project/profiles.yml. dbt opens the DuckDB file once per command and keeps it;
taking the lock before that open makes an extract and a build (or two builds) take turns,
and waiting out readers of the file first keeps a `duckdb -readonly` from failing the build.
With a lake, the plugin attaches it with the statement dlt and readers use
(extract.settings.lake_attach_sql) and makes it every cursor's default catalog, so the
project's unqualified SQL (`marts.x`, `raw_arcgis.x`) means the lake's tables.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
from dbt.adapters.duckdb.plugins import BasePlugin

from extract import settings
from extract.warehouse_lock import (
    RAW_SCHEMAS,
    exclusive_writer,
    lake_writer,
    models_scope,
    retry_while_file_locked,
)

_held_lock = None  # released when the dbt process exits
_held_lake_lock = None


class Plugin(BasePlugin):
    def initialize(self, plugin_config: dict[str, Any]) -> None:
        global _held_lock, _held_lake_lock
        # the target decides: `lake` and `personal` build into the lake, `local` the file
        into_lake = self.creds.database == settings.LAKE_ALIAS
        self.lake = settings.lake() if into_lake else None
        if into_lake and self.lake is None:
            raise settings.LakeSettingError(
                "this dbt target builds into the lake: set HC_LAKE and HC_LAKE_DATA_PATH")
        folder = settings.warehouse_dir() if self.lake else Path(self.creds.path).resolve().parent
        if _held_lock is None:  # once per process, however many adapters dbt makes
            _held_lock = exclusive_writer(folder)
            _held_lock.__enter__()
        if self.lake is not None and _held_lake_lock is None:
            # the `personal` target's schema prefixes its schemas (generate_schema_name)
            prefix = "" if self.creds.schema in (None, "", "main") else f"{self.creds.schema}_"
            _held_lake_lock = lake_writer([(RAW_SCHEMAS, True), (models_scope(prefix), False)])
            _held_lake_lock.__enter__()
        if self.lake is None:
            path = Path(self.creds.path).resolve()
            if path.exists():
                retry_while_file_locked(lambda: duckdb.connect(str(path)).close(),
                                        f"dbt: opening {path}")

    def configure_connection(self, conn: duckdb.DuckDBPyConnection) -> None:
        if self.lake is not None:
            settings.attach_lake(conn, self.lake)

    def configure_cursor(self, cursor) -> None:
        if self.lake is not None:
            cursor.execute(f"use {settings.LAKE_ALIAS}")
