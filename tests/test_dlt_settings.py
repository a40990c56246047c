"""dlt's settings come from the repo's .dlt/config.toml and tokens through dlt's secrets,
whatever directory a command runs from, and importing our modules changes no environment."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# Switches that used to be set at import time: none may come from the environment here.
DLT_SWITCHES = ("RUNTIME__DLTHUB_TELEMETRY", "DATA_WRITER__BUFFER_MAX_ITEMS",
                "DATA_WRITER__FILE_MAX_ITEMS", "LOAD__WORKERS", "LOAD__DELETE_COMPLETED_JOBS",
                "DLT_PROJECT_DIR")


def python(code: str, cwd: Path, **env: str) -> str:
    clean = {k: v for k, v in os.environ.items() if k not in DLT_SWITCHES}
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=cwd,
                            env={**clean, **env}, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout.strip().splitlines()[-1]


def test_dlt_reads_the_repo_settings_from_any_directory(tmp_path):
    values = json.loads(python("""
        import json, dlt
        print(json.dumps([dlt.config[key] for key in (
            "runtime.dlthub_telemetry", "data_writer.buffer_max_items",
            "data_writer.file_max_items", "load.workers", "load.delete_completed_jobs")]))
        """, cwd=tmp_path))
    assert values == [False, 2000, 50000, 1, True]


def test_importing_the_extractor_changes_no_environment_variable(tmp_path):
    changed = python("""
        import os
        before = dict(os.environ)
        import extract.__main__, extract.settings, extract.arcgis.pipeline, extract.gridx.pipeline
        print(sorted(set(os.environ.items()) ^ set(before.items())))
        """, cwd=tmp_path)
    assert changed == "[]"


def test_a_token_is_read_through_dlt_secrets_from_the_named_variable_or_secrets_toml(tmp_path):
    code = """
        from pathlib import Path
        from extract.arcgis.config import parse_config
        from extract.arcgis.pipeline import UtilityRunError, auth_params
        config, problems = parse_config({
            "utility_code": "pge", "utility_name": "PG&E", "states": ["CA"],
            "data_source_type": "arcgis_feature", "requires_auth": True,
            "auth_token_env": "PGE_ARCGIS_TOKEN", "layer_index": 0, "capacity_unit": "kw",
            "service_url": "https://example.com/arcgis/rest/services/ICA/FeatureServer",
            "field_map": {"HC": "hosting_capacity_mw"}}, Path("pge.yaml"))
        assert not problems, problems
        try:
            print(auth_params(config))
        except UtilityRunError as error:
            print(f"refused: {error}")
        """
    assert python(code, cwd=tmp_path, PGE_ARCGIS_TOKEN="from-env") == "{'token': 'from-env'}"
    assert python(code, cwd=tmp_path).startswith(
        "refused: pge: set the environment variable PGE_ARCGIS_TOKEN")
    (tmp_path / ".dlt").mkdir()
    (tmp_path / ".dlt" / "secrets.toml").write_text('PGE_ARCGIS_TOKEN = "from-secrets"\n')
    assert python(code, cwd=tmp_path, DLT_PROJECT_DIR=str(tmp_path)) == (
        "{'token': 'from-secrets'}")
