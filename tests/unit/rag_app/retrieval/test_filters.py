"""Search filters become safe Milvus expressions on typed fields."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag_app.errors import ConfigError
from rag_app.retrieval.filters import SearchFilters, glob_matches, glob_to_like


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


def test_glob_matches_like_its_like_pattern() -> None:
    assert glob_matches("/d/my_notes.md", "/d/my_notes.md")
    assert not glob_matches("/d/my_notes.md", "/d/myXnotes.md")
    assert glob_matches("*/r_faq?.pdf", "/a/b/r_faq2.pdf")
    assert glob_matches("/a/[x].md", "/a/[x].md") and not glob_matches("/a/[x].md", "/a/x.md")
    assert glob_to_like("/d/my_100%*", escape=False) == "/d/my_100_%"


def test_a_glob_with_a_literal_underscore_becomes_the_sources_it_matches() -> None:
    stored = ["/d/my_notes.md", "/d/myXnotes.md", "/d/my_notes.md.bak"]
    asked: list[str] = []

    def sources_like(like: str) -> list[str]:
        asked.append(like)
        return stored  # the broad LIKE's candidates: the glob decides

    f = SearchFilters(sources=["*/my_notes.md", "/d/*.pdf"])
    assert (
        f.expression(sources_like=sources_like) == '(source in ["/d/my_notes.md"] or source like "/d/%.pdf")'
    )
    assert asked == ["%/my_notes.md"]
    none = SearchFilters(sources=["/nowhere/a_b"]).expression(sources_like=lambda like: [])
    assert none == "(source in [])"
