#!/usr/bin/env bash
# A PostgreSQL streaming replica of 127.0.0.1:5432 on 127.0.0.1:5433 (EPLANNING_REPLICA_PORT),
# made with pg_basebackup; idempotent: a running replica is kept, a stopped one started, a
# broken one made again. The primary gets a `replication` trust line for 127.0.0.1 if missing.
source "$(dirname "$0")/common.sh"
PORT="${EPLANNING_REPLICA_PORT:-5433}"
DIR="$ENGINES_DIR/replica-$(pg_version)"
BIN="$(pg_bin)"
[ -x "$BIN/pg_basebackup" ] || die "no PostgreSQL server binaries in $BIN"
pg_isready -q -h 127.0.0.1 -p "$PG_PORT" || die "the primary is not up on 127.0.0.1:$PG_PORT"

is_replica() {
    [ "$(psql -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -w -tAc 'select pg_is_in_recovery()' 2>/dev/null)" = t ]
}
# Streaming from the primary now (a copy whose WAL the primary recycled meanwhile never is).
streaming() {
    is_replica && [ "$(psql -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -w -tAc \
        'select status from pg_stat_wal_receiver' 2>/dev/null)" = streaming ]
}
stop_copy() { as_postgres "$BIN/pg_ctl" -D "$DIR" -m immediate stop >/dev/null 2>&1 || true; }
if streaming; then
    # a test run that died while it had replay paused (tests/test_replica.py) leaves it paused
    psql -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -w -tAc 'select pg_wal_replay_resume()' >/dev/null
    say "replica: already running on 127.0.0.1:$PORT, streaming ($DIR)"; exit 0
fi
if is_replica; then
    if wait_for 15 streaming; then say "replica: running on 127.0.0.1:$PORT, streaming"; exit 0; fi
    say "replica: running on 127.0.0.1:$PORT but not streaming from the primary; making it again"
    stop_copy
fi

# The primary must accept replication connections from 127.0.0.1 (trust, like the suite's).
HBA="$(psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -w -tAc 'show hba_file')"
if ! psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -w -tAc \
        "select 1 from pg_hba_file_rules where 'replication' = any(database) and address = '127.0.0.1' and auth_method = 'trust'" | grep -q 1; then
    say "primary: adding 'host replication all 127.0.0.1/32 trust' to $HBA and reloading"
    printf '\n# eplanning-core CI: streaming replica on 127.0.0.1 (.ci/engines/replica.sh)\nhost replication all 127.0.0.1/32 trust\n' \
        | as_root tee -a "$HBA" >/dev/null
    psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -w -tAc 'select pg_reload_conf()' >/dev/null
fi
[ "$(psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -w -tAc 'show wal_level')" != minimal ] \
    || die "the primary has wal_level=minimal; set wal_level=replica and restart it"

start() {
    as_postgres "$BIN/pg_ctl" -D "$DIR" -l "$DIR/replica.log" -w -t 60 start >/dev/null
}
if [ -f "$DIR/standby.signal" ]; then
    say "replica: starting the existing copy in $DIR"
    if start && wait_for 30 streaming; then
        say "replica: running on 127.0.0.1:$PORT, streaming"; exit 0
    fi
    say "replica: the existing copy does not start or stream (log: $DIR/replica.log); making it again"
    stop_copy
fi

as_root mkdir -p "$ENGINES_DIR"
as_root rm -rf "$DIR"
as_root install -d -o postgres -g postgres -m 700 "$DIR"
say "replica: pg_basebackup -h 127.0.0.1 -p $PG_PORT -D $DIR -R -X stream"
started=$(date +%s)
as_postgres "$BIN/pg_basebackup" -h 127.0.0.1 -p "$PG_PORT" -U postgres -w -D "$DIR" -R -X stream -c fast \
    || die "pg_basebackup failed"
# Debian keeps the server's configuration in /etc: the copy gets its own, small one.
as_postgres tee "$DIR/postgresql.conf" >/dev/null <<CONF
port = $PORT
listen_addresses = '127.0.0.1'
unix_socket_directories = '$DIR'
hot_standby = on
hot_standby_feedback = on
max_standby_streaming_delay = 5s
shared_buffers = 32MB
max_connections = 100
logging_collector = off
CONF
printf 'local all all trust\nhost all all 127.0.0.1/32 trust\n' | as_postgres tee "$DIR/pg_hba.conf" >/dev/null
as_postgres touch "$DIR/pg_ident.conf"
start || die "the replica does not start; see $DIR/replica.log"
wait_for 30 streaming || die "the replica on 127.0.0.1:$PORT does not stream from the primary; see $DIR/replica.log"
say "replica: running on 127.0.0.1:$PORT, streaming, made in $(( $(date +%s) - started )) s"
