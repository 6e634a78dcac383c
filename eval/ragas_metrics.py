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
``nonllm_context_recall`` and ``nonllm_context_precision``. And ``supported_share`` (no judge, no
Ragas): the share of the answer's sentences that the app's own grounding finds in the contexts
(:mod:`rag_app.answering.grounding`, with the pipeline's embedder); refused answers are not
applicable.

A judgment that raises (parse error, timeout, endpoint error) or returns NaN is a *failure* with
a reason; it is never scored 0 and never dropped silently.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Callable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from eval.judge import CallStats, JudgeEndpoint, JudgmentCache, make_judge_llm
from rag_app.answering.grounding import Grounder
from rag_app.errors import ConfigError, JudgeFailure
from rag_app.progress import NoProgress, Progress, Step

if TYPE_CHECKING:  # ragas loads only when something is scored
    from ragas.embeddings.base import BaseRagasEmbedding
    from ragas.llms.base import InstructorBaseRagasLLM
    from ragas.metrics.base import SingleTurnMetric
    from ragas.metrics.collections.base import BaseMetric

Row = dict[str, Any]
ScoreFn = Callable[[Row], Awaitable[float]]  # the row's fields a metric needs -> its value


@dataclass(frozen=True)
class Tools:
    """What a metric's scoring function may use: the judge LLM, embeddings, ``strictness``."""

    llm: InstructorBaseRagasLLM | None
    embeddings: BaseRagasEmbedding | None
    strictness: int
    grounder: Grounder | None = None

    def judge(self) -> InstructorBaseRagasLLM:
        if self.llm is None:
            raise ValueError("LLM metrics need a judge endpoint")
        return self.llm


def _one_call(row: Row, strictness: int) -> int:
    return 1


def _applies(row: Row) -> str | None:
    return None


def _not_refused(row: Row) -> str | None:
    """The app's own refusal is not an answer to check (a given response always is)."""
    return "refused" if row.get("refused") and not row.get("response_given") else None


@dataclass(frozen=True)
class Metric:
    """One entry of :data:`METRICS`: what a row must have, and how it is scored."""

    needs: tuple[str, ...]  # row fields it reads; a row lacking one is "not applicable" (skipped, counted)
    build: Callable[[Tools], ScoreFn]  # its scoring function for one run
    judged: bool  # asks the judge LLM
    help: str  # what it measures, for reports
    calls: Callable[[Row, int], int] = _one_call  # judge calls for one row (sets its time limit)
    uses_strictness: bool = False  # its value depends on ``strictness`` (part of the cache key)
    applies: Callable[[Row], str | None] = _applies  # why a row is not applicable (None: it is)
    cached: bool = True  # remember values in the judgment cache (cheap metrics are recomputed)


def _collection(metric: BaseMetric) -> ScoreFn:
    """A ``ragas.metrics.collections`` metric: keyword inputs, a ``MetricResult``."""

    async def score(inputs: Row) -> float:
        return float((await metric.ascore(**inputs)).value)

    return score


def _single_turn(metric: SingleTurnMetric) -> ScoreFn:
    """A non-LLM ragas metric scored on a ``SingleTurnSample``."""

    async def score(inputs: Row) -> float:
        from ragas.dataset_schema import SingleTurnSample

        return float(await metric.single_turn_ascore(SingleTurnSample(**inputs)))

    return score


def _faithfulness(tools: Tools) -> ScoreFn:
    from ragas.metrics.collections import Faithfulness

    return _collection(Faithfulness(llm=tools.judge()))


def _answer_relevancy(tools: Tools) -> ScoreFn:
    from ragas.metrics.collections import AnswerRelevancy

    if tools.embeddings is None:
        raise ValueError("answer_relevancy needs embeddings")
    return _collection(
        AnswerRelevancy(llm=tools.judge(), embeddings=tools.embeddings, strictness=tools.strictness)
    )


def _context_recall(tools: Tools) -> ScoreFn:
    from ragas.metrics.collections import ContextRecall

    return _collection(ContextRecall(llm=tools.judge()))


def _context_precision(tools: Tools) -> ScoreFn:
    from ragas.metrics.collections import ContextPrecision

    return _collection(ContextPrecision(llm=tools.judge()))


def _nonllm_context_recall(tools: Tools) -> ScoreFn:
    from ragas.metrics import NonLLMContextRecall

    return _single_turn(NonLLMContextRecall())


def _nonllm_context_precision(tools: Tools) -> ScoreFn:
    from ragas.metrics import NonLLMContextPrecisionWithReference

    return _single_turn(NonLLMContextPrecisionWithReference())


def _supported_share(tools: Tools) -> ScoreFn:
    if tools.grounder is None:
        raise ValueError("supported_share needs the pipeline's grounder")
    grounder = tools.grounder

    async def score(inputs: Row) -> float:
        return grounder.ground(inputs["response"], inputs["retrieved_contexts"]).supported_share

    return score


# The one list of metric names: name -> what it needs and how it scores.
METRICS: dict[str, Metric] = {
    "faithfulness": Metric(
        needs=("user_input", "response", "retrieved_contexts"),
        build=_faithfulness,
        judged=True,
        help="answer statements supported by the contexts (judge)",
        calls=lambda row, strictness: 2,
        applies=_not_refused,
    ),
    "answer_relevancy": Metric(
        needs=("user_input", "response"),
        build=_answer_relevancy,
        judged=True,
        help="questions regenerated from the answer vs the question (judge + embedder)",
        calls=lambda row, strictness: strictness,
        uses_strictness=True,
    ),
    "context_recall": Metric(
        needs=("user_input", "retrieved_contexts", "reference"),
        build=_context_recall,
        judged=True,
        help="reference claims found in the contexts (judge)",
    ),
    "context_precision": Metric(
        needs=("user_input", "retrieved_contexts", "reference"),
        build=_context_precision,
        judged=True,
        help="useful contexts ranked first (judge)",
        calls=lambda row, strictness: max(1, len(row.get("retrieved_contexts") or [])),
    ),
    "nonllm_context_recall": Metric(
        needs=("retrieved_contexts", "reference_contexts"),
        build=_nonllm_context_recall,
        judged=False,
        help="gold passages fuzzily found in the contexts (rapidfuzz)",
    ),
    "nonllm_context_precision": Metric(
        needs=("retrieved_contexts", "reference_contexts"),
        build=_nonllm_context_precision,
        judged=False,
        help="contexts fuzzily matching a gold passage (rapidfuzz)",
    ),
    "supported_share": Metric(
        needs=("response", "retrieved_contexts"),
        build=_supported_share,
        judged=False,
        help="answer sentences whose evidence the app finds in the contexts (no judge)",
        applies=_not_refused,
        cached=False,
    ),
}

LLM_METRICS = tuple(name for name, m in METRICS.items() if m.judged)
NONLLM_METRICS = tuple(name for name, m in METRICS.items() if not m.judged)
ALL_METRICS = tuple(METRICS)


@dataclass
class Judgment:
    """One metric on one row: a value, a failure with its reason, or not applicable (skipped)."""

    value: float | None = None
    error: str | None = None  # failure reason category
    detail: str | None = None
    seconds: float = 0.0
    cached: bool = False
    skipped: str | None = None  # why not applicable

    @property
    def status(self) -> str:
        """What happened: failed, skipped, cached or ok."""
        if self.error:
            return "failed"
        if self.skipped:
            return "skipped"
        return "cached" if self.cached else "ok"

    @property
    def mark(self) -> str:
        """The status for a progress line: ``failed: <reason>`` names the failure."""
        return f"failed: {self.error}" if self.error else self.status

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
        embeddings: BaseRagasEmbedding | None = None,
        cache: JudgmentCache | None = None,
        strictness: int = 3,
        grounder: Grounder | None = None,
    ) -> None:
        self.names = metrics
        self.endpoint = endpoint
        self.cache = cache or JudgmentCache(None)
        self.stats = CallStats()
        self.strictness = strictness
        self.timeout = float(endpoint.settings.timeout) if endpoint else 60.0
        self.concurrency = int(endpoint.settings.concurrency) if endpoint else 4
        needs_llm = any(METRICS[m].judged for m in metrics)
        if needs_llm and endpoint is None:
            raise ValueError("LLM metrics need a judge endpoint")
        llm = make_judge_llm(endpoint, self.stats) if needs_llm and endpoint else None
        tools = Tools(llm, embeddings, strictness, grounder)
        self.scores: dict[str, ScoreFn] = {name: METRICS[name].build(tools) for name in metrics}

    @property
    def judge_label(self) -> str:
        return self.endpoint.label if self.endpoint else "none"

    async def score(self, name: str, row: Row, sem: asyncio.Semaphore) -> Judgment:
        metric = METRICS[name]
        missing = [k for k in metric.needs if not row.get(k)]
        if missing:
            return Judgment(skipped=f"no {'/'.join(missing)}")
        reason = metric.applies(row)
        if reason:
            return Judgment(skipped=reason)
        inputs = {k: row[k] for k in metric.needs}
        extra = {"strictness": self.strictness} if metric.uses_strictness else None
        key = JudgmentCache.key(name, self.judge_label if metric.judged else "-", inputs, extra)
        hit = self.cache.get(key) if metric.cached else None
        if hit is not None:
            return Judgment(value=hit["value"], seconds=0.0, cached=True)
        limit = self.timeout * metric.calls(row, self.strictness) + 5
        t = time.perf_counter()
        async with sem if metric.judged else nullcontext():  # judge calls share the slots
            try:
                value = await asyncio.wait_for(self.scores[name](inputs), timeout=limit)
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
        if metric.cached:
            self.cache.put(key, {"metric": name, "judge": self.judge_label, "value": value})
        return Judgment(value=value, seconds=seconds)

    async def score_rows(
        self, rows: list[Row], progress: Progress | None = None, ids: Sequence[str] | None = None
    ) -> list[dict[str, Judgment]]:
        """Every metric on every row; each finished judgment is a ``judge`` step (item: the row's id)."""
        sem = asyncio.Semaphore(self.concurrency)
        out: list[dict[str, Judgment]] = [{} for _ in rows]
        report = progress or NoProgress()
        total = len(rows) * len(self.names)
        done = 0

        async def one(i: int, name: str) -> None:
            nonlocal done
            j = await self.score(name, rows[i], sem)
            out[i][name] = j
            done += 1
            report.update(
                Step("judge", done, total, item=ids[i] if ids else str(i + 1), status=j.status,
                     note=f"{name} {j.mark}")
            )  # fmt: skip

        # Row by row, metric by metric, so a resumed run and a progress bar move in order.
        tasks = [one(i, name) for i in range(len(rows)) for name in self.names]
        if self.concurrency <= 1:
            for task in tasks:
                await task
        else:
            await asyncio.gather(*tasks)
        return out

    def run(
        self, rows: list[Row], progress: Progress | None = None, ids: Sequence[str] | None = None
    ) -> list[dict[str, Judgment]]:
        """:meth:`score_rows` in a fresh event loop."""
        return asyncio.run(self.score_rows(rows, progress, ids))
