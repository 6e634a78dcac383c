"""Passages cut from an FAQ answer: the gold ``reference_contexts`` and the ``reference`` answer."""

from __future__ import annotations

import re

CONTEXT_MIN_WORDS = 50  # reference_contexts: whole sentences/blocks until at least this many words
REFERENCE_MAX_WORDS = 150  # reference: the answer's start, whole sentences up to about this many words


def norm(text: str) -> str:
    """Whitespace collapsed to single spaces."""
    return " ".join(text.split())


def first_words(units: list[str], min_words: int) -> str:
    """Whole units (sentences, lines) from the start until at least ``min_words`` words."""
    out: list[str] = []
    for u in units:
        out.append(norm(u))
        if len(" ".join(out).split()) >= min_words:
            break
    return " ".join(out)


def capped(units: list[str], max_words: int) -> str:
    """Whole units from the start while they stay within ``max_words`` words (at least one)."""
    out: list[str] = []
    for u in units:
        if out and len(" ".join([*out, u]).split()) > max_words:
            break
        out.append(norm(u))
    return " ".join(out)


def sentences(text: str) -> list[str]:
    """``text`` split after ``.?!:`` where the next sentence starts with a capital or an opening quote."""
    return [s for s in re.split(r"(?<=[.?!:])\s+(?=[A-Z(‘“])", norm(text)) if s]
