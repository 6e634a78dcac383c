"""Structure-aware chunking inside a token budget measured by the embedder's own tokenizer.

Sections (pages, slides, heading blocks) come from the loaders and are never merged, so each
chunk keeps one page and one heading path. Inside a section:

- fenced code blocks and table/row lines are packed line by line, whole lines kept together;
- prose is split into sentences (CJK sentence punctuation 。！？； too, no spaces needed) and
  packed up to the budget with a configurable overlap.

The heading path is prepended to the text that gets embedded, so its tokens come out of the
budget: no chunk the embedder reads is ever longer than the embedder's limit.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sized
from dataclasses import dataclass

from ingest.loaders.base import LoadedDocument

_FENCE = re.compile(r"^(```|~~~)")
_CJK_END = re.compile(r"(?<=[。！？；!?])")
_ROW = re.compile(r"^\s*(\|.*\||[^|]+(\s\|\s[^|]+){1,}|[^:;]{1,60}: [^;]*(; [^:;]{1,60}: [^;]*)+)\s*$")


@dataclass
class Chunk:
    """A piece of one section, small enough for the embedder, with where it came from."""

    text: str
    page: int | None
    heading: str
    index: int
    embed_heading: str | None = None  # the heading path as embedded (shortened if very long)
    ocr: bool = False  # read by OCR (from its section)

    @property
    def embed_text(self) -> str:
        """What the embedder reads: the heading path, then the chunk."""
        heading = self.heading if self.embed_heading is None else self.embed_heading
        return f"{heading}\n{self.text}" if heading else self.text


def effective_chunk_size(
    requested: int, embedder_limit: int | None, prefix_tokens: int = 0
) -> tuple[int, str | None]:
    """The budget actually used, and a warning when the config asked for more than the embedder reads."""
    if embedder_limit is None:
        return requested, None
    # [CLS]/[SEP] and the passage prefix also count against the encoder's limit.
    limit = max(16, embedder_limit - 2 - prefix_tokens)
    if requested > limit:
        return limit, (
            f"chunking.chunk_size {requested} exceeds what the embedder reads ({embedder_limit} tokens); "
            f"using {limit} so no chunk is silently truncated."
        )
    return requested, None


def split_sentences(text: str) -> list[str]:
    """Sentences, keeping their punctuation and spacing; CJK punctuation ends a sentence too."""
    from llama_index.core.node_parser.text.utils import split_by_sentence_tokenizer

    english = split_by_sentence_tokenizer()  # NLTK's punkt, loaded once by llama-index
    out: list[str] = []
    for piece in _CJK_END.split(text):
        if piece:
            out.extend(s for s in english(piece) if s)
    return out


def _segments(text: str) -> list[tuple[str, str]]:
    """Split a section into ("code" | "rows" | "prose", text) runs."""
    segs: list[tuple[str, list[str]]] = []
    in_code = False
    for line in text.splitlines():
        if _FENCE.match(line.strip()):
            if not in_code:
                segs.append(("code", [line]))
                in_code = True
            else:
                segs[-1][1].append(line)
                in_code = False
            continue
        if in_code:
            segs[-1][1].append(line)
            continue
        kind = "rows" if _ROW.match(line) else "prose"
        if segs and segs[-1][0] == kind:
            segs[-1][1].append(line)
        else:
            segs.append((kind, [line]))
    return [(kind, "\n".join(lines)) for kind, lines in segs if "\n".join(lines).strip()]


class Chunker:
    """Splits documents into chunks of at most ``chunk_size`` tokens as ``tokenizer`` counts them
    (the heading path included), consecutive chunks sharing up to ``chunk_overlap`` tokens."""

    def __init__(self, chunk_size: int, chunk_overlap: int, tokenizer: Callable[[str], Sized]) -> None:
        self.chunk_size = chunk_size
        self.overlap = min(chunk_overlap, chunk_size // 2)
        self.tokens = lambda text: len(tokenizer(text))

    def split(self, doc: LoadedDocument) -> list[Chunk]:
        """The chunks of every section in order, numbered from 0; blank sections give none."""
        chunks: list[Chunk] = []
        for section in doc.sections:
            heading = self._short_heading(section.heading)
            heading_cost = self.tokens(heading + "\n") if heading else 0
            budget = max(16, self.chunk_size - heading_cost)
            for piece in self._split_section(section.text, budget):
                if piece.strip():
                    chunks.append(
                        Chunk(piece.strip(), section.page, section.heading, len(chunks), heading, section.ocr)
                    )
        return chunks

    def _short_heading(self, heading: str) -> str:
        """The heading path to embed, at most half the budget: innermost headings are kept."""
        limit = self.chunk_size // 2
        parts = heading.split(" > ") if heading else []
        while parts and self.tokens(" > ".join(parts) + "\n") > limit:
            if len(parts) > 1:
                parts.pop(0)
            else:
                words = parts[0].split()
                parts = [" ".join(words[: max(1, len(words) // 2)])] if len(words) > 1 else [parts[0][:limit]]
                if len(words) <= 1:
                    break
        return " > ".join(parts)

    def _split_section(self, text: str, budget: int) -> list[str]:
        if self.tokens(text) <= budget:
            return [text]
        units: list[tuple[str, str]] = []  # (joiner, text) small enough to pack
        for kind, seg in _segments(text):
            if kind == "prose":
                for paragraph in re.split(r"\n\s*\n", seg):
                    for i, sentence in enumerate(split_sentences(paragraph.strip())):
                        units.extend(
                            ("\n\n" if i == 0 else " ", u) for u in self._fit(sentence.strip(), budget)
                        )
            elif kind == "code" and self.tokens(seg) <= budget:
                units.append(("\n\n", seg))  # a code block that fits stays whole
            else:
                # Table rows and long code blocks: whole lines, never a line cut in two if it fits.
                lines = [u for line in seg.splitlines() for u in self._fit(line, budget)]
                units.extend(("\n\n" if i == 0 else "\n", line) for i, line in enumerate(lines))
        return self._pack(units, budget)

    def _fit(self, unit: str, budget: int) -> list[str]:
        """A unit that alone exceeds the budget is cut at word (or character) boundaries."""
        if not unit or self.tokens(unit) <= budget:
            return [unit] if unit else []
        words = unit.split(" ") if " " in unit else list(unit)
        joiner = " " if " " in unit else ""
        out, cur = [], ""
        for w in words:
            candidate = f"{cur}{joiner}{w}" if cur else w
            if self.tokens(candidate) > budget and cur:
                out.append(cur)
                cur = w
            else:
                cur = candidate
        if cur:
            out.append(cur)
        return out

    def _pack(self, units: list[tuple[str, str]], budget: int) -> list[str]:
        chunks: list[str] = []
        cur: list[tuple[str, str]] = []
        for joiner, unit in units:
            candidate = self._join([*cur, (joiner, unit)])
            if cur and self.tokens(candidate) > budget:
                chunks.append(self._join(cur))
                cur = self._overlap_tail(cur, budget - self.tokens(unit) - 1)
            cur.append((joiner, unit))
        if cur:
            chunks.append(self._join(cur))
        return chunks

    def _overlap_tail(self, units: list[tuple[str, str]], room: int) -> list[tuple[str, str]]:
        """The last whole units of the previous chunk, up to ``chunk_overlap`` tokens."""
        limit = min(self.overlap, room)
        tail: list[tuple[str, str]] = []
        for unit in reversed(units):
            if self.tokens(self._join([unit, *tail])) > limit:
                break
            tail.insert(0, unit)
        return tail

    @staticmethod
    def _join(units: list[tuple[str, str]]) -> str:
        text = ""
        for i, (joiner, unit) in enumerate(units):
            text += unit if i == 0 else joiner + unit
        return text
