"""`python -m extract hosting-capacity ...`: run, list and discover utilities."""

from __future__ import annotations

import argparse
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from extract import settings
from extract.arcgis.config import (
    DATA_SOURCE_TYPES,
    UtilityConfig,
    load_utility_configs,
)
from extract.arcgis.runs import latest_successful_runs
from extract.configfile import ConfigProblem
from extract.http import FetchError, HostLimiter


def add_hosting_capacity_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--utility", help="a utility_code, or `all` for every supported one")
    parser.add_argument("--category", choices=DATA_SOURCE_TYPES,
                        help="with --utility all: only this data_source_type")
    parser.add_argument("--force", action="store_true", help="refetch even if unchanged")
    parser.add_argument("--dry-run", action="store_true", help="fetch and validate, write nothing")
    parser.add_argument("--list-utilities", action="store_true",
                        help="code, name, type, supported?, last ingested, records")
    parser.add_argument("--discover", action="store_true",
                        help="list the service's layers and fields and draft a field_map")
    parser.add_argument("--strict", action="store_true",
                        help="refuse a layer whose count fell below half its previous "
                        "successful run's (HC_SHORT_LAYER_RATIO), instead of loading it "
                        "flagged")


def run_hosting_capacity(args: argparse.Namespace) -> int:
    configs, problems = load_utility_configs(settings.config_dir())
    if args.list_utilities:
        return list_utilities(configs)
    if not args.utility:
        print("error: --utility is required (a utility_code, or all)", file=sys.stderr)
        return 2
    if args.discover:
        return discover_utility(configs, args.utility)
    return extract_utilities(configs, problems, args.utility, category=args.category,
                             force=args.force, dry_run=args.dry_run, strict=args.strict)


def run_all_hosting_capacity(force: bool = False, strict: bool = False) -> int:
    configs, problems = load_utility_configs(settings.config_dir())
    return extract_utilities(configs, problems, "all", force=force, strict=strict)


def select_utilities(configs: list[UtilityConfig], problems: list[ConfigProblem], code: str,
                     category: str | None) -> tuple[list[UtilityConfig], list[str]]:
    """The utilities to run, and the errors that keep others from running."""
    broken_files = {p.file for p in problems}
    errors = [f"config problem: {p}" for p in problems]
    if code == "all":
        chosen = [c for c in configs if c.is_supported
                  and (category is None or c.data_source_type == category)]
    else:
        chosen = [c for c in configs if c.utility_code == code]
        # A file with problems yields no config: its problems are the error, not "unknown".
        if not chosen and code not in {Path(file).stem for file in broken_files}:
            errors.append(f"unknown utility {code!r}: no configs/utilities/{code}.yaml")
        for config in chosen:
            if not config.is_supported:
                errors.append(f"{code}: not supported: {config.unsupported_reason}")
        chosen = [c for c in chosen if c.is_supported]
    runnable = [c for c in chosen if str(c.source_file) not in broken_files]
    return runnable, errors


def extract_utilities(configs: list[UtilityConfig], problems: list[ConfigProblem], code: str,
                      *, category: str | None = None, force: bool = False,
                      dry_run: bool = False, strict: bool = False) -> int:
    from extract.arcgis.pipeline import record_runs, run_utility

    utilities, errors = select_utilities(configs, problems, code, category)
    for error in errors:
        print(f"error: {error}", file=sys.stderr)
    latest = {} if dry_run else latest_successful_runs()
    limiter = HostLimiter()
    workers = int(os.environ.get("HC_UTILITIES_IN_FLIGHT", "4"))
    started = time.monotonic()

    def run(utility: UtilityConfig):
        previous = latest.get(utility.utility_code)
        return run_utility(utility, limiter=limiter, force=force, dry_run=dry_run,
                           previous_fingerprints=previous.layer_fingerprints if previous else {},
                           previous_counts=previous.layer_counts if previous else {},
                           strict=strict)

    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="utility") as pool:
        runs = list(pool.map(run, utilities))
    skipped = [r for r in runs if r.status == "skipped_unchanged"]
    try:
        record_runs(skipped)
    except Exception as error:  # noqa: BLE001 - those utilities failed; the others stand
        for run in skipped:
            run.finish("failed", f"unchanged, but its run could not be recorded: {error}")
    for record in runs:
        seconds = (record.completed_at or record.started_at) - record.started_at
        line = (f"{record.utility_code:<22} {record.status:<18} {record.records_written:>9,} "
                f"records  {seconds.total_seconds():6.1f}s")
        print(line + (f"  {record.error_message}" if record.error_message else ""))
    failed = [r for r in runs if r.status == "failed"]
    skipped = [r for r in runs if r.status == "skipped_unchanged"]
    print(f"hosting capacity: {len(runs) - len(failed)} of {len(runs)} utilities ok "
          f"({len(skipped)} unchanged, skipped), "
          f"{sum(r.records_written for r in runs):,} records written, "
          f"{time.monotonic() - started:.1f}s" + (" (dry run)" if dry_run else ""))
    return 1 if failed or errors else 0


def list_utilities(configs: list[UtilityConfig]) -> int:
    latest = latest_successful_runs()
    print(f"{'code':<22} {'type':<15} {'supported':<9} {'last ingested':<20} {'records':>9}  name")
    for config in configs:
        run = latest.get(config.utility_code)
        ingested, records = (run.completed_at, run.records_written) if run else (None, None)
        print(f"{config.utility_code:<22} {config.data_source_type:<15} "
              f"{'yes' if config.is_supported else 'no':<9} "
              f"{ingested.strftime('%Y-%m-%d %H:%M') if ingested else '-':<20} "
              f"{records if records is not None else '-':>9}  {config.utility_name}")
    return 0


def discover_utility(configs: list[UtilityConfig], code: str) -> int:
    from extract.arcgis.discovery_report import discover
    from extract.http import HttpClient

    config = next((c for c in configs if c.utility_code == code), None)
    if config is None:
        print(f"error: unknown utility {code!r}", file=sys.stderr)
        return 2
    headers = {k: v for layer in config.layers for k, v in layer.request_headers.items()}
    with HttpClient(headers=headers) as client:
        try:
            print(discover(config, client))
        except FetchError as error:
            print(f"error: {code}: {error}", file=sys.stderr)
            return 1
    return 0
