#!/usr/bin/env bash
# `make demo`'s last step: the development server and one task worker together, both stopped by
# Ctrl-C (or when either of them exits). The database must be migrated first (make migrate).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}

pids=()
stop() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait || true
}
trap stop INT TERM EXIT

# --no-reload: with DEBUG on the worker would otherwise reload on every change and never stop.
$PY manage.py db_worker --no-reload --interval 0.5 &
pids+=($!)
$PY manage.py runserver --noreload "$HOST:$PORT" &
pids+=($!)
echo "Serving on http://$HOST:$PORT/ with one task worker (Ctrl-C stops both)"
# When either process ends, stop the other (the EXIT trap).
wait -n
