# Two commands do all set-up on a fresh machine: `make run` and `make test`.
# torch is installed first and alone: `torch==2.13.0` takes the CPU wheel cached on these
# machines; any other torch request would pull gigabytes of CUDA packages.
VENV    ?= .venv
PY      := $(VENV)/bin/python
PIP     := $(VENV)/bin/pip
STAMP   := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: run test lint install index eval clean

$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PIP) install --quiet torch==2.13.0
	$(PIP) install --quiet -r requirements.txt -r requirements-dev.txt
	$(PIP) install --quiet --no-deps --no-build-isolation -e .
	$(PY) -m ingest.frequencies  # ingest/frequencies.json.gz, made from the installed wordfreq (not in git)
	touch $(STAMP)

install: $(STAMP)

index: install
	$(VENV)/bin/medquote ingest

# The app builds the index itself when it is missing or stale (the manifest decides), with
# `medquote ingest` in a child process: the server runs the encoder's ONNX export on ONNX Runtime
# and never imports torch (index/serving.py, docs/performance.md "Issue 23").
run: install
	$(PY) app.py

test: install
	$(PY) -m pytest $(PYTEST_ARGS)

# ruff (style and likely bugs), mypy (strict on every package and app.py; not on benchmarks, scripts, tests) and
# lint-imports (the one-way layering); all configured in pyproject.toml. CI runs it before the tests.
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports
	$(PY) evaluation/gold/check_gold.py  # every gold file (by path: the module evaluation/gold.py shadows the folder)

# The figures, and an HTML report per split (every miss, charts, goals) under test-output/.
eval: install
	mkdir -p test-output
	$(VENV)/bin/medquote eval --gold evaluation/gold/dev.jsonl --html test-output/eval-dev.html
	$(VENV)/bin/medquote eval --gold evaluation/gold/heldout.jsonl --html test-output/eval-heldout.html

clean:
	rm -rf .index .pytest_cache .mypy_cache .ruff_cache test-output
