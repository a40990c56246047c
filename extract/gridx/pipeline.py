"""GridX prices into raw_gridx with dlt: one merge load per config run.

Rows are keyed on the series and the instant: (utility, program, market, cca, rate_name,
representative_circuit_id, interval_length_in_minutes, interval_start), so a refetched interval
(a Preliminary price turned Final, or a revised one) replaces the earlier row and its components
instead of duplicating them, and no two utilities', CCAs' or interval lengths' series mix.
Prices stay Decimal end to end and land as DECIMAL(12, 6). The raw table itself says which days
are done: complete and all Final.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import dlt
from dlt.destinations.exceptions import DatabaseUndefinedRelation

from extract import settings
from extract.gridx.api import Window, WindowResult, fetch_window
from extract.gridx.config import PricingConfig
from extract.gridx.windows import day_minutes, default_date_range, plan_windows, published_until
from extract.http import HostLimiter, HttpClient
from extract.warehouse_lock import retry_while_file_locked

PIPELINE_NAME = "gridx_pricing"
RAW_DATASET = "raw_gridx"
PRICES_TABLE = "prices"
COMPONENTS_FIELD = "components"  # nested list -> table prices__components
PRICE_KEY = ("utility", "program", "market", "cca", "rate_name", "representative_circuit_id",
             "interval_length_in_minutes", "interval_start")
DECIMAL_PRICE = {"data_type": "decimal", "precision": 12, "scale": 6}
# Every column declared, in order, so the tables look the same whatever the first load holds
# (dbt's ensure_raw_gridx_tables macro creates exactly these when nothing was loaded yet).
PRICE_COLUMNS: dict[str, dict] = {
    "utility": {"data_type": "text", "nullable": False},
    "program": {"data_type": "text", "nullable": False},
    "cca": {"data_type": "text", "nullable": False},  # '' when no cca parameter is sent
    "rate_name": {"data_type": "text", "nullable": False},
    "representative_circuit_id": {"data_type": "text", "nullable": False},
    "interval_start": {"data_type": "timestamp", "timezone": True, "nullable": False},
    "market": {"data_type": "text", "nullable": False},
    "price_curve_name": {"data_type": "text"},
    "market_name": {"data_type": "text"},
    "interval_length_in_minutes": {"data_type": "bigint", "nullable": False},
    "settlement_currency": {"data_type": "text"},
    "settlement_unit": {"data_type": "text"},
    "start_interval_timestamp": {"data_type": "text"},
    "interval_price": DECIMAL_PRICE,
    "price_status": {"data_type": "text"},
    "requested_start_date": {"data_type": "date"},
    "requested_end_date": {"data_type": "date"},
}
COMPONENT_COLUMNS: dict[str, dict] = {
    "component": {"data_type": "text"},
    "price_type": {"data_type": "text"},
    "interval_price": DECIMAL_PRICE,
}


@dataclass
class PricingRun:
    """What one config's run did, for the summary line and the exit status."""

    config: PricingConfig
    rates: tuple[str, ...]
    circuits: tuple[str, ...]
    start: date
    end: date
    windows_skipped: int = 0
    results: list[WindowResult] = field(default_factory=list)
    load_error: str | None = None
    intervals_written: int = 0
    seconds: float = 0.0

    def count(self, status: str) -> int:
        return sum(1 for r in self.results if r.status == status)

    @property
    def failures(self) -> list[str]:
        messages = [r.message for r in self.results if r.status == "failed"]
        return messages + ([self.load_error] if self.load_error else [])

    @property
    def ok(self) -> bool:
        return not self.failures

    def summary(self) -> str:
        c = self.config
        fetched = self.count("loaded") + self.count("empty")
        cca = f" cca {c.cca}" if c.cca else ""
        return (f"pricing {c.name} ({c.utility} {c.program} {c.market}{cca}): "
                f"{_plural(len(self.rates), 'rate')} x "
                f"{_plural(len(self.circuits), 'circuit')}, "
                f"{self.start}..{self.end}: {fetched} windows fetched "
                f"({self.count('empty')} empty), {self.windows_skipped} skipped (already "
                f"Final), {self.count('failed')} failed; {self.intervals_written:,} intervals "
                f"written, {self.seconds:.1f}s" + (" LOAD FAILED" if self.load_error else ""))


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def warehouse_destination() -> dlt.destinations.duckdb | dlt.destinations.ducklake:
    lake = settings.lake()
    if lake:
        return dlt.destinations.ducklake(settings.lake_dlt_credentials(lake))
    return dlt.destinations.duckdb(str(settings.warehouse_path()))


def make_pipeline() -> dlt.Pipeline:
    return dlt.pipeline(
        pipeline_name=PIPELINE_NAME,
        destination=warehouse_destination(),
        dataset_name=RAW_DATASET,
        pipelines_dir=str(settings.warehouse_dir() / ".dlt"),
    )


@dlt.resource(
    name=PRICES_TABLE, write_disposition="merge", primary_key=list(PRICE_KEY),
    columns=PRICE_COLUMNS, max_table_nesting=1,
    nested_hints={COMPONENTS_FIELD: {"columns": {
        name: {"name": name, **hints} for name, hints in COMPONENT_COLUMNS.items()}}},
)
def prices(rows: Iterator[list[dict]]) -> Iterator[list[dict]]:
    """raw_gridx.prices (and prices__components): merged on the series and the instant."""
    yield from rows


@dlt.source(name=PIPELINE_NAME)
def gridx_pricing(rows: Iterator[list[dict]]) -> dlt.sources.DltResource:
    """One pricing config's windows, fetched concurrently, as one dlt source."""
    return prices(rows)


