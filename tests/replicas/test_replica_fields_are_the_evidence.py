"""Each utility replica layer serves exactly the fields recorded evidence names, so a replica
cannot drift to fit a config. The expected lists are read here straight from the evidence
files (tests/doubles/evidence), independently of the catalog code that builds the replicas."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from replicas.arcgis import ArcGISReplica

EVIDENCE = Path(__file__).resolve().parents[1] / "doubles" / "evidence"
OID_NAMES = {"OBJECTID", "OBJECTID_1", "objectid", "FID"}


def recorded_layers() -> dict[tuple[str, int], tuple[str, list[str]]]:
    """(service URL lower-cased, layer) -> (URL as first recorded, field names in record order)."""
    layers: dict[tuple[str, int], tuple[str, list[str]]] = {}
    for record in json.loads((EVIDENCE / "evidence.json").read_text(encoding="utf-8")):
        if record["layer"] is None:
            continue
        url = record["service_url"].rstrip("/")
        _, names = layers.setdefault((url.lower(), record["layer"]), (url, []))
        names += [name for name in record["fields"] if name not in names]
    return layers


RECORDED = recorded_layers()


def test_every_recorded_layer_with_an_index_is_replicated():
    replica = ArcGISReplica()
    assert len(RECORDED) >= 50
    for url, index in ((url, index) for url, index in
                       ((value[0], key[1]) for key, value in RECORDED.items())):
        assert replica.layer(url, index) is not None


@pytest.mark.parametrize(("url", "index", "names"),
                         [(url, key[1], names) for key, (url, names) in RECORDED.items()],
                         ids=[f"{url.split('/services/')[1]}/{key[1]}"
                              for key, (url, _) in RECORDED.items()])
def test_replica_layer_fields_are_the_evidence_fields(url, index, names):
    served = [spec.name for spec in ArcGISReplica().layer(url, index).fields]
    added = [name for name in served if name not in names]
    # The only field a replica may add is an object-id field where no record names one.
    assert added in ([], ["OBJECTID"]), added
    if added:
        assert not OID_NAMES & set(names)
    # Every recorded name, exactly once (record order is not the server's order).
    assert sorted(name for name in served if name in names) == sorted(names)


def test_sce_service_json_is_served_exactly_as_saved():
    saved = json.loads((EVIDENCE / "sce_drpep_ica_layer_featureserver.json").read_text())
    service = ArcGISReplica().service(
        "https://drpep.sce.com/arcgis_server/rest/services/Hosted/ICA_Layer/FeatureServer")
    assert service.saved_document == saved
    assert [layer["name"] for layer in saved["layers"]][14:16] == [
        "ICA - Uniform Generation Static Grid", "ICA - Uniform Load Static Grid"]


def test_sce_layer_zero_types_are_the_saved_schemas():
    schema = json.loads((EVIDENCE / "sce_drpep_ica_layer0_schema.json").read_text())
    layer = ArcGISReplica().layer(
        "https://drpep.sce.com/arcgis_server/rest/services/Hosted/ICA_Layer/FeatureServer", 0)
    types = {spec.name: spec.type for spec in layer.fields}
    for name, prop in schema["properties"].items():
        if name in types and name != "objectid":
            assert types[name] == prop["x-esri-field-type"], name
