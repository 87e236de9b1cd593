# The two commands: `make demo` and `make test`. Everything else is a step of theirs.
SHELL := /bin/bash
UV_VERSION := 0.13.9
UV := .tools/bin/uv
VENV := .venv
BIN := $(VENV)/bin
PG_URL ?= postgres://postgres@127.0.0.1:5432/test
export UV_PROJECT_ENVIRONMENT := $(abspath $(VENV))

.PHONY: demo test install system-packages lint audit-deps test-sqlite test-postgres bench hostile openapi clean help

help:
	@echo "make demo   install everything, create the SQLite database, load the demo city"
	@echo "make test   lint, type-check and run the whole suite on SQLite and PostgreSQL"
	@echo "make bench  run the benchmarks in bench/ and refresh docs/benchmarks.md"
	@echo "make hostile  sqlmap and schemathesis against a local server (HOSTILE_ARGS, e.g. --database-url URL --reset)"

SYSTEM_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-liberation2 fonts-dejavu-core poppler-utils chromium gettext

# WeasyPrint (the PDF report) needs Pango and HarfBuzz; the report's font is Liberation Sans.
system-packages:
	@missing=$$(for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
		else echo "Please install these Debian packages: $$missing"; exit 1; fi; \
	fi

$(UV):
	python3 -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

# Bytecode compiled once, at install: a process then reads it instead of compiling Django, numpy
# and the rest from source at every start, which an environment with PYTHONDONTWRITEBYTECODE set
# (or a read-only install) does every time (about a second of each `vip` command; docs/benchmarks.md).
$(VENV)/.synced: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --quiet --compile-bytecode
	@touch $@

# The project's own modules too (quick; stale files are recompiled in memory, never wrongly used).
install: system-packages $(VENV)/.synced
	@$(BIN)/python -m compileall -q src config >/dev/null

demo: install
	$(BIN)/vip demo
	$(BIN)/vip match
	$(BIN)/vip identify
	$(BIN)/vip export var/demo-export
	$(BIN)/vip report --out var/reports
	$(BIN)/vip report --audience public --publish --out var/reports
	$(BIN)/vip report --month 2022-11 --out var/reports
	$(BIN)/vip report --month 2022-11 --audience public --publish --out var/reports
	@echo
	@echo "The demo city is in var/vip.sqlite3, with its possible duplicate records and its outreach"
	@echo "candidates proposed for a program manager to review; its export is in var/demo-export/."
	@echo "Its Monthly Informational Reports (latest complete month and November 2022, official"
	@echo "and public editions, PDF/HTML/XLSX/CSV/JSON) are in var/reports/."
	@echo "Next: 'source .venv/bin/activate', then 'vip --help'. 'vip serve' starts the web"
	@echo "application: the public reports are at http://127.0.0.1:8000/public/reports/; staff"
	@echo "sign in at http://127.0.0.1:8000/accounts/login/ with an account made by"
	@echo "'vip createuser NAME --role manager'."

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy src config
	$(BIN)/lint-imports --no-cache
	DATABASE_URL=sqlite:///:memory: DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/vip docs --check
	DATABASE_URL=sqlite:///:memory: DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/python manage.py makemigrations --check --dry-run

# Known-vulnerable dependencies fail the build (security row 31): every locked package, dev tools
# included, is checked by pip-audit against the PyPI vulnerability service. Ignored advisories,
# each with its reason: .ci/pip-audit-ignore.txt. When the service cannot be asked the step says
# SKIPPED; VIP_AUDIT_DEPS_STRICT=1 (set it in CI) makes that fail instead.
audit-deps: install
	@mkdir -p var
	$(UV) export --frozen --no-hashes --no-emit-project --all-groups --quiet -o var/requirements-locked.txt
	$(BIN)/python .ci/audit_deps.py var/requirements-locked.txt

test-sqlite: install
	@echo "== test suite on SQLite =="
	DATABASE_URL=sqlite:///$(abspath var)/test.sqlite3 $(BIN)/pytest -q --durations=15 $(PYTEST_ARGS)

test-postgres: install
	@if $(BIN)/python -c "import psycopg,sys; psycopg.connect('$(PG_URL)', connect_timeout=3).close()" 2>/dev/null; then \
		echo "== test suite on PostgreSQL ($(PG_URL)) =="; \
		DATABASE_URL=$(PG_URL) $(BIN)/pytest -q --durations=15 $(PYTEST_ARGS); \
	else \
		echo "== PostgreSQL not reachable at $(PG_URL): SKIPPING the PostgreSQL run (set PG_URL to test against one) =="; \
	fi

# The two databases' runs go side by side (two cores); each one's output is printed whole when it
# ends (--output-sync), and either failing fails `make test`.
test: lint audit-deps
	$(MAKE) --no-print-directory -j2 --output-sync=target test-sqlite test-postgres

openapi: install
	DATABASE_URL=sqlite:///:memory: DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/python manage.py spectacular --validate --file docs/openapi.yaml

bench: install
	$(BIN)/python bench/run.py

# The hostile run (issue 5): sqlmap (a Debian package, installed here when run as root) and
# schemathesis against the application on loopback; results in docs/security-hostile-run.md.
hostile: install
	@if ! command -v sqlmap >/dev/null; then \
		if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq sqlmap; \
		else echo "Please install the Debian package sqlmap"; exit 1; fi; \
	fi
	$(BIN)/python bench/hostile_run.py $(HOSTILE_ARGS)

clean:
	rm -rf $(VENV) .tools var/test.sqlite3
