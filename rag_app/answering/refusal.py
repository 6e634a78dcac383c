"""The answer given instead of a guess when the documents hold nothing relevant (no LLM call).

One table, by the question's language; a language without an entry gets English. Add a language
with one line (its code, as :func:`question_language` returns it).
"""

from __future__ import annotations

import re

REFUSALS: dict[str, str] = {
    "en": "I could not find this in your documents. The closest passages are listed below.",
}

_SCRIPTS = (
    ("ko", re.compile(r"[\uac00-\ud7af]")),
    ("ja", re.compile(r"[\u3040-\u30ff]")),
    ("zh", re.compile(r"[\u4e00-\u9fff]")),
)


def question_language(question: str) -> str:
    """``ko``, ``ja`` or ``zh`` by the script the question is written in, else ``en``."""
    for code, script in _SCRIPTS:
        if script.search(question):
            return code
    return "en"


def refusal_text(question: str) -> str:
    """The refusal in the question's language (English when there is no translation)."""
    return REFUSALS.get(question_language(question), REFUSALS["en"])
