"""Install DuckDB's extensions from their PyPI wheels, offline: spatial, and ducklake and
postgres for the lake (HC_LAKE).

`INSTALL spatial` by name downloads from extensions.duckdb.org; installing from the wheel's
file puts it in ~/.duckdb/extensions, where Python, dbt, dlt and the duckdb CLI all find it
(`LOAD x`, or an ATTACH 'ducklake:...' that loads it by itself), without a download.
"""

import importlib
from pathlib import Path

import duckdb

# extension -> (the module of its wheel, duckdb-extension-<name> on PyPI; the file's stem).
# DuckDB registers the postgres file as `postgres_scanner`, and `postgres` is its alias.
WHEELS = {"spatial": ("duckdb_extension_spatial", "spatial"),
          "ducklake": ("duckdb_extension_ducklake", "ducklake"),
          "postgres_scanner": ("duckdb_extension_postgres", "postgres")}


def extension_file(name: str) -> Path:
    module, stem = WHEELS[name]
    package_dir = Path(importlib.import_module(module).__file__).parent
    candidates = sorted(package_dir.rglob(f"{stem}.duckdb_extension"))
    if not candidates:
        raise SystemExit(f"{stem}.duckdb_extension not found under {package_dir}")
    return candidates[0]


def main() -> None:
    con = duckdb.connect()
    for name in WHEELS:
        con.execute(f"INSTALL '{extension_file(name)}'")
        con.execute(f"LOAD {name}")
        version = con.execute("SELECT extension_version FROM duckdb_extensions() "
                              "WHERE extension_name = ?", [name]).fetchone()[0]
        print(f"DuckDB {name} extension {version} installed and loads offline")


if __name__ == "__main__":
    main()
