"""One utility's extract: its features as one dlt load, then its run record.

The dlt source `arcgis_utility` (resource `features`) and `arcgis_runs` (resource
`ingestion_runs`) are declared as dlt's verified sources are; this module runs them.

Each run appends rows tagged with its run id; dbt reads only the rows of a utility's latest
successful run. The success record is written only once the features are loaded and counted,
and older rows are pruned after that. So a failed or killed run never replaces, truncates or
mixes into the previous complete ingestion: its rows stay invisible until pruned.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

import dlt

# Imported here, once: dlt imports pyarrow lazily on first use, and utilities extract in
# parallel threads, where a first import racing another fails half-initialised.
import dlt.common.libs.pyarrow  # noqa: F401
import orjson
import pyarrow as pa
import pyarrow.parquet  # noqa: F401
from dlt.destinations.exceptions import DatabaseUndefinedRelation
from dlt.destinations.impl.duckdb.configuration import DuckDbCredentials

from extract import settings
from extract.arcgis.config import LayerConfig, UtilityConfig
from extract.arcgis.layer import (
    LayerError,
    LayerMetadata,
    LayerReader,
    PageStats,
    fetch_layer_metadata,
)
from extract.arcgis.runs import RUN_COLUMNS, RUNS_TABLE, RunRecord
from extract.arcgis.service_url import resolve_service_url
from extract.arcgis.values import UnparseableCounter
from extract.faultpoints import maybe_die
from extract.http import FetchError, HostLimiter, HttpClient, redact
from extract.jsontext import non_finite_as_null, number_as_written
from extract.warehouse_lock import retry_while_file_locked

RAW_DATASET = "raw_arcgis"
FEATURES_TABLE = "features"
FEATURE_COLUMNS = {
    "utility_code": {"data_type": "text", "nullable": False},
    "source_layer": {"data_type": "text", "nullable": False},
    "source_object_id": {"data_type": "bigint", "nullable": False},
    "raw_attributes": {"data_type": "json"},
    "geometry": {"data_type": "json"},
    "ingestion_run_id": {"data_type": "text", "nullable": False},
}
# DuckDB has one writer: extracts run in parallel, loads take turns (a utility's load, run
# record and pruning in one turn, hence reentrant).
_LOAD_LOCK = threading.RLock()


class UtilityRunError(Exception):
    pass


@dataclass
class PlannedLayer:
    config: LayerConfig
    metadata: LayerMetadata
    fingerprint: dict


def duckdb_memory_limit() -> str:
    return os.environ.get("HC_DUCKDB_MEMORY", "64MB")


def warehouse_destination() -> dlt.destinations.duckdb | dlt.destinations.ducklake:
    """The warehouse file (or the lake, with HC_LAKE), with DuckDB's memory capped so loading
    a big layer stays lean. Not lower: 32 MB takes 20 MB off the peak RSS, but a load of
    features carrying 5 KB of geometry each then fails for memory (64 MB loads 7 KB each, in
    row groups of one page)."""
    lake = settings.lake()
    credentials = (settings.lake_dlt_credentials(lake) if lake
                   else DuckDbCredentials(str(settings.warehouse_path())))
    credentials.global_config = {"memory_limit": duckdb_memory_limit(),
                                 "threads": 1, "preserve_insertion_order": False}
    if lake:
        return dlt.destinations.ducklake(credentials)
    return dlt.destinations.duckdb(credentials)


def make_pipeline(utility_code: str) -> dlt.Pipeline:
    return dlt.pipeline(
        pipeline_name=f"arcgis_{utility_code}",
        destination=warehouse_destination(),
        dataset_name=RAW_DATASET,
        pipelines_dir=str(settings.warehouse_dir() / ".dlt"),
    )


def auth_params(utility: UtilityConfig) -> dict:
    """ArcGIS takes tokens as the `token` parameter. The value is a dlt secret named by the
    config's auth_token_env: that environment variable, or the same key in .dlt/secrets.toml."""
    if not utility.auth_token_env:
        return {}
    token = str(dlt.secrets.get(utility.auth_token_env) or "").strip()
    if not token:
        raise UtilityRunError(f"{utility.utility_code}: set the environment variable "
                              f"{utility.auth_token_env} to the service's token")
    return {"token": token}


def check_mapped_fields(utility: UtilityConfig, layer: LayerConfig,
                        metadata: LayerMetadata) -> None:
    missing = sorted(set(layer.field_map) - set(metadata.field_names))
    if missing:
        raise UtilityRunError(
            f"{utility.utility_code}: field_map names {', '.join(map(repr, missing))} that "
            f"layer {metadata.url} does not have. Its fields are: "
            f"{', '.join(metadata.field_names)}. Fix {utility.source_file.name} "
            f"(python -m extract hosting-capacity --utility {utility.utility_code} --discover)")


