# heatblog: `make run` serves the site, `make test` runs every test. Both set everything up.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.13 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py

# These targets are for development: DEBUG is on unless the environment says otherwise
# (the site itself defaults to DEBUG off, as production needs).
export DEBUG ?= true
# `make run PORT=8001` when 8000 is taken (links in mail follow: SITE_URL).
PORT ?= 8000

.PHONY: run test setup install install-dev db migrate superuser lint format test-tools collectstatic bench bench-tools backup restore

run: export SITE_URL ?= http://127.0.0.1:$(PORT)
run: setup ## Serve the site on http://127.0.0.1:8000 (another port: make run PORT=8001)
	@echo
	@echo "  heatblog is at http://127.0.0.1:$(PORT)  (admin: http://127.0.0.1:$(PORT)/admin/)"
	@echo "  No admin login yet? In another terminal: make superuser"
	@echo "  Mail and other background work: the task worker runs beside the server."
	@echo
	@$(MANAGE) db_worker --queue-name '*' & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT; \
	$(MANAGE) runserver 127.0.0.1:$(PORT)

test: install-dev test-tools setup lint ## Run the whole suite: unit, PostgreSQL integration, browser
	$(MANAGE) makemigrations --check --dry-run
	$(BIN)/pytest

setup: install migrate ## venv, dependencies, development database, schema, the Heat article
	$(MANAGE) load_heat

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

$(BIN)/python:
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 13), f"heatblog needs Python 3.13, found {sys.version.split()[0]}"'
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@ $(VENV)/.installed

db: install ## Start the development database (embedded PostgreSQL in .data/) unless DATABASE_URL names one
	@if [ -n "$$DATABASE_URL" ]; then echo "db: using DATABASE_URL"; else $(BIN)/python -m harness.database; fi

migrate: install db ## Apply migrations
	$(MANAGE) migrate --noinput

superuser: install db ## Create an admin login (asks for a name and password)
	$(MANAGE) createsuperuser

collectstatic: install ## Gather hashed, compressed static files for production
	DEBUG=false SECRET_KEY=collectstatic ALLOWED_HOSTS=localhost DATABASE_URL=$${DATABASE_URL:-postgresql://unused/collectstatic} \
		$(MANAGE) collectstatic --noinput -v0

lint: install-dev ## ruff: lint and formatting
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

test-tools: ## Debian's chromium (browser tests), redis-server and nginx (scenario tests): installed if missing, or a loud failure
	@missing=""; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v redis-server >/dev/null || missing="$$missing redis-server"; \
	{ command -v nginx >/dev/null || test -x /usr/sbin/nginx; } || missing="$$missing nginx-light"; \
	[ -z "$$missing" ] || { \
	  echo "Installing$$missing for the tests..."; \
	  SUDO=$$( [ "$$(id -u)" -eq 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	} || { echo "Could not install$$missing: run 'apt-get install -y$$missing'." >&2; exit 1; }

bench: install-dev bench-tools db ## Load-test the site next to "hello world" and nginx, search, beacon, mailing (about 10 minutes)
	$(BIN)/python -m bench.run

bench-tools: ## wrk and nginx from Debian, for the benchmark
	@command -v wrk >/dev/null && { command -v nginx >/dev/null || test -x /usr/sbin/nginx; } || { \
	  echo "Installing wrk and nginx for the benchmark..."; \
	  SUDO=$$( [ "$$(id -u)" -eq 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq wrk nginx-light >/dev/null; \
	}

backup: install db ## Dump the database to backups/heatblog-<UTC time>.dump
	$(MANAGE) backup

restore: install db ## Replace the database with a dump: make restore FILE=backups/heatblog-....dump
	@test -n "$(FILE)" || { \
	  echo "Usage: make restore FILE=backups/heatblog-YYYYMMDD-HHMMSS.dump" >&2; \
	  ls -1t backups/*.dump 2>/dev/null | head -5 | sed 's/^/  newest: /' >&2; \
	  exit 2; \
	}
	$(MANAGE) restore "$(FILE)"
