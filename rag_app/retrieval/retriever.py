"""First-stage search (dense, BM25 or hybrid) over ``retrieval.candidates``, then cross-encoder rerank.

>>> result = retriever.search("What is SQLite?", top_k=3)     # doctest: +SKIP
>>> [p.source for p in result.passages]                        # doctest: +SKIP
"""

from __future__ import annotations

import time
from typing import TypedDict

from rag_app.collection import Collection
from rag_app.components.embedders import Embedder
from rag_app.components.rerankers import Reranker, RerankerStatus
from rag_app.errors import ConfigError
from rag_app.retrieval.filters import SearchFilters
from rag_app.retrieval.language_check import query_warnings
from rag_app.settings import RetrievalSettings
from rag_app.store import Hit, MilvusStore
from rag_app.types import Passage, SearchResult

MODES = ("dense", "sparse", "hybrid")


class SearchOptions(TypedDict, total=False):
    """What a caller may choose per search (else ``retrieval.*`` decides)."""

    top_k: int | None
    mode: str | None
    rerank: bool
    filters: SearchFilters | None
    filter: str
    relevance: bool


def _passage(h: Hit) -> Passage:
    return Passage(
        source=h.fields["source"],
        page=None if int(h.fields["page"]) < 0 else int(h.fields["page"]),
        chunk=int(h.fields["chunk"]),
        text=h.fields["text"],
        score=h.score,
        doc_id=h.fields["doc_id"],
        heading=h.fields.get("heading", ""),
        title=h.fields.get("title", ""),
        ocr=bool(h.fields.get("ocr")),  # None on rows written before the field existed
    )


class Retriever:
    def __init__(
        self,
        embedder: Embedder,
        store: MilvusStore,
        collection: Collection,
        reranker: Reranker | None,
        reranker_status: RerankerStatus,
        cfg: RetrievalSettings,
    ) -> None:
        self._embedder = embedder
        self._store = store
        self._collection = collection
        self._reranker = reranker
        self.reranker_status = reranker_status
        self._cfg = cfg

    def search(
        self,
        query: str,
        top_k: int | None = None,
        mode: str | None = None,
        rerank: bool = True,
        filters: SearchFilters | None = None,
        filter: str = "",
        relevance: bool = False,
    ) -> SearchResult:
        """Ranked passages for ``query``.

        ``filters`` restrict by source glob, file type or document id; ``filter`` is a raw Milvus
        expression AND-ed with them. ``rerank=False`` skips the cross-encoder for this request.
        ``relevance``: also set ``result.relevance``, the dense cosine of the closest passage
        (one more dense search, top 1, in the BM25 and hybrid modes).
        """
        cfg = self._cfg
        top_k = top_k or cfg.top_k
        mode = mode or cfg.mode
        if mode not in MODES:
            raise ConfigError(f"Unknown search mode {mode!r}.", fix="Use dense, sparse or hybrid.")
        name = self._collection.open(create=False)
        where = (
            filters.expression(sources_like=lambda like: self._store.sources_like(name, like))
            if filters
            else ""
        )
        expr = " and ".join(f"({e})" for e in (where, filter) if e)
        mode_used, notice = mode, None
        if mode != "dense" and not self._store.has_bm25(name):
            mode_used = "dense"
            notice = f"{mode} search ran as dense: {self._store.engine.no_bm25_reason}."
        timings: dict[str, float] = {}
        use_rerank = rerank and self._reranker is not None
        limit = max(cfg.candidates, top_k) if use_rerank else top_k

        vector = None
        if mode_used in ("dense", "hybrid") or relevance:
            t = time.perf_counter()
            vector = self._embedder.embed_query(query)
            timings["embed"] = time.perf_counter() - t
        t = time.perf_counter()
        hits = self._store.search(
            name, mode_used, limit, vector=vector, text=query, rrf_k=cfg.rrf_k, filter=expr,
            fusion=cfg.fusion, dense_weight=cfg.dense_weight,
        )  # fmt: skip
        timings["search"] = time.perf_counter() - t
        best: float | None = None
        if relevance:
            if mode_used == "dense":
                best = max((h.score for h in hits), default=None)
            else:
                t = time.perf_counter()
                top = self._store.search(name, "dense", 1, vector=vector, filter=expr)
                best = top[0].score if top else None
                timings["relevance"] = time.perf_counter() - t
        passages = [_passage(h) for h in hits]
        applied = False
        if use_rerank and passages and self._reranker is not None:
            t = time.perf_counter()
            scores = self._reranker.score(query, [p.text for p in passages])
            timings["rerank"] = time.perf_counter() - t
            for p, s in zip(passages, scores, strict=True):
                p.rerank_score = s
            passages.sort(
                key=lambda p: p.rerank_score if p.rerank_score is not None else float("-inf"), reverse=True
            )
            if cfg.min_rerank_score is not None:
                passages = [p for p in passages if (p.rerank_score or 0.0) >= cfg.min_rerank_score]
            applied = True
        status = self.reranker_status
        skipped = None
        if not applied:
            skipped = "disabled for this request (--no-rerank)" if not rerank else status.reason
        reranker_info = {"applied": applied, "model": status.model, "skipped_reason": skipped}
        coll = self._collection
        warnings = query_warnings(
            query, self._embedder.model_name, coll.language(), lambda: coll.language(identify=True)
        )
        return SearchResult(
            query, mode, passages[:top_k], name, reranker_info, timings, filter=expr, relevance=best,
            mode_used=mode_used, notice=notice, warnings=warnings,
        )  # fmt: skip
