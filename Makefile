# thermoquake: every target sets itself up from a fresh machine that has only Python 3.11.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
PYTEST_ARGS ?=
DEMO_DIR ?= demo-output

.PHONY: help install demo demo-wenchuan chromium test test-fast bench docs clean

help:
	@echo "make demo   - set up, then run pipelines/demo.toml (synthetic tiles -> local NASA stand-in -> manifest -> fetch -> preprocess -> rst -> report)"
	@echo "make test   - set up, then run the whole test suite"
	@echo "make bench  - set up, then run the benchmarks (figures for docs/benchmarks.md)"
	@echo "make docs   - set up, then build the documentation site into site/"

$(STAMP): setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev,ml]"
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/thermoquake run pipelines/demo.toml --out $(DEMO_DIR)

demo-wenchuan: $(STAMP)
	DEMO_DIR=$(DEMO_DIR)/wenchuan $(BIN)/python examples/demo_wenchuan.py

# The report test opens the page in headless Chromium: install Debian's package when missing
# (the machines run as root; elsewhere sudo is used).
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
chromium:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium (headless browser for tests/test_report.py)"; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium; }

test: $(STAMP) chromium
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not slow" $(PYTEST_ARGS)

docs: $(STAMP)
	$(BIN)/python -m thermoquake.cli.reference > docs/cli.md
	$(BIN)/python -m mkdocs build --strict --site-dir site

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_crop.py

clean:
	rm -rf $(VENV) $(DEMO_DIR) paper-output bench-output site .pytest_cache
