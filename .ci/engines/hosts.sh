#!/usr/bin/env bash
# HAProxy (Debian's) on 127.0.0.1:8480 (EPLANNING_BALANCER_PORT), balancing round robin over two
# application hosts on 127.0.0.1:8481 and :8482 (EPLANNING_HOST_PORTS), health-checked on
# /api/v1/health. The hosts themselves are gunicorn processes that tests/test_two_hosts.py starts
# on one shared database, Redis and upload folder; a developer can start them the same way
# (docs/scaling.md). Idempotent: a running balancer with this configuration is kept.
source "$(dirname "$0")/common.sh"
PORT="${EPLANNING_BALANCER_PORT:-8480}"
read -r -a HOSTS <<< "${EPLANNING_HOST_PORTS:-8481 8482}"
DIR="$ENGINES_DIR/haproxy"
need haproxy haproxy
as_root mkdir -p "$DIR"
CFG="$DIR/haproxy.cfg.new"
{
    cat <<CFG
# written by .ci/engines/hosts.sh
global
    maxconn 512
defaults
    mode http
    option forwardfor
    option redispatch
    retries 2
    timeout connect 2s
    timeout client 30s
    timeout server 30s
frontend eplanning
    bind 127.0.0.1:$PORT
    default_backend hosts
backend hosts
    balance roundrobin
    option httpchk GET /api/v1/health
    http-check expect status 200
    # which host answered: tests and operators can tell them apart
    http-response set-header X-Eplanning-Host %s
CFG
    i=0
    for p in "${HOSTS[@]}"; do
        i=$((i + 1))
        printf '    server host%s 127.0.0.1:%s check inter 300ms fall 1 rise 1\n' "$i" "$p"
    done
} | as_root tee "$CFG" >/dev/null
haproxy -c -q -f "$CFG" || die "haproxy refuses the configuration $CFG"
running() { [ -f "$DIR/haproxy.pid" ] && kill -0 "$(head -1 "$DIR/haproxy.pid")" 2>/dev/null; }
if running && cmp -s "$CFG" "$DIR/haproxy.cfg"; then
    say "balancer: HAProxy already running on 127.0.0.1:$PORT -> ${HOSTS[*]/#/127.0.0.1:}"; exit 0
fi
if running; then
    say "balancer: configuration changed; stopping HAProxy (pid $(head -1 "$DIR/haproxy.pid"))"
    as_root kill "$(head -1 "$DIR/haproxy.pid")"
    wait_for 10 bash -c "! kill -0 $(head -1 "$DIR/haproxy.pid")" || die "HAProxy does not stop"
fi
as_root mv "$CFG" "$DIR/haproxy.cfg"
say "balancer: starting $(haproxy -v | head -1 | cut -d' ' -f1-3) on 127.0.0.1:$PORT -> ${HOSTS[*]/#/127.0.0.1:}"
as_root haproxy -D -f "$DIR/haproxy.cfg" -p "$DIR/haproxy.pid" || die "haproxy does not start"
wait_for 10 bash -c "exec 3<>/dev/tcp/127.0.0.1/$PORT" || die "nothing listens on 127.0.0.1:$PORT after starting HAProxy"
say "balancer: running on 127.0.0.1:$PORT (the hosts behind it are started by the tests)"
