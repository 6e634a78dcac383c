"""The composition root: ``build_pipeline(settings)`` builds the parts and wires the objects that use them.

:class:`Components` holds the parts (embedder, store, reranker, LLM, the collection), each built
once on first use, so ``rag search`` never starts an LLM and ``rag collections`` never loads a
model. :class:`Pipeline` hands them, through constructors, to objects with one job each: the
:class:`Retriever` (search + rerank), the :class:`Answerer` (condense, context, stream) and the
:class:`Library` (list and delete documents). The indexer lives in ``ingest`` and is wired from
the same components there (``ingest.indexer.build_indexer``).

>>> pipe = build_pipeline(load_settings())                # doctest: +SKIP
>>> result, tokens = pipe.answer("What is SQLite?")       # doctest: +SKIP
>>> print("".join(tokens))                                # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cached_property
from typing import Any, Unpack

from rag_app.answering.answerer import Answer, Answerer, AnswerOptions, Message
from rag_app.answering.grounding import Grounder
from rag_app.collection import Collection
from rag_app.components.embedders import Embedder, build_embedder
from rag_app.components.embedders.coverage import documents_warning, switch_fix
from rag_app.components.llm import ChatLLM, build_llm
from rag_app.components.rerankers import Reranker, RerankerStatus, build_reranker
from rag_app.embedder_choice import EmbedderChoice
from rag_app.endpoints import mask_url
from rag_app.library import Library
from rag_app.retrieval.relevance import RefusalPolicy, refusal_policy
from rag_app.retrieval.retriever import Retriever, SearchOptions
from rag_app.settings import Settings
from rag_app.store import CollectionInfo, MilvusStore, open_store
from rag_app.store.capabilities import MilvusInfo
from rag_app.types import SearchResult


class Components:
    """Built once each, on first use. Parts passed in are shared with their owner and not closed here.

    ``share_index``: a long-running process lets other rag processes use its Milvus Lite folder.
    """

    def __init__(
        self,
        settings: Settings,
        share_index: bool = False,
        *,
        embedder: Embedder | None = None,
        store: MilvusStore | None = None,
        llm: ChatLLM | None = None,
    ) -> None:
        self.settings = settings
        self.share_index = share_index
        self._embedder = embedder
        self._store = store
        self._llm = llm
        self._owns_store = store is None
        self._owns_llm = llm is None
        self._reranker: tuple[Reranker | None, RerankerStatus] | None = None

    @property
    def embedder(self) -> Embedder:
        """The collection's embedder: the configured one, or the one ``auto`` chose for this index
        (``CollectionNotFound`` while auto has not chosen: before the first ingest)."""
        return self.collection.embedder

    @property
    def store(self) -> MilvusStore:
        if self._store is None:
            self._store = open_store(self.settings, share=self.share_index)
        return self._store

    @property
    def llm(self) -> ChatLLM:
        if self._llm is None:
            self._llm = build_llm(self.settings)
        return self._llm

    def _rerank(self) -> tuple[Reranker | None, RerankerStatus]:
        if self._reranker is None:
            self._reranker = build_reranker(self.settings)
        return self._reranker

    @property
    def reranker(self) -> Reranker | None:
        return self._rerank()[0]

    @property
    def reranker_status(self) -> RerankerStatus:
        return self._rerank()[1]

    @cached_property
    def collection(self) -> Collection:
        """The collection searched and written, with its embedder (:mod:`rag_app.embedder_choice`)."""
        choice = EmbedderChoice(self.settings, self.store, build_embedder, self._embedder)
        return Collection(self.settings.milvus, choice, self.store, self.settings.retrieval.analyzer)

    def sharing(self, settings: Settings) -> Components:
        """Components for other settings (another collection's embedder) that share this store and LLM."""
        return Components(
            settings, self.share_index, store=self.store, llm=self._llm if self._llm is not None else None
        )

    def close(self) -> None:
        """Close what these components opened (a shared store or LLM stays open for its owner)."""
        if self._llm is not None and self._owns_llm:
            self._llm.close()
        if self._store is not None and self._owns_store:
            self._store.close()


class Pipeline:
    """Search, answer and list documents over one collection. Built by :func:`build_pipeline`."""

    def __init__(self, components: Components) -> None:
        self.components = components  # for wiring more objects on the same parts (the indexer)
        self.settings = components.settings

    @cached_property
    def retriever(self) -> Retriever:
        c = self.components
        return Retriever(
            c.embedder, c.store, c.collection, c.reranker, c.reranker_status, self.settings.retrieval
        )

    @cached_property
    def refusal(self) -> RefusalPolicy:
        """When answers are refused without asking the LLM (``retrieval.refuse_below``)."""
        return refusal_policy(self.settings.retrieval.refuse_below, self.components.embedder.fingerprint)

    @cached_property
    def grounder(self) -> Grounder:
        """Sentence evidence with the pipeline's embedder (no LLM needed)."""
        return Grounder(self.components.embedder)

    @cached_property
    def answerer(self) -> Answerer:
        c = self.components
        return Answerer(
            lambda: c.llm,
            self.retriever,
            self.grounder,
            self.refusal,
            self.settings.llm,
            self.settings.retrieval,
        )

    @cached_property
    def library(self) -> Library:
        return Library(self.components.store, self.components.collection)

    @property
    def collection(self) -> str:
        """The name of the collection this pipeline searches."""
        return self.components.collection.name

    @property
    def reranker_status(self) -> RerankerStatus:
        return self.components.reranker_status

    @property
    def embedder_chosen(self) -> bool:
        """False only with ``embedder.provider: auto`` before the first ingest chose the embedder."""
        return self.components.collection.decided

    def collection_exists(self) -> bool:
        return self.components.collection.exists()

    def collections(self) -> list[CollectionInfo]:
        """Every collection in this Milvus (each embedder builds its own)."""
        return self.components.store.collections()

    @property
    def milvus(self) -> MilvusInfo:
        """Which Milvus holds the index and whether it has BM25 (read once)."""
        return self.components.store.engine

    def search_notice(self) -> str | None:
        """Why ``sparse``/``hybrid`` searches of this collection run as ``dense``; None when they don't."""
        store = self.components.store
        if not store.engine.bm25:
            return f"{store.engine.no_bm25_reason}: sparse and hybrid searches run as dense."
        if self.collection_exists() and not store.has_bm25(self.collection):
            return (
                f"collection {self.collection} was built without BM25 (by an older Milvus): sparse and "
                "hybrid searches run as dense."
            )
        return None

    def embedder_description(self) -> str:
        """``provider:model (dim)``, and with auto how it was chosen (or that it is not chosen yet)."""
        collection = self.components.collection
        decision = collection.decision
        if decision is None:
            return "auto: not chosen yet (from your documents' language, at the first ingest)"
        emb = collection.embedder
        text = f"{emb.provider}:{emb.model_name} ({emb.dimension}-d)"
        return text if decision.how == "configured" else f"{text}; {decision.reason}"

    def language_warning(self) -> tuple[str, str] | None:
        """(warning, fix) when the embedder was not trained for the language of this collection's
        documents (measured on a sample of its chunks); None when it was, or nothing is stored yet."""
        collection = self.components.collection
        if not collection.exists():
            return None
        mix = collection.language(identify=True)
        warning = documents_warning(collection.embedder.model_name, mix, "this collection's text")
        if warning is None:
            return None
        return warning, switch_fix("model" in self.settings.embedder.model_fields_set)

    def warm_up(self) -> None:
        """Load the embedder's weights and the reranker now rather than on the first question."""
        if self.components.collection.decided:
            self.components.embedder.embed_query("warm up")
        _ = self.components.reranker_status

    def search(self, query: str, **options: Unpack[SearchOptions]) -> SearchResult:
        """Ranked passages (:meth:`Retriever.search`)."""
        return self.retriever.search(query, **options)

    def condense(self, question: str, history: list[Message] | None) -> str:
        return self.answerer.condense(question, history)

    def answer(self, question: str, **options: Unpack[AnswerOptions]) -> tuple[SearchResult, Iterator[str]]:
        """Retrieve and stream an answer (:meth:`Answerer.answer`)."""
        return self.answerer.answer(question, **options)

    def finish(self, question: str, text: str, result: SearchResult) -> Answer:
        """A streamed answer's text with its citations and sentence evidence (:meth:`Answerer.finish`)."""
        return self.answerer.finish(question, text, result)

    def ask(self, question: str, **options: Unpack[AnswerOptions]) -> Answer:
        return self.answerer.ask(question, **options)

    def documents(self) -> list[dict[str, Any]]:
        return self.library.documents()

    def delete_document(self, doc_id: str) -> None:
        self.library.delete(doc_id)

    def held_elsewhere(self, doc_id: str) -> list[str]:
        """Other collections that still index this document (:meth:`Library.held_elsewhere`)."""
        return self.library.held_elsewhere(doc_id)

    def describe(self) -> dict[str, Any]:
        """What produced this pipeline's answers (for eval caches and reports)."""
        s = self.settings
        return {
            "collection": self.collection,
            "embedder": self.components.embedder.fingerprint,
            "llm": {
                "provider": s.llm.provider,
                "model": s.llm.model,
                "base_url": mask_url(s.llm.base_url),  # goes into eval caches and reports
                "temperature": s.llm.temperature,
                "max_tokens": s.llm.max_tokens,
            },
            "retrieval": s.retrieval.model_dump(mode="json"),
            "reranker": {"provider": s.reranker.provider, "model": s.reranker.model},
        }

    def close(self) -> None:
        self.components.close()


def build_pipeline(
    settings: Settings | Components,
    share_index: bool = False,
    *,
    embedder: Embedder | None = None,
    store: MilvusStore | None = None,
    llm: ChatLLM | None = None,
) -> Pipeline:
    """A :class:`Pipeline` for ``settings`` (or over given :class:`Components`).

    ``share_index``: a long-running process lets other rag processes use its Milvus Lite folder.
    ``embedder``/``store``/``llm``: parts already built elsewhere, shared rather than rebuilt.
    """
    if isinstance(settings, Components):
        return Pipeline(settings)
    return Pipeline(Components(settings, share_index, embedder=embedder, store=store, llm=llm))
