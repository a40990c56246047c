"""The warehouse in a DuckLake whose catalog is a real PostgreSQL (a throwaway cluster from
Debian's packages, on 127.0.0.1): the same extract and build give the same marts as the
DuckDB file, readers query while writers write, two people build side by side, a killed load
leaves the last good snapshot current, and maintenance expires and cleans. HC_LAKE unset
keeps the DuckDB file; set, extract and readers attach the lake with one statement."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest

from extract import settings
from extract.dbt_launch import dbt_env, launch_dbt
from replicas.arcgis import ArcGISReplica, protocol_catalog
from replicas.arcgis.catalog import PHI_URL
from replicas.gridx import GridXReplica
from replicas.postgres import start_cluster
from replicas.server import ReplicaServer

REPO = Path(__file__).resolve().parents[1]
PROTOCOL_CONFIGS = REPO / "tests" / "doubles" / "protocol_configs"
UTILITIES = ("ace", "dpl")
ACE = (PHI_URL, 4)
ACE_FEATURES = 1562
# Seeds and models: the data tests run once, in the team's first build of the lake.
WITHOUT_DATA_TESTS = ("--exclude-resource-type", "test")
PRICE_DAYS = ("--start", "2026-10-30", "--end", "2026-11-02")  # across the fall-back day
# Columns that differ between any two runs (run ids, clocks, the history's random UUIDs),
# whatever the warehouse.
RUN_DEPENDENT = {"ingestion_run_id", "run_id", "loaded_at", "started_at", "completed_at",
                 "last_ingested_at", "computed_at", "published_at", "written_at",
                 "record_key", "version_id"}


@pytest.fixture
def no_lake(monkeypatch):
    monkeypatch.delenv("HC_LAKE", raising=False)
    monkeypatch.delenv("HC_LAKE_DATA_PATH", raising=False)


def test_without_hc_lake_the_warehouse_is_the_duckdb_file(no_lake, tmp_path, monkeypatch):
    monkeypatch.setenv("HC_WAREHOUSE_DIR", str(tmp_path))
    assert settings.lake() is None
    with settings.connect_warehouse() as con:
        path = con.execute("select path from duckdb_databases() "
                           "where database_name = current_database()").fetchone()[0]
    assert path == str(tmp_path / "hosting_capacity.duckdb")


def test_extract_attaches_the_lake_with_the_statement_readers_use(no_lake, tmp_path,
                                                                   monkeypatch):
    monkeypatch.setenv("HC_LAKE", f"ducklake:{tmp_path / 'catalog.ducklake'}")
    monkeypatch.setenv("HC_LAKE_DATA_PATH", str(tmp_path / "files"))
    monkeypatch.setenv("HC_WAREHOUSE_DIR", str(tmp_path / "warehouse"))
    from extract.arcgis.pipeline import make_pipeline
    from extract.gridx.pipeline import make_pipeline as make_pricing_pipeline

    for pipeline in (make_pipeline("ace"), make_pricing_pipeline()):
        with pipeline.sql_client() as client:
            assert client.attach_statement == settings.lake_attach_sql(settings.lake())
            client.execute_sql("create table if not exists main.seen (pipeline varchar)")
            client.execute_sql("insert into main.seen values (?)", pipeline.pipeline_name)
    with settings.connect_warehouse(read_only=True) as con:
        assert con.execute("select current_database()").fetchone() == ("lake",)
        assert sorted(con.execute("select pipeline from main.seen").fetchall()) == [
            ("arcgis_ace",), ("gridx_pricing",)]


@pytest.fixture(scope="module")
def postgres():
    cluster = start_cluster()
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="module")
def replica():
    with ReplicaServer(apps=[GridXReplica(), ArcGISReplica(protocol_catalog())]) as server:
        yield server


class Warehouse:
    """One person's settings: configs, a warehouse folder, and (optionally) the lake."""

    def __init__(self, root: Path, replica: ReplicaServer, lake: str | None = None,
                 data_path: Path | None = None):
        self.root = root
        self.config_dir = root.parent / "configs"
        self.warehouse_dir = root / "warehouse"
        self.replica = replica
        self.lake, self.data_path = lake, data_path
        self.parsed_project = root.parent / "parsed_project" / "partial_parse.msgpack"

    def env(self, **extra: str) -> dict:
        base = {k: v for k, v in os.environ.items() if k not in ("HC_LAKE", "HC_LAKE_DATA_PATH")}
        env = dbt_env(self.config_dir, self.warehouse_dir, base,
                      HC_REPLICA_URL=self.replica.url,
                      HC_GRIDX_REPLICA_NOW="2026-11-10T12:00:00+00:00")
        if self.lake:
            env.update({"HC_LAKE": self.lake, "HC_LAKE_DATA_PATH": str(self.data_path)})
        env.update(extra)
        return env

    def extract(self, *args: str, **extra: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "extract", *args], cwd=REPO,
                              env=self.env(**extra), capture_output=True, text=True,
                              timeout=600, check=False)

    def extract_in_child(self, *args: str, **extra: str) -> subprocess.Popen:
        return subprocess.Popen([sys.executable, "-m", "extract", *args], cwd=REPO,
                                env=self.env(**extra), stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True, start_new_session=True)

    def dbt_build_in_child(self, *args: str, **extra: str) -> subprocess.Popen:
        # each build its own target/ and logs/: two builds from one project must not share
        # them; a copy of a parsed project spares dbt a full parse (~10 s)
        parsed = self.root / "target" / "partial_parse.msgpack"
        if not parsed.exists() and self.parsed_project.exists():
            parsed.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(self.parsed_project, parsed)
        return launch_dbt("build", "--target-path", str(self.root / "target"), "--log-path",
                          str(self.root / "logs"), *args, env=self.env(**extra),
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          start_new_session=True)

    def dbt_build(self, *args: str, **extra: str) -> str:
        child = self.dbt_build_in_child(*args, **extra)
        output, _ = child.communicate(timeout=600)
        assert child.returncode == 0, output[-4000:]
        parsed = self.root / "target" / "partial_parse.msgpack"
        if parsed.exists() and not self.parsed_project.exists():
            self.parsed_project.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(parsed, self.parsed_project)
        return output

    def extract_all(self) -> None:
        for args in (("hosting-capacity", "--utility", "all"), ("pricing", *PRICE_DAYS)):
            result = self.extract(*args)
            assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]

    @contextmanager
    def connect(self, read_only: bool = True):
        """A DuckDB connection on this warehouse, as extract and dbt open it."""
        with pytest.MonkeyPatch.context() as patch:
            for key, value in self.env().items():
                patch.setenv(key, value)
            if not self.lake:
                patch.delenv("HC_LAKE", raising=False)
            con = settings.connect_warehouse(read_only=read_only)
        try:
            con.execute("load spatial")
            con.execute("set TimeZone = 'UTC'")
            yield con
        finally:
            con.close()

    def query(self, sql: str, *params: object) -> list[tuple]:
        with self.connect() as con:
            return con.execute(sql, list(params)).fetchall()

    def current_rows(self, code: str) -> list[tuple]:
        """(object id, run id) of the rows dbt reads for the utility."""
        return self.query("""
            select f.source_object_id, f.ingestion_run_id from raw_arcgis.features f
            where f.utility_code = ? and f.ingestion_run_id = (
                select run_id from raw_arcgis.ingestion_runs
                where utility_code = ? and status = 'success'
                order by completed_at desc limit 1)""", code, code)


