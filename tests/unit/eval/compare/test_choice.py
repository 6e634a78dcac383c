"""Choosing embedders: best quality, and the fastest one not distinguishable from it."""

from __future__ import annotations

from typing import Any

from eval.compare.choice import choose_best


def _res(label: str, mean: float | None, lo: float, p50: float) -> dict[str, Any]:
    return {
        "label": label,
        "query_ms": {"p50": p50},
        "retrieval": {"ndcg@10": {"mean": mean, "ci95": [lo, 1.0]}, "mrr@10": {"mean": mean}},
    }


def test_best_quality_and_tradeoff() -> None:
    best = choose_best(
        [_res("big", 0.8, 0.6, 40.0), _res("small", 0.7, 0.5, 8.0), _res("bad", 0.3, 0.1, 1.0)]
    )
    assert best["quality"] == "big" and best["tradeoff"] == "small"
    assert best["not_distinguishable"] == ["small"]
    assert "95% interval" in best["rule"] and ">= 0.600" in best["rule"]


def test_the_best_is_also_the_tradeoff_when_nothing_is_close() -> None:
    best = choose_best([_res("big", 0.9, 0.85, 40.0), _res("small", 0.5, 0.4, 8.0)])
    assert best["quality"] == best["tradeoff"] == "big" and best["not_distinguishable"] == []


def test_no_quality_without_references() -> None:
    best = choose_best([_res("a", None, 0.0, 5.0)])
    assert best["quality"] is None and best["tradeoff"] is None and "reference_contexts" in best["rule"]
