"""Why hosting_capacity_history is an incremental model and not a dbt snapshot, checked on the
dbt and DuckDB we pin: a snapshot closes a record that disappeared at the time of the build,
not at the vintage that removed it, and a vintage that moves without a value changing copies
the record (timestamp strategy). If a dbt release changes this, this test fails and the
choice deserves another look."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime

import duckdb

from extract.dbt_launch import dbt_command, dbt_env

PROJECT = {
    "dbt_project.yml": "name: snapshot_trial\nversion: '1.0'\nprofile: snapshot_trial\n"
                       "snapshot-paths: [snapshots]\n",
    "profiles.yml": "snapshot_trial:\n  target: dev\n  outputs:\n"
                    "    dev: {type: duckdb, path: trial.duckdb, threads: 1}\n",
    "models/sources.yml": "sources:\n  - name: raw\n    schema: main\n"
                          "    tables: [{name: records}]\n",
    "snapshots/records_history.yml": """snapshots:
  - name: records_history
    relation: source('raw', 'records')
    config:
      unique_key: record_key
      strategy: timestamp
      updated_at: vintage_at
      hard_deletes: invalidate
""",
}
FIRST, SECOND = "2026-01-10 06:00:00+00", "2026-04-10 06:00:00+00"


def test_a_dbt_snapshot_closes_a_removed_record_at_build_time_not_at_its_vintage(tmp_path):
    for name, text in PROJECT.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    database = tmp_path / "trial.duckdb"
    env = dbt_env(DBT_PROFILES_DIR=str(tmp_path))

    def snapshot() -> None:
        result = subprocess.run(dbt_command("snapshot"), cwd=tmp_path, env=env,
                                capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stdout[-3000:]

    with duckdb.connect(str(database)) as con:
        con.execute(f"""create table records as select * from (values
            (1, 10.0, timestamptz '{FIRST}'), (2, 20.0, timestamptz '{FIRST}'),
            (3, 30.0, timestamptz '{FIRST}')) as t(record_key, mw, vintage_at)""")
    snapshot()
    before_second_build = datetime.now(UTC)
    with duckdb.connect(str(database)) as con:  # the next vintage: 1 changed, 2 not, 3 gone
        con.execute("delete from records where record_key = 3")
        con.execute(f"update records set vintage_at = timestamptz '{SECOND}'")
        con.execute("update records set mw = 11.0 where record_key = 1")
    snapshot()
    with duckdb.connect(str(database), read_only=True) as con:
        con.execute("set TimeZone = 'UTC'")
        versions = con.execute("select record_key, count(*), max(dbt_valid_to) "
                               "from records_history group by 1 order by 1").fetchall()
    second = datetime(2026, 4, 10, 6, tzinfo=UTC)
    (_, changed_versions, _), (_, unchanged_versions, _), (_, _, removed_at) = versions
    assert changed_versions == 2
    assert unchanged_versions == 2  # copied although no value changed
    assert removed_at >= before_second_build and removed_at != second
