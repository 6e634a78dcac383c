"""Sentence-level evidence: each answer sentence tied to the passage span that supports it, or not.

No extra model and no LLM call: the embedder the pipeline already has compares each answer
sentence (its ``[n]`` markers stripped) with every sentence, and every pair of neighbouring
sentences, of the passages the LLM was given; word overlap is weighed in beside the cosine. Two
cheap checks catch what embeddings miss, because a contradiction often reads like its original:

- a number in the sentence that appears nowhere in the passage ("100.000 Kelvin", "7 moons");
- a negation (not, never, no, cannot, without...) on one side only ("do not use SQLite for
  websites" against "SQLite works great for websites");
- a name (a capitalised word inside the sentence) that the passage never mentions.

>>> g = Grounder(embedder).ground("SQLite stores a database in one file [1].", [passage_text])  # doctest: +SKIP
>>> g.as_dict()["sentences"][0]["span"]                                                          # doctest: +SKIP
[0, 57]
"""

from __future__ import annotations

import itertools
import re
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from rag_app.answering.citations import CITATION, cited_numbers
from rag_app.answering.sentences import Span, sentence_spans
from rag_app.components.embedders import Embedder

# Weights and threshold measured on the selftest's planted pairs and judged dev-set answers
# (docs/EVAL.md, "Grounding"): cosine and word overlap count equally; a missing number or a
# one-sided negation alone pushes a verbatim-looking sentence under the threshold.
SEMANTIC_WEIGHT = 0.5
LEXICAL_WEIGHT = 0.5
NUMBER_PENALTY = 0.4
NEGATION_PENALTY = 0.4
NAME_PENALTY = 0.15  # per unknown name, at most two
THRESHOLD = 0.6
WINDOW_BONUS_NEEDED = 0.02  # a two-sentence span must beat the best single sentence by this

_STOP = {
    "a", "an", "the", "and", "or", "but", "if", "then", "than", "so", "as", "of", "in", "on", "at", "to",
    "for", "from", "by", "with", "about", "into", "over", "under", "is", "are", "was", "were", "be",
    "been", "being", "am", "do", "does", "did", "done", "has", "have", "had", "having", "it", "its",
    "this", "that", "these", "those", "there", "here", "which", "who", "whom", "whose", "what", "when",
    "where", "why", "how", "all", "any", "both", "each", "few", "more", "most", "other", "some", "such",
    "only", "own", "same", "too", "very", "can", "will", "just", "should", "would", "could", "may",
    "might", "must", "shall", "also", "i", "you", "he", "she", "we", "they", "me", "him", "her", "us",
    "them", "my", "your", "his", "our", "their", "yes", "one", "ones", "use", "used", "using", "per",
    "via", "etc", "eg", "ie", "according", "passage", "passages", "document", "documents", "context",
    "source", "sources",
}  # fmt: skip
_NEGATIONS = {
    "not", "no", "never", "none", "nothing", "neither", "nor", "cannot", "without", "nobody",
    "nowhere", "unable", "lack", "lacks", "不", "没", "無", "无", "않", "없", "못",
}  # fmt: skip
# "one" is left out: "one of", "the one that", "in one file" (single) are rarely a count.
_NUMBER_WORDS = {
    "zero": "0", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6",
    "seven": "7", "eight": "8", "nine": "9", "ten": "10", "eleven": "11", "twelve": "12",
}  # fmt: skip
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")
_TOKEN = re.compile(r"[^\W_]+(?:['’][a-z]+)?", re.UNICODE)
_NUMBER = re.compile(r"\d+(?:[.,^]\d+)*")  # 2^48 is one number, not a 2


def _stem(word: str) -> str:
    for suffix, repl in (("ies", "y"), ("sses", "ss"), ("ing", ""), ("ed", ""), ("es", ""), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: len(word) - len(suffix)] + repl
    return word


def _tokens(text: str) -> set[str]:
    """Content-word stems (CJK text: character bigrams), without stop words or numbers."""
    out: set[str] = set()
    for raw in _TOKEN.findall(text.lower()):
        if _CJK.search(raw):
            chars = [c for c in raw if not c.isspace()]
            out.update(a + b for a, b in itertools.pairwise(chars))
            if len(chars) == 1:
                out.add(chars[0])
            continue
        word = raw.replace("’", "'").split("'")[0]
        if word in _STOP or word.isdigit() or len(word) < 2:
            continue
        out.add(_stem(word))
    return out


