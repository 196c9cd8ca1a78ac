#!/usr/bin/env bash
# Starts the gateway BIN on a fresh embedded database with the demo catalogue, bank transfers on
# and no holding period, and runs the shop front's journey (journey.ts, compiled) against it.
# Run by scripts/frontend-check.sh.
set -euo pipefail
bin="$1"
here="$(cd "$(dirname "$0")" && pwd)"
data="$(mktemp -d)"
addr=127.0.0.1:18090
secret="journey-bank-secret-$(date +%s)"
export MARKETPLACE_DATA__DIR="$data" MARKETPLACE_HTTP__LISTEN="$addr" MARKETPLACE_DEMO__SEED=true \
  MARKETPLACE_BANK_TRANSFER__BANK_BIN=970436 MARKETPLACE_BANK_TRANSFER__ACCOUNT_NO=0071000999888 \
  MARKETPLACE_BANK_TRANSFER__ACCOUNT_NAME="CHO OCOP QUANG TRI" \
  MARKETPLACE_BANK_TRANSFER__WEBHOOK_SECRET="$secret" \
  MARKETPLACE_LEDGER__HOLDING_DAYS=0 MARKETPLACE_LEDGER__COOLING_OFF_HOURS=0
RUST_LOG=warn "$bin" serve >"$data/gateway.log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$data"' EXIT
for _ in $(seq 1 240); do
  "$bin" healthcheck >/dev/null 2>&1 && break
  sleep 0.5
done
"$bin" healthcheck >/dev/null 2>&1 || { cat "$data/gateway.log" >&2; exit 1; }
journey="$here/../../target/frontend/journey/scripts/frontend/journey.js"
# The compiled program imports openapi-fetch from scripts/frontend/node_modules.
ln -sfn "$here/node_modules" "$here/../../target/frontend/journey/node_modules"
echo '{"type":"module"}' > "$here/../../target/frontend/journey/package.json"
if ! JOURNEY_URL="http://$addr" BANK_SECRET="$secret" BANK_ACCOUNT=0071000999888 node "$journey"; then
  echo "--- gateway log" >&2
  tail -n 50 "$data/gateway.log" >&2
  exit 1
fi
