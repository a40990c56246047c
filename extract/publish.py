"""Publishing after a build: warehouse/marts.duckdb for BI tools and warehouse/exports/.

Called at the end of every `dbt build` (or `dbt run`) that passed, by the on-run-end hook
`publish()` (dbt_project/macros/publish.sql) through the SQL functions that the dbt-duckdb
plugin extract/dbt_publish.py registers. `connection` is a cursor of dbt's own connection;
`database` and `marts_schema` are where this build put the marts: `hosting_capacity` and
`marts` in the DuckDB file; with HC_LAKE, `lake` and `marts` (or `<schema>_marts` for dbt's
`personal` target). Built in the lake, the marts are still published to the warehouse
folder, as marts.duckdb and exports/, for BI tools and GIS users as before.

marts.duckdb holds the marts tables alone, in its default schema, plus the table macros of
dbt_project/sql/warehouse_macros.sql. DuckDB names a file's catalog after the file, so
`marts.hosting_capacity_records` means the same table in both files. Both the marts file and
each export are written aside and renamed over the old one, so a reader never sees a
half-written file. The marts file is written incrementally when one is published: a copy of
it in which only the utilities whose rows changed are rewritten (see stage_marts). A build
that would publish a supported utility's records, or most of a mart, down to nothing is
refused (the old files stay) unless allow_shrink is set.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from extract import faultpoints, parquet_concat, settings

MARTS_SCHEMA = "marts"
MARTS_FILE = "marts.duckdb"
STAGING_ALIAS = "marts_file_staging"
SIGNATURES = f"{STAGING_ALIAS}.publish_state.signatures"  # what each utility's rows hash to
MACROS_FILE = Path(__file__).resolve().parents[1] / "dbt_project" / "sql" / "warehouse_macros.sql"
RECORDS_FILE = "hosting_capacity_records.parquet"
EXPORT_STAMP_KEY = "hc_export"  # key-value metadata: what each utility's block holds
EXPORTS = {
    # raw_attributes as text: JSON is not a Parquet logical type every GIS reads. The bbox
    # columns become the one covering struct GeoParquet 1.1 names.
    RECORDS_FILE: (
        "select * exclude (raw_attributes, bbox_min_lon, bbox_min_lat, bbox_max_lon, "
        "bbox_max_lat), cast(raw_attributes as varchar) as raw_attributes, "
        "struct_pack(xmin := bbox_min_lon, ymin := bbox_min_lat, xmax := bbox_max_lon, "
        "ymax := bbox_max_lat) as bbox from {marts}.hosting_capacity_records"
    ),
    "dynamic_prices.parquet": (
        "select * from {marts}.dynamic_prices order by utility, program, market, cca, rate_name, "
        "representative_circuit_id, interval_minutes, interval_start"
    ),
}
GEOPARQUET_TYPES = {"POINT": "Point", "LINESTRING": "LineString", "POLYGON": "Polygon",
                    "MULTIPOINT": "MultiPoint", "MULTILINESTRING": "MultiLineString",
                    "MULTIPOLYGON": "MultiPolygon", "GEOMETRYCOLLECTION": "GeometryCollection"}


class PublishRefused(RuntimeError):
    """The build would publish less than the published file holds."""


def macros_sql(marts_path: str = MARTS_SCHEMA) -> str:
    """The table macros, reading the marts tables through `marts_path`."""
    return MACROS_FILE.read_text().replace("{marts}", marts_path)


def use_build_database(connection, database: str) -> Path:
    """Make the build's database the cursor's default (a new cursor starts in dbt's
    in-memory one when the build is in the lake); returns the warehouse folder."""
    connection.execute(f"use {database}")
    if database == settings.LAKE_ALIAS:
        return settings.warehouse_dir()
    path = connection.execute(
        "select path from duckdb_databases() where database_name = current_database()"
    ).fetchone()[0]
    return Path(path).resolve().parent


def add_build_macros(connection, database: str, marts_schema: str) -> None:
    """The macros in the build's database too: in hosting_capacity.duckdb, reading `marts`;
    in the lake, reading `lake.<marts schema>` (so they work whether or not a reader `USE`s
    the lake), in its default schema, or in the marts schema of a `personal` target."""
    if database != settings.LAKE_ALIAS:
        connection.execute(macros_sql())
        return
    home = "main" if marts_schema == MARTS_SCHEMA else marts_schema
    connection.execute(f"use {database}.{home}")
    try:
        connection.execute(macros_sql(f"{database}.{marts_schema}"))
    finally:
        connection.execute(f"use {database}")


def copy_marts(connection, marts_schema: str, target: Path, tables: list[str],
               signed: dict) -> dict[str, int]:
    """Copy every table to a new file at `target`, with the build's signatures (`signed`)."""
    counts = {}
    connection.execute(f"attach '{target}' as {STAGING_ALIAS}")
    try:
        for table in tables:
            connection.execute(f'create table {STAGING_ALIAS}.main."{table}" as '
                               f'select * from {marts_schema}."{table}"')
            counts[table] = connection.execute(
                f'select count(*) from {marts_schema}."{table}"').fetchone()[0]
        store_signatures(connection, signed)
    finally:
        connection.execute(f"detach {STAGING_ALIAS}")
    return counts