@pytest.fixture(scope="module")
def configs(tmp_path_factory):
    config_dir = tmp_path_factory.mktemp("lake") / "configs"
    for code in UTILITIES:
        target = config_dir / "utilities" / f"{code}.yaml"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text((PROTOCOL_CONFIGS / "utilities" / f"{code}.yaml").read_text())
    (config_dir / "pricing").mkdir()
    (config_dir / "pricing" / "sce.yaml").write_text(
        (REPO / "configs" / "pricing" / "sce.yaml").read_text())
    return config_dir


@pytest.fixture(scope="module")
def file_run(configs, replica) -> Warehouse:
    warehouse = Warehouse(configs.parent / "file", replica)
    warehouse.extract_all()
    warehouse.dbt_build(*WITHOUT_DATA_TESTS)  # they run on the file in test_warehouse_build
    return warehouse


@pytest.fixture(scope="module")
def team_lake(configs, replica, postgres) -> Warehouse:
    """The team's lake: a PostgreSQL catalog and a shared data folder, extracted and built."""
    root = configs.parent / "team"
    warehouse = Warehouse(root, replica, postgres.create_database("team_lake"),
                          root / "shared" / "lake_data")
    warehouse.extract_all()
    warehouse.dbt_build()
    return warehouse


def table_columns(con: duckdb.DuckDBPyConnection, catalog: str, schema: str,
                  table: str) -> list[str]:
    """The columns to compare, as SQL: a sum of doubles depends on the order rows arrive in
    (last bits), so doubles compare to 1e-9 and geometries to 1e-9 degrees."""
    columns = []
    for name, data_type in con.execute(
            "select column_name, data_type from information_schema.columns "
            "where table_catalog = ? and table_schema = ? and table_name = ? "
            "order by ordinal_position", [catalog, schema, table]).fetchall():
        if name in RUN_DEPENDENT:
            continue
        if data_type in ("DOUBLE", "FLOAT"):
            columns.append(f'round("{name}", 9)')
        elif data_type == "GEOMETRY":
            columns.append(f'st_astext(st_reduceprecision("{name}", 1e-9))')
        else:
            columns.append(f'"{name}"')
    return columns


