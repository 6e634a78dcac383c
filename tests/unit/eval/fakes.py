"""Fakes for eval's unit tests: a pipeline that implements :class:`eval.evaluated_pipeline.EvaluatedPipeline`
with fixed passages and a canned answer, and settings pointing the judge at a loopback server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from rag_app.answering.answerer import Answer
from rag_app.answering.citations import explicit_citations
from rag_app.answering.grounding import Grounder
from rag_app.components.embedders import Embedder
from rag_app.config import load_settings
from rag_app.retrieval.relevance import RefusalPolicy
from rag_app.settings import EmbedderSettings, Settings
from rag_app.types import Passage, SearchResult
from tests.unit.rag_app.fakes import HashEmbedder


def judge_settings(url: str, tmp: Path, **judge: Any) -> Settings:
    """Answering LLM and judge at ``url`` (``judge`` keys override), results and Milvus under ``tmp``."""
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


def hash_embedder() -> Embedder:
    """Deterministic bag-of-words vectors (no model)."""
    return HashEmbedder(EmbedderSettings(model="hash"))


class FakeCollection:
    def __init__(self, chunks: int) -> None:
        self.chunks = chunks

    def count(self) -> int:
        return self.chunks


class FakeComponents:
    def __init__(self, chunks: int) -> None:
        self.embedder = hash_embedder()
        self.collection = FakeCollection(chunks)


class FakePipeline:
    """Fixed passages, a canned answer streamed in two tokens, counted answers.

    ``chunks``: what its collection holds (0: an empty collection).
    """

    collection = "fake_collection"

    def __init__(
        self,
        settings: Settings,
        passages: list[str],
        answer: str = "SQLite stores a database in one file.",
        chunks: int = 3,
    ) -> None:
        self.settings = settings
        self.components = FakeComponents(chunks)
        self.passages = passages
        self.text = answer
        self.answers = 0

    def _result(self, question: str, top_k: int | None) -> SearchResult:
        ps = [
            Passage(source=f"doc{i}.md", page=None, chunk=i, text=t, score=1.0 - i / 10)
            for i, t in enumerate(self.passages[: top_k or 5])
        ]
        return SearchResult(
            question, "dense", ps, self.collection, {"applied": False}, {"embed": 0.001, "search": 0.002}
        )

    refusal = RefusalPolicy(None, "retrieval.refuse_below: none")

    @property
    def grounder(self) -> Grounder:
        return Grounder(self.components.embedder)

    def search(
        self,
        query: str,
        top_k: int | None = None,
        mode: str | None = None,
        rerank: bool = True,
        relevance: bool = False,
    ) -> SearchResult:
        return self._result(query, top_k)

    def finish(self, question: str, text: str, result: SearchResult) -> Answer:
        grounding = self.grounder.ground(text, [p.text for p in result.passages])
        return Answer(question, text, result, explicit_citations(text, len(result.passages)), grounding)

    def answer(self, question: str) -> tuple[SearchResult, Iterator[str]]:
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
