"""Fixtures for the ingest unit tests: the fake embedder registered as a provider, settings under tmp."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from rag_app.config import load_settings
from rag_app.registry import EMBEDDERS
from rag_app.settings import Settings


@pytest.fixture
def fake_provider() -> Iterator[None]:
    """``embedder.provider: fake`` builds a :class:`tests.unit.ingest.fakes.WordHashEmbedder`."""
    EMBEDDERS.register("fake", "tests.unit.ingest.fakes:build_embedder")
    try:
        yield
    finally:
        EMBEDDERS.unregister("fake")


@pytest.fixture
def fake_settings(tmp_path: Path, fake_provider: None) -> Callable[..., Settings]:
    """Settings on the fake embedder with the index under tmp; keyword sections override
    (``make(ingest={"max_file_mb": 1})``)."""
    empty = tmp_path / "config.yaml"  # never the repository's own config.yaml
    empty.write_text("")

    def make(**sections: dict[str, Any]) -> Settings:
        base: dict[str, dict[str, Any]] = {
            "embedder": {"provider": "fake", "model": "word-hash"},
            "reranker": {"provider": "none"},
            "milvus": {"uri": str(tmp_path / "milvus.db")},
            "paths": {"data_dir": str(tmp_path / "data")},
        }
        for name, values in sections.items():
            base.setdefault(name, {}).update(values)
        return load_settings(empty, env={}, overrides=base)

    return make
