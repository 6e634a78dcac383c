"""Integrity of the FAQ retrieval dev set that build.py wrote (eval/datasets/faq): fast, no models.

Every gold passage must be in the indexed documents' text as the app's own loaders extract it,
and no question may be left in that text (retrieval would be trivial otherwise).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest

from eval.datasets.faq.build import SMALL_IDS, SQLITE_QUESTIONS, check, indexed_text, question_headings
from eval.datasets.faq.passages import norm
from eval.retrieval import judge

FAQ = Path(__file__).resolve().parents[5] / "eval" / "datasets" / "faq"
DOCS = FAQ / "docs"
KEYS = {"id", "user_input", "reference", "reference_contexts", "source"}


def rows(name: str) -> list[dict]:
    lines = (FAQ / name).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


@cache
def indexed(name: str) -> str:
    return indexed_text(DOCS / name)


@pytest.mark.parametrize("name", ["questions.jsonl", "questions-small.jsonl"])
def test_rows_well_formed(name: str) -> None:
    data = rows(name)
    assert data
    ids = [r["id"] for r in data]
    assert len(ids) == len(set(ids))
    for r in data:
        assert set(r) == KEYS, r["id"]
        assert r["user_input"].strip() and r["reference"].strip()
        assert r["reference_contexts"] and all(c.strip() for c in r["reference_contexts"])
        assert (DOCS / r["source"]).is_file(), r["source"]


def test_size_and_sources() -> None:
    data = rows("questions.jsonl")
    assert 60 <= len(data) <= 90
    by_source = {s: sum(r["source"] == s for r in data) for s in {r["source"] for r in data}}
    assert by_source == {"sqlite-faq.html": SQLITE_QUESTIONS, "r-faq.md": len(data) - SQLITE_QUESTIONS}
    assert sorted(p.name for p in DOCS.iterdir()) == ["r-faq.md", "sqlite-faq.html"]


def test_small_set_is_a_subset() -> None:
    full = {r["id"]: r for r in rows("questions.jsonl")}
    small = rows("questions-small.jsonl")
    assert [r["id"] for r in small] == SMALL_IDS
    for r in small:
        assert full[r["id"]] == r


def test_reference_contexts_occur_in_indexed_text() -> None:
    missing = [
        (r["id"], c[:60])
        for r in rows("questions.jsonl")
        for c in r["reference_contexts"]
        if norm(c) not in indexed(r["source"])
    ]
    assert not missing


def test_reference_contexts_match_their_own_text() -> None:
    # eval/retrieval's 3-gram matching must find each gold passage in the indexed text's windows.
    for r in rows("questions.jsonl"):
        for c in r["reference_contexts"]:
            text = indexed(r["source"])
            i = text.index(norm(c))
            window = text[max(0, i - 300) : i + len(norm(c)) + 300]
            assert judge([window], [c]) == [0], r["id"]


def test_no_question_heading_left_in_indexed_text() -> None:
    texts = {name: indexed(name).lower() for name in ("sqlite-faq.html", "r-faq.md")}
    left = [
        (r["id"], name)
        for r in rows("questions.jsonl")
        for name, text in texts.items()
        if norm(r["user_input"]).lower() in text
    ]
    assert not left


def test_sqlite_answers_kept_in_order() -> None:
    text = indexed("sqlite-faq.html")
    positions = [
        text.index(norm(r["reference_contexts"][0]))
        for r in rows("questions.jsonl")
        if r["source"] == "sqlite-faq.html"
    ]
    assert positions == sorted(positions)


def test_readme_names_sources_and_licences() -> None:
    readme = (FAQ / "README.md").read_text(encoding="utf-8")
    for needle in ("sqlite3-doc", "r-doc-pdf", "public domain", "GPL", "faq.html", "R-FAQ.pdf"):
        assert needle in readme


def test_build_check_accepts_the_set_and_catches_a_leak(tmp_path: Path) -> None:
    data = rows("questions.jsonl")
    check(data, DOCS, [])
    leaky = tmp_path / "docs"
    leaky.mkdir()
    (leaky / "sqlite-faq.html").write_text((DOCS / "sqlite-faq.html").read_text(encoding="utf-8"))
    (leaky / "r-faq.md").write_text(
        (DOCS / "r-faq.md").read_text(encoding="utf-8") + "\n" + data[-1]["user_input"] + "\n"
    )
    with pytest.raises(AssertionError):
        check(data, leaky, [])


def test_question_headings_are_the_question_like_section_titles() -> None:
    entries = [("1", "Introduction"), ("1.1", "Legalese"), ("2.1", "What is R?"),
               ("2.2", "Installing R on Unix"), ("7.4", "How can I get eval() and D() to work?"),
               ("7.5", "Tips for the impatient?")]  # fmt: skip
    assert question_headings(entries) == [
        "What is R?",
        "How can I get eval() and D() to work?",
        "Tips for the impatient?",
    ]
