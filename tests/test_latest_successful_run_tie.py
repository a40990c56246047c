""""The latest successful run" has two homes: the extract's skip-unchanged check
(extract/arcgis/runs.py, which runs before any build) and the dbt model
stg_arcgis__latest_successful_runs that every current-data model reads. On the same runs,
both name the same run for every utility, including the traps: a latest success whose rows
are missing, a failure after a success, and a success with no records."""

from __future__ import annotations

import duckdb
from test_raw_tables_tie import macro_statements

from extract.arcgis.runs import latest_successful_runs
from extract.dbt_launch import dbt_env, run_dbt

# (utility, run id, hour completed, status, records written, rows present)
RUNS = [
    ("complete", "r1", 1, "success", 2, 2),
    ("complete", "r2", 2, "success", 1, 1),
    ("rows_missing", "r3", 1, "success", 2, 2),
    ("rows_missing", "r4", 2, "success", 3, 1),
    ("only_failed", "r5", 1, "failed", 0, 0),
    ("failed_after_success", "r6", 1, "success", 1, 1),
    ("failed_after_success", "r7", 2, "failed", 0, 0),
    ("empty_success", "r8", 1, "success", 0, 0),
]


def test_extract_and_dbt_name_the_same_latest_successful_run(tmp_path):
    warehouse = tmp_path / "hosting_capacity.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute(macro_statements())
        for code, run_id, hour, status, written, present in RUNS:
            con.execute("""
                insert into raw_arcgis.ingestion_runs (run_id, utility_code, started_at,
                    completed_at, status, records_written, layer_fingerprints, layer_counts,
                    _dlt_load_id, _dlt_id)
                values (?, ?, make_timestamptz(2026, 11, 1, ?, 0, 0),
                        make_timestamptz(2026, 11, 1, ?, 30, 0), ?, ?, '{}', '{}', 'l', ?)
            """, [run_id, code, hour, hour, status, written, run_id])
            con.execute("""
                insert into raw_arcgis.features
                select ?, 'layer', range, '{}', null, ? from range(?)
            """, [code, run_id, present])

    built = run_dbt("run", "--select", "stg_arcgis__ingestion_runs",
                    "stg_arcgis__latest_successful_runs",
                    env=dbt_env(warehouse_dir=tmp_path), timeout=300)
    assert built.returncode == 0, built.stdout

    with duckdb.connect(str(warehouse), read_only=True) as con:
        in_dbt = dict(con.execute("select utility_code, run_id from "
                                  "staging.stg_arcgis__latest_successful_runs").fetchall())
    in_extract = {code: run.run_id for code, run in latest_successful_runs(warehouse).items()}
    assert in_dbt == in_extract == {"complete": "r2", "failed_after_success": "r6",
                                    "empty_success": "r8"}
