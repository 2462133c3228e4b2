#!/usr/bin/env bash
# Every engine the scaling tests need (docs/scaling.md), each timed: the streaming replica,
# PgBouncer, the load balancer. `make engines` runs this; .ci/run does before `make test`.
set -euo pipefail
here="$(dirname "$0")"
for engine in replica pgbouncer hosts; do
    started=$(date +%s)
    bash "$here/$engine.sh"
    printf '[engines] %s: ready in %s s\n' "$engine" "$(( $(date +%s) - started ))"
done
