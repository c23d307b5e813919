# Tsunagu — the two commands: `make run` and `make test`. See README.md.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml 2>/dev/null | sha1sum | cut -c1-12)

# Embedded defaults for `make run`: SQLite, file-system broker, mail as files in var/mail/.
RUN_ENV := DEBUG=1
# The test suite runs on PostgreSQL and Redis at their standard local ports.
TEST_DATABASE_URL ?= $(or $(DATABASE_URL),postgres://postgres@127.0.0.1:5432/tsunagu)
TEST_REDIS_URL ?= $(or $(REDIS_URL),redis://127.0.0.1:6379/1)
TEST_ENV := DEBUG=1 DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) EMAIL_URL=memory:// \
	TSUNAGU_VAR_DIR=$(CURDIR)/var/test SECRET_KEY=test-only-not-secret

.PHONY: run test check bench install lint format messages clean system-deps browser-deps

$(STAMP): requirements.lock pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

install: $(STAMP) system-deps

# Debian packages: gettext (translations), Japanese fonts and Pango (PDF exports).
system-deps:
	@bash scripts/system_deps.sh

# The browser, accessibility and HTML checks (tests/e2e): Debian's Chromium, Japanese fonts,
# Java, and axe-core + the Nu HTML Checker from npm into node_modules/ (package-lock.json).
browser-deps:
	@bash scripts/e2e_deps.sh

messages: install
	$(RUN_ENV) $(PY) manage.py compilemessages --ignore=.venv -v 0

run: install messages
	$(RUN_ENV) $(PY) manage.py migrate --noinput -v 0
	$(RUN_ENV) $(PY) manage.py collectstatic --noinput -v 0
	@if $(RUN_ENV) $(PY) manage.py help load_demo >/dev/null 2>&1; then $(RUN_ENV) $(PY) manage.py load_demo; fi
	@echo "Tsunagu: http://127.0.0.1:8000/  (mail is written to var/mail/; stop with Ctrl-C)"
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(RUN_ENV) $(VENV)/bin/honcho start

test: install messages browser-deps
	@$(TEST_ENV) $(PY) scripts/check_services.py
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(TEST_ENV) $(PY) manage.py makemigrations --check --dry-run -v 1
	$(TEST_ENV) $(VENV)/bin/pytest $(PYTEST_ARGS)

# The fast loop (see CONTRIBUTING.md): lint, migrations, the import contract and the unit
# tests that need neither PostgreSQL, Redis nor the browser, on a throw-away SQLite database
# with the embedded defaults. `make test` runs everything (CHECK_TESTS=tests runs more here).
CHECK_ENV := DEBUG=1 DATABASE_URL=sqlite:///$(CURDIR)/var/check/db.sqlite3 EMAIL_URL=memory:// \
	TSUNAGU_VAR_DIR=$(CURDIR)/var/check SECRET_KEY=check-only-not-secret REDIS_URL=
CHECK_TESTS ?= tests/architecture tests/attendance/test_attendance_zoom.py tests/accounts/test_normalize.py \
	tests/notifications/test_ical.py tests/config/test_settings_env.py tests/config/test_translations.py \
	tests/surveys/test_building.py

check: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	@mkdir -p var/check
	$(CHECK_ENV) $(PY) manage.py makemigrations --check --dry-run -v 1
	$(CHECK_ENV) $(VENV)/bin/pytest -q -p no:cacheprovider -m "not postgres" $(CHECK_TESTS) $(PYTEST_ARGS)

bench: install messages
	@$(TEST_ENV) $(PY) scripts/check_services.py
	$(TEST_ENV) $(PY) -m tests.bench.run

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

makemessages: install
	$(RUN_ENV) $(PY) manage.py makemessages -l ja -l en --ignore=.venv --ignore=var --ignore=tests --no-obsolete

clean:
	rm -rf var/test var/static
