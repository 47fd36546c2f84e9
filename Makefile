# One command each (see README):  make run   |   make test
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: setup run test test-fast bench system-deps clean

$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade "pip>=24"
	$(PY) -m pip install -q -r requirements-dev.txt
	$(PY) -m pip install -q --no-deps -e .
	touch $(STAMP)

setup: $(STAMP)

# Debian's Chromium for the browser test (Playwright's own browser download does not work offline).
system-deps:
	bash scripts/install_system_deps.sh

run: setup
	$(PY) app.py

test: setup system-deps
	$(PY) -m pytest

test-fast: setup
	$(PY) -m pytest -m "not slow and not browser"

bench: setup
	$(PY) benchmarks/bench_pipeline.py

clean:
	rm -rf $(VENV) .pytest_cache test-output
