"""``rag search``, ``rag ask``, ``rag chat``: output shapes, filters, query files."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from rag_app.cli.answers import _filters, _read_queries
from rag_app.config import load_settings
from rag_app.errors import RagError
from rag_app.pipeline import Components
from tests.unit.rag_app.cli.conftest import DOCS
from tests.unit.rag_app.fakes import index_texts


def test_search_json_follows_the_contract(rag: Callable[..., Result], indexed_config: Path) -> None:
    out = rag("--config", str(indexed_config), "search", "single ordinary file", "--json")
    data = json.loads(out.output)
    assert data["query"] == "single ordinary file" and data["mode"] == "dense"
    first = data["results"][0]
    assert first["source"] == "/docs/sqlite.md"
    assert set(first) >= {"source", "page", "chunk", "text", "score", "rerank_score"}


def test_search_type_filter(rag: Callable[..., Result], indexed_config: Path) -> None:
    out = rag("--config", str(indexed_config), "search", "features", "--type", "pdf", "--json")
    assert {r["source"] for r in json.loads(out.output)["results"]} == {"/docs/r-faq.pdf"}


def test_search_many_queries_one_json_line_each(
    rag: Callable[..., Result], indexed_config: Path, tmp_path: Path
) -> None:
    queries = tmp_path / "q.jsonl"
    queries.write_text('{"question": "file database"}\n{"user_input": "r-devel features"}\n')
    out = rag("--config", str(indexed_config), "search", "--queries", str(queries), "--json")
    lines = [json.loads(line) for line in out.output.splitlines()]
    assert [line["query"] for line in lines] == ["file database", "r-devel features"]


def test_ask_json_has_the_answer_and_its_sources(rag: Callable[..., Result], indexed_config: Path) -> None:
    data = json.loads(
        rag("--config", str(indexed_config), "ask", "Where is the database kept?", "--json").output
    )
    assert data["answer"].startswith("SQLite stores") and data["cited"] == [1]
    assert data["sources"] and data["question"] == "Where is the database kept?"


def test_ask_prints_each_sentences_evidence_and_marks_what_is_not_found(
    rag: Callable[..., Result], indexed_config: Path
) -> None:
    # the scripted LLM answers "SQLite stores a database in a single file [1]."
    out = rag("--config", str(indexed_config), "ask", "Where is the database kept?").output
    assert "Evidence: 1 of 1 sentences found in the sources." in out
    assert '← "SQLite stores a whole database in a single ordinary file."' in out
    assert "Sources:\n  [1] sqlite.md" in out


def test_ask_refuses_below_the_threshold_and_lists_the_closest_passages(
    rag: Callable[..., Result], config_file: Callable[..., Path]
) -> None:
    cfg = config_file(retrieval={"mode": "dense", "top_k": 2, "refuse_below": 1.01})
    c = Components(load_settings(cfg, env={}))
    index_texts(c.store, c.collection.name, DOCS, c.embedder.fingerprint)
    c.close()
    data = json.loads(rag("--config", str(cfg), "ask", "Where is the database kept?", "--json").output)
    assert data["refused"] is True and data["grounding"] is None and len(data["sources"]) == 2
    out = rag("--config", str(cfg), "ask", "Where is the database kept?").output
    assert out.startswith("I could not find this in your documents") and "Closest passages:" in out


def test_chat_json_reads_questions_from_stdin(rag: Callable[..., Result], indexed_config: Path) -> None:
    out = rag("--config", str(indexed_config), "chat", "--json", input="What is SQLite?\n/quit\n")
    (line,) = [json.loads(x) for x in out.output.splitlines() if x.startswith("{")]
    assert line["question"] == "What is SQLite?" and line["answer"]


def test_query_files_and_filters(tmp_path: Path) -> None:
    plain = tmp_path / "q.txt"
    plain.write_text("first\n\nsecond\n")
    assert _read_queries(str(plain)) == ["first", "second"]
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"nope": 1}\n')
    with pytest.raises(RagError, match="expected a JSON object"):
        _read_queries(str(bad))
    assert _filters((), (), ()) is None
    assert _filters(("docs/*.md",), (), ()) is not None


def test_search_and_ask_print_no_control_sequences(
    rag: Callable[..., Result], config_file: Callable[..., Path]
) -> None:
    from rag_app.config import load_settings
    from rag_app.pipeline import Components
    from tests.hostile_files import TERMINAL_ATTACK
    from tests.unit.rag_app.fakes import index_texts

    path = config_file()
    c = Components(load_settings(path, env={}))
    index_texts(
        c.store,
        c.collection.name,
        {f"/docs/evil{TERMINAL_ATTACK}.md": [f"Plain words {TERMINAL_ATTACK} here."]},
        c.embedder.fingerprint,
    )
    c.close()
    for args in (["search", "plain words"], ["ask", "plain words"], ["search", "plain words", "--json"]):
        out = rag("--config", str(path), *args).output
        assert "Plain words" in out or (args[0] == "ask" and "linkred.md" in out), out
        assert not any((ord(ch) < 32 and ch not in "\n\t") or 0x7F <= ord(ch) <= 0x9F for ch in out), repr(
            out
        )
