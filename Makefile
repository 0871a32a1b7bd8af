# Two commands matter: `make demo` and `make test`. Both build the environment first when it is missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
SCALE ?= default

CHROMIUM := /usr/bin/chromium
POSTGRES := /usr/lib/postgresql/15/bin/initdb
REDIS := /usr/bin/redis-server

.PHONY: env java demo test test-fast lint format bench screenshots clean

$(STAMP): pyproject.toml sdk/python/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev,spark]' -e 'sdk/python[signing]'
	touch $(STAMP)

env: $(STAMP)

# Browser tests use Debian's Chromium (Playwright's own browser download fails offline). Installing it needs
# root; without it the browser tests are skipped with that reason.
$(CHROMIUM):
	-(apt-get update -qq && apt-get install -y -qq chromium) >/dev/null 2>&1 || echo "warning: could not install chromium"

# The operational-DB tests run on SQLite and on a real PostgreSQL 15 server that tests/pg.py starts as the
# postgres user (Debian's package; only its binaries are used, the package's own cluster is not needed).
$(POSTGRES):
	-(apt-get update -qq && apt-get install -y -qq postgresql) >/dev/null 2>&1 || echo "warning: could not install postgresql"

# The two-engine tests (tests/spark) run dbt on Apache Spark in dbt's own process, which needs a JVM: Spark 4
# wants Java 17+. Installing it needs root; without java those tests are skipped with that reason.
java:
	@command -v java >/dev/null || (apt-get update -qq && apt-get install -y -qq openjdk-17-jre-headless) >/dev/null 2>&1 \
		|| echo "warning: could not install openjdk-17-jre-headless"

# ATOM_REDIS_URL's tests (limits and recent ids shared by every API worker) run a real redis-server.
$(REDIS):
	-(apt-get update -qq && apt-get install -y -qq redis-server) >/dev/null 2>&1 || echo "warning: could not install redis-server"

## demo: generate the demo marketplace, run the pipeline, start portal + orchestrator (SCALE=small|default|large)
demo: env
	$(BIN)/atom demo --scale $(SCALE)

## test: lint, type-check and the whole test suite (slow tests included), two workers
test: env java $(CHROMIUM) $(POSTGRES) $(REDIS) lint
	$(BIN)/pytest -n 2 --dist worksteal --timeout 900 --durations=15

## test-fast: skip the tests marked slow (for the edit-test loop only; CI runs `make test`)
test-fast: env
	$(BIN)/pytest -n 2 -m "not slow"

lint: env
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy atom billing ingest orchestration app governance cli
	$(BIN)/lint-imports --no-cache
	cd dbt_project && ../$(BIN)/sqlfluff lint models --processes 2 --disable-progress-bar
	@# dbt's deprecations are errors, and Dagster loads the definitions as a deployed code location would.
	tmp=$$(mktemp -d) && ATOM_HOME=$$tmp ATOM_WAREHOUSE=$$tmp/w.duckdb DBT_PROFILES_DIR=dbt_project \
		$(BIN)/dbt --warn-error --quiet parse --show-all-deprecations --project-dir dbt_project --target-path $$tmp/target \
		&& ATOM_HOME=$$tmp $(BIN)/dg check defs --use-active-venv >/dev/null; status=$$?; rm -rf $$tmp; exit $$status
	cd sdk/python && ../../$(BIN)/ruff check . && ../../$(BIN)/ruff format --check . && ../../$(BIN)/mypy src

format: env
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## bench: the benchmarks of docs/benchmarks.md (writes bench/results/*.json and rewrites the doc's tables)
bench: env
	$(BIN)/python bench/run_all.py

## screenshots: every portal page in Chromium, from the current ATOM_HOME snapshot, into docs/img/
screenshots: env $(CHROMIUM)
	$(BIN)/python -m tools.screenshots --out docs/img

clean:
	rm -rf .atom dbt_project/target dbt_project/logs
