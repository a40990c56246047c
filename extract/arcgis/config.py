"""Utility configs (`configs/utilities/*.yaml`): the one source of truth for what we extract.

A config is validated as a whole and every problem is reported as (file, key, why), so a
user fixes all typos in one pass. The dbt project reads these same objects (Python models
in dbt_project/models/staging/configs) so field maps never get copied into SQL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from extract.configfile import ConfigProblem, check_url, is_config_file, read_yaml

CANONICAL_FIELDS = (
    "feeder_id_external", "feeder_name", "substation_name",
    "hosting_capacity_mw", "hosting_capacity_min_mw", "hosting_capacity_max_mw",
    "load_capacity_mw", "generation_capacity_peak_mw", "generation_capacity_offpeak_mw",
    "installed_dg_mw", "queued_dg_mw", "remaining_capacity_mw", "generation_capacity_mw",
    "constraining_metric", "voltage_kv", "phase_config", "is_overhead", "is_network",
    "record_date",
)  # fmt: skip
# Canonical fields measured in the layer's capacity_unit (converted to MW downstream).
CAPACITY_FIELDS = tuple(f for f in CANONICAL_FIELDS if f.endswith("_mw"))

DATA_SOURCE_TYPES = (
    "arcgis_feature", "arcgis_map", "exelon", "xcel", "custom", "custom_auth", "unavailable",
)  # fmt: skip
ARCGIS_SOURCE_TYPES = ("arcgis_feature", "arcgis_map", "exelon", "xcel")
DISCOVERY_METHODS = ("static", "quarterly_name", "catalog_scan")
CAPACITY_UNITS = ("kw", "mw", "kva", "mva")
CAPACITY_KINDS = ("generation", "load")
# What one row of a layer is: feeders roll up distinct feeder ids, never rows.
ROW_GRAINS = ("line_section", "feeder", "grid_cell", "dissolved_multipart", "point", "bus",
              "vertex", "unknown")
# The canonical field holding the *other* kind's capacity when one row carries both.
SECOND_KIND_FIELDS = {"generation": "load_capacity_mw", "load": "generation_capacity_mw"}
SEMANTICS = ("gross", "net")
PAGING_MODES = ("auto", "offset", "object_ids")

UTILITY_KEYS = {
    "utility_code", "utility_name", "parent_company", "iso_id", "states", "data_source_type",
    "requires_auth", "service_url", "layer_index", "page_size", "out_sr", "capacity_unit",
    "url_discovery_method", "url_pattern", "field_map", "layers", "where", "auth_token_env",
    "notes", "hosting_capacity_semantics", "capacity_kind", "paging", "catalog_entries",
    "row_grain", "sentinels", "censored_at", "field_units", "text_values", "value_lists",
    "request_headers", "evidence", "terms",
}
REQUIRED_KEYS = ("utility_code", "utility_name", "states", "data_source_type", "requires_auth")
LAYER_KEYS = {
    "name", "service_url", "layer_index", "page_size", "out_sr", "capacity_unit", "field_map",
    "where", "hosting_capacity_semantics", "capacity_kind", "paging", "url_discovery_method",
    "url_pattern", "notes", "row_grain", "sentinels", "censored_at", "field_units",
    "text_values", "value_lists", "request_headers", "evidence",
}
CODE_PATTERN = re.compile(r"^[a-z0-9_]+$")
STATE_PATTERN = re.compile(r"^[A-Z]{2}$")
# The layer index goes in layer_index: a service URL ends at the service type.
SERVICE_URL_PATTERN = re.compile(r"/rest/services/.+/(FeatureServer|MapServer)/?$")
QUARTERLY_PLACEHOLDERS = ("{month}", "{year}")
ENV_NAME_PATTERN = re.compile(r"^[A-Z_][A-Z0-9_]*$")


@dataclass(frozen=True)
class LayerConfig:
    """One ArcGIS layer of a utility (a DG map, an EV map...)."""

    name: str  # becomes source_layer in the warehouse
    service_url: str
    layer_index: int
    field_map: dict[str, str]  # source field -> canonical field
    capacity_unit: str = "kw"
    page_size: int = 2000
    out_sr: int = 4326
    where: str = "1=1"
    capacity_kind: str = "generation"
    hosting_capacity_semantics: str = "gross"  # net: hosting capacity already nets out DG
    paging: str = "auto"
    url_discovery_method: str = "static"
    url_pattern: str | None = None
    row_grain: str = "unknown"
    # source field -> values that mean "not measured" (-1, 'NA'): NULL, never a capacity
    sentinels: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # source field -> the study's ceiling in that field's unit: a value at it is a lower bound
    censored_at: dict[str, float] = field(default_factory=dict)
    field_units: dict[str, str] = field(default_factory=dict)  # source field -> its own unit
    text_values: dict[str, float] = field(default_factory=dict)  # 'NO CAPACITY' -> 0
    list_separator: str | None = None
    aligned_lists: tuple[str, ...] = ()  # comma lists split into one record per item
    unattributable_lists: tuple[str, ...] = ()  # a list here names no single item: NULL
    request_headers: dict[str, str] = field(default_factory=dict)
    evidence: Evidence | None = None
    declares_kind: bool = True  # False: capacity_kind absent, read as generation

    @property
    def layer_url(self) -> str:
        return f"{self.service_url.rstrip('/')}/{self.layer_index}"

    def unit_of(self, source_field: str) -> str:
        return self.field_units.get(source_field, self.capacity_unit)

    @property
    def capacity_kinds(self) -> tuple[str, ...]:
        """The layer's kind, and the other kind when one row carries both."""
        second = SECOND_KIND_FIELDS[self.capacity_kind]
        other = "load" if self.capacity_kind == "generation" else "generation"
        return (self.capacity_kind, other) if second in self.field_map.values() else (
            self.capacity_kind,)


