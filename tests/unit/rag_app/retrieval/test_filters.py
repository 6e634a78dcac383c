"""Search filters become safe Milvus expressions on typed fields."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag_app.errors import ConfigError
from rag_app.retrieval.filters import SearchFilters, glob_to_like


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
