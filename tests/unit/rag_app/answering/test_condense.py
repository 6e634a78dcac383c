"""Condensing follow-ups: the prompt, cleaning the reply, trusting it or falling back (no models)."""

from __future__ import annotations

import pytest

from rag_app.answering.condense import (
    build_condense_messages,
    clean_condensed,
    content_terms,
    expand_with_history,
    usable_rewrite,
)


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
