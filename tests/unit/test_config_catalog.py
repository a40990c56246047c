"""configs/utilities/ covers the utility catalog below: every row in exactly one file; a utility is
supported where recorded evidence shows its public ArcGIS layer (evidence.json wins over the
seed's catalog where the two disagree), and every other row is listed with the reason."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from extract.arcgis.config import ARCGIS_SOURCE_TYPES, UtilityConfig, load_utility_configs

CONFIG_DIR = Path(__file__).resolve().parents[2] / "configs"

# The "Utility Resource Catalog" of the project's integration plan (DOE atlas rows): state,
# utility, type, access. 74 rows, 47 utilities.
CATALOG = [
    ("AZ", "Garkane Energy", "Asset Map", "Public"),
    ("CA", "PG&E", "ArcGIS FS", "Public"),
    ("CA", "SCE", "ArcGIS Ent", "Public"),
    ("CA", "SDG&E", "Custom", "Auth required"),
    ("CA", "CEC EDGE Tool", "Custom", "Public"),
    ("CA", "LADWP", "Custom", "Public"),
    ("CO", "Xcel Energy", "ArcGIS FS", "Public"),
    ("CT", "Eversource (DG)", "ArcGIS", "Public"),
    ("CT", "Eversource (EV)", "ArcGIS", "Public"),
    ("CT", "United Illuminating (DG)", "ArcGIS", "Public"),
    ("CT", "United Illuminating (EV)", "Custom", "Public"),
    ("DE", "Delmarva Power (DG)", "ArcGIS FS", "Public"),
    ("DE", "Delmarva Power (EV)", "ArcGIS FS", "Public"),
    ("DC", "Pepco (DG)", "ArcGIS FS", "Public"),
    ("DC", "Pepco (EV)", "ArcGIS FS", "Public"),
    ("GA", "Georgia Power", "ArcGIS", "Auth required"),
    ("HI", "Hawaiian Electric (DG)", "Proprietary", "Public"),
    ("HI", "Hawaiian Electric (EV)", "Proprietary", "Public"),
    ("ID", "Avista", "Custom", "Public"),
    ("IL", "Ameren (DG)", "ArcGIS", "Public"),
    ("IL", "Ameren (EV)", "ArcGIS", "Public"),
    ("IL", "ComEd (DG)", "ArcGIS FS", "Public"),
    ("IL", "ComEd (EV)", "ArcGIS FS", "Public"),
    ("ME", "CMP (DG)", "ArcGIS", "Public"),
    ("ME", "CMP (EV)", "Custom", "Public"),
    ("ME", "Versant Power", "Custom", "Public"),
    ("MD", "BGE", "ArcGIS FS", "Public"),
    ("MD", "Choptank EC", "Custom", "Public"),
    ("MD", "Delmarva Power (DG)", "ArcGIS FS", "Public"),
    ("MD", "Delmarva Power (EV)", "ArcGIS FS", "Public"),
    ("MD", "Pepco (DG)", "ArcGIS FS", "Public"),
    ("MD", "Pepco (EV)", "ArcGIS FS", "Public"),
    ("MD", "Potomac Edison", "ArcGIS", "Public"),
    ("MD", "SMECO", "Custom", "Public"),
    ("MA", "Eversource", "ArcGIS", "Public"),
    ("MA", "National Grid", "ArcGIS MS", "Public"),
    ("MA", "Unitil", "Custom", "Public"),
    ("MI", "Consumers Energy", "ArcGIS", "Public"),
    ("MI", "DTE", "ArcGIS", "Public"),
    ("MN", "Xcel Energy (DG)", "ArcGIS FS", "Public"),
    ("MN", "Xcel Energy (EV)", "ArcGIS FS", "Public"),
    ("NV", "NV Energy", "Custom", "Auth required"),
    ("NH", "Eversource", "ArcGIS", "Public"),
    ("NH", "Liberty Utilities", "Custom", "Public"),
    ("NH", "NH Electric Co-op", "Custom", "Public"),
    ("NJ", "ACE (DG)", "ArcGIS FS", "Public"),
    ("NJ", "ACE (EV)", "ArcGIS FS", "Public"),
    ("NJ", "JCP&L (DG)", "ArcGIS", "Public"),
    ("NJ", "JCP&L (EV)", "ArcGIS", "Public"),
    ("NJ", "O&R", "ArcGIS", "Public"),
    ("NJ", "PSE&G (DG)", "Iframe", "Public"),
    ("NJ", "PSE&G (EV)", "Iframe", "Public"),
    ("NY", "Central Hudson", "ArcGIS", "Public"),
    ("NY", "Con Edison", "ArcGIS", "Public"),
    ("NY", "National Grid", "ArcGIS", "Public"),
    ("NY", "NYSEG/RG&E", "ArcGIS", "Public"),
    ("NY", "O&R", "ArcGIS", "Public"),
    ("NY", "PSEG Long Island", "ArcGIS", "Auth required"),
    ("NC", "Dominion (DG)", "ArcGIS FS", "Public"),
    ("NC", "Dominion (EV)", "ArcGIS FS", "Public"),
    ("NC", "Duke Energy", "ArcGIS MS", "Public"),
    ("OR", "Idaho Power", "Custom", "Public"),
    ("OR", "Pacific Power", "Custom", "Public"),
    ("OR", "Portland General", "Mapbox", "Public"),
    ("PR", "LUMA", "Custom", "Public"),
    ("RI", "Rhode Island Energy", "Custom", "Public"),
    ("SC", "Duke Energy", "ArcGIS MS", "Public"),
    ("UT", "Garkane Energy", "Asset Map", "Public"),
    ("VT", "Burlington Electric", "Custom", "Public"),
    ("VT", "Green Mountain Power", "Custom", "Public"),
    ("VA", "Dominion (DG)", "ArcGIS FS", "Public"),
    ("VA", "Dominion (EV)", "ArcGIS FS", "Public"),
    ("WA", "Avista", "Custom", "Public"),
    ("WA", "Puget Sound Energy", "Custom", "Public"),
]
# Supported because recorded evidence names their live layers, fields and units.
EVIDENCE_CODES = {
    "aep", "ameren", "avista", "bge", "central_hudson", "cmp", "comed", "coned", "dominion",
    "dpl", "dte", "duke", "eversource", "ladwp", "nationalgrid", "nv_energy", "nyseg_rge",
    "oru", "peco", "pepco", "pge", "pseg", "rhode_island_energy", "sce", "sdge", "smeco",
    "xcel_co", "xcel_mn",
}
# Public ArcGIS rows of the seed's catalog that no recorded evidence describes.
PUBLIC_WITHOUT_EVIDENCE = {"ace", "consumers", "jcpl", "potomac_edison", "united_illuminating"}
# Where the evidence contradicts the seed's "Auth required": public ArcGIS Online views.
AUTH_CONTRADICTED = {"sdge", "nv_energy"}


def entry(row: tuple[str, str, str, str]) -> str:
    return f"{row[0]} {row[1]}"


def is_public_arcgis(row: tuple[str, str, str, str]) -> bool:
    return row[2].startswith("ArcGIS") and row[3] == "Public"


@pytest.fixture(scope="module")
def configs() -> list[UtilityConfig]:
    loaded, problems = load_utility_configs(CONFIG_DIR)
    assert problems == []
    return loaded


@pytest.fixture(scope="module")
def config_by_entry(configs: list[UtilityConfig]) -> dict[str, UtilityConfig]:
    return {e: c for c in configs for e in c.catalog_entries}


def test_catalog_data_has_74_rows_for_47_utilities():
    assert len(CATALOG) == 74
    assert len({re.sub(r" \((DG|EV)\)$", "", row[1]) for row in CATALOG}) == 47
    assert len({entry(row) for row in CATALOG}) == 74


def test_every_catalog_row_maps_to_exactly_one_config_file(configs):
    claimed = Counter(e for c in configs for e in c.catalog_entries)
    assert {entry(row): claimed[entry(row)] for row in CATALOG} == {
        entry(row): 1 for row in CATALOG}


def test_every_catalog_entry_in_a_config_is_a_catalog_row(configs):
    rows = {entry(row) for row in CATALOG}
    assert [(c.utility_code, e) for c in configs for e in c.catalog_entries
            if e not in rows] == []


def test_only_peco_and_aep_are_outside_the_catalog(configs):
    # PECO is the sixth utility of the catalog's Exelon family; AEP comes from the evidence.
    assert [c.utility_code for c in configs if not c.catalog_entries] == ["aep", "peco"]
    assert len(configs) == 50  # 47 utilities, Xcel split in two, plus PECO and AEP


def test_each_catalog_rows_state_is_among_its_configs_states(config_by_entry):
    assert [entry(row) for row in CATALOG
            if row[0] not in config_by_entry[entry(row)].states] == []


def test_utilities_with_recorded_evidence_are_the_supported_ones(configs):
    supported = {c.utility_code for c in configs if c.is_supported}
    assert supported == EVIDENCE_CODES
    for config in configs:
        if config.is_supported:
            assert config.data_source_type in ARCGIS_SOURCE_TYPES, config.utility_code


def test_public_arcgis_rows_without_evidence_say_why_they_are_not_supported(config_by_entry):
    covering = [config_by_entry[entry(row)] for row in CATALOG if is_public_arcgis(row)]
    unsupported = {c.utility_code: c for c in covering if not c.is_supported}
    assert set(unsupported) == PUBLIC_WITHOUT_EVIDENCE
    for config in unsupported.values():
        assert "no layer configured" in config.unsupported_reason, config.utility_code


def test_other_rows_are_listed_as_unsupported_with_a_reason(configs):
    for config in configs:
        if config.utility_code in EVIDENCE_CODES:
            continue
        assert not config.is_supported
        assert config.notes and config.notes.strip().splitlines()[0].strip()


def test_requires_auth_follows_the_catalog_unless_evidence_says_otherwise(config_by_entry):
    for row in CATALOG:
        config = config_by_entry[entry(row)]
        if config.utility_code in AUTH_CONTRADICTED:
            assert not config.requires_auth and config.is_supported
            assert any("Auth required" in c for layer in config.layers
                       for c in layer.evidence.conflicts), config.utility_code
            continue
        assert config.requires_auth == (row[3] == "Auth required"), row


def test_every_layer_declares_its_kind_and_names_match_it(configs):
    """`dg` layers are generation, `ev` layers load; a missing map is said so in the notes."""
    for config in configs:
        for layer in config.layers:
            assert layer.declares_kind, (config.utility_code, layer.name)
            if layer.name == "dg":
                assert layer.capacity_kind == "generation", config.utility_code
            if layer.name == "ev":
                assert layer.capacity_kind == "load", config.utility_code
        split = any(e.endswith(("(DG)", "(EV)")) for e in config.catalog_entries)
        kinds = {layer.capacity_kind for layer in config.layers}
        if split and config.is_supported and kinds != {"generation", "load"}:
            assert "not configured" in (config.notes or ""), config.utility_code


def test_rotating_service_patterns_match_their_last_known_service_names(configs):
    rotating = [(c, layer) for c in configs for layer in c.layers
                if layer.url_discovery_method != "static"]
    assert {c.utility_code for c, _ in rotating} == {"xcel_co", "xcel_mn"}
    for config, layer in rotating:
        name = layer.service_url.split("/rest/services/")[1].rsplit("/", 1)[0]
        assert re.search(layer.url_pattern, name), config.utility_code


def test_supported_configs_use_https_service_urls(configs):
    for config in configs:
        for layer in config.layers:
            assert layer.service_url.startswith("https://"), config.utility_code


def test_readme_sources_table_has_a_row_for_every_supported_utility(configs):
    readme = (CONFIG_DIR.parent / "README.md").read_text(encoding="utf-8")
    table = readme.split("## Sources", 1)[1].split("\n## ", 1)[0]
    for config in configs:
        assert (f"| {config.utility_code} |" in table) == config.is_supported, config.utility_code