def marts_differences(con: duckdb.DuckDBPyConnection, left: str, right: str) -> dict:
    """Per marts table: rows in one and not the other (run ids and clocks left out)."""
    left_catalog, left_schema = left.split(".")
    right_catalog, right_schema = right.split(".")
    tables = [name for (name,) in con.execute(
        "select table_name from information_schema.tables where table_catalog = ? "
        "and table_schema = ? and table_type = 'BASE TABLE' order by 1",
        [left_catalog, left_schema]).fetchall()]
    differences = {}
    for table in tables:
        columns = table_columns(con, left_catalog, left_schema, table)
        assert columns == table_columns(con, right_catalog, right_schema, table), table
        select = ", ".join(columns)
        only = [con.execute(f'select count(*) from (select {select} from {a}."{table}" '
                            f'except all select {select} from {b}."{table}")').fetchone()[0]
                for a, b in ((left, right), (right, left))]
        total = con.execute(f'select count(*) from {left}."{table}"').fetchone()[0]
        differences[table] = (total, *only)
    return differences


def test_the_lake_on_postgresql_holds_the_same_marts_as_the_duckdb_file(file_run, team_lake):
    with team_lake.connect() as con:
        con.execute(f"attach '{file_run.warehouse_dir / 'marts.duckdb'}' as file_marts "
                    "(read_only)")
        con.execute(f"attach '{team_lake.warehouse_dir / 'marts.duckdb'}' as lake_marts_file "
                    "(read_only)")
        in_lake = marts_differences(con, "file_marts.main", "lake.marts")
        published = marts_differences(con, "file_marts.main", "lake_marts_file.main")
        macros = {name for (name,) in con.execute(
            "select function_name from duckdb_functions() where database_name = 'lake' "
            "and function_name like 'hc_%'").fetchall()}
        nearby = con.execute("select count(*) from lake.hc_nearby(39.36, -74.43, 25)").fetchone()
        nearby_file = con.execute("select count(*) from file_marts.hc_nearby(39.36, -74.43, 25)"
                                  ).fetchone()
    assert in_lake == published
    assert {t for t, (_, a, b) in in_lake.items() if a or b} == set(), in_lake
    assert in_lake["hosting_capacity_records"][0] > 3000  # ace and dpl
    assert in_lake["dynamic_prices"][0] > 0
    assert {"hc_nearby", "hc_in_bbox", "hc_sites_for_project"} <= macros
    assert nearby == nearby_file and nearby[0] > 0
    for name in ("hosting_capacity_records.parquet", "dynamic_prices.parquet"):
        assert (team_lake.warehouse_dir / "exports" / name).stat().st_size > 0
    assert not (team_lake.warehouse_dir / "hosting_capacity.duckdb").exists()


def lake_snapshot(warehouse: Warehouse) -> int:
    return warehouse.query("select max(snapshot_id) from lake.snapshots()")[0][0]


def keep_reading(warehouse: Warehouse, stop: threading.Event, answers: list,
                 errors: list) -> None:
    """A BI user: attaches the lake read-only over and over and queries a mart and a macro."""
    while not stop.is_set():
        try:
            with warehouse.connect() as con:
                answers.append(con.execute(
                    "select (select count(*) from marts.hosting_capacity_records), "
                    "(select count(*) from hc_in_bbox(-180, -90, 180, 90)), "
                    "(select count(*) from raw_arcgis.ingestion_runs)").fetchone())
        except Exception as error:  # noqa: BLE001 - collected, the test asserts there are none
            errors.append(error)
        time.sleep(0.05)


@dataclass
class BusyLake:
    """What readers and a colleague saw while the team's extract and build wrote the lake."""

    records: int
    box: int
    answers: list
    errors: list
    during_extract: int
    extract: subprocess.CompletedProcess
    build_output: str
    build_status: int
    colleague_output: str
    colleague_status: int


