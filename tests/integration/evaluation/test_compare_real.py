"""`rag eval compare` with two real offline embedders (MiniLM and mpnet) on one Milvus Lite store."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.integration


def test_compare_minilm_and_mpnet(eval_files: dict[str, Any]) -> None:
    from eval.compare.report import render_text
    from eval.compare.run import run_compare
    from rag_app.config import load_settings

    settings = load_settings(eval_files["config"], env={})
    result = run_compare(
        settings,
        eval_files["dataset"],
        [
            "sentence-transformers/all-MiniLM-L6-v2",
            "sentence-transformers:sentence-transformers/all-mpnet-base-v2",
        ],
        run_name="cmp",
    )
    print(render_text(result))
    minilm, mpnet = result["embedders"]
    assert (minilm["dimension"], mpnet["dimension"]) == (384, 768)
    assert minilm["collection"] != mpnet["collection"]
    for r in (minilm, mpnet):
        assert r["chunks"] > 0 and r["ingest_seconds"] is not None and r["ingest_seconds"] > 0
        assert r["index_bytes"] and r["index_bytes"] > 0
        assert r["model_load_rss_bytes"] >= 0
        assert r["query_ms"]["p50"] > 0 and r["query_ms"]["p95"] >= r["query_ms"]["p50"]
        assert r["retrieval"]["ndcg@10"]["n"] == 2
    assert mpnet["index_bytes"] > minilm["index_bytes"]  # 768-d vectors take more room
    assert result["best"]["quality"] in (minilm["label"], mpnet["label"])
    assert result["best"]["tradeoff"] in (minilm["label"], mpnet["label"])
    out = eval_files["results"] / "cmp"
    assert (out / "compare.png").stat().st_size > 1000
    assert "Best for quality" in (out / "compare.md").read_text()

    # Second run reuses both collections (no re-ingest).
    again = run_compare(
        settings, eval_files["dataset"], ["sentence-transformers/all-MiniLM-L6-v2"], run_name="cmp2"
    )
    assert again["embedders"][0]["index_reused"] is True and again["embedders"][0]["ingest_seconds"] is None
