# Yizhan — set-up, demo and tests. `make demo` and `make test` are the two commands.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
# PostgreSQL major version of the OS packages (Debian 12: 15).
PG_VERSION ?= 15
OS_PACKAGES := postgresql-$(PG_VERSION) postgresql-$(PG_VERSION)-postgis-3 \
	postgresql-$(PG_VERSION)-pgrouting postgresql-contrib gdal-bin chromium fonts-noto-cjk \
	faketime
# The moments `make test-dates` moves the system clock to (UTC): 23:30 on New Year's Eve
# and 00:30 on New Year's Day in Beijing (still 2026-12-31 in UTC), and mid-2027.
FAKE_TIMES := "2026-12-31 15:30:00 UTC" "2026-12-31 16:30:00 UTC" "2027-07-01 02:00:00 UTC"

.PHONY: help setup os-packages venv node demo serve test test-dates lint bench clean setup-qgis

help:
	@echo "make demo   — set up, start the database, load the demo city, serve http://$(HOST):$(PORT)/"
	@echo "make test   — set up, then run the tests"
	@echo "make test-dates — the tests again with the system clock moved (libfaketime)"
	@echo "make setup  — OS packages (PostGIS, pgRouting, GDAL, Chromium) and the .venv"
	@echo "make node   — the browser tests' npm tools (axe-core) in node_modules (make test does it)"
	@echo "make lint   — ruff and mypy"
	@echo "make setup-qgis — Debian's qgis and python3-qgis for tests/ogc/test_qgis.py (optional, not in setup)"

setup: os-packages venv

# Installs the OS packages that are missing: with apt-get when root, else says how.
os-packages:
	@missing=""; \
	for p in $(OS_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -z "$$missing" ]; then echo "OS packages present."; exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then \
	  echo "Installing:$$missing"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update -q && apt-get install -y -q $$missing; \
	else \
	  echo "Missing OS packages:$$missing"; \
	  echo "Install them with:  sudo apt-get update && sudo apt-get install -y$$missing"; \
	  exit 1; \
	fi

# QGIS for tests/ogc/test_qgis.py (optional and large: not part of `make setup`): Debian's
# qgis and python3-qgis, used off-screen by the system python3. With apt-get when root,
# else says how.
QGIS_PACKAGES := qgis python3-qgis

setup-qgis:
	@if python3 -c "import qgis.core" 2>/dev/null; then echo "QGIS present."; exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update -q && apt-get install -y -q $(QGIS_PACKAGES); \
	else \
	  echo "Install QGIS with:  sudo apt-get update && sudo apt-get install -y $(QGIS_PACKAGES)"; \
	  exit 1; \
	fi

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@if ! $(PYTHON) -m venv --help >/dev/null 2>&1 || ! $(PYTHON) -c "import ensurepip" 2>/dev/null; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get install -y -q python3-venv; \
	  else echo "Install python3-venv: sudo apt-get install -y python3-venv"; exit 1; fi; \
	fi
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[test,demo]"
	touch $@

# The browser tests' npm tools (axe-core for the accessibility test), exactly as
# package-lock.json pins them. Debian's nodejs and npm are installed only when npm is
# missing; no package's install scripts run.
node: node_modules/.package-lock.json

node_modules/.package-lock.json: package.json package-lock.json
	@if ! command -v npm >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing: nodejs npm"; \
	    export DEBIAN_FRONTEND=noninteractive; \
	    apt-get update -q && apt-get install -y -q nodejs npm; \
	  else \
	    echo "npm is missing. Install it with:  sudo apt-get update && sudo apt-get install -y nodejs npm"; \
	    exit 1; \
	  fi; \
	fi
	npm ci --ignore-scripts --no-audit --no-fund
	touch $@

demo: setup
	$(BIN)/yizhan db up
	$(BIN)/yizhan demo load
	@echo "Yizhan 驿站 demo: http://$(HOST):$(PORT)/"
	$(BIN)/yizhan serve --host $(HOST) --port $(PORT)

serve: setup
	$(BIN)/yizhan serve --host $(HOST) --port $(PORT)

test: setup node
	YIZHAN_REQUIRE_AXE=1 $(BIN)/python -m pytest $(PYTEST_ARGS)

# Every process of the run (pytest, the PostgreSQL it starts, uvicorn, Chromium) sees the
# moved clock. The monotonic clock moves with it (libfaketime 0.9.10 breaks time.sleep
# when told to leave it alone), so a thread wait with a deadline would sleep for the whole
# offset: the few tests that time such waits are marked `realtime` and run only in `test`,
# and each run is bounded by the real clock (`timeout`, outside faketime) in case another
# such wait hangs.
test-dates: setup node
	@for t in $(FAKE_TIMES); do \
	  echo "== the tests with the system clock at $$t"; \
	  YIZHAN_REQUIRE_AXE=1 timeout 1500 faketime -m "$$t" $(BIN)/python -m pytest -m "not realtime" $(PYTEST_ARGS) \
	    || exit 1; \
	done

lint: venv
	$(BIN)/ruff check geo api maps tests bench
	$(BIN)/ruff format --check geo api maps tests bench
	$(BIN)/mypy

bench: setup
	$(BIN)/python -m bench

clean:
	-$(BIN)/yizhan db down
	rm -rf $(VENV) .yizhan .yizhan-test node_modules
