"""Utility configs (`configs/utilities/*.yaml`): the one source of truth for what we extract.

A config is validated as a whole and every problem is reported as (file, key, why), so a
user fixes all typos in one pass. The keys and the rule for each are pydantic models in
extract/arcgis/config_model.py (its docstring says where each rule lives); this module turns
a valid file into the `UtilityConfig` and `LayerConfig` the extractor reads, loads the config
folder, and lists the facts no source backs. The dbt project reads these same objects (Python
models in dbt_project/models/staging/configs) so field maps never get copied into SQL.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from extract.arcgis.config_model import (
    ARCGIS_SOURCE_TYPES,
    CANONICAL_FIELDS,
    CAPACITY_FIELDS,
    DATA_SOURCE_TYPES,
    SECOND_KIND_FIELDS,
    EvidenceEntry,
    FactEntry,
    LayerEntry,
    TermsEntry,
    UtilityFile,
    problems_of,
)
from extract.configfile import ConfigProblem, is_config_file, read_yaml

__all__ = [
    "ARCGIS_SOURCE_TYPES", "CANONICAL_FIELDS", "CAPACITY_FIELDS", "DATA_SOURCE_TYPES",
    "Evidence", "Fact", "InvalidConfigs", "LayerConfig", "UtilityConfig",
    "duplicate_code_problems", "load_config_file", "load_configs_for_build",
    "load_utility_configs", "parse_config", "unverified_facts",
]


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


def parse_config(data: object, path: Path) -> tuple[UtilityConfig | None, list[ConfigProblem]]:
    """The config in `data` (read from `path`), or None and every problem found in it."""
    if not isinstance(data, dict):
        return None, [ConfigProblem(str(path), "(file)", "must be a YAML mapping of keys to "
                                    "values, got " + (type(data).__name__ if data is not None
                                                      else "an empty file"))]
    try:
        parsed = UtilityFile.model_validate(data, context={"path": path})
    except ValidationError as error:
        return None, problems_of(error, path, single_layer="layers" not in data)
    terms = parsed.terms or TermsEntry()
    return UtilityConfig(
        **parsed.model_dump(exclude={"layers", "terms"}), source_file=path,
        layers=tuple(_layer_config(layer) for layer in parsed.layers),
        attribution=terms.attribution, terms=terms.terms), []


def _layer_config(layer: LayerEntry) -> LayerConfig:
    lists = layer.value_lists
    return LayerConfig(
        **layer.model_dump(exclude={"value_lists", "evidence", "notes"}),
        list_separator=lists.separator if lists else None,
        aligned_lists=lists.aligned if lists else (),
        unattributable_lists=lists.unattributable if lists else (),
        evidence=_evidence(layer.evidence),
        declares_kind="capacity_kind" in layer.model_fields_set)


def _evidence(entry: EvidenceEntry | None) -> Evidence | None:
    if entry is None:
        return None
    return Evidence(url=_fact(entry.url), unit=_fact(entry.unit),
                    row_grain=_fact(entry.row_grain),
                    fields={name: _fact(fact) for name, fact in entry.fields.items()
                            if fact is not None},
                    conflicts=entry.conflicts)


def _fact(entry: FactEntry | None) -> Fact | None:
    if entry is None:
        return None
    return Fact(source=entry.source, date=entry.date, unverified=entry.unverified,
                type=entry.type)


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
