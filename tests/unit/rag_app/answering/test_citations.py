"""rag_app.answering.citations: the [n] markers an answer writes itself."""

from __future__ import annotations

from rag_app.answering.citations import CITATION, cited_numbers, explicit_citations


def test_explicit_keeps_first_citation_order() -> None:
    assert explicit_citations("B is true [3]. A is true [1]. C [2].", 3) == [3, 1, 2]


def test_explicit_ignores_repeats_and_out_of_range() -> None:
    answer = "Yes [2][2]. Also [0], [4] and [17] and [2] again, then [1]."
    assert explicit_citations(answer, 3) == [2, 1]


def test_explicit_none_or_no_passages() -> None:
    assert explicit_citations("No citations here (1) or {2}.", 3) == []
    assert explicit_citations("Cites [1].", 0) == []


def test_explicit_ignores_four_digit_numbers() -> None:
    assert explicit_citations("Year [1889] and [1].", 2000) == [1]


def test_cited_numbers_keep_repeats_and_markers_strip_with_their_space() -> None:
    assert cited_numbers("A [2][2] and [9].") == [2, 2, 9]
    assert CITATION.sub("", "SQLite is small [1][2]. It is fast [3].") == "SQLite is small. It is fast."