@dataclass(frozen=True)
class Fact:
    """Where one fact of a config comes from: a source and the date it was seen, or why it
    is not verified."""

    source: str | None = None
    date: str | None = None
    unverified: str | None = None
    type: str | None = None  # the field's esri type as the source recorded it

    @property
    def is_verified(self) -> bool:
        return bool(self.source and self.date) and not self.unverified


@dataclass(frozen=True)
class Evidence:
    url: Fact | None = None
    unit: Fact | None = None
    row_grain: Fact | None = None
    fields: dict[str, Fact] = field(default_factory=dict)
    conflicts: tuple[str, ...] = ()

    def field_fact(self, name: str) -> Fact | None:
        return self.fields.get(name)


@dataclass(frozen=True)
class UtilityConfig:
    utility_code: str
    utility_name: str
    states: tuple[str, ...]
    data_source_type: str
    requires_auth: bool
    source_file: Path
    parent_company: str | None = None
    iso_id: str | None = None
    service_url: str | None = None
    auth_token_env: str | None = None
    notes: str | None = None
    layers: tuple[LayerConfig, ...] = ()
    catalog_entries: tuple[str, ...] = ()
    attribution: str | None = None  # the credit the publisher asks for, exactly
    terms: str | None = None  # stated terms of use (e.g. "not for redistribution")

    @property
    def is_supported(self) -> bool:
        return self.unsupported_reason is None

    @property
    def unsupported_reason(self) -> str | None:
        if self.data_source_type not in ARCGIS_SOURCE_TYPES:
            return f"{self.data_source_type}: {first_line(self.notes) or 'no ArcGIS endpoint'}"
        if not self.layers:
            return f"no layer configured: {first_line(self.notes) or 'field map unknown'}"
        if self.requires_auth and not self.auth_token_env:
            return "requires authentication and no auth_token_env is configured"
        return None


def first_line(text: str | None) -> str:
    return (text or "").strip().splitlines()[0].strip() if (text or "").strip() else ""


