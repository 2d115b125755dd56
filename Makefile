# The two commands a new user needs: `make demo` and `make test`.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
PIP     := $(BIN)/pip install --disable-pip-version-check -q -c constraints.txt
HASH    := $(shell cat pyproject.toml constraints.txt | sha256sum | cut -c1-12)
# Stamps: reinstall only when pyproject.toml or constraints.txt change.
BASE    := $(VENV)/.base-$(HASH)
FULL    := $(VENV)/.full-$(HASH)
# First of the demo sites' ports on 127.0.0.1 (the webhook uses DEMO_PORT-11): `make demo DEMO_PORT=48801` when taken.
DEMO_PORT ?= 47801

.PHONY: demo test install install-all clean bench prefect-server serve deploy worker browser screenshots ui

$(BIN)/python:
	$(PY) -m venv $(VENV)

# The demo needs only the pipeline itself.
$(BASE): $(BIN)/python pyproject.toml constraints.txt
	$(PIP) -e .
	rm -f $(VENV)/.base-* && touch $(BASE)

# The tests also exercise the embedding backend (torch CPU from the local
# wheel, ~1.1 GB) and the Dask task runner.
$(FULL): $(BIN)/python pyproject.toml constraints.txt
	$(PIP) -e '.[test,embed,dask]'
	rm -f $(VENV)/.full-* && touch $(FULL) $(BASE)

install: $(BASE)

install-all: $(FULL)

demo: $(BASE)            ## install, serve the demo sites on 127.0.0.1, run the real flow against them
	$(BIN)/framewatch demo --port $(DEMO_PORT)

# The explorer's browser tests and `make screenshots` drive headless Chromium
# from Debian's packages (never a browser downloaded at run time). CI runs
# `make test` as root on a fresh machine: install it there when it is missing.
browser:
	@if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -q && $$SUDO apt-get install -y -q chromium chromium-driver; \
	fi

test: $(FULL) browser    ## install and run the test suite
	$(BIN)/python -m pytest

ui: $(BASE)              ## the analyst's explorer on http://127.0.0.1:8765/ (demo data: make ui DATA=data/demo)
	$(BIN)/framewatch ui $(if $(DATA),-d $(DATA))

screenshots: $(FULL) browser  ## regenerate docs/report-demo.png and docs/explorer-demo.png from the demo
	test -f data/demo/framewatch-snapshot.duckdb || $(BIN)/framewatch demo
	$(BIN)/python -m reports.screenshots

bench: $(FULL)           ## benchmarks (not part of the tests); writes bench/RESULTS.md
	$(BIN)/python -m bench

# A persistent Prefect server (API, UI and the scheduler service) on 127.0.0.1
# only. Its state lives in data/prefect-server, apart from data/prefect, which
# the temporary per-run server of `framewatch run` uses.
PREFECT_API   ?= http://127.0.0.1:4200/api
# The prefect CLI keeps its profiles under PREFECT_HOME: inside data/, never ~/.prefect.
PREFECT_LOCAL := PREFECT_HOME=$(CURDIR)/data/prefect-server PREFECT_SERVER_ANALYTICS_ENABLED=false DO_NOT_TRACK=1

prefect-server: install  ## persistent Prefect server on 127.0.0.1:4200; leave it running
	mkdir -p data/prefect-server
	$(PREFECT_LOCAL) $(BIN)/prefect server start --host 127.0.0.1 --port 4200

serve: install           ## run daily_ingest on the schedule from framewatch.toml (needs `make prefect-server`)
	PREFECT_API_URL=$(PREFECT_API) $(BIN)/framewatch serve

deploy: install          ## register prefect.yaml's deployment on the process work pool (needs `make prefect-server`)
	PREFECT_API_URL=$(PREFECT_API) $(PREFECT_LOCAL) $(BIN)/prefect work-pool create framewatch-process --type process --overwrite
	PREFECT_API_URL=$(PREFECT_API) $(PREFECT_LOCAL) $(BIN)/prefect --no-prompt deploy --name daily-ingest

worker: install          ## a process worker that executes the deployment's runs from this checkout
	FRAMEWATCH_HOME=$(CURDIR) PREFECT_API_URL=$(PREFECT_API) $(PREFECT_LOCAL) $(BIN)/prefect worker start --pool framewatch-process

clean:
	rm -rf $(VENV) data
