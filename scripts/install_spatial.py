"""Install DuckDB's spatial extension from its PyPI wheel, offline.

`INSTALL spatial` downloads from extensions.duckdb.org; installing from the wheel's file
puts it in ~/.duckdb/extensions, where Python, dbt and the duckdb CLI all find it.
"""

from pathlib import Path

import duckdb
import duckdb_extension_spatial


def spatial_extension_file() -> Path:
    package_dir = Path(duckdb_extension_spatial.__file__).parent
    candidates = sorted(package_dir.rglob("spatial.duckdb_extension"))
    if not candidates:
        raise SystemExit(f"spatial.duckdb_extension not found under {package_dir}")
    return candidates[0]


def main() -> None:
    con = duckdb.connect()
    con.execute(f"INSTALL '{spatial_extension_file()}'")
    con.execute("LOAD spatial")
    version = con.execute("SELECT extension_version FROM duckdb_extensions() "
                          "WHERE extension_name = 'spatial'").fetchone()[0]
    print(f"DuckDB spatial extension {version} installed and loads offline")


if __name__ == "__main__":
    main()
