"""rag_app.answering.refusal: one refusal text, chosen by the question's language."""

from __future__ import annotations

import pytest

from rag_app.answering import refusal
from rag_app.answering.refusal import question_language, refusal_text


def test_language_by_script() -> None:
    assert question_language("How many moons does Jupiter have?") == "en"
    assert question_language("木星有几颗卫星？") == "zh"
    assert question_language("木星の衛星はいくつありますか") == "ja"
    assert question_language("목성에는 위성이 몇 개 있나요?") == "ko"


def test_english_unless_the_table_has_the_language(monkeypatch: pytest.MonkeyPatch) -> None:
    assert refusal_text("Why?") == refusal.REFUSALS["en"]
    assert "could not find this in your documents" in refusal_text("Why?")
    assert refusal_text("목성에는 위성이 몇 개 있나요?") == refusal.REFUSALS["en"]  # no Korean entry yet
    monkeypatch.setitem(refusal.REFUSALS, "ko", "문서에서 찾을 수 없습니다.")
    assert refusal_text("목성에는 위성이 몇 개 있나요?") == "문서에서 찾을 수 없습니다."