def columns(connection, catalog: str, schema: str, table: str) -> list[tuple[str, str]]:
    """(name, type) of a table's columns in order; empty when there is no such table."""
    return connection.execute(
        "select column_name, data_type from duckdb_columns() where database_name = ? "
        "and schema_name = ? and table_name = ? order by column_index",
        [catalog, schema, table]).fetchall()


def signatures(connection, relation: str) -> dict:
    """utility_code -> (rows, sum of the rows' 64-bit hashes): equal signatures, equal rows
    (the hash combines every column's, so a change in any column shows; hashing the
    columns is ~30% faster than hashing the row as one struct)."""
    names = [column[0] for column in
             connection.execute(f"select * from {relation} limit 0").description]
    quoted = ['whole_row."' + name.replace('"', '""') + '"' for name in names]
    row_hash = f"hash({', '.join(quoted)})"  # the same value as hash(whole_row)
    return {code: (rows, digest) for code, rows, digest in connection.execute(
        f"select utility_code, count(*), sum({row_hash}) "
        f"from {relation} as whole_row group by 1").fetchall()}


def stored_signatures(connection) -> dict[str, dict]:
    """table -> the signatures the published file's rows had when it was written, from its
    publish_state schema; empty for a file written whole (there are none then)."""
    catalog, schema, table = SIGNATURES.split(".")
    if not columns(connection, catalog, schema, table):
        return {}
    rows = connection.execute(
        f"select table_name, utility_code, row_count, digest from {SIGNATURES}").fetchall()
    stored = {}
    for table, code, count, digest in rows:
        stored.setdefault(table, {})[code] = (count, int(digest))
    return stored


def store_signatures(connection, signed: dict[str, dict]) -> None:
    """Saves the next publish reading the published side's signatures (~2 s per table of
    10 million records). The file is only ever written by publishing, so they stay true."""
    connection.execute(f"create schema if not exists {SIGNATURES.rsplit('.', 1)[0]}")
    connection.execute(f"create or replace table {SIGNATURES} (table_name varchar, "
                       "utility_code varchar, row_count bigint, digest varchar)")
    rows = [(table, code, count, str(digest)) for table, by_code in signed.items()
            for code, (count, digest) in by_code.items()]
    if rows:
        connection.executemany(f"insert into {SIGNATURES} values (?, ?, ?, ?)", rows)


def build_signatures(connection, marts_schema: str, tables: list[str],
                     state_schema: str | None = None) -> dict[str, dict]:
    """table -> signatures, for each of `tables` that has a utility_code: from the build
    state where the model signs its rows (dbt_project/macros/per_utility.sql), else hashed."""
    build = connection.execute("select current_database()").fetchone()[0]
    return {table: (state_schema and signed_in_build_state(connection, build, marts_schema,
                                                            state_schema, table))
            or signatures(connection, f'{marts_schema}."{table}"') for table in tables
            if ("utility_code", "VARCHAR") in columns(connection, build, marts_schema, table)}


def signed_in_build_state(connection, build: str, marts_schema: str, state_schema: str,
                          table: str) -> dict | None:
    """The signatures the model wrote into build_state.<table> when it built its rows, if
    they cover exactly the utilities the table holds (else None: hash the table)."""
    if ("digest", "VARCHAR") not in columns(connection, build, state_schema, table):
        return None
    held = {code: (rows, int(digest)) for code, rows, digest in connection.execute(
        f'select utility_code, row_count, digest from {state_schema}."{table}" '
        "where digest is not null").fetchall()}
    present = {code for (code,) in connection.execute(
        f'select distinct utility_code from {marts_schema}."{table}"').fetchall()}
    return held if present == held.keys() else None


