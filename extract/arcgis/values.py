"""Counts of values that will not parse as numbers, per source field, for the run record.

The raw attributes are loaded unmodified and parsed in dbt; this count lets a user see in
`hc_ingestion_runs` how many "N/A", "", "1,5", NaN or 1e300 MW values a layer carried. What
a number is: extract/numbers.py (dbt applies the same rule, and a test ties the two).
"""

from __future__ import annotations

from collections import Counter

from extract.arcgis.config import CAPACITY_FIELDS
from extract.numbers import is_unparseable

NUMERIC_CANONICAL_FIELDS = (*CAPACITY_FIELDS, "voltage_kv")


class UnparseableCounter:
    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()

    def count(self, field_map: dict[str, str], capacity_unit: str, features: list) -> None:
        numeric = [(s, c) for s, c in field_map.items() if c in NUMERIC_CANONICAL_FIELDS]
        for feature in features:
            for source, canonical in numeric:
                if is_unparseable(feature.attributes.get(source), canonical, capacity_unit):
                    self.counts[source] += 1

    def as_dict(self) -> dict[str, int]:
        return dict(sorted(self.counts.items()))
