"""rag_app.store.expr.quote: values become Milvus string literals, never expression syntax."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from rag_app.store import MilvusStore
from rag_app.store.expr import quote
from tests.unit.rag_app.fakes import DIM, index_texts

FP = {"provider": "fake", "model": "hash", "dimension": DIM, "normalize": True}


def test_quote_wraps_and_escapes_backslash_and_double_quote() -> None:
    assert quote("plain") == '"plain"'
    assert quote('say "hi"') == '"say \\"hi\\""'
    assert quote("C:\\docs\\a.md") == '"C:\\\\docs\\\\a.md"'
    # A trailing backslash must not escape the closing quote.
    assert quote("end\\") == '"end\\\\"'
    assert quote("'single'") == "\"'single'\""


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MilvusStore]:
    s = MilvusStore(str(Path(tmp_path_factory.mktemp("expr")) / "milvus.db"))
    yield s
    s.close()


def test_a_hostile_doc_id_cannot_break_out_of_the_delete_expression(store: MilvusStore) -> None:
    index_texts(store, "c", {"/a.md": ["first doc"], "/b.md": ["second doc"]}, FP)
    assert store.count("c") == 2
    # Unescaped, this would read: doc_id == "x" or doc_id != "" -- deleting everything.
    store.delete_document("c", 'x" or doc_id != "')
    store.delete_document("c", 'doc0\\" or doc_id != \\"')
    assert store.count("c") == 2
    # The hostile hash is one literal value: doc1's chunks (hash h1) differ from it and go, doc0 stays.
    # Unescaped, `... and content_hash != "h1" or content_hash != ""` would delete doc0 too.
    store.delete_document("c", "doc1", except_hash='h1" or content_hash != "')
    assert [r["doc_id"] for r in store.rows("c", ["doc_id"])] == ["doc0"]
