"""Ragas 0.4 metrics with honest failure accounting.

LLM metrics (``ragas.metrics.collections``, judged by :mod:`eval.judge`):

- ``faithfulness``: share of the answer's statements supported by the retrieved contexts
  (2 judge calls);
- ``answer_relevancy``: questions generated back from the answer vs the real question, by cosine
  similarity with a local embedder (``strictness`` judge calls + embeddings);
- ``context_recall``: share of the reference answer's claims found in the contexts (1 call,
  needs ``reference``);
- ``context_precision``: ranked usefulness of each context for the reference (1 call per
  context, needs ``reference``).

Non-LLM metrics (rapidfuzz string similarity, need ``reference_contexts``):
``nonllm_context_recall`` and ``nonllm_context_precision``.

A judgment that raises (parse error, timeout, endpoint error) or returns NaN is a *failure* with
a reason; it is never scored 0 and never dropped silently.
"""

from __future__ import annotations

import asyncio
import math
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from eval.judge import CallStats, JudgeEndpoint, JudgmentCache, make_judge_llm
from rag_app.errors import JudgeFailure

LLM_METRICS = ("faithfulness", "answer_relevancy", "context_recall", "context_precision")
NONLLM_METRICS = ("nonllm_context_recall", "nonllm_context_precision")
ALL_METRICS = LLM_METRICS + NONLLM_METRICS

# What each metric needs from a row; rows lacking it are "not applicable" (skipped, counted).
NEEDS: dict[str, tuple[str, ...]] = {
    "faithfulness": ("user_input", "response", "retrieved_contexts"),
    "answer_relevancy": ("user_input", "response"),
    "context_recall": ("user_input", "retrieved_contexts", "reference"),
    "context_precision": ("user_input", "retrieved_contexts", "reference"),
    "nonllm_context_recall": ("retrieved_contexts", "reference_contexts"),
    "nonllm_context_precision": ("retrieved_contexts", "reference_contexts"),
}


@dataclass
class Judgment:
    value: float | None = None
    error: str | None = None  # failure reason category
    detail: str | None = None
    seconds: float = 0.0
    cached: bool = False
    skipped: str | None = None  # why not applicable

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"value": self.value}
        if self.error:
            out["error"] = self.error
            out["detail"] = self.detail
        if self.skipped:
            out["skipped"] = self.skipped
        if self.cached:
            out["cached"] = True
        out["seconds"] = round(self.seconds, 2)
        return out


def parse_metrics(text: str | None, ragas: bool = True) -> list[str]:
    """``faithfulness,context_recall`` -> list; default: all (LLM ones only when ``ragas``)."""
    if not text:
        return list(ALL_METRICS if ragas else NONLLM_METRICS)
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in ALL_METRICS]
    if unknown:
        from rag_app.errors import ConfigError

        raise ConfigError(
            f"Unknown metric(s): {', '.join(unknown)}.", fix=f"Choose from: {', '.join(ALL_METRICS)}."
        )
    return [n for n in names if ragas or n in NONLLM_METRICS]


