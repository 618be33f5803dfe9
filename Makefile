# Lace-Luxx analytics report suite. `make help` lists the targets.
SHELL := /bin/bash
PY_SYS ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.stamp-$(shell cat requirements.txt | sha1sum | cut -c1-12)

DATA ?=
PERIOD ?=
OUT ?= reports
TZ_NAME ?= America/New_York
CURRENCY ?= USD
SALES ?=
BENCH_FULL ?=
JOBS ?= 2
ALLOW_EMPTY_PERIOD ?=
# Every user variable reaches a program through the environment, unexpanded ($(value)), so neither make nor the
# shell ever reads its text as a command; the program checks each value (README, Parameters). The variables
# themselves are not exported: make would expand them on the way.
USER_VARIABLES := DATA PERIOD OUT TZ_NAME CURRENCY JOBS SALES BENCH_FULL ALLOW_EMPTY_PERIOD
$(foreach v,$(USER_VARIABLES),$(eval export LACELUXX_MAKE_$(v) = $$(value $(v))))
unexport $(USER_VARIABLES)
NOTEBOOKS := overview customers sales_timing products_inventory brands marketing recommendations

.DEFAULT_GOAL := help
.PHONY: help setup report test validate lab sample-data bench clean lint $(addprefix report-,$(NOTEBOOKS))

## List the targets with one line each
help:
	@awk '/^## /{d=substr($$0,4); next} /^[a-zA-Z%_-]+:/{if(d){split($$1,t,":"); printf "  \033[1m%-22s\033[0m %s\n", t[1], d}; d=""}' $(MAKEFILE_LIST)
	@printf "  \033[1m%-22s\033[0m %s\n" "report-<name>" "Run one notebook into reports/<PERIOD>/: $(NOTEBOOKS)"
	@echo "  Variables: DATA=folder|sqlite:///x.db  PERIOD=YYYY-MM  OUT=reports  TZ_NAME=$$LACELUXX_MAKE_TZ_NAME  CURRENCY=$$LACELUXX_MAKE_CURRENCY"
	@echo "             JOBS=$$LACELUXX_MAKE_JOBS  ALLOW_EMPTY_PERIOD=1 (a month without sales)"
	@echo "  Layout (lib/, each layer imports only the ones above it; make lint checks it):"
	@echo "    lib/config.py     every folder and shared default (churn 90 d, aging 90 d, min shows 5, ...)"
	@echo "    lib/data/         input -> validated, typed Dataset: contract, sources, parsing, rules, cache, derived lines"
	@echo "    lib/analytics/    pure computations: KPIs, customers, timing, shows, products, brands, marketing, models"
	@echo "    lib/narrative/    results -> the owner's sentences and what to do; fmt formats every number"
	@echo "    lib/report/       what a notebook imports: start_report, display helpers, outputs, registry, charts"
	@echo "    lib/run/          the batch: command line, notebook execution, front page, HTML export"
	@echo "    lib/tools/        sample data generator and benchmark (never imported by a report)"

$(STAMP): requirements.txt
	@test -x $(PY) || $(PY_SYS) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	$(PY) -m pip install -q --no-deps --no-build-isolation -e .
	$(PY) -m ipykernel install --sys-prefix --name laceluxx --display-name "Lace-Luxx (.venv)" >/dev/null
	@$(PY) -c "import json,sys,pathlib; p=pathlib.Path(sys.prefix,'share/jupyter/kernels/laceluxx/kernel.json'); k=json.loads(p.read_text()); k['argv']+=[] if '--log-level=ERROR' in k['argv'] else ['--log-level=ERROR']; p.write_text(json.dumps(k, indent=1))"
	@rm -f $(VENV)/.stamp-*; touch $@

## Create the virtualenv, install pinned requirements, register the Jupyter kernel (skipped when done)
setup: $(STAMP)

SAMPLE := data/sample/sales.csv
$(SAMPLE): lib/tools/sample_data.py | $(STAMP)
	$(PY) -m lib.tools.sample_data --out data/sample

## Write the deterministic sample data under data/sample/ (again when the generator changed)
sample-data: $(STAMP) $(SAMPLE)

## Run every notebook and write reports/<PERIOD>/ (index.html, HTML reports, metrics.json, tables/)
report: $(STAMP) sample-data
	@$(PY) -m lib.run.pipeline run --from-make

## Run one notebook into reports/<PERIOD>/ , e.g. make report-customers
$(addprefix report-,$(NOTEBOOKS)): report-%: $(STAMP) sample-data
	@$(PY) -m lib.run.pipeline run --from-make --only $*

## Check input data against the data contract without writing reports (DATA=folder)
validate: $(STAMP) sample-data
	@$(PY) -m lib.run.pipeline validate --from-make

## Run all tests: unit, metric fixtures, CDNOW, planted effects, notebooks (nbval), end to end
test: $(STAMP) sample-data
	$(PY) -m ruff check lib tests notebooks
	$(VENV)/bin/lint-imports
	$(PY) -m pytest -q -n "$$LACELUXX_MAKE_JOBS" --dist loadgroup tests
	$(PY) -m pytest -q --nbval-lax notebooks

## Open JupyterLab on the notebooks with the project's kernel
lab: $(STAMP) sample-data
	$(VENV)/bin/jupyter lab --notebook-dir=notebooks

## Benchmark the suite: sample (warm), 10k, 100k, 1M lines, web shop 100k (SALES=n one size; BENCH_FULL=1 adds 5M, 10M, 540k web shop)
bench: $(STAMP)
	$(PY) -m lib.tools.bench $(if $(value SALES),--sales "$$LACELUXX_MAKE_SALES") $(if $(value BENCH_FULL),--full)

## Lint the library, tests and notebooks with ruff, and the layer rules with import-linter
lint: $(STAMP)
	$(PY) -m ruff check lib tests notebooks
	$(VENV)/bin/lint-imports

## Remove caches, reports and the virtualenv
clean:
	rm -rf .cache reports/[0-9]* reports/.tmp-* $(VENV) .pytest_cache .ruff_cache bench/data bench/runs
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
