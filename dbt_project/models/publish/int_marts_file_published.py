"""Write warehouse/marts.duckdb: the marts tables alone plus the table macros, for BI tools.

DuckDB names a file's catalog after the file, so in marts.duckdb the tables sit in the
default schema: `marts.hosting_capacity_records` then means the same table in both files
(a schema named like its catalog makes every `marts.x` ambiguous in DuckDB 1.5).

Runs after every mart (and its tests) in `dbt build`. The file is written aside and then
renamed over the old one, so a reader never sees a half-written file. A build that would
publish a supported utility's records, or most of a mart, down to nothing is refused (the old
file stays) unless the `allow_shrink` var is set. The table this model
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


def shrinkage(published: Path, session, tables: list[str], counts: list[int]) -> list[str]:
    """What this build would lose against the published file: a supported utility's records
    gone to zero, or a mart losing more than half its rows. Empty when nothing shrinks."""
    if not published.exists():
        return []
    new_counts = dict(zip(tables, counts, strict=True))
    losses = []
    with duckdb.connect(str(published), read_only=True) as old:
        old_tables = {name for (name,) in old.execute(
            "select table_name from information_schema.tables "
            "where table_schema = 'main'").fetchall()}
        for table in sorted(old_tables & set(new_counts)):
            before = old.execute(f'select count(*) from main."{table}"').fetchone()[0]
            if new_counts[table] * 2 < before:
                losses.append(f"{table}: {before:,} rows published, {new_counts[table]:,} now")
        if "utilities" in old_tables:
            before = dict(old.execute("select utility_code, record_count from main.utilities "
                                      "where record_count > 0").fetchall())
            now = dict(session.execute(
                f"select utility_code, record_count from {MARTS_SCHEMA}.utilities "
                "where is_supported").fetchall())
            losses += [f"utility {code}: {before[code]:,} records published, 0 now"
                       for code in sorted(before) if now.get(code) == 0]
    return losses


def allowed_to_shrink(dbt) -> bool:
    return str(dbt.config.get("allow_shrink")).strip().lower() in ("true", "1", "yes")


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
    dbt.ref("hosting_capacity_quarantine")
    dbt.ref("hosting_capacity_history")
    dbt.ref("hosting_capacity_changes")
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
        losses = shrinkage(final_path, session, tables, counts)
        if losses and not allowed_to_shrink(dbt):
            raise RuntimeError(
                f"{final_path} not replaced: this build would publish less than it holds "
                "(" + "; ".join(losses) + "). Look at the extract's errors and "
                "hc_ingestion_runs; if the loss is intended, build with "
                "--vars '{allow_shrink: true}' (make build ALLOW_SHRINK=1).")
        add_macros(temp_path)
        if os.environ.get("HC_KILL_AT") == "before_marts_file_rename":  # atomicity tests
            os.kill(os.getpid(), 9)
        os.replace(temp_path, final_path)
    finally:
        shutil.rmtree(staging_dir, ignore_errors=True)
    return pd.DataFrame({"table_name": tables, "row_count": counts,
                         "published_to": str(final_path),
                         "published_at": datetime.now(UTC)})
