"""ingest.loaders.xlsx: a generated workbook with two sheets, merged headers and cached formula values."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from ingest.formats import load
from ingest.loaders.xlsx import merges
from tests import docgen
from tests.unit.ingest.files import assert_ingest_error


def test_two_sheets_are_pages_with_their_names_as_headings(tmp_path: Path) -> None:
    book = docgen.workbook(tmp_path / "budget.xlsx", "the walrus password is kumquat")
    doc = load(book, book.read_bytes())
    assert doc.title == "budget"
    assert [(s.page, s.heading) for s in doc.sections] == [(1, "Budget"), (2, "Contacts")]
    assert doc.sections[0].text.splitlines() == [
        "Quarterly budget 2026",
        "Region: North; Spend / Q1: 1200; Spend / Q2: 1300",
        "Region: South; Spend / Q1: 800; Spend / Q2: 950",
        "Region: Total; Spend / Q1: 2000; Spend / Q2: 2250",  # the formulas' saved results
    ]
    assert "Note: the walrus password is kumquat" in doc.sections[1].text


def test_xlsm_reads_the_same_and_a_wrong_dimension_does_not_cut_rows(tmp_path: Path) -> None:
    book = docgen.workbook(tmp_path / "b.xlsx", "x")
    buf = io.BytesIO()
    with zipfile.ZipFile(book) as zin, zipfile.ZipFile(buf, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet2.xml":  # a writer that declares only A1
                data = data.replace(b'<dimension ref="A1:C3"/>', b'<dimension ref="A1"/>')
                assert b'<dimension ref="A1"/>' in data
            zout.writestr(item, data)
    path = tmp_path / "macro.xlsm"
    path.write_bytes(buf.getvalue())
    assert "Alan Turing" in load(path, path.read_bytes()).sections[1].text


def test_merged_ranges_are_found_across_read_blocks(tmp_path: Path) -> None:
    xml = b"<worksheet><sheetData>" + b"<row/>" * 5000 + b'</sheetData><mergeCells><mergeCell ref="B2:D3"/>'
    xml += b'<x:mergeCell ref="A7"/></mergeCells></worksheet>'
    path = tmp_path / "m.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("s.xml", xml)
    with zipfile.ZipFile(path) as z:
        found = merges(z, "s.xml", block=1000)  # tags cut by block boundaries are still found, once
    assert {(m.min_row, m.min_col, m.max_row, m.max_col) for ms in found.values() for m in ms} == {
        (2, 2, 3, 4),
        (7, 1, 7, 1),
    }


def test_not_a_workbook(tmp_path: Path) -> None:
    assert_ingest_error(tmp_path / "locked.xlsx", b"\xd0\xcf\x11\xe0 OLE container", "password-protected")
    assert_ingest_error(tmp_path / "broken.xlsx", b"PK\x03\x04 broken zip", "xlsx")
