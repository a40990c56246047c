"""`validate-configs --live` against the evidence replicas, each staging one kind of drift."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from extract.__main__ import main

REPO = Path(__file__).resolve().parents[1]
SCE = "https://drpep.sce.com/arcgis_server/rest/services/Hosted/ICA_Layer/FeatureServer"
PSEG = "https://services.arcgis.com/yHb9HdkiNl1PZaOr/arcgis/rest/services/EVCapacity/FeatureServer"
DOMINION = ("https://services.arcgis.com/DmE6Z8jKWf8lv84J/arcgis/rest/services/"
            "EV_Hosting_Capacity_Available_EB/FeatureServer")
XCEL = "https://services1.arcgis.com/eM84fwjsSggLQk61/arcgis/rest/services"


def live(world, capsys, code: str) -> tuple[int, list[str]]:
    status = main(["validate-configs", "--live", "--utility", code])
    out = capsys.readouterr().out.splitlines()
    return status, [line for line in out if line.startswith("drift: ")]


def test_shipped_configs_show_no_drift_on_the_evidence_replicas(evidence_world, capsys,
                                                                monkeypatch):
    monkeypatch.setenv("HC_CONFIG_DIR", str(REPO / "configs"))
    status = main(["validate-configs", "--live"])
    out = capsys.readouterr().out.splitlines()
    assert status == 0, out
    assert out[-1].startswith("0 drifts in 35 layers of 28 utilities")


def test_a_field_gone_from_the_server_is_reported_and_exits_1(evidence_world, capsys):
    evidence_world.use_utility_config("pseg")
    layer = evidence_world.arcgis.layer(PSEG, 0)
    layer.fields = tuple(f for f in layer.fields if f.name != "base_circuitid")
    status, drifts = live(evidence_world, capsys, "pseg")
    assert status == 1
    assert drifts == [f"drift: pseg/ev: field missing: 'base_circuitid' is not in {PSEG}/0"]


@pytest.mark.parametrize(("code", "configured", "server"), [
    ("nyseg_rge", "MAX_hosting_capacity", "MAX_hostin"),  # shapefile truncation
    ("nv_energy", "LHC", "DRP_GIS_DATA.DRP_HCA.LHC"),  # fully qualified joined-view name
])
def test_a_renamed_field_names_what_it_may_have_become(evidence_world, capsys, code,
                                                       configured, server):
    data = evidence_world.use_utility_config(code)
    layer = data["layers"][0]
    # The config names the field its own way everywhere (a valid config), the server not.
    for by_field in (layer["field_map"], layer.get("censored_at", {}), layer.get("sentinels", {}),
                     layer.get("evidence", {}).get("fields", {})):
        if server in by_field:
            by_field[configured] = by_field.pop(server)
    evidence_world.write_config(code, data)
    status, drifts = live(evidence_world, capsys, code)
    assert status == 1 and len(drifts) == 1
    assert ": renamed: " in drifts[0] and f"it may now be {server!r}" in drifts[0]


def test_a_type_change_against_the_recorded_type_is_reported(evidence_world, capsys):
    evidence_world.use_utility_config("dominion")
    layer = evidence_world.arcgis.layer(DOMINION, 14)
    layer.fields = tuple(dataclasses.replace(f, type="esriFieldTypeString")
                         if f.name == "LIMIT_VAL" else f for f in layer.fields)
    status, drifts = live(evidence_world, capsys, "dominion")
    assert status == 1 and len(drifts) == 1
    assert "type changed: 'LIMIT_VAL' was esriFieldTypeDouble" in drifts[0]
    assert "the server says esriFieldTypeString" in drifts[0]


def test_the_wrong_base_path_is_reported_as_moved(evidence_world, capsys):
    data = evidence_world.use_utility_config("sce")
    for layer in data["layers"]:
        layer["service_url"] = layer["service_url"].replace("/arcgis_server/", "/arcgis/")
    evidence_world.write_config("sce", data)
    status, drifts = live(evidence_world, capsys, "sce")
    assert status == 1 and len(drifts) == 2
    assert all(": url moved: " in d and "HTTP 404 with an HTML page" in d and SCE in d
               for d in drifts)


def test_a_service_that_is_gone_is_reported(evidence_world, capsys):
    data = evidence_world.use_utility_config("pseg")
    data["layers"][0]["service_url"] = PSEG.replace("EVCapacity", "EVCapacity_Retired")
    evidence_world.write_config("pseg", data)
    status, drifts = live(evidence_world, capsys, "pseg")
    assert status == 1 and len(drifts) == 1 and ": url gone: " in drifts[0]
    assert "ArcGIS error 400" in drifts[0]


def test_a_rotated_service_name_is_reported_for_static_and_rotating_configs(evidence_world,
                                                                             capsys):
    june = f"{XCEL}/NSP_HCA_Popup_June_2026/FeatureServer"
    data = evidence_world.use_utility_config("xcel_mn")
    data["layers"][0].update(service_url=june, url_discovery_method="static")
    data["layers"][0].pop("url_pattern")
    evidence_world.write_config("xcel_mn", data)
    status, drifts = live(evidence_world, capsys, "xcel_mn")
    assert status == 1 and len(drifts) == 1
    assert "rotated name" in drifts[0] and "NSP_HCA_Blurred_GEN_Popup_July_2026" in drifts[0]
    data = evidence_world.use_utility_config("xcel_mn")
    data["layers"][0]["service_url"] = june  # last known name, found newer by catalog_scan
    evidence_world.write_config("xcel_mn", data)
    status, drifts = live(evidence_world, capsys, "xcel_mn")
    assert status == 1 and len(drifts) == 1
    assert "rotated name: the newest service is" in drifts[0]


def test_a_unit_the_field_names_contradict_is_reported(evidence_world, capsys):
    data = evidence_world.use_utility_config("pepco")
    data["layers"][0]["capacity_unit"] = "mw"  # Allowable_PV_kW, Total_Active_Gen_kW...
    evidence_world.write_config("pepco", data)
    status, drifts = live(evidence_world, capsys, "pepco")
    assert status == 1
    assert {d.split(": ")[2] for d in drifts} == {"unit hint"}
    assert any("'Allowable_PV_kW' reads kW" in d and "config says mw" in d for d in drifts)