def check_source_field_name(name: object) -> str | None:
    if not isinstance(name, str) or not name.strip():
        return "source field names must be non-empty strings"
    if len(name) > 128 or any(ord(ch) < 32 for ch in name):
        return f"source field name {name!r} is too long or has control characters"
    return None


class _Checker:
    """Collects problems for one file instead of stopping at the first."""

    def __init__(self, file: str):
        self.file = file
        self.problems: list[ConfigProblem] = []

    def problem(self, key: str, why: str) -> None:
        self.problems.append(ConfigProblem(self.file, key, why))

    def choice(self, data: dict, key: str, choices: tuple[str, ...], default: str, at: str) -> str:
        value = data.get(key, default)
        if value not in choices:
            self.problem(f"{at}{key}", f"{value!r} is not one of {', '.join(choices)}")
            return default
        return value

    def integer(self, data: dict, key: str, default: int | None, at: str, low: int = 0) -> int:
        value = data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            self.problem(f"{at}{key}", f"must be an integer >= {low}, got {value!r}")
            return default or 0
        return value

    def unknown_keys(self, data: dict, allowed: set[str], at: str) -> None:
        for key in sorted(set(data) - allowed, key=str):
            self.problem(f"{at}{key}", "unknown key (typo?)")

    def field_map(self, value: object, at: str) -> dict[str, str]:
        if not isinstance(value, dict) or not value:
            self.problem(f"{at}field_map", "must be a non-empty mapping of source field -> "
                         "canonical field")
            return {}
        for source, canonical in value.items():
            why = check_source_field_name(source)
            if why:
                self.problem(f"{at}field_map", why)
            if not isinstance(canonical, str) or canonical not in CANONICAL_FIELDS:
                self.problem(f"{at}field_map.{source}",
                             f"unknown canonical field {canonical!r}")
        # str(): a list or mapping given as target must not crash the duplicate check
        targets = [str(t) for t in value.values()]
        for canonical in sorted({t for t in targets if targets.count(t) > 1}):
            self.problem(f"{at}field_map", f"canonical field {canonical!r} is mapped twice")
        return {str(k): str(v) for k, v in value.items()}

    def text(self, data: dict, key: str, nullable: bool = True) -> str | None:
        """A free-text value; absence is the required-keys check's business."""
        value = data.get(key)
        if key not in data or (value is None and nullable):
            return None
        if not isinstance(value, str) or not value.strip():
            self.problem(key, "must be a non-empty string" + (" or null" if nullable else ""))
            return None
        return value


def check_url_pattern(method: str, pattern: object) -> str | None:
    """Why `pattern` cannot drive `method`, or None."""
    if method == "static":
        return None
    if not isinstance(pattern, str) or not pattern:
        return f"required when url_discovery_method is {method}"
    if method == "quarterly_name":
        missing = [p for p in QUARTERLY_PLACEHOLDERS if p not in pattern]
        if missing:
            return (f"a quarterly_name pattern needs {' and '.join(missing)}, "
                    "e.g. Name_{month}{year}")
        try:
            pattern.format(month="MAR", year=2026)
        except (KeyError, IndexError, ValueError) as error:
            return f"only {{month}} and {{year}} may appear in braces ({error})"
        return None
    try:
        re.compile(pattern)
    except re.error as error:
        return f"not a valid regular expression: {error}"
    return None


def _check_layer_url(check: _Checker, layer: dict, base: dict, at: str) -> str:
    """The layer's service URL. An inherited top-level URL is checked once, by the caller, so
    that three layers sharing one bad URL make one line, not three."""
    if "service_url" not in layer:
        if "service_url" not in base:
            check.problem(f"{at}service_url", "missing required key for an ArcGIS layer")
        url = base.get("service_url")
        return url if isinstance(url, str) else ""
    url = layer["service_url"]
    why = check_url(url) or check_service_form(url)
    if why:
        check.problem(f"{at}service_url", why)
    return url if isinstance(url, str) else ""


