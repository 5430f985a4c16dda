# make demo: set everything up and run the demo cycle on the embedded default (SQLite).
# make test: the whole test suite (needs PostgreSQL at 127.0.0.1:5432, trust auth).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-seeds setup seed clean airflow lint lint-sql

$(STAMP): pyproject.toml
	@# HarfBuzz subsetting keeps PDFs small and silences WeasyPrint's fallback warning.
	@if command -v apt-get >/dev/null && ! ldconfig -p | grep -q libharfbuzz-subset; then \
		(apt-get install -y -q libharfbuzz-subset0 >/dev/null 2>&1 || \
		 (apt-get update -q >/dev/null 2>&1 && apt-get install -y -q libharfbuzz-subset0 >/dev/null 2>&1)) || \
		echo "note: libharfbuzz-subset0 not installed; PDFs use WeasyPrint's fallback subsetter"; fi
	@# Headless Chromium: the tests read the MI board page as the performance team's browser does.
	@if command -v apt-get >/dev/null && ! command -v chromium >/dev/null; then \
		(apt-get install -y -q chromium >/dev/null 2>&1 || \
		 (apt-get update -q >/dev/null 2>&1 && apt-get install -y -q chromium >/dev/null 2>&1)) || \
		echo "note: chromium not installed; tests/test_board.py needs it"; fi
	test -d $(VENV) || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[test,celery]"
	touch $(STAMP)

setup: $(STAMP)

var/casedb.sqlite: | $(STAMP)
	$(BIN)/mi db seed

seed: $(STAMP)
	$(BIN)/mi db seed

demo: $(STAMP) var/casedb.sqlite
	$(BIN)/mi reports validate
	@# Through the real DAGs (dag.test(): the timetable's period, the task bodies, the mapped slices).
	$(BIN)/mi dags test --as-at $$($(BIN)/python -c 'from reporting.settings import DEMO_AS_AT; print(DEMO_AS_AT)') --index-dir out
	@# The monthly performance overview (due in November) for its latest complete month, September.
	$(BIN)/mi reports render cssw_performance_overview --as-at $$($(BIN)/python -c 'from reporting.settings import DEMO_AS_AT; print(DEMO_AS_AT)')
	@echo "Open out/index.html for every output of the demo run; staff digests and partners' e-mails are in var/outbox/."

test: $(STAMP)
	$(BIN)/pytest -n 2 --dist loadgroup -m "not seeds"

# Both DfE returns validated on seeds 2-5 (make test validates seed 1): about 3 minutes; CI runs it.
test-seeds: $(STAMP)
	$(BIN)/pytest -n 2 --dist loadgroup -m seeds

# Airflow standalone (api-server, scheduler, dag-processor, triggerer) on the embedded default.
airflow: $(STAMP) var/casedb.sqlite
	scripts/airflow-standalone.sh

# Style, types and SQL (docs/architecture.md "Habits"): ruff on the Python, mypy on reporting/,
# sqlfluff (.sqlfluff) on the report SQL in sql/ and indicators/; fails on any finding. CI runs it.
LINT_STAMP := $(VENV)/.installed-lint

$(LINT_STAMP): pyproject.toml | $(STAMP)
	$(BIN)/pip install -q -e ".[lint]"
	touch $(LINT_STAMP)

lint: $(LINT_STAMP)
	$(BIN)/ruff check reporting tests dags bench scripts
	$(BIN)/mypy
	$(BIN)/sqlfluff lint sql indicators

lint-sql: $(LINT_STAMP)
	$(BIN)/sqlfluff lint sql indicators

clean:
	rm -rf var out
