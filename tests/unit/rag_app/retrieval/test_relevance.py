"""rag_app.retrieval.relevance: the refusal threshold from retrieval.refuse_below and the embedder."""

from __future__ import annotations

import pytest

from rag_app.retrieval import relevance
from rag_app.retrieval.relevance import RefusalPolicy, refusal_policy

MINILM = {"model": "sentence-transformers/all-MiniLM-L6-v2", "query_prefix": "", "passage_prefix": ""}


def test_a_number_is_used_as_given_and_none_never_refuses() -> None:
    p = refusal_policy(0.3, MINILM)
    assert p.threshold == 0.3 and p.enabled and p.refuses(0.29) and not p.refuses(0.3)
    assert not p.refuses(None)  # no relevance was computed: nothing to refuse on
    off = refusal_policy("none", MINILM)
    assert off.threshold is None and not off.enabled and not off.refuses(-1.0)


def test_auto_uses_the_calibrated_value_of_the_embedder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(relevance.CALIBRATED, ("m", "", ""), 0.42)
    p = refusal_policy("auto", {"model": "m", "query_prefix": "", "passage_prefix": ""})
    assert p.threshold == 0.42 and "calibrated for m" in p.origin


def test_auto_refuses_nothing_for_an_uncalibrated_embedder_and_says_so() -> None:
    p = refusal_policy("auto", {"model": "my/own-model", "query_prefix": "q: ", "passage_prefix": ""})
    assert p == RefusalPolicy(None, "auto: no calibrated value for my/own-model, nothing is refused")
    # the same model with other prefixes is another calibration
    other = refusal_policy("auto", {**MINILM, "query_prefix": "query: "})
    assert other.threshold is None


def test_the_default_embedder_is_calibrated() -> None:
    assert refusal_policy("auto", MINILM).enabled
