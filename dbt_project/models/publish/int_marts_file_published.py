"""Write warehouse/marts.duckdb: the marts tables alone plus the table macros, for BI tools.

DuckDB names a file's catalog after the file, so in marts.duckdb the tables sit in the
default schema: `marts.hosting_capacity_records` then means the same table in both files
(a schema named like its catalog makes every `marts.x` ambiguous in DuckDB 1.5).

Runs after every mart (and its tests) in `dbt build`. The file is written aside and then
renamed over the old one, so a reader never sees a half-written file. The table this model
leaves in `intermediate` lists what was published.
"""

import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd

MARTS_SCHEMA = "marts"
PUBLISH_ALIAS = "marts_file_publish"


def macros_sql(marts_path: str = MARTS_SCHEMA) -> str:
    """The macros, reading the marts tables through `marts_path`."""
    # dbt runs a compiled copy of this model, so find the project the way dbt does.
    project_dir = Path(os.environ.get("DBT_PROJECT_DIR") or Path.cwd())
    path = project_dir / "sql" / "warehouse_macros.sql"
    if not path.exists():
        raise FileNotFoundError(f"{path} not found: run dbt from dbt_project/ "
                                "or set DBT_PROJECT_DIR")
    return path.read_text().replace("{marts}", marts_path)


def warehouse_dir(session) -> Path:
    path = session.execute(
        "select path from duckdb_databases() where database_name = current_database()"
    ).fetchone()[0]
    return Path(path).resolve().parent


def mart_tables(session) -> list[str]:
    rows = session.execute(
        "select table_name from information_schema.tables "
        "where table_catalog = current_database() and table_schema = ? "
        "and table_type = 'BASE TABLE' order by table_name", [MARTS_SCHEMA]).fetchall()
    return [name for (name,) in rows]


def copy_marts(session, target: Path, tables: list[str]) -> list[int]:
    counts = []
    session.execute(f"attach '{target}' as {PUBLISH_ALIAS}")
    try:
        for table in tables:
            session.execute(f'create table {PUBLISH_ALIAS}.main."{table}" as '
                            f'select * from {MARTS_SCHEMA}."{table}"')
            counts.append(session.execute(
                f'select count(*) from {MARTS_SCHEMA}."{table}"').fetchone()[0])
    finally:
        session.execute(f"detach {PUBLISH_ALIAS}")
    return counts


def add_macros(target: Path) -> None:
    # Opened on its own, under its final name, so `marts.x` resolves as it will for users.
    with duckdb.connect(str(target)) as con:
        con.execute("load spatial")
        con.execute(macros_sql())
        con.execute("checkpoint")


def model(dbt, session):
    dbt.config(materialized="table")
    # Every mart must be built (and tested) before the file is published. dbt reads these
    # refs statically, so each is spelled out.
    dbt.ref("utilities")
    dbt.ref("hosting_capacity_records")
    dbt.ref("hosting_capacity_feeders")
    dbt.ref("hosting_capacity_summaries")
    dbt.ref("hc_ingestion_runs")
    dbt.ref("dynamic_prices")
    dbt.ref("dynamic_price_components")
    dbt.ref("dynamic_price_daily_summaries")
    session.execute("load spatial")
    session.execute(macros_sql())  # the macros in hosting_capacity.duckdb too
    final_path = warehouse_dir(session) / "marts.duckdb"
    for leftover in final_path.parent.glob(".marts-publish-*"):
        shutil.rmtree(leftover, ignore_errors=True)  # from a build killed midway
    staging_dir = final_path.with_name(f".marts-publish-{os.getpid()}")
    staging_dir.mkdir()
    try:
        temp_path = staging_dir / "marts.duckdb"
        tables = mart_tables(session)
        counts = copy_marts(session, temp_path, tables)
        add_macros(temp_path)
        if os.environ.get("HC_KILL_AT") == "before_marts_file_rename":  # atomicity tests
            os.kill(os.getpid(), 9)
        os.replace(temp_path, final_path)
    finally:
        shutil.rmtree(staging_dir, ignore_errors=True)
    return pd.DataFrame({"table_name": tables, "row_count": counts,
                         "published_to": str(final_path),
                         "published_at": datetime.now(UTC)})
