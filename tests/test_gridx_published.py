"""The replica and the shipped pricing configs agree with what GridX publishes.

The record, tests/gridx/gridx_published.yaml, transcribes GridX's OpenAPI descriptions and
response samples for SCE and PG&E (grid-coordination/clj-gridx at commit 79fc975d, and GridX's
documentation page "(GET) Pricing SCE") with the place of each fact.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from gridx.helpers import PUBLISHED, ROOT, local_time

from extract.gridx.config import load_pricing_configs
from replicas.gridx import HOSTS, MESSAGES, UTILITIES, GridXReplica
from replicas.server import Request

UTILITY_CODES = sorted(PUBLISHED["utilities"])
NOW = local_time(2026, 11, 20, 12)


def answer(params: dict[str, str], host: str = "pe-api.gridx.com") -> dict:
    response = GridXReplica(now=NOW).handle(Request("GET", host, "/stage/v1/getPricing", params))
    return json.loads(response.body)


def test_the_record_names_its_source_commit_and_both_utilities():
    assert PUBLISHED["source"] == {"repo": "grid-coordination/clj-gridx",
                                   "commit": "79fc975d6c961163739beeb7c86d7108eb1a9903"}
    assert UTILITY_CODES == ["PGE", "SCE"]


@pytest.mark.parametrize("utility", UTILITY_CODES)
def test_replica_rate_circuit_and_cca_lists_are_the_published_ones(utility):
    published, facts = PUBLISHED["utilities"][utility], UTILITIES[utility]
    assert list(facts.rates) == published["rate_names"]
    assert list(facts.circuits) == published["representative_circuits"]
    assert list(facts.ccas) == published["ccas"]
    assert [list(c) for c in facts.components] == published["components"]
    assert facts.first_day == published["first_day"]
    assert facts.request_url == published["meta_request_url"]


def test_pge_has_18_rates_59_nine_digit_circuits_kept_as_text_and_8_ccas():
    pge = UTILITIES["PGE"]
    assert (len(pge.rates), len(pge.circuits), len(pge.ccas)) == (18, 59, 8)
    assert all(isinstance(c, str) and len(c) == 9 and c.isdigit() for c in pge.circuits)
    assert sum(c.startswith("0") for c in pge.circuits) == 25


def test_every_documented_204_message_is_answered_word_for_word():
    assert set(PUBLISHED["messages_204"]) <= set(MESSAGES.values())


@pytest.mark.parametrize("utility", UTILITY_CODES)
def test_every_published_server_host_is_served(utility):
    hosts = {urlsplit(url).hostname for url in PUBLISHED["utilities"][utility]["servers"]}
    assert hosts <= set(HOSTS)


@pytest.mark.parametrize("utility", UTILITY_CODES)
def test_the_sample_request_answers_the_published_sample_exactly(utility):
    published = PUBLISHED["utilities"][utility]
    body = answer(published["sample_request"])
    assert body["meta"] == {"code": 200, "requestURL": published["meta_request_url"],
                            "requestBody": json.dumps(published["sample_request"],
                                                      separators=(",", ":")),
                            "response": "Request succeeded"}
    (entry,) = body["data"]
    assert entry["priceHeader"] == published["sample_header"]
    assert len(entry["priceDetails"]) == published["sample_header"]["recordCount"]
    details = {d["startIntervalTimeStamp"]: d for d in entry["priceDetails"]}
    names = published["components"]
    for start, price, status, parts in published["sample_intervals"]:
        assert details[start] == {
            "startIntervalTimeStamp": start, "intervalPrice": price, "priceStatus": status,
            "priceComponents": [{"component": name, "intervalPrice": part, "priceType": kind}
                                for (name, kind), part in zip(names, parts, strict=True)]}
    for detail in entry["priceDetails"]:  # generated ones too: published order, exact sums
        assert [[c["component"], c["priceType"]] for c in detail["priceComponents"]] == names
        assert sum(Decimal(c["intervalPrice"]) for c in detail["priceComponents"]) == \
            Decimal(detail["intervalPrice"])


@pytest.mark.parametrize("utility", UTILITY_CODES)
def test_every_published_rate_and_circuit_is_answered(utility):
    published = PUBLISHED["utilities"][utility]
    base = {**published["sample_request"], "startdate": "20261101", "enddate": "20261101"}
    for rate in published["rate_names"]:
        assert answer({**base, "ratename": rate})["meta"]["code"] == 200, rate
    for circuit in published["representative_circuits"]:
        assert answer({**base, "representativeCircuitId": circuit})["meta"]["code"] == 200
    for cca in published["ccas"]:
        assert answer({**base, "cca": cca})["meta"]["code"] == 200, cca


@pytest.mark.parametrize("utility", UTILITY_CODES)
def test_prices_start_on_the_published_first_day(utility):
    published = PUBLISHED["utilities"][utility]
    first: date = published["first_day"]

    def days(start: date, end: date) -> tuple[int, list[str]]:
        body = answer({**published["sample_request"], "startdate": start.strftime("%Y%m%d"),
                       "enddate": end.strftime("%Y%m%d")})
        return body["meta"]["code"], [e["priceHeader"]["startTime"][:10] for e in body["data"]]

    second = first + timedelta(days=1)
    assert days(first, second) == (200, [first.isoformat(), second.isoformat()])
    assert days(first - timedelta(days=2), first - timedelta(days=1)) == (204, [])


@pytest.mark.parametrize("utility", UTILITY_CODES)
def test_published_status_values_and_interval_lengths_cover_the_replicas(utility):
    published = PUBLISHED["utilities"][utility]
    statuses = {GridXReplica(now=NOW).price_status(NOW.date() + timedelta(days=d), utility)
                for d in range(3)}
    assert statuses <= set(PUBLISHED["utilities"]["SCE"]["price_status"])
    assert {60, 15} == set(published["interval_minutes"])


@pytest.mark.parametrize("utility", UTILITY_CODES)
def test_shipped_configs_use_only_published_hosts_rates_circuits_and_days(utility):
    configs, problems = load_pricing_configs(ROOT / "configs")
    assert problems == []
    (config,) = [c for c in configs if c.utility == utility]
    published = PUBLISHED["utilities"][utility]
    assert (config.program, config.market) == (published["program"], published["market"])
    assert config.endpoint.lower().removesuffix("/getpricing") in [
        url.lower() for url in published["servers"]]
    assert set(config.rate_names) <= set(published["rate_names"])
    assert set(config.representative_circuits) <= set(published["representative_circuits"])
    assert config.history_start == published["first_day"]
    assert config.cca is None or config.cca in published["ccas"]
    evidence = dict(config.evidence)
    assert PUBLISHED["source"]["commit"] in evidence["description"]
    for fact in ("base_url", "rate_names", "representative_circuits", "history_start",
                 "publish_time", "components"):
        assert evidence[fact].strip(), fact
