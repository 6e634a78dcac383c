"""Answering: condense a follow-up, retrieve, assemble the context, stream the LLM's cited answer.

>>> result, tokens = answerer.answer("What is SQLite?")   # doctest: +SKIP
>>> print("".join(tokens))                               # doctest: +SKIP
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, TypedDict, Unpack

from rag_app.answering.citations import explicit_citations, inferred_citations
from rag_app.answering.condense import (
    build_condense_messages,
    clean_condensed,
    expand_with_history,
    usable_rewrite,
)
from rag_app.answering.prompts import build_messages
from rag_app.components.llm import ChatLLM
from rag_app.retrieval.context import assemble, fit_to_budget
from rag_app.retrieval.filters import SearchFilters
from rag_app.retrieval.retriever import Retriever
from rag_app.settings import LLMSettings, RetrievalSettings
from rag_app.types import Passage, SearchResult

Message = dict[str, str]


class AnswerOptions(TypedDict, total=False):
    """What a caller may choose per question (else the settings decide)."""

    top_k: int | None
    history: list[Message] | None
    filters: SearchFilters | None
    mode: str | None
    rerank: bool


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
            "warnings": self.search.warnings,
        }


class Answerer:
    def __init__(
        self, llm: ChatLLM, retriever: Retriever, llm_cfg: LLMSettings, retrieval_cfg: RetrievalSettings
    ) -> None:
        self._llm = llm
        self._retriever = retriever
        self._llm_cfg = llm_cfg
        self._cfg = retrieval_cfg

    def condense(self, question: str, history: list[Message] | None) -> str:
        """The follow-up ``question`` rewritten by the LLM into a standalone query.

        The question itself on a first turn (no history) or with ``retrieval.condense: false``.
        A rewrite that drops most of the question's own terms, or changes nothing, is not trusted:
        the query is then the question followed by the previous user question.
        """
        cfg = self._cfg
        turns = [m for m in (history or []) if m.get("role") in ("user", "assistant") and m.get("content")]
        if not turns or not cfg.condense or cfg.history_turns == 0:
            return question
        recent = turns[-2 * cfg.history_turns :]
        text = self._llm.complete(build_condense_messages(question, recent), max_tokens=96, temperature=0.0)
        rewrite = clean_condensed(text, question)
        if usable_rewrite(rewrite, question):
            return rewrite
        # The model echoed, answered or changed the question: the previous question supplies the subject.
        return expand_with_history(question, recent)

    def context(self, result: SearchResult) -> list[Passage]:
        """The passages the LLM will see: merged, de-duplicated, fitted to its context window."""
        cfg = self._llm_cfg
        passages = assemble(result.passages, merge_adjacent=self._cfg.merge_adjacent)
        # prompt = instructions + passages + question; the answer needs max_tokens of room.
        budget = cfg.context_window - cfg.max_tokens - 250
        return fit_to_budget(passages, self._llm.count_tokens, max(256, budget))

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
        result = self._retriever.search(query, top_k=top_k, mode=mode, rerank=rerank, filters=filters)
        cfg = self._cfg
        if query != question or (history and cfg.condense and cfg.history_turns):
            result.condensed_from = question
            result.timings["condense"] = condense_s
        result.passages = self.context(result)
        messages = build_messages(query, result.passages, budget_chars=10**9)

        def tokens() -> Iterator[str]:
            t = time.perf_counter()
            first = True
            for token in self._llm.stream(messages):
                if first:
                    result.timings["first_token"] = time.perf_counter() - t
                    first = False
                yield token
            result.timings["generate"] = time.perf_counter() - t

        return result, tokens()

    def ask(self, question: str, **options: Unpack[AnswerOptions]) -> Answer:
        """Answer in one go (no streaming): :meth:`answer` consumed."""
        result, tokens = self.answer(question, **options)
        return Answer.from_text(question, "".join(tokens), result)
