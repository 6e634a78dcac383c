"""ingest.formats: the file-type registry, and the checks every load makes (type, empty file, no text)."""

from __future__ import annotations

import io
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ingest.formats import FORMATS, extensions, supported
from tests import docgen
from tests.unit.ingest.files import assert_ingest_error, load_file


def test_new_extensions_are_supported() -> None:
    for name in ("deck.pptx", "guide.rst", "table.csv", "table.TSV"):
        assert supported(Path(name)), name


def test_txt_extension_is_case_insensitive(tmp_path: Path) -> None:
    doc = load_file(tmp_path / "README.TXT", b"hello there")
    assert doc.sections[0].text == "hello there"
    assert supported(Path("a.MD")) and not supported(Path("a.xyz"))


def test_empty_file(tmp_path: Path) -> None:
    assert_ingest_error(tmp_path / "empty.txt", b"", "empty")


def test_whitespace_only_file(tmp_path: Path) -> None:
    assert_ingest_error(tmp_path / "blank.md", b"  \n\t\r\n   \n", "empty")


def test_unsupported_extension(tmp_path: Path) -> None:
    assert_ingest_error(tmp_path / "data.xyz", b"some content", "unsupported", ".xyz")


def tiny_pdf(text: str) -> bytes:
    """A one-page PDF whose text layer says ``text`` (written by hand: no PDF library writes text)."""
    return docgen.text_pdf(f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode())


def tiny_docx(text: str) -> bytes:
    import docx

    d = docx.Document()
    d.add_paragraph(text)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def tiny_pptx(text: str) -> bytes:
    from pptx import Presentation
    from pptx.util import Inches

    prs = Presentation()
    slide = prs.slides.add_slide(prs.slide_layouts[6])
    slide.shapes.add_textbox(Inches(1), Inches(1), Inches(4), Inches(1)).text_frame.text = text
    buf = io.BytesIO()
    prs.save(buf)
    return buf.getvalue()


def tiny_book(text: str) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.append(["food", "note"])
    wb.active.append(["toast", text])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def tiny_file(builder: Callable[..., Path], *args: Any) -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        return builder(Path(tmp) / "sample", *args).read_bytes()


def tiny_image(kind: str) -> bytes:
    buf = io.BytesIO()
    docgen.text_image(f"{WORD} on toast.", width=900).save(buf, kind, dpi=(200, 200))
    return buf.getvalue()


WORD = "Marmalade"
SAMPLES: dict[str, Callable[[], bytes]] = {
    ".txt": lambda: f"{WORD} on toast.\n".encode(),
    ".text": lambda: f"{WORD} on toast.\n".encode(),
    ".md": lambda: f"# Breakfast\n\n{WORD} on toast.\n".encode(),
    ".markdown": lambda: f"# Breakfast\n\n{WORD} on toast.\n".encode(),
    ".pdf": lambda: tiny_pdf(f"{WORD} on toast."),
    ".html": lambda: f"<html><body><h1>Breakfast</h1><p>{WORD} on toast.</p></body></html>".encode(),
    ".htm": lambda: f"<html><body><p>{WORD} on toast.</p></body></html>".encode(),
    ".docx": lambda: tiny_docx(f"{WORD} on toast."),
    ".pptx": lambda: tiny_pptx(f"{WORD} on toast."),
    ".rst": lambda: f"Breakfast\n=========\n\n{WORD} on toast.\n".encode(),
    ".csv": lambda: f"food,place\n{WORD},toast\n".encode(),
    ".tsv": lambda: f"food\tplace\n{WORD}\ttoast\n".encode(),
    ".xlsx": lambda: tiny_book(f"{WORD} on toast."),
    ".xlsm": lambda: tiny_book(f"{WORD} on toast."),
    ".ods": lambda: tiny_file(docgen.ods, f"{WORD} on toast."),
    ".epub": lambda: tiny_file(docgen.epub, [("Breakfast", f"{WORD} on toast.")]),
    ".eml": lambda: tiny_file(docgen.email_file, "Breakfast", f"{WORD} on toast."),
    ".png": lambda: tiny_image("PNG"),
    ".jpg": lambda: tiny_image("JPEG"),
    ".jpeg": lambda: tiny_image("JPEG"),
    ".tif": lambda: tiny_image("TIFF"),
    ".tiff": lambda: tiny_image("TIFF"),
}


def test_extensions_are_dotted_lower_case_unique_and_in_registry_order() -> None:
    exts = extensions()
    assert exts == list(FORMATS)
    assert exts[:2] == [".txt", ".text"]
    assert len(set(exts)) == len(exts)
    assert all(e.startswith(".") and e == e.lower() and len(e) > 1 for e in exts)
    assert all(FORMATS[e].description.strip() for e in exts)


def test_every_registered_type_has_a_sample_here() -> None:
    assert sorted(SAMPLES) == sorted(extensions()), "add a tiny sample for each new file type"


@pytest.mark.parametrize("ext", list(SAMPLES))
def test_every_registered_type_loads_a_tiny_file(tmp_path: Path, ext: str) -> None:
    path = tmp_path / f"breakfast{ext.upper()}"  # the extension matches in any case
    assert supported(path)
    doc = load_file(path, SAMPLES[ext]())
    assert doc.path == path
    assert doc.title
    assert WORD in " ".join(s.text for s in doc.sections)


def test_unknown_or_missing_extension_is_an_error_naming_it(tmp_path: Path) -> None:
    error = assert_ingest_error(
        tmp_path / "sheet.xls", b"\xd0\xcf\x11\xe0 data", "unsupported file type .xls"
    )
    assert error.message == f"{tmp_path / 'sheet.xls'}: unsupported file type .xls"
    assert_ingest_error(tmp_path / "Makefile", b"all:\n\techo hi\n", "unsupported file type (none)")
    assert not supported(tmp_path / "Makefile")


def test_a_document_whose_sections_are_all_blank_has_no_text(tmp_path: Path) -> None:
    assert_ingest_error(tmp_path / "headings.md", b"# Title\n\n## Only headings\n", "no text found")
