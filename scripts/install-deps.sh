#!/bin/sh
# Installs exactly the Debian packages govbot needs that are missing.
# Does nothing (and needs no privileges) when every package is present.
# `install-deps.sh check` adds what only `make check` needs: chromium (the
# browser test of the public record), groff (the manual's test) and
# systemd (systemd-analyze verifies the unit).
set -eu
PKGS="build-essential pkg-config libwebsockets-dev libcurl4-openssl-dev libcjson-dev libpcre2-dev libsqlite3-dev libssl-dev check python3"
if [ "${1:-}" = "check" ]; then
    PKGS="$PKGS chromium groff-base systemd"
fi
missing=""
for p in $PKGS; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done
[ -z "$missing" ] && exit 0
echo "install-deps: installing:$missing" >&2
if [ "$(id -u)" -eq 0 ]; then SUDO=""; elif command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "install-deps: need root or sudo to install:$missing" >&2; exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
