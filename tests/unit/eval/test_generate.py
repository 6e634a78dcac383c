"""Test-set drafting: seeded chunk sampling, rows from the LLM's replies, skips, JSON-mode fallback."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from eval.generate import MIN_WORDS, copied, document_chunks, generate_testset, sample_chunks
from rag_app.components.llm import Message
from rag_app.config import load_settings
from rag_app.errors import EndpointUnavailable, RagError
from rag_app.progress import Collect
from rag_app.settings import Settings
from tests.unit.rag_app.fakes import ScriptedLLM

DOCS = Path(__file__).resolve().parents[2] / "fixtures" / "docs"
QA = json.dumps({"question": "Where does SQLite keep a database?", "answer": "In one ordinary file."})


class SchemaRefusingLLM(ScriptedLLM):
    """An endpoint that rejects ``json_schema`` response formats (JSON mode works)."""

    def __init__(self, settings: Settings, replies: list[str]) -> None:
        super().__init__(settings, replies)
        self.formats: list[str] = []

    def complete(self, messages: list[Message], **kwargs: Any) -> str:
        self.formats.append(kwargs["response_format"]["type"])
        if kwargs["response_format"]["type"] == "json_schema":
            raise EndpointUnavailable("json_schema is not supported here.")
        return super().complete(messages, **kwargs)


def test_generate_sampling_is_seeded() -> None:
    s = load_settings(None, env={})
    chunks = document_chunks(DOCS, s)
    assert chunks and all({"source", "text"} <= set(c) for c in chunks)
    a, b, c = sample_chunks(chunks, 3, 1), sample_chunks(chunks, 3, 1), sample_chunks(chunks, 3, 2)
    assert a == b and a != c
    assert all(len(x["text"].split()) >= MIN_WORDS for x in a)


def test_rows_from_replies_and_unusable_replies_are_skipped() -> None:
    s = load_settings(None, env={})
    llm = ScriptedLLM(s, [QA, "no json at all", QA])
    steps = Collect()
    rows, report = generate_testset(s, DOCS, 3, seed=7, progress=steps, llm=llm)
    picked = sample_chunks(document_chunks(DOCS, s), 3, 7)
    assert [r["id"] for r in rows] == ["syn-7-1", "syn-7-3"]
    assert rows[0] == {
        "id": "syn-7-1",
        "user_input": "Where does SQLite keep a database?",
        "reference": "In one ordinary file.",
        "reference_contexts": [picked[0]["text"]],
        "source": picked[0]["source"],
        "synthetic": True,
    }
    assert report.startswith("2 questions from ") and "(seed 7); 1 skipped" in report
    assert [(st.phase, st.done, st.total, st.item, st.status) for st in steps.steps] == [
        ("generate", 1, 3, "syn-7-1", "drafted"),
        ("generate", 2, 3, "syn-7-2", "skipped"),
        ("generate", 3, 3, "syn-7-3", "drafted"),
    ]
    assert steps.steps[0].note == "Where does SQLite keep a database?"
    assert not llm.closed  # a model passed in belongs to the caller


def test_json_mode_once_the_endpoint_refuses_schemas() -> None:
    s = load_settings(None, env={})
    llm = SchemaRefusingLLM(s, [QA])
    rows, _ = generate_testset(s, DOCS, 2, seed=1, llm=llm)
    assert len(rows) == 2
    assert llm.formats == ["json_schema", "json_object", "json_object"]


def test_nothing_to_draft_from(tmp_path: Path) -> None:
    s = load_settings(None, env={})
    (tmp_path / "short.md").write_text("Too short to ask about.\n")
    with pytest.raises(RagError, match="No usable text") as err:
        generate_testset(s, tmp_path, 2, seed=0, llm=ScriptedLLM(s))
    assert err.value.fix
    with pytest.raises(RagError, match="at least 1"):
        generate_testset(s, tmp_path, 0, seed=0, llm=ScriptedLLM(s))


def test_questions_that_copy_their_passage_are_held_out() -> None:
    passage = (
        "SQLite stores the entire database in a single ordinary file on disk, which can be copied freely."
    )
    assert copied("Where does SQLite keep its data?", passage) is None
    assert copied("Does SQLite store the entire database in a single ordinary file?", passage) is not None
    assert copied("Can the single ordinary file on disk be copied?", passage) is None  # a phrase, not a copy
    zh = "Debian 是一个自由的操作系统，由全球志愿者共同开发和维护，它以稳定和安全著称。"
    assert copied("Debian 由谁维护？", zh) is None
    assert copied("Debian 是一个自由的操作系统吗？", zh) is not None  # 11 of 12 characters are a run of it
    assert copied("Debian 这个自由的系统以什么著称？", zh) is None  # a few words in common, not a copy


def test_held_out_copies_are_replaced_from_spare_chunks_and_counted() -> None:
    s = load_settings(None, env={})
    picked = sample_chunks(document_chunks(DOCS, s), 3, 7)
    copy = json.dumps({"question": picked[0]["text"][:120], "answer": "yes"})
    llm = ScriptedLLM(s, [copy, QA])
    rows, report = generate_testset(s, DOCS, 2, seed=7, llm=llm, spare=2)
    assert [r["id"] for r in rows] == ["syn-7-2", "syn-7-3"]
    assert "1 held out as copies of their passage" in report


def test_replies_are_cached_and_cjk_passages_are_drafted_in_their_language(tmp_path: Path) -> None:
    s = load_settings(None, env={})
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "debian.md").write_text(
        "Debian 是一个自由的操作系统，由全球志愿者共同开发和维护。它以稳定和安全著称。" * 4
    )
    (docs / "notes.md").write_text((DOCS / "notes.md").read_text())
    chunks = document_chunks(docs, s)
    zh = [c for c in chunks if c["source"] == "debian.md"]
    assert zh and sum(len(c["text"]) for c in zh) > 100  # Chinese text is counted by characters
    llm = ScriptedLLM(s, [QA])
    first, _ = generate_testset(s, docs, 4, seed=0, llm=llm, per_document=1, cache_dir=tmp_path / "cache")
    assert {r["source"] for r in first} == {"debian.md", "notes.md"}  # one from each document
    prompts = [m[0]["content"] for m in llm.requests]
    assert any("Write both in Simplified Chinese" in p for p in prompts)
    assert any("Write both in the language of the passage" in p for p in prompts)
    again_llm = ScriptedLLM(s, [QA])
    again, report = generate_testset(
        s, docs, 4, seed=0, llm=again_llm, per_document=1, cache_dir=tmp_path / "cache"
    )
    assert again == first and again_llm.requests == [] and "2 replies from the cache" in report
