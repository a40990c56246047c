"""The one place that starts dbt: the demo, the bench, the tests and scripts all come here.

dbt runs as a child process of this interpreter's environment (`.venv/bin/dbt`), in
`dbt_project/`, with the repo's profiles and without telemetry, whatever the caller's
working directory or environment.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from extract.settings import REPO

DBT_PROJECT = REPO / "dbt_project"


def dbt_env(config_dir: Path | None = None, warehouse_dir: Path | None = None,
            base: Mapping[str, str] | None = None, **extra: str) -> dict[str, str]:
    """The environment dbt runs in: `base` (default: ours), the repo's profiles, no
    telemetry, and the configs and warehouse folders when given."""
    env = dict(os.environ if base is None else base)
    env.update(DBT_PROFILES_DIR=str(DBT_PROJECT), DBT_SEND_ANONYMOUS_USAGE_STATS="false",
               DO_NOT_TRACK="1")
    if config_dir is not None:
        env["HC_CONFIG_DIR"] = str(config_dir)
    if warehouse_dir is not None:
        env["HC_WAREHOUSE_DIR"] = str(warehouse_dir)
    env.update(extra)
    return env


def dbt_command(*args: str, colors: bool = False) -> list[str]:
    """`dbt <args>` from this interpreter's environment; no colours unless asked (logs)."""
    return [str(Path(sys.executable).with_name("dbt")), *args,
            *([] if colors else ["--no-use-colors"])]


def launch_dbt(*args: str, env: Mapping[str, str] | None = None, colors: bool = False,
               **popen: object) -> subprocess.Popen:
    """dbt started in dbt_project/ (not waited for); `popen` as for subprocess.Popen."""
    return subprocess.Popen(dbt_command(*args, colors=colors), cwd=DBT_PROJECT,
                            env=dict(env) if env is not None else dbt_env(), **popen)


def run_dbt(*args: str, env: Mapping[str, str] | None = None, timeout: float | None = None,
            capture: bool = True, colors: bool = False) -> subprocess.CompletedProcess:
    """dbt run to the end; its output captured as text unless `capture` is false."""
    pipe = subprocess.PIPE if capture else None
    with launch_dbt(*args, env=env, colors=colors, stdout=pipe, stderr=pipe,
                    text=True) as process:
        try:
            stdout, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
            raise
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)
