"""ingest.loaders.ods: content.xml streamed; typed values, repeated rows and columns, merged cells."""

from __future__ import annotations

import zipfile
from pathlib import Path

from ingest.formats import load
from tests import docgen
from tests.unit.ingest.files import assert_ingest_error


def test_two_sheets_values_merges_and_a_million_repeated_blank_rows(tmp_path: Path) -> None:
    path = docgen.ods(tmp_path / "stock.ods", "the heron sings at midnight")
    doc = load(path, path.read_bytes())
    assert [(s.page, s.heading) for s in doc.sections] == [(1, "Stock"), (2, "Notes")]
    # "Item" spans two columns; the total is a formula's saved value; 1,048,570 blank rows cost nothing.
    assert doc.sections[0].text.splitlines() == ["Item: bolts; Item: M6; Count: 40", "Item: total; Count: 40"]
    assert doc.sections[1].text == "Topic: secret; Detail: the heron sings at midnight"


def write_ods(path: Path, rows: str) -> Path:
    content = (
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:spreadsheet>'
        f'<table:table table:name="T">{rows}</table:table></office:spreadsheet></office:body></office:document-content>'
    )
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("content.xml", content)
    return path


def test_typed_values_spaces_and_repeated_values(tmp_path: Path) -> None:
    def cell(attrs: str, text: str = "") -> str:
        return f"<table:table-cell {attrs}><text:p>{text}</text:p></table:table-cell>"

    rows = (
        "<table:table-row>" + cell('office:value-type="string"', "when")
        + cell('office:value-type="string"', "ok") + cell('office:value-type="string"', "note") + "</table:table-row>"
        + '<table:table-row table:number-rows-repeated="2">'
        + cell('office:value-type="date" office:date-value="2026-12-01T00:00:00"', "01/12/26")
        + cell('office:value-type="boolean" office:boolean-value="true"', "yes")
        + cell('office:value-type="string"', 'a<text:s text:c="2"/>b<text:span>c</text:span>') + "</table:table-row>"
    )  # fmt: skip
    doc = load(write_ods(tmp_path / "t.ods", rows), (tmp_path / "t.ods").read_bytes())
    assert doc.sections[0].text.splitlines() == ["when: 2026-12-01; ok: TRUE; note: a bc"] * 2


def test_entities_and_broken_files_are_refused(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.ods"
    with zipfile.ZipFile(bomb, "w") as z:
        z.writestr("content.xml", '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>')
    assert_ingest_error(bomb, bomb.read_bytes(), "corrupt ods")
    assert_ingest_error(tmp_path / "x.ods", b"PK\x03\x04 not really", "not an ods")
    empty = write_ods(tmp_path / "e.ods", "<table:table-row><table:table-cell/></table:table-row>")
    assert_ingest_error(empty, empty.read_bytes(), "no values")
