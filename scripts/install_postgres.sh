#!/usr/bin/env bash
# PostgreSQL's server programs (initdb, pg_ctl) for the lake tests, which start a throwaway
# cluster on 127.0.0.1 (tests/doubles/replicas/postgres.py). Installs Debian's package with
# apt-get when run as root; otherwise prints the one command to run. Never fails setup: the
# lake tests fail loudly, naming that command, if the programs are still missing.
set -uo pipefail

if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1; then
    exit 0
fi
install="apt-get install -y --no-install-recommends postgresql"
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing Debian's postgresql for the lake tests"
    export DEBIAN_FRONTEND=noninteractive
    if apt-get update -qq && $install -qq; then
        exit 0
    fi
    echo "apt-get could not install postgresql" >&2
fi
echo "The lake tests need PostgreSQL's server programs. Run:  sudo $install" >&2
exit 0
