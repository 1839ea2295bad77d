# Ventanilla: `make run` serves a demo desk, `make test` runs every test.
SHELL := /bin/bash
PYTHON ?= python3
UV := $(shell command -v uv 2>/dev/null || echo "$(PYTHON) -m uv")
export VENTANILLA_DATA_DIR ?= var

.PHONY: run test check e2e-deps uv sync format clean

run: sync ## install, migrate, load demo data on an empty desk, create the admin, serve
	$(UV) run ventanilla serve --demo

test: sync e2e-deps ## every test (SQLite unless DATABASE_URL says otherwise)
	VENTANILLA_DATA_DIR=$${TEST_DATA_DIR:-var/test} $(UV) run pytest -q -p no:cacheprovider

check: sync ## lint, format, layer contract, migrations in step with models
	$(UV) run ruff check .
	$(UV) run ruff format --check .
	$(UV) run lint-imports
	VENTANILLA_DATA_DIR=var/test $(UV) run ventanilla makemigrations --check --dry-run

e2e-deps: ## Debian's Chromium (and its emoji font) for the browser tests, when missing
	@command -v chromium >/dev/null && test -e /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf \
		|| (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium fonts-noto-color-emoji)

format: sync
	$(UV) run ruff check --fix .
	$(UV) run ruff format .

sync: uv
	$(UV) sync --locked --quiet

uv: ## bootstrap uv with pip when it is missing
	@$(UV) --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet uv \
		|| $(PYTHON) -m pip install --quiet --user --break-system-packages uv

clean:
	rm -rf .venv var/test .pytest_cache .ruff_cache
