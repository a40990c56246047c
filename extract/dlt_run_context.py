"""A dlt plugin (entry point `dlt` in pyproject.toml): dlt's run directory is this repo, so
dlt reads its settings from `.dlt/config.toml` (and secrets from `.dlt/secrets.toml`, which
is never committed) wherever a command runs from: `make extract`, the demo, pytest, or
`dbt_project/`. dlt loads the plugin itself when it first needs its configuration, so no
module has to be imported before dlt. DLT_PROJECT_DIR, when set, still wins.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dlt.common.configuration.plugins import hookimpl
from dlt.common.runtime.run_context import RunContext

REPO = Path(__file__).resolve().parents[1]


@hookimpl(specname="plug_run_context")
def plug_repo_run_context(run_dir: str | None,
                          runtime_kwargs: dict[str, Any] | None) -> RunContext | None:
    """The repo as dlt's run directory when nobody named one; otherwise dlt decides."""
    if run_dir is not None:
        return None
    return RunContext(str(REPO))
