"""Whatever the user does, nothing is lost silently: concurrent writers take turns, readers
only delay a load, deleted warehouse files are rebuilt, and a build never publishes less than
it had by mistake. Real processes, real locks, real dbt builds."""

from __future__ import annotations

import itertools
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from extract.arcgis.config import InvalidConfigs, load_configs_for_build
from extract.dbt_launch import launch_dbt, run_dbt
from replicas.arcgis.catalog import PHI_URL
from tests.test_atomicity import REPO, child_env, extract_in_child

ACE, DPL = (PHI_URL, 4), (PHI_URL, 2)
ACE_FEATURES, DPL_FEATURES = 1562, 1843


def successes_have_their_rows(world) -> None:
    """The invariant: every utility's latest recorded success has exactly its rows, and no
    run id is recorded twice."""
    latest = world.query("""
        select r.utility_code, r.records_written,
               (select count(*) from raw_arcgis.features f where f.ingestion_run_id = r.run_id)
        from raw_arcgis.ingestion_runs r where r.status = 'success'
        qualify row_number() over (partition by r.utility_code order by r.completed_at desc) = 1
    """)
    assert latest, "no successful run recorded"
    for code, written, loaded in latest:
        assert written == loaded, f"{code}: success records {written} rows, {loaded} exist"
    assert world.query("select count(*) - count(distinct run_id) "
                       "from raw_arcgis.ingestion_runs")[0][0] == 0


def hold_file(path: Path, seconds: float, read_only: bool = True) -> subprocess.Popen:
    """Another process (a `duckdb -readonly` user) holding the DuckDB file."""
    code = (f"import duckdb, sys, time; c = duckdb.connect({str(path)!r}, "
            f"read_only={read_only}); print('held', flush=True); time.sleep({seconds})")
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert child.stdout.readline().strip() == "held"
    return child


def wait_for_lock_holder(world, child: subprocess.Popen, timeout: float = 120) -> None:
    lock_file = world.warehouse_dir / ".writer.lock"
    deadline = time.monotonic() + timeout
    while not (lock_file.exists() and lock_file.read_text().split()[:1] == [str(child.pid)]):
        assert child.poll() is None and time.monotonic() < deadline
        time.sleep(0.05)


def test_two_extracts_at_once_take_turns_and_both_record_their_rows(world):
    world.use_config("ace")
    world.arcgis.set_quirks(*ACE, max_record_count=200, page_delay_seconds=0.1)
    first = extract_in_child(world, HC_WAREHOUSE_WAIT_S="120")
    second = extract_in_child(world, HC_WAREHOUSE_WAIT_S="120")
    assert first.wait(timeout=180) == 0, first.stdout.read()
    output = second.stdout.read().decode()
    assert second.wait(timeout=180) == 0, output
    successes_have_their_rows(world)
    assert [status for status, *_ in world.runs("ace")].count("success") >= 1


def test_a_second_writer_that_cannot_wait_names_the_process_holding_the_warehouse(world):
    world.use_config("ace")
    world.arcgis.set_quirks(*ACE, max_record_count=200, page_delay_seconds=0.5)
    running = extract_in_child(world)
    wait_for_lock_holder(world, running)
    late = subprocess.run([sys.executable, "-m", "extract", "hosting-capacity", "--utility",
                           "ace"], cwd=REPO, env=child_env(world, HC_WAREHOUSE_WAIT_S="0.5"),
                          capture_output=True, text=True, timeout=60)
    assert late.returncode == 1
    assert f"warehouse in use by PID {running.pid} (" in late.stderr
    assert "-m extract hosting-capacity --utility ace" in late.stderr
    assert running.wait(timeout=180) == 0
    successes_have_their_rows(world)


def test_dbt_build_waits_for_the_writer_holding_the_warehouse_and_then_builds(world):
    world.use_config("ace")
    assert world.extract("--utility", "ace") == 0
    # Another writer (an extract, as far as the lock knows) holds the warehouse until told.
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys; from pathlib import Path; "
         "from extract.warehouse_lock import exclusive_writer\n"
         f"with exclusive_writer(Path({str(world.warehouse_dir)!r})):\n"
         "    print('held', flush=True); sys.stdin.readline()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    build = launch_dbt("build", env=child_env(world), stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
    output = []
    for line in build.stdout:
        output.append(line)
        if f"warehouse in use by PID {holder.pid}" in line:
            break
    assert build.poll() is None, "".join(output)  # waiting, not failed
    holder.communicate("go\n", timeout=30)  # the other writer finishes
    output += build.stdout.readlines()
    assert build.wait(timeout=600) == 0, "".join(output)[-3000:]
    with duckdb.connect(str(world.warehouse_dir / "marts.duckdb"), read_only=True) as con:
        assert con.execute("select count(*) from hosting_capacity_records").fetchone() == (
            ACE_FEATURES,)


