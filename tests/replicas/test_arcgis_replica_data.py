"""The data: deterministic, lazy, realistic, and exactly what `fixture_features` promises."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import tracemalloc
from collections import Counter

from replicas.arcgis import (
    ArcGISReplica,
    FieldSpec,
    LayerSpec,
    ServiceSpec,
    bench_service,
    fixture_features,
)
from replicas.arcgis.catalog import BENCH_URL, PGE_GRID, PGE_URL, PHI_URL, SCE_URL, oid
from replicas.arcgis.spec import Grid, Region
from replicas.server import Request

PGE_KW_FIELDS = ("loadica", "loadapplications", "plannedprojects", "expectedcapacity")


def test_fixture_sums_equal_the_sums_of_the_served_pages(arcgis):
    served = {name: 0.0 for name in PGE_KW_FIELDS}
    for offset in (0, 2000, 4000):
        answer = arcgis.get(f"{PGE_URL}/7/query", where="1=1", outFields="*", f="json",
                            resultOffset=offset, resultRecordCount=2000, returnGeometry="false")
        for feature in answer["features"]:
            for name in PGE_KW_FIELDS:
                served[name] += feature["attributes"][name] or 0.0
    fixture = list(fixture_features(PGE_URL, 7))
    assert len(fixture) == 4123
    for name in PGE_KW_FIELDS:
        assert sum(f["attributes"][name] or 0.0 for f in fixture) == served[name]


def test_every_process_serves_the_same_data_whatever_its_hash_seed():
    script = ("import hashlib, json; from replicas.arcgis import fixture_features; "
              "from replicas.arcgis.catalog import PHI_URL; "
              "rows = [f for f, _ in zip(fixture_features(PHI_URL, 4), range(200))]; "
              "print(hashlib.sha256(json.dumps(rows).encode()).hexdigest())")
    digests = {subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                              check=True, env={**os.environ, "PYTHONHASHSEED": seed}).stdout
               for seed in ("1", "2")}
    assert len(digests) == 1


def test_pinned_values_show_when_the_generated_data_changes():
    # A change here moves every expectation computed from the fixtures: say so in the PR.
    first = next(fixture_features(PHI_URL, 4))["attributes"]
    assert (first["OBJECTID"], first["FEEDER_NAME"], first["HC_KW"]) == (1, "Cardiff 01", 1711.3)


def test_feeders_have_five_to_forty_segments_sharing_feeder_values():
    by_feeder: dict[str, list[dict]] = {}
    for feature in fixture_features(SCE_URL, 0):
        by_feeder.setdefault(feature["attributes"]["CircuitName"], []).append(
            feature["attributes"])
    # The layer's last feeder may be cut short where the feature count ends.
    sizes = [len(segments) for segments in list(by_feeder.values())[:-1]]
    assert min(sizes) >= 5 and max(sizes) <= 40 and len(by_feeder) > 60
    for segments in by_feeder.values():
        assert len({s["ExistingGeneration_kW"] for s in segments}) == 1
        assert len({s["SubstationName"] for s in segments}) == 1


def test_values_are_as_messy_as_the_real_layers():
    ace = [f["attributes"] for f in fixture_features(PHI_URL, 4)]
    existing = Counter(type(a["EXISTING_DG_KW"]) for a in ace)
    assert existing[str] == len(ace)
    assert any("," in a["EXISTING_DG_KW"] for a in ace)
    assert any(a["EXISTING_DG_KW"] == "N/A" for a in ace)
    assert any(a["QUEUED_DG_KW"] is None for a in ace)
    limits = Counter(a["LIMITING_FACTOR"] for a in ace)
    assert {"Thermal Overload", "Reverse Power Flow", "Voltage Fluctuation", "", "N/A"} <= set(
        limits)
    pge = [f["attributes"] for f in fixture_features(PGE_URL, 7)]
    assert any(a["expectedcapacity"] < 0 for a in pge)
    assert any(a["loadapplications"] is None for a in pge)
    assert {"Thermal", "Voltage (Steady State)", "Protection - Reduction of Reach"} <= {
        a["limitingfactor"] for a in pge}


def test_remaining_capacity_is_hosting_minus_installed_minus_queued():
    for feature in fixture_features(PGE_URL, 7):
        a = feature["attributes"]
        if a["loadapplications"] is not None and a["plannedprojects"] is not None:
            assert a["expectedcapacity"] == round(
                a["loadica"] - a["loadapplications"] - a["plannedprojects"], 1)


def test_hosting_capacity_range_brackets_the_uniform_value():
    for feature in fixture_features(SCE_URL, 0):
        a = feature["attributes"]
        assert a["MinGenerationCapacity_kW"] <= a["UniformGenerationCapacity_kW"] <= a[
            "MaxGenerationCapacity_kW"]


def test_pepco_object_ids_are_sparse_and_ascending():
    ids = [f["attributes"]["OBJECTID"] for f in fixture_features(PHI_URL, 0)]
    gaps = [b - a for a, b in zip(ids, ids[1:], strict=False)]
    assert len(ids) == 2517 and min(gaps) >= 1 and max(gaps) > 500 and ids[-1] > 2 * len(ids)


def test_geometries_lie_in_the_utilitys_territory():
    for feature in fixture_features(SCE_URL, 0):
        if feature["geometry"] is None:
            continue
        lon, lat = feature["geometry"]["coordinates"][0][:2] if feature["geometry"][
            "type"] == "LineString" else feature["geometry"]["coordinates"][0][0]
        assert -121 < lon < -114.5 and 32.5 < lat < 37.5


def test_some_geometries_are_null_as_on_the_real_servers():
    nulls = [f for f in fixture_features(SCE_URL, 0) if f["geometry"] is None]
    assert 5 <= len(nulls) <= 30


def test_grid_square_layer_serves_closed_clockwise_quarter_mile_polygons():
    url = "https://example-bge.arcgis.com/org/arcgis/rest/services/BGE_Grid/FeatureServer"
    squares = LayerSpec(index=38, name="Grid", geometry="polygon", grid=PGE_GRID,
                        feature_count=60, fields=(oid(), FieldSpec("Shape__Area",
                                                                    "esriFieldTypeDouble",
                                                                    "shape_area")))
    replica = ArcGISReplica([ServiceSpec(url=url, layers=[squares])])
    for feature in replica.features(url, 38, geometry_format="esri"):
        ring = feature["geometry"]["rings"][0]
        assert ring[0] == ring[-1] and len(ring) == 5
        signed = sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(ring, ring[1:],
                                                                      strict=False))
        assert signed < 0  # clockwise: an outer ring in Esri's convention
        assert 100_000 < feature["attributes"]["Shape__Area"] < 400_000  # m², Web Mercator


def test_a_million_feature_layer_serves_a_deep_page_fast_with_flat_memory():
    service = bench_service(feature_count=1_000_000, page_delay_seconds=0)
    replica = ArcGISReplica([service])
    tracemalloc.start()
    started = time.monotonic()
    answer = replica.handle(Request("GET", "bench.example.com", BENCH_URL.split(
        "bench.example.com")[1] + "/0/query", {
        "where": "OBJECTID > 990000 AND OBJECTID <= 992000", "outFields": "*", "f": "json",
        "outSR": "4326", "resultOffset": "1000", "resultRecordCount": "500"}))
    elapsed = time.monotonic() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert b'"OBJECTID":991001' in answer.body
    assert elapsed < 2 and peak < 30_000_000


def test_bench_service_is_built_to_the_size_and_delay_asked():
    service = bench_service(feature_count=12_345, page_delay_seconds=0.05)
    layer = service.layer(0)
    assert layer.feature_count == 12_345 and layer.quirks.page_delay_seconds == 0.05
    assert ArcGISReplica().layer(BENCH_URL, 0).feature_count == 100_000


def test_catalog_entries_are_data_one_entry_per_service():
    url = "https://services3.arcgis.com/ProtocolExelon01/arcgis/rest/services/Demo/FeatureServer"
    grid = Grid(regions=(Region("Chicago", -87.63, 41.88),),
                              substations=("Crawford",), voltages_kv=(12.47,),
                              constraints=(("Thermal", 1),))
    layer = LayerSpec(index=0, name="Demo", geometry="point", grid=grid, feature_count=3,
                      fields=(oid("FID"), FieldSpec("HC_KW", "esriFieldTypeDouble",
                                                    "hosting_kw")))
    replica = ArcGISReplica([ServiceSpec(url=url, layers=[layer])])
    features = list(replica.features(url, 0))
    assert [f["attributes"]["FID"] for f in features] == [1, 2, 3]
    assert features[0]["geometry"]["type"] == "Point"
