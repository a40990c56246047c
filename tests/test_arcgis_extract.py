"""The hosting-capacity extract against the ArcGIS replica: every feature exactly once, or
the utility fails clearly and keeps its previous data."""

from __future__ import annotations

import json
import time

import pytest
from hostile_network import AttemptedConnections, other_host_fixture  # noqa: F401 - fixture

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


# --- hostile servers and odd values (issue 12, probes 5, 6, 7, 8, 12a) ---

SECOND_PAGE = {"resultOffset": "500"}


def ace_in_pages_of_500(world) -> None:
    world.use_config("ace")
    world.arcgis.set_quirks(*ACE, max_record_count=500)


def assert_failed_keeping_previous(world, before: list | None, *fragments: str) -> str:
    """ACE's last run failed with an error holding `fragments`; its rows are still `before`
    (None: it never had any)."""
    status, written, error, _ = world.runs("ace")[-1]
    assert (status, written) == ("failed", 0)
    for fragment in fragments:
        assert fragment in error
    if before is not None:
        assert sorted(world.current_rows("ace")) == before
    return error


def test_a_page_redirected_to_another_host_fails_the_utility_and_is_not_followed(
        world, other_host, monkeypatch):
    port, accepted = other_host
    connections = AttemptedConnections(monkeypatch)
    ace_in_pages_of_500(world)
    world.use_config("pepco")
    world.server.add_fault("redirect", status=302, location=f"http://127.0.0.2:{port}/query",
                           path_contains="FeatureServer/4/query", params=SECOND_PAGE, times=-1)
    assert world.extract("--utility", "all") == 1
    assert_failed_keeping_previous(world, None, f"redirected (HTTP 302) to http://127.0.0.2:{port}",
                                   "FeatureServer/4/query")
    assert accepted == [] and connections.hosts() == {"127.0.0.1"}
    assert_exactly_once(world, "pepco", *PEPCO)  # the other utility loads


def test_metadata_redirected_to_the_cloud_metadata_address_is_never_attempted(
        world, monkeypatch):
    connections = AttemptedConnections(monkeypatch)
    world.use_config("ace")
    world.server.add_fault("redirect", status=302, location="http://169.254.169.254/latest/",
                           path_contains="FeatureServer/4", times=-1)
    assert world.extract("--utility", "ace") == 1
    assert "to http://169.254.169.254/latest/" in world.runs("ace")[-1][2]
    assert connections.hosts() == {"127.0.0.1"}


def test_a_dripping_page_fails_the_utility_at_the_deadline_keeping_previous_data(
        world, monkeypatch):
    ace_in_pages_of_500(world)
    assert world.extract("--utility", "ace") == 0
    before = sorted(world.current_rows("ace"))
    world.arcgis.layer(*ACE).touch()
    monkeypatch.setenv("HC_HTTP_DEADLINE_S", "1")
    monkeypatch.setenv("HC_HTTP_ATTEMPTS", "2")
    world.server.add_fault("drip", seconds=0.05, path_contains="FeatureServer/4/query",
                           params=SECOND_PAGE, times=-1)
    started = time.monotonic()
    assert world.extract("--utility", "ace") == 1
    assert time.monotonic() - started < 30
    assert_failed_keeping_previous(world, before, "1 s deadline per request (HC_HTTP_DEADLINE_S)",
                                   "resultOffset=500")


def test_an_endless_page_fails_the_utility_at_the_size_limit_keeping_previous_data(
        world, monkeypatch):
    ace_in_pages_of_500(world)
    assert world.extract("--utility", "ace") == 0
    before = sorted(world.current_rows("ace"))
    world.arcgis.layer(*ACE).touch()
    monkeypatch.setenv("HC_HTTP_MAX_RESPONSE_MB", "2")
    world.server.add_fault("endless", path_contains="FeatureServer/4/query", params=SECOND_PAGE,
                           times=-1)
    assert world.extract("--utility", "ace") == 1
    assert_failed_keeping_previous(world, before, "larger than the 2 MB limit", "resultOffset=500")


def served_attributes_text(object_id: int, through: str) -> str:
    """The served JSON text of a feature's attributes, from OBJECTID up to field `through`."""
    attributes = next(f["attributes"] for f in fixture_features(*ACE)
                      if f["attributes"]["OBJECTID"] == object_id)
    names = list(attributes)[:list(attributes).index(through) + 1]
    return ",".join(f"{json.dumps(n)}:{json.dumps(attributes[n])}" for n in names)


