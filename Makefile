# Consulta: `make demo` runs the product on its embedded SQLite default; `make test` runs the whole suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000
PYTEST_ARGS ?= --cov --cov-report=term:skip-covered

E2E_ASSETS := tests/e2e_assets
E2E_STAMP := $(E2E_ASSETS)/node_modules/.installed
CHROMIUM := $(firstword $(wildcard $(CONSULTA_CHROMIUM) /usr/bin/chromium /usr/bin/chromium-browser))

.PHONY: demo test lint check-migrations install install-dev clean e2e-assets

$(BIN)/python:
	$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "Consulta needs Python 3.11, found " + sys.version.split()[0]'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

demo: $(VENV)/.installed
	$(BIN)/consulta demo --port $(PORT)

# The browser tests need Chromium (Debian's chromium package) and axe-core (npm); without them they
# are skipped with a reason (they fail instead under CI=true, since .ci/run installs both).
e2e-assets:
	@if [ -f $(E2E_STAMP) ] && [ ! $(E2E_ASSETS)/package-lock.json -nt $(E2E_STAMP) ]; then :; \
	elif command -v npm >/dev/null 2>&1; then \
	  npm ci --prefix $(E2E_ASSETS) --no-audit --no-fund --loglevel=error && touch $(E2E_STAMP) \
	  || echo "*** npm ci failed: the browser tests will skip their axe-core accessibility audits."; \
	else echo "*** npm not found: axe-core is not installed, so the browser tests skip their accessibility audits (install Node.js and npm to run them)."; fi
	@$(if $(CHROMIUM),:,echo "*** Chromium not found: the browser tests will be skipped (apt-get install chromium, or set CONSULTA_CHROMIUM to a Chromium executable).")

test: $(VENV)/.installed-dev e2e-assets
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check src tests bench

check-migrations: $(VENV)/.installed-dev
	CONSULTA_DATA_DIR=$$(mktemp -d) $(BIN)/consulta makemigrations --check --dry-run

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .coverage htmlcov
