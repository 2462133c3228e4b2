# Shared by the engine scripts (sourced, not run): where their files live, apt installs, logs.
# The engines listen on 127.0.0.1 only; their files are kept outside the work tree.
set -euo pipefail
ENGINES_DIR="${EPLANNING_ENGINES_DIR:-/var/tmp/eplanning-engines}"
PG_PORT="${EPLANNING_PG_PORT:-5432}"
say() { printf '[engines] %s\n' "$*"; }
die() { printf '[engines] FAILED: %s\n' "$*" >&2; exit 1; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo -n "$@"; fi; }
as_postgres() { if [ "$(id -un)" = postgres ]; then "$@"; else as_root runuser -u postgres -- "$@"; fi; }
pg_version() { ls /etc/postgresql 2>/dev/null | sort -n | tail -1; }
pg_bin() { echo "/usr/lib/postgresql/$(pg_version)/bin"; }
# apt-get install the Debian packages given, if their command is missing (apt-get update once).
_APT_UPDATED=""
need() {  # need COMMAND PACKAGE
    command -v "$1" >/dev/null 2>&1 && return 0
    say "$1 missing: apt-get install -y $2"
    if [ -z "$_APT_UPDATED" ]; then
        as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null || die "apt-get update failed"
        _APT_UPDATED=1
    fi
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$2" >/dev/null \
        || die "apt-get install $2 failed"
    command -v "$1" >/dev/null 2>&1 || die "$2 installed but $1 is still not on PATH"
}
wait_for() {  # wait_for SECONDS COMMAND...: true once COMMAND succeeds
    local n=$(( $1 * 5 )); shift
    for _ in $(seq "$n"); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
    return 1
}
