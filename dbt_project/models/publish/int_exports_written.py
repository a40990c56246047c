"""Write warehouse/exports/: GeoParquet of hosting_capacity_records, Parquet of dynamic_prices.

DuckDB's spatial extension writes GeoParquet 1.0 `geo` metadata for GEOMETRY columns (WGS84
lon/lat, which GeoParquet readers take as OGC:CRS84), so geopandas and QGIS open the records as
a layer. Each file is written aside, then renamed over the old one.
"""

import os
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

EXPORTS = {
    # raw_attributes as text: JSON is not a Parquet logical type every GIS reads.
    "hosting_capacity_records.parquet": (
        "select * exclude (raw_attributes), cast(raw_attributes as varchar) as raw_attributes "
        "from marts.hosting_capacity_records order by utility_code, source_layer, "
        "source_object_id"
    ),
    "dynamic_prices.parquet": (
        "select * from marts.dynamic_prices order by utility, program, market, cca, rate_name, "
        "representative_circuit_id, interval_minutes, interval_start"
    ),
}


def exports_dir(session) -> Path:
    path = session.execute(
        "select path from duckdb_databases() where database_name = current_database()"
    ).fetchone()[0]
    directory = Path(path).resolve().parent / "exports"
    directory.mkdir(exist_ok=True)
    return directory


def write_atomically(session, query: str, final_path: Path) -> int:
    temp_path = final_path.with_name(f".{final_path.name}.{os.getpid()}.tmp")
    session.execute(f"copy ({query}) to '{temp_path}' (format parquet, compression zstd)")
    rows = session.execute(f"select count(*) from read_parquet('{temp_path}')").fetchone()[0]
    os.replace(temp_path, final_path)
    return rows


def model(dbt, session):
    dbt.config(materialized="table")
    dbt.ref("hosting_capacity_records")
    dbt.ref("dynamic_prices")
    session.execute("load spatial")
    directory = exports_dir(session)
    for leftover in directory.glob(".*.tmp"):
        leftover.unlink(missing_ok=True)  # from an export killed midway
    files, counts = [], []
    for name, query in EXPORTS.items():
        files.append(str(directory / name))
        counts.append(write_atomically(session, query, directory / name))
    return pd.DataFrame({"file": files, "row_count": counts, "written_at": datetime.now(UTC)})