def _numbers(text: str) -> set[str]:
    found = {re.sub(r"[.,]", "", n) for n in _NUMBER.findall(text)}
    found |= {_NUMBER_WORDS[w] for w in re.findall(r"[a-z]+", text.lower()) if w in _NUMBER_WORDS}
    return found


def _negated(text: str) -> bool:
    lower = text.lower()
    if "n't" in lower or "n’t" in lower:
        return True
    words = set(re.findall(r"[^\W\d_]+", lower))
    return bool(words & _NEGATIONS) or any(n in lower for n in ("不", "没", "않", "없"))


def _names(text: str) -> set[str]:
    """Capitalised words after the first word (likely names), lower-cased."""
    words = _TOKEN.findall(text)
    return {w.lower() for w in words[1:] if w[:1].isupper() and w.lower() not in _STOP and len(w) > 1}


@dataclass
class SentenceEvidence:
    """One answer sentence: supported by ``passage`` (1-based) at ``span`` of its text, or not."""

    text: str
    supported: bool
    passage: int | None
    span: Span | None
    score: float
    start: int = 0  # where the sentence is in the answer (for rendering; not in the JSON)
    end: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "supported": self.supported,
            "passage": self.passage,
            "span": list(self.span) if self.span else None,
            "score": round(self.score, 3),
        }


@dataclass
class Grounding:
    """Every sentence of an answer with its evidence; ``supported_share`` of them supported."""

    sentences: list[SentenceEvidence] = field(default_factory=list)

    @property
    def supported_share(self) -> float:
        if not self.sentences:
            return 0.0
        return sum(s.supported for s in self.sentences) / len(self.sentences)

    def as_dict(self) -> dict[str, Any]:
        return {
            "sentences": [s.as_dict() for s in self.sentences],
            "supported_share": round(self.supported_share, 3),
        }


@dataclass
class _Unit:
    """A passage sentence, or two neighbouring ones (``parts``: their texts): where evidence can be."""

    passage: int
    span: Span
    parts: tuple[str, ...]
    part_tokens: tuple[set[str], ...]
    part_negated: tuple[bool, ...]

    @property
    def window(self) -> bool:
        return len(self.parts) > 1

    @property
    def tokens(self) -> set[str]:
        return set().union(*self.part_tokens)

    def negated_for(self, claim_tokens: set[str]) -> bool:
        """Whether the part that carries the claim (most shared words) is negated."""
        best = max(range(len(self.parts)), key=lambda i: len(claim_tokens & self.part_tokens[i]))
        return self.part_negated[best]


@dataclass
class _Passages:
    """What the scoring needs from the passages, computed once per answer."""

    units: list[_Unit]
    words: list[set[str]]  # per passage: its content stems and lower-cased words
    numbers: list[set[str]]  # per passage: the numbers it mentions


def _passages(passages: Sequence[str]) -> _Passages:
    units: list[_Unit] = []
    for i, text in enumerate(passages, start=1):
        singles = []
        for s, e in sentence_spans(text):
            piece = text[s:e]
            singles.append(_Unit(i, (s, e), (piece,), (_tokens(piece),), (_negated(piece),)))
        units += singles
        for a, b in itertools.pairwise(singles):
            units.append(
                _Unit(i, (a.span[0], b.span[1]), a.parts + b.parts, a.part_tokens + b.part_tokens,
                      a.part_negated + b.part_negated)
            )  # fmt: skip
    words = [_tokens(p) | {n.lower() for n in _TOKEN.findall(p)} for p in passages]
    return _Passages(units, words, [_numbers(p) for p in passages])


