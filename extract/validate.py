"""`python -m extract validate-configs`: check every config, one line per problem.

Everything is checked before anything is reported, so a user fixes all problems in one pass.
Utility configs are checked by extract.arcgis.config (the same code the extractor and dbt use);
pricing configs by extract.gridx.config when that module is installed.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path

from extract import settings
from extract.arcgis.config import load_utility_configs, unverified_facts
from extract.configfile import ConfigProblem, is_config_file


def stray_file_problems(directory: Path) -> list[ConfigProblem]:
    """Files the extractor ignores because they are not .yaml: usually a config saved under the
    wrong name (pge.yaml.bak, pge.json), which would otherwise be silently skipped."""
    if not directory.is_dir():
        return []
    return [ConfigProblem(str(path), "(file)", "not a YAML config (.yaml or .yml): the "
                          "extractor ignores it; rename or remove it")
            for path in sorted(directory.iterdir())
            if path.is_file() and not path.name.startswith(".") and not is_config_file(path)]


def pricing_problems(config_dir: Path) -> tuple[list[object], bool]:
    """Problems in configs/pricing, and whether pricing validation is available at all."""
    try:
        from extract.gridx.config import validate_pricing_configs
    except ModuleNotFoundError as error:
        if error.name in ("extract.gridx", "extract.gridx.config"):
            return [], False
        raise  # a real import error inside the pricing module must not pass for "absent"
    result = validate_pricing_configs(config_dir)
    # Accept both a list of problems and a (configs, problems) pair.
    if isinstance(result, tuple) and len(result) == 2:
        result = result[1]
    return list(result or []), True


def print_problems(problems: Iterable[object]) -> int:
    count = 0
    for problem in problems:
        print(str(problem))
        count += 1
    return count


def print_warnings(warnings: list[ConfigProblem]) -> None:
    """Unverified facts and resolved conflicts, on stderr: they never fail the check, and
    the problem lines on stdout stay one per problem."""
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if warnings:
        print(f"{len(warnings)} warning{'s' if len(warnings) != 1 else ''}: facts no dated "
              "source backs, and conflicts between sources the configs resolved",
              file=sys.stderr)


def validate_all_configs() -> int:
    """Check every utility and pricing config under settings.config_dir(). 0: all good."""
    config_dir = settings.config_dir()
    configs, problems = load_utility_configs(config_dir)
    problems = stray_file_problems(config_dir / "utilities") + problems
    priced, pricing_checked = pricing_problems(config_dir)
    count = print_problems(problems) + print_problems(priced)
    broken = {p.file for p in problems}
    warnings = [w for c in configs if c.is_supported and str(c.source_file) not in broken
                for w in unverified_facts(c)]
    print_warnings(warnings)
    supported = sum(1 for c in configs if c.is_supported)
    pricing_note = "checked" if pricing_checked else "not checked (no extract.gridx module)"
    summary = (f"{count} problem{'s' if count != 1 else ''} in {config_dir}: "
               f"{len(configs)} utility configs ({supported} supported); pricing configs "
               f"{pricing_note}")
    print(summary)
    return 1 if count else 0
