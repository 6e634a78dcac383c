"""What evaluation needs from a pipeline; :class:`rag_app.pipeline.Pipeline` is the one it gets in use.

``rag eval`` answers each question (:meth:`~EvaluatedPipeline.answer`, then
:meth:`~EvaluatedPipeline.finish` for its citations and evidence), ranks passages for the
retrieval metrics (:meth:`~EvaluatedPipeline.search`), asks the refusal policy about questions
whose answer is given, keys its answer cache by :meth:`~EvaluatedPipeline.describe`, refuses an
empty collection, lends the pipeline's embedder to ``answer_relevancy`` and its grounder to
``supported_share``. Unit tests pass a fake that implements exactly this.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Protocol, Unpack, runtime_checkable

from rag_app.answering.answerer import Answer
from rag_app.answering.grounding import Grounder
from rag_app.components.embedders import Embedder
from rag_app.retrieval.relevance import RefusalPolicy
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

    @property
    def refusal(self) -> RefusalPolicy:
        """When a question is refused without asking the LLM."""
        ...

    @property
    def grounder(self) -> Grounder:
        """Sentence evidence with the pipeline's embedder."""
        ...

    def answer(self, question: str) -> tuple[SearchResult, Iterator[str]]:
        """The passages the LLM saw and the answer's tokens as they stream."""
        ...

    def finish(self, question: str, text: str, result: SearchResult) -> Answer:
        """The streamed answer with its citations and each sentence's evidence."""
        ...

    def describe(self) -> dict[str, Any]:
        """What produced its answers (collection, embedder, LLM, retrieval settings)."""
        ...
