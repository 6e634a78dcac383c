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
from pathlib import Path
from typing import Any

from rag_app.citations import explicit_citations, inferred_citations
from rag_app.components.embedders import Embedder, build_embedder
from rag_app.components.llm import ChatLLM, build_llm
from rag_app.components.rerankers import Reranker, RerankerStatus, build_reranker
from rag_app.components.resolve import offline_env
from rag_app.config import Settings, secret
from rag_app.prompts import (
    build_condense_messages,
    build_messages,
    clean_condensed,
    expand_with_history,
    usable_rewrite,
)
from rag_app.retriever import SearchFilters, assemble, fit_to_budget
from rag_app.store import MilvusStore, collection_name
from rag_app.types import Passage, SearchResult

Message = dict[str, str]


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
            "condensed_query": self.search.query if self.search.condensed_from is not None else None,
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

    def open_collection(self, create: bool = False, analyzer: str | None = None) -> str:
        """Check (or create) the collection for the configured embedder and return its name.

        ``analyzer`` (standard | jieba) is the BM25 tokenizer of a collection created now.
        """
        name = self.collection
        if analyzer in (None, "auto"):
            analyzer = (
                "standard" if self.settings.retrieval.analyzer == "auto" else self.settings.retrieval.analyzer
            )
        self.store.open(name, self.embedder.fingerprint, create=create, analyzer=analyzer)
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
        filters: SearchFilters | None = None,
        filter: str = "",
    ) -> SearchResult:
        """First-stage search (dense, BM25 or hybrid) over ``candidates``, then rerank to ``top_k``.

        ``filters`` restrict by source glob, file type or document id; ``filter`` is a raw
        Milvus expression AND-ed with them.
        """
        cfg = self.settings.retrieval
        top_k = top_k or cfg.top_k
        mode = mode or cfg.mode
        if mode not in ("dense", "sparse", "hybrid"):
            from rag_app.errors import ConfigError

            raise ConfigError(f"Unknown search mode {mode!r}.", fix="Use dense, sparse or hybrid.")
        expr = " and ".join(f"({e})" for e in (filters.expression() if filters else "", filter) if e)
        filter = expr
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
        hits = self.store.search(
            name, mode, limit, vector=vector, text=query, rrf_k=cfg.rrf_k, filter=filter,
            fusion=cfg.fusion, dense_weight=cfg.dense_weight,
        )  # fmt: skip
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
            passages.sort(
                key=lambda p: p.rerank_score if p.rerank_score is not None else float("-inf"), reverse=True
            )
            if cfg.min_rerank_score is not None:
                passages = [p for p in passages if (p.rerank_score or 0.0) >= cfg.min_rerank_score]
            applied = True
        skipped = None
        if not applied:
            skipped = "disabled for this request (--no-rerank)" if not rerank else status.reason
        reranker_info = {
            "applied": applied,
            "model": status.model,
            "skipped_reason": skipped,
        }
        return SearchResult(query, mode, passages[:top_k], name, reranker_info, timings, filter=filter)

    # -- answering -------------------------------------------------------------------------
    def condense(self, question: str, history: list[Message] | None) -> str:
        """The follow-up ``question`` rewritten by the LLM into a standalone query.

        The question itself on a first turn (no history) or with ``retrieval.condense: false``.
        A rewrite that drops most of the question's own terms, or changes nothing, is not trusted:
        the query is then the question followed by the previous user question.
        """
        cfg = self.settings.retrieval
        turns = [m for m in (history or []) if m.get("role") in ("user", "assistant") and m.get("content")]
        if not turns or not cfg.condense or cfg.history_turns == 0:
            return question
        recent = turns[-2 * cfg.history_turns :]
        text = self.llm.complete(build_condense_messages(question, recent), max_tokens=96, temperature=0.0)
        rewrite = clean_condensed(text, question)
        if usable_rewrite(rewrite, question):
            return rewrite
        # The model echoed, answered or changed the question: the previous question supplies the subject.
        return expand_with_history(question, recent)

    def context(self, result: SearchResult) -> list[Passage]:
        """The passages the LLM will see: merged, de-duplicated, fitted to its context window."""
        cfg = self.settings.llm
        passages = assemble(result.passages, merge_adjacent=self.settings.retrieval.merge_adjacent)
        # prompt = instructions + passages + question; the answer needs max_tokens of room.
        budget = cfg.context_window - cfg.max_tokens - 250
        return fit_to_budget(passages, self.llm.count_tokens, max(256, budget))

    def answer(
        self,
        question: str,
        top_k: int | None = None,
        history: list[Message] | None = None,
        filters: SearchFilters | None = None,
        mode: str | None = None,
        rerank: bool = True,
    ) -> tuple[SearchResult, Iterator[str]]:
        """Condense (follow-ups), retrieve, then stream the LLM's answer.

        The returned result's ``passages`` are the ones the LLM was given, numbered as cited;
        ``result.query`` is the standalone query when the question was condensed
        (``result.condensed_from`` holds the original). Consume the iterator to get the text.
        """
        t = time.perf_counter()
        query = self.condense(question, history)
        condense_s = time.perf_counter() - t
        result = self.search(query, top_k=top_k, mode=mode, rerank=rerank, filters=filters)
        rcfg = self.settings.retrieval
        if query != question or (history and rcfg.condense and rcfg.history_turns):
            result.condensed_from = question
            result.timings["condense"] = condense_s
        result.passages = self.context(result)
        messages = build_messages(query, result.passages, budget_chars=10**9)

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

    def ask(
        self,
        question: str,
        top_k: int | None = None,
        history: list[Message] | None = None,
        filters: SearchFilters | None = None,
        mode: str | None = None,
        rerank: bool = True,
    ) -> Answer:
        result, tokens = self.answer(
            question, top_k=top_k, history=history, filters=filters, mode=mode, rerank=rerank
        )
        return Answer.from_text(question, "".join(tokens), result)

    # -- documents --------------------------------------------------------------------------
    def ingest(self, paths: list[str] | list[Path], sync: bool = False, progress: Any = None) -> Any:
        """Ingest files/folders into the current collection; returns ``ingest.runner.IngestReport``."""
        from ingest.runner import ingest_paths  # the one place core calls ingest (lazy)

        return ingest_paths(self, paths, sync=sync, progress=progress)

    def documents(self) -> list[dict[str, Any]]:
        """The documents in the current collection, newest first (for listings)."""
        name = self.collection
        if not self.store.exists(name):
            return []
        self.open_collection(create=False)
        docs = []
        for d in self.store.documents(name, details=True).values():
            docs.append(
                {
                    "doc_id": d.doc_id,
                    "source": d.source,
                    "name": Path(d.source).name,
                    "title": d.title,
                    "pages": d.pages or None,
                    "chunks": d.chunks,
                    "size": d.size,
                    "ingested_at": d.ingested_at,
                    "complete": d.complete(),
                }
            )
        docs.sort(key=lambda d: (-int(d["ingested_at"] or 0), d["name"]))
        return docs

    def delete_document(self, doc_id: str) -> None:
        """Remove one document's chunks from the current collection (its file is left alone)."""
        name = self.open_collection(create=False)
        self.store.delete_document(name, doc_id)

    def close(self) -> None:
        if self._llm is not None:
            self._llm.close()
        if "store" in self.__dict__:
            self.store.close()


def build_pipeline(settings: Settings, share_index: bool = False) -> Pipeline:
    """``share_index``: a long-running process lets other rag processes use its Milvus Lite index."""
    return Pipeline(settings, share_index=share_index)
