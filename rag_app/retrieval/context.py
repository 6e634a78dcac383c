"""Context assembly: ranked chunks become the passages the LLM sees.

Neighbouring chunks of one document are merged (their repeated overlap dropped), exact duplicates
removed, and the order of the best-ranked chunk kept; then the passages are fitted to the LLM's
context budget by its own token count.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

from rag_app.types import Passage


def _overlap(a: str, b: str, min_chars: int = 12) -> int:
    """Length of the longest suffix of ``a`` that is a prefix of ``b`` (at least ``min_chars``)."""
    longest = min(len(a), len(b))
    for n in range(longest, min_chars - 1, -1):
        if a.endswith(b[:n]):
            return n
    return 0


def _join(a: str, b: str) -> str:
    n = _overlap(a, b)
    if n:
        return a + b[n:]
    return a.rstrip() + "\n" + b.lstrip()


def _chunks(p: Passage) -> list[int]:
    return p.chunks or [p.chunk]


def _merge_run(run: list[Passage], best: Passage) -> Passage:
    """Consecutive chunks (document order) as one passage carrying the best-ranked member's fields."""
    text = run[0].text
    for p in run[1:]:
        text = _join(text, p.text)
    reranked = [p.rerank_score for p in run if p.rerank_score is not None]
    return replace(
        best,
        text=text,
        chunk=run[0].chunk,
        chunks=sorted({c for p in run for c in _chunks(p)}),
        heading=next((p.heading for p in run if p.heading), ""),
        score=max(p.score for p in run),
        rerank_score=max(reranked) if reranked else None,
    )


def assemble(passages: Sequence[Passage], merge_adjacent: bool = True) -> list[Passage]:
    """Ranked chunks → context passages.

    Identical texts collapse into the better-ranked one. With ``merge_adjacent``, runs of
    consecutive chunks of one document (same page, or no pages) merge into one passage placed where
    the best-ranked of them was, with the overlap repeated between neighbours stated once; the
    merged passage keeps the best scores and lists every chunk in ``chunks``.
    """
    out: list[Passage] = []
    seen_text: set[str] = set()
    for p in passages:
        key = " ".join(p.text.split())
        if key not in seen_text:
            seen_text.add(key)
            out.append(replace(p, chunks=_chunks(p)))
    if not merge_adjacent:
        return out
    rank = {id(p): i for i, p in enumerate(out)}
    groups: dict[tuple[object, ...], list[Passage]] = {}
    for p in out:
        groups.setdefault((p.doc_id, p.page) if p.doc_id else (id(p),), []).append(p)
    merged: list[tuple[int, Passage]] = []
    for members in groups.values():
        members.sort(key=lambda p: min(_chunks(p)))
        runs = [[members[0]]]
        for p in members[1:]:
            if min(_chunks(p)) == max(_chunks(runs[-1][-1])) + 1:
                runs[-1].append(p)
            else:
                runs.append([p])
        for run in runs:
            best = min(run, key=lambda m: rank[id(m)])
            merged.append((rank[id(best)], _merge_run(run, best)))
    return [p for _, p in sorted(merged, key=lambda item: item[0])]


def fit_to_budget(
    passages: Sequence[Passage], count_tokens: Callable[[str], int], budget_tokens: int
) -> list[Passage]:
    """Keep the best-ranked passages whose tokens fit ``budget_tokens``; trim the last one that half-fits.

    Each passage is counted once. The one that half-fits is cut at the share of its characters
    that its share of tokens allows, then re-counted and cut again only while it is still too long
    (at most a few counts, never a search over lengths: counting may be an HTTP call).
    """
    kept: list[Passage] = []
    used = 0
    for p in passages:
        n = count_tokens(p.text) + 12  # the "<source id=... file=...>" label
        if used + n <= budget_tokens:
            kept.append(p)
            used += n
            continue
        room = budget_tokens - used - 12
        if room >= 64:
            text, tokens = p.text, n - 12
            for _ in range(4):
                cut = int(len(text) * room / max(tokens, 1) * 0.95)
                text = text[:cut]
                tokens = count_tokens(text)
                if tokens <= room:
                    break
            else:
                text = ""
            if text.strip():
                kept.append(replace(p, text=text.rstrip() + " ..."))
        break
    return kept