class Grounder:
    """Finds the evidence of each answer sentence in the passages, with the pipeline's embedder.

    Only the passage spans that share the most words with a sentence are embedded (``candidates``
    per sentence): a span with little word overlap cannot reach the threshold whatever its cosine,
    so this loses nothing and keeps grounding to tens of milliseconds. Sentence vectors are cached
    (least recently used, ``cache_size``), so passages that come back in the next answer of a
    conversation are not embedded again.
    """

    def __init__(
        self, embedder: Embedder, threshold: float = THRESHOLD, candidates: int = 4, cache_size: int = 4096
    ) -> None:
        self._embedder = embedder
        self.threshold = threshold
        self.candidates = candidates
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_size = cache_size

    def _vectors(self, texts: Sequence[str]) -> dict[str, np.ndarray]:
        """Unit vectors of ``texts`` (the first 400 characters of each), from the cache where possible."""
        todo = list(dict.fromkeys(t for t in texts if t not in self._cache))
        if todo:
            for text, vec in zip(todo, self._embedder.embed_passages([t[:400] for t in todo]), strict=True):
                v = np.asarray(vec, dtype=np.float32)
                self._cache[text] = v / (float(np.linalg.norm(v)) or 1.0)
        out = {}
        for t in texts:
            self._cache.move_to_end(t)
            out[t] = self._cache[t]
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return out

    def ground(self, answer: str, passages: Sequence[str]) -> Grounding:
        """Each sentence of ``answer`` against ``passages`` (their texts, numbered from 1)."""
        spans = sentence_spans(answer)
        claims = [CITATION.sub("", answer[s:e]).strip() for s, e in spans]
        ctx = _passages(passages)
        # Per sentence, the spans sharing most of its words: the only ones worth a cosine (a span
        # sharing none scores at most SEMANTIC_WEIGHT, under the threshold, whatever its cosine).
        shortlists: list[list[_Unit]] = []
        for claim in claims:
            toks = _tokens(claim)
            overlap = {id(u): len(toks & u.tokens) for u in ctx.units}
            ranked = sorted((u for u in ctx.units if overlap[id(u)]), key=lambda u: -overlap[id(u)])
            shortlists.append(ranked[: self.candidates] + [u for u in ranked if u.window][:2])
        needed = [*claims, *(part for units in shortlists for u in units for part in u.parts)]
        vectors = self._vectors(needed) if needed else {}
        out = Grounding()
        for (s, e), claim, units in zip(spans, claims, shortlists, strict=True):
            cited = set(cited_numbers(answer[s:e]))
            best: tuple[float, _Unit] | None = None
            best_cited: tuple[float, _Unit] | None = None
            for unit in units:
                v = sum((vectors[part] for part in unit.parts), np.zeros_like(vectors[claim]))
                sim = float(v @ vectors[claim]) / (float(np.linalg.norm(v)) or 1.0)
                score = self._score(sim, claim, unit, ctx)
                if best is None or score > best[0]:
                    best = (score, unit)
                if unit.passage in cited and (best_cited is None or score > best_cited[0]):
                    best_cited = (score, unit)
            # The passage the sentence cites, when it supports it nearly as well as the best one.
            if best_cited and best and best_cited[0] >= max(self.threshold, best[0] - 0.05):
                best = best_cited
            if best is None or best[0] < self.threshold:
                score = best[0] if best else 0.0
                out.sentences.append(SentenceEvidence(answer[s:e], False, None, None, score, s, e))
            else:
                score, unit = best
                out.sentences.append(
                    SentenceEvidence(answer[s:e], True, unit.passage, unit.span, score, s, e)
                )
        return out

    @staticmethod
    def _score(sim: float, claim: str, unit: _Unit, ctx: _Passages) -> float:
        """Cosine and word overlap, less what contradicts: a new number, a one-sided negation, new names."""
        toks = _tokens(claim)
        lexical = len(toks & unit.tokens) / len(toks) if toks else 0.0
        score = SEMANTIC_WEIGHT * sim + LEXICAL_WEIGHT * lexical
        if _numbers(claim) - ctx.numbers[unit.passage - 1]:
            score -= NUMBER_PENALTY
        if _negated(claim) != unit.negated_for(toks):
            score -= NEGATION_PENALTY
        unknown = _names(claim) - ctx.words[unit.passage - 1]
        score -= NAME_PENALTY * min(2, len(unknown))
        return score - (WINDOW_BONUS_NEEDED if unit.window else 0.0)