@pytest.fixture(scope="module")
def busy_lake(team_lake) -> BusyLake:
    """A BI user queries all along while the team re-extracts a utility and rebuilds its
    models; meanwhile a colleague starts a build of the same schemas, willing to wait 2 s."""
    records, box = team_lake.query(
        "select (select count(*) from marts.hosting_capacity_records), "
        "(select count(*) from hc_in_bbox(-180, -90, 180, 90))")[0]
    stop, answers, errors = threading.Event(), [], []
    reader = threading.Thread(target=keep_reading, args=(team_lake, stop, answers, errors))
    reader.start()
    try:
        extract = team_lake.extract("hosting-capacity", "--utility", "ace", "--force")
        during_extract = len(answers)
        build = team_lake.dbt_build_in_child(*WITHOUT_DATA_TESTS)
        output = ""
        deadline = time.monotonic() + 300
        while "START" not in output:  # the build holds the lake's lock once it runs models
            line = build.stdout.readline()
            assert line and time.monotonic() < deadline, output
            output += line
        colleague = Warehouse(team_lake.root.parent / "colleague", team_lake.replica,
                              team_lake.lake, team_lake.data_path)
        second = colleague.dbt_build_in_child(HC_WAREHOUSE_WAIT_S="2")
        colleague_output, _ = second.communicate(timeout=300)
        rest, _ = build.communicate(timeout=600)
    finally:
        stop.set()
        reader.join(timeout=60)
    return BusyLake(records, box, answers, errors, during_extract, extract, output + rest,
                    build.returncode, colleague_output, second.returncode)


def test_readers_query_the_lake_while_an_extract_and_a_build_write(busy_lake):
    lake = busy_lake
    assert lake.extract.returncode == 0, lake.extract.stdout[-3000:] + lake.extract.stderr
    assert lake.build_status == 0, lake.build_output[-4000:]
    assert not lake.errors, lake.errors[:3]
    assert lake.during_extract >= 3 and len(lake.answers) - lake.during_extract >= 3
    # every answer is a whole snapshot: the same records throughout, one run more once the
    # extract's run record committed
    assert {(r, b) for r, b, _ in lake.answers} == {(lake.records, lake.box)}
    assert len({runs for _, _, runs in lake.answers}) == 2


def test_a_second_build_of_the_same_schemas_waits_then_names_the_first(busy_lake):
    output = busy_lake.colleague_output
    assert busy_lake.colleague_status != 0
    assert "lake in use by dbt build (PID" in output, output[-3000:]
    assert "writing the schemas staging, intermediate, marts; waiting" in output
    assert "run again when it finishes" in output
    assert "dbt build --target personal" in output
    assert busy_lake.build_status == 0  # the first build never noticed


def test_two_people_build_at_once_each_in_their_own_schemas(team_lake):
    builds = {}
    for person in ("alice", "bob"):
        mine = Warehouse(team_lake.root.parent / person, team_lake.replica, team_lake.lake,
                         team_lake.data_path)
        builds[person] = (mine, mine.dbt_build_in_child("--target", "personal",
                                                        *WITHOUT_DATA_TESTS,
                                                        HC_DBT_SCHEMA=person))
    for person, (_, child) in builds.items():
        output, _ = child.communicate(timeout=600)
        assert child.returncode == 0, f"{person}: {output[-4000:]}"
    with team_lake.connect() as con:
        for person in builds:
            differences = marts_differences(con, "lake.marts", f"lake.{person}_marts")
            assert {t for t, (_, a, b) in differences.items() if a or b} == set(), differences
            # their macros read their marts
            definition = con.execute(
                "select macro_definition from duckdb_functions() where database_name = 'lake' "
                "and schema_name = ? and function_name = 'hc_in_bbox'",
                [f"{person}_marts"]).fetchone()[0]
            assert f"lake.{person}_marts.hosting_capacity_records" in definition
            assert con.execute(f"select count(*) from lake.{person}_marts.hc_in_bbox("
                               "-180, -90, 180, 90)").fetchone() == con.execute(
                "select count(*) from lake.main.hc_in_bbox(-180, -90, 180, 90)").fetchone()


