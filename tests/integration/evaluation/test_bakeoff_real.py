"""`rag eval compare --auto DOCS` for real: questions drafted by the local Qwen server from the
documents, two real embedders in dense and hybrid search, a recommendation, and --adopt under auto."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import FIXTURES, write_config

pytestmark = [pytest.mark.integration, pytest.mark.timeout(1200)]


def test_bakeoff_drafts_measures_recommends_and_adopts(tmp_path: Path, llm_server: str) -> None:
    from eval.compare.auto import run_bakeoff
    from eval.compare.report import render_text
    from rag_app.config import load_settings
    from rag_app.pipeline import build_pipeline
    from rag_app.progress import Collect

    docs = tmp_path / "docs"
    shutil.copytree(FIXTURES, docs, ignore=shutil.ignore_patterns("LICENSES.md"))
    cfg = write_config(
        tmp_path / "ws",
        llm={"provider": "openai", "base_url": llm_server, "model": "qwen", "max_tokens": 96, "timeout": 240},
        eval={"out_dir": str(tmp_path / "results"), "bootstrap": 200},
    )
    settings = load_settings(cfg, env={})
    steps = Collect()
    # One question from each of two documents at most (2-4 LLM calls): the plumbing, on real models.
    result: dict[str, Any] = run_bakeoff(
        settings, docs, specs=["minilm", "e5"], per_document=1, max_questions=2, adopt=True,
        run_name="auto", progress=steps,
    )  # fmt: skip
    print(render_text(result))
    auto = result["auto"]
    rows = [json.loads(x) for x in Path(auto["testset"]).read_text().splitlines()]
    assert 1 <= len(rows) == auto["questions"] <= 2
    assert all(r["synthetic"] and r["reference_contexts"] and "reference" not in r for r in rows)
    assert auto["seconds"]["total"] >= auto["seconds"]["draft"] > 0
    labels = [r["label"] for r in result["embedders"]]
    assert labels == [
        "all-MiniLM-L6-v2 · dense", "all-MiniLM-L6-v2 · hybrid",
        "multilingual-e5-small · dense", "multilingual-e5-small · hybrid",
    ]  # fmt: skip
    for r in result["embedders"]:
        assert r["collection"].startswith("rag_eval_") and r["chunks"] > 0
        assert len(r["per_question"]["ndcg@10"]) == len(rows)
    best = result["best"]
    assert best["recommended"] in labels and best["config"].startswith("embedder:\n  provider: ")
    if len(rows) > 1:
        assert best["top_two"] is not None and best["top_two"]["n"] == len(rows)
    assert {s.phase for s in steps.steps} >= {"generate", "embedders", "ingest all-MiniLM-L6-v2"}
    md = (tmp_path / "results" / "auto" / "compare.md").read_text()
    assert "## Recommendation" in md and "## The bake-off" in md and "**Adopted:**" in md

    # --adopt under embedder.provider auto: the winner is built in the user's index and used from now on.
    adopted = result["adopted"]
    assert adopted["recorded_for_auto"] and not adopted["collection"].startswith("rag_eval_")
    pipe = build_pipeline(settings)
    try:
        assert pipe.collection == adopted["collection"]
        assert pipe.components.collection.decision.how == "recorded"  # type: ignore[union-attr]
        assert len(pipe.documents()) == 3
    finally:
        pipe.close()

    # A second run drafts nothing new: every reply comes from the cache.
    again = run_bakeoff(settings, docs, specs=["minilm"], per_document=1, max_questions=2, run_name="auto2")
    assert "replies from the cache" in again["auto"]["drafting"] and again["auto"]["questions"] == len(rows)
