# The two commands: `make run` and `make test`. Everything else is a helper.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1:8000


.PHONY: run-quickbooks
.PHONY: run test lint format install install-dev migrate demo worker schema bench fuzz

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

# Tests, the browser driver, lint and the bench tools: only what make test and make bench use.
$(VENV)/.installed-dev: requirements-dev.txt $(VENV)/.installed
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

# axe-core, which the browser tests inject into the pages they check (package-lock.json).
node_modules/.package-lock.json: package.json package-lock.json
	command -v npm >/dev/null || apt-get install -y npm || (apt-get update && apt-get install -y npm)
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

install-dev: $(VENV)/.installed-dev node_modules/.package-lock.json

migrate: install
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	$(BIN)/python manage.py seed_demo

## Set up everything and serve the app on http://127.0.0.1:8000 (SQLite, in-process tasks).
run: demo
	@if [ -z "$$REDIS_URL" ]; then echo "REDIS_URL is not set: emails and webhooks are sent in this process after each commit (no worker); 'python manage.py expire_requests' and 'deliver_outbox' run expiry and retries by hand."; else echo "REDIS_URL is set: start 'make worker' too, or emails, webhooks and expiry wait in the outbox."; fi
	$(BIN)/python manage.py make_signing_key
	DEBUG=$${DEBUG:-1} SITE_URL=$${SITE_URL:-http://$(HOST)} $(BIN)/python manage.py runserver $(HOST)

## The demo beside a local QuickBooks stand-in (INV-1001 keyed in by hand, a closing date):
## B-1001's pages say what QuickBooks holds. QB_PORT moves the stand-in.
QB_PORT ?= 8765
QB_BASE = http://127.0.0.1:$(QB_PORT)
run-quickbooks: demo
	@DEBUG=1 $(BIN)/python manage.py quickbooks_standin --port $(QB_PORT) & standin=$$!; \
	trap "kill $$standin" EXIT INT TERM; sleep 2; \
	QUICKBOOKS_CLIENT_ID=standin-id QUICKBOOKS_CLIENT_SECRET=standin-key \
	QUICKBOOKS_API_BASE=$(QB_BASE)/v3 QUICKBOOKS_TOKEN_URL=$(QB_BASE)/oauth2/v1/tokens/bearer \
	QUICKBOOKS_AUTH_URL=$(QB_BASE)/connect/oauth2 \
	DEBUG=$${DEBUG:-1} SITE_URL=$${SITE_URL:-http://$(HOST)} $(BIN)/python manage.py runserver $(HOST)

## A Celery worker with the beat schedule (expiry, outbox sweep) against REDIS_URL.
worker: migrate
	@test -n "$$REDIS_URL" || { echo "make worker needs REDIS_URL, e.g. REDIS_URL=redis://127.0.0.1:6379/0 make worker"; exit 1; }
	$(BIN)/celery -A config worker --beat --queues=emails,webhooks,scheduled --schedule celerybeat-schedule --loglevel=INFO

## The whole suite: on PostgreSQL and Redis when DATABASE_URL and REDIS_URL are set, else SQLite.
test: install-dev lint
	$(BIN)/python -m pytest

## The property-based tests (state machine, schemathesis against the served schema) with
## many more examples than `make test` runs (minutes, not seconds).
fuzz: install-dev
	HYPOTHESIS_PROFILE=fuzz $(BIN)/python -m pytest -p no:cacheprovider unlocks/tests/security/test_state_machine.py unlocks/tests/api/test_schemathesis.py

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## Write the served OpenAPI schema to openapi.yaml (a test fails when they differ).
schema: install
	$(BIN)/python manage.py spectacular --validate --fail-on-warn --file openapi.yaml

## Benchmarks on PostgreSQL (BENCHMARKS.md, bench/chart.png); BENCH_SCALE=0.01 runs small.
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/unlockdesk_bench
bench: install-dev
	command -v wrk >/dev/null || apt-get install -y wrk || (apt-get update && apt-get install -y wrk)
	DATABASE_URL=$${DATABASE_URL:-$(BENCH_DATABASE_URL)} $(BIN)/python -m bench
