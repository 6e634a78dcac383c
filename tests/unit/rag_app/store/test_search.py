"""rag_app.store.search: weighted fusion in the app, with Milvus' own normalisation."""

from __future__ import annotations

import math
from typing import Any

import pytest

from rag_app.store.search import request


class Client:
    """Answers a dense and a BM25 search with fixed hits (Milvus Lite 2.5.1 gives BM25 negative)."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def search(
        self, name: str, data: Any, anns_field: str, limit: int, **kw: Any
    ) -> list[list[dict[str, Any]]]:
        self.calls.append(anns_field)
        hits = [("a", 0.6), ("b", 0.2)] if anns_field == "dense" else [("c", -9.0), ("a", -1.0)]
        return [[{"id": i, "distance": d, "entity": {"source": i}} for i, d in hits][:limit]]


@pytest.mark.parametrize("weight", [0.0, 0.3, 0.7, 1.0])
def test_weighted_fusion_normalises_each_leg_and_sums(weight: float) -> None:
    client = Client()
    [fused] = request(client, "c", "hybrid", 3, [0.1], "q", "", 60, "weighted", weight)
    assert client.calls == ["dense", "sparse"]
    cos = {"a": (1 + 0.6) / 2, "b": (1 + 0.2) / 2}
    bm25 = {"c": 2 * math.atan(9.0) / math.pi, "a": 2 * math.atan(1.0) / math.pi}
    expected = {k: weight * cos.get(k, 0.0) + (1 - weight) * bm25.get(k, 0.0) for k in ("a", "b", "c")}
    assert [h["id"] for h in fused] == sorted(expected, key=lambda k: -expected[k])
    assert [round(h["distance"], 6) for h in fused] == sorted(
        (round(v, 6) for v in expected.values()), reverse=True
    )


def test_all_weight_on_bm25_ranks_the_best_keyword_match_first() -> None:
    [fused] = request(Client(), "c", "hybrid", 1, [0.1], "q", "", 60, "weighted", 0.0)
    assert [h["id"] for h in fused] == ["c"]  # the highest BM25 score (9.0), whatever its sign
