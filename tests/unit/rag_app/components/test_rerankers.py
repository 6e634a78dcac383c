"""rag_app.components.rerankers: an honest status when no reranker loads, and real tiny cross-encoders.

The cross-encoder is tests/conftest.py's ``tiny_reranker_dir``: a random one-layer BERT with MiniLM's tokenizer.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from rag_app.components import rerankers
from rag_app.components.rerankers import (
    CrossEncoderReranker,
    FlagEmbeddingReranker,
    Reranker,
    RerankerStatus,
    build_reranker,
)
from rag_app.config import load_settings
from rag_app.errors import ConfigError, LibraryUnavailable, ModelUnavailable
from rag_app.settings import RerankerSettings, Settings

PASSAGES = ["SQLite stores a database in one file.", "R is for statistics.", "Milvus searches vectors."]


def settings(**reranker: Any) -> Settings:
    return load_settings(None, env={}, overrides={"reranker": reranker})


def test_provider_none_is_disabled_and_builds_nothing() -> None:
    reranker, status = build_reranker(settings(provider="none"))
    assert reranker is None
    assert status == RerankerStatus(enabled=False, available=False, reason="reranker.provider is 'none'")
    assert status.as_dict() == {
        "enabled": False, "available": False, "model": None, "reason": "reranker.provider is 'none'",
    }  # fmt: skip


def test_unknown_provider_is_rejected_when_settings_load_with_the_known_names() -> None:
    with pytest.raises(ConfigError) as err:
        settings(provider="cohere")
    assert "Unknown reranker.provider 'cohere'. Known: flagembedding, sentence-transformers, none." in str(
        err.value
    )


@pytest.mark.parametrize("provider", ["flagembedding", "sentence-transformers"])
def test_a_missing_model_leaves_reranking_off_with_a_reason_and_fix(tmp_path: Path, provider: str) -> None:
    missing = str(tmp_path / "no" / "such-reranker")
    reranker, status = build_reranker(settings(provider=provider, model=missing))
    assert reranker is None and status.enabled and not status.available
    assert status.model == missing and status.reason == f"reranker '{missing}' is not available offline"
    assert (
        status.fix is not None
        and "reranker.provider: none" in status.fix
        and "reranker.required" in status.fix
    )


def test_a_required_reranker_that_is_missing_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ModelUnavailable, match="is not available offline"):
        build_reranker(settings(model=str(tmp_path / "missing"), required=True))


def test_a_folder_that_does_not_load_is_reported_or_raised(tmp_path: Path) -> None:
    empty = tmp_path / "empty-reranker"
    empty.mkdir()
    reranker, status = build_reranker(settings(provider="sentence-transformers", model=str(empty)))
    assert reranker is None and not status.available
    assert status.reason is not None and status.reason.startswith(f"reranker '{empty}' could not load: ")
    assert "\n" not in status.reason
    with pytest.raises(ModelUnavailable, match=re.escape(f"Reranker '{empty}' could not load")):
        build_reranker(settings(provider="sentence-transformers", model=str(empty), required=True))


def test_a_missing_library_is_reported_with_its_own_fix(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def missing(module: str) -> Any:
        raise LibraryUnavailable(f"{module} is not installed.", fix="pip install it", package=module)

    monkeypatch.setattr(rerankers, "require", missing)
    model = tmp_path / "folder"
    model.mkdir()
    reranker, status = build_reranker(settings(provider="flagembedding", model=str(model)))
    assert reranker is None
    assert (status.reason, status.fix) == ("FlagEmbedding is not installed.", "pip install it")
    with pytest.raises(LibraryUnavailable):
        build_reranker(settings(provider="flagembedding", model=str(model), required=True))


@pytest.mark.parametrize("provider", ["flagembedding", "sentence-transformers"])
def test_a_real_tiny_cross_encoder_scores_each_passage(tiny_reranker_dir: Path, provider: str) -> None:
    reranker, status = build_reranker(
        settings(provider=provider, model=str(tiny_reranker_dir), max_length=64)
    )
    expected = FlagEmbeddingReranker if provider == "flagembedding" else CrossEncoderReranker
    assert isinstance(reranker, expected)
    assert status == RerankerStatus(enabled=True, available=True, model=str(tiny_reranker_dir))
    scores = reranker.score("where is the database?", PASSAGES)
    assert len(scores) == 3 and all(type(s) is float for s in scores)
    assert scores == reranker.score("where is the database?", PASSAGES)  # deterministic
    one = reranker.score("where is the database?", PASSAGES[:1])
    assert len(one) == 1 and one[0] == pytest.approx(scores[0], abs=1e-3)
    assert reranker.score("anything", []) == []


def test_the_interface_is_one_abstract_method() -> None:
    class Fixed(Reranker):
        def score(self, query: str, passages: Any) -> list[float]:
            return [1.0] * len(passages)

    assert Fixed(RerankerSettings()).score("q", ["a", "b"]) == [1.0, 1.0]
    with pytest.raises(TypeError, match="score"):
        Reranker(RerankerSettings())  # type: ignore[abstract]
