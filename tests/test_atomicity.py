"""SIGKILL the extract and dbt at their worst moments: the warehouse still opens, users still
see the previous complete ingestion, and the next run completes."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from extract.dbt_launch import launch_dbt
from replicas.arcgis.catalog import PHI_URL

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
ACE = (PHI_URL, 4)
ACE_FEATURES = 1562


def child_env(world, **extra: str) -> dict:
    return {**os.environ, "HC_CONFIG_DIR": str(world.config_dir),
            "HC_WAREHOUSE_DIR": str(world.warehouse_dir), "HC_REPLICA_URL": world.server.url,
            "DBT_PROFILES_DIR": str(REPO / "dbt_project"), **extra}


def extract_in_child(world, **extra: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "extract", "hosting-capacity", "--utility",
                             "ace"], cwd=REPO, env=child_env(world, **extra),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)


def dbt_build_in_child(world, **extra: str) -> subprocess.Popen:
    return launch_dbt("build", env=child_env(world, **extra), stdout=subprocess.PIPE,
                      stderr=subprocess.STDOUT, text=True, start_new_session=True)


def kill(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)


def assert_exactly_once(world, expected: int = ACE_FEATURES) -> str:
    rows = world.current_rows("ace")
    ids = [object_id for _, object_id, _ in rows]
    assert len(ids) == len(set(ids)) == expected
    return rows[0][2]


@pytest.fixture
def loaded_once(world):
    world.use_config("ace")
    world.arcgis.set_quirks(*ACE, max_record_count=200)
    assert world.extract("--utility", "ace") == 0
    run_id = assert_exactly_once(world)
    world.arcgis.layer(*ACE).touch()  # so the next run refetches
    return run_id


def test_extract_killed_between_pages_keeps_the_previous_ingestion(world, loaded_once):
    world.arcgis.set_quirks(*ACE, page_delay_seconds=0.3)
    child = extract_in_child(world)
    deadline = time.monotonic() + 60
    while sum("resultOffset" in r["params"] for r in world.server.requests()) < 12:
        assert time.monotonic() < deadline and child.poll() is None
        time.sleep(0.05)
    kill(child)
    assert assert_exactly_once(world) == loaded_once
    world.arcgis.set_quirks(*ACE, page_delay_seconds=0)
    assert world.extract("--utility", "ace") == 0
    assert assert_exactly_once(world) != loaded_once


@pytest.mark.parametrize("point", ["before_load", "after_load"])
def test_extract_killed_around_the_load_keeps_the_previous_ingestion(world, loaded_once,
                                                                      point):
    child = extract_in_child(world, HC_KILL_AT=point)
    assert child.wait(timeout=120) == -signal.SIGKILL
    assert assert_exactly_once(world) == loaded_once
    assert world.extract("--utility", "ace") == 0
    new_run = assert_exactly_once(world)
    assert new_run != loaded_once
    # the dead run's rows were dropped or pruned: one copy of the layer remains
    assert world.query("select count(*) from raw_arcgis.features")[0][0] == ACE_FEATURES


def test_extract_killed_after_its_run_record_shows_the_new_ingestion(world, loaded_once):
    child = extract_in_child(world, HC_KILL_AT="after_run_record")
    assert child.wait(timeout=120) == -signal.SIGKILL
    assert assert_exactly_once(world) != loaded_once  # complete, so it is the current one
    world.arcgis.layer(*ACE).touch()
    assert world.extract("--utility", "ace") == 0
    assert world.query("select count(*) from raw_arcgis.features")[0][0] == ACE_FEATURES


def marts_record_count(world) -> int:
    with duckdb.connect(str(world.warehouse_dir / "marts.duckdb"), read_only=True) as con:
        return con.execute("select count(*) from marts.hosting_capacity_records").fetchone()[0]


def test_dbt_build_and_marts_file_killed_midway_keep_the_previous_marts(world, loaded_once):
    built = dbt_build_in_child(world)
    assert built.wait(timeout=600) == 0, built.stdout.read()[-3000:]
    assert marts_record_count(world) == ACE_FEATURES
    world.arcgis.layer(*ACE).add_features(10)
    assert world.extract("--utility", "ace") == 0

    # 1. killed while the models are being built
    child = dbt_build_in_child(world)
    for line in child.stdout:
        if "START sql incremental model intermediate.int_hosting_capacity_records_normalized" \
                in line:
            break
    else:
        pytest.fail("the build never started the normalized records")
    kill(child)
    assert marts_record_count(world) == ACE_FEATURES
    with duckdb.connect(str(world.warehouse_dir / "hosting_capacity.duckdb")) as con:
        assert con.execute("select count(*) from marts.hosting_capacity_records"
                           ).fetchone()[0] == ACE_FEATURES

    # 2. killed with the new marts file written aside, just before it replaces the old one
    # (written incrementally: a copy of the published file with ace's rows rewritten)
    child = dbt_build_in_child(world, HC_KILL_AT="before_marts_file_rename")
    assert child.wait(timeout=600) == -signal.SIGKILL
    assert marts_record_count(world) == ACE_FEATURES

    # 3. the next build completes and publishes the new data, incrementally too
    child = dbt_build_in_child(world)
    output = child.stdout.read()
    assert child.wait(timeout=600) == 0, output[-3000:]
    assert re.search(r"hosting_capacity_records 1,572 \(1 of \d+ utilities updated\)", output)
    assert marts_record_count(world) == ACE_FEATURES + 10
    leftovers = [p.name for p in world.warehouse_dir.iterdir() if p.name.startswith(".marts")]
    assert leftovers == []
