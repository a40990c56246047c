"""`<layer>/query`: paging, the transfer-limit flag, id and count queries, where windows,
formats and spatial references, as the extractor relies on them."""

from __future__ import annotations

import json
import math

import pytest

from replicas.arcgis import fixture_features
from replicas.arcgis.catalog import PGE_URL, PHI_URL, SCE_URL

PGE_LAYER = f"{PGE_URL}/7"
PGE_QUERY = f"{PGE_URL}/7/query"
PGE_COUNT = 4123
QUERY_ERROR = "Unable to perform query. Please check your parameters."


def page(arcgis, offset: int, size: int, **extra: object) -> dict:
    params = {"where": "1=1", "outFields": "*", "outSR": 4326, "f": "json",
              "resultOffset": offset, "resultRecordCount": size,
              "orderByFields": "OBJECTID ASC", **extra}
    return arcgis.get(PGE_QUERY, **params)


def ids_of(answer: dict) -> list[int]:
    return [feature["attributes"]["OBJECTID"] for feature in answer["features"]]


def test_record_count_above_the_cap_is_cut_to_max_record_count_silently(arcgis):
    first = page(arcgis, 0, 3500)
    assert len(first["features"]) == 2000
    assert "error" not in first and first["exceededTransferLimit"] is True


def test_exceeded_transfer_limit_is_sent_only_while_more_rows_remain(arcgis):
    assert page(arcgis, 0, 2000)["exceededTransferLimit"] is True
    assert page(arcgis, 2000, 2000)["exceededTransferLimit"] is True
    last = page(arcgis, 4000, 2000)
    assert len(last["features"]) == PGE_COUNT - 4000 and "exceededTransferLimit" not in last
    exact = page(arcgis, PGE_COUNT - 100, 100)
    assert len(exact["features"]) == 100 and "exceededTransferLimit" not in exact
    assert page(arcgis, 5000, 2000)["features"] == []


def test_offset_pages_read_every_feature_exactly_once(arcgis):
    seen, offset = [], 0
    while True:
        answer = page(arcgis, offset, 2000)
        seen += ids_of(answer)
        offset += len(answer["features"])
        if not answer.get("exceededTransferLimit"):
            break
    assert len(seen) == len(set(seen)) == PGE_COUNT and seen == sorted(seen)


def test_ids_only_lists_every_matching_id_beyond_the_cap(arcgis):
    answer = arcgis.get(PGE_QUERY, where="1=1", returnIdsOnly="true", f="json")
    assert answer["objectIdFieldName"] == "OBJECTID"
    assert answer["objectIds"] == list(range(1, PGE_COUNT + 1))


def test_count_only_counts_what_the_where_clause_selects(arcgis):
    assert arcgis.get(PGE_QUERY, where="1=1", returnCountOnly="true", f="json") == {
        "count": PGE_COUNT}
    assert arcgis.get(PGE_QUERY, where="OBJECTID > 4000", returnCountOnly="true",
                      f="json") == {"count": PGE_COUNT - 4000}


def test_object_ids_by_get_and_by_post_give_the_same_features(arcgis):
    wanted = list(range(3, 1800, 7))
    by_get = arcgis.get(PGE_QUERY, objectIds=",".join(map(str, wanted[:20])), outFields="*",
                        f="json", outSR=4326)
    by_post = arcgis.post(PGE_QUERY, objectIds=",".join(map(str, wanted)), outFields="*",
                          f="json", outSR=4326)
    assert ids_of(by_get) == wanted[:20]
    assert ids_of(by_post) == wanted
    assert by_post["features"][:20] == by_get["features"]


def test_object_ids_that_do_not_exist_are_left_out(arcgis):
    answer = arcgis.get(PGE_QUERY, objectIds="1,2,999999", outFields="OBJECTID", f="json")
    assert ids_of(answer) == [1, 2]


@pytest.mark.parametrize(("where", "expected"), [
    ("OBJECTID > 10 AND OBJECTID <= 20", list(range(11, 21))),
    ("OBJECTID >= 100 AND OBJECTID <= 104", [100, 101, 102, 103, 104]),
    ("OBJECTID IN (5, 3, 4000)", [3, 5, 4000]),
    ("objectid between 7 and 9", [7, 8, 9]),
    ("1=1 AND (OBJECTID < 4)", [1, 2, 3]),
    ("OBJECTID = 42", [42]),
    ("1=0", []),
])
def test_where_selects_object_id_windows(arcgis, where, expected):
    answer = arcgis.get(PGE_QUERY, where=where, returnIdsOnly="true", f="json")
    assert answer["objectIds"] == expected


@pytest.mark.parametrize("where", [
    "OBJECTID >", "nosuchfield > 0", "feederid LIKE '0006%'", "loadica >",
])
def test_unreadable_where_clauses_answer_error_400_inside_http_200(arcgis, where):
    response = arcgis.response(PGE_QUERY, where=where, outFields="*", f="json")
    assert response.status_code == 200
    error = response.json()["error"]
    assert error["code"] == 400 and error["details"]
    assert error["message"] in (QUERY_ERROR, "Failed to execute query.")


def test_where_filters_on_attributes_select_the_matching_features(arcgis):
    everything = list(fixture_features(PGE_URL, 7))
    expected = sorted(f["attributes"]["OBJECTID"] for f in everything
                      if f["attributes"]["loadica"] is not None
                      and f["attributes"]["loadica"] > 1000)
    answer = arcgis.get(PGE_QUERY, where="loadica > 1000 AND loadica IS NOT NULL",
                        returnIdsOnly="true", f="json")
    assert answer["objectIds"] == expected and 0 < len(expected) < len(everything)
    either = arcgis.get(PGE_QUERY, where="OBJECTID < 3 OR OBJECTID > 4121",
                        returnIdsOnly="true", f="json")["objectIds"]
    assert either == [1, 2, 4122, 4123]