def layer_fingerprint(reader: LayerReader) -> dict:
    """What tells us a layer changed: lastEditDate, else its count and highest object id."""
    meta = reader.meta
    if meta.last_edit_date is not None:
        return {"url": meta.url, "last_edit_date": meta.last_edit_date.isoformat()}
    ids = reader.object_ids()
    return {"url": meta.url, "count": len(ids), "max_object_id": ids[-1] if ids else None}


def plan_layers(utility: UtilityConfig, client: HttpClient, params: dict) -> list[PlannedLayer]:
    planned = []
    for layer in utility.layers:
        service_url = resolve_service_url(utility, layer, client, datetime.now(UTC).date())
        metadata = fetch_layer_metadata(client, f"{service_url.rstrip('/')}/{layer.layer_index}",
                                        params)
        check_mapped_fields(utility, layer, metadata)
        reader = LayerReader(client, metadata, page_size=layer.page_size, base_params=params)
        planned.append(PlannedLayer(layer, metadata, layer_fingerprint(reader)))
    return planned


class ProgressPrinter:
    """A progress line per utility and layer at most every few seconds (stderr)."""

    def __init__(self, label: str, every_s: float = 5.0):
        self.label = label
        self.every_s = every_s
        self.last = 0.0

    def __call__(self, stats: PageStats) -> None:
        now = time.monotonic()
        if now - self.last >= self.every_s:
            self.last = now
            total = stats.expected_count if stats.expected_count is not None else "?"
            print(f"  {self.label}: {stats.pages} pages, {stats.features}/{total} features",
                  file=sys.stderr, flush=True)


def page_table(utility_code: str, layer_name: str, run_id: str, page: list) -> pa.Table:
    """One page as an Arrow table: dlt writes it to Parquet as is, with no per-row work."""
    count = len(page)
    return pa.table({
        "utility_code": pa.array([utility_code] * count, pa.string()),
        "source_layer": pa.array([layer_name] * count, pa.string()),
        "source_object_id": pa.array([f.object_id for f in page], pa.int64()),
        "raw_attributes": pa.array([orjson.dumps(f.attributes, default=number_as_written)
                                    for f in page], pa.string()),
        "geometry": pa.array([None if f.geometry is None
                              else orjson.dumps(f.geometry, default=non_finite_as_null)
                              for f in page], pa.string()),
        "ingestion_run_id": pa.array([run_id] * count, pa.string()),
    })


def feature_rows(utility: UtilityConfig, planned: list[PlannedLayer], client: HttpClient,
                 params: dict, run: RunRecord) -> Iterator[pa.Table]:
    """Every feature of every layer as raw rows, page by page."""
    counter = UnparseableCounter()
    for layer in planned:
        config = layer.config
        reader = LayerReader(
            client, layer.metadata, page_size=config.page_size, where=config.where,
            out_sr=config.out_sr, paging=config.paging, base_params=params,
            on_page=ProgressPrinter(f"{utility.utility_code}/{config.name}"))
        for page in reader.features():
            counter.count(config.field_map, config.capacity_unit, page)
            if page:
                yield page_table(utility.utility_code, config.name, run.run_id, page)
        run.records_fetched += reader.stats.features + reader.stats.duplicates_dropped
        run.records_written += reader.stats.features
        run.layer_counts[config.name] = reader.stats.features
        run.notes += [f"{config.name}: {reader.stats.strategy}, {reader.stats.pages} pages"]
        run.notes += [f"{config.name}: {note}" for note in reader.stats.notes]
    run.unparseable_values = counter.as_dict()


@dlt.resource(name=FEATURES_TABLE, write_disposition="append", columns=FEATURE_COLUMNS)
def features(utility: UtilityConfig, planned: list[PlannedLayer], client: HttpClient,
             params: dict, run: RunRecord) -> Iterator[pa.Table]:
    """raw_arcgis.features: every feature of the planned layers, appended under the run id."""
    yield from feature_rows(utility, planned, client, params, run)


@dlt.resource(name=RUNS_TABLE, write_disposition="append", columns=RUN_COLUMNS)
def ingestion_runs(runs: tuple[RunRecord, ...]) -> Iterator[list[dict]]:
    """raw_arcgis.ingestion_runs: one record per utility run."""
    yield [run.as_row() for run in runs]


@dlt.source
def arcgis_utility(utility: UtilityConfig, planned: list[PlannedLayer], client: HttpClient,
                   params: dict, run: RunRecord) -> dlt.sources.DltResource:
    """One utility's ArcGIS layers, read page by page."""
    return features(utility, planned, client, params, run)


