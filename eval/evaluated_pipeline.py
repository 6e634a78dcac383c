"""What evaluation needs from a pipeline; :class:`rag_app.pipeline.Pipeline` is the one it gets in use.

``rag eval`` answers each question (:meth:`~EvaluatedPipeline.answer`), ranks passages for the
retrieval metrics (:meth:`~EvaluatedPipeline.search`), keys its answer cache by
:meth:`~EvaluatedPipeline.describe`, refuses an empty collection, and lends the pipeline's embedder
to ``answer_relevancy``. Unit tests pass a fake that implements exactly this.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Protocol, Unpack, runtime_checkable

from rag_app.components.embedders import Embedder
from rag_app.retrieval.retriever import SearchOptions
from rag_app.settings import Settings
from rag_app.types import SearchResult


class ChunkCount(Protocol):
    def count(self) -> int:
        """Chunks in the pipeline's collection (0 when it does not exist)."""
        ...


class EvaluatedParts(Protocol):
    @property
    def embedder(self) -> Embedder: ...

    @property
    def collection(self) -> ChunkCount: ...


@runtime_checkable
class EvaluatedPipeline(Protocol):
    @property
    def settings(self) -> Settings: ...

    @property
    def components(self) -> EvaluatedParts: ...

    @property
    def collection(self) -> str:
        """The name of the collection it searches."""
        ...

    def search(self, query: str, **options: Unpack[SearchOptions]) -> SearchResult: ...

    def answer(self, question: str) -> tuple[SearchResult, Iterator[str]]:
        """The passages the LLM saw and the answer's tokens as they stream."""
        ...

    def describe(self) -> dict[str, Any]:
        """What produced its answers (collection, embedder, LLM, retrieval settings)."""
        ...
