"""Retrieval metrics without an LLM: recall@k, MRR@10 and nDCG@10 against gold passages.

Gold passages (``reference_contexts``) are text, not chunk ids: the user's chunking, or another
embedder's collection, cuts documents at other boundaries. A retrieved chunk therefore *matches*
a reference when enough of their word 3-grams are shared, measured against the smaller of the
two, so a chunk inside a long reference matches, a short reference inside a chunk matches, and
a chunk straddling a reference's boundary matches when at least ``threshold`` of the smaller side
is shared.

>>> ref = "SQLite is a C-language library that implements a small, fast, self-contained SQL database engine."
>>> matches("Intro. SQLite is a C-language library that implements a small, fast, self-contained SQL engine.", ref)
True
>>> score([["unrelated text about cooking pasta", ref]], [[ref]], ks=(1, 5))["recall@1"]
0.0
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

_WORD = re.compile(
    r"[0-9a-z\u00c0-\u024f\u0370-\u03ff\u0400-\u04ff]+|[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]", re.I
)

THRESHOLD = 0.4
MIN_SHARED = 3


def tokens(text: str) -> list[str]:
    """Lower-cased words; every CJK character is a token of its own."""
    return [t.lower() for t in _WORD.findall(text)]


def shingles(text: str, n: int = 3) -> set[tuple[str, ...]]:
    toks = tokens(text)
    if len(toks) < n:
        return {tuple(toks)} if toks else set()
    return {tuple(toks[i : i + n]) for i in range(len(toks) - n + 1)}


def overlap(a: str, b: str) -> float:
    """Shared 3-grams over the smaller side's 3-grams (0..1)."""
    sa, sb = shingles(a), shingles(b)
    if not sa or not sb:
        return 0.0
    shared = len(sa & sb)
    smaller = min(len(sa), len(sb))
    if shared < min(MIN_SHARED, smaller):
        return 0.0
    return shared / smaller


def matches(retrieved: str, reference: str, threshold: float = THRESHOLD) -> bool:
    return overlap(retrieved, reference) >= threshold


def judge(retrieved: Sequence[str], references: Sequence[str], threshold: float = THRESHOLD) -> list[int]:
    """For each retrieved passage, the index of the first reference it matches, or -1."""
    ref_sh = [shingles(r) for r in references]
    out = []
    for text in retrieved:
        s = shingles(text)
        hit = -1
        for j, rs in enumerate(ref_sh):
            if not s or not rs:
                continue
            shared = len(s & rs)
            smaller = min(len(s), len(rs))
            if shared >= min(MIN_SHARED, smaller) and shared / smaller >= threshold:
                hit = j
                break
        out.append(hit)
    return out


def question_scores(
    retrieved: Sequence[str], references: Sequence[str], ks: Sequence[int] = (1, 5, 10)
) -> dict[str, float]:
    """Metrics for one question. ``references`` must be non-empty.

    - recall@k: share of references matched by any of the top k;
    - mrr@10: 1 / rank of the first matching passage within the top 10 (0 if none);
    - ndcg@10: binary gains, each reference counted once (a second chunk of an already
      found reference gains nothing), ideal = min(len(references), 10) hits at the top.
    """
    hits = judge(retrieved, references)
    out: dict[str, float] = {}
    for k in ks:
        found = {h for h in hits[:k] if h >= 0}
        out[f"recall@{k}"] = len(found) / len(references)
    rr = 0.0
    for rank, h in enumerate(hits[:10], start=1):
        if h >= 0:
            rr = 1.0 / rank
            break
    out["mrr@10"] = rr
    seen: set[int] = set()
    dcg = 0.0
    for rank, h in enumerate(hits[:10], start=1):
        if h >= 0 and h not in seen:
            seen.add(h)
            dcg += 1.0 / math.log2(rank + 1)
    ideal = sum(1.0 / math.log2(r + 1) for r in range(1, min(len(references), 10) + 1))
    out["ndcg@10"] = dcg / ideal if ideal else 0.0
    return out


def score(
    retrieved: Sequence[Sequence[str]],
    references: Sequence[Sequence[str]],
    ks: Sequence[int] = (1, 5, 10),
) -> dict[str, float]:
    """Mean of :func:`question_scores` over questions that have references (others are skipped)."""
    rows = [question_scores(r, g, ks) for r, g in zip(retrieved, references, strict=True) if g]
    if not rows:
        return {}
    return {key: sum(row[key] for row in rows) / len(rows) for key in rows[0]}
