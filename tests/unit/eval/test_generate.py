"""Test-set drafting: seeded chunk sampling, rows from the LLM's replies, skips, JSON-mode fallback."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from eval.generate import MIN_WORDS, document_chunks, generate_testset, sample_chunks
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
