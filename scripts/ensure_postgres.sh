#!/usr/bin/env bash
# PostgreSQL's server programs (initdb, pg_ctl, postgres) for the lake tests, which start a
# throwaway cluster on 127.0.0.1. Installed from Debian's packages where this runs as root
# with apt-get; elsewhere, prints the one command to run.
set -euo pipefail
found=$(ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$found" ] && command -v initdb >/dev/null 2>&1; then
    found=$(command -v initdb)
fi
if [ -n "$found" ]; then
    echo "PostgreSQL server found: $(dirname "$found")"
    exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing PostgreSQL from Debian's packages (for the lake tests)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends postgresql >/dev/null
    ls -d /usr/lib/postgresql/*/bin/initdb
    exit 0
fi
echo "PostgreSQL server not found; the lake tests need it. Install it with:"
echo "    sudo apt-get install -y postgresql"
