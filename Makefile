# briefgen: `make pdf` builds every briefing, `make test` runs the suite.
# Both create .venv and install what they need on first use.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
AUDIENCE ?=
MEETING ?= example
BRIEFGEN_FLAGS ?=

.PHONY: pdf pack test bench lint approve clean system-deps

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

pdf: $(STAMP)
	@scripts/system-deps pdf
	$(BIN)/briefgen build $(if $(AUDIENCE),--audience $(AUDIENCE)) $(BRIEFGEN_FLAGS)

# A meeting pack and its copies: build/meetings/$(MEETING)/pack.pdf from meetings/$(MEETING).yaml
pack: $(STAMP)
	@scripts/system-deps pdf
	$(BIN)/briefgen pack meetings/$(MEETING).yaml $(BRIEFGEN_FLAGS)

test: $(STAMP)
	@scripts/system-deps test
	$(BIN)/python -m pytest $(PYTEST_FLAGS)

bench: $(STAMP)
	@scripts/system-deps pdf
	$(BIN)/python scripts/bench.py

approve: $(STAMP)
	@scripts/system-deps test
	$(BIN)/python -m pytest tests/test_visual.py --approve

lint: $(STAMP)
	$(BIN)/ruff check briefgen tests scripts
	$(BIN)/ruff format --check briefgen tests scripts
	$(BIN)/mypy

clean:
	rm -rf build .pytest_cache .mypy_cache .ruff_cache
