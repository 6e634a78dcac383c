"""ingest.loaders.pdf: one section per page; truncated, random, encrypted and scanned PDFs rejected with a reason."""

from __future__ import annotations

import io
from pathlib import Path

from ingest.formats import load
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


def test_pdf_without_text_layer(tmp_path: Path) -> None:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=612, height=792)
    assert_ingest_error(tmp_path / "scan.pdf", writer_bytes(writer), "no text layer")


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