def update_table(connection, source: str, target: str, new: dict,
                 old: dict | None) -> tuple[int, int]:
    """Replace the rows of the utilities whose content differs between `source` (the build,
    whose signatures are `new`) and `target` (the staging copy of the published table, whose
    signatures are `old` if known); (utilities updated, of)."""
    old = signatures(connection, target) if old is None else old
    either = old.keys() | new.keys()
    changed = [code for code in either if old.get(code) != new.get(code)]
    if changed:
        # A filter, not a join, keeps the build's row order (the records are stored in
        # Hilbert order for zone-map pruning); literal codes let the zone maps of
        # utility_code skip other utilities' row groups (one utility of 10 million records:
        # 1.2 s against 1.5 s with list_contains and a parameter).
        codes = [f"'{sql_text(code)}'" for code in changed if code is not None]
        where = " or ".join(([f"utility_code in ({', '.join(codes)})"] if codes else [])
                            + (["utility_code is null"] if None in changed else []))
        connection.execute(f"delete from {target} where {where}")
        connection.execute(f"insert into {target} select * from {source} where {where}")
    return len(changed), len(either)


def update_marts(connection, marts_schema: str, target: Path, tables: list[str],
                 signed: dict) -> tuple[dict[str, int], dict[str, str]]:
    """Bring `target`, a copy of the published file, up to the build's marts: per utility
    where a table has utility_code, whole otherwise. (row counts, how each was brought).
    `signed` holds the build's signatures, by table."""
    build = connection.execute("select current_database()").fetchone()[0]
    counts, how = {}, {}
    connection.execute(f"attach '{target}' as {STAGING_ALIAS}")
    try:
        published = {name for (name,) in connection.execute(
            "select table_name from duckdb_tables() where database_name = ? "
            "and schema_name = 'main'", [STAGING_ALIAS]).fetchall()}
        for gone in sorted(published - set(tables)):
            connection.execute(f'drop table {STAGING_ALIAS}.main."{gone}"')
        stored = stored_signatures(connection)
        for table in tables:
            source, copy = f'{marts_schema}."{table}"', f'{STAGING_ALIAS}.main."{table}"'
            shape = columns(connection, build, marts_schema, table)
            if ("utility_code", "VARCHAR") in shape and \
                    shape == columns(connection, STAGING_ALIAS, "main", table):
                updated, of = update_table(connection, source, copy, signed[table],
                                           stored.get(table))
                how[table] = f"{updated} of {of} utilities updated"
            else:
                connection.execute(f"create or replace table {copy} as select * from {source}")
                how[table] = "copied whole"
            counts[table] = connection.execute(f"select count(*) from {source}").fetchone()[0]
        store_signatures(connection, signed)
    finally:
        connection.execute(f"detach {STAGING_ALIAS}")
    return counts, how


def stage_marts(connection, marts_schema: str, published: Path, target: Path,
                tables: list[str], signed: dict, on_signed=None,
                state_schema: str | None = None) -> tuple[dict[str, int], dict[str, str]]:
    """Write the build's marts to `target`: incrementally from a copy of the published file
    when there is one (a full copy of every table costs ~4 s per million records; a rebuild
    usually changes one utility), else, or if that file cannot be read, whole. The rows
    deleted leave free blocks that DuckDB reuses: over 19 successive publishes at 2 million
    records the file settled at 1.25-1.35 times a fresh copy's size, so there is no
    compaction step."""
    def sign() -> None:
        signed.update(build_signatures(connection, marts_schema, tables, state_schema))
        if on_signed:
            on_signed(signed)

    why = "copied whole"
    if published.exists():
        with ThreadPoolExecutor(1) as pool:
            # The copy waits on the disk (1-5 s for 3 GB), the signatures on the CPU (~4 s
            # at 10 million records): side by side.
            copying = pool.submit(shutil.copyfile, published, target)
            sign()
            copying.result()
        try:
            return update_marts(connection, marts_schema, target, tables, signed)
        except duckdb.Error as error:
            # Corrupt, or another DuckDB version's file: the full copy does not read it. The
            # summary line says why, so a fallback that keeps happening shows in the log.
            target.unlink()
            target.with_name(target.name + ".wal").unlink(missing_ok=True)
            reason = str(error).splitlines()[0][:200]
            why = f"copied whole: the published file could not be updated: {reason}"
    else:  # the first publish: signed now, so that the next one needs only the build's
        sign()
    counts = copy_marts(connection, marts_schema, target, tables, signed)
    return counts, {table: why for table in counts}


