"""Fakes for the ingest tests.

- :class:`WordHashEmbedder`: the real :class:`Embedder` interface, no model; registered as
  ``embedder.provider: fake`` by the ``fake_provider`` fixture (``conftest.py``) like a real
  provider. It records the passages it embeds, so a test can tell that no work was done.
- :class:`MemoryStore`: the store calls the indexer makes, in memory.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

import numpy as np

from rag_app.components.embedders.base import Embedder
from rag_app.settings import EmbedderSettings, Settings
from rag_app.store import DocState

DIM = 8


class WordHashEmbedder(Embedder):
    """Bag-of-words vectors from word hashes; one token per word; a 64-token limit."""

    provider = "fake"

    def __init__(self, cfg: EmbedderSettings) -> None:
        super().__init__(cfg)
        self.embedded: list[str] = []  # every passage embedded, in order
        self.dimension = DIM
        self.max_tokens = 64
        self.revision = "word-hash-1"

    def count_tokens(self, text: str) -> int:
        return max(1, len(text.split()))

    def embed_passages(self, texts: Sequence[str]) -> list[list[float]]:
        self.embedded.extend(texts)
        return super().embed_passages(texts)

    def _encode(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in text.lower().split():
                out[row, int(hashlib.md5(word.encode()).hexdigest(), 16) % DIM] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1.0, norms)


def build_embedder(settings: Settings) -> Embedder:
    return WordHashEmbedder(settings.embedder)


class MemoryStore:
    """The part of :class:`~rag_app.store.MilvusStore` the indexer uses, in memory, with a log of calls."""

    def __init__(self) -> None:
        self.rows: dict[str, dict[str, dict[str, Any]]] = {}  # collection -> id -> row
        self.analyzers: dict[str, str] = {}
        self.calls: list[tuple[str, str]] = []  # ("upsert" | "delete", doc_id)

    def exists(self, name: str) -> bool:
        return name in self.rows

    def open(
        self,
        name: str,
        fingerprint: dict[str, Any],
        create: bool,
        analyzer: str = "standard",
        properties: dict[str, str] | None = None,
    ) -> bool:
        if name not in self.rows:
            assert create
            self.rows[name] = {}
            self.analyzers[name] = analyzer
            return True
        return False

    def documents(self, name: str, details: bool = False) -> dict[str, DocState]:
        out: dict[str, DocState] = {}
        for row in self.rows[name].values():
            out.setdefault(row["doc_id"], DocState(row["doc_id"], row["source"])).add(row)
        return out

    def upsert(self, name: str, rows: Sequence[dict[str, Any]]) -> None:
        for row in rows:
            self.rows[name][row["id"]] = row
            self.calls.append(("upsert", row["doc_id"]))

    def delete_document(
        self, name: str, doc_id: str, except_hash: str | None = None, with_parts: bool = False
    ) -> None:
        self.calls.append(("delete", doc_id))
        self.rows[name] = {
            k: r for k, r in self.rows[name].items()
            if (r["doc_id"] != doc_id or (except_hash is not None and r["content_hash"] == except_hash))
            and not (with_parts and r.get("parent_id") == doc_id)
        }  # fmt: skip

    def document_rows(self, name: str, doc_id: str, limit: int = 16384) -> list[dict[str, Any]]:
        return [dict(r) for r in self.rows[name].values() if r["doc_id"] == doc_id][:limit]
