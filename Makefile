# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: install run test lint bench-ingest services browser

$(BIN)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

install: $(BIN)/.installed

## Install, migrate an SQLite database, load demo data, build the index, serve on 127.0.0.1.
run: install
	$(BIN)/python -m service setup --demo
	$(BIN)/gunicorn --bind $(HOST):$(PORT) --workers 2 --timeout 120 --access-logfile - wsgi:app

## Run the whole suite on SQLite and PostgreSQL, browser tests included.
test: install services browser
	$(BIN)/python -m pytest -n 2

lint: install
	$(BIN)/ruff check service tests bench migrations

services:
	@bash scripts/ensure-services

browser:
	@bash scripts/ensure-chromium

bench-ingest: install
	$(BIN)/python bench/ingest.py --rows 100000