class Scorer:
    """Scores rows with the chosen metrics; async, bounded by ``judge.concurrency``."""

    def __init__(
        self,
        metrics: list[str],
        endpoint: JudgeEndpoint | None,
        embeddings: Any = None,
        cache: JudgmentCache | None = None,
        strictness: int = 3,
    ) -> None:
        warnings.filterwarnings("ignore", category=DeprecationWarning)
        self.names = metrics
        self.endpoint = endpoint
        self.cache = cache or JudgmentCache(None)
        self.stats = CallStats()
        self.strictness = strictness
        self.timeout = float(endpoint.settings.timeout) if endpoint else 60.0
        self.concurrency = int(endpoint.settings.concurrency) if endpoint else 4
        self.metrics: dict[str, Any] = {}
        needs_llm = [m for m in metrics if m in LLM_METRICS]
        if needs_llm and endpoint is None:
            raise ValueError("LLM metrics need a judge endpoint")
        llm: Any = make_judge_llm(endpoint, self.stats) if needs_llm and endpoint else None
        from ragas.metrics import collections as mc

        for name in metrics:
            if name == "faithfulness":
                self.metrics[name] = mc.Faithfulness(llm=llm)
            elif name == "answer_relevancy":
                if embeddings is None:
                    raise ValueError("answer_relevancy needs embeddings")
                self.metrics[name] = mc.AnswerRelevancy(llm=llm, embeddings=embeddings, strictness=strictness)
            elif name == "context_recall":
                self.metrics[name] = mc.ContextRecall(llm=llm)
            elif name == "context_precision":
                self.metrics[name] = mc.ContextPrecision(llm=llm)
            elif name == "nonllm_context_recall":
                from ragas.metrics import NonLLMContextRecall

                self.metrics[name] = NonLLMContextRecall()
            elif name == "nonllm_context_precision":
                from ragas.metrics import NonLLMContextPrecisionWithReference

                self.metrics[name] = NonLLMContextPrecisionWithReference()

    @property
    def judge_label(self) -> str:
        return self.endpoint.label if self.endpoint else "none"

    def _calls(self, name: str, row: dict[str, Any]) -> int:
        return {
            "faithfulness": 2,
            "answer_relevancy": self.strictness,
            "context_recall": 1,
            "context_precision": max(1, len(row.get("retrieved_contexts") or [])),
        }.get(name, 1)

    async def _score_one(self, name: str, row: dict[str, Any]) -> float:
        metric = self.metrics[name]
        if name in NONLLM_METRICS:
            from ragas.dataset_schema import SingleTurnSample

            sample = SingleTurnSample(
                retrieved_contexts=row["retrieved_contexts"], reference_contexts=row["reference_contexts"]
            )
            return float(await metric.single_turn_ascore(sample))
        args = {k: row[k] for k in NEEDS[name]}
        result = await metric.ascore(**args)
        return float(result.value)

    async def score(self, name: str, row: dict[str, Any], sem: asyncio.Semaphore) -> Judgment:
        missing = [k for k in NEEDS[name] if not row.get(k)]
        if missing:
            return Judgment(skipped=f"no {'/'.join(missing)}")
        inputs = {k: row[k] for k in NEEDS[name]}
        is_llm = name in LLM_METRICS
        extra = {"strictness": self.strictness} if name == "answer_relevancy" else None
        key = JudgmentCache.key(name, self.judge_label if is_llm else "-", inputs, extra)
        hit = self.cache.get(key)
        if hit is not None:
            return Judgment(value=hit["value"], seconds=0.0, cached=True)
        t = time.perf_counter()
        async with sem if is_llm else _null():
            try:
                value = await asyncio.wait_for(
                    self._score_one(name, row), timeout=self.timeout * self._calls(name, row) + 5
                )
            except JudgeFailure as exc:
                return Judgment(error=exc.reason, detail=exc.message, seconds=time.perf_counter() - t)
            except TimeoutError:
                return Judgment(error="timeout", detail="metric timed out", seconds=time.perf_counter() - t)
            except Exception as exc:
                cause: BaseException = exc
                while cause.__cause__ is not None and not isinstance(cause, JudgeFailure):
                    cause = cause.__cause__
                if isinstance(cause, JudgeFailure):
                    return Judgment(error=cause.reason, detail=cause.message, seconds=time.perf_counter() - t)
                return Judgment(
                    error="error",
                    detail=f"{type(exc).__name__}: {exc}"[:300],
                    seconds=time.perf_counter() - t,
                )
        seconds = time.perf_counter() - t
        if value is None or math.isnan(value):
            return Judgment(
                error="no_verdict", detail="the judge produced no statements/verdicts (NaN)", seconds=seconds
            )
        self.cache.put(key, {"metric": name, "judge": self.judge_label, "value": value})
        return Judgment(value=value, seconds=seconds)

    async def score_rows(
        self, rows: list[dict[str, Any]], on_done: Callable[[int, str, Judgment], None] | None = None
    ) -> list[dict[str, Judgment]]:
        sem = asyncio.Semaphore(self.concurrency)
        out: list[dict[str, Judgment]] = [{} for _ in rows]

        async def one(i: int, name: str) -> None:
            j = await self.score(name, rows[i], sem)
            out[i][name] = j
            if on_done:
                on_done(i, name, j)

        # Row by row, metric by metric, so a resumed run and a progress bar move in order.
        tasks = [one(i, name) for i in range(len(rows)) for name in self.names]
        if self.concurrency <= 1:
            for task in tasks:
                await task
        else:
            await asyncio.gather(*tasks)
        return out

    def run(
        self, rows: list[dict[str, Any]], on_done: Callable[[int, str, Judgment], None] | None = None
    ) -> list[dict[str, Judgment]]:
        return asyncio.run(self.score_rows(rows, on_done))


class _null:
    async def __aenter__(self) -> None:
        return None

    async def __aexit__(self, *exc: object) -> None:
        return None
