#!/usr/bin/env bash
# The Debian packages tests/test_guide_server.py needs to rehearse the replication guide's
# server blocks as root (sudo, nginx with TLS, sqlite3, systemd-analyze, the guide's own
# apt-get line's packages). `.ci/run` runs this; a developer as root too.
set -euo pipefail
. "$(dirname "$0")/engines/common.sh"
need sudo sudo
need nginx nginx
need openssl openssl
need sqlite3 sqlite3
need systemd-analyze systemd
need unshare util-linux
need git git
need curl curl
# The guide's first server block installs these; the rehearsal runs it, so have the lists.
for package in python3-venv make redis-server; do
    dpkg -s "$package" >/dev/null 2>&1 || { as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null; \
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$package" >/dev/null || die "apt-get install $package failed"; }
done
say "server tools: sudo $(sudo -V | head -1 | awk '{print $3}'), nginx $(nginx -v 2>&1 | sed 's/.*nginx\///'), $(systemd-analyze --version | head -1)"
