# The two commands: `make demo` and `make test`. Everything else is a step of theirs.
SHELL := /bin/bash
UV_VERSION := 0.13.9
UV := .tools/bin/uv
VENV := .venv
BIN := $(VENV)/bin
PG_URL ?= postgres://postgres@127.0.0.1:5432/test
export UV_PROJECT_ENVIRONMENT := $(abspath $(VENV))

.PHONY: demo test install lint test-sqlite test-postgres bench clean help

help:
	@echo "make demo   install everything, create the SQLite database, load the demo city"
	@echo "make test   lint, type-check and run the whole suite on SQLite and PostgreSQL"
	@echo "make bench  run the benchmarks in bench/ and refresh docs/benchmarks.md"

$(UV):
	python3 -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.synced: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --quiet
	@touch $@

install: $(VENV)/.synced

demo: install
	$(BIN)/vip demo
	$(BIN)/vip export var/demo-export
	@echo
	@echo "The demo city is in var/vip.sqlite3; its export is in var/demo-export/."
	@echo "Next: 'source .venv/bin/activate', then 'vip --help'; create an account with"
	@echo "'vip createuser NAME --role admin' and open the administration screens at"
	@echo "http://127.0.0.1:8000/admin/ after 'vip serve'."

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy src config
	DATABASE_URL=sqlite:///:memory: DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/python manage.py makemigrations --check --dry-run

test-sqlite: install
	@echo "== test suite on SQLite =="
	DATABASE_URL=sqlite:///$(abspath var)/test.sqlite3 $(BIN)/pytest -q $(PYTEST_ARGS)

test-postgres: install
	@if $(BIN)/python -c "import psycopg,sys; psycopg.connect('$(PG_URL)', connect_timeout=3).close()" 2>/dev/null; then \
		echo "== test suite on PostgreSQL ($(PG_URL)) =="; \
		DATABASE_URL=$(PG_URL) $(BIN)/pytest -q $(PYTEST_ARGS); \
	else \
		echo "== PostgreSQL not reachable at $(PG_URL): SKIPPING the PostgreSQL run (set PG_URL to test against one) =="; \
	fi

test: lint test-sqlite test-postgres

bench: install
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) .tools var/test.sqlite3
