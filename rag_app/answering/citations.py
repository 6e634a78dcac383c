"""The ``[n]`` citation markers an answer writes itself.

Which passage *supports* each sentence is :mod:`rag_app.answering.grounding`'s job; this module
only reads the markers (and strips them before a sentence is compared with the passages).
"""

from __future__ import annotations

import re

CITATION = re.compile(r"\s*\[(\d{1,3})\]")


def cited_numbers(text: str) -> list[int]:
    """Every ``[n]`` in ``text``, in order (repeats kept, no range check)."""
    return [int(m.group(1)) for m in CITATION.finditer(text)]


def explicit_citations(answer: str, n_passages: int) -> list[int]:
    """Passage numbers (1-based) the answer cites, in order of first citation."""
    seen: list[int] = []
    for n in cited_numbers(answer):
        if 1 <= n <= n_passages and n not in seen:
            seen.append(n)
    return seen
