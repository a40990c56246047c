"""The GridX replica answers like the documented API: validation, 204s, prices, DST."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from gridx.helpers import local_time

from replicas.gridx import MESSAGES, GridXReplica
from replicas.server import Request

NOW = local_time(2026, 11, 20, 12)
GOOD = {"market": "DAM", "program": "CalFUSE", "utility": "SCE", "ratename": "TOU-EV-9S",
        "representativeCircuitId": "Eagle Rock", "startdate": "20261101",
        "enddate": "20261101"}


def ask(replica: GridXReplica, path: str = "/stage/v1/getPricing", **params: str):
    response = replica.handle(Request("GET", "pe-api.gridx.com", path, {**GOOD, **params}))
    return response, (json.loads(response.body) if response.body else None)


@pytest.mark.parametrize(("params", "message"), [
    ({"startdate": ""}, "start_empty"),
    ({"enddate": ""}, "end_empty"),
    ({"startdate": "2026-11-01"}, "date_format"),
    ({"enddate": "20261341"}, "date_format"),
    ({"cca": "Nowhere Power"}, "cca"),
    ({"utility": "XYZ"}, "utility"),
    ({"program": "OtherFlex"}, "utility"),
    ({"ratename": "E-TOU-C"}, "rate"),
    ({"representativeCircuitId": "Atlantis"}, "circuit"),
    ({"startdate": "20240531"}, "range"),
    ({"enddate": "20261128"}, "range"),
    ({"startdate": "20261102", "enddate": "20261101"}, "range"),
    ({"startdate": "20261001", "enddate": "20261015"}, "too_long"),
    ({"startdate": "20261122", "enddate": "20261125"}, "no_data"),
])
def test_documented_204_messages_in_both_readings(params, message):
    response, body = ask(GridXReplica(now=NOW), **params)
    assert response.status == 200
    assert body["meta"]["code"] == 204 and body["meta"]["response"] == MESSAGES[message]
    assert body["data"] == []
    response, body = ask(GridXReplica(now=NOW, no_content="http"), **params)
    assert (response.status, body) == (204, None)


def test_both_base_paths_are_served_and_others_are_not_found():
    replica = GridXReplica(now=NOW)
    assert replica.serves("pe-api.gridx.com") and not replica.serves("services.arcgis.com")
    assert ask(replica, "/v1/getPricing")[0].status == 200
    assert ask(replica, "/stage/v1/getPricing")[0].status == 200
    assert ask(replica, "/stage/v1/getPrices")[0].status == 404


def test_prices_are_hourly_local_days_with_offsets_and_components_adding_up_exactly():
    _, body = ask(GridXReplica(now=NOW), startdate="20261031", enddate="20261101")
    assert body["meta"]["code"] == 200 and body["meta"]["response"] == "Request succeeded"
    assert json.loads(body["meta"]["requestBody"])["representativeCircuitId"] == "Eagle Rock"
    normal, fall_back = body["data"]
    assert normal["priceHeader"]["recordCount"] == 24
    assert fall_back["priceHeader"]["recordCount"] == 25
    assert fall_back["priceHeader"]["priceCurveName"] == "SCE-CalFUSE-TOU-EV-9S-SECONDARY"
    assert fall_back["priceHeader"]["startTime"] == "2026-11-01T00:00:00-0700"
    assert fall_back["priceHeader"]["endTime"] == "2026-11-01T23:59:59-0800"
    stamps = [d["startIntervalTimeStamp"] for d in fall_back["priceDetails"]]
    assert stamps[:4] == ["2026-11-01T00:00:00-0700", "2026-11-01T01:00:00-0700",
                          "2026-11-01T01:00:00-0800", "2026-11-01T02:00:00-0800"]
    for detail in normal["priceDetails"] + fall_back["priceDetails"]:
        price = Decimal(detail["intervalPrice"])
        parts = [Decimal(c["intervalPrice"]) for c in detail["priceComponents"]]
        assert sum(parts) == price
        assert all(len(c["intervalPrice"].split(".")[1]) == 6 for c in detail["priceComponents"])
        assert detail["priceStatus"] == "Final"


def test_spring_forward_day_has_23_intervals_and_skips_2am():
    _, body = ask(GridXReplica(now=NOW), startdate="20260308", enddate="20260308")
    details = body["data"][0]["priceDetails"]
    assert len(details) == 23
    assert [d["startIntervalTimeStamp"] for d in details[1:3]] == [
        "2026-03-08T01:00:00-0800", "2026-03-08T03:00:00-0700"]


def test_prices_are_deterministic_per_rate_circuit_and_day():
    first = ask(GridXReplica(now=NOW))[1]["data"]
    again = ask(GridXReplica(now=NOW))[1]["data"]
    other = ask(GridXReplica(now=NOW), representativeCircuitId="System")[1]["data"]
    assert first == again and first != other


def test_tomorrow_is_preliminary_after_6pm_and_absent_before():
    before = GridXReplica(now=local_time(2026, 11, 20, 17, 59))
    after = GridXReplica(now=local_time(2026, 11, 20, 18, 0))
    window = {"startdate": "20261120", "enddate": "20261121"}
    assert len(ask(before, **window)[1]["data"]) == 1
    today, tomorrow = ask(after, **window)[1]["data"]
    assert {d["priceStatus"] for d in today["priceDetails"]} == {"Final"}
    assert {d["priceStatus"] for d in tomorrow["priceDetails"]} == {"Preliminary"}


def test_revision_switch_makes_the_final_price_differ_from_the_preliminary_one():
    replica = GridXReplica(now=local_time(2026, 11, 20, 19), revise_final_prices=True)
    day = date(2026, 11, 21)
    preliminary = replica.day_details("SCE", "TOU-EV-9S", "System", day)
    replica.now = local_time(2026, 11, 21, 19)
    final = replica.day_details("SCE", "TOU-EV-9S", "System", day)
    assert preliminary[0]["priceStatus"] == "Preliminary" and final[0]["priceStatus"] == "Final"
    assert all(Decimal(p["intervalPrice"]) - Decimal(f["intervalPrice"]) == Decimal("0.0025")
               for p, f in zip(preliminary, final, strict=True))


def test_one_entry_per_request_switch_puts_every_interval_in_one_entry():
    _, body = ask(GridXReplica(now=NOW, one_entry_per_request=True), startdate="20261030",
                  enddate="20261101")
    (entry,) = body["data"]
    assert entry["priceHeader"]["recordCount"] == 24 + 24 + 25
