"""Sentence evidence with the real MiniLM embedder: the planted pairs and the issue's own examples,
on passages as the app's loaders extract them from the fixture documents."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from rag_app.answering.grounding import Grounder
from tests.conftest import FIXTURES

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def grounder() -> Iterator[Grounder]:
    from rag_app.components.embedders import build_embedder
    from rag_app.config import load_settings

    yield Grounder(build_embedder(load_settings(None, env={})))


@pytest.fixture(scope="module")
def websites() -> str:
    """The "websites" paragraph of the SQLite appropriate-uses page, as the HTML loader reads it."""
    from ingest.formats import load

    path = FIXTURES / "sqlite-whentouse-short.html"
    text = " ".join(s.text for s in load(path, path.read_bytes()).sections)
    start = text.index("SQLite works great")
    return text[start : start + 400]


def test_planted_faithful_answers_outrank_their_contradicting_twins(grounder: Grounder) -> None:
    from eval.planted_grounding import grounding_pairs

    passed = []
    for label, good, bad in grounding_pairs():
        g = grounder.ground(good["response"], good["retrieved_contexts"]).supported_share
        b = grounder.ground(bad["response"], bad["retrieved_contexts"]).supported_share
        passed.append((label, g > b))
    share = sum(ok for _, ok in passed) / len(passed)
    assert share >= 0.9, [label for label, ok in passed if not ok]


def test_the_issues_wrong_answers_are_unsupported(grounder: Grounder, websites: str) -> None:
    for invented in (
        "The boiling point of water at the summit of Mount Everest is 100.000 Kelvin. [1]",
        "Jupiter has 7 moons. [1]",
        # the opposite of what the page says, in its own words
        "You should not use SQLite for low to medium traffic websites [1].",
    ):
        g = grounder.ground(invented, [websites])
        assert g.supported_share == 0.0, (invented, g.as_dict())


def test_a_faithful_answer_points_at_the_exact_characters(grounder: Grounder, websites: str) -> None:
    answer = "SQLite works great as the database engine for most low to medium traffic websites [1]."
    (s,) = grounder.ground(answer, ["Unrelated text about R packages.", websites]).sentences
    assert s.supported and s.passage == 2 and s.span is not None
    assert websites[s.span[0] : s.span[1]].startswith("SQLite works great as the database engine")
