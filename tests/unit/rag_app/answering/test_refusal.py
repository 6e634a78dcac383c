"""rag_app.answering.refusal: the question's language, and the refusal and prompt in it."""

from __future__ import annotations

import pytest

from rag_app.answering.prompts import INSTRUCTION, build_messages
from rag_app.answering.refusal import (
    REFUSALS,
    answer_language_instruction,
    question_language,
    refusal_message,
)


@pytest.mark.parametrize(
    ("question", "lang"),
    [("Debian 如何管理软件包？", "zh"), ("데비안은 무엇인가요?", "ko"), ("Debian とは何ですか", "ja"),
     ("What is SQLite?", "en"), ("Qu'est-ce que SQLite ?", "en"), ("?", "en")],
)  # fmt: skip
def test_question_language_and_refusal(question: str, lang: str) -> None:
    assert question_language(question) == lang
    assert refusal_message(question) == REFUSALS[lang]


def test_cjk_questions_ask_for_an_answer_in_their_language() -> None:
    assert "Korean" in answer_language_instruction("데비안은 무엇인가요?")
    assert answer_language_instruction("What is SQLite?") == ""
    user = build_messages("Debian 如何管理软件包？", [])[1]["content"]
    instruction = answer_language_instruction("Debian 如何管理软件包？")
    assert user.endswith(f"{instruction} {INSTRUCTION}")  # the language first: small models heed it more
    assert "Simplified Chinese" in user
    assert "Chinese" not in build_messages("What is SQLite?", [])[1]["content"]


def test_an_unknown_language_gets_english(monkeypatch: pytest.MonkeyPatch) -> None:
    from rag_app.answering import refusal

    assert "could not find this in your documents" in refusal_message("Why?")
    monkeypatch.delitem(refusal.REFUSALS, "ko")
    assert refusal_message("목성에는 위성이 몇 개 있나요?") == REFUSALS["en"]
