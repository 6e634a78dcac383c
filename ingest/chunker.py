"""Structure-aware chunking inside a token budget measured by the embedder's own tokenizer.

Sections (pages, slides, heading blocks) come from the loaders and are never merged, so each
chunk keeps one page and one heading path. Inside a section:

- fenced code blocks and table/row lines are packed line by line, whole lines kept together; a
  table ("a | b" rows, as the DOCX, PPTX and HTML loaders write them, or Markdown's) that spans
  several chunks repeats its header row at the top of each, so every chunk of rows says what
  its columns are;
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
_PIPE_ROW = re.compile(r"^\s*(\|.*\||[^|]+(\s\|\s[^|]*){1,})\s*$")  # a table row: "a | b" or "| a | b |"
_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")
_Unit = tuple[str, str, str]  # (joiner before it, text, the header of the table it is a row of, or "")
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
        units: list[_Unit] = []  # (joiner, text, table header) small enough to pack
        for kind, seg in _segments(text):
            if kind == "prose":
                for paragraph in re.split(r"\n\s*\n", seg):
                    for i, sentence in enumerate(split_sentences(paragraph.strip())):
                        units.extend(
                            ("\n\n" if i == 0 else " ", u, "") for u in self._fit(sentence.strip(), budget)
                        )
            elif kind == "code" and self.tokens(seg) <= budget:
                units.append(("\n\n", seg, ""))  # a code block that fits stays whole
            else:
                units.extend(self._row_units(seg, budget))
        return self._pack(units, budget)

    def _row_units(self, seg: str, budget: int) -> list[_Unit]:
        """Table rows and long code blocks: whole lines, never a line cut in two if it fits. A table
        ("a | b" rows) carries its header row, which starts every chunk its rows continue in."""
        lines = seg.splitlines()
        header = ""
        if _PIPE_ROW.match(lines[0]) and len(lines) > 1:
            n = 2 if _SEPARATOR.match(lines[1]) else 1  # a Markdown table's |---| line goes with it
            header = "\n".join(lines[:n])
            if self.tokens(header) > budget // 2:
                header = ""  # a header that big would crowd out the rows: not repeated
        room = budget - (self.tokens(header) + 1 if header else 0)
        units: list[_Unit] = []
        for i, line in enumerate(lines):
            in_header = bool(header) and i < header.count("\n") + 1
            for u in self._fit(line, budget if in_header else room):
                units.append(("\n\n" if not units else "\n", u, "" if in_header else header))
        return units

    def _fit(self, unit: str, budget: int) -> list[str]:
        """A unit that alone exceeds the budget is cut into pieces that fit: at whitespace where the
        piece allows, else inside a word (a URL, base64, CJK without punctuation).

        Each cut is estimated from the tokens of a prefix (tokens grow about linearly with the
        characters) and shrunk until it fits: a few tokenizer calls per piece whatever the text
        looks like. Packing word by word or character by character took minutes for 100 KB of
        text without spaces, outside the loader's time limit.
        """
        out: list[str] = []
        rest = unit
        while rest:
            window = min(len(rest), budget * 4)
            n = self.tokens(rest[:window])
            while n <= budget and window < len(rest) and window < budget * 64:
                window = min(len(rest), window * 2)
                n = self.tokens(rest[:window])
            if n <= budget:
                cut = window
            else:
                cut = max(1, window * budget // n)
                while cut > 1 and self.tokens(rest[:cut]) > budget:
                    cut = max(1, cut * 9 // 10)
            if cut < len(rest):
                space = max(rest.rfind(" ", 0, cut + 1), rest.rfind("\n", 0, cut + 1))
                if space > cut // 2:  # a word boundary that keeps most of the piece
                    cut = space
            piece = rest[:cut].rstrip()
            if piece:
                out.append(piece)
            rest = rest[cut:].lstrip()
        return out

    def _pack(self, units: list[_Unit], budget: int) -> list[str]:
        chunks: list[str] = []
        cur: list[_Unit] = []
        for unit in units:
            candidate = self._join([*cur, unit])
            if cur and self.tokens(candidate) > budget:
                chunks.append(self._join(cur))
                header = unit[2]
                if header:  # a table continues: its header first, instead of an overlap
                    cur = [("", header, "")]
                else:
                    cur = self._overlap_tail(cur, budget - self.tokens(unit[1]) - 1)
            cur.append(unit)
        if cur:
            chunks.append(self._join(cur))
        return chunks

    def _overlap_tail(self, units: list[_Unit], room: int) -> list[_Unit]:
        """The last whole units of the previous chunk, up to ``chunk_overlap`` tokens."""
        limit = min(self.overlap, room)
        tail: list[_Unit] = []
        for unit in reversed(units):
            if self.tokens(self._join([unit, *tail])) > limit:
                break
            tail.insert(0, unit)
        return tail

    @staticmethod
    def _join(units: list[_Unit]) -> str:
        text = ""
        for i, (joiner, unit, _) in enumerate(units):
            text += unit if i == 0 else joiner + unit
        return text
