#!/usr/bin/env bash
# Stop what all.sh started (the replica's copy is kept for a quick start next time).
source "$(dirname "$0")/common.sh"
for pidfile in "$ENGINES_DIR/haproxy/haproxy.pid" "$ENGINES_DIR/pgbouncer/pgbouncer.pid"; do
    if [ -f "$pidfile" ] && kill -0 "$(head -1 "$pidfile")" 2>/dev/null; then
        say "stopping $(basename "$pidfile" .pid) (pid $(head -1 "$pidfile"))"
        as_root kill "$(head -1 "$pidfile")"
    fi
done
DIR="$ENGINES_DIR/replica-$(pg_version)"
if [ -f "$DIR/postmaster.pid" ]; then
    say "stopping the replica in $DIR"
    as_postgres "$(pg_bin)/pg_ctl" -D "$DIR" -m fast -w stop >/dev/null
fi