def check_service_form(url: str) -> str | None:
    if SERVICE_URL_PATTERN.search(url):
        return None
    return ("must be an ArcGIS service URL ending in /FeatureServer or /MapServer "
            "(the layer number goes in layer_index)")


HEADER_NAME_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9-]*$")
FORBIDDEN_HEADERS = ("authorization", "cookie", "host", "user-agent")
DATE_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}$")
EVIDENCE_KEYS = {"url", "unit", "row_grain", "fields", "conflicts"}
FACT_KEYS = {"source", "date", "unverified", "type", "note"}


def _mapped_fields_option(check: _Checker, merged: dict, key: str, at: str,
                          field_map: dict[str, str], parse) -> dict:
    """A mapping keyed by source fields of the field_map (sentinels, censored_at...)."""
    value = merged.get(key) or {}
    if not isinstance(value, dict):
        check.problem(f"{at}{key}", "must be a mapping of source field -> value")
        return {}
    parsed = {}
    for source, item in value.items():
        if field_map and source not in field_map:
            check.problem(f"{at}{key}.{source}", "names a field the field_map does not map")
            continue
        result, why = parse(item)
        if why:
            check.problem(f"{at}{key}.{source}", why)
            continue
        parsed[str(source)] = result
    return parsed


def _sentinel_list(item: object) -> tuple[tuple[str, ...] | None, str | None]:
    items = item if isinstance(item, list) else [item]
    if not items or not all(isinstance(v, int | float | str) and not isinstance(v, bool)
                            for v in items):
        return None, "must be a value or a list of values (numbers or texts) meaning 'not measured'"
    return tuple(str(v) for v in items), None


def _ceiling(item: object) -> tuple[float | None, str | None]:
    if isinstance(item, bool) or not isinstance(item, int | float) or item <= 0:
        return None, "must be a positive number: the study's ceiling in the field's unit"
    return float(item), None


def _unit(item: object) -> tuple[str | None, str | None]:
    if item not in CAPACITY_UNITS:
        return None, f"{item!r} is not one of {', '.join(CAPACITY_UNITS)}"
    return str(item), None


def _text_values(check: _Checker, merged: dict, at: str) -> dict[str, float]:
    value = merged.get("text_values") or {}
    if not isinstance(value, dict) or not all(
            isinstance(k, str) and isinstance(v, int | float) and not isinstance(v, bool)
            for k, v in value.items()):
        check.problem(f"{at}text_values", "must map published texts to numbers, e.g. "
                      "'NO CAPACITY': 0")
        return {}
    return {k.strip().upper(): float(v) for k, v in value.items()}


def _value_lists(check: _Checker, merged: dict, at: str, field_map: dict[str, str]
                 ) -> tuple[str | None, tuple[str, ...], tuple[str, ...]]:
    value = merged.get("value_lists")
    if value is None:
        return None, (), ()
    if not isinstance(value, dict) or not isinstance(value.get("separator"), str) or not (
            value["separator"]):
        check.problem(f"{at}value_lists", "must be a mapping with a `separator` and lists "
                      "`aligned` and/or `unattributable` of source fields")
        return None, (), ()
    check.unknown_keys(value, {"separator", "aligned", "unattributable"}, f"{at}value_lists.")
    groups = []
    for key in ("aligned", "unattributable"):
        names = value.get(key) or []
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            check.problem(f"{at}value_lists.{key}", "must be a list of source fields")
            names = []
        for name in names:
            if name not in field_map:
                check.problem(f"{at}value_lists.{key}", f"{name!r} is not in the field_map")
        groups.append(tuple(n for n in names if n in field_map))
    return value["separator"], groups[0], groups[1]


