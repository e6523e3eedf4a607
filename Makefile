# Activity Tracker — the README's two commands are `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
APP    := $(VENV)/bin/activity-tracker
STAMP  := $(VENV)/.installed

.PHONY: run test test-pg bench lint sysdeps install clean wheel-test package bundle-test

run: sysdeps $(STAMP)
	$(APP) demo --if-missing
	$(APP)

# a worker that crashes (a segfault inside Qt) ends the run at once, not replaced: a replacement
# worker could leave xdist's controller waiting for ever (.ci/run then runs the suite once more)
test: sysdeps $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q -n 2 --dist loadfile --max-worker-restart=0

# the persistence and concurrency tests against PostgreSQL (TRACKER_PG_URL must be set)
test-pg: sysdeps $(STAMP)
	@test -n "$$TRACKER_PG_URL" || { echo "Set TRACKER_PG_URL (eval \"\$$(.ci/start-postgres.sh)\" starts one)."; exit 2; }
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q tests/pg

bench: sysdeps $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) tests/perf/run.py

# build the wheel, install it into a fresh venv outside the checkout and use it from there
wheel-test: sysdeps $(STAMP)
	PYTHON=$(PY) sh packaging/wheel-smoke.sh

# the one-folder PyInstaller bundle dist/ActivityTracker/ (see packaging/activity-tracker.spec)
package: sysdeps $(STAMP)
	$(PY) -m pip install --quiet 'pyinstaller>=6.10'
	PYTHON=$(PY) sh packaging/build-bundle.sh

# start the bundle: sign-in window to PNG, demo school, a certificate issued and verified
bundle-test:
	sh packaging/bundle-smoke.sh

lint: $(STAMP)
	$(VENV)/bin/ruff check tracker ui tests main.py
	$(VENV)/bin/mypy tracker ui

sysdeps:
	@sh packaging/install-system-deps.sh

install: $(STAMP)

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet -e '.[test,postgres,speedups]'
	@touch $(STAMP)

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache
