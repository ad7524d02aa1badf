# workbench: one command per habit. `make help` lists them.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
BENCH_MB ?= 200

.DEFAULT_GOAL := help

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-12s %s\n", $$1, $$2}'

install: $(STAMP) ## create .venv and install workbench with its dev tools (fast when done)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,spark]'
	@touch $(STAMP)

demo: install ## generate the demo corpus, ingest it, print a summary, render every report
	$(BIN)/workbench demo
	$(BIN)/workbench report --all --db data/demo.duckdb --out reports
	@echo "Reports: $(CURDIR)/reports/index.html"

test: install ## lint, the test suite, then every notebook with its defaults (nbval)
	$(BIN)/ruff check workbench tests benchmarks
	$(BIN)/python -m pytest -q
	$(BIN)/python -m pytest -q -p no:cacheprovider --nbval-lax notebooks/

lint: install ## ruff check and format check
	$(BIN)/ruff check workbench tests benchmarks
	$(BIN)/ruff format --check workbench tests benchmarks

format: install ## apply ruff's fixes and formatting
	$(BIN)/ruff check --fix workbench tests benchmarks
	$(BIN)/ruff format workbench tests benchmarks

reports: install data/demo.duckdb ## every report notebook on the demo data, into reports/ (+ index.html)
	$(BIN)/workbench report --all --db data/demo.duckdb --out reports
	@echo "Reports: $(CURDIR)/reports/index.html"

screenshots: install data/demo.duckdb ## every report on the demo data, one PNG each in docs/screenshots/ (headless Chromium)
	$(BIN)/workbench report --all --db data/demo.duckdb --out reports
	$(BIN)/python docs/screenshots.py reports docs/screenshots

data/demo.duckdb:
	$(MAKE) demo

lab: install ## start JupyterLab on notebooks/
	$(BIN)/workbench lab

strip: install ## strip outputs from notebooks before committing (nbstripout)
	find notebooks tests/data/notebooks -name '*.ipynb' -not -path '*/.ipynb_checkpoints/*' \
		-print0 | xargs -0 -r $(BIN)/nbstripout

bench: install ## ingest benchmark on a generated $(BENCH_MB) MB corpus (BENCH_MB=... to change)
	$(BIN)/python benchmarks/run.py --mb $(BENCH_MB)

bench-live: install ## serve's latency: 100 appends to a live session, 20 readers (after make bench)
	$(BIN)/python benchmarks/live.py --corpus benchmarks/.corpus/claude-$(BENCH_MB)mb-v3

clean: ## remove generated data, reports and caches (keeps .venv)
	rm -rf data reports benchmarks/.corpus .pytest_cache .ruff_cache

.PHONY: help install demo reports screenshots lab strip test lint format bench bench-live clean
