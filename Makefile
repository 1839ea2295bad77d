# Ventanilla: `make run` serves a demo desk, `make test` runs every test.
SHELL := /bin/bash
PYTHON ?= python3
UV := $(shell command -v uv 2>/dev/null || echo "$(PYTHON) -m uv")
export VENTANILLA_DATA_DIR ?= var

# Translation catalogs: the .po files are committed, the .mo files are compiled from them (gitignored).
LOCALE_DIR := src/ventanilla/locale
MO_FILES := $(patsubst %.po,%.mo,$(wildcard $(LOCALE_DIR)/*/LC_MESSAGES/*.po))
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test faults screenshots check e2e-deps uv sync format clean messages compilemessages gettext

run: sync compilemessages ## install, migrate, load demo data on an empty desk, create the admin, serve
	$(UV) run ventanilla serve --demo

test: sync gettext compilemessages e2e-deps ## every test (SQLite unless DATABASE_URL says otherwise)
	VENTANILLA_DATA_DIR=$${TEST_DATA_DIR:-var/test} $(UV) run pytest -q -p no:cacheprovider $(PYTEST_ARGS)

faults: sync compilemessages ## the fault suite alone: real processes killed and cut (PostgreSQL, Redis)
	VENTANILLA_DATA_DIR=$${TEST_DATA_DIR:-var/test} $(UV) run pytest -q -p no:cacheprovider -m faults tests/faults

# The browser tests shoot every screen into SCREENSHOTS (untracked); `make screenshots` publishes them.
SCREENSHOTS := var/screenshots

screenshots: sync compilemessages e2e-deps ## shoot every console screen, then copy the images into docs/screenshots/
	rm -rf $(SCREENSHOTS)
	VENTANILLA_DATA_DIR=$${TEST_DATA_DIR:-var/test} $(UV) run pytest -q -p no:cacheprovider tests/e2e/test_screenshots.py tests/e2e/test_templates.py tests/e2e/test_targets.py
	mkdir -p docs/screenshots
	cp $(SCREENSHOTS)/*.png docs/screenshots/

check: sync ## lint, format, layer contract, migrations in step with models
	$(UV) run ruff check .
	$(UV) run ruff format --check .
	$(UV) run lint-imports
	VENTANILLA_DATA_DIR=var/test $(UV) run ventanilla makemigrations --check --dry-run

e2e-deps: ## Debian's Chromium (and its emoji font) for the browser tests, when missing
	@command -v chromium >/dev/null && test -e /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf \
		|| ($(SUDO) apt-get update && $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y chromium fonts-noto-color-emoji)

format: sync
	$(UV) run ruff check --fix .
	$(UV) run ruff format .

sync: uv
	$(UV) sync --locked --quiet

uv: ## bootstrap uv with pip when it is missing
	@$(UV) --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet uv \
		|| $(PYTHON) -m pip install --quiet --user --break-system-packages uv

messages: sync gettext ## refresh the es and en catalogs from templates and code, then translate
	VENTANILLA_DATA_DIR=var/test $(UV) run ventanilla makemessages -l es -l en \
		--no-location --no-obsolete --ignore=.venv --ignore=var --ignore=tests --ignore=bench \
		--ignore=docs
	sed -i '/^"POT-Creation-Date: /d' $(LOCALE_DIR)/*/LC_MESSAGES/django.po  # no churn per run
	@echo "Now give every new or fuzzy entry its msgstr in both catalogs (docs/adr/0014-languages.md)."

compilemessages: $(MO_FILES) ## compile the catalogs (.po -> .mo) that changed

$(MO_FILES): | gettext

%.mo: %.po
	msgfmt --check-format -o $@ $<

gettext: ## GNU gettext (msgfmt, xgettext, msgmerge): installed from the system packages when missing
	@command -v msgfmt >/dev/null 2>&1 && command -v xgettext >/dev/null 2>&1 \
		&& command -v msgmerge >/dev/null 2>&1 \
		|| { echo "installing GNU gettext"; $(SUDO) apt-get update -qq \
			&& $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gettext >/dev/null; }

clean:
	rm -rf .venv var/test .pytest_cache .ruff_cache $(MO_FILES)
