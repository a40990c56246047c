"""Rules written on both sides, Python and SQL, agree: the canonical field list of the
configs (extract/arcgis/config_model.py) and the macros of
dbt_project/macros/hosting_capacity_fields.sql.
(The number rule has its own tie, tests/test_number_rule.py; the raw tables theirs,
tests/test_raw_tables_tie.py.)"""

from __future__ import annotations

import re
from pathlib import Path

from extract.arcgis.config import CANONICAL_FIELDS, CAPACITY_FIELDS

MACROS = Path(__file__).resolve().parents[2] / "dbt_project" / "macros"
MACRO = re.compile(r"\{%-?\s*macro\s+(\w+)\(\)\s*-?%\}(.*?)\{%-?\s*endmacro\s*-?%\}", re.DOTALL)
RETURN = re.compile(r"\{\{\s*return\((.*)\)\s*\}\}", re.DOTALL)
# A returned list is built of literal lists and calls of other list macros, joined by +.
PART = re.compile(r"\s*(?:\[([^\]]*)\]|(\w+)\(\))\s*(\+|$)")


def macro_lists(path: Path) -> dict[str, list[str]]:
    """Every argument-free macro of `path` that returns a list, evaluated."""
    bodies = {name: RETURN.search(body) for name, body in MACRO.findall(path.read_text())}
    lists: dict[str, list[str]] = {}

    def evaluate(name: str) -> list[str]:
        if name not in lists:
            text, values, at = bodies[name].group(1).strip(), [], 0
            while at < len(text):
                part = PART.match(text, at)
                assert part, f"{path.name}: {name}() returns something other than lists: {text!r}"
                literal, call = part.group(1), part.group(2)
                values += re.findall(r"'([^']*)'", literal) if literal is not None else (
                    evaluate(call))
                at = part.end()
            lists[name] = values
        return lists[name]

    for name, body in bodies.items():
        if body is not None:
            evaluate(name)
    return lists


def test_the_sql_canonical_fields_are_exactly_the_config_canonical_fields_in_order():
    lists = macro_lists(MACROS / "hosting_capacity_fields.sql")
    assert lists["canonical_fields"] and len(set(lists["canonical_fields"])) == len(
        lists["canonical_fields"])
    assert sorted(lists["canonical_fields"]) == sorted(CANONICAL_FIELDS)


def test_the_sql_capacity_fields_are_the_config_fields_converted_to_mw():
    lists = macro_lists(MACROS / "hosting_capacity_fields.sql")
    assert sorted(lists["canonical_capacity_fields"]) == sorted(CAPACITY_FIELDS)
    assert not set(lists["canonical_text_fields"]) & set(CAPACITY_FIELDS)
    assert not set(lists["canonical_flag_fields"]) & set(CAPACITY_FIELDS)


def test_a_field_added_on_one_side_only_would_be_caught(tmp_path):
    text = (MACROS / "hosting_capacity_fields.sql").read_text()
    widened = tmp_path / "fields.sql"
    widened.write_text(text.replace("'is_overhead', 'is_network'",
                                    "'is_overhead', 'is_network', 'is_underground'"))
    lists = macro_lists(widened)
    assert "is_underground" in lists["canonical_fields"]
    assert sorted(lists["canonical_fields"]) != sorted(CANONICAL_FIELDS)
