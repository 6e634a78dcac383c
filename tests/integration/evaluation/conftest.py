"""Integration fixtures for eval/: real Milvus Lite, real MiniLM/mpnet, the real llama.cpp server."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import FIXTURES, write_config

os.environ["RAGAS_DO_NOT_TRACK"] = "true"

# Two questions about tests/fixtures/docs/notes.md, gold passages quoted from it.
QUESTIONS = [
    {
        "id": "single-file",
        "user_input": "How is an SQLite database stored on disk?",
        "reference": "An SQLite database is a single ordinary disk file.",
        "reference_contexts": [
            "An SQLite database is a single ordinary disk file that can be located anywhere in the directory hierarchy."
        ],
    },
    {
        "id": "history",
        "user_input": "When was the SQLite project started?",
        "reference": "The SQLite project was started on 2000-05-09.",
        "reference_contexts": ["The SQLite project was started on 2000-05-09."],
    },
]


@pytest.fixture(autouse=True)
def _ragas_offline(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAGAS_DO_NOT_TRACK", "true")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path_factory.getbasetemp() / "xdg"))


def _workspace(tmp_path: Path, **sections: dict[str, Any]) -> dict[str, Any]:
    data = tmp_path / "dataset"
    (data / "docs").mkdir(parents=True)
    shutil.copy(FIXTURES / "notes.md", data / "docs" / "notes.md")
    ds = data / "questions.jsonl"
    ds.write_text("".join(json.dumps(q) + "\n" for q in QUESTIONS))
    cfg = write_config(
        tmp_path / "ws",
        eval={"out_dir": str(tmp_path / "results"), "bootstrap": 200},
        retrieval={"top_k": 2, "mode": "dense"},
        **sections,
    )
    return {"config": cfg, "dataset": ds, "docs": data / "docs", "results": tmp_path / "results"}


@pytest.fixture
def eval_files(tmp_path: Path) -> dict[str, Any]:
    """A dataset folder (questions + docs/notes.md) and a config; no LLM needed."""
    return _workspace(tmp_path)


@pytest.fixture
def eval_workspace(tmp_path: Path, llm_server: str) -> dict[str, Any]:
    """Like ``eval_files``, answering and judging with the session's llama.cpp server
    (Qwen2.5-Coder-0.5B), reranker off, short outputs."""
    return _workspace(
        tmp_path,
        llm={"provider": "openai", "base_url": llm_server, "model": "qwen", "max_tokens": 48, "timeout": 240},
        judge={
            "provider": "openai",
            "base_url": llm_server,
            "model": "qwen",
            "max_tokens": 256,
            "timeout": 240,
        },
    )
