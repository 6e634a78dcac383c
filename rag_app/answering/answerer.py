"""Answering: condense a follow-up, retrieve, refuse or stream the LLM's cited answer, then ground it.

When the best passage is not relevant enough (:mod:`rag_app.retrieval.relevance`), the answer is
the refusal text and the LLM is not called. Otherwise, once streamed, :meth:`Answerer.finish`
ties each sentence to its evidence (:mod:`rag_app.answering.grounding`).

>>> result, tokens = answerer.answer("What is SQLite?")   # doctest: +SKIP
>>> answer = answerer.finish("What is SQLite?", "".join(tokens), result)  # doctest: +SKIP
>>> answer.grounding.supported_share                     # doctest: +SKIP
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypedDict, Unpack

from rag_app.answering.citations import explicit_citations
from rag_app.answering.condense import (
    build_condense_messages,
    clean_condensed,
    expand_with_history,
    usable_rewrite,
)
from rag_app.answering.grounding import Grounder, Grounding
from rag_app.answering.prompts import build_messages
from rag_app.answering.refusal import refusal_message
from rag_app.components.llm import ChatLLM
from rag_app.retrieval.context import assemble, fit_to_budget
from rag_app.retrieval.filters import SearchFilters
from rag_app.retrieval.relevance import RefusalPolicy
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
    """A finished answer: the passages it was given, the ones it cites, and each sentence's evidence.

    ``grounding`` is None when the answer was refused (no LLM call, nothing to check).
    """

    question: str
    text: str
    search: SearchResult
    cited: list[int] = field(default_factory=list)
    grounding: Grounding | None = None

    @property
    def refused(self) -> bool:
        return self.search.refused

    @property
    def sources(self) -> list[int]:
        """Passages the answer rests on: the ones it cites, then the ones that support a sentence."""
        out = list(self.cited)
        for s in self.grounding.sentences if self.grounding else []:
            if s.passage is not None and s.passage not in out:
                out.append(s.passage)
        return out

    def as_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "condensed_query": self.search.query if self.search.condensed_from is not None else None,
            "answer": self.text,
            "refused": self.refused,
            "sources": [p.as_dict() for p in self.search.passages],
            "cited": self.cited,
            "grounding": self.grounding.as_dict() if self.grounding else None,
            "relevance": None if self.search.relevance is None else round(self.search.relevance, 4),
            "collection": self.search.collection,
            "reranker": self.search.reranker,
            "timings_ms": {k: round(v * 1000, 1) for k, v in self.search.timings.items()},
            "warnings": self.search.warnings,
        }


class Answerer:
    """Condense ▸ retrieve ▸ refuse or stream the LLM's answer ▸ ground it (:meth:`finish`).

    ``llm`` is a function that returns the chat LLM, called only when one is needed.
    """

    def __init__(
        self,
        llm: Callable[[], ChatLLM],
        retriever: Retriever,
        grounder: Grounder,
        refusal: RefusalPolicy,
        llm_cfg: LLMSettings,
        retrieval_cfg: RetrievalSettings,
    ) -> None:
        self._llm = llm  # called when first needed: a refused question never starts a local LLM
        self._retriever = retriever
        self._grounder = grounder
        self.refusal = refusal
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
        text = self._llm().complete(build_condense_messages(question, recent), max_tokens=96, temperature=0.0)
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
        return fit_to_budget(passages, self._llm().count_tokens, max(256, budget))

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
        result = self._retriever.search(
            query, top_k=top_k, mode=mode, rerank=rerank, filters=filters, relevance=self.refusal.enabled
        )
        cfg = self._cfg
        if query != question or (history and cfg.condense and cfg.history_turns):
            result.condensed_from = question
            result.timings["condense"] = condense_s
        if self.refusal.refuses(result.relevance) or (self.refusal.enabled and not result.passages):
            # Nothing relevant: say so and show the closest passages; the LLM is not asked.
            t = time.perf_counter()
            result.refused = True
            result.passages = assemble(result.passages, merge_adjacent=cfg.merge_adjacent)
            text = refusal_message(question)
            result.timings["refuse"] = time.perf_counter() - t
            return result, iter([text])
        result.passages = self.context(result)
        messages = build_messages(query, result.passages)

        def tokens() -> Iterator[str]:
            t = time.perf_counter()
            first = True
            for token in self._llm().stream(messages):
                if first:
                    result.timings["first_token"] = time.perf_counter() - t
                    first = False
                yield token
            result.timings["generate"] = time.perf_counter() - t

        return result, tokens()

    def finish(self, question: str, text: str, result: SearchResult) -> Answer:
        """The streamed ``text`` as an :class:`Answer`: its citations and each sentence's evidence."""
        if result.refused:
            return Answer(question, text, result)
        t = time.perf_counter()
        grounding = self._grounder.ground(text, [p.text for p in result.passages])
        result.timings["grounding"] = time.perf_counter() - t
        return Answer(question, text, result, explicit_citations(text, len(result.passages)), grounding)

    def ask(self, question: str, **options: Unpack[AnswerOptions]) -> Answer:
        """Answer in one go (no streaming): :meth:`answer` consumed, then :meth:`finish`."""
        result, tokens = self.answer(question, **options)
        return self.finish(question, "".join(tokens), result)