def _headers(check: _Checker, merged: dict, at: str) -> dict[str, str]:
    value = merged.get("request_headers") or {}
    if not isinstance(value, dict):
        check.problem(f"{at}request_headers", "must be a mapping of header name -> value")
        return {}
    headers = {}
    for name, text in value.items():
        if not isinstance(name, str) or not HEADER_NAME_PATTERN.match(name):
            check.problem(f"{at}request_headers", f"{name!r} is not a header name")
        elif name.lower() in FORBIDDEN_HEADERS:
            check.problem(f"{at}request_headers.{name}",
                          "not settable here: credentials go in auth_token_env, and the "
                          "extractor always names itself in User-Agent")
        elif not isinstance(text, str) or any(ord(ch) < 32 for ch in text):
            check.problem(f"{at}request_headers.{name}", "must be a one-line string")
        else:
            headers[name] = text
    return headers


def _fact(check: _Checker, value: object, at: str) -> Fact | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        check.problem(at, "must be {source: ..., date: YYYY-MM-DD} or {unverified: why}")
        return None
    check.unknown_keys(value, FACT_KEYS, f"{at}.")
    date = value.get("date")
    date = date.isoformat() if hasattr(date, "isoformat") else date
    if value.get("unverified") is not None:
        if not isinstance(value["unverified"], str) or not value["unverified"].strip():
            check.problem(f"{at}.unverified", "must say why the fact is not verified")
        return Fact(source=value.get("source"), date=date,
                    unverified=str(value.get("unverified")), type=value.get("type"))
    if not isinstance(value.get("source"), str) or not value["source"].strip():
        check.problem(f"{at}.source", "must name the source (repository:path@commit or URL)")
    if not isinstance(date, str) or not DATE_PATTERN.match(date):
        check.problem(f"{at}.date", "must be the date the source saw it, YYYY-MM-DD")
        date = None
    return Fact(source=value.get("source"), date=date, type=value.get("type"))


def _evidence(check: _Checker, merged: dict, at: str) -> Evidence | None:
    value = merged.get("evidence")
    if value is None:
        return None
    if not isinstance(value, dict):
        check.problem(f"{at}evidence", "must be a mapping with url, unit, fields")
        return None
    check.unknown_keys(value, EVIDENCE_KEYS, f"{at}evidence.")
    fields = value.get("fields") or {}
    if not isinstance(fields, dict):
        check.problem(f"{at}evidence.fields", "must map source fields to facts")
        fields = {}
    conflicts = value.get("conflicts") or []
    if not isinstance(conflicts, list) or not all(isinstance(c, str) for c in conflicts):
        check.problem(f"{at}evidence.conflicts", "must be a list of texts")
        conflicts = []
    return Evidence(
        url=_fact(check, value.get("url"), f"{at}evidence.url"),
        unit=_fact(check, value.get("unit"), f"{at}evidence.unit"),
        row_grain=_fact(check, value.get("row_grain"), f"{at}evidence.row_grain"),
        fields={str(k): f for k, v in fields.items()
                if (f := _fact(check, v, f"{at}evidence.fields.{k}")) is not None},
        conflicts=tuple(conflicts))


