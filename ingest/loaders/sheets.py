"""Spreadsheets, whatever the format: rows (streamed) become sections of "Header: value; ..." lines.

One document per workbook; each sheet is a page (its number) with its name as the heading. The
header is the first row with several values (single-value rows above it, a title, go first as
text); merged header cells spanning rows make a multi-row header ("Sales / Q1"), and a merged
cell's value fills every cell it covers, in the header and in the data. Formulas give their
cached values (the readers pass those). Rows are consumed one at a time, so a huge sheet never
sits in memory as a grid.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from ingest.loaders.base import Section
from ingest.loaders.tabular import ROWS_PER_SECTION, row_line

MAX_COLUMNS = 1024  # wider rows are cut (a sheet with values past column AMJ is not a table)


@dataclass
class Merge:
    """A merged range, 1-based and inclusive; its value is the top-left cell's."""

    min_row: int
    min_col: int
    max_row: int
    max_col: int
    value: str = ""


@dataclass
class Row:
    number: int  # 1-based row number in the sheet
    values: list[str]  # formatted cell values from column 1, "" where empty
    merges: list[Merge] = field(default_factory=list)  # merged ranges whose top-left is in this row


def cell_text(value: object) -> str:
    """A cell's value as text: numbers without a spurious ``.0``, dates in ISO form, booleans as TRUE/FALSE."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else format(value, ".12g")
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return " ".join(str(value).split())


class _MergeFill:
    """Fills the cells a merged range covers with its top-left value, as rows stream by."""

    def __init__(self) -> None:
        self.active: list[Merge] = []

    def apply(self, row: Row) -> list[str]:
        values = row.values[:MAX_COLUMNS]
        for m in row.merges:
            m.value = values[m.min_col - 1] if m.min_col <= len(values) else ""
            self.active.append(m)
        self.active = [m for m in self.active if m.max_row >= row.number]
        for m in self.active:
            if m.min_row <= row.number and m.value:
                last = min(m.max_col, MAX_COLUMNS)
                if len(values) < last:
                    values = values + [""] * (last - len(values))
                for col in range(m.min_col, last + 1):
                    if not values[col - 1]:
                        values[col - 1] = m.value
        return values


def _header_names(block: list[list[str]]) -> list[str]:
    width = max(len(r) for r in block)
    names = []
    for col in range(width):
        parts: list[str] = []
        for r in block:
            v = r[col] if col < len(r) else ""
            if v and v not in parts:
                parts.append(v)
        names.append(" / ".join(parts) or f"column {col + 1}")
    return names


def sheet_sections(name: str, number: int, rows: Iterable[Row]) -> Iterator[Section]:
    """The sections of one sheet: the rows as "Header: value; ..." lines, at most 50 per section."""
    fill = _MergeFill()
    preamble: list[str] = []
    header_block: list[list[str]] = []
    header_end = 0  # last row of the header (a merge starting in it may reach further down)
    header: list[str] | None = None
    lines: list[str] = []
    for row in rows:
        values = fill.apply(row)
        nonempty = [v for v in values if v]
        if header is None:
            if not nonempty and not header_block:
                continue
            if not header_block and len(set(nonempty)) == 1:
                preamble.append(nonempty[0])  # a title above the table (merged across it or not)
                if len(preamble) >= ROWS_PER_SECTION:  # a one-column sheet: no header to wait for
                    yield Section("\n".join(preamble), page=number, heading=name)
                    preamble = []
                continue
            if not header_block:
                header_end = row.number
            if row.number <= header_end:
                header_block.append(values)
                header_end = max([header_end, *(m.max_row for m in row.merges)])
                continue
            header = _header_names(header_block)
        if nonempty:
            lines.append(row_line(header, values))
        if len(lines) >= ROWS_PER_SECTION:
            yield Section("\n".join([*preamble, *lines]), page=number, heading=name)
            preamble, lines = [], []
    if header is None and header_block:  # only a header: keep its text
        lines = [" | ".join(v for v in r if v) for r in header_block]
    if preamble or lines:
        yield Section("\n".join([*preamble, *lines]), page=number, heading=name)
