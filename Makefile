# PowerKAM — the project's vocabulary. Quick start: `make demo`, `make test`.
SHELL := /bin/bash
export UV_PYTHON_DOWNLOADS := never
# Installed packages byte-compiled once at install, as a production install would: every command then
# starts without compiling thousands of modules (docs/benchmarks.md, "Command line start-up").
export UV_COMPILE_BYTECODE := 1
export PATH := $(HOME)/.local/bin:$(PATH)
DATA_DIR ?= var
SECRET_FILE := $(DATA_DIR)/secret_key
PK := uv run --frozen powerkam
PYTEST := uv run --frozen pytest

.PHONY: help uv sync sync-all system-deps test-deps i18n migrate demo demo-data serve test test-fast test-slow test-postgres \
        lint typecheck importlint migrations-check bench clean

help:
	@echo "make demo   — set up and run PowerKAM with the demo province on http://127.0.0.1:8000"
	@echo "make test   — lint, type checks and the whole test suite"
	@echo "make bench  — benchmarks (results in docs/benchmarks.md)"

uv:
	@command -v uv >/dev/null 2>&1 || python3 -m pip install --quiet --root-user-action=ignore uv

# Debian packages: gettext for the message catalogs, libgomp1 for LightGBM (the churn model), demo and
# tests alike.
system-deps:
	@missing=""; \
	command -v msgfmt >/dev/null 2>&1 || missing="$$missing gettext"; \
	ldconfig -p 2>/dev/null | grep -q 'libgomp.so.1' || missing="$$missing libgomp1"; \
	if [ -n "$$missing" ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; fi

# What the tests need beyond the demo: Debian's Chromium, a CJK font, Java for PySpark, poppler for PDF checks.
test-deps: system-deps
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	fc-list :lang=zh 2>/dev/null | grep -q . || missing="$$missing fonts-wqy-microhei"; \
	command -v java >/dev/null 2>&1 || missing="$$missing default-jre-headless"; \
	command -v pdftotext >/dev/null 2>&1 || missing="$$missing poppler-utils"; \
	if [ -n "$$missing" ]; then echo "installing:$$missing"; apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; fi

sync: uv
	uv sync --frozen --inexact

sync-all: uv
	uv sync --frozen --all-extras

$(SECRET_FILE):
	@mkdir -p $(DATA_DIR)
	@python3 -c "import secrets; print(secrets.token_urlsafe(50))" > $(SECRET_FILE)

i18n: system-deps
	@cd src/powerkam && POWERKAM_DEBUG=1 POWERKAM_DATA_DIR=$$(mktemp -d) uv run --frozen powerkam compilemessages -v 0

migrate: sync i18n $(SECRET_FILE)
	POWERKAM_SECRET_KEY=$$(cat $(SECRET_FILE)) $(PK) migrate --verbosity 0

demo-data: migrate
	POWERKAM_SECRET_KEY=$$(cat $(SECRET_FILE)) $(PK) demo build --if-missing

demo: demo-data
	POWERKAM_SECRET_KEY=$$(cat $(SECRET_FILE)) $(PK) demo logins
	POWERKAM_SECRET_KEY=$$(cat $(SECRET_FILE)) $(PK) serve 127.0.0.1:8000

lint:
	uv run --frozen ruff check src tests benchmarks
	uv run --frozen ruff format --check src tests benchmarks

typecheck:
	POWERKAM_DEBUG=1 uv run --frozen mypy

importlint:
	uv run --frozen lint-imports

migrations-check:
	POWERKAM_DEBUG=1 POWERKAM_DATA_DIR=$$(mktemp -d) $(PK) makemigrations --check --dry-run

test-fast:
	$(PYTEST) -m "not slow"

test: sync-all test-deps i18n lint typecheck importlint migrations-check
	$(PYTEST) -m "not slow" -n 2 --dist loadfile

test-slow: sync-all test-deps i18n
	$(PYTEST) -m slow || [ $$? -eq 5 ]  # exit 5: no slow test collected

# The database tests again, on the PostgreSQL server at 127.0.0.1:5432 (CI).
test-postgres: sync-all test-deps i18n
	DATABASE_URL=postgres://postgres@127.0.0.1:5432/powerkam_ci $(PYTEST) --create-db -m "db and not browser" -n 2 --dist loadfile || [ $$? -eq 5 ]

bench: sync-all
	uv run --frozen python -m benchmarks

clean:
	rm -rf .pytest_cache .mypy_cache .ruff_cache
