"""Fakes for the UI's unit tests: a pipeline with canned passages and answers, an indexer, settings.

``FakePipeline`` offers the public surface of :class:`rag_app.pipeline.Pipeline` that the UI and
``eval.runner`` call; ``FakeIndexer`` stands in for :class:`ingest.indexer.Indexer` (the service
builds it through ``ui.service.build_indexer``, which the ``service`` fixture replaces).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import gradio as gr
import pytest
import yaml

from ingest.report import IngestReport
from rag_app.answering.answerer import Answer
from rag_app.answering.citations import explicit_citations
from rag_app.answering.grounding import Grounder
from rag_app.answering.refusal import refusal_message
from rag_app.components.rerankers import RerankerStatus
from rag_app.config import load_settings
from rag_app.progress import Progress, Step
from rag_app.retrieval.relevance import RefusalPolicy
from rag_app.settings import Settings
from rag_app.store import CollectionInfo
from rag_app.store.capabilities import MilvusInfo
from rag_app.types import Passage, SearchResult
from tests.unit.rag_app.fakes import HashEmbedder
from ui.service import RagService

TEXTS = [
    "SQLite keeps a whole database in a single file.",
    "New features are typically introduced in r-devel.",
]
ANSWER = "SQLite stores a database in one file [1]."
FINGERPRINT = {"provider": "fake", "model": "hash", "dimension": 16}


class FakeCollection:
    def __init__(self, chunks: int) -> None:
        self.chunks = chunks

    def exists(self) -> bool:
        return self.chunks > 0

    def count(self) -> int:
        return self.chunks


class FakeComponents:
    """What ``eval.runner`` reads from ``pipeline.components``."""

    def __init__(self, settings: Settings, chunks: int) -> None:
        self.settings = settings
        self.collection = FakeCollection(chunks)


class FakePipeline:
    """Fixed passages, a canned streamed answer, documents in a list; ``fail`` makes calls raise."""

    collection = "docs_fake"

    def __init__(self, settings: Settings, docs: list[dict[str, Any]] | None = None) -> None:
        self.settings = settings
        self.components = FakeComponents(settings, chunks=len(TEXTS))
        self.docs = list(docs or [])
        self.reranker_status = RerankerStatus(enabled=False, available=False)
        self.fail: dict[str, BaseException] = {}  # method name -> exception it raises
        self.answered: list[tuple[str, list[dict[str, str]] | None]] = []
        self.refuse = False  # answer as the pipeline does when nothing relevant is found
        self.elsewhere: dict[str, list[str]] = {}  # doc_id -> other collections indexing it
        self.closed = False
        self.milvus_info = MilvusInfo(lite=True, version="2.5.1", bm25=True)

    def _raise(self, name: str) -> None:
        if name in self.fail:
            raise self.fail[name]

    def _result(self, query: str, top_k: int | None, mode: str | None = None) -> SearchResult:
        passages = [
            Passage(source=f"/docs/doc{i}.md", page=i or None, chunk=i, text=t, score=0.9 - i / 10)
            for i, t in enumerate(TEXTS[: top_k or len(TEXTS)])
        ]
        return SearchResult(query, mode or "hybrid", passages, self.collection, {"applied": False})

    def search(
        self, query: str, top_k: int | None = None, mode: str | None = None, **kw: Any
    ) -> SearchResult:
        self._raise("search")
        return self._result(query, top_k, mode)

    def answer(
        self, question: str, top_k: int | None = None, history: list[dict[str, str]] | None = None, **kw: Any
    ) -> tuple[SearchResult, Iterator[str]]:
        self._raise("answer")
        self.answered.append((question, history))
        result = self._result(question, top_k)
        if history:
            result.condensed_from = question
            result.query = f"standalone: {question}"
        if self.refuse:
            result.refused = True
            return result, iter([refusal_message(question)])

        def tokens() -> Iterator[str]:
            yield from ANSWER.split(" ")[:1]
            self._raise("tokens")
            yield " " + " ".join(ANSWER.split(" ")[1:])

        return result, tokens()

    refusal = RefusalPolicy(None, "retrieval.refuse_below: none")

    @property
    def grounder(self) -> Grounder:
        return Grounder(HashEmbedder(self.settings.embedder))

    def finish(self, question: str, text: str, result: SearchResult) -> Answer:
        self._raise("finish")
        if result.refused:
            return Answer(question, text, result)
        grounding = self.grounder.ground(text, [p.text for p in result.passages])
        return Answer(question, text, result, explicit_citations(text, len(result.passages)), grounding)

    embedder_chosen = True  # auto has chosen (or the embedder is configured)
    language: tuple[str, str] | None = None  # what language_warning() reports

    def collection_exists(self) -> bool:
        self._raise("collection_exists")
        return self.components.collection.exists()

    def language_warning(self) -> tuple[str, str] | None:
        self._raise("language_warning")
        return self.language

    def collections(self) -> list[CollectionInfo]:
        self._raise("collections")
        return [
            CollectionInfo(self.collection, FINGERPRINT, chunks=2, documents=len(self.docs)),
            CollectionInfo("foreign", {}, chunks=5, documents=1),
        ]

    @property
    def milvus(self) -> MilvusInfo:
        return self.milvus_info

    def search_notice(self) -> str | None:
        self._raise("search_notice")
        if self.milvus_info.bm25:
            return None
        return f"{self.milvus_info.no_bm25_reason}: sparse and hybrid searches run as dense."

    def embedder_description(self) -> str:
        self._raise("embedder_description")
        return "fake:hash (16-d)"

    def documents(self) -> list[dict[str, Any]]:
        self._raise("documents")
        return [dict(d) for d in self.docs]

    def delete_document(self, doc_id: str) -> None:
        self._raise("delete_document")
        self.docs = [d for d in self.docs if d["doc_id"] != doc_id]

    def held_elsewhere(self, doc_id: str) -> list[str]:
        return list(self.elsewhere.get(doc_id, []))

    def warm_up(self) -> None:
        self._raise("warm_up")

    def describe(self) -> dict[str, Any]:
        return {"collection": self.collection, "embedder": FINGERPRINT}

    def close(self) -> None:
        self.closed = True


class FakeIndexer:
    """Reports every path as added (``fail``: the exception ``ingest`` raises instead).

    ``gate``: when set, ``ingest`` first waits for it (a file still being read), with ``reading``
    set meanwhile; its writes then take the ``write_lock`` it was given, as the real indexer does.
    """

    def __init__(self) -> None:
        self.calls: list[tuple[list[Path], bool]] = []
        self.fail: BaseException | None = None
        self.gate: threading.Event | None = None
        self.reading = threading.Event()

    def ingest(
        self,
        paths: list[Path],
        sync: bool = False,
        progress: Progress | None = None,
        write_lock: AbstractContextManager[object] | None = None,
        stop: threading.Event | None = None,
    ) -> IngestReport:
        self.calls.append((list(paths), sync))
        if self.fail is not None:
            raise self.fail
        self.reading.set()
        if self.gate is not None:
            self.gate.wait(30)
        with write_lock or contextlib.nullcontext():
            pass  # the batch write
        report = IngestReport(collection="docs_fake")
        if progress is not None:
            progress.update(Step("ingest", 0, len(paths)))
        for i, p in enumerate(paths, 1):
            report.added += 1
            report.chunks += 2
            if progress is not None:
                progress.update(Step("ingest", i, len(paths), item=str(p), status="added", units=2))
        return report


def write_settings(folder: Path, **sections: dict[str, Any]) -> Settings:
    """Settings from a config.yaml in ``folder``: data, index and results there; LLM on a dead port."""
    base: dict[str, dict[str, Any]] = {
        "milvus": {"uri": str(folder / "milvus.db")},
        "paths": {"data_dir": str(folder / "data")},
        "reranker": {"provider": "none"},
        "llm": {"provider": "openai", "base_url": "http://127.0.0.1:9/v1", "model": "fake"},
        "eval": {"out_dir": str(folder / "results")},
    }
    for name, values in sections.items():
        base.setdefault(name, {}).update(values)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "config.yaml"
    path.write_text(yaml.safe_dump(base))
    return load_settings(path, env={})


@pytest.fixture(autouse=True)
def _no_analytics(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("GRADIO_ANALYTICS_ENABLED", "False")  # Blocks() would report its creation
    # Gradio's upload staging folder, per test (ui.server.build_server keeps one already set).
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path / "gradio-staging"))


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return write_settings(tmp_path / "app")


@pytest.fixture
def pipe(settings: Settings) -> FakePipeline:
    docs = [
        {"doc_id": "d1", "source": "/docs/a.md", "name": "a.md", "title": "A", "pages": None, "chunks": 3,
         "ingested_at": 1_700_000_000, "complete": True},
        {"doc_id": "d2", "source": "/docs/b.pdf", "name": "b.pdf", "title": "", "pages": 4, "chunks": 9,
         "ingested_at": None, "complete": False},
    ]  # fmt: skip
    return FakePipeline(settings, docs)


@pytest.fixture
def indexer(monkeypatch: pytest.MonkeyPatch) -> FakeIndexer:
    fake = FakeIndexer()
    monkeypatch.setattr("ui.service.build_indexer", lambda components: fake)
    return fake


@pytest.fixture
def service(pipe: FakePipeline, indexer: FakeIndexer) -> RagService:
    return RagService(pipe)  # type: ignore[arg-type]


def handler(demo: gr.Blocks, name: str) -> Any:
    """The function registered on ``demo`` under ``name`` (fails when none or several are)."""
    fns = {id(f.fn): f.fn for f in demo.fns.values() if f.name == name}
    assert len(fns) == 1, f"{name}: {len(fns)} registered functions"
    return next(iter(fns.values()))
