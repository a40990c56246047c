#!/usr/bin/env bash
# What the map needs beyond Python: npm (to install hcmap/'s pinned browser libraries) and
# Debian's Chromium (driven by Playwright in the browser tests; Playwright's own browser
# download does not work offline). Installs them with apt-get when run as root; otherwise
# prints the one command to run. Never fails setup: `make map` and the browser tests fail
# loudly, naming that command, if something is still missing.
set -uo pipefail

CHROMIUM="${HC_CHROMIUM:-/usr/bin/chromium}"
missing=()
command -v npm >/dev/null 2>&1 || missing+=(npm)
[ -x "$CHROMIUM" ] || missing+=(chromium)
[ ${#missing[@]} -eq 0 ] && exit 0

install="apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing Debian's ${missing[*]} for the map (make map, browser tests)"
    export DEBIAN_FRONTEND=noninteractive
    if apt-get update -qq && $install -qq; then
        exit 0
    fi
    echo "apt-get could not install ${missing[*]}" >&2
fi
echo "The map needs Debian's ${missing[*]}. Run:  sudo $install" >&2
exit 0