def rewritten_attribute(object_id: int, field: str, written: str) -> list[str]:
    """A [find, replace] pair for a `rewrite` fault: the feature's `field` written so."""
    served = served_attributes_text(object_id, field)
    return [served, served[:served.rindex(":") + 1] + written]


def test_a_page_repeating_a_key_fails_the_utility_naming_the_key_and_others_load(world):
    ace_in_pages_of_500(world)
    world.use_config("pepco")
    served = served_attributes_text(2, "HC_KW")
    world.server.add_fault("rewrite", path_contains="FeatureServer/4/query",
                           replacements=[[served, served + ',"HC_KW":999999']], times=-1)
    assert world.extract("--utility", "all") == 1
    error = assert_failed_keeping_previous(world, None, "repeats the key 'HC_KW'")
    assert "FeatureServer/4/query" in error
    assert_exactly_once(world, "pepco", *PEPCO)


def test_a_latin1_page_fails_the_utility_as_not_utf8_without_retrying(world):
    ace_in_pages_of_500(world)
    served = served_attributes_text(3, "SUBSTATION")
    world.server.add_fault("rewrite", path_contains="FeatureServer/4/query",
                           replacements=[[served, served[:-1] + ' Société"']], encoding="latin-1",
                           times=-1)
    assert world.extract("--utility", "ace") == 1
    error = assert_failed_keeping_previous(world, None, "not UTF-8 (byte 0xE9")
    assert "truncated" not in error
    first_pages = [r for r in world.server.requests()
                   if r["path"].endswith("/query") and r["params"].get("resultOffset") == "0"]
    assert len(first_pages) == 1


def test_odd_numbers_are_counted_unparseable_and_kept_as_written(world):
    ace_in_pages_of_500(world)
    assert world.extract("--utility", "ace") == 0
    clean = json.loads(world.query("select unparseable_values from raw_arcgis.ingestion_runs")
                       [-1][0])
    world.arcgis.layer(*ACE).touch()
    odd = [(1, '"1,5"'), (2, "NaN"), (3, "1e400"), (4, "1e300"), (5, "Infinity"), (6, '"1,500"')]
    world.server.add_fault("rewrite", path_contains="FeatureServer/4/query", times=-1,
                           replacements=[rewritten_attribute(i, "HC_KW", w) for i, w in odd]
                           + [rewritten_attribute(7, "VOLTAGE_KV", "12470")])
    assert world.extract("--utility", "ace") == 0
    counted = json.loads(world.query("select unparseable_values from raw_arcgis.ingestion_runs")
                         [-1][0])
    assert counted["HC_KW"] == clean.get("HC_KW", 0) + 5  # all but "1,500"
    assert counted["VOLTAGE_KV"] == clean.get("VOLTAGE_KV", 0) + 1
    stored = dict(world.query("""
        select source_object_id, raw_attributes->>'$.HC_KW' from raw_arcgis.features
        where source_object_id <= 6 and ingestion_run_id = (
            select run_id from raw_arcgis.ingestion_runs order by completed_at desc limit 1)"""))
    assert stored == {1: "1,5", 2: "NaN", 3: "1e400", 4: "1e300", 5: "Infinity", 6: "1,500"}


def test_a_load_beyond_duckdbs_memory_limit_names_the_setting_and_keeps_the_last_run(
        world, monkeypatch, capsys):
    world.use_config("ace")
    assert world.extract("--utility", "ace") == 0
    before = world.current_rows("ace")
    # So small that a page of ACE's does not fit (nor, here, the failed run's record: the
    # failure is then printed only); pages of large polygons do this at the default 64 MB.
    monkeypatch.setenv("HC_DUCKDB_MEMORY", "8MB")
    capsys.readouterr()
    assert world.extract("--utility", "ace", "--force") != 0
    printed = capsys.readouterr().out
    assert "ace: loading its features: DuckDB's memory limit HC_DUCKDB_MEMORY=8MB is too " \
           "small" in printed and "HC_DUCKDB_MEMORY=1GB" in printed
    assert world.current_rows("ace") == before
