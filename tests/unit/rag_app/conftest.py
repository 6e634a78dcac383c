"""Fixtures for the core's unit tests: fake providers registered like real ones, a tmp Milvus Lite."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from rag_app.config import load_settings
from rag_app.registry import EMBEDDERS, LLMS
from rag_app.settings import Settings


@pytest.fixture
def fake_providers() -> Iterator[None]:
    """``embedder.provider: fake`` and ``llm.provider: fake`` (tests/unit/rag_app/fakes.py)."""
    EMBEDDERS.register("fake", "tests.unit.rag_app.fakes:build_embedder")
    LLMS.register("fake", "tests.unit.rag_app.fakes:build_llm")
    try:
        yield
    finally:
        EMBEDDERS.unregister("fake")
        LLMS.unregister("fake")


@pytest.fixture
def fake_settings(tmp_path: Path, fake_providers: None) -> Callable[..., Settings]:
    """Settings on fake providers, the index and data under tmp; sections override per test."""

    def make(**sections: dict[str, Any]) -> Settings:
        base: dict[str, dict[str, Any]] = {
            "embedder": {"provider": "fake", "model": "hash"},
            "llm": {"provider": "fake", "model": "scripted", "context_window": 1024, "max_tokens": 64},
            "reranker": {"provider": "none"},
            "milvus": {"uri": str(tmp_path / "milvus.db")},
            "paths": {"data_dir": str(tmp_path / "data")},
        }
        for name, values in sections.items():
            base.setdefault(name, {}).update(values)
        return load_settings(None, env={}, overrides=base)

    return make
