"""Faults from replicas/server.py can hit one chosen page of a layer and nothing else."""

from __future__ import annotations

import httpx

from replicas.arcgis.catalog import PGE_URL

PGE_QUERY = f"{PGE_URL}/7/query"


def offset_page(arcgis, offset: int) -> httpx.Response:
    return arcgis.response(PGE_QUERY, where="1=1", outFields="OBJECTID", f="json",
                           returnGeometry="false", resultOffset=offset, resultRecordCount=2000)


def test_a_fault_can_target_one_page_by_its_offset(arcgis):
    fault = arcgis.server.add_fault("status", path_contains="/FeatureServer/7/query",
                                    params={"resultOffset": "2000"}, status=503, times=2)
    assert offset_page(arcgis, 0).status_code == 200
    assert offset_page(arcgis, 2000).status_code == 503
    assert offset_page(arcgis, 4000).status_code == 200
    assert offset_page(arcgis, 2000).status_code == 503
    assert offset_page(arcgis, 2000).status_code == 200  # fired twice, then gone
    assert fault.fired == 2


def test_rate_limit_fault_says_when_to_come_back(arcgis):
    arcgis.server.add_fault("status", params={"resultOffset": "2000"}, status=429,
                            retry_after=1.5)
    limited = offset_page(arcgis, 2000)
    assert limited.status_code == 429 and limited.headers["Retry-After"] == "1.5"


def test_arcgis_error_fault_comes_inside_http_200_for_that_page_only(arcgis):
    arcgis.server.add_fault("arcgis_error", params={"resultOffset": "4000"}, status=500,
                            times=-1)
    assert offset_page(arcgis, 4000).json()["error"]["code"] == 500
    assert "features" in offset_page(arcgis, 2000).json()


def test_truncated_page_is_not_valid_json(arcgis):
    arcgis.server.add_fault("truncate", params={"resultOffset": "2000"})
    body = offset_page(arcgis, 2000).content
    assert body.startswith(b"{") and not body.endswith(b"}")


def test_faults_are_switched_over_http_too(arcgis):
    arcgis.http.post("/_replica/faults", json=[{"kind": "status", "status": 502,
                                                "params": {"resultOffset": "2000"}}])
    assert offset_page(arcgis, 2000).status_code == 502
    arcgis.http.delete("/_replica/faults")
    assert offset_page(arcgis, 2000).status_code == 200
