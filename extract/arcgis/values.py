"""Counts of values that will not parse as numbers, per source field, for the run record.

The raw attributes are loaded unmodified and parsed in dbt; this count lets a user see in
`hc_ingestion_runs` how many "N/A", "" or garbled values a layer carried.
"""

from __future__ import annotations

import re
from collections import Counter

from extract.config import CAPACITY_FIELDS

NUMERIC_CANONICAL_FIELDS = (*CAPACITY_FIELDS, "voltage_kv")
NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def parses_as_number(value: object) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return value == value  # NaN is not a number we can use
    if isinstance(value, str):
        return bool(NUMBER.match(value.strip().replace(",", "")))
    return False


class UnparseableCounter:
    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()

    def count(self, field_map: dict[str, str], features: list) -> None:
        numeric_sources = [s for s, c in field_map.items() if c in NUMERIC_CANONICAL_FIELDS]
        for feature in features:
            for source in numeric_sources:
                value = feature.attributes.get(source)
                if value is not None and not parses_as_number(value):
                    self.counts[source] += 1

    def as_dict(self) -> dict[str, int]:
        return dict(sorted(self.counts.items()))
