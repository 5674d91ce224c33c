# creditbank — everything the project needs is installed from here and pyproject.toml.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
HOST   ?= 127.0.0.1
PORT   ?= 8000
PACKAGES := keys verifier issuer wallet

.PHONY: help install interop-js run test test-browser test-db test-concurrency lint format openapi messages bench demo clean

help:
	@echo "make run      serve the API on http://$(HOST):$(PORT) with demo data (SQLite under ./var)"
	@echo "make test     run the test suite"
	@echo "make lint     ruff check, ruff format --check, mypy --strict"
	@echo "make bench    run the benchmarks, write benchmarks/results.json"
	@echo "make openapi  regenerate openapi/openapi.json"
	@echo "make messages extract message ids and update the translation catalogs"

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "creditbank needs Python >= 3.11 (set PYTHON=...)"; exit 2; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[server,wallet,dev]'
	@touch $(STAMP)

install: $(STAMP)

# Links, QR codes and wallet offers of the demo name the port served (unless set already).
run: export CREDITBANK_VERIFY_BASE_URL ?= http://$(HOST):$(PORT)
run: install
	$(BIN)/creditbank db upgrade
	$(BIN)/creditbank seed-demo
	$(BIN)/creditbank serve --host $(HOST) --port $(PORT)

test: install interop-js
	$(BIN)/pytest -q

# The npm packages of the interop tests (tests/interop/js: jose), installed from their lock
# file; without node the jose tests skip (tests/interop/test_key_discovery.py).
JS_LOCK := tests/interop/js/package-lock.json
JS_STAMP := tests/interop/js/node_modules/.package-lock.json
interop-js: $(JS_STAMP)
$(JS_STAMP): $(JS_LOCK)
	@if command -v npm >/dev/null; then cd tests/interop/js && npm ci --no-audit --no-fund; \
	else echo "npm not found: the jose interop tests will skip"; fi

# The verify page in headless Chromium (needs: apt-get install chromium chromium-driver).
test-browser: install
	$(BIN)/pytest -q tests/browser

# The database tests alone; CI runs them again with CREDITBANK_TEST_DATABASE_URL on PostgreSQL.
test-db: install
	$(BIN)/pytest -q -m db

# Bursts of concurrent requests against `creditbank serve --workers 4` over HTTP: SQLite, and
# PostgreSQL too when CREDITBANK_TEST_DATABASE_URL is set (each run makes and drops its own database).
test-concurrency: install
	$(BIN)/pytest -q -m concurrency tests/concurrency

lint: install
	$(BIN)/ruff check $(PACKAGES) tests benchmarks
	$(BIN)/ruff format --check $(PACKAGES) tests benchmarks
	$(BIN)/mypy $(PACKAGES)

format: install
	$(BIN)/ruff format $(PACKAGES) tests benchmarks
	$(BIN)/ruff check --fix $(PACKAGES) tests benchmarks

openapi: install
	$(BIN)/python -m issuer.cli.openapi_export --out openapi/openapi.json

# Message ids from the code and templates into the catalogs (then translate the new ids
# in issuer/core/locale/*/LC_MESSAGES/messages.po; tests/issuer/test_i18n.py checks them).
CATALOGS := issuer/core/locale
messages: install
	$(BIN)/pybabel extract -F babel.cfg -k N_ -k translate:2 --no-location --sort-output --no-wrap \
		--project creditbank -o $(CATALOGS)/messages.pot issuer
	$(BIN)/pybabel update -i $(CATALOGS)/messages.pot -d $(CATALOGS) -D messages \
		--no-fuzzy-matching --ignore-obsolete --no-wrap

# The ledger benchmark also runs on PostgreSQL when this server answers (it makes and drops its own database).
BENCH_PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
bench: install
	CREDITBANK_BENCH_PG_URL=$(BENCH_PG_URL) $(BIN)/python -m benchmarks

demo: install
	rm -rf var/demo-out
	$(BIN)/creditbank demo --out var/demo-out

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache .hypothesis
