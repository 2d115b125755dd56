# The two commands a new user needs: `make demo` and `make test`.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
PIP     := $(BIN)/pip install --disable-pip-version-check -q -c constraints.txt
STAMP   := $(VENV)/.installed-$(shell cat pyproject.toml constraints.txt | sha256sum | cut -c1-12)

.PHONY: demo test install clean bench

$(BIN)/python:
	$(PY) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml constraints.txt
	$(PIP) -e '.[test]'
	rm -f $(VENV)/.installed-* && touch $(STAMP)

install: $(STAMP)

demo: install            ## install, serve the demo sites on 127.0.0.1, run the real flow against them
	$(BIN)/framewatch demo

test: install            ## install and run the test suite
	$(BIN)/python -m pytest

bench: install           ## benchmarks (not part of the tests); writes bench/RESULTS.md
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) data
