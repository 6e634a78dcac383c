"""The R FAQ PDF's text: its table of contents, and words hyphenated across lines."""

from __future__ import annotations

from eval.datasets.faq.r_faq import R_SELECTED, dehyphenate, toc_entries

TOC = """Table of Contents
1 Introduction . . . . . . . . . . . . . . . . . . . . . . . . . . 1
1.1 Legalese . . . . . . . . . . . . . . . . . . . . . . . . . . . 1
2 R Basics . . . . . . . . . . . . . . . . . . . . . . . . . . . . 2
2.1 What is R? . . . . . . . . . . . . . . . . . . . . . . . . . . 2
2.10 What is the difference between a very long question that wraps
onto the next line of the table? . . . . . . . . . . . . . . 9
ii
"""


def test_toc_entries_join_wrapped_titles() -> None:
    assert toc_entries(TOC) == [
        ("1", "Introduction"),
        ("1.1", "Legalese"),
        ("2", "R Basics"),
        ("2.1", "What is R?"),
        (
            "2.10",
            "What is the difference between a very long question that wraps onto the next line of the table?",
        ),
    ]


def test_dehyphenate_joins_words_but_keeps_compounds() -> None:
    text = "by John Cham-\nbers; see R-\ndevel, the x-\naxis, and a well-\nknown well-known fact."
    assert dehyphenate(text) == "by John Chambers; see R-devel, the x-axis, and a well-known well-known fact."
    # A line that goes on with a capital is not a broken word.
    assert dehyphenate("S-\nPlus") == "S-\nPlus"


def test_selected_questions_are_unique_section_numbers() -> None:
    assert len(R_SELECTED) == len(set(R_SELECTED)) == 59
    assert all(n.count(".") == 1 for n in R_SELECTED)
