"""`python -m extract {all,hosting-capacity,pricing,validate-configs,lake-maintain,lake-sql}`
(see README)."""

from __future__ import annotations

import argparse
import ctypes
import gc
import importlib.abc
import os
import shutil
import sys
from pathlib import Path

from extract import settings
from extract.warehouse_lock import RAW_SCHEMAS, WarehouseInUse, exclusive_writer, lake_writer


def build_parser() -> argparse.ArgumentParser:
    from extract.arcgis.cli import add_hosting_capacity_arguments
    from extract.gridx.cli import add_pricing_arguments

    parser = argparse.ArgumentParser(prog="python -m extract", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    all_parser = commands.add_parser("all", help="hosting capacity for every supported utility, "
                                     "then pricing")
    all_parser.add_argument("--force", action="store_true", help="refetch unchanged layers")
    all_parser.add_argument("--strict", action="store_true",
                            help="refuse layers whose count fell sharply (see hosting-capacity)")
    add_hosting_capacity_arguments(commands.add_parser(
        "hosting-capacity", help="extract utilities' ArcGIS hosting-capacity layers"))
    add_pricing_arguments(commands.add_parser("pricing", help="extract GridX dynamic prices"))
    validate = commands.add_parser("validate-configs",
                                   help="check every YAML config; one line per problem")
    validate.add_argument("--live", action="store_true",
                          help="fetch each supported layer's metadata and report drift")
    validate.add_argument("--utility", help="with --live: one utility_code")
    commands.add_parser("lake-maintain", help="HC_LAKE: expire snapshots older than "
                        "HC_LAKE_KEEP_DAYS (90) and delete files no snapshot uses")
    commands.add_parser("lake-sql", help="HC_LAKE: print the SQL that opens the lake in the "
                        "DuckDB CLI (make lake-shell)")
    return parser


def spare_the_garbage_collector() -> None:
    """Each page parses into ~100,000 short-lived objects, freed by reference counting. With
    the default thresholds they set off full collections that walk every object dlt and
    pyarrow created at import: about a third of an extract's CPU. Freezing those and
    collecting less often keeps the cycle collector for real cycles."""
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)


def limit_malloc_arenas(arenas: int = 1) -> None:
    """glibc gives each thread its own heap; pages parsed on several threads then leave freed
    memory scattered over as many heaps, all of it still counted in RSS. One heap costs no
    measurable speed (Python allocates small objects itself) and saves 30-50 MB of peak RSS
    on a 1,000,000-feature layer."""
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return  # not glibc: nothing to tune
    m_arena_max = -8
    libc.mallopt(m_arena_max, arenas)


def use_the_system_allocator_for_arrow() -> None:
    """Arrow's default allocator keeps freed memory; the system one gives it back between
    steps (34 MB less peak RSS on a 1,000,000-feature layer, measured by `make bench`). Arrow's
    C++ side reads this variable once, at its first allocation, and pyarrow.set_memory_pool
    does not reach it: so it is set here, first thing in the command, before pyarrow loads."""
    os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")


class ModulesNotUsed(importlib.abc.MetaPathFinder):
    """Answers an import of these modules (and their submodules) as if they were not
    installed, which the libraries that import them on the side handle."""

    def __init__(self, *names: str):
        self.names = names

    def find_spec(self, fullname: str, path=None, target=None) -> None:
        if any(fullname == name or fullname.startswith(f"{name}.") for name in self.names):
            raise ModuleNotFoundError(f"No module named {fullname!r} (not used by the "
                                      "extract)", name=fullname)


def skip_unused_imports() -> None:
    """Modules libraries import on the side and no extract uses, measured:
    - pandas: DuckDB's binding imports it at the first query with parameters,
      which dlt's load runs: 34 MB of peak RSS and about 0.35 s;
    - httpx's command-line client (httpx._main, with rich, click and pygments), which
      `import httpx` loads whenever those are installed: 6 MB and 0.1-0.15 s.
    They are refused at import (a finder raising ModuleNotFoundError), so that each library
    takes them as not installed. Marking them None in sys.modules instead breaks pyarrow,
    whose pandas check then reads None's __version__: dlt's normalize failed on one utility
    in two. Set only in the command's own process: tests calling main() keep whatever they
    import."""
    sys.meta_path.insert(0, ModulesNotUsed("pandas", "httpx._main"))


def writes_warehouse(args: argparse.Namespace) -> bool:
    if args.command == "hosting-capacity":
        return not (args.dry_run or args.list_utilities or args.discover)
    return args.command in ("all", "pricing")


def discard_dlt_working_state(warehouse_dir: Path) -> None:
    """dlt keeps schemas and pending packages beside the warehouse; the database is the
    truth. With the writer lock held, anything left there belongs to a dead run, or to a
    database file that was deleted since: start every run from the database alone."""
    shutil.rmtree(warehouse_dir / ".dlt", ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    limit_malloc_arenas()  # before any thread starts
    use_the_system_allocator_for_arrow()  # before pyarrow allocates
    args = build_parser().parse_args(argv)
    if args.command == "validate-configs":
        from extract.validate import validate_all_configs

        status = validate_all_configs()
        if args.live:
            from extract.arcgis.live_check import validate_live

            return max(status, validate_live(args.utility))
        return status
    try:
        if args.command in ("lake-maintain", "lake-sql"):
            return run_lake_command(args.command)
        if not writes_warehouse(args):
            return run_command(args)
        with exclusive_writer(settings.warehouse_dir()), lake_writer([(RAW_SCHEMAS, False)]):
            discard_dlt_working_state(settings.warehouse_dir())
            return run_command(args)
    except (WarehouseInUse, settings.LakeSettingError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


def run_lake_command(command: str) -> int:
    from extract import lake

    if command == "lake-sql":
        print(lake.attach_script())
        return 0
    print(lake.maintain().summary())
    return 0


def run_command(args: argparse.Namespace) -> int:
    import extract.arcgis.pipeline  # noqa: F401 - dlt and pyarrow: loaded before the freeze
    from extract.arcgis.cli import run_all_hosting_capacity, run_hosting_capacity
    from extract.gridx.cli import run_pricing, run_pricing_defaults

    spare_the_garbage_collector()
    if args.command == "hosting-capacity":
        return run_hosting_capacity(args)
    if args.command == "pricing":
        return run_pricing(args)
    hc_status = run_all_hosting_capacity(force=args.force, strict=args.strict)
    pricing_status = run_pricing_defaults()
    return 1 if (hc_status or pricing_status) else 0


if __name__ == "__main__":
    skip_unused_imports()
    sys.exit(main())
