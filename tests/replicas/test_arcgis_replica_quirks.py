"""Each server quirk, switched on at runtime, changes the answers the way real servers do."""

from __future__ import annotations

import time

import pytest

from replicas.arcgis import ArcGISReplica, protocol_catalog
from replicas.arcgis.catalog import PGE_URL, PHI_URL, SCE_URL

PGE_QUERY = f"{PGE_URL}/7/query"
PEPCO_QUERY = f"{PHI_URL}/0/query"


def offset_page(arcgis, offset: int, size: int = 1000, url: str = PGE_QUERY) -> dict:
    return arcgis.get(url, where="1=1", outFields="OBJECTID", f="json", returnGeometry="false",
                      resultOffset=offset, resultRecordCount=size, orderByFields="OBJECTID")


def ids_of(answer: dict) -> list[int]:
    return [feature["attributes"]["OBJECTID"] for feature in answer["features"]]


def test_lower_max_record_count_caps_pages_and_is_advertised(arcgis):
    arcgis.app.set_quirks(PGE_URL, 7, max_record_count=500)
    assert arcgis.get(f"{PGE_URL}/7", f="json")["maxRecordCount"] == 500
    answer = offset_page(arcgis, 0, 2000)
    assert len(answer["features"]) == 500 and answer["exceededTransferLimit"] is True


def test_server_without_pagination_refuses_result_offset(arcgis):
    layer = arcgis.get(f"{PHI_URL}/0", f="json")
    assert layer["supportsPagination"] is False
    assert layer["advancedQueryCapabilities"]["supportsPagination"] is False
    error = offset_page(arcgis, 0, url=PEPCO_QUERY)["error"]
    assert error["code"] == 400 and "Pagination" in " ".join(error["details"]).title()


def test_server_without_pagination_is_paged_by_object_ids(arcgis):
    ids = arcgis.get(PEPCO_QUERY, where="1=1", returnIdsOnly="true", f="json")["objectIds"]
    assert len(ids) == 2517
    served = []
    for start in range(0, len(ids), 2000):
        batch = ids[start:start + 2000]
        answer = arcgis.post(PEPCO_QUERY, objectIds=",".join(map(str, batch)), outFields="*",
                             f="json", outSR=4326)
        served += ids_of(answer)
    assert served == ids


def test_without_pagination_a_plain_query_returns_the_cap_and_the_flag(arcgis):
    answer = arcgis.get(PEPCO_QUERY, where="1=1", outFields="OBJECTID", f="json")
    assert len(answer["features"]) == 2000 and answer["exceededTransferLimit"] is True


def test_server_ignoring_result_offset_serves_the_first_page_again(arcgis):
    arcgis.app.set_quirks(PGE_URL, 7, ignores_result_offset=True)
    assert arcgis.get(f"{PGE_URL}/7", f="json")["supportsPagination"] is True
    assert ids_of(offset_page(arcgis, 1000)) == ids_of(offset_page(arcgis, 0))


def test_server_omitting_the_flag_never_says_more_remain(arcgis):
    arcgis.app.set_quirks(PGE_URL, 7, omits_exceeded_flag=True)
    answer = offset_page(arcgis, 0)
    assert len(answer["features"]) == 1000 and "exceededTransferLimit" not in answer


def test_unstable_order_repeats_the_last_feature_of_a_page_first_on_the_next(arcgis):
    arcgis.app.set_quirks(PGE_URL, 7, duplicate_ids_across_pages=True)
    first, second = ids_of(offset_page(arcgis, 0)), ids_of(offset_page(arcgis, 1000))
    assert second[0] == first[-1] and len(second) == 1000
    pages, offset = [], 0
    while True:
        answer = offset_page(arcgis, offset)
        pages += ids_of(answer)
        offset += len(answer["features"])
        if not answer.get("exceededTransferLimit"):
            break
    assert len(pages) > len(set(pages)) == 4123


def test_page_delay_slows_feature_pages_only(arcgis):
    arcgis.app.set_quirks(PGE_URL, 7, page_delay_seconds=0.3)
    started = time.monotonic()
    arcgis.get(PGE_QUERY, where="1=1", returnCountOnly="true", f="json")
    counted = time.monotonic()
    offset_page(arcgis, 0, 10)
    assert counted - started < 0.25 and time.monotonic() - counted >= 0.3


def test_server_ignoring_out_sr_answers_in_web_mercator(arcgis):
    answer = arcgis.get(f"{SCE_URL}/0/query", where="OBJECTID <= 3", outFields="*",
                        outSR=4326, f="json")
    assert answer["spatialReference"] == {"wkid": 102100, "latestWkid": 3857}
    x, y = answer["features"][0]["geometry"]["paths"][0][0]
    assert abs(x) > 1_000_000 and abs(y) > 1_000_000
    arcgis.app.set_quirks(SCE_URL, 0, ignores_out_sr=False)
    honoured = arcgis.get(f"{SCE_URL}/0/query", where="OBJECTID <= 3", outFields="*",
                          outSR=4326, f="json")
    assert honoured["spatialReference"] == {"wkid": 4326}


def test_secured_layer_wants_a_token_and_rejects_a_wrong_one(arcgis):
    arcgis.app.set_quirks(PGE_URL, 7, requires_token=True, token="s3cret")
    for url in (PGE_URL, f"{PGE_URL}/7", PGE_QUERY):
        assert arcgis.get(url, where="1=1", f="json")["error"] == {
            "code": 499, "message": "Token Required", "details": []}
    wrong = arcgis.get(PGE_QUERY, where="1=1", f="json", token="guess")
    assert wrong["error"]["code"] == 498 and wrong["error"]["message"] == "Invalid Token"
    right = arcgis.get(PGE_QUERY, where="1=1", returnCountOnly="true", f="json", token="s3cret")
    assert right == {"count": 4123}
    header = arcgis.http.get(arcgis.local(PGE_QUERY), headers={
        "X-Esri-Authorization": "Bearer s3cret"}, params={"where": "1=1",
                                                         "returnCountOnly": "true", "f": "json"})
    assert header.json() == {"count": 4123}


