"""The ways of retrieving the top 10 for a FAQ question that the retrieval benchmark compares, and
their quality and latency report: the app's own search, and two fusions done outside it."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from common import lat

if TYPE_CHECKING:  # the app is imported once the benchmark has made the environment offline
    from rag_app.pipeline import Pipeline

KS = (1, 5, 10)
TOP = 10

Retrieve = Callable[[str], tuple[list[str], dict[str, float]]]


def rounded(d: dict[str, float]) -> dict[str, float]:
    return {k: round(v, 4) for k, v in d.items()}


class Variant:
    """One way of retrieving the top 10 for a question; collects texts and per-stage timings."""

    def __init__(self, name: str, fn: Retrieve) -> None:
        self.name, self.fn = name, fn
        self.retrieved: list[list[str]] = []
        self.timings: dict[str, list[float]] = {}
        self.scores: list[list[float]] = []  # first-stage scores of the top 10, when known

    def run(self, questions: list[dict[str, Any]]) -> None:
        for q in questions:
            cpu = time.process_time()
            texts, timings = self.fn(q["user_input"])
            timings["cpu_per_query"] = time.process_time() - cpu
            self.retrieved.append(texts)
            for k, v in timings.items():
                self.timings.setdefault(k, []).append(v)
            if "embed" in timings or "search" in timings:
                total = timings.get("embed", 0.0) + timings.get("search", 0.0)
                self.timings.setdefault("embed+search", []).append(total)

    def report(self, questions: list[dict[str, Any]]) -> dict[str, Any]:
        from eval.retrieval import score

        refs = [q["reference_contexts"] for q in questions]
        out: dict[str, Any] = rounded(score(self.retrieved, refs, KS))
        by_source: dict[str, Any] = {}
        for src in sorted({q["source"] for q in questions}):
            idx = [i for i, q in enumerate(questions) if q["source"] == src]
            s = score([self.retrieved[i] for i in idx], [refs[i] for i in idx], KS)
            by_source[src] = {k: round(s[k], 4) for k in ("recall@5", "mrr@10")} | {"n": len(idx)}
        out["by_source"] = by_source
        out["latency"] = {k: lat(v) for k, v in self.timings.items()}
        if self.scores:  # the score scale a weighted fusion has to normalise
            firsts = [s[0] for s in self.scores if s]
            tenths = [s[-1] for s in self.scores if len(s) >= TOP]
            out["score_median_rank1"] = round(statistics.median(firsts), 4) if firsts else None
            out["score_median_rank10"] = round(statistics.median(tenths), 4) if tenths else None
        return out


def pipeline_variant(pipe: Pipeline, name: str, mode: str, rerank: bool = False, **retrieval: Any) -> Variant:
    """``Pipeline.search`` with ``retrieval`` settings (e.g. ``fusion="rrf"``) in force for each query."""
    variant: Variant

    def fn(query: str) -> tuple[list[str], dict[str, float]]:
        cfg = pipe.settings.retrieval
        saved = {k: getattr(cfg, k) for k in retrieval}
        for k, v in retrieval.items():
            setattr(cfg, k, v)
        try:
            res = pipe.search(query, top_k=TOP, mode=mode, rerank=rerank)
        finally:
            for k, v in saved.items():
                setattr(cfg, k, v)
        variant.scores.append([p.score for p in res.passages])
        return [p.text for p in res.passages], dict(res.timings)

    variant = Variant(name, fn)
    return variant


def deep_rrf_variant(pipe: Pipeline, name: str, leg_limit: int, rrf_k: int) -> Variant:
    """Hybrid RRF with each leg asking for ``leg_limit`` hits (the app asks each for the final limit)."""
    from pymilvus import AnnSearchRequest, RRFRanker

    from rag_app.store.records import OUTPUT_FIELDS

    def fn(query: str) -> tuple[list[str], dict[str, float]]:
        name_ = pipe.components.collection.open(create=False)
        t = time.perf_counter()
        vec = pipe.components.embedder.embed_query(query)
        t_embed = time.perf_counter() - t
        t = time.perf_counter()
        reqs = [
            AnnSearchRequest([list(vec)], "dense", {"metric_type": "COSINE"}, leg_limit),
            AnnSearchRequest([query], "sparse", {"metric_type": "BM25"}, leg_limit),
        ]
        res = pipe.components.store.client.hybrid_search(
            name_, reqs, ranker=RRFRanker(rrf_k), limit=TOP, output_fields=OUTPUT_FIELDS
        )
        t_search = time.perf_counter() - t
        return [h["entity"]["text"] for h in (res[0] if res else [])], {"embed": t_embed, "search": t_search}

    return Variant(name, fn)


def client_rrf_variant(
    pipe: Pipeline, name: str, leg_limit: int, rrf_k: int, sparse_weight: float = 1.0
) -> Variant:
    """RRF computed here from two plain ``store.search`` calls: checks Milvus Lite's own RRF, and
    tries a weighted RRF (the BM25 leg's 1/(k + rank) scaled by ``sparse_weight``)."""

    def fn(query: str) -> tuple[list[str], dict[str, float]]:
        name_ = pipe.components.collection.open(create=False)
        t = time.perf_counter()
        vec = pipe.components.embedder.embed_query(query)
        t_embed = time.perf_counter() - t
        t = time.perf_counter()
        dense = pipe.components.store.search(name_, "dense", leg_limit, vector=vec)
        sparse = pipe.components.store.search(name_, "sparse", leg_limit, text=query)
        fused: dict[str, float] = {}
        text: dict[str, str] = {}
        for hits, weight in ((dense, 1.0), (sparse, sparse_weight)):
            for rank, h in enumerate(hits, start=1):
                fused[h.id] = fused.get(h.id, 0.0) + weight / (rrf_k + rank)
                text[h.id] = h.fields["text"]
        top = sorted(fused, key=lambda i: -fused[i])[:TOP]
        t_search = time.perf_counter() - t
        return [text[i] for i in top], {"embed": t_embed, "search": t_search}

    return Variant(name, fn)


def build_variants(pipe: Pipeline, quick: bool) -> list[Variant]:
    """The app's modes and fusions; without ``quick``, also the fusion sweeps done outside the app."""
    out = [
        pipeline_variant(pipe, "sparse", "sparse"),
        pipeline_variant(pipe, "dense", "dense"),
        pipeline_variant(pipe, "hybrid_rrf", "hybrid", fusion="rrf"),
        # The default (config.yaml): weighted fusion, dense 0.7.
        pipeline_variant(pipe, "hybrid_weighted_0.7", "hybrid", fusion="weighted", dense_weight=0.7),
    ]
    if not quick:
        out += [
            pipeline_variant(pipe, f"hybrid_weighted_{w}", "hybrid", fusion="weighted", dense_weight=w)
            for w in (0.3, 0.5)
        ]
        out += [
            deep_rrf_variant(pipe, f"hybrid_rrf_k{k}_legs{depth}", depth, k)
            for k, depth in ((60, 10), (60, 30), (60, 100), (20, 30), (10, 30))
        ]
        out += [
            client_rrf_variant(pipe, "client_rrf_k60_legs10", 10, 60),
            client_rrf_variant(pipe, "client_rrf_k60_legs30_sparse0.5", 30, 60, sparse_weight=0.5),
            client_rrf_variant(pipe, "client_rrf_k10_legs30_sparse0.5", 30, 10, sparse_weight=0.5),
        ]
    return out


def paired_vs_dense(
    variants: list[Variant], questions: list[dict[str, Any]], quality: dict[str, Any]
) -> None:
    """Per question, against dense: how many questions a variant ranks better or worse (small
    differences of the means on 86 questions are a handful of questions)."""
    from eval.retrieval import question_scores

    refs = [q["reference_contexts"] for q in questions]
    per = {
        v.name: [question_scores(r, g, KS) for r, g in zip(v.retrieved, refs, strict=True)] for v in variants
    }
    base = per.get("dense")
    if base is None:
        return
    for name, rows in per.items():
        if name == "dense":
            continue
        quality[name]["vs_dense"] = {
            f"{m}_{w}": sum(
                (a[m] > b[m]) if w == "better" else (a[m] < b[m]) for a, b in zip(rows, base, strict=True)
            )
            for m in ("recall@5", "mrr@10")
            for w in ("better", "worse")
        }
