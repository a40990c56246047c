"""Which days to request: the date range of a run, and windows of at most 14 days per
(rate, circuit) that leave out the days already loaded as complete and Final."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from extract.gridx.api import Window, day_minutes
from extract.gridx.config import PricingConfig

__all__ = ["chunk_days", "day_minutes", "default_date_range", "local_today", "plan_windows",
           "published_until"]


def local_today(config: PricingConfig, now: datetime) -> date:
    return now.astimezone(config.zone).date()


def published_until(config: PricingConfig, now: datetime) -> date:
    """The last day whose prices are out: tomorrow once `publish_time` has passed locally."""
    local = now.astimezone(config.zone)
    today = local.date()
    return today + timedelta(days=1) if local.time() >= config.publish_time else today


def default_date_range(config: PricingConfig, now: datetime) -> tuple[date, date]:
    end = published_until(config, now)
    start = config.history_start
    if config.lookback_days is not None:
        start = max(start, local_today(config, now) - timedelta(days=config.lookback_days))
    return start, end


def chunk_days(start: date, end: date, window_days: int) -> list[tuple[date, date]]:
    chunks = []
    while start <= end:
        last = min(end, start + timedelta(days=window_days - 1))
        chunks.append((start, last))
        start = last + timedelta(days=1)
    return chunks


def plan_windows(config: PricingConfig, rates: tuple[str, ...], circuits: tuple[str, ...],
                 start: date, end: date, final_days: set[tuple[str, str, date]],
                 force: bool = False) -> tuple[list[Window], int]:
    """Windows to request and how many were skipped because every day in them is Final.

    The range is cut into windows of `window_days`; each is then narrowed to the span from its
    first to its last day still needed (not loaded, incomplete, or not Final yet)."""
    windows: list[Window] = []
    skipped = 0
    for rate in rates:
        for circuit in circuits:
            for first, last in chunk_days(start, end, config.window_days):
                needed = [first + timedelta(days=i) for i in range((last - first).days + 1)]
                if not force:
                    needed = [day for day in needed if (rate, circuit, day) not in final_days]
                if needed:
                    windows.append(Window(rate, circuit, needed[0], needed[-1]))
                else:
                    skipped += 1
    return windows, skipped
