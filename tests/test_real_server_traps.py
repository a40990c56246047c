"""The traps of the real servers, each met by the generic extract path and configuration
alone, on the replicas built from recorded evidence (tests/doubles/evidence)."""

from __future__ import annotations

import json

import httpx
import yaml

COMED = ("https://utility.arcgis.com/usrsvcs/servers/3e659d584f4b47c1b6647b229f93fe48/rest/"
         "services/ComEd_EV_Load_Capacity_JUN2026/FeatureServer")
SCE = "https://drpep.sce.com/arcgis_server/rest/services/Hosted/ICA_Layer/FeatureServer"
NV = ("https://services.nvenergy.com/GISSvc/1.0/retrieveMapInfoDRP/arcgis/rest/services/DRP/"
      "DRP_WebApp/MapServer")
PSEG = "https://services.arcgis.com/yHb9HdkiNl1PZaOr/arcgis/rest/services/EVCapacity/FeatureServer"


def last_run(world, code: str) -> tuple:
    return world.runs(code)[-1]


def test_comed_answers_only_with_the_referer_its_config_sets(evidence_world):
    world = evidence_world
    data = world.use_utility_config("comed")
    assert world.extract("--utility", "comed") == 0
    assert last_run(world, "comed")[:2] == ("success", 250)
    for layer in data["layers"]:
        layer.pop("request_headers")
    world.write_config("comed", data)
    assert world.extract("--utility", "comed", "--force") == 1
    status, written, error, _ = last_run(world, "comed")
    assert (status, written) == ("failed", 0)
    assert "ArcGIS error 403" in error and "inside HTTP 200" in error
    assert "request_headers" in error  # the message says what to fix
    referers = [r for r in world.server.requests() if "ComEd_EV" in r["path"]]
    assert referers  # requests did reach the replica


def test_the_wrong_sce_base_path_is_reported_as_a_moved_url_not_an_outage(evidence_world):
    world = evidence_world
    data = world.use_utility_config("sce")
    for layer in data["layers"]:
        layer["service_url"] = layer["service_url"].replace("/arcgis_server/", "/arcgis/")
    world.write_config("sce", data)
    assert world.extract("--utility", "sce") == 1
    status, _, error, _ = last_run(world, "sce")
    assert status == "failed"
    assert "HTTP 404" in error and "HTML page" in error and "/arcgis_server/" in error


def test_fully_qualified_field_names_are_read_and_bare_names_are_errors_inside_200(
        evidence_world):
    world = evidence_world
    world.use_utility_config("nv_energy")
    assert world.extract("--utility", "nv_energy") == 0
    raw = world.query("select raw_attributes from raw_arcgis.features limit 1")[0][0]
    assert "DRP_GIS_DATA.DRP_HCA.LHC" in json.loads(raw)
    bare = httpx.get(f"{world.server.url}/{NV.removeprefix('https://')}/31/query",
                     params={"where": "1=1", "outFields": "LHC", "f": "json"})
    assert bare.status_code == 200 and bare.json()["error"]["code"] == 400


def test_where_filters_from_the_config_select_rows_on_the_server(evidence_world):
    world = evidence_world
    world.use_utility_config("pseg")  # where CAPACITY_REMAINING IS NOT NULL
    assert world.extract("--utility", "pseg") == 0
    served = [f["attributes"] for f in world.arcgis.features(PSEG, 0)]
    measured = [a for a in served if a["CAPACITY_REMAINING"] is not None]
    assert 0 < len(measured) < len(served)
    assert last_run(world, "pseg")[1] == len(measured)
    world.use_utility_config("pepco")  # Region = 'Pepco' on a layer shared with Delmarva
    assert world.extract("--utility", "pepco") == 0
    rows = world.query("select raw_attributes->>'Region' from raw_arcgis.features "
                       "where utility_code = 'pepco'")
    assert {region for (region,) in rows} == {"Pepco"}


def test_a_short_layer_loads_flagged_and_strict_refuses_it(world):
    world.use_config("ace")
    assert world.extract("--utility", "ace") == 0
    layer = world.arcgis.layer("https://services3.arcgis.com/ProtocolExelon01/arcgis/rest/"
                               "services/PHI_Hosting_Capacity/FeatureServer", 4)
    first = world.runs("ace")[-1][1]
    served = sorted(world.query("select source_object_id from raw_arcgis.features"))
    layer.remove_features([oid for (oid,) in served[: int(len(served) * 0.6)]])
    assert world.extract("--utility", "ace", "--strict") == 1
    status, written, error, _ = world.runs("ace")[-1]
    assert status == "failed" and "short layer dg" in error and "--strict" in error
    assert len(world.current_rows("ace")) == first  # the previous ingestion stays
    assert world.extract("--utility", "ace") == 0
    notes = world.query("select notes from raw_arcgis.ingestion_runs "
                        "order by started_at desc limit 1")[0][0]
    assert any(note.startswith("short layer dg") for note in json.loads(notes))
    assert len(world.current_rows("ace")) < first * 0.5


def test_validate_lists_every_unverified_fact_as_a_warning(tmp_path, monkeypatch, capsys):
    from extract.validate import validate_all_configs

    (tmp_path / "utilities").mkdir()
    (tmp_path / "pricing").mkdir()
    config = {"utility_code": "demo", "utility_name": "Demo", "states": ["CA"],
              "data_source_type": "arcgis_feature", "requires_auth": False,
              "service_url": "https://services.example.com/O/arcgis/rest/services/H/FeatureServer",
              "layer_index": 0, "capacity_unit": "kw", "capacity_kind": "load",
              "row_grain": "feeder",
              "field_map": {"FEEDER": "feeder_id_external", "HC_KW": "hosting_capacity_mw"},
              "evidence": {"url": {"source": "a/b:c.py@1", "date": "2026-07-29"},
                           "unit": {"unverified": "no source states it"},
                           "fields": {"FEEDER": {"source": "a/b:c.py@1",
                                                 "date": "2026-07-29"}}}}
    (tmp_path / "utilities" / "demo.yaml").write_text(yaml.safe_dump(config))
    monkeypatch.setenv("HC_CONFIG_DIR", str(tmp_path))
    assert validate_all_configs() == 0
    err = capsys.readouterr().err.splitlines()
    assert any("evidence.unit: unverified: no source states it" in line for line in err)
    assert any("evidence.fields.HC_KW: unverified: no source names this field" in line
               for line in err)
    assert not any("evidence.fields.FEEDER" in line for line in err)
    assert err[-1].startswith("2 warnings")
