# HoiThi: `make run` serves the app with demo data; `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
STAMP := $(VENV)/.installed
SYSTEM_STAMP := $(VENV)/.system-packages
# Debian packages WeasyPrint needs at run time (Pango for text, HarfBuzz subsetting for fonts).
SYSTEM_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 gettext

.PHONY: run test bench lint migrate demo worker messages clean venv system-packages backup restore

venv: $(STAMP)

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

$(SYSTEM_STAMP): | $(VENV)/bin/python
	@missing=""; for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing system packages:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq $$missing; \
	fi
	@touch $@

$(STAMP): pyproject.toml constraints.txt $(SYSTEM_STAMP)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -c constraints.txt -e '.[test]'
	@touch $@

migrate: $(STAMP)
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	$(BIN)/python manage.py load_demo

run: migrate
	$(BIN)/python manage.py load_demo --quiet
	@echo "HoiThi is serving on http://$(HOST):$(PORT)/  (API docs: http://$(HOST):$(PORT)/api/docs/)"
	$(BIN)/python manage.py runserver --noreload $(HOST):$(PORT)

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# The benchmarks run on PostgreSQL: DATABASE_URL, or a hoithi_bench database on the local server.
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/hoithi_bench
# A Redis database of its own, so the queued ranking tasks stay out of everybody else's way.
BENCH_REDIS_URL ?= redis://127.0.0.1:6379/3
bench: $(STAMP)
	@psql "$$(echo $(BENCH_DATABASE_URL) | sed 's#/[^/]*$$#/postgres#')" -tc "SELECT 1 FROM pg_database WHERE datname = '$$(basename $(BENCH_DATABASE_URL))'" | grep -q 1 \
	  || psql "$$(echo $(BENCH_DATABASE_URL) | sed 's#/[^/]*$$#/postgres#')" -c "CREATE DATABASE $$(basename $(BENCH_DATABASE_URL))"
	DATABASE_URL=$${DATABASE_URL:-$(BENCH_DATABASE_URL)} $(BIN)/python manage.py migrate --noinput -v0
	DATABASE_URL=$${DATABASE_URL:-$(BENCH_DATABASE_URL)} REDIS_URL=$${REDIS_URL:-$(BENCH_REDIS_URL)} $(BIN)/python -m tests.bench $(ONLY)

# The whole instance (database rows and MEDIA_ROOT) as one archive: `make backup [BACKUP=path]`;
# `make restore BACKUP=path [FORCE=1]` into a migrated, empty database (FORCE=1: replace its data).
# Stop the web and worker processes before a restore. See README § Backups.
backup: $(STAMP)
	$(BIN)/python manage.py backup "$(or $(BACKUP),backups/hoithi-$$(date +%Y%m%d-%H%M%S).tar.gz)"

restore: $(STAMP)
	@test -n "$(BACKUP)" || { echo "Usage: make restore BACKUP=backups/hoithi-....tar.gz [FORCE=1]" >&2; exit 2; }
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py restore "$(BACKUP)" $(if $(FORCE),--force)

worker: $(STAMP)
	$(BIN)/celery -A config worker -l info

messages: $(STAMP)
	$(BIN)/python manage.py makemessages -l vi --ignore=.venv --ignore=tests
	$(BIN)/python manage.py compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) db.sqlite3 media staticfiles test-artifacts
