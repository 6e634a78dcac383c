"""ODS spreadsheets (LibreOffice, OpenOffice): ``content.xml`` parsed as a stream, no extra library.

A cell's value is its typed value (``office:value``, ``office:date-value``...), which for a formula
is the result saved with the file, else its text. Repeated rows and columns (ODS stores blank
runs as one element repeated up to a million times) are expanded only where they hold values.
Merged cells (``number-rows-spanned``/``number-columns-spanned``) fill the cells they cover; see
:mod:`ingest.loaders.sheets`. Entities and DTDs are refused (defusedxml).
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ingest.loaders.base import DEFAULT_OPTIONS, LoadedDocument, LoadOptions, Section
from ingest.loaders.sheets import MAX_COLUMNS, Merge, Row, cell_text, sheet_sections
from rag_app.errors import IngestError

TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
MAX_REPEAT = 1000  # a row with values repeated more often than this is kept this often


def _cell_value(cell: Any) -> str:
    kind = cell.get(f"{OFFICE}value-type")
    if kind in ("float", "percentage", "currency"):
        try:
            return cell_text(float(cell.get(f"{OFFICE}value", "")))
        except ValueError:
            pass
    elif kind == "date":
        return str(cell.get(f"{OFFICE}date-value", "")).removesuffix("T00:00:00")
    elif kind == "time":
        return str(cell.get(f"{OFFICE}time-value", ""))
    elif kind == "boolean":
        return "TRUE" if cell.get(f"{OFFICE}boolean-value") == "true" else "FALSE"
    paragraphs = ["".join(_text(p)) for p in cell.iter(f"{TEXT}p")]
    return cell_text(" ".join(p for p in paragraphs if p))


def _text(node: Any) -> Iterator[str]:
    """A paragraph's text, with ``<text:s text:c="3"/>`` as spaces and ``<text:tab/>`` as a tab."""
    if node.text:
        yield node.text
    for child in node:
        if child.tag == f"{TEXT}s":
            yield " " * int(child.get(f"{TEXT}c", "1"))
        elif child.tag == f"{TEXT}tab":
            yield "\t"
        elif child.tag == f"{TEXT}line-break":
            yield "\n"
        else:
            yield from _text(child)
        if child.tail:
            yield child.tail


def _row(element: Any, number: int) -> Row:
    values: list[str] = []
    merges: list[Merge] = []
    blanks = 0  # empty cells not yet written: only materialised when a value follows
    for cell in element:
        if cell.tag not in (f"{TABLE}table-cell", f"{TABLE}covered-table-cell"):
            continue
        repeat = int(cell.get(f"{TABLE}number-columns-repeated", "1"))
        value = _cell_value(cell) if cell.tag == f"{TABLE}table-cell" else ""
        if not value:
            blanks += repeat
            continue
        if len(values) + blanks >= MAX_COLUMNS:
            break
        values.extend([""] * blanks)
        blanks = 0
        col = len(values) + 1
        rows = int(cell.get(f"{TABLE}number-rows-spanned", "1"))
        cols = int(cell.get(f"{TABLE}number-columns-spanned", "1"))
        if rows > 1 or cols > 1:
            merges.append(Merge(number, col, number + rows - 1, col + cols - 1))
        values.extend([value] * min(repeat, MAX_COLUMNS - len(values)))
    return Row(number, values, merges)


def _tables(stream: Any) -> Iterator[tuple[str, Iterator[Row]]]:
    """(sheet name, its rows) for each table, parsed as the stream goes (rows are cleared once read)."""
    from defusedxml.ElementTree import iterparse

    events = iterparse(stream, events=("start", "end"))
    for event, element in events:
        if event == "start" and element.tag == f"{TABLE}table":
            yield str(element.get(f"{TABLE}name", "")), _rows(events, element)


def _rows(events: Any, table: Any) -> Iterator[Row]:
    number = 0
    parents = [table]  # open elements: a read row is removed from its parent, so memory stays flat
    for event, element in events:
        if event == "start":
            parents.append(element)
            continue
        parents.pop()
        if element is table:
            table.clear()
            return
        if element.tag == f"{TABLE}table-row":
            repeat = int(element.get(f"{TABLE}number-rows-repeated", "1"))
            row = _row(element, number + 1)
            if any(row.values):
                for i in range(min(repeat, MAX_REPEAT)):
                    yield Row(number + 1 + i, list(row.values), row.merges if i == 0 else [])
            number += repeat
            parents[-1].remove(element)


def load_ods(path: Path, data: bytes, options: LoadOptions = DEFAULT_OPTIONS) -> LoadedDocument:
    import io
    from xml.etree.ElementTree import ParseError

    sections: list[Section] = []
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive, archive.open("content.xml") as stream:
            for number, (name, rows) in enumerate(_tables(stream), start=1):
                sections.extend(sheet_sections(name, number, rows))
    except (zipfile.BadZipFile, KeyError) as exc:
        raise IngestError(f"{path}: not an ODS spreadsheet ({type(exc).__name__}: {exc})") from exc
    except (ParseError, ValueError) as exc:  # defusedxml's refusals are ValueErrors too
        raise IngestError(f"{path}: corrupt ODS content ({type(exc).__name__}: {exc})") from exc
    if not sections:
        raise IngestError(f"{path}: the spreadsheet has no values")
    return LoadedDocument(path, path.stem, sections)
