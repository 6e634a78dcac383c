"""The composition root: ``build_pipeline(settings)`` wires embedder, store, reranker and LLM.

Components are built lazily, so ``rag search`` never starts an LLM and ``rag collections``
never loads a model.

>>> pipe = build_pipeline(load_settings())                # doctest: +SKIP
>>> result, tokens = pipe.answer("What is SQLite?")       # doctest: +SKIP
>>> print("".join(tokens))                                # doctest: +SKIP
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from rag_app.citations import explicit_citations, inferred_citations
from rag_app.components.embedders import Embedder, build_embedder
from rag_app.components.llm import ChatLLM, build_llm
from rag_app.components.rerankers import Reranker, RerankerStatus, build_reranker
from rag_app.components.resolve import offline_env
from rag_app.config import Settings, secret
from rag_app.prompts import build_messages
from rag_app.store import MilvusStore, collection_name
from rag_app.types import Passage, SearchResult


@dataclass
class Answer:
    """A finished answer with the passages it was given and the ones it cites."""

    question: str
    text: str
    search: SearchResult
    cited: list[int] = field(default_factory=list)
    inferred: list[int] = field(default_factory=list)

    @classmethod
    def from_text(cls, question: str, text: str, search: SearchResult) -> Answer:
        n = len(search.passages)
        cited = explicit_citations(text, n)
        inferred = [i for i in inferred_citations(text, [p.text for p in search.passages]) if i not in cited]
        return cls(question, text, search, cited, inferred)

    @property
    def sources(self) -> list[int]:
        """Cited passage numbers: the answer's own, then the inferred ones."""
        return self.cited + self.inferred

    def as_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "answer": self.text,
            "sources": [p.as_dict() for p in self.search.passages],
            "cited": self.sources,
            "citations_inferred": self.inferred,
            "collection": self.search.collection,
            "reranker": self.search.reranker,
            "timings_ms": {k: round(v * 1000, 1) for k, v in self.search.timings.items()},
        }


class Pipeline:
    def __init__(
        self,
        settings: Settings,
        embedder: Embedder | None = None,
        store: MilvusStore | None = None,
        llm: ChatLLM | None = None,
        share_index: bool = False,
    ) -> None:
        self.settings = settings
        self.share_index = share_index
        offline_env(settings.models.allow_download)
        if embedder is not None:
            self.__dict__["embedder"] = embedder
        if store is not None:
            self.__dict__["store"] = store
        self._llm = llm
        self._reranker: Reranker | None = None
        self._reranker_status: RerankerStatus | None = None

    # -- components ----------------------------------------------------------------------
    @cached_property
    def embedder(self) -> Embedder:
        return build_embedder(self.settings)

    @cached_property
    def store(self) -> MilvusStore:
        return MilvusStore(
            self.settings.milvus_uri, secret(self.settings.milvus.token_env), share=self.share_index
        )

    @property
    def collection(self) -> str:
        pinned = self.settings.milvus.collection
        if pinned:
            return pinned
        return collection_name(
            self.settings.milvus.collection_prefix, self.embedder.model_name, self.embedder.fingerprint_id
        )

    def open_collection(self, create: bool = False) -> str:
        """Check (or create) the collection for the configured embedder and return its name."""
        name = self.collection
        self.store.open(name, self.embedder.fingerprint, create=create)
        return name

    @property
    def reranker_status(self) -> RerankerStatus:
        if self._reranker_status is None:
            self._reranker, self._reranker_status = build_reranker(self.settings)
        return self._reranker_status

    @property
    def reranker(self) -> Reranker | None:
        _ = self.reranker_status
        return self._reranker

    @property
    def llm(self) -> ChatLLM:
        if self._llm is None:
            self._llm = build_llm(self.settings)
        return self._llm

    # -- retrieval -------------------------------------------------------------------------
    def search(
        self,
        query: str,
        top_k: int | None = None,
        mode: str | None = None,
        rerank: bool = True,
        filter: str = "",
    ) -> SearchResult:
        cfg = self.settings.retrieval
        top_k = top_k or cfg.top_k
        mode = mode or cfg.mode
        name = self.open_collection(create=False)
        timings: dict[str, float] = {}
        use_rerank = rerank and self.reranker is not None
        limit = max(cfg.candidates, top_k) if use_rerank else top_k

        vector = None
        if mode in ("dense", "hybrid"):
            t = time.perf_counter()
            vector = self.embedder.embed_query(query)
            timings["embed"] = time.perf_counter() - t
        t = time.perf_counter()
        hits = self.store.search(name, mode, limit, vector=vector, text=query, rrf_k=cfg.rrf_k, filter=filter)
        timings["search"] = time.perf_counter() - t
        passages = [
            Passage(
                source=h.fields["source"],
                page=None if int(h.fields["page"]) < 0 else int(h.fields["page"]),
                chunk=int(h.fields["chunk"]),
                text=h.fields["text"],
                score=h.score,
                doc_id=h.fields["doc_id"],
                heading=h.fields.get("heading", ""),
                title=h.fields.get("title", ""),
            )
            for h in hits
        ]
        status = self.reranker_status
        applied = False
        if use_rerank and passages and self.reranker is not None:
            t = time.perf_counter()
            scores = self.reranker.score(query, [p.text for p in passages])
            timings["rerank"] = time.perf_counter() - t
            for p, s in zip(passages, scores, strict=True):
                p.rerank_score = s
            passages.sort(key=lambda p: p.rerank_score or 0.0, reverse=True)
            applied = True
        skipped = None
        if not applied:
            skipped = "disabled for this request (--no-rerank)" if not rerank else status.reason
        reranker_info = {
            "applied": applied,
            "model": status.model,
            "skipped_reason": skipped,
        }
        return SearchResult(query, mode, passages[:top_k], name, reranker_info, timings)

    # -- answering -------------------------------------------------------------------------
    def answer(self, question: str, top_k: int | None = None) -> tuple[SearchResult, Iterator[str]]:
        """Retrieve, then stream the LLM's answer. Consume the iterator to get the text."""
        result = self.search(question, top_k=top_k)
        llm_cfg = self.settings.llm
        # ~3 characters per token keeps the prompt inside the context window with room to answer.
        budget_chars = max(1000, (llm_cfg.context_window - llm_cfg.max_tokens - 300) * 3)
        messages = build_messages(question, result.passages, budget_chars)

        def tokens() -> Iterator[str]:
            t = time.perf_counter()
            first = True
            for token in self.llm.stream(messages):
                if first:
                    result.timings["first_token"] = time.perf_counter() - t
                    first = False
                yield token
            result.timings["generate"] = time.perf_counter() - t

        return result, tokens()

    def ask(self, question: str, top_k: int | None = None) -> Answer:
        result, tokens = self.answer(question, top_k=top_k)
        return Answer.from_text(question, "".join(tokens), result)

    def close(self) -> None:
        if self._llm is not None:
            self._llm.close()
        if "store" in self.__dict__:
            self.store.close()


def build_pipeline(settings: Settings, share_index: bool = False) -> Pipeline:
    """``share_index``: a long-running process lets other rag processes use its Milvus Lite index."""
    return Pipeline(settings, share_index=share_index)
