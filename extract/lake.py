"""`python -m extract lake-maintain` and `python -m extract lake-sql` (HC_LAKE only).

Every commit to a DuckLake adds a snapshot, and files that later snapshots no longer use stay
on disk for time travel, so the lake grows with every run until old snapshots are expired and
their files deleted. Vintage history never depends on lake snapshots: the history marts keep
their own versions as rows.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from extract import settings
from extract.warehouse_lock import RAW_SCHEMAS, lake_writer, models_scope

DEFAULT_KEEP_DAYS = 90
# A load writes its Parquet files before it commits them; until then no snapshot names them.
# Files that old and still unnamed belong to a run that died (killed, crashed), never to one
# still writing.
ORPHANS_OLDER_THAN = timedelta(days=1)


def keep_days() -> float:
    raw = os.environ.get("HC_LAKE_KEEP_DAYS", "").strip()
    try:
        days = float(raw) if raw else DEFAULT_KEEP_DAYS
    except ValueError:
        raise settings.LakeSettingError(
            f"HC_LAKE_KEEP_DAYS={raw!r} is not a number of days") from None
    if days < 0:
        raise settings.LakeSettingError(f"HC_LAKE_KEEP_DAYS={raw!r} must be 0 or more")
    return days


def require_lake() -> settings.Lake:
    lake = settings.lake()
    if lake is None:
        raise settings.LakeSettingError(
            "HC_LAKE is not set: the warehouse is the DuckDB file, which has no snapshots to "
            "expire (set HC_LAKE and HC_LAKE_DATA_PATH to maintain a lake)")
    return lake


def data_files(lake: settings.Lake) -> tuple[int, int]:
    """(files, bytes) under a local data path; (-1, -1) for object storage."""
    if "://" in lake.data_path:
        return -1, -1
    files = [p for p in Path(lake.data_path).rglob("*") if p.is_file()]
    return len(files), sum(p.stat().st_size for p in files)


@dataclass
class Maintenance:
    snapshots_before: int
    snapshots_after: int
    files_deleted: int
    orphans_deleted: int
    files_before: tuple[int, int]
    files_after: tuple[int, int]

    def summary(self) -> str:
        sizes = ""
        if self.files_before[0] >= 0:
            sizes = (f"; data folder {self.files_before[0]:,} files, "
                     f"{self.files_before[1] / 1e6:,.1f} MB -> {self.files_after[0]:,} files, "
                     f"{self.files_after[1] / 1e6:,.1f} MB")
        return (f"lake: snapshots {self.snapshots_before:,} -> {self.snapshots_after:,}, "
                f"{self.files_deleted:,} files of expired snapshots and "
                f"{self.orphans_deleted:,} orphaned files deleted{sizes}")


def maintain(older_than_days: float | None = None,
             orphans_older_than: timedelta = ORPHANS_OLDER_THAN) -> Maintenance:
    """Expire snapshots older than `older_than_days` (HC_LAKE_KEEP_DAYS, default 90; the
    current snapshot always stays), delete the files no remaining snapshot uses, and the
    files of runs that died before committing. Holds the lake's writer locks meanwhile."""
    lake = require_lake()
    days = keep_days() if older_than_days is None else older_than_days
    alias = settings.LAKE_ALIAS
    with lake_writer([(RAW_SCHEMAS, False), (models_scope(""), False)]):
        before = data_files(lake)
        with settings.connect_warehouse() as con:
            count = f"select count(*) from {alias}.snapshots()"
            snapshots_before = con.execute(count).fetchone()[0]
            con.execute(f"call ducklake_expire_snapshots('{alias}', older_than => "
                        f"now() - to_microseconds({int(days * 86400e6)}))")
            snapshots_after = con.execute(count).fetchone()[0]
            deleted = con.execute(f"call ducklake_cleanup_old_files('{alias}', "
                                  "cleanup_all => true)").fetchall()
            orphans = con.execute(
                f"call ducklake_delete_orphaned_files('{alias}', older_than => now() - "
                f"to_microseconds({int(orphans_older_than.total_seconds() * 1e6)}))"
            ).fetchall()
        return Maintenance(snapshots_before, snapshots_after, len(deleted), len(orphans),
                           before, data_files(lake))


def attach_script() -> str:
    """SQL that opens the lake in the DuckDB CLI as extract and dbt see it, read-only:
    `.venv/bin/duckdb -cmd "$(.venv/bin/python -m extract lake-sql)"` (make lake-shell)."""
    lake = require_lake()
    return "; ".join(["load spatial", "load ducklake",
                      *(["load postgres_scanner"] if lake.kind == "postgres" else []),
                      settings.lake_attach_sql(lake, read_only=True),
                      f"use {settings.LAKE_ALIAS}"]) + ";"
