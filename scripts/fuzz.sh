#!/usr/bin/env bash
# Property-based fuzzing of the running marketplace from its own /openapi.json with schemathesis
# (pip install schemathesis), as every role: anonymous, buyer, vendor, administrator. Fails on
# any 5xx, and on an optional body whose absence, `null` and `{}` are answered differently. CI
# runs the in-process equivalent (crates/gateway/tests/it/fuzz.rs); this is the
# longer run against a real server.
#
#   scripts/fuzz.sh                                   # SQLite in a temporary directory
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/fuzzdb scripts/fuzz.sh
#   MAX_EXAMPLES=100 scripts/fuzz.sh
set -euo pipefail
cd "$(dirname "$0")/.."
command -v st >/dev/null || { echo "schemathesis is not installed: pip install schemathesis"; exit 2; }

port="${PORT:-18090}"
dir="$(mktemp -d)"
cargo build --quiet -p gateway --bin marketplace
export MARKETPLACE_DATA__DIR="$dir" MARKETPLACE_HTTP__LISTEN="127.0.0.1:$port" \
  MARKETPLACE_LOG__FILTER=error MARKETPLACE_DEMO__SEED=true \
  MARKETPLACE_RATE_LIMIT__LOGIN_PER_IP_PER_MINUTE=100000 \
  MARKETPLACE_RATE_LIMIT__REGISTER_PER_IP_PER_MINUTE=100000
if [ -n "${DATABASE_URL:-}" ]; then export MARKETPLACE_DATABASE__URL="$DATABASE_URL"; fi
target/debug/marketplace serve >"$dir/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 1 60); do curl -sf "localhost:$port/healthz" >/dev/null && break; sleep 1; done

token() {
  curl -sf "localhost:$port/api/v1/auth/login" -H 'content-type: application/json' \
    -d "{\"email\":\"$1\",\"password\":\"cho-ocop-demo-2026\"}" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])'
}
status=0
# Every optional body (a move, a decision, a payout batch): none, `null` and `{}` mean the same,
# as an administrator, on ids nothing has (the body is read before anything is looked up).
echo "== optional bodies: none, null and {} alike"
OPENAPI_BASE="http://127.0.0.1:$port" ADMIN_TOKEN="$(token quantri@demo.cho-ocop.test)" python3 - <<'PY' || status=1
import json, os, re, sys, urllib.request, uuid
base, token = os.environ["OPENAPI_BASE"], os.environ["ADMIN_TOKEN"]
doc = json.load(urllib.request.urlopen(base + "/openapi.json"))
def send(method, path, body):
    req = urllib.request.Request(base + path, method=method.upper(), data=body,
                                 headers={"Authorization": "Bearer " + token})
    if body is not None:
        req.add_header("Content-Type", "application/json")
    try:
        return urllib.request.urlopen(req).status
    except urllib.error.HTTPError as e:
        return e.code
bad = 0
for path, ops in doc["paths"].items():
    for method, op in ops.items():
        body = op.get("requestBody") or {}
        schema = json.dumps(body.get("content", {}).get("application/json", {}).get("schema"))
        if "logout" in path or body == {} or (body.get("required") and '"null"' not in schema):
            continue
        uri = re.sub(r"\{[^}]+\}", lambda _: str(uuid.uuid4()), path)
        got = [send(method, uri, b) for b in (None, b"null", b"{}")]
        if len(set(got)) > 1 or max(got) >= 500:
            print(f"{method.upper()} {path}: none, null, {{}} -> {got}")
            bad += 1
sys.exit(1 if bad else 0)
PY
for who in anonymous khachhang@demo.cho-ocop.test cuatung@demo.cho-ocop.test quantri@demo.cho-ocop.test; do
  auth=()
  if [ "$who" != anonymous ]; then auth=(-H "Authorization: Bearer $(token "$who")"); fi
  echo "== as $who"
  st run "http://127.0.0.1:$port/openapi.json" "${auth[@]}" \
    --max-examples "${MAX_EXAMPLES:-25}" --workers 2 --exclude-path-regex logout || status=1
done
exit $status
