"""``rag eval DATASET``: run the real pipeline on every question, then score it.

Phase 1 (answers): for each row, retrieval for the retrieval metrics (top max(k), with the
configured mode and reranker) and the full answer (condense ▸ retrieve ▸ rerank ▸ LLM), with the
passages the LLM saw and latency per stage. Answers are cached by (question, pipeline config) so
an interrupted run resumes without re-asking.

Phase 2 (judgments): Ragas metrics via :class:`eval.ragas_metrics.Scorer`, cached by (sample,
metric, judge model). Then ``results.jsonl``, ``summary.json``, ``report.md`` and plots.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from eval.cache import JsonlCache
from eval.dataset import Sample, docs_folder_for, load_dataset
from eval.evaluated_pipeline import EvaluatedPipeline
from eval.judge import JudgeEndpoint, JudgmentCache, make_ragas_embeddings, open_judge
from eval.ragas_metrics import ALL_METRICS, LLM_METRICS, Scorer
from eval.report import write_run_report
from eval.retrieval import question_scores
from eval.stats import aggregate, percentile
from rag_app.answering.citations import explicit_citations
from rag_app.endpoints import mask_url
from rag_app.errors import CollectionNotFound, RagError
from rag_app.pipeline import Pipeline, build_pipeline
from rag_app.progress import NoProgress, Progress, Step
from rag_app.settings import Settings
from rag_app.types import Passage


@dataclass
class RunOutput:
    """Where a run's reports went, its summary (``summary.json``) and its rows (``results.jsonl``)."""

    run_dir: Path
    summary: dict[str, Any]
    rows: list[dict[str, Any]] = field(default_factory=list)


