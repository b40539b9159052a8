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

## make demo: the whole story on the built-in emulators (no credentials needed)
demo: $(STAMP)
	$(PY) -m devhost demo

## make devhost: serve the function app on http://127.0.0.1:7071/api/ with emulators where nothing real is configured
devhost: $(STAMP)
	$(PY) -m devhost

## make test: lint, type-check, then the whole suite
test: $(STAMP) lint typecheck unit

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(STAMP)
	$(VENV)/bin/mypy

unit: $(STAMP)
	$(PY) -m pytest

bench: $(STAMP)
	$(PY) -m benchmarks

clean:
	rm -rf $(VENV) $(INFRA_VENV) .pytest_cache .mypy_cache .ruff_cache .devhost