def shrinkage(published: Path, connection, marts_schema: str,
              counts: dict[str, int]) -> list[str]:
    """What this build would lose against the published file: a supported utility's records
    gone to zero, or a mart losing more than half its rows. Empty when nothing shrinks."""
    if not published.exists():
        return []
    try:
        old = duckdb.connect(str(published), read_only=True)
    except duckdb.Error:
        return []  # unreadable (corrupt): nothing in it that this build could lose
    losses = []
    with old:
        old_tables = {name for (name,) in old.execute(
            "select table_name from information_schema.tables "
            "where table_schema = 'main'").fetchall()}
        for table in sorted(old_tables & set(counts)):
            before = old.execute(f'select count(*) from main."{table}"').fetchone()[0]
            if counts[table] * 2 < before:
                losses.append(f"{table}: {before:,} rows published, {counts[table]:,} now")
        if "utilities" in old_tables and "utilities" in counts:
            before = dict(old.execute("select utility_code, record_count from main.utilities "
                                      "where record_count > 0").fetchall())
            now = dict(connection.execute(
                f"select utility_code, record_count from {marts_schema}.utilities "
                "where is_supported").fetchall())
            losses += [f"utility {code}: {before[code]:,} records published, 0 now"
                       for code in sorted(before) if now.get(code) == 0]
    return losses


def add_macros(target: Path) -> None:
    # Opened on its own, under its final name, so `marts.x` resolves as it will for users.
    with duckdb.connect(str(target)) as con:
        con.execute("load spatial")
        con.execute(macros_sql())
        con.execute("checkpoint")


def publish_marts_file(connection, database: str, marts_schema: str, tables: list[str],
                       allow_shrink: bool, on_signed=None, state_schema: str | None = None
                       ) -> str:
    """Copy `tables` of the marts schema to marts.duckdb, atomically; a summary line.
    `on_signed` is called with the build's per-utility signatures, by table, once they are
    computed; `state_schema` is where the models keep their build state."""
    signed = {}
    connection.execute("load spatial")
    final_path = use_build_database(connection, database) / MARTS_FILE
    add_build_macros(connection, database, marts_schema)
    for leftover in final_path.parent.glob(".marts-publish-*"):
        shutil.rmtree(leftover, ignore_errors=True)  # from a build killed midway
    staging_dir = final_path.with_name(f".marts-publish-{os.getpid()}")
    staging_dir.mkdir()
    try:
        temp_path = staging_dir / MARTS_FILE
        counts, how = stage_marts(connection, marts_schema, final_path, temp_path, tables,
                                  signed, on_signed, state_schema)
        losses = shrinkage(final_path, connection, marts_schema, counts)
        if losses and not allow_shrink:
            raise PublishRefused(
                f"{final_path} not replaced: this build would publish less than it holds "
                "(" + "; ".join(losses) + "). Look at the extract's errors and "
                "hc_ingestion_runs; if the loss is intended, build with "
                "--vars '{allow_shrink: true}' (make build ALLOW_SHRINK=1).")
        add_macros(temp_path)
        faultpoints.maybe_die("before_marts_file_rename")
        os.replace(temp_path, final_path)
    finally:
        shutil.rmtree(staging_dir, ignore_errors=True)
    return (f"published {final_path}: "
            + ", ".join(f"{table} {rows:,} ({how[table]})" for table, rows in counts.items()))


def geo_metadata(connection, marts_schema: str) -> str:
    """GeoParquet 1.1 `geo` metadata of the records file, with its bbox covering."""
    types, xmin, ymin, xmax, ymax = connection.execute(
        "select list(distinct geometry_type) filter (where geometry_type is not null), "
        "min(bbox_min_lon), min(bbox_min_lat), max(bbox_max_lon), max(bbox_max_lat) "
        f"from {marts_schema}.hosting_capacity_records").fetchone()
    column = {
        "encoding": "WKB",
        "geometry_types": sorted(GEOPARQUET_TYPES[t] for t in types or [] if t in
                                 GEOPARQUET_TYPES),
        "covering": {"bbox": {key: ["bbox", key] for key in ("xmin", "ymin", "xmax", "ymax")}},
    }
    if xmin is not None:
        column["bbox"] = [float(v) for v in (xmin, ymin, xmax, ymax)]
    return json.dumps({"version": "1.1.0", "primary_column": "geom",
                       "columns": {"geom": column}})


