"""`python -m replicas serve [--port N]` serves every replica; `python -m replicas demo` runs
the whole pipeline (extract, dbt build, summary) against them, offline."""

from __future__ import annotations

import argparse
import sys
import time


def serve(port: int) -> int:
    from replicas.server import ReplicaServer

    with ReplicaServer(port=port) as server:
        print(f"REPLICA_URL={server.url}", flush=True)
        print(f"Point the extractor at it: HC_REPLICA_URL={server.url} python -m extract all",
              flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m replicas", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve_parser = commands.add_parser("serve", help="serve the replicas until interrupted")
    serve_parser.add_argument("--port", type=int, default=8765)
    commands.add_parser("demo", help="extract + dbt build against the replicas, then a summary")
    args = parser.parse_args(argv)
    if args.command == "serve":
        return serve(args.port)
    from replicas.demo import run_demo

    return run_demo()


if __name__ == "__main__":
    sys.exit(main())
