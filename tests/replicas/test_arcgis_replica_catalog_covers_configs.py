"""Every supported config in configs/utilities is served by the default replica catalog.

Each layer is found the way the extractor finds it (discovery, then layer metadata through
HttpClient and the HC_REPLICA_URL rewrite), carries every field its field_map names, and
reads completely with LayerReader: exactly the features `fixture_features` promises.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from extract.arcgis.layer import LayerReader, fetch_layer_metadata
from extract.config import CAPACITY_FIELDS, LayerConfig, UtilityConfig, load_utility_configs
from extract.discovery import probe_service, resolve_service_url
from extract.http import HttpClient
from replicas.arcgis import ArcGISReplica, fixture_features
from replicas.server import ReplicaServer

REPO = Path(__file__).resolve().parents[2]
# A fixed day, so the quarterly names tried do not depend on the clock: Q4 2026.
TODAY = datetime.date(2026, 11, 23)
POLYGON_UTILITIES = {"bge", "peco"}  # grid squares and quads; every other layer is lines
EXELON_ROOT = "https://services3.arcgis.com/ProtocolExelon01/arcgis/rest/services"
XCEL_ROOT = "https://services1.arcgis.com/ProtocolXcel0001/arcgis/rest/services"
DOMINION_ROOT = "https://services1.arcgis.com/ProtocolDomin001/arcgis/rest/services"
NEWEST = {
    "comed": f"{EXELON_ROOT}/ComEd_PV_Hosting_Capacity_SEP2026/FeatureServer",
    "xcel_mn": f"{XCEL_ROOT}/NSP_HCA_Popup_Layer_October_2026/FeatureServer",
    "xcel_co": f"{XCEL_ROOT}/PSCO_GEN_Popup_Layer_Sept_2026/FeatureServer",
}


def supported_configs() -> list[UtilityConfig]:
    configs, problems = load_utility_configs(REPO / "configs")
    assert not problems, problems
    return [config for config in configs if config.is_supported]


SUPPORTED = supported_configs()
LAYERS = [pytest.param(utility, layer, id=f"{utility.utility_code}/{layer.name}")
          for utility in SUPPORTED for layer in utility.layers]


@pytest.fixture(scope="module")
def server() -> Iterator[ReplicaServer]:
    with ReplicaServer(apps=[ArcGISReplica()]) as live:
        yield live


@pytest.fixture
def client(server, monkeypatch) -> Iterator[HttpClient]:
    monkeypatch.setenv("HC_REPLICA_URL", server.url)
    with HttpClient() as http:
        yield http


def resolve(utility: UtilityConfig, layer: LayerConfig, client: HttpClient) -> str:
    return resolve_service_url(utility, layer, client, TODAY)


def test_every_arcgis_family_is_among_the_supported_configs():
    kinds = {utility.data_source_type for utility in SUPPORTED}
    assert kinds == {"arcgis_feature", "arcgis_map", "exelon", "xcel"}
    assert len(LAYERS) >= 25


@pytest.mark.parametrize(("utility", "layer"), LAYERS)
def test_layer_carries_every_field_its_field_map_names(utility, layer, client):
    url = resolve(utility, layer, client)
    metadata = fetch_layer_metadata(client, f"{url}/{layer.layer_index}", {})
    missing = sorted(set(layer.field_map) - set(metadata.field_names))
    assert not missing, f"{utility.utility_code}: {url} lacks {missing}"
    expected = "Polygon" if utility.utility_code in POLYGON_UTILITIES else "Polyline"
    assert metadata.geometry_type == f"esriGeometry{expected}"
    assert metadata.max_record_count in (500, 1000, 2000)
    types = {f["name"]: f["type"] for f in metadata.fields}
    if utility.data_source_type == "xcel":
        assert {types[name] for name in layer.field_map} == {"esriFieldTypeString"}
    capacity_types = {types[s] for s, c in layer.field_map.items() if c in CAPACITY_FIELDS}
    # Doubles, except where the utility writes numbers as text (Xcel; one PHI field each).
    assert "esriFieldTypeDouble" in capacity_types or capacity_types == {"esriFieldTypeString"}
    assert capacity_types <= {"esriFieldTypeDouble", "esriFieldTypeString"}


@pytest.mark.parametrize(("code", "newest"), sorted(NEWEST.items()))
def test_renamed_services_resolve_to_the_newest_one_published(code, newest, client):
    utility = next(u for u in SUPPORTED if u.utility_code == code)
    assert resolve(utility, utility.layers[0], client) == newest
    assert newest != utility.layers[0].service_url  # not just the last known name


def test_a_quarter_not_published_yet_answers_like_arcgis_online(client, server):
    missing = f"{EXELON_ROOT}/ComEd_PV_Hosting_Capacity_DEC2026/FeatureServer"
    answer = httpx.get(f"{server.url}/{missing.removeprefix('https://')}", params={"f": "json"})
    assert answer.status_code == 200
    assert answer.json()["error"] == {"code": 400, "message": "Invalid URL",
                                      "details": ["Invalid URL"]}
    assert probe_service(client, missing) == "ArcGIS error 400"


def test_organisations_list_their_services_as_discovery_scans_them(client):
    exelon = {s["name"] for s in client.get_json(EXELON_ROOT, {"f": "json"})["services"]}
    assert {"PHI_Hosting_Capacity", "BGE_Hosting_Capacity",
            "PECO_Available_Distribution_Capacity_Map", "ComEd_PV_Hosting_Capacity_MAR2026",
            "ComEd_PV_Hosting_Capacity_JUN2026", "ComEd_PV_Hosting_Capacity_SEP2026"} <= exelon
    xcel = {s["name"] for s in client.get_json(XCEL_ROOT, {"f": "json"})["services"]}
    assert {"NSP_HCA_Popup_Layer_March_2026", "HCA_NSP_Popup_Layer_February_2026",
            "NSP_HCA_Popup_Layer_October_2026", "PSCO_GEN_Popup_Layer_Feb_2026",
            "PSCO_GEN_Popup_Layer_Sept_2026", "PSCO_Blurred_Raster_Final_with_Exclusions"} <= xcel
    # Dominion's organisation lists nothing, yet its service answers.
    assert client.get_json(DOMINION_ROOT, {"f": "json"})["services"] == []


def test_self_hosted_map_servers_are_of_their_own_vintages(client):
    by_code = {u.utility_code: u for u in SUPPORTED}
    layers = {code: client.get_json(by_code[code].layers[0].layer_url, {"f": "json"})
              for code in ("duke", "nationalgrid", "eversource")}
    for code, layer in layers.items():
        assert layer["type"] == "Feature Layer" and layer["capabilities"] == "Map,Query,Data"
        assert "standardMaxRecordCount" not in layer or layer["currentVersion"] >= 10.6, code
    assert layers["duke"]["supportsPagination"] and layers["nationalgrid"]["supportsPagination"]
    assert layers["eversource"]["currentVersion"] < 10.3
    assert "supportsPagination" not in layers["eversource"]


def parse_number(value: object) -> float | None:
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(str(value).replace(",", ""))
    except ValueError:
        return None


@pytest.mark.parametrize(("utility", "layer"), LAYERS)
def test_layer_reads_completely_with_values_in_the_configs_unit(utility, layer, client):
    url = resolve(utility, layer, client)
    metadata = fetch_layer_metadata(client, f"{url}/{layer.layer_index}", {})
    reader = LayerReader(client, metadata, page_size=layer.page_size)
    read, ids = 0, []
    values: list[float] = []
    capacity = next(s for s, c in layer.field_map.items() if c in CAPACITY_FIELDS)
    for page in reader.features():
        read += len(page)
        ids += [feature.object_id for feature in page]
        values += [v for f in page if (v := parse_number(f.attributes.get(capacity))) is not None]
    served = [f["attributes"][metadata.object_id_field]
              for f in fixture_features(url, layer.layer_index)]
    assert read == len(served) == len(set(ids))
    assert sorted(ids) == served
    biggest = max(abs(v) for v in values)
    if layer.capacity_unit == "mw":
        assert 0.5 < biggest < 100, (utility.utility_code, capacity, biggest)
    else:
        assert 500 < biggest < 50_000, (utility.utility_code, capacity, biggest)
