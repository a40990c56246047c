"""Write warehouse/exports/: GeoParquet of hosting_capacity_records, Parquet of dynamic_prices.

The records file is GeoParquet 1.1: WKB geometry in WGS84 lon/lat (which GeoParquet readers
take as OGC:CRS84), rows in the marts' Hilbert order, small row groups, and a `bbox` covering
column ({xmin, ymin, xmax, ymax}) named in the `geo` metadata, so GDAL, DuckDB, pyarrow and
geopandas readers skip the row groups a bounding-box filter cannot touch. DuckDB writes only
GeoParquet 1.0 metadata itself, so this model writes the `geo` metadata. Each file is written
aside, then renamed over the old one.
"""

import json
import os
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from extract import settings

RECORDS_FILE = "hosting_capacity_records.parquet"
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


def geo_metadata(session, marts_schema: str) -> str:
    """GeoParquet 1.1 `geo` metadata of the records file, with its bbox covering."""
    types, xmin, ymin, xmax, ymax = session.execute(
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
        column["bbox"] = [xmin, ymin, xmax, ymax]
    return json.dumps({"version": "1.1.0", "primary_column": "geom",
                       "columns": {"geom": column}})


def exports_dir(session) -> Path:
    if session.execute("select current_database()").fetchone()[0] == settings.LAKE_ALIAS:
        directory = settings.warehouse_dir() / "exports"  # beside the marts file
    else:
        path = session.execute(
            "select path from duckdb_databases() where database_name = current_database()"
        ).fetchone()[0]
        directory = Path(path).resolve().parent / "exports"
    directory.mkdir(exist_ok=True)
    return directory


def write_atomically(session, query: str, final_path: Path, options: str = "") -> int:
    temp_path = final_path.with_name(f".{final_path.name}.{os.getpid()}.tmp")
    session.execute(f"copy ({query}) to '{temp_path}' (format parquet, compression zstd"
                    f"{options})")
    rows = session.execute(f"select count(*) from read_parquet('{temp_path}')").fetchone()[0]
    os.replace(temp_path, final_path)
    return rows


def model(dbt, session):
    dbt.config(materialized="table")
    dbt.ref("hosting_capacity_records")
    dbt.ref("dynamic_prices")
    dbt.ref("int_marts_file_published")  # a refused publish leaves the exports as they were
    marts_schema = dbt.config.get("marts_schema") or "marts"
    session.execute("load spatial")
    directory = exports_dir(session)
    for leftover in directory.glob(".*.tmp"):
        leftover.unlink(missing_ok=True)  # from an export killed midway
    files, counts = [], []
    geo = geo_metadata(session, marts_schema).replace("'", "''")
    # Small enough that a siting-sized box touches a few row groups of a national file.
    row_group_rows = dbt.config.get("geoparquet_row_group_rows")
    row_group_rows = int(row_group_rows or 10000)
    # One writer thread keeps the Hilbert order of the rows within and across row groups.
    session.execute("set preserve_insertion_order = true")
    for name, query in EXPORTS.items():
        # (no doubled braces: dbt reads this file through Jinja first)
        options = (f", row_group_size {row_group_rows}, geoparquet_version 'NONE', "
                   "kv_metadata " + "{" + f"geo: '{geo}'" + "}") if name == RECORDS_FILE else ""
        files.append(str(directory / name))
        counts.append(write_atomically(session, query.format(marts=marts_schema),
                                       directory / name, options))
    return pd.DataFrame({"file": files, "row_count": counts, "written_at": datetime.now(UTC)})