class AnswerCache(JsonlCache):
    """Pipeline answers keyed by (question, pipeline config, cut-offs): a resumed run skips them."""

    @staticmethod
    def key(question: str, fingerprint: dict[str, Any], ks: list[int], response: str | None = None) -> str:
        blob = json.dumps({"q": question, "fp": fingerprint, "k": ks, "r": response}, sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()

    def get(self, key: str) -> dict[str, Any] | None:
        row = super().get(key)
        return None if row is None else row.get("answer")

    def put(self, key: str, answer: dict[str, Any]) -> None:
        super().put(key, {"answer": answer})


def _sources(passages: list[Passage]) -> list[dict[str, Any]]:
    return [
        {
            "source": p.source,
            "page": p.page,
            "chunk": p.chunk,
            "score": round(p.score, 6),
            "rerank_score": None if p.rerank_score is None else round(p.rerank_score, 6),
        }
        for p in passages
    ]


def answer_sample(pipe: EvaluatedPipeline, sample: Sample, ks: list[int]) -> dict[str, Any]:
    """Run the pipeline on one question: its ranking (for the retrieval metrics) and its answer.

    A sample with its own ``response`` is not answered: that response is scored against the
    passages the LLM would have been given (the top ``retrieval.top_k``), and ``refused`` says
    whether the pipeline would have refused the question.
    """
    depth = max([*ks, pipe.settings.retrieval.top_k])
    t0 = time.perf_counter()
    ranked = pipe.search(sample.user_input, top_k=depth, relevance=pipe.refusal.enabled)
    t1 = time.perf_counter()
    row: dict[str, Any] = {
        "ranked_contexts": [p.text for p in ranked.passages],
        "ranked_sources": [p.source for p in ranked.passages],
        "retrieval_ms": round((t1 - t0) * 1000, 1),
    }
    if sample.response is not None:
        given = ranked.passages[: pipe.settings.retrieval.top_k]
        return {
            **row,
            "response": sample.response,
            "response_given": True,
            "retrieved_contexts": [p.text for p in given],
            "sources": _sources(given),
            "cited": explicit_citations(sample.response, len(given)),
            "refused": pipe.refusal.refuses(ranked.relevance),
            "relevance": ranked.relevance,
            "reranker": ranked.reranker,
            "timings_ms": {k: round(v * 1000, 1) for k, v in ranked.timings.items()},
        }
    result, tokens = pipe.answer(sample.user_input)
    text = "".join(tokens)
    answer = pipe.finish(sample.user_input, text, result)
    total = time.perf_counter() - t1
    timings = {k: round(v * 1000, 1) for k, v in result.timings.items()}
    timings["total"] = round(total * 1000, 1)
    return {
        **row,
        "response": text.strip(),
        "retrieved_contexts": [p.text for p in result.passages],
        "sources": _sources(result.passages),
        "cited": answer.cited,
        "refused": answer.refused,
        "relevance": result.relevance,
        "grounding": answer.grounding.as_dict() if answer.grounding else None,
        "reranker": result.reranker,
        "timings_ms": timings,
    }


def refusal_summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """How many answerable and unanswerable questions were refused (rows without an error)."""
    out: dict[str, Any] = {}
    for label, want in (("answerable", True), ("unanswerable", False)):
        group = [r for r in rows if "error" not in r and bool(r.get("answerable", True)) == want]
        if group:
            refused = sum(1 for r in group if r.get("refused"))
            out[label] = {"n": len(group), "refused": refused, "rate": round(refused / len(group), 4)}
    return out


def _run_name() -> str:
    return datetime.now(UTC).strftime("%Y%m%d-%H%M%S")


def judge_endpoint_for(settings: Settings, metrics: list[str]) -> JudgeEndpoint | None:
    """The judge's endpoint when ``metrics`` include an LLM metric (started or reached now), else None."""
    if not any(m in LLM_METRICS for m in metrics):
        return None
    return open_judge(settings)


def build_scorer(
    pipe: EvaluatedPipeline,
    metrics: list[str],
    cache_dir: Path | None,
    endpoint: JudgeEndpoint | None,
    strictness: int = 3,
) -> Scorer:
    """A :class:`Scorer` for ``metrics``, caching judgments under ``cache_dir`` (None: no cache)."""
    from rag_app.components.libraries import require

    require("ragas")  # a broken install is named with its version and import error, not a traceback
    cache = JudgmentCache(cache_dir / "judgments.jsonl" if cache_dir else None)
    embeddings = make_ragas_embeddings(pipe.components.embedder) if "answer_relevancy" in metrics else None
    return Scorer(
        metrics, endpoint, embeddings=embeddings, cache=cache, strictness=strictness, grounder=pipe.grounder
    )


def evaluate_pipeline(
    pipe: EvaluatedPipeline,
    samples: list[Sample],
    metrics: list[str],
    ks: list[int],
    cache_dir: Path | None,
    progress: Progress | None = None,
    endpoint: JudgeEndpoint | None = None,
    strictness: int = 3,
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Answer and score ``samples`` with ``pipe``; returns (rows, judge call stats).

    Progress: an ``answer`` step per question, then a ``judge`` step per judgment (item: the
    question's id). Without ``endpoint`` the judge is opened here for LLM metrics, and closed.
    """
    report = progress or NoProgress()
    fp = pipe.describe()
    answers = AnswerCache(cache_dir / "answers.jsonl" if cache_dir else None)
    rows: list[dict[str, Any]] = []
    for i, sample in enumerate(samples):
        key = AnswerCache.key(sample.user_input, fp, ks, sample.response)
        cached = answers.get(key)
        if cached is None:
            try:
                cached = answer_sample(pipe, sample, ks)
            except RagError:
                raise
            except Exception as exc:  # one broken question must not sink the run; it is reported
                cached = {"error": f"{type(exc).__name__}: {exc}"[:300]}
            if "error" not in cached:
                answers.put(key, cached)
            was_cached = False
        else:
            was_cached = True
        row: dict[str, Any] = {**sample.as_dict(), **cached, "answer_cached": was_cached}
        if sample.reference_contexts and "ranked_contexts" in cached:
            row["retrieval"] = question_scores(cached["ranked_contexts"], sample.reference_contexts, ks)
        rows.append(row)
        status = "failed" if "error" in cached else "cached" if was_cached else "answered"
        report.update(Step("answer", i + 1, len(samples), item=sample.id, status=status))
    judge_stats: dict[str, Any] = {}
    if metrics:
        own_endpoint = endpoint is None
        endpoint = endpoint or judge_endpoint_for(pipe.settings, metrics)
        try:
            scorer = build_scorer(pipe, metrics, cache_dir, endpoint, strictness)
            todo = [r for r in rows if "error" not in r]
            results = scorer.run(todo, report, ids=[r["id"] for r in todo])
            for row, res in zip(todo, results, strict=True):
                row["ragas"] = {name: j.as_dict() for name, j in res.items()}
            if endpoint is not None:
                judge_stats = {"model": scorer.judge_label, **scorer.stats.as_dict()}
                judge_stats["base_url"] = mask_url(endpoint.base_url)  # summaries are shared
                judge_stats["structured_output"] = bool(endpoint.settings.structured_output)
        finally:
            if own_endpoint and endpoint is not None:
                endpoint.close()
    return rows, judge_stats


def summarize(
    rows: list[dict[str, Any]], metrics: list[str], ks: list[int], resamples: int, seed: int
) -> dict[str, Any]:
    """Per-metric aggregates: mean, bootstrap 95% CI, n, failures (with reasons), not applicable."""
    out: dict[str, Any] = {}
    ret_keys = [f"recall@{k}" for k in ks] + ["mrr@10", "ndcg@10"]
    with_refs = [r for r in rows if r.get("retrieval")]
    for key in ret_keys:
        agg = aggregate([r["retrieval"][key] for r in with_refs], [], resamples, seed)
        agg["not_applicable"] = len(rows) - len(with_refs)
        agg["kind"] = "retrieval"
        out[key] = agg
    for name in metrics:
        values, failures, skipped = [], [], 0
        for r in rows:
            j = (r.get("ragas") or {}).get(name)
            if j is None:
                if "error" in r:
                    failures.append("answer_error")
                continue
            if j.get("skipped"):
                skipped += 1
            elif j.get("error"):
                failures.append(j["error"])
            else:
                values.append(j["value"])
        agg = aggregate(values, failures, resamples, seed)
        agg["not_applicable"] = skipped
        agg["kind"] = "ragas" if name in LLM_METRICS else "ragas-nonllm"
        out[name] = agg
    return out


def latency_summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """p50, p95, mean and n of each pipeline stage's milliseconds over the answered rows."""
    stages: dict[str, list[float]] = {}
    for r in rows:
        for k, v in (r.get("timings_ms") or {}).items():
            stages.setdefault(k, []).append(float(v))
    return {
        k: {"p50": percentile(v, 50), "p95": percentile(v, 95), "mean": sum(v) / len(v), "n": len(v)}
        for k, v in stages.items()
    }


def run_eval(
    settings: Settings,
    dataset: str | Path,
    out_dir: str | Path | None = None,
    limit: int | None = None,
    metrics: list[str] | None = None,
    run_name: str | None = None,
    progress: Progress | None = None,
    use_cache: bool = True,
    pipeline: EvaluatedPipeline | None = None,
    strictness: int = 3,
) -> RunOutput:
    """``rag eval DATASET``: answer and score every question, write the run's reports.

    ``metrics``: default all; ``[]`` for the retrieval metrics alone (no judge). ``pipeline``: an
    open pipeline to evaluate (the UI's); by default one is built from ``settings`` and closed.
    ``use_cache``: reuse answers and judgments cached under ``<out_dir>/.cache``.
    """
    samples = load_dataset(dataset, limit=limit)
    metrics = list(ALL_METRICS) if metrics is None else metrics
    ks = sorted(set(settings.eval.k))
    base = Path(out_dir) if out_dir else settings.resolve(settings.eval.out_dir)
    run_dir = base / (run_name or _run_name())
    run_dir.mkdir(parents=True, exist_ok=True)
    cache_dir = base / ".cache" if use_cache else None
    built: Pipeline | None = None  # a pipeline built here is closed here
    if pipeline is None:
        pipeline = built = build_pipeline(settings)
    try:
        _check_collection(pipeline, dataset)
        t0 = time.perf_counter()
        rows, judge_stats = evaluate_pipeline(
            pipeline, samples, metrics, ks, cache_dir, progress, strictness=strictness
        )
        seconds = time.perf_counter() - t0
        summary = {
            "run": run_dir.name,
            "dataset": str(dataset),
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
            "questions": len(samples),
            "synthetic_questions": sum(1 for s in samples if s.synthetic),
            "answer_errors": sum(1 for r in rows if "error" in r),
            "seconds": round(seconds, 1),
            "config": {
                "collection": pipeline.collection,
                "embedder": _embedder_label(pipeline, settings),
                "llm": f"{settings.llm.provider}:{settings.llm.model}",
                "retrieval_mode": settings.retrieval.mode,
                "top_k": settings.retrieval.top_k,
                "reranker": rows[0].get("reranker") if rows else None,
                "reranker_config": "none"
                if settings.reranker.provider == "none"
                else f"{settings.reranker.provider}:{settings.reranker.model}",
            },
            "judge": judge_stats or None,
            "metrics": summarize(rows, metrics, ks, settings.eval.bootstrap, settings.eval.seed),
            "refusal": {"policy": pipeline.refusal.origin, **refusal_summary(rows)},
            "latency_ms": latency_summary(rows),
            "bootstrap": {"resamples": settings.eval.bootstrap, "seed": settings.eval.seed, "level": 0.95},
            "versions": _versions(),
        }
    finally:
        if built is not None:
            built.close()
    write_run_report(run_dir, rows, summary)
    return RunOutput(run_dir, summary, rows)


def _embedder_label(pipe: EvaluatedPipeline, settings: Settings) -> str:
    """``provider:model`` of the embedder in use (with ``auto``: what it chose for this index)."""
    cfg = settings.embedder
    if cfg.provider != "auto":
        return f"{cfg.provider}:{cfg.model}"
    fp = pipe.describe().get("embedder") or {}
    return f"auto -> {fp.get('provider')}:{fp.get('model')}"


def _check_collection(pipe: EvaluatedPipeline, dataset: str | Path) -> None:
    name = pipe.collection
    if pipe.components.collection.count() > 0:
        return
    docs = docs_folder_for(dataset)
    hint = f"rag ingest {docs}" if docs else "rag ingest PATH  (the documents the dataset was written for)"
    raise CollectionNotFound(
        f"The collection {name} for the configured embedder is missing or empty; nothing to evaluate.",
        fix=f"Ingest the dataset's documents first: {hint}",
    )


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for pkg in ("ragas", "rag-app"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = "?"
    return out
