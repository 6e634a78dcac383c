"""Tables in PDF text: found in pypdf's layout text (characters placed on a grid, so columns line
up) and written as one "a | b | c" line per row, like the DOCX, PPTX and HTML loaders write
theirs, so the chunker repeats the header row in each chunk of a long table.

A table is at least three consecutive lines that each split, at runs of two or more spaces, into
the same columns at the same positions, with short cells. Justified prose (gaps at random places)
and two-column pages (long cells) do not qualify; a page without a table keeps its plain text.

>>> rebuild("Name    Size\\nalpha   1 kg\\nbeta    22 kg\\n\\nSome prose.")
'Name | Size\\nalpha | 1 kg\\nbeta | 22 kg\\n\\nSome prose.'
"""

from __future__ import annotations

import re

_CELL = re.compile(r"\S+(?: \S+)*")  # words separated by single spaces; 2+ spaces end a cell
MIN_ROWS = 3
MAX_CELL = 40  # characters: longer "cells" are prose (a column of a two-column page)
SLACK = 2  # characters a column's start may wander between rows


def _cells(line: str) -> list[tuple[int, str]]:
    return [(m.start(), m.group()) for m in _CELL.finditer(line)]


def _row_like(cells: list[tuple[int, str]]) -> bool:
    return len(cells) >= 2 and all(len(text) <= MAX_CELL for _, text in cells)


def _columns(rows: list[list[tuple[int, str]]]) -> list[int] | None:
    """The column starts most rows share, or None when the rows do not line up."""
    widest = max(len(r) for r in rows)
    full = [r for r in rows if len(r) == widest]
    if len(full) * 2 < len(rows) or widest < 2:
        return None
    starts = [s for s, _ in full[0]]
    for r in full:
        if any(abs(s - c) > SLACK for (s, _), c in zip(r, starts, strict=True)):
            return None
    return starts


def _table(rows: list[list[tuple[int, str]]], starts: list[int]) -> list[str]:
    out = []
    for r in rows:
        cells = [""] * len(starts)
        for s, text in r:
            col = min(range(len(starts)), key=lambda i: abs(starts[i] - s))
            cells[col] = f"{cells[col]} {text}".strip()
        out.append(" | ".join(cells))
    return out


def rebuild(layout: str) -> str | None:
    """The page's text with its tables as "a | b" rows, or None when it has no table."""
    lines = layout.splitlines()
    out: list[str] = []
    found = False
    i = 0
    while i < len(lines):
        run: list[list[tuple[int, str]]] = []
        j = i
        while j < len(lines) and _row_like(cells := _cells(lines[j])):
            run.append(cells)
            j += 1
        starts = _columns(run) if len(run) >= MIN_ROWS else None
        if starts is not None:
            found = True
            out.extend(["", *_table(run, starts), ""])
            i = j
            continue
        out.append(" ".join(lines[i].split()))
        i += 1
    if not found:
        return None
    return re.sub(r"\n{3,}", "\n\n", "\n".join(out)).strip("\n")
