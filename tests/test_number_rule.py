""""Unparseable number" exists on both sides: the extract counts it per run (extract/numbers.py)
and dbt parses with it (macros in dbt_project/macros/hosting_capacity_fields.sql). One table of
tricky values goes through both, the way real values travel: the JSON a server wrote, parsed
by the extract, stored in raw_attributes, read back by DuckDB through the dbt macros."""

from __future__ import annotations

import math
from pathlib import Path

import duckdb
import jinja2
import orjson
import pytest

from extract.jsontext import number_as_written, parse_json
from extract.numbers import NUMBER_PATTERN, is_unparseable, parse_quantity

MACROS = Path(__file__).resolve().parents[1] / "dbt_project/macros/hosting_capacity_fields.sql"

# (JSON value as a server wrote it, what it means in its own unit; None = unparseable)
TRICKY = [
    ('"1,5"', None),  # a decimal comma, or a typo: never 15
    ('"1,500"', 1500.0),
    ('"1,500,000"', 1_500_000.0),
    ('"12,34,567"', None),  # lakh grouping is not thousands grouping
    ('"0,500"', None),  # no group of three starts with 0: a decimal comma
    ('"1,500.25"', 1500.25),
    ('"1.500,25"', None),
    ('"1e5"', 100_000.0),
    ('"1E-3"', 0.001),
    ('"inf"', None),
    ('"Infinity"', None),
    ('"NaN"', None),
    ('"1e400"', None),  # a double would read inf
    ('"1e300"', None),  # beyond any physical bound
    ('" 42 "', 42.0),
    ('"\\t42\\n"', 42.0),
    ('"-3"', -3.0),
    ('"+7"', 7.0),
    ('".5"', 0.5),
    ('"5."', 5.0),
    ('"11,660 kVA"', None),
    ('"NA"', None),
    ('"N/A"', None),
    ('""', None),
    ('"  "', None),
    ("1500", 1500.0),
    ("-2.5", -2.5),
    ("1e300", None),
    ("1e400", None),  # bare: overflows a double
    ("NaN", None),  # bare NaN, as some ArcGIS servers write
    ("Infinity", None),
    ("-Infinity", None),
    ("true", None),
    ("[1]", None),
    ('{"v": 1}', None),
]
# (canonical field, capacity unit, bound in that unit)
FIELDS = [("hosting_capacity_mw", "kw", 10_000_000.0), ("hosting_capacity_mw", "mw", 10_000.0),
          ("voltage_kv", "kw", 1_000.0)]
BOUNDARY = [
    ("10000000", {"kw": 10_000_000.0, "mw": None}),
    ("10000001", {"kw": None, "mw": None}),
    ('"10,000"', {"kw": 10_000.0, "mw": 10_000.0}),
    ("10000.5", {"kw": 10_000.5, "mw": None}),
    ("-10000", {"kw": -10_000.0, "mw": -10_000.0}),
    ('"12,470"', {"kw": 12_470.0, "mw": None}),
]


def macros():
    return jinja2.Environment().from_string(MACROS.read_text()).module


def stored_attribute(json_value: str) -> tuple[object, str]:
    """(the value the extract sees, the raw_attributes JSON the warehouse stores) for one
    attribute a server wrote as `json_value`."""
    page = parse_json(f'{{"features": [{{"attributes": {{"V": {json_value}}}}}]}}'.encode())
    attributes = page["features"][0]["attributes"]
    return attributes["V"], orjson.dumps(attributes, default=number_as_written).decode()


def dbt_reads(raw_attributes: str, field: str, unit: str) -> tuple[float | None, bool]:
    """(parsed number, counted unparseable) as the dbt macros compute them."""
    m = macros()
    bound = m.physical_bound(field, "capacity_unit")
    with duckdb.connect() as con:
        return con.execute(f"""
            with extracted as (
                select json_extract_string(?::json, '/V') as text, ? as capacity_unit
            )
            select {m.parse_number('text', bound)}, {m.is_unparseable_number('text', bound)}
            from extracted""", [raw_attributes, unit]).fetchone()


def test_the_sql_pattern_is_the_python_pattern():
    assert macros().number_pattern().strip() == NUMBER_PATTERN


@pytest.mark.parametrize(("field", "unit", "bound"), FIELDS, ids=["kw", "mw", "kv"])
@pytest.mark.parametrize(("json_value", "meant"), TRICKY, ids=[t[0] for t in TRICKY])
def test_extract_and_dbt_read_every_tricky_value_alike(json_value, meant, field, unit, bound):
    seen, stored = stored_attribute(json_value)
    number = parse_quantity(seen, field, unit)
    expected = meant if meant is None or abs(meant) <= bound else None
    assert number == expected
    assert dbt_reads(stored, field, unit) == (expected, expected is None)
    assert is_unparseable(seen, field, unit) is (expected is None)


@pytest.mark.parametrize(("json_value", "meant_by_unit"), BOUNDARY, ids=[b[0] for b in BOUNDARY])
@pytest.mark.parametrize("unit", ["kw", "mw"])
def test_hosting_capacity_beyond_10_gw_is_unparseable_in_either_unit(json_value, meant_by_unit,
                                                                     unit):
    seen, stored = stored_attribute(json_value)
    expected = meant_by_unit[unit]
    assert parse_quantity(seen, "hosting_capacity_mw", unit) == expected
    assert dbt_reads(stored, "hosting_capacity_mw", unit) == (expected, expected is None)


def test_a_voltage_published_in_volts_is_unparseable_not_12470_kv():
    seen, stored = stored_attribute("12470")
    assert parse_quantity(seen, "voltage_kv", "kw") is None
    assert dbt_reads(stored, "voltage_kv", "kw") == (None, True)


def test_absent_values_are_not_counted():
    assert not is_unparseable(None, "hosting_capacity_mw", "kw")
    assert dbt_reads('{"V": null}', "hosting_capacity_mw", "kw") == (None, False)
    assert dbt_reads("{}", "hosting_capacity_mw", "kw") == (None, False)


def test_bare_nan_and_overflow_are_kept_as_written_in_raw_attributes():
    for written in ("NaN", "Infinity", "-Infinity", "1e400"):
        seen, stored = stored_attribute(written)
        assert isinstance(seen, float) and not math.isfinite(seen)
        assert orjson.loads(stored) == {"V": written}
