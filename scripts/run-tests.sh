#!/usr/bin/env bash
# Every check and test: lint, Django checks, migrations, then the suite on SQLite and — when it
# is reachable — on PostgreSQL. Fails when any part fails.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
export DJANGO_SETTINGS_MODULE=config.settings_test

echo "== ruff"
.venv/bin/ruff check .
.venv/bin/ruff format --check .

echo "== manage.py check"
$PY manage.py check --fail-level WARNING
# The deployment checklist, with production-like settings (errors fail; advice is printed).
env -u DJANGO_ALLOW_ASYNC_UNSAFE DJANGO_SETTINGS_MODULE=config.settings DEBUG=0 ALLOWED_HOSTS=gongjian.example \
  SECRET_KEY="$($PY -c 'import secrets; print(secrets.token_urlsafe(50))')" \
  ID_NUMBER_KEY="$($PY -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')" \
  $PY manage.py check --deploy --fail-level ERROR

echo "== collectstatic (production storage: hashed names, every referenced file present)"
static_tmp=$(mktemp -d)
env -u DJANGO_ALLOW_ASYNC_UNSAFE DJANGO_SETTINGS_MODULE=config.settings DEBUG=0 ALLOWED_HOSTS=gongjian.example \
  SECRET_KEY=collectstatic-check-only STATIC_ROOT="$static_tmp" $PY manage.py collectstatic --noinput -v0
rm -rf "$static_tmp"

echo "== makemigrations --check"
$PY manage.py makemigrations --check --dry-run

echo "== OpenAPI schema"
$PY manage.py spectacular --validate --fail-on-warn --file /dev/null

TEST_DATABASE_URL=${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}
pg_reachable=0
if $PY scripts/db_reachable.py "$TEST_DATABASE_URL"; then
  pg_reachable=1
else
  echo "== PostgreSQL at $TEST_DATABASE_URL is not reachable: SKIPPING the PostgreSQL run (SQLite only)."
  echo "   Set TEST_DATABASE_URL to a server you can reach to run the suite on PostgreSQL too."
fi

# Sync Playwright drives the browser from the test thread while the live server runs.
export DJANGO_ALLOW_ASYNC_UNSAFE=true

if [ "$pg_reachable" = 0 ]; then
  echo "== pytest on SQLite"
  env -u DATABASE_URL $PY -m pytest -p no:cacheprovider --engine-independent=run "$@"
  echo "== several nodes: SKIPPED (needs PostgreSQL; see above)"
  exit 0
fi

# Both suites, and the several-nodes check (make multinode, a database of its own), run side by
# side. Each is one process, so on a 2-core machine they keep both cores busy (with PostgreSQL's own
# server processes): side by side saves the idle half of the machine, not more — the wall time is
# about the CPU time of all of them divided by the cores, never less than the longest of them.
# To spend less CPU, the tests whose result cannot depend on the database engine (browser
# walk-throughs, tests without a database, tests marked engine_independent: see conftest.py and
# CONTRIBUTING.md, "Checks") run in the SQLite suite only: the PostgreSQL suite gets
# --engine-independent=skip and says how many it left out. The SQLite suite prints as it runs; the
# PostgreSQL suite's and the several-nodes check's output follow it. They share Redis, so each suite
# has its own databases there.
pg_log=$(mktemp)
multinode_log=$(mktemp)
pg_pid="" multinode_pid=""
trap 'kill "$pg_pid" "$multinode_pid" 2>/dev/null || true; rm -f "$pg_log" "$multinode_log"' EXIT
echo "== pytest on PostgreSQL ($TEST_DATABASE_URL): started beside the SQLite suite; its output follows it"
DATABASE_URL="$TEST_DATABASE_URL" TEST_REDIS_URL="${PG_TEST_REDIS_URL:-redis://127.0.0.1:6379/3}" \
  TEST_RQ_REDIS_URL="${PG_TEST_RQ_REDIS_URL:-redis://127.0.0.1:6379/4}" \
  $PY -m pytest -p no:cacheprovider --engine-independent=skip "$@" >"$pg_log" 2>&1 &
pg_pid=$!
TEST_DATABASE_URL="$TEST_DATABASE_URL" $PY scripts/multinode.py >"$multinode_log" 2>&1 &
multinode_pid=$!

echo "== pytest on SQLite"
sqlite_status=0
# --engine-independent=run whatever the environment says: this suite is the one that runs them.
env -u DATABASE_URL $PY -m pytest -p no:cacheprovider --engine-independent=run "$@" || sqlite_status=$?

pg_status=0
wait "$pg_pid" || pg_status=$?
# Exit 5 is "no test selected": arguments choosing only engine-independent tests leave the
# PostgreSQL suite nothing to run, which is no failure.
if [ "$pg_status" = 5 ]; then pg_status=0; fi
echo "== pytest on PostgreSQL ($TEST_DATABASE_URL)"
cat "$pg_log"
multinode_status=0
wait "$multinode_pid" || multinode_status=$?
echo "== several nodes (make multinode): two app nodes, two workers, S3 and Redis on PostgreSQL"
cat "$multinode_log"

echo "== results: SQLite suite exit $sqlite_status, PostgreSQL suite exit $pg_status, several nodes exit $multinode_status"
[ "$sqlite_status" = 0 ] || exit "$sqlite_status"
[ "$pg_status" = 0 ] || exit "$pg_status"
[ "$multinode_status" = 0 ] || exit "$multinode_status"
