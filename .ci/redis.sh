#!/usr/bin/env bash
# Redis on 127.0.0.1:6379 for the background jobs' tests (tests/test_jobs.py starts real
# `eplanning jobs worker` processes on it) and the login counters. Idempotent: a running
# Redis is kept; a stopped one is started (installed with apt-get if missing). Fails with
# the reason when it cannot. Developers: `bash .ci/redis.sh` (root, or sudo without a password).
set -euo pipefail
PORT="${EPLANNING_REDIS_PORT:-6379}"
say() { printf '[redis] %s\n' "$*"; }
up() { redis-cli -h 127.0.0.1 -p "$PORT" ping 2>/dev/null | grep -q PONG; }
sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo -n"

if command -v redis-cli >/dev/null && up; then
    say "running on 127.0.0.1:$PORT ($(redis-cli -h 127.0.0.1 -p "$PORT" info server | grep -m1 redis_version | tr -d '\r'))"
    exit 0
fi
if ! command -v redis-server >/dev/null; then
    say "not installed; installing it: apt-get install -y redis-server"
    { $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q \
        && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q redis-server; } \
        || { say "could not install redis-server with apt-get"; exit 1; }
fi
say "down; starting it: redis-server --port $PORT --bind 127.0.0.1 --daemonize yes"
$sudo redis-server --port "$PORT" --bind 127.0.0.1 --daemonize yes --save "" --appendonly no \
    || say "redis-server did not start (exit $?)"
for _ in $(seq 20); do up && break; sleep 0.5; done
up || { say "Redis does not answer on 127.0.0.1:$PORT"; exit 1; }
say "running on 127.0.0.1:$PORT"
