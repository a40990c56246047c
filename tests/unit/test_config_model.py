"""How a config becomes UtilityConfig/LayerConfig: inheritance, defaults, support reasons."""

from __future__ import annotations

from pathlib import Path

from extract.arcgis.cli import select_utilities
from extract.arcgis.config import parse_config

SERVICE = "https://services.example.com/ORG/arcgis/rest/services/HC/FeatureServer"
BASE = {"utility_code": "demo", "utility_name": "Demo Power", "states": ["NJ"],
        "data_source_type": "arcgis_feature", "requires_auth": False}


def parse(**keys: object):
    return parse_config({**BASE, **keys}, Path("demo.yaml"))


def test_single_layer_form_becomes_one_primary_layer():
    config, problems = parse(service_url=SERVICE, layer_index=3, capacity_unit="mw",
                             field_map={"CIRCUIT": "feeder_id_external"})
    assert problems == []
    (layer,) = config.layers
    assert (layer.name, layer.layer_url, layer.capacity_unit) == ("primary", f"{SERVICE}/3", "mw")
    assert (layer.capacity_kind, layer.hosting_capacity_semantics) == ("generation", "gross")


def test_layers_inherit_top_level_keys_and_override_them():
    config, problems = parse(service_url=SERVICE, page_size=1000, capacity_unit="kw", layers=[
        {"name": "dg", "layer_index": 0, "field_map": {"HC_KW": "hosting_capacity_mw"}},
        {"name": "ev", "layer_index": 1, "capacity_kind": "load", "capacity_unit": "mw",
         "service_url": SERVICE.replace("/HC/", "/EV/"),
         "field_map": {"LOAD_MW": "hosting_capacity_mw"}}])
    assert problems == []
    dg, ev = config.layers
    assert (dg.service_url, dg.page_size, dg.capacity_unit) == (SERVICE, 1000, "kw")
    assert (ev.service_url.split("/")[-2], ev.capacity_kind, ev.capacity_unit) == (
        "EV", "load", "mw")


def test_layer_names_must_be_unique():
    layer = {"name": "dg", "layer_index": 0, "capacity_unit": "kw",
             "field_map": {"HC_KW": "hosting_capacity_mw"}}
    _, problems = parse(service_url=SERVICE, layers=[layer, layer])
    assert [str(p) for p in problems] == ["demo.yaml: layers: layer name 'dg' is used twice"]


def test_custom_utility_is_listed_but_unsupported_with_its_notes_first_line():
    config, problems = parse(data_source_type="custom",
                             notes="Mapbox map, not ArcGIS.\nMore detail here.")
    assert problems == []
    assert not config.is_supported
    assert config.unsupported_reason == "custom: Mapbox map, not ArcGIS."


def test_arcgis_utility_without_fields_yet_is_unsupported_not_broken():
    config, problems = parse(service_url=SERVICE, notes="Field map unknown: run --discover.")
    assert problems == []
    assert config.layers == ()
    assert config.unsupported_reason == "no layer configured: Field map unknown: run --discover."


def test_auth_required_without_a_token_variable_is_unsupported():
    config, _ = parse(requires_auth=True, service_url=SERVICE, layer_index=0,
                      capacity_unit="kw", field_map={"HC_KW": "hosting_capacity_mw"})
    assert config.unsupported_reason == (
        "requires authentication and no auth_token_env is configured")
    config, _ = parse(requires_auth=True, auth_token_env="DEMO_TOKEN", service_url=SERVICE,
                      layer_index=0, capacity_unit="kw", field_map={"HC_KW": "hosting_capacity_mw"})
    assert config.is_supported


def test_a_list_as_canonical_target_is_a_problem_not_a_crash():
    _, problems = parse(service_url=SERVICE, layer_index=0, capacity_unit="kw",
                        field_map={"A": ["feeder_id_external"], "B": ["feeder_id_external"]})
    assert [p.key for p in problems] == ["field_map.A", "field_map.B", "field_map"]


def test_a_file_with_problems_yields_no_config_and_every_problem():
    config, problems = parse(service_url=SERVICE, layer_index=-1, capacity_unit="gw",
                             field_map={"HC_KW": "hosting_capacity_mw"}, colour="red")
    assert config is None
    assert sorted(str(p) for p in problems) == [
        "demo.yaml: capacity_unit: 'gw' is not one of kw, mw, kva, mva",
        "demo.yaml: colour: unknown key (typo?)",
        "demo.yaml: layer_index: must be an integer >= 0, got -1"]


def test_an_inherited_bad_value_is_reported_for_each_layer_that_reads_it():
    layers = [{"name": n, "layer_index": i, "field_map": {"HC_KW": "hosting_capacity_mw"}}
              for i, n in enumerate(("dg", "ev"))]
    _, problems = parse(service_url=SERVICE, capacity_unit="gw", layers=layers)
    assert [p.key for p in problems] == ["layers[0].capacity_unit", "layers[1].capacity_unit"]


def test_nested_problems_are_keyed_down_to_the_fact():
    evidence = {"url": {"source": "", "date": "July"}, "fields": {"HC_KW": {"unverified": ""}},
                "conflicts": "one text"}
    _, problems = parse(service_url=SERVICE, layers=[
        {"name": "dg", "layer_index": 0, "capacity_unit": "kw", "evidence": evidence,
         "field_map": {"HC_KW": "hosting_capacity_mw"}}])
    assert sorted(p.key for p in problems) == [
        "layers[0].evidence.conflicts", "layers[0].evidence.fields.HC_KW.unverified",
        "layers[0].evidence.url.date", "layers[0].evidence.url.source"]


def test_a_null_service_url_leaves_the_layer_without_one():
    _, problems = parse(service_url=None, layer_index=0, capacity_unit="kw",
                        field_map={"HC_KW": "hosting_capacity_mw"})
    assert [str(p) for p in problems] == [
        "demo.yaml: service_url: missing required key for an ArcGIS layer"]


def test_extracting_a_utility_whose_file_has_problems_names_the_problems_not_unknown():
    config, problems = parse(service_url=SERVICE, layer_index=0, capacity_unit="gw",
                             field_map={"HC_KW": "hosting_capacity_mw"})
    assert config is None
    assert select_utilities([], problems, "demo", None) == ([], [
        "config problem: demo.yaml: capacity_unit: 'gw' is not one of kw, mw, kva, mva"])
