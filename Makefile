# examengine: `make run` serves the app with the shipped banks and demo users; `make test` runs the suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 5000
HOST ?= 127.0.0.1
export FLASK_APP := wsgi

.PHONY: run test install initdb browser lint bench clean

$(BIN)/.installed: setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $@

install: $(BIN)/.installed

## Create or upgrade the database, load the shipped syllabi, banks, blueprints and eligibility rules, create the
## demo accounts and a demo sitting open now.
initdb: install
	$(BIN)/flask db upgrade
	$(BIN)/flask bank load
	$(BIN)/flask papers load
	$(BIN)/flask proctor load
	$(BIN)/flask users demo
	$(BIN)/flask proctor demo

run: initdb
	$(BIN)/flask run --host $(HOST) --port $(PORT)

## Headless Chromium for the browser tests comes from Debian's package.
browser:
	@command -v chromium >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "The browser tests need Debian's chromium: sudo apt-get install chromium" >&2; exit 1; fi; }

test: install browser
	$(BIN)/ruff check .
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) instance .pytest_cache
