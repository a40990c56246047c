"""The hosting-capacity extract against the ArcGIS replica: every feature exactly once, or
the utility fails clearly and keeps its previous data."""

from __future__ import annotations

import json

import pytest

from replicas.arcgis import fixture_features
from replicas.arcgis.catalog import PGE_URL, PHI_URL, SCE_URL

ACE = (PHI_URL, 4)  # pagination, 1562 features
PEPCO = (PHI_URL, 0)  # no pagination, sparse ids


def served_ids(url: str, layer: int) -> list[int]:
    return sorted(f["attributes"]["OBJECTID"] for f in fixture_features(url, layer))


def assert_exactly_once(world, code: str, url: str, layer: int) -> None:
    rows = world.current_rows(code)
    ids = [object_id for _, object_id, _ in rows]
    assert len(ids) == len(set(ids)), "a feature was loaded twice"
    assert sorted(ids) == served_ids(url, layer), "features lost or invented"


def test_layer_with_pagination_arrives_exactly(world):
    world.use_config("ace")
    assert world.extract("--utility", "ace") == 0
    assert_exactly_once(world, "ace", *ACE)
    status, written, error, source_url = world.runs("ace")[-1]
    assert (status, written, error) == ("success", 1562, None)
    assert source_url.endswith("PHI_Hosting_Capacity/FeatureServer/4")


def test_loaded_files_are_not_kept_beside_the_warehouse(world):
    """dlt's copies of a loaded layer would grow the disk by a whole layer every run."""
    world.use_config("ace")
    assert world.extract("--utility", "ace") == 0
    assert world.extract("--utility", "ace", "--force") == 0
    assert not list((world.warehouse_dir / ".dlt").rglob("*.parquet"))


def test_attributes_are_kept_unmodified(world):
    world.use_config("ace")
    world.extract("--utility", "ace")
    served = {f["attributes"]["OBJECTID"]: f["attributes"] for f in fixture_features(*ACE)}
    rows = world.query("select source_object_id, raw_attributes from raw_arcgis.features")
    for object_id, raw in rows[:200]:
        assert json.loads(raw) == served[object_id]


def test_server_without_pagination_is_paged_by_object_ids(world):
    world.use_config("pepco")
    assert world.extract("--utility", "pepco") == 0
    assert_exactly_once(world, "pepco", *PEPCO)
    requests = [r["params"] for r in world.server.requests() if r["path"].endswith("/query")]
    assert not any("resultOffset" in params for params in requests)


def test_server_cap_below_page_size_is_honoured(world):
    world.use_config("ace")  # asks 3500 per page
    world.arcgis.set_quirks(*ACE, max_record_count=400)
    assert world.extract("--utility", "ace") == 0
    assert_exactly_once(world, "ace", *ACE)


def test_server_ignoring_result_offset_falls_back_to_object_ids(world):
    world.use_config("ace")
    world.arcgis.set_quirks(*ACE, max_record_count=500, ignores_result_offset=True)
    assert world.extract("--utility", "ace") == 0
    assert_exactly_once(world, "ace", *ACE)
    assert "resultOffset ignored" in world.query(
        "select notes::varchar from raw_arcgis.ingestion_runs")[-1][0]


def test_last_page_without_exceeded_flag_loses_nothing(world):
    world.use_config("ace")
    world.arcgis.set_quirks(*ACE, max_record_count=500, omits_exceeded_flag=True)
    assert world.extract("--utility", "ace") == 0
    assert_exactly_once(world, "ace", *ACE)


def test_duplicate_ids_across_pages_are_loaded_once(world):
    world.use_config("ace")
    world.arcgis.set_quirks(*ACE, max_record_count=500, duplicate_ids_across_pages=True)
    assert world.extract("--utility", "ace") == 0
    assert_exactly_once(world, "ace", *ACE)


def test_web_mercator_answers_are_reprojected_to_lon_lat(world):
    world.use_config("sce")
    assert world.extract("--utility", "sce") == 0
    assert_exactly_once(world, "sce", SCE_URL, 0)
    lon, lat = world.query("""select min(g.geometry->'$.coordinates[0][0]')::double,
                                     min(g.geometry->'$.coordinates[0][1]')::double
                              from raw_arcgis.features g where g.geometry is not null""")[0]
    assert -125 < lon < -114 and 32 < lat < 36


@pytest.mark.parametrize("fault", [
    {"kind": "status", "status": 500}, {"kind": "status", "status": 502},
    {"kind": "status", "status": 503}, {"kind": "status", "status": 429, "retry_after": 0.2},
    {"kind": "truncate"}, {"kind": "arcgis_error", "status": 500}, {"kind": "reset"},
], ids=["500", "502", "503", "429", "truncated-json", "error-in-200", "reset"])
def test_transient_page_failure_is_retried_and_nothing_is_lost(world, fault):
    world.use_config("ace")
    world.arcgis.set_quirks(*ACE, max_record_count=500)
    world.server.add_fault(path_contains="FeatureServer/4/query",
                           params={"resultOffset": "1000"}, times=2, **fault)
    assert world.extract("--utility", "ace") == 0
    assert_exactly_once(world, "ace", *ACE)


