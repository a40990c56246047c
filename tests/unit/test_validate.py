"""`validate-configs`: one clear `file: key: why` line per problem, a count, exit status."""

from __future__ import annotations

import sys
import types
from pathlib import Path

import pytest
import yaml

from extract.arcgis.config import load_config_file
from extract.configfile import ConfigProblem
from extract.validate import validate_all_configs

REPO_CONFIGS = Path(__file__).resolve().parents[2] / "configs"
SERVICE = "https://services.example.com/ORG/arcgis/rest/services/HC/FeatureServer"


def good_config(code: str = "demo", **changes: object) -> dict:
    config = {
        "utility_code": code,
        "utility_name": "Demo Power",
        "parent_company": None,
        "iso_id": "caiso",
        "states": ["CA"],
        "data_source_type": "arcgis_feature",
        "requires_auth": False,
        "service_url": SERVICE,
        "layer_index": 0,
        "capacity_unit": "kw",
        "field_map": {"FEEDER_ID": "feeder_id_external", "HC_KW": "hosting_capacity_mw"},
    }
    config.update(changes)
    return {k: v for k, v in config.items() if v is not ...}  # `...` removes a key


@pytest.fixture
def config_dir(tmp_path, monkeypatch) -> Path:
    (tmp_path / "utilities").mkdir()
    (tmp_path / "pricing").mkdir()  # empty: nothing to complain about
    monkeypatch.setenv("HC_CONFIG_DIR", str(tmp_path))
    return tmp_path


def write(config_dir: Path, name: str, content: dict | list | str) -> Path:
    path = config_dir / "utilities" / name
    text = content if isinstance(content, str) else yaml.safe_dump(content, sort_keys=False)
    path.write_text(text, encoding="utf-8")
    return path


def run(capsys) -> tuple[int, list[str]]:
    status = validate_all_configs()
    return status, capsys.readouterr().out.strip().splitlines()


def problem_lines(lines: list[str]) -> list[str]:
    return lines[:-1]  # the last line is the count


def test_a_good_config_passes_with_a_zero_count(config_dir, capsys):
    write(config_dir, "demo.yaml", good_config())
    status, lines = run(capsys)
    assert status == 0
    assert lines == [f"0 problems in {config_dir}: 1 utility configs (1 supported); "
                     "pricing configs checked"]


def test_every_shipped_config_validates_with_zero_problems(monkeypatch, capsys):
    monkeypatch.setenv("HC_CONFIG_DIR", str(REPO_CONFIGS))
    status, lines = run(capsys)
    assert (status, problem_lines(lines)) == (0, [])
    assert lines[-1].startswith("0 problems")


def test_unknown_key_is_reported(config_dir, capsys):
    path = write(config_dir, "demo.yaml", good_config(utlity_name="typo"))
    status, lines = run(capsys)
    assert status == 1
    assert problem_lines(lines) == [f"{path}: utlity_name: unknown key (typo?)"]
    assert lines[-1].startswith("1 problem in ")


def test_unknown_key_in_a_layer_names_the_layer(config_dir, capsys):
    layers = [{"name": "dg", "layer_index": 0, "capacity_unit": "kw", "pagesize": 10,
               "field_map": {"FEEDER_ID": "feeder_id_external"}}]
    path = write(config_dir, "demo.yaml", good_config(layers=layers, layer_index=...,
                                                       field_map=..., capacity_unit=...))
    _, lines = run(capsys)
    assert problem_lines(lines) == [f"{path}: layers[0].pagesize: unknown key (typo?)"]


def test_missing_required_key_is_reported(config_dir, capsys):
    path = write(config_dir, "demo.yaml", good_config(requires_auth=...))
    status, lines = run(capsys)
    assert status == 1
    assert problem_lines(lines) == [f"{path}: requires_auth: missing required key"]


def test_missing_layer_key_of_an_arcgis_config_is_reported(config_dir, capsys):
    path = write(config_dir, "demo.yaml", good_config(capacity_unit=...))
    _, lines = run(capsys)
    assert problem_lines(lines) == [
        f"{path}: capacity_unit: missing required key for an ArcGIS layer"]


def test_plain_http_url_is_rejected(config_dir, capsys):
    url = SERVICE.replace("https://", "http://")
    path = write(config_dir, "demo.yaml", good_config(service_url=url))
    status, lines = run(capsys)
    assert status == 1
    assert problem_lines(lines) == [
        f"{path}: service_url: plain http is only accepted for 127.0.0.1, localhost; use https"]


def test_plain_http_is_accepted_for_a_local_replica(config_dir, capsys):
    url = "http://127.0.0.1:8765/ORG/arcgis/rest/services/HC/FeatureServer"
    write(config_dir, "demo.yaml", good_config(service_url=url))
    assert run(capsys)[0] == 0