def upgrade_raw_tables(pipeline: dlt.Pipeline) -> None:
    """A prices table written before the CCA joined the key gets the column, '' in every row
    (no CCA), so that its rows keep matching the key and are replaced, never duplicated.
    dbt's ensure_raw_gridx_tables does the same."""
    try:
        with pipeline.sql_client() as sql:
            if sql.has_dataset():
                sql.execute_sql("alter table if exists "
                                f"{sql.make_qualified_table_name(PRICES_TABLE)} "
                                "add column if not exists cca varchar default ''")
    except DatabaseUndefinedRelation:
        return


def final_days(pipeline: dlt.Pipeline, config: PricingConfig) -> set[tuple[str, str, date]]:
    """(rate, circuit, local day) already loaded with every interval of the day, all Final."""
    try:
        with pipeline.sql_client() as sql:
            if not sql.has_dataset():
                return set()
            table = sql.make_qualified_table_name(PRICES_TABLE)
            rows = sql.execute_sql(
                f"""
                select rate_name, representative_circuit_id,
                    cast(timezone(?, interval_start) as date) as local_day,
                    count(*) as intervals,
                    interval_length_in_minutes as interval_minutes,
                    bool_and(coalesce(price_status = 'Final', false)) as all_final
                from {table}
                where utility = ? and program = ? and market = ? and cca = ?
                group by all
                """, config.timezone, config.utility, config.program, config.market,
                config.cca or "")
    except DatabaseUndefinedRelation:
        return set()
    return {
        (rate, circuit, day) for rate, circuit, day, intervals, minutes, all_final in rows
        if all_final and minutes and intervals * minutes == day_minutes(day, config.zone)
    }


def run_pricing_config(config: PricingConfig, *, rates: tuple[str, ...] = (),
                       circuits: tuple[str, ...] = (), start: date | None = None,
                       end: date | None = None, force: bool = False,
                       now: datetime | None = None) -> PricingRun:
    """Fetch every needed window of one config concurrently and merge them in one load.
    Never raises for a failed window or load: they are in the returned run."""
    began = time.monotonic()
    now = now or datetime.now(UTC)
    default_start, default_end = default_date_range(config, now)
    run = PricingRun(config, rates or config.rate_names,
                     circuits or config.representative_circuits,
                     start or default_start, end or default_end)
    if run.start > run.end:
        run.load_error = f"nothing to do: start {run.start} is after end {run.end}"
        return run
    pipeline = make_pipeline()
    try:
        retry_while_file_locked(lambda: upgrade_raw_tables(pipeline), f"pricing {config.name}")
        done = set() if force else retry_while_file_locked(
            lambda: final_days(pipeline, config), f"pricing {config.name}")
    except Exception as error:  # noqa: BLE001 - e.g. a reader held the file past the wait
        run.load_error = (f"cannot read what is loaded in "
                          f"{settings.describe_warehouse()}: {type(error).__name__}: {error}")
        run.seconds = time.monotonic() - began
        return run
    windows, run.windows_skipped = plan_windows(config, run.rates, run.circuits, run.start,
                                                run.end, done, force=force)
    if windows:
        until = published_until(config, now)
        with HttpClient(limiter=HostLimiter(polite_concurrency(config))) as client:
            rows = fetch_windows(client, config, windows, until, run.results)
            try:
                # Parquet loads several times faster than INSERT statements; Decimal values
                # travel as decimal128(12, 6), exact.
                pipeline.extract(gridx_pricing(rows), loader_file_format="parquet")
                pipeline.normalize()
                # a reader holding the file delays the load; dlt keeps the package pending
                retry_while_file_locked(lambda: pipeline.load(raise_on_failed_jobs=True),
                                        f"pricing {config.name}: loading prices")
                run.intervals_written = sum(len(r.rows) for r in run.results)
            except Exception as error:  # noqa: BLE001 - any load failure fails this config only
                run.load_error = (f"loading into {settings.describe_warehouse()} failed: "
                                  f"{type(error).__name__}: {error}")
    run.seconds = time.monotonic() - began
    return run


def polite_concurrency(config: PricingConfig) -> int:
    """The config's max_concurrency, lowered by HC_MAX_CONCURRENCY_PER_HOST if that is set."""
    ceiling = os.environ.get("HC_MAX_CONCURRENCY_PER_HOST", "").strip()
    return min(config.max_concurrency, int(ceiling)) if ceiling else config.max_concurrency


def fetch_windows(client: HttpClient, config: PricingConfig, windows: list[Window],
                  until: date, results: list[WindowResult]) -> Iterator[list[dict]]:
    """Rows of each window as it arrives (at most `max_concurrency` requests in flight);
    every result, good or bad, is appended to `results`."""
    with ThreadPoolExecutor(max_workers=polite_concurrency(config),
                            thread_name_prefix="gridx") as pool:
        futures = [pool.submit(fetch_window, client, config, w, until) for w in windows]
        try:
            for future in as_completed(futures):
                result = future.result()
                results.append(result)
                if result.rows:
                    yield result.rows
        finally:
            for future in futures:
                future.cancel()


def print_run(run: PricingRun) -> None:
    for result in run.results:
        if result.status == "empty":
            print(f"note: pricing {run.config.name}: {result.message}", file=sys.stderr)
        for note in result.notes:
            print(f"note: pricing {run.config.name}: {note}", file=sys.stderr)
    for failure in run.failures:
        print(f"error: pricing {run.config.name}: {failure}", file=sys.stderr)
    print(run.summary(), flush=True)
