"""`rag eval compare` with two real offline embedders (MiniLM and mpnet) on one Milvus Lite store."""

from __future__ import annotations

from pathlib import Path
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


def test_compare_never_touches_the_users_own_collection(eval_files: dict[str, Any], tmp_path: Any) -> None:
    """Issue 12: `compare --rebuild` dropped the user's collection for that embedder (same Milvus,
    same collection name), and `compare` ingested the evaluation documents into it."""
    from eval.compare.run import run_compare
    from rag_app.config import load_settings
    from rag_app.pipeline import build_pipeline
    from tests.conftest import FIXTURES, ingest_paths

    settings = load_settings(eval_files["config"], env={})
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "diary.md").write_text("# Diary\n\nThe cellar key hangs behind the blue door.\n")
    user = build_pipeline(settings)
    try:
        ingest_paths(user, [mine])
        name = user.collection  # auto chose MiniLM for this English note
        before = sorted((d["source"], d["chunks"]) for d in user.documents())
    finally:
        user.close()
    assert name.startswith("rag_all_minilm_l6_v2_") and len(before) == 1

    for rebuild in (False, True):
        run_compare(
            settings, eval_files["dataset"], ["sentence-transformers/all-MiniLM-L6-v2"], rebuild=rebuild,
            run_name=f"own-{rebuild}",
        )  # fmt: skip

    user = build_pipeline(settings)
    try:
        assert user.collection == name and [c.name for c in user.collections()] == [name]
        after = sorted((d["source"], d["chunks"]) for d in user.documents())
        assert after == before  # not dropped, not re-ingested, no evaluation document added
        assert not any(Path(src).name == "notes.md" for src, _ in after)
        assert user.search("Where does the cellar key hang?", top_k=1).passages[0].source.endswith("diary.md")
    finally:
        user.close()
    assert (FIXTURES / "notes.md").is_file()
