"""Condensing a follow-up question with the chat history into a standalone search query.

Small local models often echo, answer or distort a follow-up instead of rewriting it, so a rewrite
is checked (:func:`usable_rewrite`) and replaced by a safe fallback (:func:`expand_with_history`).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence

CONDENSE_SYSTEM = (
    "Rewrite the user's follow-up question so that it can be understood without the conversation. "
    "Replace words like it, they, this, that, he, she (and 它, 他, 这个) with the thing they refer to, "
    "taken from the conversation. Keep the question's meaning, its own words and its language. "
    "Never answer it. Output only the rewritten question."
)

# One worked example: small local models follow a demonstration far better than instructions.
_CONDENSE_EXAMPLE = [
    {
        "role": "user",
        "content": "Conversation:\nUser: Who maintains the Linux kernel?\n"
        "Assistant: Linus Torvalds leads its development.\n\nFollow-up question: When did he start it?",
    },
    {"role": "assistant", "content": "When did Linus Torvalds start the Linux kernel?"},
]


def build_condense_messages(question: str, history: Sequence[dict[str, str]]) -> list[dict[str, str]]:
    """Messages asking the LLM for a standalone version of ``question`` given the chat ``history``."""
    lines = []
    for m in history:
        role = "User" if m.get("role") == "user" else "Assistant"
        text = " ".join(str(m.get("content", "")).split())
        if role == "Assistant" and len(text) > 600:
            text = text[:600] + " ..."
        lines.append(f"{role}: {text}")
    convo = "\n".join(lines)
    user = f"Conversation:\n{convo}\n\nFollow-up question: {question}"
    return [
        {"role": "system", "content": CONDENSE_SYSTEM},
        *_CONDENSE_EXAMPLE,
        {"role": "user", "content": user},
    ]


def clean_condensed(text: str, fallback: str) -> str:
    """The model's rewrite as a single line; the original question when it produced nothing usable."""
    line = ""
    for candidate in text.strip().splitlines():
        candidate = candidate.strip()
        if candidate:
            line = candidate
            break
    for prefix in ("standalone question:", "question:", "rewritten question:", "query:"):
        if line.lower().startswith(prefix):
            line = line[len(prefix) :].strip()
    line = line.strip().strip('"').strip("'").strip()
    if len(line) < 3 or len(line) > max(400, 4 * len(fallback)):
        return fallback
    return line


_STOP_WORDS = (
    "the a an and or but of to in on at for with by from is are was were be been does do did what which who "
    "whom whose when where why how it its they them their this that these those he she his her him you your "
    "i me my we our can could would should will shall may might about into than then there here also just "
    "and so not no yes any some"
)
_STOP = frozenset(_STOP_WORDS.split())
_TOKEN = re.compile(r"[0-9a-z][0-9a-z_\-']*|[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]", re.I)


def content_terms(text: str) -> set[str]:
    """Words that carry meaning (lower-cased, stop words out); CJK text as character bigrams."""
    toks = [t.lower() for t in _TOKEN.findall(text)]
    words = {t for t in toks if len(t) > 1 and t not in _STOP}
    cjk = [t for t in toks if len(t) == 1 and t >= "\u3040"]
    words |= {a + b for a, b in itertools.pairwise(cjk)}
    return words


def usable_rewrite(rewrite: str, question: str) -> bool:
    """A rewrite keeps the follow-up's meaning: most of its content terms survive, and it changed something."""
    if " ".join(rewrite.lower().split()) == " ".join(question.lower().split()):
        return False
    terms = content_terms(question)
    if not terms:
        return True
    kept = len(terms & content_terms(rewrite)) / len(terms)
    return kept >= 0.6


def expand_with_history(question: str, history: Sequence[dict[str, str]]) -> str:
    """The fallback standalone query: the follow-up plus the previous user question.

    Small local models often echo, answer or distort a follow-up instead of rewriting it; for
    retrieval the previous question supplies the missing subject just as well.
    """
    previous = [m["content"] for m in history if m.get("role") == "user" and m.get("content")]
    if not previous:
        return question
    return f"{question} ({' '.join(previous[-1].split())})"
