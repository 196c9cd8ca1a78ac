#!/usr/bin/env bash
# Usage: journey-run.sh BIN GHN_STANDIN
# Starts GHN's stand-in (GHN_STANDIN, the test kit's `ghn-standin`) and the gateway BIN on a
# fresh embedded database with the demo catalogue, bank transfers on, no holding period and GHN
# pointed at the stand-in (the demo communes the journey ships between mapped to the stand-in's
# wards), and runs the shop front's journey (journey.ts, compiled) against them.
# Run by scripts/frontend-check.sh.
set -euo pipefail
bin="$1"
standin="$2"
here="$(cd "$(dirname "$0")" && pwd)"
data="$(mktemp -d)"
addr=127.0.0.1:18090
ghn_port=18091
secret="journey-bank-secret-$(date +%s)"
ghn_secret="journeyGhnCallback$(date +%s)"

# GHN's stand-in, and our communes as GHN addresses them: the Cửa Tùng stall's (Xã Cửa Tùng)
# and the buyer's (Phường Đông Hà), at the stand-in's province, district and ward ids.
"$standin" --port "$ghn_port" >"$data/ghn.log" 2>&1 &
ghn_pid=$!
trap 'kill "$ghn_pid" 2>/dev/null || true; rm -rf "$data"' EXIT
printf 'commune_code,province_id,district_id,ward_code\n19414,212,1701,480201\n19333,212,1700,480101\n' \
  >"$data/ghn-communes.csv"
for _ in $(seq 1 60); do
  curl -s -o /dev/null "http://127.0.0.1:$ghn_port/" && break
  sleep 0.5
done
curl -s -o /dev/null "http://127.0.0.1:$ghn_port/" || { cat "$data/ghn.log" >&2; exit 1; }
export MARKETPLACE_CARRIERS__GHN__URL="http://127.0.0.1:$ghn_port/shiip/public-api" \
  MARKETPLACE_CARRIERS__GHN__WEBHOOK_SECRET="$ghn_secret" \
  MARKETPLACE_CARRIERS__GHN__COMMUNES_FILE="$data/ghn-communes.csv" \
  MARKETPLACE_CARRIERS__SECRET_KEY="$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')"
export MARKETPLACE_DATA__DIR="$data" MARKETPLACE_HTTP__LISTEN="$addr" MARKETPLACE_DEMO__SEED=true \
  MARKETPLACE_BANK_TRANSFER__BANK_BIN=970436 MARKETPLACE_BANK_TRANSFER__ACCOUNT_NO=0071000999888 \
  MARKETPLACE_BANK_TRANSFER__ACCOUNT_NAME="CHO OCOP QUANG TRI" \
  MARKETPLACE_BANK_TRANSFER__WEBHOOK_SECRET="$secret" \
  MARKETPLACE_LEDGER__HOLDING_DAYS=0 MARKETPLACE_LEDGER__COOLING_OFF_HOURS=0
RUST_LOG=warn "$bin" serve >"$data/gateway.log" 2>&1 &
pid=$!
trap 'kill "$pid" "$ghn_pid" 2>/dev/null || true; rm -rf "$data"' EXIT
for _ in $(seq 1 240); do
  "$bin" healthcheck >/dev/null 2>&1 && break
  sleep 0.5
done
"$bin" healthcheck >/dev/null 2>&1 || { cat "$data/gateway.log" >&2; exit 1; }
journey="$here/../../target/frontend/journey/scripts/frontend/journey.js"
# The compiled program imports openapi-fetch from scripts/frontend/node_modules.
ln -sfn "$here/node_modules" "$here/../../target/frontend/journey/node_modules"
echo '{"type":"module"}' > "$here/../../target/frontend/journey/package.json"
if ! JOURNEY_URL="http://$addr" BANK_SECRET="$secret" BANK_ACCOUNT=0071000999888 \
  GHN_STANDIN="http://127.0.0.1:$ghn_port/shiip/public-api" GHN_WEBHOOK_SECRET="$ghn_secret" \
  node "$journey"; then
  echo "--- gateway log" >&2
  tail -n 50 "$data/gateway.log" >&2
  echo "--- GHN stand-in log" >&2
  tail -n 20 "$data/ghn.log" >&2
  exit 1
fi
