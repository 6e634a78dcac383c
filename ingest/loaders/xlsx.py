"""XLSX/XLSM workbooks (openpyxl, read-only and streaming): one document, one page per sheet.

Formula cells give the value Excel (or LibreOffice) last calculated and saved with the file; a
file written by a program that never calculated it has no such value, and the cell reads as empty.
Merged ranges are found by scanning the sheet's XML for ``<mergeCell>`` (read-only mode does not
report them), so they fill their cells; see :mod:`ingest.loaders.sheets`.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

from ingest.loaders.base import DEFAULT_OPTIONS, LoadedDocument, LoadOptions, Section
from ingest.loaders.sheets import Merge, Row, cell_text, sheet_sections
from rag_app.errors import IngestError

_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\s[^>]*?ref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"')


def _column(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def merges(archive: zipfile.ZipFile, member: str, block: int = 1 << 20) -> dict[int, list[Merge]]:
    """The sheet's merged ranges by top row, read from its XML in blocks (no parse of the cells)."""
    out: dict[int, list[Merge]] = {}
    text, offset, taken = b"", 0, 0  # offset: position of text[0] in the file; taken: matched up to
    try:
        with archive.open(member) as fh:
            while data := fh.read(block):
                text += data
                for m in _MERGE.finditer(text):
                    if offset + m.start() < taken:
                        continue  # matched in the previous block's tail already
                    taken = offset + m.end()
                    r1, c1 = int(m.group(2)), _column(m.group(1))
                    r2 = int(m.group(4)) if m.group(4) else r1
                    c2 = _column(m.group(3)) if m.group(3) else c1
                    out.setdefault(r1, []).append(Merge(r1, c1, r2, c2))
                keep = text[-256:]  # a tag cut by the block boundary matches with the next block
                offset += len(text) - len(keep)
                text = keep
    except KeyError:
        return {}
    return out


def load_xlsx(path: Path, data: bytes, options: LoadOptions = DEFAULT_OPTIONS) -> LoadedDocument:
    import io

    try:
        from openpyxl import load_workbook

        archive = zipfile.ZipFile(io.BytesIO(data))
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except zipfile.BadZipFile as exc:
        raise IngestError(
            f"{path}: not an XLSX workbook (a password-protected workbook is encrypted: save it without one)"
        ) from exc
    except Exception as exc:  # openpyxl raises KeyError, ValueError, its own errors on broken parts
        raise IngestError(f"{path}: cannot read the workbook ({type(exc).__name__}: {exc})") from exc
    sections: list[Section] = []
    try:
        for number, sheet in enumerate(workbook.worksheets, start=1):
            member = getattr(sheet, "_worksheet_path", None)  # openpyxl's own path of the sheet's XML
            by_row = merges(archive, str(member).lstrip("/")) if member else {}
            sheet.reset_dimensions()  # read every row, whatever size the file declares

            def rows(sheet: object = sheet, by_row: dict[int, list[Merge]] = by_row) -> Iterator[Row]:
                for n, values in enumerate(sheet.iter_rows(values_only=True), start=1):  # type: ignore[attr-defined]
                    yield Row(n, [cell_text(v) for v in values], by_row.get(n, []))

            sections.extend(sheet_sections(sheet.title, number, rows()))
        title = (workbook.properties.title or "").strip() if workbook.properties else ""
    except IngestError:
        raise
    except Exception as exc:
        raise IngestError(f"{path}: cannot read the workbook ({type(exc).__name__}: {exc})") from exc
    finally:
        workbook.close()
        archive.close()
    if not sections:
        raise IngestError(f"{path}: the workbook has no values")
    return LoadedDocument(path, title or path.stem, sections)