@pytest.mark.parametrize(("url", "why"), [
    ("ftp://example.com/rest/services/HC/FeatureServer", "not an http(s) URL"),
    (SERVICE + "?token=abc", "must not carry a query string"),
    ("https://user:secret@example.com/rest/services/HC/FeatureServer", "must not embed"),
    (SERVICE + "/0", "must be an ArcGIS service URL ending in /FeatureServer or /MapServer"),
])
def test_other_bad_urls_are_rejected(config_dir, capsys, url, why):
    path = write(config_dir, "demo.yaml", good_config(service_url=url))
    _, lines = run(capsys)
    assert len(problem_lines(lines)) == 1
    assert lines[0].startswith(f"{path}: service_url: ")
    assert why in lines[0]


def test_a_bad_url_shared_by_three_layers_is_one_line(config_dir, capsys):
    layers = [{"name": n, "layer_index": i, "capacity_unit": "kw",
               "field_map": {"FEEDER_ID": "feeder_id_external"}}
              for i, n in enumerate(("dg", "ev", "load"))]
    write(config_dir, "demo.yaml", good_config(
        layers=layers, layer_index=..., field_map=..., capacity_unit=...,
        service_url=SERVICE.replace("https", "http")))
    _, lines = run(capsys)
    assert len(problem_lines(lines)) == 1


def test_unknown_canonical_field_is_reported(config_dir, capsys):
    field_map = {"FEEDER_ID": "feeder_id_external", "PEAK": "peak_loading_mw"}
    path = write(config_dir, "demo.yaml", good_config(field_map=field_map))
    status, lines = run(capsys)
    assert status == 1
    assert problem_lines(lines) == [
        f"{path}: field_map.PEAK: unknown canonical field 'peak_loading_mw'"]


def test_canonical_field_mapped_twice_is_reported(config_dir, capsys):
    field_map = {"FEEDER_ID": "feeder_id_external", "CIRCUIT": "feeder_id_external"}
    path = write(config_dir, "demo.yaml", good_config(field_map=field_map))
    _, lines = run(capsys)
    assert problem_lines(lines) == [
        f"{path}: field_map: canonical field 'feeder_id_external' is mapped twice"]


def test_duplicate_utility_code_in_two_files_is_reported_for_each(config_dir, capsys):
    first = write(config_dir, "demo.yaml", good_config())
    second = write(config_dir, "demo.yml", good_config())
    status, lines = run(capsys)
    assert status == 1
    assert problem_lines(lines) == [
        f"{first}: utility_code: duplicate code 'demo' (also in demo.yml)",
        f"{second}: utility_code: duplicate code 'demo' (also in demo.yaml)",
    ]


def test_utility_code_differing_from_the_file_name_is_reported(config_dir, capsys):
    path = write(config_dir, "demo.yaml", good_config(code="other"))
    status, lines = run(capsys)
    assert status == 1
    assert problem_lines(lines) == [
        f"{path}: utility_code: 'other' differs from the file name 'demo.yaml'; rename the "
        "file to other.yaml or fix the code"]


def test_file_that_is_not_valid_yaml_is_reported_with_its_line(config_dir, capsys):
    path = write(config_dir, "demo.yaml", "utility_code: demo\nfield_map: {FEEDER_ID: [\n")
    status, lines = run(capsys)
    assert status == 1
    assert len(problem_lines(lines)) == 1
    assert lines[0].startswith(f"{path}: line ")
    assert ": not valid YAML: " in lines[0]


def test_binary_file_named_yaml_is_reported(config_dir, capsys):
    path = config_dir / "utilities" / "demo.yaml"
    path.write_bytes(b"\xff\xfe\x00binary")
    _, lines = run(capsys)
    assert problem_lines(lines)[0].startswith(f"{path}: (file): cannot read: ")


def test_stray_file_that_is_not_yaml_is_reported(config_dir, capsys):
    write(config_dir, "demo.yaml", good_config())
    stray = write(config_dir, "pge.json", '{"utility_code": "pge"}')
    write(config_dir, ".DS_Store", "")  # hidden files are the OS's, not the user's
    status, lines = run(capsys)
    assert status == 1
    assert problem_lines(lines) == [
        f"{stray}: (file): not a YAML config (.yaml or .yml): the extractor ignores it; "
        "rename or remove it"]


@pytest.mark.parametrize(("content", "got"), [
    ("- utility_code: demo\n", "list"),
    ("just a sentence\n", "str"),
    ("", "an empty file"),
])
def test_yaml_that_is_not_a_mapping_is_reported(config_dir, capsys, content, got):
    path = write(config_dir, "demo.yaml", content)
    status, lines = run(capsys)
    assert status == 1
    assert problem_lines(lines) == [
        f"{path}: (file): must be a YAML mapping of keys to values, got {got}"]


@pytest.mark.parametrize("source", ["", "   ", "FEEDER\x00ID", "HC\nKW", "HC\tKW"])
def test_empty_or_control_character_source_field_names_are_reported(config_dir, capsys,
                                                                     source):
    field_map = {"FEEDER_ID": "feeder_id_external", source: "hosting_capacity_mw"}
    path = write(config_dir, "demo.yaml", good_config(field_map=field_map))
    status, lines = run(capsys)
    assert status == 1
    assert len(problem_lines(lines)) == 1
    assert lines[0].startswith(f"{path}: field_map: ")
    assert "source field name" in lines[0]


