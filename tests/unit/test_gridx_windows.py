"""Planning: windows of at most 14 days per (rate, circuit), leaving out what is Final."""

from __future__ import annotations

from datetime import date, timedelta

from gridx.helpers import write_pricing_config

from extract.gridx.config import load_pricing_configs
from extract.gridx.windows import day_minutes, plan_windows

RATES = ("TOU-EV-9S", "TOU-GS-1")
CIRCUITS = ("System", "Eagle Rock")


def config(tmp_path, **overrides):
    write_pricing_config(tmp_path, **overrides)
    (loaded,), problems = load_pricing_configs(tmp_path)
    assert problems == []
    return loaded


def test_a_45_day_request_is_split_into_windows_of_at_most_14_days(tmp_path):
    start = date(2026, 9, 1)
    windows, skipped = plan_windows(config(tmp_path), RATES, CIRCUITS, start,
                                    start + timedelta(days=44), set())
    assert skipped == 0
    assert len(windows) == 2 * 2 * 4
    one = [w for w in windows if (w.rate_name, w.circuit) == ("TOU-GS-1", "Eagle Rock")]
    assert [(w.start, w.days) for w in one] == [
        (date(2026, 9, 1), 14), (date(2026, 9, 15), 14), (date(2026, 9, 29), 14),
        (date(2026, 10, 13), 3)]


def test_a_smaller_window_days_setting_is_honoured(tmp_path):
    windows, _ = plan_windows(config(tmp_path, window_days=7), RATES[:1], CIRCUITS[:1],
                              date(2026, 9, 1), date(2026, 9, 30), set())
    assert [w.days for w in windows] == [7, 7, 7, 7, 2]


def test_days_already_final_are_skipped_and_windows_narrowed_to_what_is_missing(tmp_path):
    start, end = date(2026, 10, 1), date(2026, 10, 28)
    final = {("TOU-EV-9S", "System", start + timedelta(days=i)) for i in range(26)}
    windows, skipped = plan_windows(config(tmp_path), RATES[:1], CIRCUITS[:1], start, end,
                                    final)
    assert skipped == 1  # 10-01..10-14 is all Final
    assert [(w.start, w.end) for w in windows] == [(date(2026, 10, 27), date(2026, 10, 28))]


def test_force_refetches_final_days(tmp_path):
    start = date(2026, 10, 1)
    final = {("TOU-EV-9S", "System", start)}
    windows, skipped = plan_windows(config(tmp_path), RATES[:1], CIRCUITS[:1], start, start,
                                    final, force=True)
    assert (len(windows), skipped) == (1, 0)


def test_local_days_are_23_and_25_hours_long_at_the_dst_changes(tmp_path):
    zone = config(tmp_path).zone
    assert day_minutes(date(2026, 3, 8), zone) == 23 * 60
    assert day_minutes(date(2026, 11, 1), zone) == 25 * 60
    assert day_minutes(date(2026, 7, 1), zone) == 24 * 60
