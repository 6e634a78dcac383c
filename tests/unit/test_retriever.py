"""Search filters, context assembly, condensing prompts and CJK detection (no models)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.language import cjk_share
from rag_app.answering.condense import (
    build_condense_messages,
    clean_condensed,
    content_terms,
    expand_with_history,
    usable_rewrite,
)
from rag_app.errors import ConfigError
from rag_app.retrieval.context import assemble, fit_to_budget
from rag_app.retrieval.filters import SearchFilters, glob_to_like
from rag_app.types import Passage


def P(chunk: int, text: str, doc: str = "d1", page: int | None = None, score: float = 0.5) -> Passage:
    return Passage(source=f"/docs/{doc}.md", page=page, chunk=chunk, text=text, score=score, doc_id=doc)


def test_glob_to_like_translates_wildcards_and_escapes_sql_ones() -> None:
    assert glob_to_like("/a/*.pdf") == "/a/%.pdf"
    assert glob_to_like("/a/file?.md") == "/a/file_.md"
    assert glob_to_like("/a/100%_done*") == "/a/100\\%\\_done%"
    assert glob_to_like("**/x") == "%/x"


def test_filters_expression_combines_lists() -> None:
    f = SearchFilters(sources=["docs/*.pdf", "/abs/*"], types=["PDF", ".md"], doc_ids=["abc"])
    expr = f.expression(base=Path("/work"))
    assert '(source like "/work/docs/%.pdf" or source like "/abs/%")' in expr
    assert '(source like "%.pdf" or source like "%.md")' in expr
    assert 'doc_id in ["abc"]' in expr
    assert expr.count(" and ") == 2
    assert not SearchFilters()
    assert SearchFilters().expression() == ""


def test_filters_quote_hostile_values_and_reject_bad_types() -> None:
    expr = SearchFilters(doc_ids=['x" or 1==1 or "']).expression()
    assert expr == 'doc_id in ["x\\" or 1==1 or \\""]'
    with pytest.raises(ConfigError, match="not an extension"):
        SearchFilters(types=['pdf" or "']).expression()


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


def test_condense_messages_carry_history_and_question() -> None:
    history = [
        {"role": "user", "content": "What is SQLite?"},
        {"role": "assistant", "content": "An embedded database. " * 100},
    ]
    msgs = build_condense_messages("Is it fast?", history)
    assert msgs[0]["role"] == "system"
    assert msgs[-1]["role"] == "user"
    user = msgs[-1]["content"]
    assert "User: What is SQLite?" in user
    assert "Follow-up question: Is it fast?" in user
    assert len(user) < 1000  # long assistant turns are cut


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Standalone question: Is SQLite fast?\nExtra", "Is SQLite fast?"),
        ('"Is SQLite fast?"', "Is SQLite fast?"),
        ("", "Is it fast?"),
        ("x" * 2000, "Is it fast?"),
    ],
)
def test_clean_condensed(raw: str, expected: str) -> None:
    assert clean_condensed(raw, "Is it fast?") == expected


def test_cjk_share() -> None:
    assert cjk_share("Debian 是一个自由的操作系统") > 0.5
    assert cjk_share("SQLite is an embedded database 数据库") < 0.2
    assert cjk_share("1234 !!") == 0.0


def test_rewrites_that_lose_the_question_are_not_trusted() -> None:
    q = "How many writers does it allow?"
    assert usable_rewrite("How many writers does SQLite allow?", q)
    assert not usable_rewrite("How many simultaneous readers does SQLite support?", q)  # meaning changed
    assert not usable_rewrite("how many writers does it allow?", q)  # nothing resolved
    assert not usable_rewrite(
        "Debian 计划于 1993 年由 Ian Murdock 建立。", "它最初受到谁的赞助？"
    )  # an answer
    assert usable_rewrite("Debian 最初受到谁的赞助？", "它最初受到谁的赞助？")
    assert "赞助" in content_terms("它最初受到谁的赞助？")


def test_fallback_query_adds_the_previous_question() -> None:
    history = [
        {"role": "user", "content": "What is  SQLite?"},
        {"role": "assistant", "content": "A database."},
    ]
    assert expand_with_history("Is it fast?", history) == "Is it fast? (What is SQLite?)"
    assert expand_with_history("Is it fast?", []) == "Is it fast?"
