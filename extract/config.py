"""Utility configs (`configs/utilities/*.yaml`): the one source of truth for what we extract.

A config is validated as a whole and every problem is reported as (file, key, why), so a
user fixes all typos in one pass. The dbt project reads these same objects (Python models
in dbt_project/models/staging/configs) so field maps never get copied into SQL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import yaml

CANONICAL_FIELDS = (
    "feeder_id_external", "feeder_name", "substation_name",
    "hosting_capacity_mw", "hosting_capacity_min_mw", "hosting_capacity_max_mw",
    "load_capacity_mw", "generation_capacity_peak_mw", "generation_capacity_offpeak_mw",
    "installed_dg_mw", "queued_dg_mw", "remaining_capacity_mw",
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
CAPACITY_UNITS = ("kw", "mw")
CAPACITY_KINDS = ("generation", "load")
SEMANTICS = ("gross", "net")
PAGING_MODES = ("auto", "offset", "object_ids")

UTILITY_KEYS = {
    "utility_code", "utility_name", "parent_company", "iso_id", "states", "data_source_type",
    "requires_auth", "service_url", "layer_index", "page_size", "out_sr", "capacity_unit",
    "url_discovery_method", "url_pattern", "field_map", "layers", "where", "auth_token_env",
    "notes", "hosting_capacity_semantics", "capacity_kind", "paging", "catalog_entries",
}
REQUIRED_KEYS = ("utility_code", "utility_name", "states", "data_source_type", "requires_auth")
LAYER_KEYS = {
    "name", "service_url", "layer_index", "page_size", "out_sr", "capacity_unit", "field_map",
    "where", "hosting_capacity_semantics", "capacity_kind", "paging", "url_discovery_method",
    "url_pattern", "notes",
}
CODE_PATTERN = re.compile(r"^[a-z0-9_]+$")
STATE_PATTERN = re.compile(r"^[A-Z]{2}$")
# The layer index goes in layer_index: a service URL ends at the service type.
SERVICE_URL_PATTERN = re.compile(r"/rest/services/.+/(FeatureServer|MapServer)/?$")
QUARTERLY_PLACEHOLDERS = ("{month}", "{year}")
ENV_NAME_PATTERN = re.compile(r"^[A-Z_][A-Z0-9_]*$")
LOCAL_HOSTS = ("127.0.0.1", "localhost")


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

    @property
    def layer_url(self) -> str:
        return f"{self.service_url.rstrip('/')}/{self.layer_index}"


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


@dataclass(frozen=True)
class ConfigProblem:
    file: str
    key: str
    why: str

    def __str__(self) -> str:
        return f"{self.file}: {self.key}: {self.why}"


class ConfigError(Exception):
    def __init__(self, problems: list[ConfigProblem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def first_line(text: str | None) -> str:
    return (text or "").strip().splitlines()[0].strip() if (text or "").strip() else ""


def check_url(url: object) -> str | None:
    """Why `url` is not acceptable, or None. Plain http only for local replicas."""
    if not isinstance(url, str) or not url:
        return "must be a non-empty URL string"
    if url != url.strip() or any(ch.isspace() or ord(ch) < 32 for ch in url):
        return f"{url!r} contains spaces or control characters"
    parts = urlsplit(url)
    if parts.username or parts.password:
        return "must not embed credentials; name a token variable in auth_token_env"
    if parts.query or parts.fragment:
        return "must not carry a query string or fragment (tokens go in auth_token_env)"
    if parts.scheme == "https" and parts.hostname:
        return None
    if parts.scheme == "http" and parts.hostname in LOCAL_HOSTS:
        return None
    if parts.scheme == "http":
        return f"plain http is only accepted for {', '.join(LOCAL_HOSTS)}; use https"
    return f"not an http(s) URL: {url!r}"


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
    return LayerConfig(
        name=name if isinstance(name, str) else default_name,
        service_url=service_url,
        layer_index=check.integer(merged, "layer_index", 0, at),
        field_map=field_map,
        capacity_unit=check.choice(merged, "capacity_unit", CAPACITY_UNITS, "kw", at),
        page_size=check.integer(merged, "page_size", 2000, at, low=1),
        out_sr=check.integer(merged, "out_sr", 4326, at, low=1),
        where=where if isinstance(where, str) else "1=1",
        capacity_kind=check.choice(merged, "capacity_kind", CAPACITY_KINDS, "generation", at),
        hosting_capacity_semantics=check.choice(
            merged, "hosting_capacity_semantics", SEMANTICS, "gross", at),
        paging=check.choice(merged, "paging", PAGING_MODES, "auto", at),
        url_discovery_method=discovery,
        url_pattern=merged.get("url_pattern") if isinstance(merged.get("url_pattern"), str)
        else None,
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


class _StrictLoader(yaml.SafeLoader):
    """PyYAML keeps the last of two equal keys silently: a field_map line would vanish."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if not isinstance(key, str | int | float | bool):
                continue  # unhashable keys are reported by the checks that follow
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def load_config_file(path: Path) -> tuple[UtilityConfig | None, list[ConfigProblem]]:
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_StrictLoader)  # a SafeLoader
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "(file)"
        why = " ".join(str(error).split())
        return None, [ConfigProblem(str(path), where, f"not valid YAML: {why}")]
    except (OSError, UnicodeDecodeError) as error:
        return None, [ConfigProblem(str(path), "(file)", f"cannot read: {error}")]
    return parse_config(data, path)


def is_config_file(path: Path) -> bool:
    return path.is_file() and path.suffix in (".yaml", ".yml")


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
