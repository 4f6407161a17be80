#!/usr/bin/env bash
# gunicorn in the foreground and the delivery workers beside it, as one command: when gunicorn
# stops (Ctrl-C, SIGTERM, `make stop` through its pid file), the workers are stopped too.
# `make stop` also stops workers left behind.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p var/run
.venv/bin/python manage.py run_workers --pidfile var/run/workers.pid &
workers=$!
trap 'kill -TERM "$workers" 2>/dev/null || true; wait "$workers" 2>/dev/null || true' EXIT
.venv/bin/gunicorn -c geo/gunicorn.conf.py --pid var/run/gunicorn.pid geo.wsgi
