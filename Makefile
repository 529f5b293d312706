# hallmgr: `make run` serves the app with demo data, `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := hallmgr

.PHONY: run test test-perf lint fmt deadcode translations extract-messages screenshots clean soak bench

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/activate
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

translations: $(VENV)/.installed
	@for dir in hallmgr/translations hallmgr/*/translations; do \
	  if [ -d "$$dir" ]; then $(BIN)/pybabel compile --statistics -d "$$dir" || exit 1; fi; \
	done

run: translations
	$(BIN)/flask db upgrade
	$(BIN)/flask seed-demo
	$(BIN)/flask run --host 127.0.0.1 --port 5000

test: translations
	$(BIN)/pytest -q

# What `make test` leaves out: tests marked perf (wall-clock bounds, pinned optimisations).
test-perf: translations
	$(BIN)/pytest -q -m perf

# Province-scale benchmarks (issue 8): builds the synthetic province on SQLite and on
# PostgreSQL (BENCH_PG_URL, default hallmgr_bench at 127.0.0.1), writes docs/BENCHMARKS.md,
# docs/benchmarks.json and docs/SCALING.md's figures. 13 to 17 minutes on 2 cores from a fresh clone.
bench: translations
	$(BIN)/python -m benchmarks.run

# Screenshots of the key pages for the README (needs Chromium: apt-get install chromium).
screenshots: translations
	SAVE_SCREENSHOTS=1 REQUIRE_BROWSER=1 $(BIN)/pytest -q -m e2e

# Load and fault harness (issue 9): gunicorn, many concurrent clients, a worker killed and
# PostgreSQL (a throwaway cluster of its own) restarted; prints its counts, exits 1 on any
# loss or double. `make soak SHORT=1` is the quick version .ci/run uses.
soak: translations
	$(BIN)/python -m benchmarks.soak $(if $(SHORT),--short)

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

fmt: $(VENV)/.installed
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Code nothing uses (vulture; what it scans and the names it cannot see used are in
# pyproject.toml). Exits 3 when it finds any.
deadcode: $(VENV)/.installed
	$(BIN)/vulture

# Refresh the catalogues after adding or changing user-facing strings, then fill in the
# Indonesian of what `scripts/messages.py missing` lists.
extract-messages: $(VENV)/.installed
	$(BIN)/python scripts/messages.py update

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
