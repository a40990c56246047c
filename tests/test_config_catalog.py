"""configs/utilities/ covers seed 002's catalog: every row in exactly one file, every public
ArcGIS row extractable, every other row listed with the reason it is not."""

from __future__ import annotations

import datetime
import re
from collections import Counter
from pathlib import Path

import pytest

from extract.config import ARCGIS_SOURCE_TYPES, UtilityConfig, load_utility_configs
from extract.discovery import quarter_names

CONFIG_DIR = Path(__file__).resolve().parents[1] / "configs"

# Seed 002, "Utility Resource Catalog": state, utility, type, access. 74 rows, 47 utilities.
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
# The acceptance's 24 supported ArcGIS configs: 23 utilities, Xcel split by territory.
PUBLIC_ARCGIS_CODES = {
    "pge", "sce", "xcel_co", "xcel_mn", "eversource", "united_illuminating", "dpl", "pepco",
    "ameren", "comed", "cmp", "bge", "potomac_edison", "nationalgrid", "consumers", "dte",
    "ace", "jcpl", "oru", "central_hudson", "coned", "nyseg_rge", "dominion", "duke",
}


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


def test_only_peco_is_outside_the_catalog(configs):
    # PECO is the sixth utility of seed 002's Exelon family but not a row of its table.
    assert [c.utility_code for c in configs if not c.catalog_entries] == ["peco"]
    assert len(configs) == 49  # 47 utilities, Xcel split in two, plus PECO


def test_each_catalog_rows_state_is_among_its_configs_states(config_by_entry):
    assert [entry(row) for row in CATALOG
            if row[0] not in config_by_entry[entry(row)].states] == []


def test_public_arcgis_rows_are_covered_by_the_24_supported_arcgis_configs(config_by_entry):
    covering = {config_by_entry[entry(row)].utility_code: config_by_entry[entry(row)]
                for row in CATALOG if is_public_arcgis(row)}
    assert set(covering) == PUBLIC_ARCGIS_CODES
    assert len(covering) == 24
    for config in covering.values():
        assert config.data_source_type in ARCGIS_SOURCE_TYPES, config.utility_code
        assert config.is_supported, (config.utility_code, config.unsupported_reason)


def test_other_rows_are_listed_as_unsupported_with_a_reason(configs):
    for config in configs:
        if config.utility_code in PUBLIC_ARCGIS_CODES or config.utility_code == "peco":
            continue
        assert config.data_source_type in ("custom", "custom_auth", "unavailable")
        assert not config.is_supported
        assert config.notes and config.notes.strip().splitlines()[0].strip()


def test_requires_auth_follows_the_catalog(config_by_entry):
    for row in CATALOG:
        assert config_by_entry[entry(row)].requires_auth == (row[3] == "Auth required"), row


def test_utilities_with_separate_dg_and_ev_maps_use_the_layers_form(configs):
    """The DG map is a `dg` layer; the EV map, when unknown, is left out and said so."""
    for config in configs:
        split = any(e.endswith(("(DG)", "(EV)")) for e in config.catalog_entries)
        if not (split and config.is_supported):
            continue
        names = [layer.name for layer in config.layers]
        assert "dg" in names, config.utility_code
        kinds = {layer.name: layer.capacity_kind for layer in config.layers}
        assert kinds["dg"] == "generation"
        if "ev" not in names:
            assert "EV" in (config.notes or ""), config.utility_code


def test_rotating_service_patterns_match_their_last_known_service_names(configs):
    rotating = [(c, layer) for c in configs for layer in c.layers
                if layer.url_discovery_method != "static"]
    assert {c.utility_code for c, _ in rotating} == {"comed", "xcel_co", "xcel_mn"}
    for config, layer in rotating:
        name = layer.service_url.split("/rest/services/")[1].rsplit("/", 1)[0]
        if layer.url_discovery_method == "catalog_scan":
            assert re.search(layer.url_pattern, name), config.utility_code
        else:
            past = quarter_names(layer.url_pattern, datetime.date(2026, 3, 31), count=12)
            assert name in past, config.utility_code


def test_supported_configs_use_https_service_urls(configs):
    for config in configs:
        for layer in config.layers:
            assert layer.service_url.startswith("https://"), config.utility_code