def _parse_layer(check: _Checker, layer: dict, base: dict, at: str,
                 default_name: str = "primary") -> LayerConfig:
    check.unknown_keys(layer, LAYER_KEYS, at)
    merged = {**{k: v for k, v in base.items() if k in LAYER_KEYS}, **layer}
    service_url = _check_layer_url(check, layer, base, at)
    name = merged.get("name", default_name)
    if not isinstance(name, str) or not CODE_PATTERN.match(name):
        check.problem(f"{at}name", "must match [a-z0-9_]+")
    for key in ("layer_index", "field_map", "capacity_unit"):
        if key not in merged:
            check.problem(f"{at}{key}", "missing required key for an ArcGIS layer")
    where = merged.get("where", "1=1")
    if not isinstance(where, str) or not where.strip():
        check.problem(f"{at}where", "must be a non-empty SQL-92 where clause")
    discovery = check.choice(merged, "url_discovery_method", DISCOVERY_METHODS, "static", at)
    why = check_url_pattern(discovery, merged.get("url_pattern"))
    if why:
        check.problem(f"{at}url_pattern", why)
    field_map = check.field_map(merged.get("field_map"), at) if "field_map" in merged else {}
    capacity_kind = check.choice(merged, "capacity_kind", CAPACITY_KINDS, "generation", at)
    if field_map and SECOND_KIND_FIELDS["load" if capacity_kind == "generation"
                                        else "generation"] in field_map.values():
        check.problem(f"{at}field_map", f"maps {SECOND_KIND_FIELDS[capacity_kind]!r}'s twin "
                      f"of its own kind: a {capacity_kind} layer's own capacity is "
                      "hosting_capacity_mw")
    separator, aligned, unattributable = _value_lists(check, merged, at, field_map)
    return LayerConfig(
        name=name if isinstance(name, str) else default_name,
        service_url=service_url,
        layer_index=check.integer(merged, "layer_index", 0, at),
        field_map=field_map,
        capacity_unit=check.choice(merged, "capacity_unit", CAPACITY_UNITS, "kw", at),
        page_size=check.integer(merged, "page_size", 2000, at, low=1),
        out_sr=check.integer(merged, "out_sr", 4326, at, low=1),
        where=where if isinstance(where, str) else "1=1",
        capacity_kind=capacity_kind,
        hosting_capacity_semantics=check.choice(
            merged, "hosting_capacity_semantics", SEMANTICS, "gross", at),
        paging=check.choice(merged, "paging", PAGING_MODES, "auto", at),
        url_discovery_method=discovery,
        url_pattern=merged.get("url_pattern") if isinstance(merged.get("url_pattern"), str)
        else None,
        row_grain=check.choice(merged, "row_grain", ROW_GRAINS, "unknown", at),
        sentinels=_mapped_fields_option(check, merged, "sentinels", at, field_map,
                                        _sentinel_list),
        censored_at=_mapped_fields_option(check, merged, "censored_at", at, field_map,
                                          _ceiling),
        field_units=_mapped_fields_option(check, merged, "field_units", at, field_map, _unit),
        text_values=_text_values(check, merged, at),
        list_separator=separator,
        aligned_lists=aligned,
        unattributable_lists=unattributable,
        request_headers=_headers(check, merged, at),
        evidence=_evidence(check, merged, at),
        declares_kind="capacity_kind" in merged,
    )


def _check_code(check: _Checker, data: dict, path: Path) -> str:
    code = data.get("utility_code", path.stem)
    if not isinstance(code, str) or not CODE_PATTERN.match(code):
        check.problem("utility_code", f"{code!r} must be lowercase [a-z0-9_]+")
        return path.stem
    if code != path.stem:
        check.problem("utility_code", f"{code!r} differs from the file name {path.name!r}; "
                      f"rename the file to {code}.yaml or fix the code")
    return code


def _check_states(check: _Checker, data: dict) -> tuple[str, ...]:
    states = data.get("states", [])
    if not isinstance(states, list) or not all(isinstance(s, str) for s in states):
        check.problem("states", "must be a list of two-letter state codes, e.g. [CA]")
        return ()
    for state in states:
        if not STATE_PATTERN.match(state):
            check.problem("states", f"{state!r} is not a two-letter uppercase state code")
    return tuple(states)


def _check_iso(check: _Checker, data: dict) -> str | None:
    iso = data.get("iso_id")
    if iso is not None and not (isinstance(iso, str) and CODE_PATTERN.match(iso)):
        check.problem("iso_id", f"{iso!r} must be a lowercase ISO id (caiso, pjm...) or null")
        return None
    return iso


def _check_catalog_entries(check: _Checker, data: dict) -> tuple[str, ...]:
    entries = data.get("catalog_entries") or []
    # A bare string would otherwise become a tuple of its characters.
    if not isinstance(entries, list) or not all(isinstance(e, str) and e for e in entries):
        check.problem("catalog_entries", "must be a list of catalog rows like 'CA PG&E'")
        return ()
    return tuple(entries)


