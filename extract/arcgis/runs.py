"""Ingestion-run records: one per utility per run, success or not (mart `hc_ingestion_runs`)."""

from __future__ import annotations

import json
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

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

    def finish(self, status: str, error: str | None = None) -> RunRecord:
        self.status = status
        self.error_message = error
        self.completed_at = utc_now()
        return self

    def as_row(self) -> dict:
        row = asdict(self)
        for key in ("layer_fingerprints", "unparseable_values", "notes"):
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
}


@dataclass(frozen=True)
class LatestSuccess:
    completed_at: datetime
    records_written: int
    layer_fingerprints: dict


def latest_successful_runs() -> dict[str, LatestSuccess]:
    """utility_code -> its latest successful run whose rows are all in the warehouse; empty
    when nothing was extracted yet. A success whose rows are missing is not trusted, so
    skip-unchanged refetches that utility rather than keep it lost."""
    if not settings.warehouse_exists():
        return {}
    try:
        with settings.connect_warehouse(read_only=True) as con:
            rows = con.execute(f"""
                with latest as (
                    select run_id, utility_code, completed_at, records_written,
                           layer_fingerprints
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
                select latest.utility_code, latest.completed_at, latest.records_written,
                       latest.layer_fingerprints
                from latest left join loaded using (run_id)
                where coalesce(loaded.rows_loaded, 0) = latest.records_written
            """).fetchall()
    except (duckdb.CatalogException, settings.LakeNotCreated):
        return {}
    return {code: LatestSuccess(at, records, json.loads(prints) if isinstance(prints, str)
                                else prints or {})
            for code, at, records, prints in rows}
