"""Pricing configs: the shipped one is valid and big enough for the demo; mistakes are named."""

from __future__ import annotations

from datetime import date, time

from gridx.helpers import SHIPPED_CONFIG, local_time, write_pricing_config

from extract.gridx.config import load_pricing_configs, validate_pricing_configs
from extract.gridx.windows import default_date_range


def test_shipped_config_is_valid_and_loads_at_least_two_rates_two_circuits_thirty_days():
    configs, problems = load_pricing_configs(SHIPPED_CONFIG.parents[1])
    assert problems == []
    (config,) = configs
    assert (config.utility, config.program, config.market) == ("SCE", "CalFUSE", "DAM")
    assert config.base_url == "https://pe-api.gridx.com/stage"
    assert config.endpoint == "https://pe-api.gridx.com/stage/v1/getPricing"
    assert len(config.rate_names) >= 2 and len(config.representative_circuits) >= 2
    assert config.window_days == 14 and config.publish_time == time(18, 15)
    start, end = default_date_range(config, local_time(2026, 11, 23, 9))
    assert (end - start).days + 1 >= 30


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
