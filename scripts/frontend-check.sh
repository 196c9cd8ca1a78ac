#!/usr/bin/env bash
# What a shop front's developer does with the API, checked:
# - a TypeScript client generated from the OpenAPI document (openapi-typescript) type-checks,
#   with code that relies on closed sets (sort keys, problem codes) being unions, and the
#   document's whole-body examples type-check against the generated types;
# - the shop front's whole journey (journey.ts: guest cart, sign-in, VietQR payment watched as
#   Server-Sent Events, the vendor's app, the payout, a parcel booked with GHN and its cash on
#   delivery remitted and paid out), through openapi-fetch and the generated types with no
#   cast, runs against a real gateway and GHN's stand-in (the test kit's `ghn-standin`);
# - /docs, opened in headless Chromium inside a network namespace with no way out, shows every
#   operation, each with an example for every JSON body, and asks no other host for anything.
# Needs Node.js and npm (skipped with a message otherwise). Chromium comes from Debian's
# packages; when it is missing it is installed if apt-get can, else the docs check is skipped
# with a message (a failure under CI=true).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "frontend checks skipped: Node.js and npm are not installed"
  exit 0
fi

echo "== TypeScript client generated from the OpenAPI document"
cargo build --locked -p gateway --bin marketplace
cargo build --locked -p testkit --bin ghn-standin
bin="$PWD/target/debug/marketplace"
standin="$PWD/target/debug/ghn-standin"
mkdir -p target/frontend
"$bin" openapi > target/frontend/openapi.json
(
  cd scripts/frontend
  npm ci --no-audit --no-fund --loglevel=error
  npx openapi-typescript ../../target/frontend/openapi.json -o ../../target/frontend/api.d.ts
  node examples.mjs
  npx tsc -p tsconfig.json
)
echo "the generated client and the examples type-check"

echo "== the shop front's whole journey, through the generated client, against a real gateway"
(cd scripts/frontend && npx tsc -p tsconfig.journey.json)
bash scripts/frontend/journey-run.sh "$bin" "$standin"

echo "== /docs in headless Chromium, network cut off"
chromium="${CHROMIUM:-/usr/bin/chromium}"
if [ ! -x "$chromium" ] && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  echo "installing Chromium from Debian's packages"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null 2>&1 \
    || { apt-get update -q >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null 2>&1; } \
    || true
fi
if [ ! -x "$chromium" ]; then
  if [ -n "${CI:-}" ]; then
    echo "no Chromium at $chromium, and it could not be installed" >&2
    exit 1
  fi
  echo "docs check skipped: no Chromium at $chromium (apt-get install chromium)"
  exit 0
fi
export CHROMIUM="$chromium"
if unshare --net true 2>/dev/null; then
  unshare --net bash scripts/frontend/docs-run.sh "$bin"
else
  echo "note: cannot make a network namespace here; the page's requests are still recorded"
  bash scripts/frontend/docs-run.sh "$bin"
fi
