"""The keys of a utility config file and the rule for each, as pydantic models.

Where each rule lives: on the field of the key it checks. A rule that is one test is a `_rule`
in the field's annotation; any other is a validator named after the key. The models:
- `UtilityFile`: the top-level keys (code, name, states, auth, the top-level service_url...).
  Its `_layers_inherit_top_level_keys` turns the layer keys written at the top level into
  its layers: the one layer of a single-layer file, or defaults of every `layers:` entry;
- `LayerEntry`: the keys of one layer (service_url, field_map, units, sentinels...), with
  the rules tying a key to the layer's field_map or capacity_kind;
- `ValueLists`, `EvidenceEntry`, `FactEntry`, `TermsEntry`: the nested mappings.

Every model refuses unknown keys. A validator that finds several problems raises them together
(`_fail`), so a file's problems are all listed in one pass; `problems_of` turns them into
(file, key, why) keyed as users write keys: `layers[1].field_map.HC_KW`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, ClassVar

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from extract.configfile import ConfigProblem, check_url, error_reason

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

CODE_PATTERN = re.compile(r"^[a-z0-9_]+$")
STATE_PATTERN = re.compile(r"^[A-Z]{2}$")
# The layer index goes in layer_index: a service URL ends at the service type.
SERVICE_URL_PATTERN = re.compile(r"/rest/services/.+/(FeatureServer|MapServer)/?$")
QUARTERLY_PLACEHOLDERS = ("{month}", "{year}")
ENV_NAME_PATTERN = re.compile(r"^[A-Z_][A-Z0-9_]*$")
HEADER_NAME_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9-]*$")
FORBIDDEN_HEADERS = ("authorization", "cookie", "host", "user-agent")
DATE_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}$")

# Layer keys a file may write at its top level (its service_url and notes are its own too).
TOP_LEVEL_LAYER_KEYS = (
    "layer_index", "page_size", "out_sr", "capacity_unit", "url_discovery_method",
    "url_pattern", "field_map", "where", "hosting_capacity_semantics", "capacity_kind",
    "paging", "row_grain", "sentinels", "censored_at", "field_units", "text_values",
    "value_lists", "request_headers", "evidence",
)  # fmt: skip
# A missing one of these is reported as such: the other keys of a layer have defaults.
LAYER_REQUIRED_KEYS = ("service_url", "layer_index", "field_map", "capacity_unit")


def _fail(problems: list[tuple[tuple[str | int, ...], str]], value: object) -> None:
    """Raise every (key path below the validated key, why) at once: one ValueError would
    report only the first."""
    if problems:
        raise ValidationError.from_exception_data("config", [
            InitErrorDetails(type=PydanticCustomError("config", "{why}", {"why": why}),
                             loc=loc, input=value)
            for loc, why in problems])


def _rule(ok: Callable[[object], bool], why: str, empty: object = None) -> BeforeValidator:
    """A key's rule: a value failing `ok` is reported as `why`, which may quote the value as
    {value!r}. Given `empty`, a null or empty value reads as `empty`."""
    def check(value: object) -> object:
        value = empty if empty is not None and not value else value
        if not ok(value):
            raise ValueError(why.format(value=value))
        return value
    return BeforeValidator(check)


def _is_text(value: object) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _is_list_of_texts(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _matches(pattern: re.Pattern[str], null: bool = False) -> Callable[[object], bool]:
    return lambda value: (null and value is None) or (
        isinstance(value, str) and bool(pattern.match(value)))


def _one_of(choices: tuple[str, ...]) -> BeforeValidator:
    return _rule(lambda value: value in choices, "{value!r} is not one of " + ", ".join(choices))


def _integer(low: int) -> BeforeValidator:
    return _rule(lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= low,
                 f"must be an integer >= {low}, got {{value!r}}")


Text = Annotated[str, _rule(_is_text, "must be a non-empty string")]
OptionalText = Annotated[str | None, _rule(lambda v: v is None or _is_text(v),
                                           "must be a non-empty string or null")]
Code = Annotated[str, _rule(_matches(CODE_PATTERN), "must match [a-z0-9_]+")]


class _Mapping(BaseModel):
    """A YAML mapping whose keys are all declared: an unknown key is a typo."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    not_a_mapping: ClassVar[str] = "must be a mapping"

    @model_validator(mode="before")
    @classmethod
    def _must_be_a_mapping(cls, data: object) -> object:
        if not isinstance(data, dict):
            raise ValueError(cls.not_a_mapping)
        return data


