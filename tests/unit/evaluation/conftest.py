"""Unit fixtures for eval/: a fake judge server on loopback, a fake pipeline, offline ragas."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest

os.environ["RAGAS_DO_NOT_TRACK"] = "true"

from tests.unit.evaluation.fake_judge import FakeJudge


@pytest.fixture(autouse=True)
def _ragas_offline(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAGAS_DO_NOT_TRACK", "true")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path_factory.getbasetemp() / "xdg"))


@pytest.fixture
def fake_judge() -> Iterator[FakeJudge]:
    judge = FakeJudge()
    yield judge
    judge.close()


def judge_settings(url: str, tmp: Path, **judge: Any) -> Any:
    from rag_app.config import load_settings

    return load_settings(
        None,
        env={},
        overrides={
            "llm": {"provider": "openai", "base_url": url, "model": "fake"},
            "judge": {"provider": "openai", "base_url": url, "model": "fake-judge", "timeout": 10.0, **judge},
            "eval": {"out_dir": str(tmp / "results"), "bootstrap": 200},
            "milvus": {"uri": str(tmp / "milvus.db")},
        },
    )


class HashEmbedder:
    """Deterministic bag-of-words vectors (no model)."""

    dimension = 16
    fingerprint: ClassVar[dict[str, Any]] = {"provider": "fake", "model": "hash", "dimension": 16}

    def embed_query(self, text: str) -> list[float]:
        vec = [0.0] * 16
        for word in text.lower().split():
            vec[int(hashlib.md5(word.encode()).hexdigest(), 16) % 16] += 1.0
        norm = sum(v * v for v in vec) ** 0.5 or 1.0
        return [v / norm for v in vec]


class FakeCollection:
    def exists(self) -> bool:
        return True

    def count(self) -> int:
        return 3


class FakeComponents:
    def __init__(self) -> None:
        self.embedder = HashEmbedder()
        self.collection = FakeCollection()


class FakePipeline:
    """Duck-typed rag_app Pipeline: fixed passages, a canned answer, counted calls."""

    collection = "fake_collection"

    def __init__(
        self, settings: Any, passages: list[str], answer: str = "SQLite stores a database in one file."
    ) -> None:
        self.settings = settings
        self.components = FakeComponents()
        self.passages = passages
        self.text = answer
        self.answers = 0

    def _result(self, question: str, top_k: int | None) -> Any:
        from rag_app.types import Passage, SearchResult

        ps = [
            Passage(source=f"doc{i}.md", page=None, chunk=i, text=t, score=1.0 - i / 10)
            for i, t in enumerate(self.passages[: top_k or 5])
        ]
        return SearchResult(
            question, "dense", ps, self.collection, {"applied": False}, {"embed": 0.001, "search": 0.002}
        )

    def search(self, question: str, top_k: int | None = None, **kw: Any) -> Any:
        return self._result(question, top_k)

    def answer(self, question: str, **kw: Any) -> Any:
        self.answers += 1
        result = self._result(question, self.settings.retrieval.top_k)
        text = self.text

        def tokens() -> Iterator[str]:
            result.timings["first_token"] = 0.01
            yield from text.split(" ")[:1]
            yield " " + " ".join(text.split(" ")[1:])
            result.timings["generate"] = 0.02

        return result, tokens()

    def describe(self) -> dict[str, Any]:
        return {"collection": self.collection, "embedder": self.components.embedder.fingerprint}

    def close(self) -> None:
        pass
