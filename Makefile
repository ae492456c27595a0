# The README's two commands are `make run` and `make test`; both set up what they need first.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?=

.PHONY: run test setup setup-test system-deps test-deps lint bench clean

# System packages first: they say what is missing before a venv is half made.
run: system-deps setup
	$(BIN)/mediasift serve

test: test-deps setup-test
	$(BIN)/ruff check src tests bench
	$(BIN)/pytest -m "not slow" $(PYTEST_ARGS)

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# torch is pinned to the CPU wheel on this machine's disk; it is needed once, to export the image
# model to ONNX, and never imported at run time after that.
setup: $(BIN)/python
	$(BIN)/pip install -q -e .

setup-test: $(BIN)/python .venv-checkov/bin/checkov
	$(BIN)/pip install -q -e ".[test]"

# checkov's pins (networkx<2.7, its own hcl2 fork) clash with the project's, so it gets a venv.
.venv-checkov/bin/checkov:
	$(PY) -m venv .venv-checkov
	.venv-checkov/bin/pip install -q "checkov==3.1.47"

# What running needs from the system (nothing from apt is required; Tesseract is optional) ...
system-deps:
	PY=$(PY) bash scripts/system-deps.sh run

# ... and what the tests need besides: media tools, fonts, speech data, Chromium.
test-deps:
	PY=$(PY) bash scripts/system-deps.sh test

lint: setup-test
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

bench: setup-test
	$(BIN)/python -m bench.text_ingest

clean:
	rm -rf .mediasift .pytest_cache
