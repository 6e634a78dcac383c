"""Which embedder to pick: the best for quality, and the best quality/latency trade-off."""

from __future__ import annotations

from typing import Any

QUALITY = "ndcg@10"  # the retrieval metric that ranks embedders


def choose_best(results: list[dict[str, Any]]) -> dict[str, Any]:
    """Best quality: highest mean nDCG@10 (ties: MRR@10). Best trade-off: the fastest (p50 query
    latency) embedder whose nDCG@10 mean lies inside the best one's 95% interval, i.e. not
    distinguishable from the best on this dataset."""
    scored = [r for r in results if r["retrieval"].get(QUALITY, {}).get("mean") is not None]
    if not scored:
        return {"quality": None, "tradeoff": None, "rule": "no reference_contexts: no retrieval quality"}
    best = max(scored, key=lambda r: (r["retrieval"][QUALITY]["mean"], r["retrieval"]["mrr@10"]["mean"] or 0))
    lo = best["retrieval"][QUALITY]["ci95"][0]
    close = [r for r in scored if r["retrieval"][QUALITY]["mean"] >= lo]
    fastest = min(close, key=lambda r: r["query_ms"]["p50"] or float("inf"))
    return {
        "quality": best["label"],
        "tradeoff": fastest["label"],
        "not_distinguishable": [r["label"] for r in close if r is not best],
        "rule": f"quality: highest mean {QUALITY}; trade-off: lowest p50 query latency among embedders whose "
        f"mean {QUALITY} is inside the best one's 95% interval (>= {lo:.3f})",
    }
