"""Colours of remaining capacity: one definition, written into the site's meta.json, from
which the page draws both the features and the legend (and the browser tests read it here)."""

from __future__ import annotations

# (upper bound in MW, inclusive, or None for the last bin; colour; label)
REMAINING_MW_BINS: tuple[tuple[float | None, str, str], ...] = (
    (0.0, "#d73027", "no room (0 MW or less)"),
    (0.5, "#fc8d59", "up to 0.5 MW"),
    (1.0, "#fee08b", "0.5 to 1 MW"),
    (2.0, "#d9ef8b", "1 to 2 MW"),
    (5.0, "#91cf60", "2 to 5 MW"),
    (None, "#1a9850", "more than 5 MW"),
)
NO_VALUE = ("#9e9e9e", "no value published")
STALE_OUTLINE = ("#242424", "data older than 100 days (stale): dark outline")


def colour_for(remaining_mw: float | None) -> str:
    if remaining_mw is None:
        return NO_VALUE[0]
    for upper, colour, _ in REMAINING_MW_BINS:
        if upper is None or remaining_mw <= upper:
            return colour
    raise AssertionError("the last bin has no upper bound")


def bin_sql(column: str) -> str:
    """SQL for the index of the value's bin in REMAINING_MW_BINS (NULL for no value)."""
    cases = " ".join(f"when {column} <= {upper!r} then {index}"
                     for index, (upper, _, _) in enumerate(REMAINING_MW_BINS) if upper is not None)
    return f"case when {column} is null then null {cases} else {len(REMAINING_MW_BINS) - 1} end"


def legend() -> dict:
    return {"bins": [{"upper_mw": upper, "colour": colour, "label": label}
                     for upper, colour, label in REMAINING_MW_BINS],
            "no_value": {"colour": NO_VALUE[0], "label": NO_VALUE[1]},
            "stale": {"colour": STALE_OUTLINE[0], "label": STALE_OUTLINE[1]}}
