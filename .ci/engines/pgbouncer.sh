#!/usr/bin/env bash
# PgBouncer (Debian's) in transaction mode on 127.0.0.1:6432 (EPLANNING_PGBOUNCER_PORT) in front
# of PostgreSQL on 127.0.0.1:5432: every database, every role PostgreSQL knows (looked up with
# auth_query as postgres; trust, like the suite's server). Idempotent: a running one is kept.
source "$(dirname "$0")/common.sh"
PORT="${EPLANNING_PGBOUNCER_PORT:-6432}"
DIR="$ENGINES_DIR/pgbouncer"
need pgbouncer pgbouncer
answers() {
    [ "$(psql -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -w -tAc 'select 1' 2>/dev/null)" = 1 ]
}
if answers; then
    mode=$(psql -h 127.0.0.1 -p "$PORT" -U postgres -d pgbouncer -w -tAc 'show config' 2>/dev/null \
        | awk -F'|' '$1 == "pool_mode" {print $2}')
    [ "$mode" = transaction ] || die "something on 127.0.0.1:$PORT answers but is not PgBouncer in transaction mode (pool_mode: ${mode:-unknown})"
    say "pgbouncer: already running on 127.0.0.1:$PORT (pool_mode = transaction)"; exit 0
fi
pg_isready -q -h 127.0.0.1 -p "$PG_PORT" || die "PostgreSQL is not up on 127.0.0.1:$PG_PORT"
as_root mkdir -p "$ENGINES_DIR"
as_root install -d -o postgres -g postgres -m 755 "$DIR"
as_postgres tee "$DIR/userlist.txt" >/dev/null <<'USERS'
"postgres" ""
USERS
as_postgres tee "$DIR/pgbouncer.ini" >/dev/null <<INI
; written by .ci/engines/pgbouncer.sh
[databases]
* = host=127.0.0.1 port=$PG_PORT

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $PORT
unix_socket_dir =
pool_mode = transaction
auth_type = trust
auth_file = $DIR/userlist.txt
auth_user = postgres
admin_users = postgres
stats_users = postgres
max_client_conn = 400
default_pool_size = 20
server_reset_query =
ignore_startup_parameters = extra_float_digits,options
logfile = $DIR/pgbouncer.log
pidfile = $DIR/pgbouncer.pid
INI
say "pgbouncer: starting $(pgbouncer --version | head -1) on 127.0.0.1:$PORT, pool_mode = transaction"
as_postgres pgbouncer -d "$DIR/pgbouncer.ini" || die "pgbouncer does not start; see $DIR/pgbouncer.log"
wait_for 15 answers || die "pgbouncer on 127.0.0.1:$PORT does not pass queries to PostgreSQL; see $DIR/pgbouncer.log"
say "pgbouncer: running on 127.0.0.1:$PORT"
