"""The language a question is asked in, and the "not in your documents" message in that language.

Issue 11's refusal ("I could not find this in your documents", no LLM call) answers in the
question's language through :func:`refusal_message`; the answer prompt asks for the question's
language through :func:`answer_language_instruction`.

>>> refusal_message("데비안에서 커널을 어떻게 컴파일하나요?")
'문서에서 이 내용을 찾을 수 없습니다.'
>>> question_language("What is SQLite?")
'en'
"""

from __future__ import annotations

from rag_app.language import script_of_query

REFUSALS = {
    "en": "I could not find this in your documents.",
    "zh": "我在您的文档中没有找到这方面的内容。",
    "ko": "문서에서 이 내용을 찾을 수 없습니다.",
    "ja": "ドキュメントの中にこの内容は見つかりませんでした。",
}
_INSTRUCTIONS = {
    "zh": "Write the answer in Simplified Chinese (简体中文), the language of the question.",
    "ko": "Write the answer in Korean (한국어), the language of the question.",
    "ja": "Write the answer in Japanese (日本語), the language of the question.",
}
_BY_SCRIPT = {"han": "zh", "hangul": "ko", "kana": "ja"}


def question_language(question: str) -> str:
    """``zh``, ``ko`` or ``ja`` when the question is written in that script, else ``en``.

    By script, so it is reliable on a few words; other alphabets fall back to English here.
    """
    return _BY_SCRIPT.get(script_of_query(question) or "", "en")


def refusal_message(question: str) -> str:
    """ "I could not find this in your documents", in the question's language (English by default)."""
    return REFUSALS.get(question_language(question), REFUSALS["en"])


def answer_language_instruction(question: str) -> str:
    """A sentence for the prompt that asks small models to answer in a CJK question's language
    (they tend to answer in English otherwise); empty for other questions."""
    return _INSTRUCTIONS.get(question_language(question), "")
