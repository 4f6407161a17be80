#!/usr/bin/env bash
# gunicorn and the delivery workers beside it, as one command in the foreground: Ctrl-C, SIGTERM
# or `make stop` (through var/run/serve.pid, written at once, so a stop during the matcher's
# preload works too) stops both. `make stop` also stops workers left behind.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p var/run
echo $$ >var/run/serve.pid
.venv/bin/python manage.py run_workers --pidfile var/run/workers.pid &
workers=$!
.venv/bin/gunicorn -c geo/gunicorn.conf.py --pid var/run/gunicorn.pid geo.wsgi &
server=$!
stop() {
  trap - EXIT INT TERM
  kill -TERM "$server" "$workers" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -f var/run/serve.pid
}
trap stop EXIT
trap 'stop; exit 0' INT TERM  # a requested stop is a clean exit
wait "$server"