def test_a_reader_holding_the_warehouse_delays_but_never_fails_an_extract(world):
    world.use_config("ace")
    world.use_config("dpl")
    assert world.extract("--utility", "all") == 0
    world.arcgis.layer(*ACE).touch()  # ace refetches and loads; dpl is recorded as unchanged
    reader = hold_file(world.warehouse_dir / "hosting_capacity.duckdb", seconds=3)
    started = time.monotonic()
    assert world.extract("--utility", "all") == 0
    assert time.monotonic() - started >= 2  # it waited for the reader
    reader.wait(timeout=10)
    assert [status for status, *_ in world.runs("ace")] == ["success", "success"]
    assert [status for status, *_ in world.runs("dpl")] == ["success", "skipped_unchanged"]
    successes_have_their_rows(world)


def test_a_reader_that_never_lets_go_fails_the_run_clearly_and_is_not_reported_ok(
        world, capsys, monkeypatch):
    world.use_config("ace")
    assert world.extract("--utility", "ace") == 0
    reader = hold_file(world.warehouse_dir / "hosting_capacity.duckdb", seconds=30)
    monkeypatch.setenv("HC_WAREHOUSE_WAIT_S", "1")
    try:
        assert world.extract("--utility", "ace") == 1  # unchanged, but cannot be recorded
    finally:
        reader.kill()
        reader.wait()
    out = capsys.readouterr().out
    assert "0 of 1 utilities ok" in out
    assert f"held by PID {reader.pid}" in out
    successes_have_their_rows(world)


def test_a_success_whose_rows_are_missing_is_refetched_not_skipped(world):
    world.use_config("ace")
    assert world.extract("--utility", "ace") == 0
    with duckdb.connect(str(world.warehouse_dir / "hosting_capacity.duckdb")) as con:
        con.execute("delete from raw_arcgis.features")
    assert world.extract("--utility", "ace") == 0
    assert [status for status, *_ in world.runs("ace")] == ["success", "success"]
    successes_have_their_rows(world)


@pytest.mark.parametrize("broken, problem", [
    ("missing folder", "no utilities config directory"),
    ("empty folder", "no utility configs: set HC_CONFIG_DIR"),
    ("unknown key", "ace.yaml: colour: unknown key"),
])
def test_configs_that_cannot_feed_a_build_are_an_error_not_an_empty_build(
        tmp_path, broken, problem):
    config_dir = tmp_path / "configs"
    if broken != "missing folder":
        (config_dir / "utilities").mkdir(parents=True)
    if broken == "unknown key":
        text = (REPO / "configs" / "utilities" / "ace.yaml").read_text()
        (config_dir / "utilities" / "ace.yaml").write_text(text + "colour: red\n")
    with pytest.raises(InvalidConfigs, match=problem):
        load_configs_for_build(config_dir)


def dbt(world, *args: str, config_dir: Path | None = None,
        **env: str) -> subprocess.CompletedProcess:
    environment = child_env(world, **env)
    if config_dir is None:
        environment.pop("HC_CONFIG_DIR")
    else:
        environment["HC_CONFIG_DIR"] = str(config_dir)
    return run_dbt(*args, env=environment, timeout=600)


def test_dbt_run_from_dbt_project_without_settings_reads_the_repo_configs(world):
    built = dbt(world, "run", "--select", "stg_configs__utilities")
    assert built.returncode == 0, built.stdout[-3000:]
    configured = len(list((REPO / "configs" / "utilities").glob("*.yaml")))
    with duckdb.connect(str(world.warehouse_dir / "hosting_capacity.duckdb")) as con:
        assert con.execute("select count(*) from staging.stg_configs__utilities"
                           ).fetchone() == (configured,)


def test_an_invalid_config_fails_the_build_naming_its_file_and_key(world):
    world.use_config("ace", colour="red")
    built = dbt(world, "run", "--select", "stg_configs__utilities",
                config_dir=world.config_dir)
    assert built.returncode != 0
    assert "ace.yaml: colour: unknown key" in built.stdout


def marts(warehouse_dir: Path) -> dict[str, list]:
    """Every marts table's rows, without the columns that name a run or a time."""
    volatile = {"ingestion_run_id", "run_id", "loaded_at", "computed_at", "last_ingested_at",
                "last_ingest_status", "started_at", "completed_at", "published_at", "written_at"}
    with duckdb.connect(str(warehouse_dir / "marts.duckdb"), read_only=True) as con:
        con.execute("load spatial")
        tables = [t for (t,) in con.execute(
            "select table_name from duckdb_tables() where database_name = 'marts' "
            "and schema_name = 'main' and table_name not in ('hc_ingestion_runs')").fetchall()]
        result = {}
        for table in sorted(tables):
            columns = [(c, t) for (c, t) in con.execute(
                "select column_name, data_type from duckdb_columns() "
                "where database_name = 'marts' and table_name = ?", [table]).fetchall()
                if c not in volatile]
            # sums of doubles differ in the last bits with the order rows are added in
            select = ", ".join(f'cast(round("{c}", 6) as varchar)' if t == "DOUBLE"
                               else f'cast("{c}" as varchar)' for c, t in columns)
            result[table] = sorted(con.execute(f"select {select} from {table}").fetchall(),
                                   key=repr)
    exports = warehouse_dir / "exports" / "hosting_capacity_records.parquet"
    result["export rows"] = duckdb.sql(f"select count(*) from '{exports}'").fetchall()
    return result


