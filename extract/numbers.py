"""What counts as a number in a utility's attributes: the rule the extract counts with.

dbt parses the same attributes with the macros `parse_number` and `within_physical_bound`
(dbt_project/macros/hosting_capacity_fields.sql), which must say the same thing:
tests/test_number_rule.py feeds one table of tricky values through both and checks they agree.

- Text is a plain decimal number, optionally signed, with an exponent, padded with blanks.
- A comma is a thousands separator only where it sits in groups of three: "1,500" and
  "1,500,000.5" are numbers, "1,5" (a decimal comma?) and "12,34,567" are not.
- NaN, Infinity, overflow ("1e400") and magnitudes beyond a physical bound (a hosting
  capacity above 10,000 MW, a voltage above 1,000 kV) are not numbers anyone published on
  purpose: they are unparseable and counted, never loaded as inf, NaN or 1e300 MW.
- An empty or blank text is unparseable too (present, but says nothing).
"""

from __future__ import annotations

import math
import re

# The same pattern, character for character, is in the SQL macro `parse_number`.
NUMBER_PATTERN = (
    r"[ \t\n\r]*[+-]?(([1-9][0-9]{0,2}(,[0-9]{3})+|[0-9]+)(\.[0-9]*)?|\.[0-9]+)"
    r"([eE][+-]?[0-9]+)?[ \t\n\r]*"
)
NUMBER = re.compile(NUMBER_PATTERN)
BLANKS_AND_SEPARATORS = re.compile(r"[ \t\n\r,]")

# Physical bounds, in the canonical unit (same values in the SQL macro `physical_bound`).
MAX_CAPACITY_MW = 10_000.0  # no distribution feeder or substation comes near 10 GW
MAX_VOLTAGE_KV = 1_000.0  # above the highest AC transmission voltage in service
KW_PER_MW = 1_000.0


def parse_number(value: object) -> float | None:
    """The number a published value means, in its own unit; None when it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        try:
            number = float(value)
        except OverflowError:
            return None
    elif isinstance(value, float):
        number = value
    elif isinstance(value, str) and NUMBER.fullmatch(value):
        number = float(BLANKS_AND_SEPARATORS.sub("", value))
    else:
        return None
    return number if math.isfinite(number) else None


def physical_bound(canonical_field: str, capacity_unit: str) -> float:
    """The largest magnitude a value of the field can have, in the layer's unit."""
    if canonical_field == "voltage_kv":
        return MAX_VOLTAGE_KV
    return MAX_CAPACITY_MW * (KW_PER_MW if capacity_unit == "kw" else 1.0)


def parse_quantity(value: object, canonical_field: str, capacity_unit: str) -> float | None:
    """A parsed number within the field's physical bound, in the layer's unit; else None."""
    number = parse_number(value)
    if number is None or abs(number) > physical_bound(canonical_field, capacity_unit):
        return None
    return number


def is_unparseable(value: object, canonical_field: str, capacity_unit: str) -> bool:
    """Present (not null) and yet not a usable number: what the run and the marts count."""
    return value is not None and parse_quantity(value, canonical_field, capacity_unit) is None
