"""Sentence spans in answers and passages, for grounding: Latin and CJK punctuation, lists, citations.

Each sentence is a ``(start, end)`` character span of the original text, so evidence can point
at the exact characters of a passage. Rules:

- a sentence ends at ``.``, ``!`` or ``?`` followed by whitespace (not after ``e.g.``, ``i.e.``,
  ``etc.``, ``vs.``, titles or a single initial), or at ``。！？`` (no space needed: Chinese,
  Japanese; Korean ends with a period and a space);
- citation markers and closing quotes/brackets after the punctuation stay with their sentence:
  ``It is fast. [1] It is small.`` is ``It is fast. [1]`` + ``It is small.``;
- a blank line always ends a sentence; a single line break ends one when the next line starts a
  list item or heading, or the line ends with ``:`` (wrapped PDF lines stay one sentence);
- list markers (``-``, ``*``, ``•``, ``1.``) and Markdown heading marks are not part of a span.
"""

from __future__ import annotations

import re

Span = tuple[int, int]

_ABBREV = {"e.g", "i.e", "etc", "vs", "cf", "mr", "mrs", "ms", "dr", "prof", "fig", "approx", "al"}
_END = re.compile(r"[.!?]+|[。！？]+")
_CLOSERS = re.compile(r"""(?:["'”’)\]]|\s*\[\d{1,3}\])*""")
_ITEM = re.compile(r"[ \t]*(?:[-*•+]|\d{1,3}[.)]|#{1,6})[ \t]+")
_CJK_END = set("。！？")


def _breaks(text: str) -> list[int]:
    """Offsets where one sentence ends and the next may begin."""
    cuts: list[int] = []
    for m in _END.finditer(text):
        end = m.end()
        closers = _CLOSERS.match(text, end)
        if closers:
            end = closers.end()
        if m.group()[-1] in _CJK_END:
            cuts.append(end)
            continue
        if end < len(text) and not text[end].isspace():
            continue  # 3.14, v1.2, example.com
        if m.group() == ".":
            line_start = text.rfind("\n", 0, m.start()) + 1
            if text[line_start : m.start()].strip().isdigit():
                continue  # "1. " numbers a list item
            word = re.search(r"([\w.]+)$", text[: m.start()])
            token = word.group(1) if word else ""
            if token.lower() in _ABBREV or (len(token) == 1 and token.isupper()):
                continue  # "e.g. this", an initial: "R. Ihaka"
        cuts.append(end)
    for m in re.finditer(r"\n", text):
        i = m.start()
        rest = text[i + 1 :]
        if (
            rest.startswith("\n")
            or text[:i].rstrip(" \t").endswith(":")
            or _ITEM.match(rest)
            or re.match(r"[ \t]*\n", rest)
        ):
            cuts.append(i)
    return sorted(set(cuts))


def sentence_spans(text: str) -> list[Span]:
    """The sentences of ``text`` as ``(start, end)`` spans, whitespace and list markers excluded."""
    spans: list[Span] = []
    start = 0
    for cut in [*_breaks(text), len(text)]:
        if cut <= start:
            continue
        s, e = start, cut
        start = cut
        while s < e and text[s].isspace():
            s += 1
        item = _ITEM.match(text, s)
        if item and item.end() < e:
            s = item.end()
        while e > s and text[e - 1].isspace():
            e -= 1
        if s >= e:
            continue
        if not re.search(r"\w", text[s:e]):
            # Only punctuation or citation markers: they belong to the previous sentence.
            if spans:
                spans[-1] = (spans[-1][0], e)
            continue
        spans.append((s, e))
    return spans


def sentences(text: str) -> list[str]:
    """The sentences of ``text`` (see :func:`sentence_spans`)."""
    return [text[s:e] for s, e in sentence_spans(text)]
