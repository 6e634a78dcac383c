"""ingest.loaders.pdf: one section per page; scanned pages read by OCR (real tesseract); truncated,
random and encrypted PDFs rejected with a reason."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from ingest import ocr
from ingest.formats import load
from ingest.loaders.base import LoadOptions
from rag_app.errors import IngestError
from tests import docgen
from tests.hostile_files import page_tree_bomb
from tests.unit.ingest.files import R_FAQ_FACT, R_FAQ_PDF, assert_ingest_error, load_file, noise, squash


def test_pdf_two_pages() -> None:
    doc = load(R_FAQ_PDF, R_FAQ_PDF.read_bytes())
    assert [s.page for s in doc.sections] == [1, 2]
    assert R_FAQ_FACT in squash(doc.sections[1].text)
    assert R_FAQ_FACT not in squash(doc.sections[0].text)
    assert doc.title


def pdf_pages_writer():
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for page in PdfReader(R_FAQ_PDF).pages:
        writer.add_page(page)
    return writer


def writer_bytes(writer) -> bytes:
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def test_pdf_rewritten_by_pypdf_still_loads(tmp_path: Path) -> None:
    doc = load_file(tmp_path / "copy.pdf", writer_bytes(pdf_pages_writer()))
    assert [s.page for s in doc.sections] == [1, 2]


def test_truncated_pdf(tmp_path: Path) -> None:
    assert_ingest_error(tmp_path / "cut.pdf", R_FAQ_PDF.read_bytes()[:3000], "corrupt or truncated")


def test_random_bytes_named_pdf(tmp_path: Path) -> None:
    assert_ingest_error(tmp_path / "junk.pdf", noise(5000), "pdf")


def test_encrypted_pdf(tmp_path: Path) -> None:
    writer = pdf_pages_writer()
    writer.encrypt("pw")
    assert_ingest_error(tmp_path / "locked.pdf", writer_bytes(writer), "encrypted")


def blank_pdf() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=612, height=792)
    return writer_bytes(writer)


def test_blank_pdf_has_no_text_even_by_ocr(tmp_path: Path) -> None:
    assert_ingest_error(tmp_path / "blank.pdf", blank_pdf(), "no text found", "ocr")


def test_scanned_pdf_with_ocr_off_says_so(tmp_path: Path) -> None:
    path = tmp_path / "scan.pdf"
    path.write_bytes(blank_pdf())
    with pytest.raises(IngestError) as info:
        load(path, path.read_bytes(), LoadOptions(ocr="never"))
    assert "no text layer" in info.value.message and "ingest.ocr" in info.value.message
    assert "ocr: auto" in (info.value.fix or "")


SCAN_TEXT = "The zebra committee approved the purple lighthouse budget on Tuesday."


def test_scanned_pdf_is_read_by_ocr_with_its_page_number(tmp_path: Path) -> None:
    path = docgen.scanned_pdf(tmp_path / "scan.pdf", SCAN_TEXT)
    pages: list[tuple[int, int]] = []
    doc = load(
        path, path.read_bytes(), LoadOptions(on_ocr_page=lambda done, total: pages.append((done, total)))
    )
    assert [(s.page, s.ocr) for s in doc.sections] == [(1, True)]
    assert "purple lighthouse budget" in squash(doc.sections[0].text)
    assert pages == [(1, 1)]


def test_sideways_scan_is_turned_upright(tmp_path: Path) -> None:
    path = docgen.scanned_pdf(tmp_path / "sideways.pdf", SCAN_TEXT + " " + SCAN_TEXT, rotate=90)
    doc = load(path, path.read_bytes())
    assert "purple lighthouse budget" in squash(doc.sections[0].text)


def test_mixed_pdf_ocrs_only_the_page_without_text(tmp_path: Path) -> None:
    path = docgen.mixed_pdf(
        tmp_path / "mixed.pdf", R_FAQ_PDF, "A scanned page about the orange giraffe parade."
    )
    pages: list[tuple[int, int]] = []
    doc = load(
        path, path.read_bytes(), LoadOptions(on_ocr_page=lambda done, total: pages.append((done, total)))
    )
    assert [(s.page, s.ocr) for s in doc.sections] == [(1, False), (2, False), (3, True)]
    assert R_FAQ_FACT in squash(doc.sections[1].text)
    assert "orange giraffe parade" in doc.sections[2].text
    assert pages == [(1, 1)]


def test_ocr_always_reads_text_pages_too(tmp_path: Path) -> None:
    doc = load(R_FAQ_PDF, R_FAQ_PDF.read_bytes(), LoadOptions(ocr="always", ocr_languages="eng"))
    assert [(s.page, s.ocr) for s in doc.sections] == [(1, True), (2, True)]
    assert "r-devel" in doc.sections[1].text


def test_without_tesseract_a_mixed_pdf_keeps_its_text_pages_and_warns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ocr, "tesseract", lambda: None)
    path = docgen.mixed_pdf(tmp_path / "mixed.pdf", R_FAQ_PDF, "A scanned page.")
    doc = load(path, path.read_bytes())
    assert [s.page for s in doc.sections] == [1, 2]
    assert "tesseract is not installed" in doc.warnings[0]
    scan = docgen.scanned_pdf(tmp_path / "scan.pdf", SCAN_TEXT)
    with pytest.raises(IngestError) as info:
        load(scan, scan.read_bytes())
    assert "tesseract" in info.value.message and "apt-get install tesseract-ocr" in (info.value.fix or "")


def test_a_page_tree_bomb_is_refused_by_its_page_count(tmp_path: Path) -> None:
    # 1.7 KB that repeats one page 16,384 times: over MAX_PAGES, refused before any text is extracted.
    assert_ingest_error(
        tmp_path / "bomb.pdf", page_tree_bomb(14), "has 16,384 pages; at most 10,000 are read"
    )


def test_a_deeper_page_tree_is_stopped_by_the_readers_own_limit(tmp_path: Path) -> None:
    assert_ingest_error(tmp_path / "bomb.pdf", page_tree_bomb(20), "safety limit")


def test_declared_page_count_over_the_cap_is_refused(tmp_path: Path) -> None:
    data = page_tree_bomb(1).replace(b"/Count 2", b"/Count 99999999")
    assert_ingest_error(tmp_path / "claims.pdf", data, "declares 99,999,999 pages")


def test_a_small_repeated_tree_still_loads(tmp_path: Path) -> None:
    doc = load_file(tmp_path / "twice.pdf", page_tree_bomb(1))
    assert [s.page for s in doc.sections] == [1, 2] and "Bomb page" in doc.sections[0].text
