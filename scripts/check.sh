#!/usr/bin/env bash
# The project's checks, as CI runs them: formatting, lints, the test suite on SQLite and, when
# TEST_POSTGRES_URL names a PostgreSQL database, the whole suite again including PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."

# The S3 media store's tests run against moto (`pip install 'moto[server]'`), started here when
# it is installed and TEST_S3_URL names no server; without either they say they skipped.
if [ -z "${TEST_S3_URL:-}" ] && command -v moto_server >/dev/null 2>&1; then
  moto_server -H 127.0.0.1 -p 5056 >/tmp/moto-check.log 2>&1 &
  moto_pid=$!
  trap 'kill "$moto_pid" 2>/dev/null || true' EXIT
  for _ in $(seq 1 30); do
    curl -sf -o /dev/null http://127.0.0.1:5056/ && break
    sleep 1
  done
  export TEST_S3_URL="http://127.0.0.1:5056"
fi

echo "== cargo fmt"
cargo fmt --all --check

echo "== module layers of every crate (no cycles)"
python3 scripts/module-cycles.py

echo "== the source's shape (function and file sizes, closed sets as types)"
python3 scripts/structure-check.py

echo "== cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings

echo "== tests on SQLite (the README's test command)"
cargo test --workspace --locked

if [ -n "${TEST_POSTGRES_URL:-}" ]; then
  if command -v psql >/dev/null 2>&1; then
    # Each PostgreSQL test makes a schema test_*; drop those of earlier runs.
    psql "$TEST_POSTGRES_URL" -q -v ON_ERROR_STOP=0 >/dev/null 2>&1 <<'SQL' || true
DO $$
DECLARE s text;
BEGIN
  FOR s IN SELECT nspname FROM pg_namespace WHERE nspname LIKE 'test\_%' LOOP
    EXECUTE format('DROP SCHEMA %I CASCADE', s);
  END LOOP;
END $$;
SQL
  fi
  # The Meilisearch twins of the search contract run only when MEILI_URL names a server.
  if [ -n "${MEILI_URL:-}" ]; then
    filter='all()'
    skip=()
    echo "== tests on SQLite, PostgreSQL and Meilisearch at $MEILI_URL"
  else
    filter='not test(/::meilisearch$/)'
    skip=(--skip ::meilisearch)
    echo "== tests on SQLite and PostgreSQL (MEILI_URL unset: Meilisearch contract skipped)"
  fi
  if cargo nextest --version >/dev/null 2>&1; then
    cargo nextest run --workspace --locked --run-ignored all --no-fail-fast -E "$filter"
  else
    cargo test --workspace --locked -- --include-ignored "${skip[@]}"
  fi
else
  echo "TEST_POSTGRES_URL is unset: PostgreSQL tests skipped"
fi