def test_duplicate_yaml_key_is_reported_instead_of_silently_dropped(config_dir, capsys):
    text = yaml.safe_dump(good_config(), sort_keys=False).replace(
        "  HC_KW: hosting_capacity_mw\n",
        "  HC_KW: hosting_capacity_mw\n  HC_KW: remaining_capacity_mw\n")
    path = write(config_dir, "demo.yaml", text)
    _, lines = run(capsys)
    assert len(problem_lines(lines)) == 1
    assert lines[0].startswith(f"{path}: line ")
    assert "duplicate key 'HC_KW'" in lines[0]


@pytest.mark.parametrize(("method", "pattern", "why"), [
    ("catalog_scan", "^NSP_(HCA", "not a valid regular expression"),
    ("quarterly_name", "ComEd_PV_Hosting_Capacity_{month}", "needs {year}"),
    ("quarterly_name", "ComEd_{month}{year}_{quarter}", "only {month} and {year}"),
    ("catalog_scan", None, "required when url_discovery_method is catalog_scan"),
])
def test_bad_url_patterns_are_reported(config_dir, capsys, method, pattern, why):
    changes = {"url_discovery_method": method, "url_pattern": pattern if pattern else ...}
    path = write(config_dir, "demo.yaml", good_config(**changes))
    _, lines = run(capsys)
    assert len(problem_lines(lines)) == 1
    assert lines[0].startswith(f"{path}: url_pattern: ")
    assert why in lines[0]


def test_catalog_entries_must_be_a_list(config_dir, capsys):
    path = write(config_dir, "demo.yaml", good_config(catalog_entries="CA Demo"))
    _, lines = run(capsys)
    assert problem_lines(lines) == [
        f"{path}: catalog_entries: must be a list of catalog rows like 'CA PG&E'"]


def test_uppercase_iso_id_is_reported(config_dir, capsys):
    path = write(config_dir, "demo.yaml", good_config(iso_id="CAISO"))
    _, lines = run(capsys)
    assert problem_lines(lines) == [
        f"{path}: iso_id: 'CAISO' must be a lowercase ISO id (caiso, pjm...) or null"]


def test_every_problem_of_a_file_is_reported_in_one_pass(config_dir, capsys):
    path = write(config_dir, "demo.yaml", good_config(
        code="Demo", states="CA", capacity_unit="gw", extra=1))
    status, lines = run(capsys)
    keys = [line.removeprefix(f"{path}: ").split(":")[0] for line in problem_lines(lines)]
    assert status == 1
    assert sorted(keys) == ["capacity_unit", "extra", "states", "utility_code"]
    assert lines[-1].startswith("4 problems in ")


def test_sql_breaking_field_names_are_plain_data(config_dir, capsys):
    """Field names reach the extractor and dbt only as data (JSON keys, bound parameters),
    never as SQL text: validation accepts them and they come back byte for byte."""
    tricky = ["HC\"; DROP TABLE features; --", "it's /* a */ field", "a'b\"c`d", "x -- y;"]
    field_map = {"FEEDER_ID": "feeder_id_external", tricky[0]: "hosting_capacity_mw",
                 tricky[1]: "remaining_capacity_mw", tricky[2]: "feeder_name",
                 tricky[3]: "substation_name"}
    path = write(config_dir, "demo.yaml", good_config(field_map=field_map))
    status, lines = run(capsys)
    assert (status, problem_lines(lines)) == (0, [])
    config, problems = load_config_file(path)
    assert problems == []
    assert config.layers[0].field_map == field_map


def test_pricing_configs_are_skipped_when_the_pricing_module_is_absent(config_dir, capsys,
                                                                        monkeypatch):
    write(config_dir, "demo.yaml", good_config())
    monkeypatch.setitem(sys.modules, "extract.gridx.config", None)  # import now fails
    status, lines = run(capsys)
    assert status == 0
    assert lines[-1].endswith("pricing configs not checked (no extract.gridx module)")


def test_pricing_problems_are_reported_too(config_dir, capsys, monkeypatch):
    write(config_dir, "demo.yaml", good_config())
    pricing = types.ModuleType("extract.gridx.config")
    pricing.validate_pricing_configs = lambda directory: [
        ConfigProblem(str(directory / "pricing" / "sce.yaml"), "rates", "must be a list")]
    monkeypatch.setitem(sys.modules, "extract.gridx.config", pricing)
    status, lines = run(capsys)
    assert status == 1
    assert problem_lines(lines) == [f"{config_dir / 'pricing' / 'sce.yaml'}: rates: must be a list"]


def test_missing_utilities_directory_is_reported(tmp_path, monkeypatch, capsys):
    (tmp_path / "pricing").mkdir()
    monkeypatch.setenv("HC_CONFIG_DIR", str(tmp_path))
    status, lines = run(capsys)
    assert status == 1
    assert problem_lines(lines) == [f"{tmp_path / 'utilities'}: (dir): no utilities config "
                                    "directory"]
