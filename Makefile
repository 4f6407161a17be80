# The two commands: `make run` (set up, load Thailand, serve) and `make test` (the whole suite).
PY := .venv/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
WORKERS ?= 2

.PHONY: run test setup db migrate load front serve stop lint structure bench bench-load clean qgis-check qgis-project

setup:
	@scripts/bootstrap.sh

db: setup
	@scripts/pg.sh start

migrate: db
	@$(PY) manage.py migrate --noinput -v0

# Boundaries, then agencies, in one process (manage.py load_all); the lighter layers and the demo
# complaints are jobs for the workers `make serve` starts (docs/benchmarks.md#first-start).
load: migrate
	@$(PY) manage.py load_all

# nginx on HOST:PORT and Redis, both under var/run (geo/front.py), then gunicorn on var/run's socket
# with the delivery workers beside it (scripts/serve.sh).
front: setup
	@$(PY) -m geo.front start --listen $(HOST):$(PORT)

serve: front
	@echo "serving on http://$(HOST):$(PORT)/ with the delivery workers (Ctrl-C stops gunicorn and the workers; 'make stop' stops every part: gunicorn, the workers, nginx, Redis and the database)"
	@GEO_PRELOAD_MATCHER=1 GEO_BIND=unix:var/run/gunicorn.sock GEO_WORKERS=$(WORKERS) scripts/serve.sh

run: load serve

test: db
	@$(PY) -m pytest $(PYTEST_ARGS)

lint: setup
	@.venv/bin/ruff check . && .venv/bin/ruff format --check . && .venv/bin/mypy

# The import graph: circles, arrows back up the layers, imports inside functions (docs/architecture.md).
structure: setup
	@$(PY) scripts/structure.py

bench: load
	@$(PY) benchmarks/matcher.py

bench-load: load
	@$(PY) benchmarks/load.py

stop:
	@if [ -f var/run/serve.pid ]; then kill -TERM "$$(cat var/run/serve.pid)" 2>/dev/null || true; fi
	@if [ -f var/run/gunicorn.pid ]; then kill -TERM "$$(cat var/run/gunicorn.pid)" 2>/dev/null || true; fi
	@if [ -f var/run/workers.pid ]; then kill -TERM "$$(cat var/run/workers.pid)" 2>/dev/null || true; fi
	@if [ -x $(PY) ]; then $(PY) -m geo.front stop; fi
	@scripts/pg.sh stop

clean: stop
	rm -rf var

qgis-check: load
	@scripts/qgis-check.sh

qgis-project: load
	@scripts/qgis-project.sh
