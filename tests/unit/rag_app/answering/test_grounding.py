"""rag_app.answering.grounding with a bag-of-words embedder (no model): spans, checks, shape, cache.

The real embedder's behaviour (the planted pairs, the issue's examples) is tested in
tests/integration/test_grounding.py.
"""

from __future__ import annotations

import numpy as np

from rag_app.answering.grounding import Grounder
from rag_app.settings import EmbedderSettings
from tests.unit.rag_app.fakes import HashEmbedder

PASSAGES = [
    "SQLite stores a whole database in a single ordinary file. It needs no separate server process.",
    "Jupiter has 95 officially recognised moons. The largest is Ganymede.",
]


class CountingEmbedder(HashEmbedder):
    def __init__(self) -> None:
        super().__init__(EmbedderSettings(model="hash"))
        self.encoded: list[str] = []

    def _encode(self, texts: list[str]) -> np.ndarray:
        self.encoded += texts
        return super()._encode(texts)


def test_a_restated_sentence_points_at_its_exact_span() -> None:
    g = Grounder(CountingEmbedder()).ground("SQLite stores a whole database in a single file [1].", PASSAGES)
    (s,) = g.sentences
    assert s.supported and s.passage == 1 and s.span is not None
    assert PASSAGES[0][s.span[0] : s.span[1]] == "SQLite stores a whole database in a single ordinary file."
    assert g.supported_share == 1.0


def test_a_number_the_passage_does_not_have_is_unsupported() -> None:
    g = Grounder(CountingEmbedder()).ground("Jupiter has 7 officially recognised moons.", PASSAGES)
    assert not g.sentences[0].supported and g.sentences[0].passage is None and g.sentences[0].span is None
    assert Grounder(CountingEmbedder()).ground("Jupiter has seven moons.", PASSAGES).supported_share == 0.0
    ok = Grounder(CountingEmbedder()).ground("Jupiter has 95 officially recognised moons.", PASSAGES)
    assert ok.sentences[0].supported and ok.sentences[0].passage == 2


def test_a_negation_on_one_side_only_is_unsupported() -> None:
    grounder = Grounder(CountingEmbedder())
    assert (
        not grounder.ground("SQLite does not store a whole database in a single file.", PASSAGES)
        .sentences[0]
        .supported
    )
    assert not grounder.ground("It needs a separate server process.", PASSAGES).sentences[0].supported
    assert grounder.ground("It needs no separate server process.", PASSAGES).sentences[0].supported


def test_each_sentence_on_its_own_and_the_share() -> None:
    answer = "SQLite stores a whole database in a single ordinary file [1]. The moon is made of cheese."
    g = Grounder(CountingEmbedder()).ground(answer, PASSAGES)
    assert [s.supported for s in g.sentences] == [True, False]
    assert g.supported_share == 0.5
    assert [answer[s.start : s.end] for s in g.sentences] == [s.text for s in g.sentences]


def test_json_shape_is_exactly_the_documented_one() -> None:
    d = (
        Grounder(CountingEmbedder())
        .ground("It needs no separate server process. Cheese.", PASSAGES)
        .as_dict()
    )
    assert set(d) == {"sentences", "supported_share"}
    assert [set(s) for s in d["sentences"]] == [{"text", "supported", "passage", "span", "score"}] * 2
    first, second = d["sentences"]
    assert first["passage"] == 1 and isinstance(first["span"], list) and isinstance(first["score"], float)
    assert second == {"text": "Cheese.", "supported": False, "passage": None, "span": None,
                      "score": second["score"]}  # fmt: skip


def test_no_passages_or_no_text() -> None:
    g = Grounder(CountingEmbedder())
    assert g.ground("Anything at all.", []).as_dict()["sentences"][0]["supported"] is False
    assert g.ground("", PASSAGES).as_dict() == {"sentences": [], "supported_share": 0.0}


def test_only_the_best_overlapping_spans_are_embedded_and_vectors_are_cached() -> None:
    emb = CountingEmbedder()
    grounder = Grounder(emb, candidates=1)
    grounder.ground("Jupiter has 95 officially recognised moons.", PASSAGES)
    assert "Jupiter has 95 officially recognised moons." in emb.encoded
    # a passage sharing no word with the answer is never embedded
    assert not any("SQLite" in text for text in emb.encoded)
    before = len(emb.encoded)
    grounder.ground("Jupiter has 95 officially recognised moons.", PASSAGES)
    assert len(emb.encoded) == before  # the same sentences again: nothing re-embedded
