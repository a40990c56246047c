"""Pricing configs: the shipped one is valid and big enough for the demo; mistakes are named."""

from __future__ import annotations

from datetime import date, time

import pytest
from gridx.helpers import SHIPPED_CONFIG, local_time, write_pricing_config

from extract.gridx.config import load_pricing_configs, validate_pricing_configs
from extract.gridx.windows import default_date_range


def test_shipped_configs_are_valid_and_each_loads_two_rates_two_circuits_thirty_days():
    configs, problems = load_pricing_configs(SHIPPED_CONFIG.parents[1])
    assert problems == []
    pge, sce = sorted(configs, key=lambda c: c.utility)
    assert (sce.utility, sce.program, sce.market, sce.cca) == ("SCE", "CalFUSE", "DAM", None)
    assert sce.endpoint == "https://pe-api.gridx.com/stage/v1/getPricing"
    assert sce.publish_time == time(18, 15)
    assert (pge.utility, pge.program, pge.market, pge.cca) == ("PGE", "CalFUSE", "DAM", None)
    assert pge.endpoint == "https://pge-pe-api.gridx.com/stage/v1/getPricing"
    assert pge.publish_time == time(18, 30) and pge.history_start == date(2024, 6, 1)
    assert all(len(c) == 9 and c.isdigit() for c in pge.representative_circuits)
    assert "013532223" in pge.representative_circuits  # leading zero kept
    for config in configs:
        assert len(config.rate_names) >= 2 and len(config.representative_circuits) >= 2
        assert config.window_days == 14
        start, end = default_date_range(config, local_time(2026, 11, 23, 9))
        assert (end - start).days + 1 >= 30


def test_a_circuit_id_yaml_reads_as_a_number_is_refused_with_a_hint_to_quote_it(tmp_path):
    path = write_pricing_config(tmp_path, "pge")
    text = path.read_text().replace("- '013532223'", "- 013532223")
    assert text != path.read_text()
    path.write_text(text)
    (problem,) = validate_pricing_configs(tmp_path)
    assert (problem.file, problem.key) == (str(path), "representative_circuits")
    assert "read as a number" in problem.why and "'013532223'" in problem.why


@pytest.mark.parametrize("evidence", [["a list"], {"rate_names": ""}, {"rate_names": 15}])
def test_evidence_must_say_where_each_fact_is_published(tmp_path, evidence):
    write_pricing_config(tmp_path, evidence=evidence)
    (problem,) = validate_pricing_configs(tmp_path)
    assert problem.key == "evidence" and "where it is published" in problem.why


def test_one_file_per_feed_where_a_cca_makes_another_feed(tmp_path):
    write_pricing_config(tmp_path, "pge", cca="PCE").rename(tmp_path / "pricing" / "pce.yaml")
    write_pricing_config(tmp_path, "pge")
    assert validate_pricing_configs(tmp_path) == []
    assert len(load_pricing_configs(tmp_path)[0]) == 2
    write_pricing_config(tmp_path, "pge", cca="PCE").rename(tmp_path / "pricing" / "pce2.yaml")
    problems = validate_pricing_configs(tmp_path)
    assert {p.key for p in problems} == {"utility"}
    assert {p.file for p in problems} == {str(tmp_path / "pricing" / "pce.yaml"),
                                          str(tmp_path / "pricing" / "pce2.yaml")}
    assert "PGE CalFUSE DAM cca PCE; keep one file per feed" in problems[0].why


def test_default_range_ends_tomorrow_only_once_tomorrows_prices_are_published(tmp_path):
    write_pricing_config(tmp_path, lookback_days=10)
    (config,), _ = load_pricing_configs(tmp_path)
    assert default_date_range(config, local_time(2026, 11, 23, 18, 14)) == (
        date(2026, 11, 13), date(2026, 11, 23))
    assert default_date_range(config, local_time(2026, 11, 23, 18, 15)) == (
        date(2026, 11, 13), date(2026, 11, 24))


def test_without_lookback_a_default_run_backfills_from_history_start(tmp_path):
    write_pricing_config(tmp_path, lookback_days=None, history_start=date(2025, 7, 1))
    (config,), _ = load_pricing_configs(tmp_path)
    assert default_date_range(config, local_time(2026, 1, 5, 9))[0] == date(2025, 7, 1)


def test_config_mistakes_are_reported_with_file_key_and_why(tmp_path):
    path = write_pricing_config(
        tmp_path, base_url="http://pe-api.gridx.com/stage", window_days=30, rate_name=["x"],
        history_start="July 2025", publish_time=1095, representative_circuits=[],
        timezone="Pacific", max_concurrency=0)
    problems = validate_pricing_configs(tmp_path)
    keys = {p.key for p in problems}
    assert keys == {"base_url", "window_days", "rate_name", "history_start", "publish_time",
                    "representative_circuits", "timezone", "max_concurrency"}
    assert all(p.file == str(path) for p in problems)
    by_key = {p.key: p.why for p in problems}
    assert "https" in by_key["base_url"]
    assert "between 1 and 14" in by_key["window_days"]
    assert "unknown key" in by_key["rate_name"]
    assert "HH:MM" in by_key["publish_time"]
    assert str(problems[0]).startswith(f"{path}: ")


def test_missing_keys_and_history_before_the_first_price_day_are_problems(tmp_path):
    write_pricing_config(tmp_path, utility=None, history_start=date(2024, 1, 1))
    problems = {p.key: p.why for p in validate_pricing_configs(tmp_path)}
    assert problems["utility"] == "missing required key"
    assert "2024-06-01" in problems["history_start"]


def test_local_replica_urls_are_accepted_and_a_missing_directory_is_a_problem(tmp_path):
    write_pricing_config(tmp_path, base_url="http://127.0.0.1:8765/pe-api.gridx.com/stage")
    assert validate_pricing_configs(tmp_path) == []
    (problem,) = validate_pricing_configs(tmp_path / "nowhere")
    assert problem.key == "(dir)"


def test_a_key_given_twice_in_a_pricing_config_is_refused_not_silently_dropped(tmp_path):
    path = write_pricing_config(tmp_path, "sce")
    path.write_text(path.read_text() + "market: RTM\n")
    (problem,) = validate_pricing_configs(tmp_path)
    assert problem.file == str(path) and problem.key.startswith("line ")
    assert "duplicate key 'market'" in problem.why


def test_every_problem_of_a_pricing_file_is_reported_in_one_pass(tmp_path):
    path = write_pricing_config(tmp_path, utility=None, market=None, cca=7, window_days=0,
                                rate_names=[1, "A", "A"], colour="blue")
    problems = {p.key: p.why for p in validate_pricing_configs(tmp_path)}
    assert set(problems) == {"utility", "market", "cca", "window_days", "rate_names", "colour"}
    assert problems["utility"] == problems["market"] == "missing required key"
    assert "read as a number" in problems["rate_names"] and "listed twice" in problems["rate_names"]
    assert problems["colour"].startswith("unknown key (typo?); known keys: base_url,")
    assert str(path) in str(validate_pricing_configs(tmp_path)[0])
