"""Counts of values that will not parse as numbers, per source field, for the run record.

The raw attributes are loaded unmodified and parsed in dbt; this count lets a user see in
`hc_ingestion_runs` how many "N/A", "", "1,5", NaN or 1e300 MW values a layer carried. What
a number is: extract/numbers.py (dbt applies the same rule, and a test ties the two).
"""

from __future__ import annotations

from collections import Counter

from extract.arcgis.config import CAPACITY_FIELDS
from extract.numbers import is_unparseable, physical_bound

NUMERIC_CANONICAL_FIELDS = (*CAPACITY_FIELDS, "voltage_kv")


class UnparseableCounter:
    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()

    def count(self, field_map: dict[str, str], capacity_unit: str, features: list) -> None:
        numeric = [(source, canonical, physical_bound(canonical, capacity_unit))
                   for source, canonical in field_map.items()
                   if canonical in NUMERIC_CANONICAL_FIELDS]
        for source, canonical, bound in numeric:
            for feature in features:
                value = feature.attributes.get(source)
                # Most values are numbers within the bound: settled here without the whole
                # rule (2.6 -> 1.6 ms a page of 2,000). NaN and infinities fail the comparison
                # and go through the rule, as does every other kind of value.
                if value is None or (type(value) in (float, int) and -bound <= value <= bound):
                    continue
                if is_unparseable(value, canonical, capacity_unit):
                    self.counts[source] += 1

    def as_dict(self) -> dict[str, int]:
        return dict(sorted(self.counts.items()))
