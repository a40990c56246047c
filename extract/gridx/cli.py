"""`python -m extract pricing ...`: GridX dynamic prices for the configs in configs/pricing/."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from typing import TYPE_CHECKING

from extract import settings

if TYPE_CHECKING:  # the config models load only for a pricing run, not for every command
    from extract.gridx.config import PricingConfig


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date YYYY-MM-DD") from error


def add_pricing_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--utility", help="only the config(s) of this utility, e.g. SCE "
                        "(default: every configs/pricing/*.yaml)")
    parser.add_argument("--rate", action="append", default=[], metavar="RATE_NAME",
                        help="a rate name, e.g. TOU-EV-9S (repeatable; default: the config's)")
    parser.add_argument("--circuit", action="append", default=[], metavar="CIRCUIT",
                        help="a representative circuit, e.g. 'Eagle Rock' (repeatable; "
                        "default: the config's)")
    parser.add_argument("--start", type=_day, help="first local day YYYY-MM-DD (default: "
                        "lookback_days ago, or the config's history_start)")
    parser.add_argument("--end", type=_day, help="last local day YYYY-MM-DD (default: tomorrow "
                        "once its prices are published, else today)")
    parser.add_argument("--force", action="store_true",
                        help="refetch days already loaded as Final")


def run_pricing(args: argparse.Namespace) -> int:
    """Exit status 0 only if every window of every selected config loaded (or was empty)."""
    from extract.gridx.config import load_pricing_configs

    configs, problems = load_pricing_configs(settings.config_dir())
    for problem in problems:
        print(f"error: config problem: {problem}", file=sys.stderr)
    broken = {p.file for p in problems}
    chosen = [c for c in configs if args.utility is None
              or c.utility.lower() == args.utility.lower()]
    if args.utility and not chosen and not problems:
        known = ", ".join(sorted({c.utility for c in configs})) or "none"
        print(f"error: no configs/pricing/*.yaml for utility {args.utility!r} (known: {known})",
              file=sys.stderr)
        return 2
    if (args.rate or args.circuit) and len(chosen) > 1:
        print("error: --rate and --circuit need --utility when several pricing configs exist",
              file=sys.stderr)
        return 2
    status = 1 if problems else 0
    for config in chosen:
        if str(config.source_file) in broken:
            continue
        why = check_dates(config, args.start, args.end)
        if why:
            print(f"error: pricing {config.name}: {why}", file=sys.stderr)
            status = 2 if status == 0 else status
            continue
        if not run_one(config, rates=tuple(args.rate), circuits=tuple(args.circuit),
                       start=args.start, end=args.end, force=args.force):
            status = 1
    return status


def run_pricing_defaults() -> int:
    """What `python -m extract all` runs: every pricing config with its own defaults."""
    return run_pricing(argparse.Namespace(utility=None, rate=[], circuit=[], start=None,
                                          end=None, force=False))


def check_dates(config: PricingConfig, start: date | None, end: date | None) -> str | None:
    if start and start < config.history_start:
        return (f"--start {start} is before history_start {config.history_start} of "
                f"{config.source_file}")
    if start and end and end < start:
        return f"--end {end} is before --start {start}"
    return None


def run_one(config: PricingConfig, **options: object) -> bool:
    from extract.gridx.pipeline import print_run, run_pricing_config

    run = run_pricing_config(config, **options)
    print_run(run)
    return run.ok
