"""Reranking through FlagEmbedding's FlagReranker and sentence-transformers' CrossEncoder.

The checkpoint is a tiny randomly initialised cross-encoder built by the tests: this proves the
plumbing (loading, scoring, reordering, reporting), never ranking quality. No reranker weights
install offline here.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from rag_app.config import load_settings
from rag_app.errors import ModelUnavailable
from rag_app.pipeline import build_pipeline
from tests.conftest import ingest_paths

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("provider", ["flagembedding", "sentence-transformers"])
def test_reranker_rescores_and_reorders(
    provider: str, make_config, docs_dir: Path, tiny_reranker_dir: Path
) -> None:  # type: ignore[no-untyped-def]
    cfg = make_config(reranker={"provider": provider, "model": str(tiny_reranker_dir), "max_length": 128})
    pipe = build_pipeline(load_settings(cfg, env={}))
    ingest_paths(pipe, [docs_dir])
    assert pipe.reranker_status.available

    result = pipe.search("Who can write to SQLite at the same time?", top_k=3)
    assert result.reranker["applied"] is True and result.reranker["skipped_reason"] is None
    assert len(result.passages) == 3
    scores = [p.rerank_score for p in result.passages]
    assert all(isinstance(s, float) for s in scores)
    assert scores == sorted(scores, reverse=True)  # type: ignore[type-var]
    # The reranker saw the candidates, not only the final top 3: the order is the reranker's.
    direct = pipe.components.reranker.score(result.query, [p.text for p in result.passages])  # type: ignore[union-attr]
    assert direct == pytest.approx(scores, abs=1e-5)

    # First-stage scores stay beside the rerank scores.
    assert all(isinstance(p.score, float) for p in result.passages)
    # A score threshold drops what the cross-encoder rates below it (the middle score here).
    pipe.settings.retrieval.min_rerank_score = scores[1]
    kept = pipe.search("Who can write to SQLite at the same time?", top_k=3)
    assert [p.rerank_score for p in kept.passages] == pytest.approx(scores[:2], abs=1e-5)
    pipe.settings.retrieval.min_rerank_score = None

    skipped = pipe.search("Who can write to SQLite at the same time?", top_k=3, rerank=False)
    assert skipped.reranker["applied"] is False and "no-rerank" in skipped.reranker["skipped_reason"]
    assert all(p.rerank_score is None for p in skipped.passages)


def test_missing_reranker_is_skipped_with_a_reason(make_config, docs_dir: Path) -> None:  # type: ignore[no-untyped-def]
    cfg = make_config(reranker={"provider": "flagembedding", "model": "BAAI/bge-reranker-base"})
    pipe = build_pipeline(load_settings(cfg, env={}))
    ingest_paths(pipe, [docs_dir / "notes.md"])
    result = pipe.search("SQLite")
    assert result.passages
    assert result.reranker["applied"] is False
    assert "BAAI/bge-reranker-base" in result.reranker["skipped_reason"]
    assert pipe.reranker_status.fix and "reranker.model" in pipe.reranker_status.fix


def test_required_reranker_that_cannot_load_is_an_error(make_config) -> None:  # type: ignore[no-untyped-def]
    cfg = make_config(
        reranker={"provider": "flagembedding", "model": "BAAI/bge-reranker-base", "required": True}
    )
    pipe = build_pipeline(load_settings(cfg, env={}))
    with pytest.raises(ModelUnavailable) as err:
        _ = pipe.reranker_status
    assert "BAAI/bge-reranker-base" in str(err.value)