def test_statistics_give_min_and_max_object_id(arcgis):
    statistics = json.dumps([
        {"statisticType": "min", "onStatisticField": "OBJECTID", "outStatisticFieldName": "lo"},
        {"statisticType": "max", "onStatisticField": "OBJECTID", "outStatisticFieldName": "hi"},
    ])
    answer = arcgis.get(PGE_QUERY, where="1=1", outStatistics=statistics, f="json")
    assert answer["features"][0]["attributes"] == {"lo": 1, "hi": PGE_COUNT}


def test_descending_order_pages_from_the_highest_id(arcgis):
    answer = page(arcgis, 0, 3, orderByFields="OBJECTID DESC")
    assert ids_of(answer) == [PGE_COUNT, PGE_COUNT - 1, PGE_COUNT - 2]


def test_out_fields_list_returns_those_fields_and_the_object_id(arcgis):
    answer = page(arcgis, 0, 5, outFields="feederid,LOADICA", returnGeometry="false")
    assert [f["name"] for f in answer["fields"]] == ["OBJECTID", "feederid", "loadica"]
    assert set(answer["features"][0]) == {"attributes"}
    assert set(answer["features"][0]["attributes"]) == {"OBJECTID", "feederid", "loadica"}


def test_esri_json_page_in_wgs84_matches_the_fixture(arcgis):
    answer = page(arcgis, 0, 50)
    assert answer["spatialReference"] == {"wkid": 4326}
    assert answer["geometryType"] == "esriGeometryPolyline"
    assert answer["objectIdFieldName"] == "OBJECTID"
    expected = [f for f, _ in zip(fixture_features(PGE_URL, 7, "esri"), range(50), strict=False)]
    assert answer["features"] == expected


def test_without_out_sr_the_answer_is_in_the_layers_web_mercator(arcgis):
    answer = arcgis.get(PGE_QUERY, where="OBJECTID = 1", outFields="*", f="json")
    assert answer["spatialReference"] == {"wkid": 102100, "latestWkid": 3857}


def test_web_mercator_answer_converts_back_to_the_fixture_coordinates(arcgis):
    answer = arcgis.get(PGE_QUERY, where="OBJECTID <= 20", outFields="*", outSR=102100,
                        f="json")
    assert answer["spatialReference"] == {"wkid": 102100, "latestWkid": 3857}
    expected = list(fixture_features(PGE_URL, 7))[:20]
    for feature, fixture in zip(answer["features"], expected, strict=True):
        x, y = feature["geometry"]["paths"][0][0]
        lon = x / 20037508.34 * 180
        lat = math.atan(math.exp(y / 20037508.34 * math.pi)) * 360 / math.pi - 90
        first = fixture["geometry"]["coordinates"][0]
        first = first[0] if isinstance(first[0], list) else first
        assert lon == pytest.approx(first[0], abs=1e-6)
        assert lat == pytest.approx(first[1], abs=1e-6)


def test_geojson_page_is_a_feature_collection_with_the_flag_in_properties(arcgis):
    answer = arcgis.get(PGE_QUERY, where="1=1", outFields="*", f="geojson",
                        resultOffset=0, resultRecordCount=10)
    assert answer["type"] == "FeatureCollection"
    assert answer["properties"] == {"exceededTransferLimit": True}
    first = answer["features"][0]
    assert first["id"] == 1 and first["properties"]["OBJECTID"] == 1
    assert first["geometry"]["type"] in ("LineString", "MultiLineString")
    expected = next(fixture_features(PGE_URL, 7))
    assert first == {"type": "Feature", "id": 1, "geometry": expected["geometry"],
                     "properties": expected["attributes"]}
    tail = arcgis.get(PGE_QUERY, where="1=1", outFields="*", f="geojson",
                      resultOffset=PGE_COUNT - 5, resultRecordCount=10)
    assert len(tail["features"]) == 5 and "properties" not in tail


def test_old_server_refuses_geojson(arcgis):
    answer = arcgis.get(f"{SCE_URL}/0/query", where="1=1", f="geojson")
    assert answer["error"]["code"] == 400


def test_same_request_twice_gives_the_same_bytes(arcgis):
    params = {"where": "1=1", "outFields": "*", "f": "json", "resultOffset": 2000,
              "resultRecordCount": 2000, "outSR": 4326}
    first = arcgis.response(PGE_QUERY, **params).content
    assert arcgis.response(PGE_QUERY, **params).content == first
    pepco = {"objectIds": "3,6,8", "outFields": "*", "f": "json"}
    assert (arcgis.response(f"{PHI_URL}/0/query", **pepco).content
            == arcgis.response(f"{PHI_URL}/0/query", **pepco).content)


def test_geometry_precision_rounds_coordinates(arcgis):
    answer = arcgis.get(PGE_QUERY, where="OBJECTID = 1", outFields="*", outSR=4326,
                        geometryPrecision=3, f="json")
    for x, y in answer["features"][0]["geometry"]["paths"][0]:
        assert round(x, 3) == x and round(y, 3) == y


def test_out_sr_the_replica_cannot_project_to_is_refused(arcgis):
    answer = arcgis.get(PGE_QUERY, where="1=1", outFields="*", outSR=2227, f="json")
    assert answer["error"]["code"] == 400
