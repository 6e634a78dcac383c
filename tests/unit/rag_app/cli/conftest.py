"""CLI fixtures: a config file on the fake providers, a small index, and click's CliRunner."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result

from rag_app.cli import cli
from rag_app.config import load_settings
from rag_app.pipeline import Components
from tests.unit.rag_app.fakes import index_texts

DOCS = {
    "/docs/sqlite.md": ["SQLite stores a whole database in a single ordinary file."],
    "/docs/r-faq.pdf": ["New features are typically introduced in r-devel."],
}


@pytest.fixture
def config_file(tmp_path: Path, fake_providers: None) -> Callable[..., Path]:
    def make(**sections: dict[str, Any]) -> Path:
        data: dict[str, dict[str, Any]] = {
            "embedder": {"provider": "fake", "model": "hash"},
            "llm": {"provider": "fake", "model": "scripted"},
            "reranker": {"provider": "none"},
            "retrieval": {"mode": "dense", "top_k": 2},
            "milvus": {"uri": str(tmp_path / "milvus.db")},
            "paths": {"data_dir": str(tmp_path / "data")},
        }
        for name, values in sections.items():
            data.setdefault(name, {}).update(values)
        path = tmp_path / "config.yaml"
        path.write_text(yaml.safe_dump(data))
        return path

    return make


@pytest.fixture
def indexed_config(config_file: Callable[..., Path]) -> Path:
    path = config_file()
    c = Components(load_settings(path, env={}))
    index_texts(c.store, c.collection.name, DOCS, c.embedder.fingerprint)
    c.close()
    return path


@pytest.fixture
def rag() -> Callable[..., Result]:
    def run(*args: str, input: str | None = None) -> Result:
        return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)

    return run