WAREHOUSE_ITEMS = ("hosting_capacity.duckdb", "marts.duckdb", "exports", ".dlt")
# `dbt build` without the data and unit tests: seeds and models, twice as fast
BUILD_WITHOUT_TESTS = ("build", "--exclude-resource-type", "test",
                       "--exclude-resource-type", "unit_test")


def test_deleting_any_warehouse_file_or_pair_leaves_a_next_run_with_the_same_marts(world):
    world.use_config("ace")
    assert world.extract("--utility", "ace") == 0
    assert dbt(world, "build", config_dir=world.config_dir).returncode == 0
    expected = marts(world.warehouse_dir)
    assert expected["hosting_capacity_records"] and expected["export rows"] == [(ACE_FEATURES,)]
    (world.warehouse_dir / ".dlt").mkdir(exist_ok=True)  # as a crashed run would leave it
    cases = [(item,) for item in WAREHOUSE_ITEMS] + list(
        itertools.combinations(WAREHOUSE_ITEMS, 2))
    for deleted in cases:
        for name in deleted:
            path = world.warehouse_dir / name
            shutil.rmtree(path) if path.is_dir() else path.unlink(missing_ok=True)
        assert world.extract("--utility", "ace") == 0, deleted
        built = dbt(world, *BUILD_WITHOUT_TESTS, config_dir=world.config_dir)
        assert built.returncode == 0, (deleted, built.stdout[-3000:])
        assert marts(world.warehouse_dir) == expected, deleted


def test_a_build_never_publishes_less_than_it_had_unless_asked(world):
    world.use_config("ace")
    world.use_config("dpl")
    assert world.extract("--utility", "all") == 0

    # A record with impossible coordinates (served so, as the extract loaded it) is
    # quarantined; everything else publishes.
    warehouse = world.warehouse_dir / "hosting_capacity.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute("""update raw_arcgis.features
                       set geometry = '{"type": "Point", "coordinates": [-75.5, 1000.0]}'::json
                       where utility_code = 'ace' and source_object_id = (
                           select min(source_object_id) from raw_arcgis.features
                           where utility_code = 'ace')""")
    assert dbt(world, *BUILD_WITHOUT_TESTS, config_dir=world.config_dir).returncode == 0
    built = dbt(world, "build", config_dir=world.config_dir)
    assert built.returncode == 0, built.stdout[-3000:]
    assert "WARN" in built.stdout and "has_no_rows_hosting_capacity_quarantine" in built.stdout
    marts_file = world.warehouse_dir / "marts.duckdb"
    with duckdb.connect(str(marts_file), read_only=True) as con:
        assert con.execute("select utility_code, quarantine_reason like 'coordinates outside%' "
                           "from hosting_capacity_quarantine").fetchall() == [("ace", True)]
        assert con.execute("select utility_code, record_count, quarantined_record_count "
                           "from utilities where record_count > 0 order by 1").fetchall() == [
            ("ace", ACE_FEATURES - 1, 1), ("dpl", DPL_FEATURES, 0)]

    # A supported utility's records lost by mistake: the published file and exports stay.
    published = marts(world.warehouse_dir)
    with duckdb.connect(str(warehouse)) as con:
        con.execute("delete from raw_arcgis.features where utility_code = 'dpl'")
    refused = dbt(world, *BUILD_WITHOUT_TESTS, config_dir=world.config_dir)
    assert refused.returncode != 0
    assert "utility dpl: 1,843 records published, 0 now" in refused.stdout
    assert "allow_shrink" in refused.stdout
    assert marts(world.warehouse_dir) == published

    # Asked for: published.
    allowed = dbt(world, *BUILD_WITHOUT_TESTS, "--vars", "{allow_shrink: true}",
                  config_dir=world.config_dir)
    assert allowed.returncode == 0, allowed.stdout[-3000:]
    with duckdb.connect(str(marts_file), read_only=True) as con:
        assert con.execute("select record_count from utilities where utility_code = 'dpl'"
                           ).fetchone() == (0,)

    # The next extract refetches dpl (its recorded success has no rows) and all is back.
    assert world.extract("--utility", "all") == 0
    assert dbt(world, *BUILD_WITHOUT_TESTS, config_dir=world.config_dir).returncode == 0
    with duckdb.connect(str(marts_file), read_only=True) as con:
        assert con.execute("select record_count from utilities where utility_code = 'dpl'"
                           ).fetchone() == (DPL_FEATURES,)
