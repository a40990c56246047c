"""dbt-duckdb plugin: a dbt command holds the warehouse's writer lock for its whole run.

Named in dbt_project/profiles.yml. dbt opens the DuckDB file once per command and keeps it;
taking the lock before that open makes an extract and a build (or two builds) take turns,
and waiting out readers of the file first keeps a `duckdb -readonly` from failing the build.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
from dbt.adapters.duckdb.plugins import BasePlugin

from extract.warehouse_lock import exclusive_writer, retry_while_file_locked

_held_lock = None  # released when the dbt process exits


class Plugin(BasePlugin):
    def initialize(self, plugin_config: dict[str, Any]) -> None:
        global _held_lock
        path = Path(self.creds.path).resolve()
        if _held_lock is None:  # once per process, however many adapters dbt makes
            _held_lock = exclusive_writer(path.parent)
            _held_lock.__enter__()
        if path.exists():
            retry_while_file_locked(lambda: duckdb.connect(str(path)).close(),
                                    f"dbt: opening {path}")
