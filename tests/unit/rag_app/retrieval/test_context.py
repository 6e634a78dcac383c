"""Context assembly: merge neighbouring chunks, drop duplicates, fit the LLM's budget (no models)."""

from __future__ import annotations

from rag_app.retrieval.context import assemble, fit_to_budget
from rag_app.types import Passage


def P(chunk: int, text: str, doc: str = "d1", page: int | None = None, score: float = 0.5) -> Passage:
    return Passage(source=f"/docs/{doc}.md", page=page, chunk=chunk, text=text, score=score, doc_id=doc)


def test_assemble_merges_neighbours_and_drops_repeated_overlap() -> None:
    a = P(3, "Alpha beta gamma. The overlap sentence is here.", score=0.9)
    other = P(0, "Unrelated passage from another document.", doc="d2", score=0.8)
    b = P(4, "The overlap sentence is here. Delta epsilon.", score=0.7)
    out = assemble([a, other, b])
    assert len(out) == 2
    merged = out[0]
    assert merged.text == "Alpha beta gamma. The overlap sentence is here. Delta epsilon."
    assert merged.chunks == [3, 4]
    assert merged.chunk == 3
    assert merged.score == 0.9
    assert out[1].doc_id == "d2"


def test_assemble_merges_a_run_in_document_order_even_when_ranked_backwards() -> None:
    out = assemble([P(7, "seven tail"), P(6, "six"), P(5, "five")])
    assert len(out) == 1
    assert out[0].chunks == [5, 6, 7]
    assert out[0].text.split() == ["five", "six", "seven", "tail"]


def test_assemble_keeps_other_pages_and_dedupes_identical_text() -> None:
    out = assemble([P(1, "same words here", page=1), P(2, "next page", page=2), P(9, "same  words here")])
    assert [p.chunk for p in out] == [1, 2]
    assert assemble([P(1, "x"), P(2, "y")], merge_adjacent=False)[1].chunks == [2]


def test_fit_to_budget_keeps_best_first_and_trims_by_tokens() -> None:
    words = lambda t: len(t.split())  # noqa: E731
    ps = [P(1, "a " * 50), P(10, "b " * 200), P(20, "c " * 50)]
    kept = fit_to_budget(ps, words, budget_tokens=150)
    assert len(kept) == 2
    assert kept[0].text == ps[0].text
    assert kept[1].text.endswith(" ...")
    assert words(kept[1].text) <= 150 - 62 - 12 + 1
    assert fit_to_budget(ps, words, budget_tokens=10_000) == ps
