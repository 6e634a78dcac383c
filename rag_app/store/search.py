"""One Milvus search request per mode (dense, BM25, hybrid), and weighted fusion done here.

:class:`~rag_app.store.milvus.MilvusStore` turns what comes back into hits.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from rag_app.store.records import OUTPUT_FIELDS


def request(
    client: Any,
    name: str,
    mode: str,
    limit: int,
    vector: Sequence[float] | None,
    text: str | None,
    filter: str,
    rrf_k: int,
    fusion: str,
    dense_weight: float,
) -> Any:
    """One Milvus search call for ``mode``."""
    metric = "COSINE"
    if mode == "dense":
        return client.search(
            name, data=[list(vector or [])], anns_field="dense", limit=limit,
            output_fields=OUTPUT_FIELDS, filter=filter, search_params={"metric_type": metric},
        )  # fmt: skip
    if mode == "sparse":
        return client.search(
            name, data=[text or ""], anns_field="sparse", limit=limit,
            output_fields=OUTPUT_FIELDS, filter=filter, search_params={"metric_type": "BM25"},
        )  # fmt: skip
    if mode == "hybrid" and fusion == "weighted":
        return [weighted(client, name, limit, vector, text, filter, dense_weight)]
    if mode == "hybrid":
        from pymilvus import AnnSearchRequest, RRFRanker, WeightedRanker

        reqs = [
            AnnSearchRequest(
                [list(vector or [])], "dense", {"metric_type": metric}, limit, expr=filter or None
            ),
            AnnSearchRequest([text or ""], "sparse", {"metric_type": "BM25"}, limit, expr=filter or None),
        ]
        ranker: Any = (
            WeightedRanker(dense_weight, 1.0 - dense_weight) if fusion == "weighted" else RRFRanker(rrf_k)
        )
        return client.hybrid_search(name, reqs, ranker=ranker, limit=limit, output_fields=OUTPUT_FIELDS)
    raise ValueError(f"unknown search mode {mode!r}")


def weighted(
    client: Any,
    name: str,
    limit: int,
    vector: Sequence[float] | None,
    text: str | None,
    filter: str,
    dense_weight: float,
) -> list[dict[str, Any]]:
    """Weighted fusion of a dense and a BM25 search, in this process, with Milvus' own
    normalisation (cosine: (1 + s) / 2; BM25: 2·atan(s)/π; a leg that missed a hit adds 0).

    Milvus Lite 2.5.1's WeightedRanker gets BM25 backwards (its scores come back negative, so
    the best keyword match is normalised lowest: measured in tests/integration/test_retrieval.py);
    two searches fused here cost the same (benchmarks/README.md).
    """
    dense = request(client, name, "dense", limit, vector, text, filter, 60, "rrf", 1.0)
    sparse = request(client, name, "sparse", limit, vector, text, filter, 60, "rrf", 0.0)
    fused: dict[str, dict[str, Any]] = {}
    legs = (
        (dense, dense_weight, lambda x: (1.0 + x) / 2.0),
        (sparse, 1.0 - dense_weight, lambda x: 2.0 * math.atan(abs(x)) / math.pi),
    )
    for res, weight, norm in legs:
        for item in res[0] if res else []:
            key = str(item["id"])
            hit = fused.setdefault(key, {"id": item["id"], "distance": 0.0, "entity": item["entity"]})
            hit["distance"] += weight * norm(float(item["distance"]))
    return sorted(fused.values(), key=lambda h: float(h["distance"]), reverse=True)[:limit]
