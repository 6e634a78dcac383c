"""The collection the app reads and writes, and the embedder that builds its vectors.

Collections are named after the embedder's fingerprint (plus ``milvus.collection_prefix``), so
swapping the embedder in ``config.yaml`` builds a second collection and never mixes vectors;
``milvus.collection`` pins one by name, and then the fingerprint check guards it. With
``embedder.provider: auto`` the embedder is the one recorded with the index, or, before the first
ingest, none yet (:mod:`rag_app.embedder_choice`): the collection then does not exist, and the
first ingest decides (:meth:`Collection.decide`) before creating it.
"""

from __future__ import annotations

import json
from typing import Any

from rag_app.components.embedders import Embedder
from rag_app.embedder_choice import Decision, EmbedderChoice, collection_name, embedder_settings_from
from rag_app.language import LanguageMix, measure
from rag_app.settings import MilvusSettings, Settings
from rag_app.store import CollectionInfo, MilvusStore
from rag_app.store.schema import AUTO_KEY

__all__ = ["Collection", "collection_name", "settings_for_collection"]


class Collection:
    def __init__(
        self,
        milvus: MilvusSettings,
        embedder: Embedder | EmbedderChoice,
        store: MilvusStore,
        analyzer: str = "auto",
    ) -> None:
        """``embedder``: the embedder itself, or the :class:`EmbedderChoice` that knows (or will know) it."""
        self._milvus = milvus
        self._choice = embedder if isinstance(embedder, EmbedderChoice) else None
        self._embedder = embedder if isinstance(embedder, Embedder) else None
        self._store = store
        self._analyzer = analyzer  # retrieval.analyzer: the BM25 tokenizer of a collection created now
        self._language: dict[bool, LanguageMix] = {}
        # Properties a collection created by the next open() is stored with (e.g. an adopted rag.auto).
        self.create_properties: dict[str, str] = {}

    # -- the embedder ---------------------------------------------------------------------
    @property
    def decided(self) -> bool:
        """False only with ``embedder.provider: auto`` before the first ingest chose an embedder."""
        return self._choice is None or self._choice.decision is not None

    @property
    def decision(self) -> Decision | None:
        """How the embedder was chosen (configured, auto's record...); None while undecided."""
        return self._choice.decision if self._choice is not None else None

    def decide(self, mix: LanguageMix) -> Decision | None:
        """Before creating the collection: let ``auto`` choose from the documents' language ``mix``."""
        return self._choice.decide(mix) if self._choice is not None else None

    @property
    def embedder(self) -> Embedder:
        """The embedder of this collection (``CollectionNotFound`` while auto is undecided)."""
        if self._embedder is None:
            assert self._choice is not None
            self._embedder = self._choice.embedder()
        return self._embedder

    # -- the collection -------------------------------------------------------------------
    @property
    def name(self) -> str:
        if self._milvus.collection:
            return self._milvus.collection
        emb = self.embedder
        return collection_name(self._milvus.collection_prefix, emb.model_name, emb.fingerprint_id)

    def exists(self) -> bool:
        return self.decided and self._store.exists(self.name)

    def open(self, create: bool = False, analyzer: str | None = None) -> str:
        """Check (or create) the collection for the configured embedder and return its name.

        ``analyzer`` (standard | jieba) is the BM25 tokenizer of a collection created now; by
        default ``retrieval.analyzer`` (``auto`` means standard here: the indexer detects the language).
        A collection created on auto's new decision records it (``rag.auto``).
        """
        if analyzer in (None, "auto"):
            analyzer = "standard" if self._analyzer == "auto" else self._analyzer
        name = self.name
        decision = self.decision
        props = dict(self.create_properties)
        if decision is not None and decision.how == "new":
            props[AUTO_KEY] = json.dumps(decision.record)
        self._store.open(
            name, self.embedder.fingerprint, create=create, analyzer=analyzer, properties=props or None
        )
        self._language.clear()
        return name

    def count(self) -> int:
        return self._store.count(self.name) if self.exists() else 0

    def info(self) -> CollectionInfo:
        return self._store.info(self.name)

    def language(self, identify: bool = False) -> LanguageMix:
        """The language mix of the stored text, from a sample of chunks spread over its documents
        (kept until the collection is next opened for writing). ``identify``: also tell the
        languages of alphabetic text apart (loads py3langid); else only scripts and CJK languages."""
        if identify not in self._language:
            texts = self._store.sample_texts(self.name) if self.exists() else []
            self._language[identify] = measure(texts, identify_alphabets=identify)
        return self._language[identify]


def settings_for_collection(settings: Settings, name: str, fingerprint: dict[str, Any]) -> Settings:
    """``settings`` pinned to collection ``name``, with the embedder settings that built it
    (read back from its stored ``fingerprint``), so its vectors can be searched again."""
    s = settings.model_copy(deep=True)
    s.milvus.collection = name
    s.embedder = embedder_settings_from(fingerprint, settings.embedder)
    return s
