"""The GridX replica answers like the published API: validation, 204s, prices, DST, for SCE
and PG&E (what it shares with the published description: tests/test_gridx_published.py)."""

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


PGE = {"utility": "PGE", "ratename": "EELEC", "representativeCircuitId": "013532223"}


def ask(replica: GridXReplica, path: str = "/stage/v1/getPricing", host="pe-api.gridx.com",
        **params: str):
    response = replica.handle(Request("GET", host, path, {**GOOD, **params}))
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
    ({"startdate": "20250620", "enddate": "20250630"}, "no_data"),  # SCE starts 2025-07-01
    ({"cca": "PCE"}, "cca"),  # SCE has no CCAs
    ({**PGE, "cca": "Nowhere Power"}, "cca"),
    ({**PGE, "ratename": "TOU-EV-9S"}, "rate"),
    ({**PGE, "representativeCircuitId": "13532223"}, "circuit"),  # leading zero lost
    ({**PGE, "representativeCircuitId": "System"}, "circuit"),
    ({**PGE, "startdate": "20240531"}, "range"),
    ({**PGE, "startdate": "20261127", "enddate": "20261128"}, "range"),
])
def test_documented_204_messages_in_both_readings(params, message):
    response, body = ask(GridXReplica(now=NOW), **params)
    assert response.status == 200
    assert body["meta"]["code"] == 204 and body["meta"]["response"] == MESSAGES[message]
    assert body["meta"]["requestURL"] is None  # "May be null on error"
    assert body["data"] == []
    response, body = ask(GridXReplica(now=NOW, no_content="http"), **params)
    assert (response.status, body) == (204, None)


def test_both_hosts_and_base_paths_are_served_and_others_are_not_found():
    replica = GridXReplica(now=NOW)
    assert replica.serves("pe-api.gridx.com") and replica.serves("pge-pe-api.gridx.com")
    assert not replica.serves("services.arcgis.com")
    for host in ("pe-api.gridx.com", "pge-pe-api.gridx.com"):
        assert ask(replica, "/v1/getPricing", host)[1]["meta"]["code"] == 200
        assert ask(replica, "/stage/v1/getPricing", host, **PGE)[1]["meta"]["code"] == 200
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
        assert [c["component"] for c in detail["priceComponents"]] == [
            "abank", "bbank", "circuitpricecurve", "mec", "nbc", "ppf", "ramp",
            "transmissionpricecurve"]  # no "peak": no sample has one


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


def test_pge_prices_have_cld_mec_mgcc_adding_up_and_some_spring_middays_go_negative():
    _, body = ask(GridXReplica(now=NOW), **PGE, startdate="20260401", enddate="20260414")
    details = [d for entry in body["data"] for d in entry["priceDetails"]]
    assert body["data"][0]["priceHeader"]["priceCurveName"] == "PGE-CalFUSE-EELEC-SECONDARY"
    assert len(details) == 14 * 24
    for detail in details:
        parts = detail["priceComponents"]
        assert [(c["component"], c["priceType"]) for c in parts] == [
            ("cld", "distribution"), ("mec", "generation"), ("mgcc", "generation")]
        assert sum(Decimal(c["intervalPrice"]) for c in parts) == Decimal(detail["intervalPrice"])
    assert any(Decimal(d["intervalPrice"]) < 0 for d in details)


def test_a_cca_gets_its_own_prices_and_is_echoed_in_the_request_body():
    replica = GridXReplica(now=NOW)
    bundled = ask(replica, **PGE)[1]
    _, body = ask(replica, **PGE, cca="PCE")
    assert json.loads(body["meta"]["requestBody"])["cca"] == "PCE"
    assert body["data"][0]["priceDetails"] != bundled["data"][0]["priceDetails"]


def test_pge_posts_tomorrow_at_4_30_pm_as_preliminary_and_finalizes_it_at_6_30_pm():
    window = {**PGE, "startdate": "20261120", "enddate": "20261121"}
    statuses = []
    for hour, minute in ((16, 29), (16, 30), (18, 29), (18, 30)):
        _, body = ask(GridXReplica(now=local_time(2026, 11, 20, hour, minute)), **window)
        statuses.append([entry["priceDetails"][0]["priceStatus"] for entry in body["data"]])
    assert statuses == [["Final", "Preliminary"], ["Final", "Preliminary"],
                        ["Final", "Preliminary"], ["Final", "Final"]]


def test_pge_has_week_ahead_forecasts_while_sce_stops_at_tomorrow():
    replica = GridXReplica(now=local_time(2026, 11, 20, 17))
    window = {"startdate": "20261122", "enddate": "20261127"}
    _, pge = ask(replica, **PGE, **window)
    assert [e["priceHeader"]["startTime"][:10] for e in pge["data"]] == [
        "2026-11-22", "2026-11-23", "2026-11-24", "2026-11-25", "2026-11-26", "2026-11-27"]
    assert {e["priceDetails"][0]["priceStatus"] for e in pge["data"]} == {"Preliminary"}
    assert ask(replica, **window)[1]["meta"]["response"] == MESSAGES["no_data"]


@pytest.mark.parametrize(("day", "count", "first_stamps"), [
    ("20260308", 92, ["2026-03-08T01:45:00-0800", "2026-03-08T03:00:00-0700"]),
    ("20261101", 100, ["2026-11-01T01:45:00-0700", "2026-11-01T01:00:00-0800"]),
    ("20261102", 96, ["2026-11-02T01:45:00-0800", "2026-11-02T02:00:00-0800"]),
])
def test_quarter_hour_rates_have_92_96_or_100_intervals_a_day(day, count, first_stamps):
    replica = GridXReplica(now=NOW, quarter_hour_rates=frozenset({("PGE", "B19S")}))
    _, body = ask(replica, **{**PGE, "ratename": "B19S"}, startdate=day, enddate=day)
    (entry,) = body["data"]
    assert entry["priceHeader"]["intervalLengthInMinutes"] == 15
    assert entry["priceHeader"]["recordCount"] == len(entry["priceDetails"]) == count
    assert [d["startIntervalTimeStamp"] for d in entry["priceDetails"][7:9]] == first_stamps
    _, hourly = ask(replica, **PGE, startdate=day, enddate=day)
    assert hourly["data"][0]["priceHeader"]["intervalLengthInMinutes"] == 60
