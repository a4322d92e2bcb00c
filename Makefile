# The two commands: `make run` and `make test`. Everything else is a helper.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1:8000

.PHONY: run test lint format install migrate demo fuzz

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

install: $(VENV)/.installed

migrate: install
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	$(BIN)/python manage.py seed_demo

## Set up everything and serve the app on http://127.0.0.1:8000 (SQLite, in-process tasks).
run: demo
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py runserver $(HOST)

## The whole suite: on PostgreSQL and Redis when DATABASE_URL and REDIS_URL are set, else SQLite.
test: install lint
	$(BIN)/python -m pytest

## The property-based tests with many more examples than `make test` runs (minutes, not seconds).
fuzz: install
	HYPOTHESIS_PROFILE=fuzz $(BIN)/python -m pytest -p no:cacheprovider unlocks/tests/security/test_state_machine.py

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .
