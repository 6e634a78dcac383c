"""rag_app.prompts.build_messages: numbered, labelled passages within a character budget."""

from __future__ import annotations

import re

from rag_app.answering.prompts import SYSTEM, build_messages, passage_label
from rag_app.types import Passage


def passage(source: str, text: str, page: int | None = None, heading: str = "") -> Passage:
    return Passage(source=source, page=page, chunk=0, text=text, score=1.0, heading=heading)


def context_of(messages: list[dict[str, str]]) -> str:
    user = messages[1]["content"]
    start = user.index("Context passages:\n\n") + len("Context passages:\n\n")
    end = user.index("\n\nQuestion: ")
    return user[start:end]


def test_roles_and_question() -> None:
    msgs = build_messages("What is SQLite?", [passage("/d/a.txt", "SQLite is a database.")], 4000)
    assert [m["role"] for m in msgs] == ["system", "user"]
    assert msgs[0]["content"] == SYSTEM
    assert "Question: What is SQLite?" in msgs[1]["content"]


def test_passages_are_numbered_with_file_name_and_page() -> None:
    ps = [
        passage("/home/u/docs/r-faq.pdf", "R text.", page=2),
        passage("notes/guide.md", "Guide text.", heading="Install > Linux"),
        passage("plain.txt", "Plain text."),
    ]
    ctx = context_of(build_messages("q", ps, 10_000))
    assert ctx.split("\n\n") == [
        "[1] (r-faq.pdf, page 2)\nR text.",
        "[2] (guide.md, section Install > Linux)\nGuide text.",
        "[3] (plain.txt)\nPlain text.",
    ]
    assert "/home/u/docs" not in ctx


def test_label_with_page_and_heading() -> None:
    assert passage_label(passage("a/b/c.pdf", "t", page=7, heading="Intro")) == "c.pdf, page 7, section Intro"


def test_zero_passages() -> None:
    msgs = build_messages("Anything?", [], 1000)
    assert context_of(msgs) == "(no passages found)"
    assert "[1]" not in msgs[1]["content"]


def test_budget_trims_long_passages() -> None:
    ps = [passage(f"doc{i}.txt", f"word{i} " * 400) for i in range(1, 6)]  # ~2400 chars each
    budget = 6000
    ctx = context_of(build_messages("q", ps, budget))
    assert len(ctx) <= budget + 16
    numbers = [int(n) for n in re.findall(r"^\[(\d+)\] \(", ctx, flags=re.M)]
    assert numbers == [1, 2, 3]  # best-ranked first; the rest does not fit
    assert ctx.endswith(" ...")  # the third passage was cut, visibly
    assert len(ctx) > budget - 50  # the budget is used, not wasted
    assert ctx.count("word3") < 400 and "word4" not in ctx


def test_budget_with_many_small_passages() -> None:
    ps = [passage(f"d{i}.txt", "x" * 150) for i in range(1, 41)]
    budget = 2000
    ctx = context_of(build_messages("q", ps, budget))
    assert len(ctx) <= budget + 100
    assert ctx.startswith("[1] (d1.txt)")
    assert "[2] (d2.txt)" in ctx


def test_budget_large_enough_keeps_everything_verbatim() -> None:
    ps = [passage("a.txt", "  alpha text  "), passage("b.txt", "beta text")]
    ctx = context_of(build_messages("q", ps, 10_000))
    assert ctx == "[1] (a.txt)\nalpha text\n\n[2] (b.txt)\nbeta text"
    assert "..." not in ctx


def test_tiny_remaining_room_drops_instead_of_stub() -> None:
    first = passage("a.txt", "a" * 900)
    second = passage("b.txt", "b" * 900)
    ctx = context_of(build_messages("q", [first, second], 1000))
    # less than 200 characters left for [2]: it is left out, not reduced to a useless stub
    assert "[2]" not in ctx
    assert ctx.startswith("[1] (a.txt)\n" + "a" * 100)