def _check_auth(check: _Checker, data: dict) -> tuple[bool, str | None]:
    requires_auth = data.get("requires_auth", False)
    if not isinstance(requires_auth, bool):
        check.problem("requires_auth", "must be true or false")
        requires_auth = False
    token_env = data.get("auth_token_env")
    if token_env is not None and not (isinstance(token_env, str)
                                      and ENV_NAME_PATTERN.match(token_env)):
        check.problem("auth_token_env", "must name an environment variable (A-Z, 0-9, _)")
        token_env = None
    return requires_auth, token_env


def _terms(check: _Checker, data: dict) -> dict[str, str]:
    value = data.get("terms")
    if value is None:
        return {}
    if not isinstance(value, dict):
        check.problem("terms", "must be a mapping with attribution and/or terms")
        return {}
    check.unknown_keys(value, {"attribution", "terms", "source"}, "terms.")
    found = {}
    for key in ("attribution", "terms"):
        if value.get(key) is not None:
            if not isinstance(value[key], str) or not value[key].strip():
                check.problem(f"terms.{key}", "must be a non-empty string")
            else:
                found[key] = value[key].strip()
    return found


def parse_config(data: object, path: Path) -> tuple[UtilityConfig | None, list[ConfigProblem]]:
    check = _Checker(str(path))
    if not isinstance(data, dict):
        check.problem("(file)", "must be a YAML mapping of keys to values, got "
                      f"{type(data).__name__ if data is not None else 'an empty file'}")
        return None, check.problems
    check.unknown_keys(data, UTILITY_KEYS, "")
    for key in REQUIRED_KEYS:
        if key not in data:
            check.problem(key, "missing required key")
    code = _check_code(check, data, path)
    source_type = check.choice(data, "data_source_type", DATA_SOURCE_TYPES, "unavailable", "")
    requires_auth, token_env = _check_auth(check, data)
    if data.get("service_url") is not None and check_url(data["service_url"]):
        check.problem("service_url", check_url(data["service_url"]))
    terms = _terms(check, data)
    layers: list[LayerConfig] = []
    if source_type in ARCGIS_SOURCE_TYPES:
        layers = _parse_layers(check, data)
    names = [layer.name for layer in layers]
    for name in sorted({n for n in names if names.count(n) > 1}):
        check.problem("layers", f"layer name {name!r} is used twice")
    config = UtilityConfig(
        utility_code=code,
        utility_name=check.text(data, "utility_name", nullable=False) or "",
        states=_check_states(check, data),
        data_source_type=source_type,
        requires_auth=requires_auth,
        source_file=path,
        parent_company=check.text(data, "parent_company"),
        iso_id=_check_iso(check, data),
        service_url=data.get("service_url") if isinstance(data.get("service_url"), str)
        else None,
        auth_token_env=token_env,
        notes=check.text(data, "notes"),
        layers=tuple(layers),
        catalog_entries=_check_catalog_entries(check, data),
        attribution=terms.get("attribution"),
        terms=terms.get("terms"),
    )
    return config, check.problems


def _parse_layers(check: _Checker, data: dict) -> list[LayerConfig]:
    url = data.get("service_url")
    if isinstance(url, str) and not check_url(url) and check_service_form(url):
        check.problem("service_url", check_service_form(url))
    if "layers" in data:
        if not isinstance(data["layers"], list) or not data["layers"]:
            check.problem("layers", "must be a non-empty list of layer mappings")
            return []
        layers = []
        for i, layer in enumerate(data["layers"]):
            if not isinstance(layer, dict):
                check.problem(f"layers[{i}]", "must be a mapping")
                continue
            if "name" not in layer:
                check.problem(f"layers[{i}].name", "missing required key")
            layers.append(_parse_layer(check, layer, data, f"layers[{i}].", f"layer_{i}"))
        return layers
    if "field_map" not in data and "layer_index" not in data:
        return []  # an ArcGIS utility whose fields are not known yet: listed, not supported
    return [_parse_layer(check, {}, data, "")]


