"""The security suite: hostile files, the index's safety and the local servers, against the real
loaders, indexer, Milvus Lite, MiniLM, llama.cpp server and CLI. Every hostile file is generated
here (tests/hostile_files.py); nothing hostile is checked in."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag_app.config import load_settings
from rag_app.pipeline import Pipeline, build_pipeline


@pytest.fixture(scope="package")
def embedder(minilm_path: Path):  # type: ignore[no-untyped-def]
    """The real MiniLM embedder, loaded once for the suite."""
    from rag_app.components.embedders import build_embedder

    return build_embedder(load_settings(path=None, env={}))


def pipe_for(cfg: Path, embedder) -> Pipeline:  # type: ignore[no-untyped-def]
    return build_pipeline(load_settings(cfg, env={}), embedder=embedder)