def test_read_timeout_is_retried(world, monkeypatch):
    monkeypatch.setenv("HC_HTTP_TIMEOUT_S", "1")
    world.use_config("ace")
    world.arcgis.set_quirks(*ACE, max_record_count=500)
    world.server.add_fault("delay", seconds=2.5, path_contains="FeatureServer/4/query",
                           params={"resultOffset": "500"}, times=1)
    assert world.extract("--utility", "ace") == 0
    assert_exactly_once(world, "ace", *ACE)


def test_page_that_keeps_failing_fails_the_utility_and_keeps_previous_data(world):
    world.use_config("ace")
    world.arcgis.set_quirks(*ACE, max_record_count=500)
    assert world.extract("--utility", "ace") == 0
    before = sorted(world.current_rows("ace"))
    world.arcgis.layer(*ACE).touch()  # changed, so the next run really refetches
    world.server.add_fault("status", status=503, path_contains="FeatureServer/4/query",
                           params={"resultOffset": "1000"}, times=-1)
    assert world.extract("--utility", "ace") == 1
    status, written, error, _ = world.runs("ace")[-1]
    assert status == "failed" and written == 0
    assert "HTTP 503" in error and "FeatureServer/4/query" in error
    assert sorted(world.current_rows("ace")) == before
    # and the next run, with the server healthy again, completes
    world.server.clear_faults()
    assert world.extract("--utility", "ace") == 0
    assert_exactly_once(world, "ace", *ACE)
    assert world.query("select count(*) from raw_arcgis.features")[0][0] == 1562


def test_one_failing_utility_does_not_stop_the_others(world, capsys):
    world.use_config("ace")
    world.use_config("pge")
    world.server.add_fault("status", status=503, path_contains="DRPComplianceRelProd",
                           times=-1)
    assert world.extract("--utility", "all") == 1
    assert world.runs("pge")[-1][0] == "failed"
    assert_exactly_once(world, "ace", *ACE)
    assert "pge" in capsys.readouterr().out


def test_field_map_naming_a_missing_field_fails_with_the_fields_that_exist(world):
    data = world.use_config("ace")
    data["layers"][0]["field_map"]["HC_KW_TYPO"] = "hosting_capacity_max_mw"
    data["layers"][0]["field_map"].pop("MAX_HC_KW", None)
    world.write_config("ace", data)
    assert world.extract("--utility", "ace") == 1
    error = world.runs("ace")[-1][2]
    assert "'HC_KW_TYPO'" in error and "FEEDER_ID" in error and "ace.yaml" in error


def test_unchanged_layer_is_skipped_unless_forced(world):
    world.use_config("ace")
    assert world.extract("--utility", "ace") == 0
    assert world.extract("--utility", "ace") == 0
    assert world.runs("ace")[-1][0] == "skipped_unchanged"
    assert len(world.current_rows("ace")) == 1562
    assert world.extract("--utility", "ace", "--force") == 0
    assert world.runs("ace")[-1][0] == "success"
    world.arcgis.layer(*ACE).add_features(3)
    assert world.extract("--utility", "ace") == 0
    assert world.runs("ace")[-1][:2] == ("success", 1565)
    assert world.query("select count(*) from raw_arcgis.features")[0][0] == 1565


def test_dry_run_writes_nothing(world, capsys):
    world.use_config("ace")
    assert world.extract("--utility", "ace", "--dry-run") == 0
    assert "1,562 records" in capsys.readouterr().out
    assert not (world.warehouse_dir / "hosting_capacity.duckdb").exists()


def test_token_is_sent_and_never_stored_or_logged(world, monkeypatch, capsys):
    secret = "tok-XYZ-123-secret"
    world.use_config("pge", requires_auth=True, auth_token_env="PGE_ARCGIS_TOKEN")
    world.arcgis.set_quirks(PGE_URL, 7, requires_token=True, token=secret)
    assert world.extract("--utility", "pge") == 1  # no token in the environment
    assert "PGE_ARCGIS_TOKEN" in world.runs("pge")[-1][2]
    monkeypatch.setenv("PGE_ARCGIS_TOKEN", secret)
    assert world.extract("--utility", "pge") == 0
    assert len(world.current_rows("pge")) == len(served_ids(PGE_URL, 7))
    world.arcgis.set_quirks(PGE_URL, 7, token="another-token")  # now ours is wrong
    world.arcgis.layer(PGE_URL, 7).touch()
    assert world.extract("--utility", "pge") == 1
    error = world.runs("pge")[-1][2]
    assert "498" in error
    dump = world.query("select * from raw_arcgis.ingestion_runs")
    dump += world.query("select raw_attributes from raw_arcgis.features limit 50")
    out = capsys.readouterr()
    for text in (repr(dump), out.out, out.err, error):
        assert secret not in text
