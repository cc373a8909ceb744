# docproc — the two README commands: `make demo` and `make test`. Both install what is missing.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
APT_PACKAGES := tesseract-ocr tesseract-ocr-fra redis-server postgresql poppler-utils fonts-dejavu-core python3-venv chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: system setup test lint demo samples qa bench clean

system:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "Installation des paquets Debian :$$missing"; \
	  $(SUDO) apt-get update -q && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q --no-install-recommends $$missing; \
	fi
	@command -v npm >/dev/null 2>&1 || { echo "Installation de npm (paquet Debian)"; \
	  $(SUDO) apt-get update -q && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q --no-install-recommends npm; }

$(BIN)/.installed: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

# Front-end assets served by the app itself (DSFR for /agent/, Swagger UI for /docs): npm, no CDN.
node_modules/.installed: package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
	  npm ci --ignore-scripts --no-audit --no-fund -q || npm install --ignore-scripts --no-audit --no-fund -q; \
	  touch $@; \
	else \
	  echo "npm absent : pages des agents sans DSFR et /docs sans Swagger UI (paquet Debian npm)"; \
	fi

setup: system $(BIN)/.installed node_modules/.installed

lint: setup
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy docproc service cli bench

test: setup lint
	$(BIN)/pytest -q -ra

samples: setup
	$(BIN)/python -m docproc.samples.generate samples

qa: setup
	$(BIN)/docproc qa samples --html qa-report.html

bench: setup
	$(BIN)/docproc bench

# The samples' 2D-Docs are signed with the ANTS test key: trust it for the demo only.
demo: setup
	DOCPROC_TRUST_TEST_2DDOC=1 $(BIN)/docproc demo samples

clean:
	rm -rf $(VENV) var qa-report.html node_modules