def load_config_file(path: Path) -> tuple[UtilityConfig | None, list[ConfigProblem]]:
    data, problems = read_yaml(path)
    if problems:
        return None, problems
    return parse_config(data, path)


def load_utility_configs(config_dir: Path) -> tuple[list[UtilityConfig], list[ConfigProblem]]:
    """Every utility config in `config_dir/utilities`, and every problem found."""
    directory = config_dir / "utilities"
    configs: list[UtilityConfig] = []
    problems: list[ConfigProblem] = []
    if not directory.is_dir():
        return [], [ConfigProblem(str(directory), "(dir)", "no utilities config directory")]
    for path in sorted(directory.iterdir()):
        if not is_config_file(path):
            continue
        config, found = load_config_file(path)
        problems += found
        if config is not None:
            configs.append(config)
    return configs, problems + duplicate_code_problems(configs)


class InvalidConfigs(ValueError):
    """The configs cannot feed a build: missing, empty, or with problems."""


def load_configs_for_build(config_dir: Path) -> list[UtilityConfig]:
    """Every utility config, or an error naming every problem: a build must never publish
    marts with a utility silently missing because its file, or the folder, is broken."""
    configs, problems = load_utility_configs(config_dir)
    if not configs and not problems:
        problems = [ConfigProblem(str(config_dir / "utilities"), "(dir)",
                                  "no utility configs: set HC_CONFIG_DIR to your configs folder")]
    if problems:
        lines = "\n".join(f"  {problem}" for problem in problems)
        raise InvalidConfigs(f"{len(problems)} config problem(s); fix them (python -m extract "
                             f"validate-configs) before building:\n{lines}")
    return configs


def duplicate_code_problems(configs: list[UtilityConfig]) -> list[ConfigProblem]:
    """pge.yaml and pge.yml would both pass the file-name check."""
    files_by_code: dict[str, list[Path]] = {}
    for config in configs:
        files_by_code.setdefault(config.utility_code, []).append(config.source_file)
    problems = []
    for code, files in files_by_code.items():
        for file in files if len(files) > 1 else []:
            others = ", ".join(f.name for f in files if f != file)
            problems.append(ConfigProblem(str(file), "utility_code",
                                          f"duplicate code {code!r} (also in {others})"))
    return problems


def unverified_facts(config: UtilityConfig) -> list[ConfigProblem]:
    """Every fact of a supported config that no dated source backs, and every conflict the
    config resolved: warnings for `validate-configs`, never errors."""
    warnings = []
    file = str(config.source_file)

    def warn(key: str, why: str) -> None:
        warnings.append(ConfigProblem(file, key, why))

    for layer in config.layers:
        at = f"layer {layer.name}"
        evidence = layer.evidence or Evidence()
        if not layer.declares_kind:
            warn(f"{at}: capacity_kind", "not declared: read as generation")
        if layer.evidence is None:
            warn(at, "no evidence block: its URL, unit and fields are all unverified")
        for name, fact in (("url", evidence.url), ("unit", evidence.unit)):
            if fact is None:
                warn(f"{at}: evidence.{name}", "unverified: no source names it")
            elif not fact.is_verified:
                warn(f"{at}: evidence.{name}", f"unverified: {fact.unverified or 'no date'}")
        if layer.row_grain == "unknown":
            warn(f"{at}: row_grain", "unverified: no source says what one row is")
        elif evidence.row_grain is not None and not evidence.row_grain.is_verified:
            warn(f"{at}: evidence.row_grain", f"unverified: {evidence.row_grain.unverified}")
        for source in layer.field_map:
            fact = evidence.field_fact(source)
            if fact is None:
                warn(f"{at}: evidence.fields.{source}", "unverified: no source names this "
                     "field")
            elif not fact.is_verified:
                warn(f"{at}: evidence.fields.{source}",
                     f"unverified: {fact.unverified or 'no date'}")
        for conflict in evidence.conflicts:
            warn(f"{at}: conflict", conflict)
    return warnings
