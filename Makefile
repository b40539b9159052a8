# One command for the demo, one for the tests. Both create .venv and install what they need on first use.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck unit devhost bench clean

INFRA_VENV := .venv-infra
INFRA_STAMP := $(INFRA_VENV)/.installed

$(STAMP): requirements.txt requirements-dev.txt $(INFRA_STAMP)
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(STAMP)

# checkov pins packages (packaging, pycep-parser) that clash with the test tools: it gets a venv of its own, and the
# infra tests call it (and its pycep-parser) as a subprocess.
$(INFRA_STAMP): requirements-infra.txt
	$(PYTHON) -m venv $(INFRA_VENV)
	$(INFRA_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-infra.txt
	touch $(INFRA_STAMP)

# Azurite (Microsoft's Azure Storage emulator) for the record store's contract tests: a pinned npm package. Node.js is
# a prerequisite of `make test`; without it the target stops here and says so (the tests are never skipped).
AZURITE_DIR := tools/azurite
AZURITE_STAMP := $(AZURITE_DIR)/node_modules/.installed

$(AZURITE_STAMP): $(AZURITE_DIR)/package.json $(AZURITE_DIR)/package-lock.json
	@command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || { \
	  echo "make test needs Node.js 18+ and npm (for Azurite, the Azure Storage emulator the record-store tests run against)." >&2; \
	  echo "Install them (e.g. apt-get install nodejs npm) and run make test again." >&2; exit 1; }
	npm ci --prefix $(AZURITE_DIR) --no-audit --no-fund --loglevel=error
	touch $(AZURITE_STAMP)

## make demo: the whole story on the built-in emulators (no credentials needed)
demo: $(STAMP)
	$(PY) -m devhost demo

## make devhost: serve the function app on http://127.0.0.1:7071/api/ with emulators where nothing real is configured
devhost: $(STAMP)
	$(PY) -m devhost

## make test: lint, type-check, then the whole suite
test: $(STAMP) $(AZURITE_STAMP) lint typecheck unit

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(STAMP)
	$(VENV)/bin/mypy

unit: $(STAMP) $(AZURITE_STAMP)
	$(PY) -m pytest

bench: $(STAMP)
	$(PY) -m benchmarks

clean:
	rm -rf $(VENV) $(INFRA_VENV) $(AZURITE_DIR)/node_modules .pytest_cache .mypy_cache .ruff_cache .devhost