class FactEntry(_Mapping):
    """Where one fact comes from: {source, date} or {unverified: why}."""

    not_a_mapping = "must be {source: ..., date: YYYY-MM-DD} or {unverified: why}"

    unverified: Annotated[str | None, _rule(lambda v: v is None or _is_text(v),
                                            "must say why the fact is not verified")] = None
    source: str | None = Field(None, validate_default=True)
    date: str | None = Field(None, validate_default=True)
    type: str | None = None  # the field's esri type as the source recorded it
    note: str | None = None

    # source and date come after unverified: a fact not verified needs neither.
    @field_validator("source", mode="before")
    @classmethod
    def _source(cls, value: object, info: ValidationInfo) -> object:
        if _is_verified_fact(info) and not _is_text(value):
            raise ValueError("must name the source (repository:path@commit or URL)")
        return value

    @field_validator("date", mode="before")
    @classmethod
    def _date(cls, value: object, info: ValidationInfo) -> object:
        value = value.isoformat() if hasattr(value, "isoformat") else value  # an unquoted date
        if _is_verified_fact(info) and not (isinstance(value, str) and DATE_PATTERN.match(value)):
            raise ValueError("must be the date the source saw it, YYYY-MM-DD")
        return value


def _is_verified_fact(info: ValidationInfo) -> bool:
    """A fact claiming a source: `unverified` is absent (a bad `unverified` is its own
    problem, and still says the fact is not verified)."""
    return "unverified" in info.data and info.data["unverified"] is None


class EvidenceEntry(_Mapping):
    """The sources of a layer's URL, unit, row grain and fields, and the conflicts between
    sources the config resolved."""

    not_a_mapping = "must be a mapping with url, unit, fields"

    url: FactEntry | None = None
    unit: FactEntry | None = None
    row_grain: FactEntry | None = None
    fields: dict[str, FactEntry | None] = {}
    conflicts: Annotated[tuple[str, ...],
                         _rule(_is_list_of_texts, "must be a list of texts", empty=[])] = ()

    @field_validator("fields", mode="before")
    @classmethod
    def _fields(cls, value: object) -> object:
        value = value or {}
        if not isinstance(value, dict):
            raise ValueError("must map source fields to facts")
        return {str(name): fact for name, fact in value.items()}


SourceFields = Annotated[tuple[str, ...],
                         _rule(_is_list_of_texts, "must be a list of source fields", empty=[])]


class ValueLists(_Mapping):
    """Fields holding comma lists: `aligned` ones split into one record per item,
    `unattributable` ones name no single item (NULL)."""

    not_a_mapping = ("must be a mapping with a `separator` and lists `aligned` and/or "
                     "`unattributable` of source fields")

    separator: str
    aligned: SourceFields = ()
    unattributable: SourceFields = ()

    @model_validator(mode="before")
    @classmethod
    def _needs_a_separator(cls, data: object) -> object:
        if isinstance(data, dict) and not (isinstance(data.get("separator"), str)
                                           and data["separator"]):
            raise ValueError(cls.not_a_mapping)
        return data


def _source_field_name_problem(name: object) -> str | None:
    if not isinstance(name, str) or not name.strip():
        return "source field names must be non-empty strings"
    if len(name) > 128 or any(ord(ch) < 32 for ch in name):
        return f"source field name {name!r} is too long or has control characters"
    return None


def _service_form_problem(url: str) -> str | None:
    if SERVICE_URL_PATTERN.search(url):
        return None
    return ("must be an ArcGIS service URL ending in /FeatureServer or /MapServer "
            "(the layer number goes in layer_index)")


def _sentinel_values(item: object) -> tuple[str, ...]:
    items = item if isinstance(item, list) else [item]
    if not items or not all(isinstance(v, int | float | str) and not isinstance(v, bool)
                            for v in items):
        raise ValueError("must be a value or a list of values (numbers or texts) meaning "
                         "'not measured'")
    return tuple(str(v) for v in items)


def _ceiling(item: object) -> float:
    if isinstance(item, bool) or not isinstance(item, int | float) or item <= 0:
        raise ValueError("must be a positive number: the study's ceiling in the field's unit")
    return float(item)


def _unit(item: object) -> str:
    if item not in CAPACITY_UNITS:
        raise ValueError(f"{item!r} is not one of {', '.join(CAPACITY_UNITS)}")
    return str(item)


