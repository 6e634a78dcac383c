"""What the store hands out and takes in: search hits, per-document state, collection facts, rows."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

OUTPUT_FIELDS = ["doc_id", "source", "title", "page", "heading", "chunk", "text", "content_hash", "ocr"]
MAX_TEXT = 65535


@dataclass
class Hit:
    id: str
    score: float
    fields: dict[str, Any]


@dataclass
class DocState:
    """One document as stored: the versions (content hashes) present and whether one is complete."""

    doc_id: str
    source: str
    counts: dict[str, int] = field(default_factory=dict)  # content hash -> chunks stored
    expected: dict[str, int] = field(default_factory=dict)  # content hash -> n_chunks of that version
    mtime: int = 0
    size: int = -1
    ingested_at: int = 0
    title: str = ""
    pages: int = 0  # highest page number seen (PDF pages, PPTX slides); 0 when the format has none
    parent_id: str = ""  # the document of the file this one was extracted from (an e-mail's attachment)

    def add(self, row: dict[str, Any]) -> None:
        h = row["content_hash"]
        if "page" in row:
            self.pages = max(self.pages, int(row["page"]))
        if row.get("title") and not self.title:
            self.title = str(row["title"])
        if row.get("parent_id"):
            self.parent_id = str(row["parent_id"])
        self.counts[h] = self.counts.get(h, 0) + 1
        self.expected[h] = int(row["n_chunks"])
        self.mtime, self.size = int(row["mtime"]), int(row["size"])
        self.ingested_at = max(self.ingested_at, int(row.get("ingested_at") or 0))

    def complete(self, content_hash: str | None = None) -> bool:
        """Exactly one version stored, with all of its chunks (and it is ``content_hash`` if given)."""
        if len(self.counts) != 1:
            return False
        ((h, n),) = self.counts.items()
        return n == self.expected[h] and (content_hash is None or h == content_hash)

    @property
    def chunks(self) -> int:
        return sum(self.counts.values())


@dataclass
class CollectionInfo:
    name: str
    fingerprint: dict[str, Any] = field(default_factory=dict)
    chunks: int = 0
    documents: int = 0

    @property
    def embedder(self) -> str:
        fp = self.fingerprint
        return f"{fp.get('provider', '?')}:{fp.get('model', '?')}" if fp else "(not built by rag)"

    @property
    def dimension(self) -> int | None:
        dim = self.fingerprint.get("dimension")
        return int(dim) if dim is not None else None


def rows_for(
    texts: Iterable[str], vectors: Iterable[Sequence[float]], meta: Iterable[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Rows to upsert: the metadata of each chunk with its (length-capped) text and dense vector
    (``parent_id`` empty and ``ocr`` false unless the metadata says otherwise)."""
    return [
        {"parent_id": "", "ocr": False, **m, "text": t[:MAX_TEXT], "dense": list(v)}
        for t, v, m in zip(texts, vectors, meta, strict=True)
    ]