def test_other_layers_stay_open_when_one_layer_is_secured(arcgis):
    arcgis.app.set_quirks(PGE_URL, 7, requires_token=True)
    assert "error" not in arcgis.get(f"{PGE_URL}/1", f="json")


def test_null_geometry_every_n_leaves_geometry_out_of_those_features(arcgis):
    arcgis.app.set_quirks(PGE_URL, 7, null_geometry_every=10)
    answer = arcgis.get(PGE_QUERY, where="OBJECTID <= 30", outFields="*", outSR=4326, f="json")
    missing = [f["attributes"]["OBJECTID"] for f in answer["features"] if "geometry" not in f]
    assert missing == [10, 20, 30]
    geojson = arcgis.get(PGE_QUERY, where="OBJECTID = 20", outFields="*", f="geojson")
    assert geojson["features"][0]["geometry"] is None


def test_touching_a_layer_moves_its_last_edit_date_on(arcgis):
    before = arcgis.get(f"{PGE_URL}/7", f="json")["editingInfo"]["lastEditDate"]
    layer = arcgis.app.layer(PGE_URL, 7)
    assert layer.touch() == before + 3_600_000
    after = arcgis.get(f"{PGE_URL}/7", f="json")["editingInfo"]
    assert after["lastEditDate"] == after["dataLastEditDate"] == before + 3_600_000
    layer.touch("2026-04-01T00:00:00+00:00")
    assert arcgis.get(f"{PGE_URL}/7", f="json")["editingInfo"]["lastEditDate"] == 1775001600000


def test_unchanged_layer_answers_the_same_edit_date_every_time(arcgis):
    dates = {arcgis.get(f"{PGE_URL}/7", f="json")["editingInfo"]["lastEditDate"]
             for _ in range(3)}
    assert len(dates) == 1


def test_adding_and_removing_features_changes_counts_ids_and_edit_date(arcgis):
    layer = arcgis.app.layer(PGE_URL, 7)
    before = layer.last_edit_ms
    added = layer.add_features(5)
    assert added == [4124, 4125, 4126, 4127, 4128]
    layer.remove_features([10, 11, 4125])
    count = arcgis.get(PGE_QUERY, where="1=1", returnCountOnly="true", f="json")["count"]
    ids = arcgis.get(PGE_QUERY, where="1=1", returnIdsOnly="true", f="json")["objectIds"]
    assert count == len(ids) == 4123 + 5 - 3
    assert 10 not in ids and 4125 not in ids and 4128 in ids
    window = arcgis.get(PGE_QUERY, where="OBJECTID >= 9 AND OBJECTID <= 13",
                        returnIdsOnly="true", f="json")["objectIds"]
    assert window == [9, 12, 13]
    assert ids_of(offset_page(arcgis, 8, 3)) == [9, 12, 13]
    assert layer.last_edit_ms > before


def test_revised_features_get_new_values_and_keep_their_place(arcgis):
    def feature(oid: int) -> dict:
        return arcgis.get(PGE_QUERY, objectIds=oid, outFields="*", outSR=4326,
                          f="json")["features"][0]

    before = feature(7)
    arcgis.app.layer(PGE_URL, 7).revise_features([7])
    after = feature(7)
    assert after["attributes"]["loadica"] != before["attributes"]["loadica"]
    assert after["attributes"]["feederid"] == before["attributes"]["feederid"]
    assert after["geometry"] == before["geometry"]


def test_a_renumbered_layer_serves_every_feature_with_its_data_under_a_new_id(arcgis):
    def features(where: str) -> list[dict]:
        return arcgis.get(PGE_QUERY, where=where, outFields="*", outSR=4326,
                          f="json")["features"]

    layer = arcgis.app.layer(PGE_URL, 7)
    before, edited = features("OBJECTID <= 6"), layer.last_edit_ms
    layer.renumber(4)  # new ids overlap the old: 5 now names the feature that was 1
    after = features("OBJECTID >= 5 AND OBJECTID <= 10")
    assert [f["attributes"]["OBJECTID"] for f in after] == [5, 6, 7, 8, 9, 10]
    for old, new in zip(before, after, strict=True):
        assert new["geometry"] == old["geometry"]
        assert {**new["attributes"], "OBJECTID": 0} == {**old["attributes"], "OBJECTID": 0}
    ids = arcgis.get(PGE_QUERY, where="1=1", returnIdsOnly="true", f="json")["objectIds"]
    assert (ids[0], ids[-1], len(ids)) == (5, 4123 + 4, 4123)
    assert layer.last_edit_ms > edited
    layer.revise_features([5])  # by its id now: the feature first served as 1
    assert features("OBJECTID = 5")[0]["attributes"] != after[0]["attributes"]
    assert features("OBJECTID = 6") == after[1:2]


def test_unknown_quirk_names_are_refused(arcgis):
    with pytest.raises(ValueError, match="unknown quirk"):
        arcgis.app.set_quirks(PGE_URL, 7, ignore_result_offset=True)


def test_quirks_of_one_replica_do_not_leak_into_another(arcgis):
    arcgis.app.set_quirks(PGE_URL, 7, max_record_count=10)
    assert ArcGISReplica(protocol_catalog()).layer(PGE_URL, 7).quirks.max_record_count == 2000
