"""`python -m hcmap build` (make map) and `python -m hcmap serve` (make serve-map)."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from pathlib import Path

from extract import settings
from hcmap.build import MapBuildError, build_site
from hcmap.records import MartsError
from hcmap.serve import DEFAULT_PORT, SiteServer


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m hcmap", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    build = commands.add_parser("build", help="build the site from the marts file")
    build.add_argument("--marts", type=Path, help="default: $HC_WAREHOUSE_DIR/marts.duckdb")
    build.add_argument("--out", type=Path, help="default: $HC_WAREHOUSE_DIR/map")
    serve = commands.add_parser("serve", help="serve the built site on 127.0.0.1")
    serve.add_argument("--site", type=Path, help="default: $HC_WAREHOUSE_DIR/map")
    serve.add_argument("--port", type=int,
                       default=int(os.environ.get("HC_MAP_PORT", DEFAULT_PORT)))
    args = parser.parse_args(argv)
    warehouse = settings.warehouse_dir()
    if args.command == "build":
        try:
            report = build_site(args.marts or warehouse / "marts.duckdb",
                                args.out or warehouse / "map")
        except (MapBuildError, MartsError) as error:
            print(f"map: {error}", file=sys.stderr)
            return 1
        print(f"map: {report.records:,} records in {report.tiles:,} tiles, "
              f"{report.site_bytes / 1e6:.1f} MB, {report.seconds:.1f} s -> {report.out_dir}")
        for column in report.stood_in:
            print(f"map: the marts have no column {column}; the map shows its stand-in")
        return 0
    site = args.site or warehouse / "map"
    try:
        server = SiteServer(site, port=args.port)
    except (FileNotFoundError, OSError) as error:
        print(f"map: {error}", file=sys.stderr)
        return 1
    with server:
        print(f"map: serving {site} at {server.url} (Ctrl-C stops)", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            server.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
