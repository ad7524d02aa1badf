# workbench: one command per habit. `make help` lists them.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
BENCH_MB ?= 200

.DEFAULT_GOAL := help

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/\$$(BENCH_MB)/$(BENCH_MB)/g' | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-12s %s\n", $$1, $$2}'
	@echo "Variables: BENCH_MB=$(BENCH_MB) (make bench BENCH_MB=1000 for a 1 GB corpus), PYTHON=$(PYTHON)"

install: $(STAMP) ## create .venv and install workbench with its dev tools (fast when done)

$(STAMP): pyproject.toml
	@echo "==> [1/3] creating $(VENV) with $(PYTHON)"
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "==> [2/3] upgrading pip"
	$(BIN)/python -m pip install --quiet --upgrade pip
	@echo "==> [3/3] installing workbench and its dev tools (JupyterLab, DuckDB, Ibis, pyspark, ...): a few minutes the first time"
	$(BIN)/python -m pip install --progress-bar on -e '.[dev,spark]'
	$(BIN)/python -m compileall -q workbench
	@touch $(STAMP)
	@echo "==> installed: $(CURDIR)/$(BIN)/workbench"

demo: install ## generate the demo corpus, ingest it, print a summary, render every report
	@echo "==> generating the demo corpus and ingesting it"
	$(BIN)/workbench demo
	@echo "==> rendering every report into reports/"
	$(BIN)/workbench report --all --db data/demo.duckdb --out reports
	@echo "Reports: $(CURDIR)/reports/index.html"
	@echo "Next: $(CURDIR)/$(BIN)/workbench sessions list --db $(CURDIR)/data/demo.duckdb"
	@echo "      (or first: source $(CURDIR)/$(BIN)/activate, then: workbench --help)"

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
