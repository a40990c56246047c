"""Ingestion-run records: one per utility per run, success or not (mart `hc_ingestion_runs`)."""

from __future__ import annotations

import json
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from extract import settings

RUNS_TABLE = "ingestion_runs"


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class RunRecord:
    utility_code: str
    run_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    started_at: datetime = field(default_factory=utc_now)
    completed_at: datetime | None = None
    status: str = "running"
    records_fetched: int = 0
    records_written: int = 0
    error_message: str | None = None
    source_url: str | None = None  # the URL actually used (after discovery), never a token
    layer_fingerprints: dict = field(default_factory=dict)  # for skip-unchanged
    unparseable_values: dict = field(default_factory=dict)  # source field -> count
    notes: list[str] = field(default_factory=list)
    layer_counts: dict = field(default_factory=dict)  # layer name -> features read

    def finish(self, status: str, error: str | None = None) -> RunRecord:
        self.status = status
        self.error_message = error
        self.completed_at = utc_now()
        return self

    def as_row(self) -> dict:
        row = asdict(self)
        for key in ("layer_fingerprints", "unparseable_values", "notes", "layer_counts"):
            row[key] = json.dumps(row[key], sort_keys=True, default=str)
        return row


RUN_COLUMNS = {
    "run_id": {"data_type": "text", "nullable": False},
    "utility_code": {"data_type": "text", "nullable": False},
    "started_at": {"data_type": "timestamp"},
    "completed_at": {"data_type": "timestamp"},
    "status": {"data_type": "text"},
    "records_fetched": {"data_type": "bigint"},
    "records_written": {"data_type": "bigint"},
    "error_message": {"data_type": "text"},
    "source_url": {"data_type": "text"},
    "layer_fingerprints": {"data_type": "json"},
    "unparseable_values": {"data_type": "json"},
    "notes": {"data_type": "json"},
    "layer_counts": {"data_type": "json"},
}


@dataclass(frozen=True)
class LatestSuccess:
    run_id: str
    completed_at: datetime
    records_written: int
    layer_fingerprints: dict
    layer_counts: dict = field(default_factory=dict)


def latest_successful_runs(warehouse_path: Path | None = None) -> dict[str, LatestSuccess]:
    """utility_code -> its latest successful run whose rows are all in the warehouse; empty
    when nothing was extracted yet. A success whose rows are missing is not trusted, so
    skip-unchanged refetches that utility rather than keep it lost. The same rule as the
    dbt model stg_arcgis__latest_successful_runs, tied to it by
    tests/test_latest_successful_run_tie.py (this side runs before any build).
    `warehouse_path`: a DuckDB file; by default the warehouse (the lake with HC_LAKE)."""
    if not (settings.warehouse_exists() if warehouse_path is None else warehouse_path.exists()):
        return {}
    try:
        with (settings.connect_warehouse(read_only=True) if warehouse_path is None
              else duckdb.connect(str(warehouse_path), read_only=True)) as con:
            columns = {row[0] for row in con.execute(
                "select column_name from information_schema.columns "
                "where table_catalog = current_database() and table_schema = 'raw_arcgis' "
                f"and table_name = '{RUNS_TABLE}'").fetchall()}
            counts = "layer_counts" if "layer_counts" in columns else "null"
            rows = con.execute(f"""
                with latest as (
                    select run_id, utility_code, completed_at, records_written,
                           layer_fingerprints, {counts} as layer_counts
                    from raw_arcgis.{RUNS_TABLE}
                    where status = 'success'
                    qualify row_number() over (partition by utility_code
                                               order by completed_at desc) = 1
                ),
                loaded as (
                    select ingestion_run_id as run_id, count(*) as rows_loaded
                    from raw_arcgis.features
                    where ingestion_run_id in (select run_id from latest)
                    group by all
                )
                select latest.utility_code, latest.run_id, latest.completed_at,
                       latest.records_written, latest.layer_fingerprints, latest.layer_counts
                from latest left join loaded using (run_id)
                where coalesce(loaded.rows_loaded, 0) = latest.records_written
            """).fetchall()
    except (duckdb.CatalogException, settings.LakeNotCreated):
        return {}
    return {code: LatestSuccess(run_id, at, records, as_dict(prints), as_dict(counts))
            for code, run_id, at, records, prints, counts in rows}


def as_dict(value: object) -> dict:
    return json.loads(value) if isinstance(value, str) else (value or {})