# Per mapped-field option: how one value is read.
MAPPED_FIELD_VALUES: dict[str, Callable[[object], object]] = {
    "sentinels": _sentinel_values, "censored_at": _ceiling, "field_units": _unit}


@dataclass(frozen=True)
class _Inherited:
    """The top-level service_url as a layer inherits it: checked once, at the top level, so
    that three layers sharing one bad URL make one problem, not three."""

    url: object


class LayerEntry(_Mapping):
    """One layer: an entry of `layers:`, or the top level of a single-layer file, with the
    top-level layer keys it inherits. A field is declared after the fields its rule reads
    (`info.data`); a rule reading the field_map waits until the field_map itself is valid,
    so one broken field_map is not reported again under every key naming its fields."""

    name: Code
    service_url: str
    layer_index: Annotated[int, _integer(low=0)]
    capacity_kind: Annotated[str, _one_of(CAPACITY_KINDS)] = "generation"
    field_map: dict[str, str]  # source field -> canonical field
    capacity_unit: Annotated[str, _one_of(CAPACITY_UNITS)]
    page_size: Annotated[int, _integer(low=1)] = 2000
    out_sr: Annotated[int, _integer(low=1)] = 4326
    where: Annotated[str, _rule(_is_text, "must be a non-empty SQL-92 where clause")] = "1=1"
    hosting_capacity_semantics: Annotated[str, _one_of(SEMANTICS)] = "gross"
    paging: Annotated[str, _one_of(PAGING_MODES)] = "auto"
    url_discovery_method: Annotated[str, _one_of(DISCOVERY_METHODS)] = "static"
    url_pattern: str | None = Field(None, validate_default=True)
    row_grain: Annotated[str, _one_of(ROW_GRAINS)] = "unknown"
    sentinels: dict[str, tuple[str, ...]] = {}
    censored_at: dict[str, float] = {}
    field_units: dict[str, str] = {}
    text_values: dict[str, float] = {}
    value_lists: ValueLists | None = None
    request_headers: dict[str, str] = {}
    evidence: EvidenceEntry | None = None
    notes: str | None = None

    @field_validator("service_url", mode="before")
    @classmethod
    def _service_url(cls, value: object) -> object:
        if isinstance(value, _Inherited):
            return value.url if isinstance(value.url, str) else ""
        if why := check_url(value) or _service_form_problem(value):
            raise ValueError(why)
        return value

    @field_validator("field_map", mode="before")
    @classmethod
    def _field_map(cls, value: object, info: ValidationInfo) -> object:
        if not isinstance(value, dict) or not value:
            raise ValueError("must be a non-empty mapping of source field -> canonical field")
        problems = []
        for source, canonical in value.items():
            if why := _source_field_name_problem(source):
                problems.append(((), why))
            if not isinstance(canonical, str) or canonical not in CANONICAL_FIELDS:
                problems.append(((str(source),), f"unknown canonical field {canonical!r}"))
        # str(): a list or mapping given as target must not crash the duplicate check
        targets = [str(t) for t in value.values()]
        problems += [((), f"canonical field {canonical!r} is mapped twice")
                     for canonical in sorted({t for t in targets if targets.count(t) > 1})]
        kind = info.data.get("capacity_kind", "generation")
        other = "load" if kind == "generation" else "generation"
        if SECOND_KIND_FIELDS[other] in targets:
            problems.append(((), f"maps {SECOND_KIND_FIELDS[kind]!r}'s twin of its own kind: "
                             f"a {kind} layer's own capacity is hosting_capacity_mw"))
        _fail(problems, value)
        return {str(k): str(v) for k, v in value.items()}

    @field_validator("url_pattern", mode="before")
    @classmethod
    def _url_pattern(cls, pattern: object, info: ValidationInfo) -> object:
        """What finds the service's current name when url_discovery_method is not static."""
        method = info.data.get("url_discovery_method", "static")
        if method == "static":
            return pattern if isinstance(pattern, str) else None  # not read
        if not isinstance(pattern, str) or not pattern:
            raise ValueError(f"required when url_discovery_method is {method}")
        if method == "catalog_scan":
            try:
                re.compile(pattern)
            except re.error as error:
                raise ValueError(f"not a valid regular expression: {error}") from None
            return pattern
        if missing := [p for p in QUARTERLY_PLACEHOLDERS if p not in pattern]:
            raise ValueError(f"a quarterly_name pattern needs {' and '.join(missing)}, "
                             "e.g. Name_{month}{year}")
        try:
            pattern.format(month="MAR", year=2026)
        except (KeyError, IndexError, ValueError) as error:
            raise ValueError(f"only {{month}} and {{year}} may appear in braces ({error})"
                             ) from None
        return pattern

    @field_validator("sentinels", "censored_at", "field_units", mode="before")
    @classmethod
    def _mapped_field_values(cls, value: object, info: ValidationInfo) -> object:
        """A mapping keyed by source fields of the field_map."""
        value = value or {}
        if not isinstance(value, dict):
            raise ValueError("must be a mapping of source field -> value")
        field_map = info.data.get("field_map")
        read, parsed, problems = MAPPED_FIELD_VALUES[info.field_name], {}, []
        for source, item in value.items():
            if field_map is not None and source not in field_map:
                problems.append(((str(source),), "names a field the field_map does not map"))
                continue
            try:
                parsed[str(source)] = read(item)
            except ValueError as error:
                problems.append(((str(source),), str(error)))
        _fail(problems, value)
        return parsed

    @field_validator("text_values", mode="before")
    @classmethod
    def _text_values(cls, value: object) -> object:
        value = value or {}
        if not isinstance(value, dict) or not all(
                isinstance(k, str) and isinstance(v, int | float) and not isinstance(v, bool)
                for k, v in value.items()):
            raise ValueError("must map published texts to numbers, e.g. 'NO CAPACITY': 0")
        return {k.strip().upper(): float(v) for k, v in value.items()}

    @field_validator("value_lists")
    @classmethod
    def _lists_of_mapped_fields(cls, value: ValueLists | None, info: ValidationInfo
                                ) -> ValueLists | None:
        field_map = info.data.get("field_map")
        if value is not None and field_map is not None:
            _fail([((key,), f"{name!r} is not in the field_map")
                   for key in ("aligned", "unattributable")
                   for name in getattr(value, key) if name not in field_map], value)
        return value

    @field_validator("request_headers", mode="before")
    @classmethod
    def _request_headers(cls, value: object) -> object:
        value = value or {}
        if not isinstance(value, dict):
            raise ValueError("must be a mapping of header name -> value")
        problems = []
        for name, text in value.items():
            if not isinstance(name, str) or not HEADER_NAME_PATTERN.match(name):
                problems.append(((), f"{name!r} is not a header name"))
            elif name.lower() in FORBIDDEN_HEADERS:
                problems.append(((name,), "not settable here: credentials go in "
                                 "auth_token_env, and the extractor always names itself in "
                                 "User-Agent"))
            elif not isinstance(text, str) or any(ord(ch) < 32 for ch in text):
                problems.append(((name,), "must be a one-line string"))
        _fail(problems, value)
        return value


