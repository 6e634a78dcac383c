"""The composition root: parts built once, on first use; shared parts left to their owner."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from rag_app.errors import ConfigError
from rag_app.pipeline import Components, build_pipeline
from rag_app.settings import Settings
from tests.unit.rag_app.fakes import HashEmbedder, ScriptedLLM, index_texts

DOCS = {
    "/docs/sqlite.md": ["SQLite stores a whole database in a single ordinary file.", "It has no server."],
    "/docs/r.md": ["R releases come from r-devel and r-patched branches."],
}


def test_components_build_nothing_until_used(fake_settings: Callable[..., Settings]) -> None:
    # An openai embedder without base_url fails when built, so building it would raise here.
    c = Components(fake_settings(embedder={"provider": "openai", "model": "x"}))
    with pytest.raises(ConfigError, match=r"embedder\.base_url is not set"):
        _ = c.embedder
    c.close()  # nothing was opened: closing is a no-op


def test_each_part_is_built_once(fake_settings: Callable[..., Settings]) -> None:
    c = Components(fake_settings())
    assert c.embedder is c.embedder and isinstance(c.embedder, HashEmbedder)
    assert c.llm is c.llm and isinstance(c.llm, ScriptedLLM)
    assert c.store is c.store
    assert c.reranker is None and c.reranker_status.enabled is False
    c.close()
    assert c.llm.closed  # type: ignore[attr-defined]


def test_shared_parts_are_not_closed_by_the_borrower(fake_settings: Callable[..., Settings]) -> None:
    owner = Components(fake_settings())
    borrower = owner.sharing(fake_settings(retrieval={"top_k": 2}))
    assert borrower.store is owner.store
    borrower.close()
    assert owner.store.names() == []  # still open and usable
    owner.close()


def test_pipeline_searches_answers_and_lists_documents(fake_settings: Callable[..., Settings]) -> None:
    pipe = build_pipeline(fake_settings(retrieval={"mode": "dense", "top_k": 2}))
    c = pipe.components
    index_texts(c.store, pipe.collection, DOCS, c.embedder.fingerprint)
    assert pipe.collection_exists()
    hits = pipe.search("single ordinary file database")
    assert hits.passages[0].source == "/docs/sqlite.md"
    answer = pipe.ask("Where does SQLite keep a database?")
    assert answer.text.startswith("SQLite stores") and answer.cited == [1]
    assert {d["source"] for d in pipe.documents()} == set(DOCS)
    pipe.delete_document("doc1")
    assert {d["source"] for d in pipe.documents()} == {"/docs/sqlite.md"}
    described = pipe.describe()
    assert described["collection"] == pipe.collection and described["embedder"]["provider"] == "fake"
    pipe.close()


def test_build_pipeline_uses_parts_given_to_it(fake_settings: Callable[..., Settings]) -> None:
    settings = fake_settings()
    llm = ScriptedLLM(settings, ["given"])
    pipe = build_pipeline(settings, llm=llm)
    assert pipe.components.llm is llm
    pipe.close()
    assert not llm.closed  # its owner closes it


def test_a_refused_question_never_builds_the_llm(
    fake_settings: Callable[..., Settings], monkeypatch: pytest.MonkeyPatch
) -> None:
    import rag_app.pipeline as pipeline_module

    built: list[object] = []
    real = pipeline_module.build_llm
    monkeypatch.setattr(pipeline_module, "build_llm", lambda s: built.append(s) or real(s))
    pipe = build_pipeline(fake_settings(retrieval={"mode": "dense", "refuse_below": 1.01}))
    index_texts(pipe.components.store, pipe.collection, DOCS, pipe.components.embedder.fingerprint)
    answer = pipe.ask("How many moons does Jupiter have?")
    assert answer.refused and answer.text.startswith("I could not find this in your documents")
    assert built == []  # no local LLM started for a question it would not be asked
    assert pipe.refusal.origin == "retrieval.refuse_below: 1.01"
    pipe.close()