def aside(final_path: Path) -> Path:
    """Where a file is written before it is renamed over `final_path`."""
    return final_path.with_name(f".{final_path.name}.{os.getpid()}.tmp")


def write_aside(connection, query: str, final_path: Path, options: str = "") -> tuple[Path, int]:
    temp_path = aside(final_path)
    connection.execute(f"copy ({query}) to '{temp_path}' (format parquet, compression zstd"
                       f"{options})")
    rows = connection.execute(
        f"select count(*) from read_parquet('{temp_path}')").fetchone()[0]
    return temp_path, rows


def exported_utilities(path: Path, layout: str) -> dict:
    """What the records export at `path` holds, per utility: {code: {"signature": [rows,
    digest], "row_groups": [first, count]}}; empty when there is no such file, it cannot be
    read, or it was written in another layout."""
    try:
        metadata = pq.read_metadata(path)
        stamp = json.loads((metadata.metadata or {}).get(EXPORT_STAMP_KEY.encode(), b"{}"))
    except (OSError, ValueError, pa.ArrowException):
        return {}
    if stamp.get("layout") != layout:
        return {}
    group_rows = [metadata.row_group(index).num_rows
                  for index in range(metadata.num_row_groups)]
    utilities = {}
    for code, held in stamp.get("utilities", {}).items():
        first, count = held["row_groups"]
        if sum(group_rows[first:first + count]) == held["signature"][0]:
            utilities[code] = held  # else the stamp lies about the file: rewrite that one
    return utilities


def export_records(connection, query: str, options: str, final_path: Path,
                   signatures_now: dict, geo: str) -> tuple[Path, int, str]:
    """Write the records export as one block of row groups per utility, rewriting only the
    utilities whose rows changed since the file at `final_path` was written and copying the
    others' row groups byte for byte (extract/parquet_concat.py): a refresh of one utility
    of 25 at 10 million records takes ~3 s instead of ~13. (the file written aside, to be
    renamed over `final_path`; rows written; how)."""
    layout = hashlib.md5(f"{query} {options} {duckdb.__version__}".encode()).hexdigest()
    codes = sorted(signatures_now, key=lambda code: (code is None, code or ""))
    if None in codes or not codes:  # a block per utility needs a code to file it under
        temp_path, rows = write_aside(connection, query, final_path,
                                      f", {options}, kv_metadata {{geo: '{sql_text(geo)}'}}")
        return temp_path, rows, "written whole"
    before = exported_utilities(final_path, layout)
    work = final_path.with_name(f".{final_path.name}.{os.getpid()}.parts")
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    try:
        try:
            rows, rewritten = assemble_export(connection, query, options, final_path, work,
                                              codes, signatures_now, before, geo, layout)
        except parquet_concat.ParquetLayoutError:  # the old file's footer: write all anew
            rows, rewritten = assemble_export(connection, query, options, final_path, work,
                                              codes, signatures_now, {}, geo, layout)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return aside(final_path), rows, f"{rewritten} of {len(codes)} utilities written"


def assemble_export(connection, query: str, options: str, final_path: Path, work: Path,
                    codes: list[str], signatures_now: dict, before: dict, geo: str,
                    layout: str) -> tuple[int, int]:
    """export_records' work in `work`, the file left aside; (rows, utilities rewritten)."""
    pieces, footers, stamp, first, rewritten = [], {}, {}, 0, 0
    with ThreadPoolExecutor(1) as pool:
        # Reading the old footer in Python (1-2 s for 1,000 row groups) while DuckDB writes.
        old_footer = pool.submit(parquet_concat.read_footer, final_path) if before else None
        for number, code in enumerate(codes):
            signature = list(signatures_now[code])
            held = before.get(code)
            if held and held["signature"] == signature:
                source, groups = final_path, range(held["row_groups"][0], sum(held["row_groups"]))
            else:
                source = work / f"{number}.parquet"
                connection.execute(
                    f"copy ({query} where utility_code = '{sql_text(code)}') to '{source}' "
                    f"(format parquet, compression zstd, {options})")
                footers[source] = parquet_concat.read_footer(source)
                groups = range(len(parquet_concat.row_group_rows(footers[source])))
                rewritten += 1
            pieces.append((source, list(groups)))
            stamp[code] = {"signature": signature, "row_groups": [first, len(groups)]}
            first += len(groups)
        if old_footer:
            footers[final_path] = old_footer.result()
    temp_path = aside(final_path)
    metadata = {"geo": geo, EXPORT_STAMP_KEY: json.dumps(
        {"layout": layout, "utilities": stamp}, separators=(",", ":"))}
    rows = parquet_concat.concatenate(pieces, temp_path, metadata, footers)
    expected = sum(signature[0] for signature in signatures_now.values())
    counted = connection.execute(
        f"select count(*) from read_parquet('{temp_path}')").fetchone()[0]
    if not rows == counted == expected:
        temp_path.unlink()
        raise RuntimeError(f"{final_path} not replaced: assembled {rows:,} rows "
                           f"(DuckDB reads {counted:,}), the build has {expected:,}")
    return rows, rewritten