@dlt.source
def arcgis_runs(runs: tuple[RunRecord, ...]) -> dlt.sources.DltResource:
    """Run records, written alone: never touching features."""
    return ingestion_runs(runs)


def named_like(pipeline: dlt.Pipeline, source: Callable[..., dlt.sources.DltSource]
               ) -> Callable[..., dlt.sources.DltSource]:
    """`source` named after the pipeline, so that its schema stays the pipeline's own
    (arcgis_<utility>), as when the extractor loaded bare resources."""
    return source.with_args(name=pipeline.pipeline_name)


class _ArrowJsonHintNotice(logging.Filter):
    """dlt notes at every load that our JSON columns arrive as Arrow strings; that is the
    design (DuckDB stores them as JSON), not news for the user."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "when merging arrow schema with dlt schema" not in record.getMessage()


logging.getLogger("dlt").addFilter(_ArrowJsonHintNotice())


def load_pending(pipeline: dlt.Pipeline, what: str) -> None:
    """Load what was extracted, on one connection for the whole package (one_connection;
    each file still commits alone); a reader holding the DuckDB file delays the load."""
    try:
        with one_connection(pipeline, what):
            pipeline.load(raise_on_failed_jobs=True)
    except Exception as error:
        if "Out of Memory" not in str(error):
            raise
        # DuckDB reads a Parquet row group (one page) whole: pages of large polygons (about
        # 50 KB a feature at 2,000 a page, measured) do not fit the lean default.
        raise UtilityRunError(
            f"{what}: DuckDB's memory limit HC_DUCKDB_MEMORY={duckdb_memory_limit()} is too "
            "small for this layer's pages (large geometries); run again with a larger one, "
            "e.g. HC_DUCKDB_MEMORY=1GB, or a smaller page_size in its config") from error


@contextmanager
def one_connection(pipeline: dlt.Pipeline, what: str) -> Iterator[None]:
    """Keep one DuckDB connection open for the steps inside, which dlt's clients then share
    (otherwise dlt opens and closes one per load file): each close checkpoints the file,
    0.1-0.4 s and a memory peak. Opening it waits out another process holding the file."""
    client = pipeline.sql_client()
    retry_while_file_locked(client.open_connection, what)
    try:
        yield
    finally:
        client.close_connection()


def record_run_only(pipeline: dlt.Pipeline, *runs: RunRecord) -> None:
    """Write run records alone, never touching features."""
    with _LOAD_LOCK:
        pipeline.extract(named_like(pipeline, arcgis_runs)(runs))
        pipeline.normalize()
        load_pending(pipeline, f"recording runs of {', '.join(r.utility_code for r in runs)}")


def execute(pipeline: dlt.Pipeline, what: str, statement: str, table: str,
            *params: object) -> list[tuple]:
    """Run one statement on a raw table ({table} in the statement), waiting out readers."""
    def attempt() -> list[tuple]:
        with pipeline.sql_client() as sql:
            qualified = sql.make_qualified_table_name(table)
            return sql.execute_sql(statement.format(table=qualified), *params) or []

    return retry_while_file_locked(attempt, what)


def recorded_status(pipeline: dlt.Pipeline, run: RunRecord) -> str | None:
    """The status already stored for this run id, if any (a load can commit and still raise)."""
    try:
        rows = execute(pipeline, f"{run.utility_code}: reading its run record",
                       "select status from {table} where run_id = ?", RUNS_TABLE, run.run_id)
    except DatabaseUndefinedRelation:
        return None
    return rows[0][0] if rows else None


def count_loaded(pipeline: dlt.Pipeline, run: RunRecord) -> int:
    return execute(pipeline, f"{run.utility_code}: counting its loaded rows",
                   "select count(*) from {table} where ingestion_run_id = ?", FEATURES_TABLE,
                   run.run_id)[0][0]


def record_runs(runs: list[RunRecord]) -> None:
    """Several run records (skipped utilities) in one load: a re-run with nothing changed
    costs one small load, not one per utility."""
    if runs:
        record_run_only(make_pipeline("runs"), *runs)


def prune_older_runs(pipeline: dlt.Pipeline, run: RunRecord) -> None:
    """Rows of runs older than this recorded success are never read again: delete them.
    Cleanup only: if it fails, the next success prunes them."""
    try:
        with _LOAD_LOCK:
            execute(pipeline, f"{run.utility_code}: pruning older runs",
                    "delete from {table} where utility_code = ? and ingestion_run_id <> ?",
                    FEATURES_TABLE, run.utility_code, run.run_id)
    except Exception as error:  # noqa: BLE001 - the run succeeded; leftovers are harmless
        run.notes.append(f"older rows not pruned yet: {error}")


def short_layers(run: RunRecord, previous_counts: dict) -> list[str]:
    """Layers whose count fell sharply since the last successful run (a server answering
    half a layer): below HC_SHORT_LAYER_RATIO (default 0.5) of the previous count."""
    ratio = float(os.environ.get("HC_SHORT_LAYER_RATIO", "0.5"))
    found = []
    for name, count in run.layer_counts.items():
        before = previous_counts.get(name)
        if isinstance(before, int) and before > 0 and count < before * ratio:
            found.append(f"short layer {name}: {count:,} features, the previous successful "
                         f"run read {before:,} ({(count - before) / before:+.0%})")
    return found


def run_utility(utility: UtilityConfig, *, limiter: HostLimiter, previous_fingerprints: dict,
                force: bool = False, dry_run: bool = False, previous_counts: dict | None = None,
                strict: bool = False) -> RunRecord:
    """Extract one utility completely, or fail it with a clear error; never raises."""
    run = RunRecord(utility_code=utility.utility_code)
    secrets: tuple[str, ...] = ()
    pipeline = None
    try:
        params = auth_params(utility)
        secrets = tuple(params.values())
        headers = {k: v for layer in utility.layers for k, v in layer.request_headers.items()}
        with HttpClient(limiter=limiter, secrets=secrets, headers=headers) as client:
            planned = plan_layers(utility, client, params)
            run.source_url = " ".join(redact(p.metadata.url, secrets) for p in planned)
            run.layer_fingerprints = {p.config.name: p.fingerprint for p in planned}
            if dry_run:
                return dry_run_layers(utility, planned, client, params, run)
            if not force and previous_fingerprints == run.layer_fingerprints:
                return run.finish("skipped_unchanged")  # recorded with the others, in one load
            pipeline = make_pipeline(utility.utility_code)
            source = named_like(pipeline, arcgis_utility)(utility, planned, client, params, run)
            pipeline.extract(source, loader_file_format="parquet")
            shorts = short_layers(run, previous_counts or {})
            if shorts and strict:
                raise UtilityRunError(f"{utility.utility_code}: {'; '.join(shorts)}; refused "
                                      "with --strict (the previous ingestion stays)")
            run.notes += shorts
            pipeline.normalize()
            maybe_die("before_load")
            # The load, its count, the run record and the pruning on one connection, opened
            # under the lock: DuckLake's first connections must not race.
            with _LOAD_LOCK, one_connection(pipeline, f"{utility.utility_code}: loading"):
                load_pending(pipeline, f"{utility.utility_code}: loading its features")
                loaded = count_loaded(pipeline, run) if run.records_written else 0
                maybe_die("after_load")
                if loaded != run.records_written:
                    raise UtilityRunError(f"{utility.utility_code}: {loaded} rows loaded of "
                                          f"{run.records_written} read; the run is not used")
                record_run_only(pipeline, run.finish("success"))
                maybe_die("after_run_record")
                prune_older_runs(pipeline, run)
            return run
    except (UtilityRunError, LayerError, FetchError, ValueError) as error:
        return fail_run(pipeline, run, redact(str(error), secrets))
    except Exception as error:  # noqa: BLE001 - one utility must never stop the others
        return fail_run(pipeline, run, redact(f"{type(error).__name__}: {error}", secrets))


def fail_run(pipeline: dlt.Pipeline | None, run: RunRecord, message: str) -> RunRecord:
    """Record the run as failed, once: a success record that committed before an error was
    raised stands (its rows were counted before it was written)."""
    written = run.records_written
    run.records_written = 0
    run.finish("failed", message)
    try:
        pipeline = pipeline or make_pipeline(run.utility_code)
        pipeline.abort_packages()
        if recorded_status(pipeline, run) == "success":
            run.records_written = written
            run.finish("success")
            run.notes.append(f"error after the success was recorded: {message}")
            return run
        record_run_only(pipeline, run)
    except Exception as error:  # noqa: BLE001 - report, the run already failed
        run.notes.append(f"could not record the failed run: {error}")
    return run


def dry_run_layers(utility: UtilityConfig, planned: list[PlannedLayer], client: HttpClient,
                   params: dict, run: RunRecord) -> RunRecord:
    """Fetch and validate everything, write nothing."""
    for _page in feature_rows(utility, planned, client, params, run):
        pass  # reading every page is the validation: counts, ids, parsable JSON
    run.notes.append("dry run: nothing written")
    return run
