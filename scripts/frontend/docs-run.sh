#!/usr/bin/env bash
# Starts the gateway BIN on a fresh embedded database and runs docs-check.mjs against it. Run
# by scripts/frontend-check.sh, inside a network namespace where only loopback exists.
set -euo pipefail
bin="$1"
ip link set lo up 2>/dev/null || true
data="$(mktemp -d)"
addr=127.0.0.1:18089
export MARKETPLACE_DATA__DIR="$data" MARKETPLACE_HTTP__LISTEN="$addr" MARKETPLACE_DEMO__SEED=false
RUST_LOG=warn "$bin" serve >"$data/gateway.log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$data"' EXIT
for _ in $(seq 1 120); do
  "$bin" healthcheck >/dev/null 2>&1 && break
  sleep 0.5
done
"$bin" healthcheck >/dev/null 2>&1 || { cat "$data/gateway.log" >&2; exit 1; }
cd "$(dirname "$0")"
DOCS_URL="http://$addr" node docs-check.mjs