def sql_text(value: str) -> str:
    return value.replace("'", "''")


def prepare_exports(connection, database: str, marts_schema: str, row_group_rows: int,
                    records_signatures: dict | None = None) -> tuple[list, str]:
    """GeoParquet 1.1 of the records (WGS84, Hilbert-ordered row groups of `row_group_rows`
    within each utility's block, a `bbox` covering column: DuckDB writes only 1.0 metadata
    itself) and Parquet of the prices, written aside in warehouse/exports/. ([(file aside,
    final path)], a summary line); commit_exports puts them in place."""
    connection.execute("load spatial")
    directory = use_build_database(connection, database) / "exports"
    directory.mkdir(exist_ok=True)
    for leftover in [*directory.glob(".*.tmp"), *directory.glob(".*.parts")]:
        shutil.rmtree(leftover) if leftover.is_dir() else leftover.unlink(missing_ok=True)
    geo = geo_metadata(connection, marts_schema)
    # One writer thread keeps the Hilbert order of the rows within and across row groups.
    connection.execute("set preserve_insertion_order = true")
    signatures_now = records_signatures or signatures(
        connection, f"{marts_schema}.hosting_capacity_records")
    temp_path, rows, how = export_records(
        connection, EXPORTS[RECORDS_FILE].format(marts=marts_schema),
        f"row_group_size {int(row_group_rows)}, geoparquet_version 'NONE'",
        directory / RECORDS_FILE, signatures_now, geo)
    prepared = [(temp_path, directory / RECORDS_FILE)]
    written = [f"{RECORDS_FILE} {rows:,} ({how})"]
    for name, query in EXPORTS.items():
        if name != RECORDS_FILE:
            temp_path, rows = write_aside(connection, query.format(marts=marts_schema),
                                          directory / name)
            prepared.append((temp_path, directory / name))
            written.append(f"{name} {rows:,}")
    return prepared, f"exported to {directory}: " + ", ".join(written)


def commit_exports(prepared: list) -> None:
    for temp_path, final_path in prepared:
        os.replace(temp_path, final_path)


def discard_exports(prepared: list) -> None:
    for temp_path, _ in prepared:
        temp_path.unlink(missing_ok=True)


def write_exports(connection, database: str, marts_schema: str, row_group_rows: int) -> str:
    """The exports (prepare_exports), in place; a summary line."""
    prepared, summary = prepare_exports(connection, database, marts_schema, row_group_rows)
    commit_exports(prepared)
    return summary


def publish(connection, database: str, marts_schema: str, tables: list[str],
            allow_shrink: bool, row_group_rows: int, state_schema: str | None = None) -> str:
    """marts.duckdb (publish_marts_file), then the exports; two summary lines. The exports
    are written on a cursor of their own while the marts file is updated (the one mostly
    waits on the disk, the other on the CPU: ~3 s less at 10 million records), and put in
    place only once the marts file is."""
    with ThreadPoolExecutor(1) as pool:
        exporting = []

        def start_exports(signed: dict) -> None:
            exporting.append(pool.submit(
                prepare_exports, connection.cursor(), database, marts_schema,
                row_group_rows, signed.get("hosting_capacity_records")))

        try:
            published = publish_marts_file(connection, database, marts_schema, tables,
                                           allow_shrink, start_exports, state_schema)
        except BaseException:
            if exporting and not exporting[0].exception():
                discard_exports(exporting[0].result()[0])
            raise
        prepared, exported = exporting[0].result()  # stage_marts always signs first
    commit_exports(prepared)
    return f"{published}\n{exported}"
