"""Plain data passed between the pipeline, the CLI, the UI and the evaluator."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Passage:
    source: str
    page: int | None
    chunk: int
    text: str
    score: float
    rerank_score: float | None = None
    doc_id: str = ""
    heading: str = ""
    title: str = ""
    chunks: list[int] | None = None  # set when neighbouring chunks were merged into this passage
    ocr: bool = False  # the text was read from a scanned page or an image by OCR (may contain misreadings)

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "page": self.page,
            "chunk": self.chunk,
            "text": self.text,
            "score": round(self.score, 6),
            "rerank_score": None if self.rerank_score is None else round(self.rerank_score, 6),
            "heading": self.heading or None,
            "chunks": self.chunks or [self.chunk],
            "doc_id": self.doc_id,
            "ocr": self.ocr,
        }


@dataclass
class SearchResult:
    query: str
    mode: str
    passages: list[Passage]
    collection: str
    reranker: dict[str, Any]
    timings: dict[str, float] = field(default_factory=dict)
    # Chat: the standalone query a follow-up was rewritten into (``query``); None on a first turn.
    condensed_from: str | None = None
    filter: str = ""
    # The cosine of the closest passage to the query (dense, whatever the mode); set when asked for.
    relevance: float | None = None
    refused: bool = False  # nothing relevant: the answer says so and the LLM was not called
    # The mode that really ran: ``dense`` when ``mode`` needed BM25 and the index has none.
    mode_used: str = ""
    notice: str | None = None  # why mode_used differs from mode

    def __post_init__(self) -> None:
        self.mode_used = self.mode_used or self.mode

    # The question's language against the collection's and the embedder's (retrieval.language_check).
    warnings: list[str] = field(default_factory=list)

    @property
    def reranked(self) -> bool:
        return bool(self.reranker.get("applied"))

    def as_dict(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "condensed_from": self.condensed_from,
            "mode": self.mode,
            "mode_used": self.mode_used,
            "notice": self.notice,
            "filter": self.filter or None,
            "results": [p.as_dict() for p in self.passages],
            "relevance": None if self.relevance is None else round(self.relevance, 4),
            "collection": self.collection,
            "reranker": self.reranker,
            "timings_ms": {k: round(v * 1000, 1) for k, v in self.timings.items()},
            "warnings": self.warnings,
        }
