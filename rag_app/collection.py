"""The configured embedder's collection: its name, and opening it only with the embedder that built it.

Collections are named after the embedder's fingerprint (plus ``milvus.collection_prefix``), so
swapping the embedder in ``config.yaml`` builds a second collection and never mixes vectors;
``milvus.collection`` pins one by name, and then the fingerprint check guards it.
"""

from __future__ import annotations

import re
from typing import Any

from rag_app.components.embedders import Embedder
from rag_app.settings import MilvusSettings, Settings
from rag_app.store import CollectionInfo, MilvusStore


def collection_name(prefix: str, model: str, fingerprint_id: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "_", model.rsplit("/", 1)[-1].lower()).strip("_")[:40] or "model"
    return f"{prefix}_{slug}_{fingerprint_id}"


class Collection:
    def __init__(
        self, milvus: MilvusSettings, embedder: Embedder, store: MilvusStore, analyzer: str = "auto"
    ) -> None:
        self._milvus = milvus
        self._embedder = embedder
        self._store = store
        self._analyzer = analyzer  # retrieval.analyzer: the BM25 tokenizer of a collection created now

    @property
    def name(self) -> str:
        if self._milvus.collection:
            return self._milvus.collection
        emb = self._embedder
        return collection_name(self._milvus.collection_prefix, emb.model_name, emb.fingerprint_id)

    def exists(self) -> bool:
        return self._store.exists(self.name)

    def open(self, create: bool = False, analyzer: str | None = None) -> str:
        """Check (or create) the collection for the configured embedder and return its name.

        ``analyzer`` (standard | jieba) is the BM25 tokenizer of a collection created now; by
        default ``retrieval.analyzer`` (``auto`` means standard here: the indexer detects the language).
        """
        if analyzer in (None, "auto"):
            analyzer = "standard" if self._analyzer == "auto" else self._analyzer
        name = self.name
        self._store.open(name, self._embedder.fingerprint, create=create, analyzer=analyzer)
        return name

    def count(self) -> int:
        return self._store.count(self.name) if self.exists() else 0

    def info(self) -> CollectionInfo:
        return self._store.info(self.name)


def settings_for_collection(settings: Settings, name: str, fingerprint: dict[str, Any]) -> Settings:
    """``settings`` pinned to collection ``name``, with the embedder settings that built it
    (read back from its stored ``fingerprint``), so its vectors can be searched again."""
    s = settings.model_copy(deep=True)
    s.milvus.collection = name
    emb = s.embedder
    emb.provider = fingerprint.get("provider", emb.provider)
    emb.model = fingerprint.get("model", emb.model)
    emb.normalize = bool(fingerprint.get("normalize", emb.normalize))
    emb.query_prefix = fingerprint.get("query_prefix", "")
    emb.passage_prefix = fingerprint.get("passage_prefix", "")
    if "pooling" in fingerprint:
        emb.pooling = fingerprint["pooling"]
    emb.quantize = fingerprint.get("quantize", "none")
    return s
