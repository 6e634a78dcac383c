"""rag_app.citations: explicit [n] citations and sentences attributed to passages."""

from __future__ import annotations

from rag_app.answering.citations import explicit_citations, inferred_citations

PASSAGES = [
    "SQLite is an embedded database engine that reads and writes directly to ordinary disk files.",
    "New features are typically introduced in r-devel, while r-patched is for bug fixes mostly.",
    "The Eiffel Tower was completed in 1889 and stands on the Champ de Mars in Paris.",
]


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


def test_inferred_attributes_a_copied_sentence() -> None:
    answer = "Good question. The Eiffel Tower was completed in 1889 on the Champ de Mars."
    assert inferred_citations(answer, PASSAGES) == [3]


def test_inferred_several_sentences_in_answer_order() -> None:
    answer = (
        "New features are introduced in r-devel while r-patched is for bug fixes! "
        "SQLite reads and writes directly to ordinary disk files."
    )
    assert inferred_citations(answer, PASSAGES) == [2, 1]


def test_inferred_skips_sentences_already_cited() -> None:
    answer = "The Eiffel Tower was completed in 1889 on the Champ de Mars [1]."
    assert inferred_citations(answer, PASSAGES) == []
    # and only the uncited sentence is inferred
    answer2 = answer + " SQLite reads and writes directly to ordinary disk files."
    assert inferred_citations(answer2, PASSAGES) == [1]


def test_inferred_unrelated_answer_gives_nothing() -> None:
    answer = "I could not find that in the documents. Bananas grow quickly in tropical climates."
    assert inferred_citations(answer, PASSAGES) == []


def test_inferred_threshold_and_short_sentences() -> None:
    # 2 of 4 words match passage 3 -> below the 0.6 default, above 0.5
    answer = "Eiffel Tower purple elephants."
    assert inferred_citations(answer, PASSAGES) == []
    assert inferred_citations(answer, PASSAGES, threshold=0.5) == [3]
    # fewer than three words of >= 3 letters: never attributed
    assert inferred_citations("Eiffel Tower.", PASSAGES) == []


def test_inferred_no_duplicates() -> None:
    answer = "The Eiffel Tower was completed in 1889. The Eiffel Tower stands on the Champ de Mars."
    assert inferred_citations(answer, PASSAGES) == [3]


ZH_PASSAGES = ["甲乙丙，丁戊己，庚辛壬。", "子丑寅，卯辰巳，午未申。"]


def test_chinese_punctuation_splits_when_followed_by_space() -> None:
    answer = "甲乙丙，丁戊己，庚辛壬。 子丑寅，卯辰巳，午未申！"
    assert inferred_citations(answer, ZH_PASSAGES) == [1, 2]


def test_chinese_punctuation_splits_without_space() -> None:
    answer = "甲乙丙，丁戊己，庚辛壬。子丑寅，卯辰巳，午未申。"
    assert inferred_citations(answer, ZH_PASSAGES) == [1, 2]
