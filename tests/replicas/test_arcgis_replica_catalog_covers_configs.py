"""Every supported config agrees with the replicas built from recorded evidence.

The replicas come from tests/doubles/evidence, not from the configs: a config whose URL,
layer or field names are not the evidence's fails here. Each layer is found the way the
extractor finds it (discovery, then layer metadata through HttpClient and the HC_REPLICA_URL
rewrite, with the config's request headers), carries every field its field_map names, and
reads completely with LayerReader: exactly the features `fixture_features` promises.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from pathlib import Path

import pytest

from extract.arcgis.config import CAPACITY_FIELDS, LayerConfig, UtilityConfig, load_utility_configs
from extract.arcgis.layer import LayerReader, fetch_layer_metadata
from extract.arcgis.service_url import resolve_service_url
from extract.http import HttpClient
from extract.numbers import parse_number
from replicas.arcgis import ArcGISReplica, fixture_features
from replicas.server import ReplicaServer

REPO = Path(__file__).resolve().parents[2]
# A fixed day, so the names tried do not depend on the clock.
TODAY = datetime.date(2026, 11, 23)
XCEL_ROOT = "https://services1.arcgis.com/eM84fwjsSggLQk61/arcgis/rest/services"
NEWEST = {"xcel_mn": f"{XCEL_ROOT}/NSP_HCA_Blurred_GEN_Popup_July_2026/FeatureServer"}


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


def test_every_supported_config_has_a_layer_of_each_kind_it_declares():
    kinds = {layer.capacity_kind for utility in SUPPORTED for layer in utility.layers}
    assert kinds == {"generation", "load"}
    assert len(SUPPORTED) >= 25


def headers_of(utility: UtilityConfig) -> dict:
    return {k: v for layer in utility.layers for k, v in layer.request_headers.items()}


@pytest.mark.parametrize(("utility", "layer"), LAYERS)
def test_layer_carries_every_field_its_field_map_names(utility, layer, server, monkeypatch):
    monkeypatch.setenv("HC_REPLICA_URL", server.url)
    with HttpClient(headers=headers_of(utility)) as client:
        url = resolve(utility, layer, client)
        metadata = fetch_layer_metadata(client, f"{url}/{layer.layer_index}", {})
    missing = sorted(set(layer.field_map) - set(metadata.field_names))
    assert not missing, f"{utility.utility_code}: {url} lacks {missing}"
    types = {f["name"]: f["type"] for f in metadata.fields}
    capacity_types = {types[s] for s, c in layer.field_map.items() if c in CAPACITY_FIELDS}
    assert capacity_types <= {"esriFieldTypeDouble", "esriFieldTypeString",
                              "esriFieldTypeInteger"}


@pytest.mark.parametrize(("code", "newest"), sorted(NEWEST.items()))
def test_renamed_services_resolve_to_the_newest_one_published(code, newest, client):
    utility = next(u for u in SUPPORTED if u.utility_code == code)
    assert resolve(utility, utility.layers[0], client) == newest


@pytest.mark.parametrize(("utility", "layer"), LAYERS)
def test_layer_reads_completely_with_values_in_the_configs_unit(utility, layer, server,
                                                                monkeypatch):
    monkeypatch.setenv("HC_REPLICA_URL", server.url)
    with HttpClient(headers=headers_of(utility)) as client:
        url = resolve(utility, layer, client)
        metadata = fetch_layer_metadata(client, f"{url}/{layer.layer_index}", {})
        reader = LayerReader(client, metadata, page_size=layer.page_size)
        read, ids = 0, []
        values: list[float] = []
        capacity = next(s for s, c in layer.field_map.items() if c in CAPACITY_FIELDS)
        for page in reader.features():
            read += len(page)
            ids += [feature.object_id for feature in page]
            values += [v for f in page
                       if (v := parse_number(f.attributes.get(capacity))) is not None]
    served = [f["attributes"][metadata.object_id_field]
              for f in fixture_features(url, layer.layer_index)]
    assert read == len(served) == len(set(ids))
    assert sorted(ids) == served
    if not values:  # LADWP publishes text ranges only
        return
    biggest = max(abs(v) for v in values)
    if layer.unit_of(capacity) in ("mw", "mva"):
        assert 0.5 < biggest < 400, (utility.utility_code, capacity, biggest)
    else:
        assert 500 < biggest < 400_000, (utility.utility_code, capacity, biggest)
