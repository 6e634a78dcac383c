"""ingest.loaders.image: PNG, JPEG and every page of a TIFF read by (real) tesseract."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from ingest.formats import load
from ingest.loaders.base import LoadOptions
from rag_app.errors import IngestError
from tests import docgen
from tests.unit.ingest.files import assert_ingest_error


def test_png_is_read_by_ocr(tmp_path: Path) -> None:
    path = tmp_path / "note.png"
    docgen.text_image("Remember the violet submarine at noon.").save(path, dpi=(200, 200))
    doc = load(path, path.read_bytes())
    assert doc.title == "note"
    assert [(s.page, s.ocr) for s in doc.sections] == [(None, True)]
    assert "violet submarine" in doc.sections[0].text


def test_every_page_of_a_tiff_is_read_with_its_number(tmp_path: Path) -> None:
    pages = [
        docgen.text_image(t, width=1200) for t in ("First page about apples.", "Second page about pears.")
    ]
    path = tmp_path / "fax.tiff"
    pages[0].save(path, save_all=True, append_images=pages[1:], dpi=(200, 200))
    seen: list[tuple[int, int]] = []
    doc = load(
        path, path.read_bytes(), LoadOptions(ocr_workers=2, on_ocr_page=lambda d, t: seen.append((d, t)))
    )
    assert [(s.page, "apples" in s.text, "pears" in s.text) for s in doc.sections] == [
        (1, True, False),
        (2, False, True),
    ]
    assert seen == [(1, 2), (2, 2)]


def test_ocr_off_blank_and_broken_images(tmp_path: Path) -> None:
    path = tmp_path / "n.png"
    docgen.text_image("Some text.").save(path)
    with pytest.raises(IngestError, match=r"ingest\.ocr is never"):
        load(path, path.read_bytes(), LoadOptions(ocr="never"))
    blank = io.BytesIO()
    docgen.text_image("").save(blank, "PNG")
    assert_ingest_error(tmp_path / "blank.png", blank.getvalue(), "no text")
    assert_ingest_error(tmp_path / "broken.jpg", b"\xff\xd8\xff not really a jpeg", "not a readable image")
