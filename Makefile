# The two commands: `make run` (set up, load Thailand, serve) and `make test` (the whole suite).
PY := .venv/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
WORKERS ?= 2

.PHONY: run test setup db migrate load serve stop lint bench bench-load clean qgis-check qgis-project

setup:
	@scripts/bootstrap.sh

db: setup
	@scripts/pg.sh start

migrate: db
	@$(PY) manage.py migrate --noinput -v0

load: migrate
	@$(PY) manage.py load_thailand --commit --activate --if-needed
	@$(PY) manage.py prepare_layers
	@$(PY) manage.py load_agencies
	@$(PY) manage.py load_traffy_demo

serve:
	@echo "serving on http://$(HOST):$(PORT)/ (Ctrl-C stops; 'make stop' stops the database)"
	@GEO_PRELOAD_MATCHER=1 GEO_BIND=$(HOST):$(PORT) GEO_WORKERS=$(WORKERS) .venv/bin/gunicorn -c geo/gunicorn.conf.py geo.wsgi

run: load serve

test: db
	@$(PY) -m pytest $(PYTEST_ARGS)

lint: setup
	@.venv/bin/ruff check . && .venv/bin/ruff format --check .

bench: load
	@$(PY) benchmarks/matcher.py

bench-load: load
	@$(PY) benchmarks/load.py

stop:
	@scripts/pg.sh stop

clean: stop
	rm -rf var

qgis-check: load
	@scripts/qgis-check.sh

qgis-project: load
	@scripts/qgis-project.sh
