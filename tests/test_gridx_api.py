"""One getPricing window against the replica: 204s in both readings, retries, exact prices."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import httpx
import pytest
from gridx.helpers import local_time, pricing_requests, reset_replica, write_pricing_config

from extract.gridx.api import AnswerError, Window, fetch_window, parse_price, price_rows
from extract.gridx.config import load_pricing_configs
from extract.http import HostLimiter, HttpClient, RetryPolicy
from replicas.gridx import MESSAGES, GridXReplica
from replicas.server import ReplicaServer

NOW = local_time(2026, 11, 20, 12)
TODAY = date(2026, 11, 20)


@pytest.fixture(scope="module")
def running_server():
    with ReplicaServer(apps=[GridXReplica(now=NOW)]) as server:
        yield server


@pytest.fixture
def replica(running_server, monkeypatch):
    """Returns a function: replica(**options) resets the replica and gives the server."""
    def configure(**options):
        reset_replica(running_server, monkeypatch, now=NOW, **options)
        return running_server
    return configure


@pytest.fixture
def config(tmp_path):
    write_pricing_config(tmp_path)
    (loaded,), _ = load_pricing_configs(tmp_path)
    return loaded


@pytest.fixture
def client():
    with HttpClient(RetryPolicy(attempts=3, base_delay_s=0.01), HostLimiter(4)) as http:
        yield http


def window(circuit="Eagle Rock", start=date(2026, 11, 1), end=date(2026, 11, 2),
           rate="TOU-EV-9S") -> Window:
    return Window(rate, circuit, start, end)


def test_a_window_returns_exact_rows_with_components_and_the_published_strings(
        replica, config, client):
    server = replica()
    result = fetch_window(client, config, window(), TODAY)
    expected = server.replica.day_details("SCE", "TOU-EV-9S", "Eagle Rock", date(2026, 11, 1))
    assert result.status == "loaded" and len(result.rows) == 25 + 24
    (params,) = pricing_requests(server)
    assert params["representativeCircuitId"] == "Eagle Rock"  # sent URL-encoded, decoded here
    assert (params["startdate"], params["enddate"]) == ("20261101", "20261102")
    row = result.rows[2]
    assert row["start_interval_timestamp"] == expected[2]["startIntervalTimeStamp"]
    assert row["interval_start"].isoformat() == "2026-11-01T01:00:00-08:00"
    assert row["interval_price"] == Decimal(expected[2]["intervalPrice"])
    assert isinstance(row["interval_price"], Decimal)
    assert sum(c["interval_price"] for c in row["components"]) == row["interval_price"]
    assert (row["market_name"], row["interval_length_in_minutes"]) == ("CAISO-DAM", 60)


def test_circuit_names_with_spaces_are_url_encoded(monkeypatch, config):
    sent = []

    def record(request: httpx.Request) -> httpx.Response:
        sent.append(str(request.url))
        return httpx.Response(204)

    with HttpClient(RetryPolicy(attempts=1)) as http:
        http._client = httpx.Client(transport=httpx.MockTransport(record))
        fetch_window(http, config, window("Vista 115"), TODAY)
    assert "representativeCircuitId=Vista+115" in sent[0]
    assert "startdate=20261101&enddate=20261102" in sent[0]


@pytest.mark.parametrize("reading", ["meta", "http"])
@pytest.mark.parametrize(("circuit", "start", "end", "rate", "message"), [
    ("Atlantis", date(2026, 11, 1), date(2026, 11, 1), "TOU-EV-9S", "circuit"),
    ("System", date(2026, 11, 1), date(2026, 11, 1), "E-TOU-C", "rate"),
    ("System", date(2024, 5, 30), date(2024, 6, 2), "TOU-EV-9S", "range"),
    ("System", date(2026, 10, 1), date(2026, 10, 20), "TOU-EV-9S", "too_long"),
])
def test_a_204_answer_fails_the_window_naming_rate_circuit_dates_and_message(
        replica, config, client, reading, circuit, start, end, rate, message):
    replica(no_content=reading)
    result = fetch_window(client, config, window(circuit, start, end, rate), TODAY)
    assert result.status == "failed" and result.rows == []
    assert f"rate {rate}" in result.message and repr(circuit) in result.message
    assert f"{start.isoformat()}..{end.isoformat()}" in result.message
    if reading == "meta":
        assert result.message.endswith(f"GridX 204: {MESSAGES[message]}")
    else:
        assert "HTTP 204 No Content" in result.message


@pytest.mark.parametrize("params", [{"utility": "XYZ"}, {"program": "Other"}, {"cca": "Nope"},
                                    {"market": "RTM"}])
def test_unknown_utility_program_cca_or_market_fails_every_window(replica, tmp_path,
                                                                  client, params):
    base = {"utility": "SCE", "program": "CalFUSE", "market": "DAM", "cca": None}
    write_pricing_config(tmp_path, **{**base, **params})
    (config,), _ = load_pricing_configs(tmp_path)
    replica()
    result = fetch_window(client, config, window(), TODAY)
    assert result.status == "failed" and "GridX 204: The specified" in result.message


@pytest.mark.parametrize("reading", ["meta", "http"])
def test_a_period_without_data_yet_is_an_empty_window_not_a_failure(replica, config,
                                                                     client, reading):
    future = window(start=date(2026, 11, 22), end=date(2026, 11, 25))
    replica(no_content=reading)
    result = fetch_window(client, config, future, TODAY)
    assert (result.status, result.rows) == ("empty", [])


def test_a_transient_503_is_retried(replica, config, client):
    server = replica()
    server.add_fault("status", path_contains="getPricing", status=503, times=2)
    result = fetch_window(client, config, window(), TODAY)
    assert result.status == "loaded" and len(pricing_requests(server)) == 3


def test_a_truncated_answer_is_retried(replica, config, client):
    server = replica()
    server.add_fault("truncate", path_contains="getPricing", times=1)
    result = fetch_window(client, config, window(), TODAY)
    assert result.status == "loaded" and len(pricing_requests(server)) == 2


def test_a_server_failing_for_good_fails_the_window_with_the_url(replica, config, client):
    server = replica()
    server.add_fault("status", path_contains="getPricing", status=503, times=-1)
    result = fetch_window(client, config, window(), TODAY)
    assert result.status == "failed"
    assert "HTTP 503 after 3 attempts" in result.message and "getPricing" in result.message


def test_prices_are_parsed_exactly_and_never_rounded():
    assert parse_price("0.139976", "x") == Decimal("0.139976")
    assert parse_price("0.1399760", "x") == Decimal("0.139976")
    assert parse_price(Decimal("-0.000001"), "x") == Decimal("-0.000001")
    for bad in ("0.1399761", "abc", "NaN", "1000000", 0.5, None):
        with pytest.raises(AnswerError):
            parse_price(bad, "x")


def test_record_count_disagreeing_with_the_details_is_an_error(config):
    entry = {"priceHeader": {"intervalLengthInMinutes": 60, "recordCount": 24},
             "priceDetails": []}
    with pytest.raises(AnswerError, match="recordCount says 24"):
        price_rows(config, window(), [entry])


def test_an_answer_in_latin1_fails_the_window_as_not_utf8_without_retrying(replica, config,
                                                                           client):
    server = replica()
    server.add_fault("rewrite", path_contains="getPricing", encoding="latin-1", times=-1,
                     replacements=[['"CAISO-DAM"', '"CAISO-DAM Société"']])
    result = fetch_window(client, config, window(), TODAY)
    assert result.status == "failed" and result.rows == []
    assert "not UTF-8 (byte 0xE9" in result.message and "rate TOU-EV-9S" in result.message
    assert "truncated" not in result.message
    assert len(pricing_requests(server)) == 1


def test_an_answer_repeating_a_key_fails_the_window_naming_the_key(replica, config, client):
    server = replica()
    minutes = '"intervalLengthInMinutes": 60'
    server.add_fault("rewrite", path_contains="getPricing", times=-1,
                     replacements=[[minutes, f'{minutes}, "intervalLengthInMinutes": 15']])
    result = fetch_window(client, config, window(), TODAY)
    assert result.status == "failed" and result.rows == []
    assert "repeats the key 'intervalLengthInMinutes'" in result.message
    assert len(pricing_requests(server)) == 1
