"""ingest.loaders.docx: headings, paragraphs, tables in order and list items; corrupt files rejected."""

from __future__ import annotations

import io
from pathlib import Path

from tests.unit.ingest.files import assert_ingest_error, load_file, noise


def make_docx() -> bytes:
    import docx

    d = docx.Document()
    d.add_heading("Overview", level=1)
    d.add_paragraph("The first paragraph.")
    d.add_paragraph("")
    d.add_paragraph("The second paragraph.")
    table = d.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "a"
    table.cell(0, 1).text = "b"
    table.cell(1, 0).text = "c"
    table.cell(1, 1).text = "d"
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def test_docx_heading_paragraphs_table(tmp_path: Path) -> None:
    doc = load_file(tmp_path / "report.docx", make_docx())
    assert doc.title == "Overview"
    texts = [(s.heading, s.text) for s in doc.sections]
    # The table stays with the heading above it, in document order.
    assert texts == [("Overview", "The first paragraph.\nThe second paragraph.\n\na | b\nc | d")]
    assert all(s.page is None for s in doc.sections)


def test_docx_list_paragraphs_get_dashes(tmp_path: Path) -> None:
    import docx

    d = docx.Document()
    d.add_heading("Groceries", level=1)
    d.add_paragraph("Buy these:")
    d.add_paragraph("apples", style="List Bullet")
    d.add_paragraph("pears", style="List Bullet")
    d.add_paragraph("wash them", style="List Number")
    d.add_paragraph("Then cook.")
    buf = io.BytesIO()
    d.save(buf)
    doc = load_file(tmp_path / "list.docx", buf.getvalue())
    assert [(s.heading, s.text) for s in doc.sections] == [
        ("Groceries", "Buy these:\n- apples\n- pears\n- wash them\nThen cook.")
    ]


def test_corrupt_docx(tmp_path: Path) -> None:
    assert_ingest_error(tmp_path / "broken.docx", noise(3000), "docx")


def test_docx_truncated_zip(tmp_path: Path) -> None:
    assert_ingest_error(tmp_path / "cut.docx", make_docx()[:2000], "docx")