def test_a_load_killed_in_the_lake_leaves_the_last_good_snapshot_current(team_lake):
    from extract import lake as lake_commands

    before = team_lake.current_rows("ace")
    assert len(before) == ACE_FEATURES
    assert team_lake.query("select ingestion_run_id, count(*) from raw_arcgis.features "
                           "where utility_code = 'ace' group by all") == [(before[0][1],
                                                                           ACE_FEATURES)]
    team_lake.replica.state.apps[1].set_quirks(*ACE, max_record_count=200)
    snapshot = lake_snapshot(team_lake)
    # small load files: the load commits file by file, and is killed after the first
    child = team_lake.extract_in_child("hosting-capacity", "--utility", "ace", "--force",
                                       DATA_WRITER__FILE_MAX_ITEMS="200",
                                       DATA_WRITER__BUFFER_MAX_ITEMS="200")
    deadline = time.monotonic() + 120
    with team_lake.connect() as con:  # each query sees the newest snapshot
        while not con.execute("select count(*) from raw_arcgis.features where "
                              "utility_code = 'ace' and ingestion_run_id <> ?",
                              [before[0][1]]).fetchone()[0]:
            assert child.poll() is None and time.monotonic() < deadline, child.stdout.read()
    os.killpg(child.pid, signal.SIGKILL)
    child.wait(timeout=30)
    assert lake_snapshot(team_lake) > snapshot
    partial = team_lake.query("select count(*) from raw_arcgis.features where "
                              "utility_code = 'ace' and ingestion_run_id <> ?",
                              before[0][1])[0][0]
    assert 0 < partial < ACE_FEATURES  # the killed run's rows: partly committed, never current
    assert team_lake.current_rows("ace") == before
    with pytest.MonkeyPatch.context() as patch:  # the killed run's uncommitted files go too
        for key, value in team_lake.env().items():
            patch.setenv(key, value)
        cleaned = lake_commands.maintain(older_than_days=90,
                                         orphans_older_than=timedelta(0))
    assert cleaned.snapshots_after == cleaned.snapshots_before
    assert team_lake.current_rows("ace") == before
    result = team_lake.extract("hosting-capacity", "--utility", "ace", "--force")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    after = team_lake.current_rows("ace")
    assert len(after) == ACE_FEATURES and after[0][1] != before[0][1]


def test_a_build_killed_in_the_lake_leaves_the_published_marts_as_they_were(team_lake):
    """As with the file: a build killed with the new marts file written aside leaves the
    published marts.duckdb whole, the lake's marts readable, and the next build publishes."""
    marts_file = team_lake.warehouse_dir / "marts.duckdb"

    def published() -> tuple:
        with duckdb.connect(str(marts_file), read_only=True) as con:
            # rounded: a sum of doubles taken on several threads differs in its last bits
            return con.execute("select count(*), round(sum(hosting_capacity_mw), 6) "
                               "from hosting_capacity_records").fetchone()

    before = published()
    assert before[0] > 0
    child = team_lake.dbt_build_in_child("--exclude-resource-type", "test",
                                         HC_KILL_AT="before_marts_file_rename")
    output, _ = child.communicate(timeout=600)
    assert child.returncode == -signal.SIGKILL, output[-3000:]
    assert published() == before
    assert team_lake.query("select count(*) from marts.hosting_capacity_records")[0][0] == \
        before[0]
    output = team_lake.dbt_build("--exclude-resource-type", "test")
    assert published() == before
    # published incrementally from the lake too: the file holds the lake's current runs
    assert re.search(r"hosting_capacity_records [\d,]+ \(\d+ of \d+ utilities updated\)",
                     output), output[-3000:]
    runs = "select distinct utility_code, ingestion_run_id from {} order by all"
    with duckdb.connect(str(marts_file), read_only=True) as con:
        published_runs = con.execute(runs.format("hosting_capacity_records")).fetchall()
    assert published_runs == team_lake.query(runs.format("marts.hosting_capacity_records"))
    assert [p.name for p in team_lake.warehouse_dir.iterdir() if p.name.startswith(".marts")] \
        == []


def test_lake_maintain_expires_old_snapshots_and_deletes_their_files(team_lake):
    # summed as decimals: a sum of doubles depends on the order DuckDB's threads add them in
    marts_now = ("select count(*), sum(hosting_capacity_mw::decimal(38, 9)) "
                 "from marts.hosting_capacity_records")
    marts_before = team_lake.query(marts_now)
    result = team_lake.extract("lake-maintain", HC_LAKE_KEEP_DAYS="0")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "lake: snapshots" in result.stdout
    snapshots = team_lake.query("select count(*) from lake.snapshots()")[0][0]
    assert snapshots == 1, result.stdout
    summary = result.stdout.split("deleted")[0]
    assert int(summary.split(",")[1].split()[0].replace(",", "")) > 0, result.stdout
    assert team_lake.query(marts_now) == marts_before
    assert len(team_lake.current_rows("ace")) == ACE_FEATURES
