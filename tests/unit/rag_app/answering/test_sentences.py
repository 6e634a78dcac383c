"""rag_app.answering.sentences: sentence spans of answers and passages (Latin, CJK, lists, citations)."""

from __future__ import annotations

from rag_app.answering.sentences import sentence_spans, sentences


def test_spans_index_the_original_text() -> None:
    text = "  SQLite is small.  It is fast!\nIs it free? Yes."
    spans = sentence_spans(text)
    assert [text[s:e] for s, e in spans] == ["SQLite is small.", "It is fast!", "Is it free?", "Yes."]


def test_citation_markers_and_closers_stay_with_their_sentence() -> None:
    assert sentences('It is fast. [1] It is "small." [2][3] Done') == [
        "It is fast. [1]",
        'It is "small." [2][3]',
        "Done",
    ]
    assert sentences("It is fast [1]. It is small [2].") == ["It is fast [1].", "It is small [2]."]


def test_abbreviations_initials_and_numbers_do_not_end_a_sentence() -> None:
    text = "Use a file, e.g. data.db or v1.2 files. R was written by R. Ihaka et al. in 1993. Next."
    assert sentences(text) == [
        "Use a file, e.g. data.db or v1.2 files.",
        "R was written by R. Ihaka et al. in 1993.",
        "Next.",
    ]


def test_cjk_sentences_end_without_a_space() -> None:
    assert sentences("SQLite是一个库。它很小！可以免费使用吗？可以") == [
        "SQLite是一个库。",
        "它很小！",
        "可以免费使用吗？",
        "可以",
    ]
    assert sentences("SQLite는 작습니다. 무료입니다.") == ["SQLite는 작습니다.", "무료입니다."]


def test_lists_and_paragraphs_split_wrapped_lines_do_not() -> None:
    text = "Options:\n- one file\n- no server\n\nA wrapped\nline stays one sentence\n1. numbered item"
    assert sentences(text) == [
        "Options:",
        "one file",
        "no server",
        "A wrapped\nline stays one sentence",
        "numbered item",
    ]


def test_markers_alone_join_the_previous_sentence_and_empty_text_has_none() -> None:
    assert sentences("It is small.\n[1]") == ["It is small.\n[1]"]
    assert sentence_spans("") == [] and sentence_spans("  \n ") == []
