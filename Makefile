# The two commands a newcomer needs: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
# Checks that must not depend on which database DATABASE_URL points at.
NO_DB := env -u DATABASE_URL DJANGO_SETTINGS_MODULE=backoffice.settings.test

.PHONY: install run test test-browser lint decoder

$(INSTALLED): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e ".[test]"
	touch $@

install: $(INSTALLED)

## make run: install, migrate, compile translations, load the demo, then `manage.py serve`:
## the admin on http://127.0.0.1:8000/admin/ and a background worker. Ctrl-C stops both.
run: install
	$(PY) manage.py migrate --noinput -v 0
	$(PY) manage.py compile_translations
	$(PY) manage.py load_demo
	@echo
	@echo "  Admin:  http://127.0.0.1:8000/admin/   (the demo logins are listed above)"
	@echo "  Ctrl-C stops the web server and the worker."
	@echo
	$(PY) manage.py serve 127.0.0.1:8000

## The tests read every generated QR code and barcode back with a real decoder: zbarimg,
## from Debian's zbar-tools, installed here when it is missing (root or apt needed).
decoder:
	@command -v zbarimg >/dev/null || { \
	  echo "Installing zbar-tools (zbarimg) for the asset tests..."; \
	  { apt-get install -y -qq zbar-tools >/dev/null 2>&1 || \
	    { apt-get update -qq && apt-get install -y -qq zbar-tools >/dev/null; }; } || \
	  { echo "Please install zbar-tools (apt-get install zbar-tools), then run make test."; exit 1; }; }

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

## make test: style, migrations, system checks (dev and production), then the suite on
## SQLite, or on PostgreSQL when DATABASE_URL is set. Browser tests: make test-browser.
test: lint decoder
	$(PY) manage.py compile_translations
	$(NO_DB) $(PY) manage.py makemigrations --check --dry-run
	$(NO_DB) $(PY) manage.py check --fail-level WARNING
	env -u DATABASE_URL DJANGO_SETTINGS_MODULE=backoffice.settings.production \
	  DJANGO_SECRET_KEY="$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(64))')" \
	  DJANGO_ALLOWED_HOSTS=backoffice.city.example.jp \
	  $(PY) manage.py check --deploy --fail-level WARNING
	$(PY) -m pytest -m "not browser" --create-db

## make test-browser: Playwright drives Debian's Chromium (/usr/bin/chromium) against a
## live server with the demo data; screenshots land in artifacts/screenshots/.
test-browser: install
	$(PY) manage.py compile_translations
	$(PY) -m pytest -m browser --create-db
