# The two commands of the README:
#   make run   start edu on SQLite with the case library and demo accounts loaded
#   make test  run the whole test suite (set DATABASE_URL to run it on PostgreSQL)
# Both create .venv and install what they need; running either twice is harmless.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cksum < pyproject.toml | cut -d' ' -f1)
AXE    := tests/browser/node_modules/axe-core/axe.min.js
HOST   ?= 127.0.0.1
PORT   ?= 5000
WORKERS ?= 2

.PHONY: run test test-fast browser bench lint clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@rm -f $(VENV)/.installed-* && touch $@

$(AXE): tests/browser/package.json
	@if command -v npm >/dev/null 2>&1; then \
	  cd tests/browser && npm install --silent --no-audit --no-fund; \
	else echo "npm not found: accessibility checks will be skipped"; fi

run: $(STAMP)
	$(BIN)/flask --app edu db upgrade
	$(BIN)/flask --app edu cases sync || echo "warning: some case files were rejected (see above)"
	$(BIN)/flask --app edu demo load
	@echo ""
	@echo "  edu is running at http://$(HOST):$(PORT)/   (Ctrl-C to stop)"
	@echo ""
	$(BIN)/flask --app edu run --host $(HOST) --port $(PORT)

test: $(STAMP) $(AXE)
	@bash .ci/ensure-browser.sh || true
	$(BIN)/python -m pytest -n $(WORKERS) --dist loadfile $(PYTEST_ARGS)

test-fast: $(STAMP)
	$(BIN)/python -m pytest -n $(WORKERS) -m "not browser" $(PYTEST_ARGS)

browser: $(STAMP) $(AXE)
	$(BIN)/python -m pytest -m browser $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python -m bench $(BENCH_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check edu tests $(wildcard bench)
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV) tests/browser/node_modules instance/*.sqlite3