class TermsEntry(_Mapping):
    """The publisher's stated terms of use and the credit it asks for, exactly."""

    not_a_mapping = "must be a mapping with attribution and/or terms"

    attribution: str | None = None
    terms: str | None = None
    source: str | None = None  # where the terms are stated

    @field_validator("attribution", "terms", mode="before")
    @classmethod
    def _stripped_text(cls, value: object) -> object:
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            raise ValueError("must be a non-empty string")
        return value.strip()


class UtilityFile(_Mapping):
    """One `configs/utilities/<utility_code>.yaml`; validate it with context={"path": path}
    (the utility_code must name the file)."""

    utility_code: str
    utility_name: Text
    parent_company: OptionalText = None
    iso_id: Annotated[str | None, _rule(_matches(CODE_PATTERN, null=True), "{value!r} must be a "
                                        "lowercase ISO id (caiso, pjm...) or null")] = None
    states: Annotated[tuple[str, ...], _rule(_is_list_of_texts, "must be a list of two-letter "
                                             "state codes, e.g. [CA]")]
    data_source_type: Annotated[str, _one_of(DATA_SOURCE_TYPES)]
    requires_auth: Annotated[bool, _rule(lambda v: isinstance(v, bool), "must be true or false")]
    auth_token_env: Annotated[str | None, _rule(_matches(ENV_NAME_PATTERN, null=True), "must name "
                                                "an environment variable (A-Z, 0-9, _)")] = None
    service_url: str | None = None
    notes: OptionalText = None
    # A bare string would otherwise become a tuple of its characters.
    catalog_entries: Annotated[tuple[str, ...], _rule(
        lambda v: _is_list_of_texts(v) and all(v), "must be a list of catalog rows like "
        "'CA PG&E'", empty=[])] = ()
    terms: TermsEntry | None = None
    layers: tuple[LayerEntry, ...] = ()

    @model_validator(mode="before")
    @classmethod
    def _layers_inherit_top_level_keys(cls, data: object) -> object:
        """A single-layer file writes its layer's keys at the top level; a multi-layer file
        lists `layers:`, whose entries inherit the top-level layer keys and may override
        them. An ArcGIS file without field_map or layer_index has no layer yet (listed, not
        supported), and a file of another source type has none: its layer keys are not
        read."""
        if not isinstance(data, dict):
            return data
        top = {k: v for k, v in data.items() if k not in TOP_LEVEL_LAYER_KEYS and k != "layers"}
        if data.get("data_source_type") not in ARCGIS_SOURCE_TYPES:
            return top
        inherited = {k: v for k, v in data.items() if k in TOP_LEVEL_LAYER_KEYS}
        if data.get("service_url") is not None:
            inherited["service_url"] = _Inherited(data["service_url"])
        if "layers" in data:
            layers = data["layers"]
            top["layers"] = [{**inherited, **layer} if isinstance(layer, dict) else layer
                             for layer in layers] if isinstance(layers, list) else layers
        elif "field_map" in data or "layer_index" in data:
            top["layers"] = [{"name": "primary", **inherited}]
        return top

    @field_validator("utility_code", mode="before")
    @classmethod
    def _code_names_the_file(cls, code: object, info: ValidationInfo) -> object:
        path: Path = info.context["path"]
        if not isinstance(code, str) or not CODE_PATTERN.match(code):
            raise ValueError(f"{code!r} must be lowercase [a-z0-9_]+")
        if code != path.stem:
            raise ValueError(f"{code!r} differs from the file name {path.name!r}; rename the "
                             f"file to {code}.yaml or fix the code")
        return code

    @field_validator("states")
    @classmethod
    def _states(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        _fail([((), f"{state!r} is not a two-letter uppercase state code")
               for state in value if not STATE_PATTERN.match(state)], value)
        return value

    @field_validator("service_url", mode="before")
    @classmethod
    def _service_url(cls, value: object, info: ValidationInfo) -> object:
        """Checked here once for every layer that inherits it."""
        if value is None:
            return None
        why = check_url(value)
        if not why and info.data.get("data_source_type") in ARCGIS_SOURCE_TYPES:
            why = _service_form_problem(value)
        if why:
            raise ValueError(why)
        return value

    @field_validator("layers", mode="before")
    @classmethod
    def _layer_list(cls, value: object) -> object:
        if not isinstance(value, list) or not value:
            raise ValueError("must be a non-empty list of layer mappings")
        return value

    @field_validator("layers")
    @classmethod
    def _unique_layer_names(cls, layers: tuple[LayerEntry, ...]) -> tuple[LayerEntry, ...]:
        names = [layer.name for layer in layers]
        _fail([((), f"layer name {name!r} is used twice")
               for name in sorted({n for n in names if names.count(n) > 1})], layers)
        return layers


def problems_of(error: ValidationError, file: Path, single_layer: bool
                ) -> list[ConfigProblem]:
    """Every error of one file as (file, key, why), keyed as the user wrote the key."""
    problems = []
    for item in error.errors():
        loc = item["loc"]
        layer_key = loc[2:] if loc[:1] == ("layers",) and len(loc) > 2 else ()
        if single_layer and layer_key:
            loc = layer_key  # the one layer's keys are the file's top-level keys
        why = error_reason(item)
        if item["type"] == "missing" and len(layer_key) == 1 and (
                layer_key[0] in LAYER_REQUIRED_KEYS):
            why = "missing required key for an ArcGIS layer"
        problems.append(ConfigProblem(str(file), _key(loc), why))
    return problems


def _key(loc: tuple[str | int, ...]) -> str:
    """('layers', 1, 'field_map', 'HC_KW') -> 'layers[1].field_map.HC_KW'."""
    parts: list[str] = []
    for part in loc:
        if isinstance(part, int) and parts == ["layers"]:
            parts[0] += f"[{part}]"
        else:
            parts.append(str(part))
    return ".".join(parts) or "(file)"
