"""Which passages an answer rests on: its own [n] citations, else sentences matched to passages.

Small local models often answer correctly but forget the brackets. A sentence that repeats most
of one passage's words is attributed to that passage; such citations are reported as inferred.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_CITE = re.compile(r"\[(\d{1,3})\]")
_WORD = re.compile(r"\w{3,}", re.UNICODE)
_SENTENCE = re.compile(r"(?<=[.!?])\s+|(?<=[。！？])\s*")


def explicit_citations(answer: str, n_passages: int) -> list[int]:
    """Passage numbers (1-based) the answer cites, in order of first citation."""
    seen: list[int] = []
    for m in _CITE.finditer(answer):
        n = int(m.group(1))
        if 1 <= n <= n_passages and n not in seen:
            seen.append(n)
    return seen


def _words(text: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(text)}


def inferred_citations(answer: str, passages: Sequence[str], threshold: float = 0.6) -> list[int]:
    """Passages whose words cover at least ``threshold`` of an uncited answer sentence's words."""
    bags = [_words(p) for p in passages]
    found: list[int] = []
    for sentence in _SENTENCE.split(answer):
        if _CITE.search(sentence):
            continue
        words = _words(sentence)
        if len(words) < 3:
            continue
        best, best_cover = 0, 0.0
        for i, bag in enumerate(bags, start=1):
            cover = len(words & bag) / len(words)
            if cover > best_cover:
                best, best_cover = i, cover
        if best and best_cover >= threshold and best not in found:
            found.append(best)
    return found
