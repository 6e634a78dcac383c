"""ingest.loaders.load: every format, and every bad input becoming an IngestError with a reason."""

from __future__ import annotations

import io
import random
from pathlib import Path

import pytest

from ingest.loaders import load, supported
from rag_app.errors import IngestError

R_FAQ_PDF = Path(__file__).resolve().parents[1] / "fixtures" / "docs" / "r-faq-2pages.pdf"
R_FAQ_FACT = "New features are typically introduced in r-devel"


def squash(text: str) -> str:
    return " ".join(text.split())


def noise(n: int, seed: int = 1234) -> bytes:
    return random.Random(seed).randbytes(n)


def load_file(path: Path, data: bytes):
    path.write_bytes(data)
    return load(path, path.read_bytes())


# --- plain text -------------------------------------------------------------------------------


def test_txt_utf8(tmp_path: Path) -> None:
    text = "Überblick: naïve façade — 東京 ✓\nSecond line.\n"
    doc = load_file(tmp_path / "notes.txt", text.encode("utf-8"))
    assert doc.title == "notes"
    assert len(doc.sections) == 1
    assert doc.sections[0].text == text
    assert doc.sections[0].page is None
    assert doc.sections[0].heading == ""


def test_txt_extension_is_case_insensitive(tmp_path: Path) -> None:
    doc = load_file(tmp_path / "README.TXT", b"hello there")
    assert doc.sections[0].text == "hello there"
    assert supported(Path("a.MD")) and not supported(Path("a.xyz"))


@pytest.mark.parametrize("encoding", ["cp1252", "latin-1"])
def test_txt_legacy_encoding_paragraph(tmp_path: Path, encoding: str) -> None:
    text = (
        "Le café de la gare est très apprécié des voyageurs. "
        "Les élèves préfèrent le thé glacé en été, et la crème brûlée à Noël.\n"
        "Où est la bibliothèque? À côté du château, près de l'hôpital.\n"
    )
    doc = load_file(tmp_path / "fr.txt", text.encode(encoding))
    assert doc.sections[0].text == text
    assert "café" in doc.sections[0].text


def test_txt_short_cp1252_word(tmp_path: Path) -> None:
    doc = load_file(tmp_path / "menu.txt", "café crème\n".encode("cp1252"))
    assert doc.sections[0].text.strip() == "café crème"


def test_txt_utf8_bom_text_is_kept(tmp_path: Path) -> None:
    doc = load_file(tmp_path / "bom.txt", "\ufeffHello world".encode())
    assert "Hello world" in doc.sections[0].text


def test_txt_bom_plus_whitespace_is_empty(tmp_path: Path) -> None:
    with pytest.raises(IngestError):
        load_file(tmp_path / "bom.txt", "\ufeff  \n\n".encode())


def test_txt_utf16_with_bom(tmp_path: Path) -> None:
    doc = load_file(tmp_path / "win.txt", "Hello café world\n".encode("utf-16"))
    assert "Hello café world" in doc.sections[0].text


# --- markdown ----------------------------------------------------------------------------------

MARKDOWN = """\
# Install

Get the package first.

## Linux

Use the package manager.

```bash
# this is a shell comment, not a heading
apt install thing
```

## macOS

Use brew.

# Usage

Run it.
"""


def test_markdown_heading_paths(tmp_path: Path) -> None:
    doc = load_file(tmp_path / "guide.md", MARKDOWN.encode())
    assert doc.title == "Install"
    by_heading = {s.heading: s.text for s in doc.sections}
    assert list(by_heading) == ["Install", "Install > Linux", "Install > macOS", "Usage"]
    assert by_heading["Install"] == "Get the package first."
    linux = by_heading["Install > Linux"]
    assert "Use the package manager." in linux
    # the fenced '# ...' line stays body text of the Linux section
    assert "# this is a shell comment, not a heading" in linux
    assert "apt install thing" in linux
    assert by_heading["Install > macOS"] == "Use brew."
    assert by_heading["Usage"] == "Run it."


def test_markdown_tilde_fence_and_closing_hashes(tmp_path: Path) -> None:
    text = "## Title ##\n\nbody\n\n~~~\n# fenced\n~~~\n\nmore\n"
    doc = load_file(tmp_path / "t.markdown", text.encode())
    assert [s.heading for s in doc.sections] == ["Title"]
    assert "# fenced" in doc.sections[0].text
    assert "more" in doc.sections[0].text


def test_markdown_without_headings_uses_file_stem(tmp_path: Path) -> None:
    doc = load_file(tmp_path / "plain.md", b"just text\nand more\n")
    assert doc.title == "plain"
    assert [(s.heading, s.text) for s in doc.sections] == [("", "just text\nand more")]


def test_markdown_sibling_after_skipped_level(tmp_path: Path) -> None:
    text = "# A\n\n### B\n\nbee\n\n### C\n\nsee\n"
    doc = load_file(tmp_path / "skip.md", text.encode())
    assert [s.heading for s in doc.sections] == ["A > B", "A > C"]


# --- html --------------------------------------------------------------------------------------

HTML = b"""<!doctype html>
<html><head><title>Page Title</title>
<style>.secret-style { color: red }</style>
<script>var secretScript = 1;</script></head>
<body>
<nav><a href="/">NavLinkText</a></nav>
<h1>Introduction</h1>
<p>First paragraph with <b>bold</b> text.</p>
<script>console.log("inline-script-text")</script>
<h2>Details</h2>
<ul><li>Item one</li><li>Item two</li></ul>
<table><tr><td>cell A</td><td>cell B</td></tr></table>
<footer>FooterText</footer>
</body></html>
"""


def test_html_sections_and_dropped_chrome(tmp_path: Path) -> None:
    doc = load_file(tmp_path / "page.html", HTML)
    assert doc.title == "Page Title"
    assert [s.heading for s in doc.sections] == ["Introduction", "Details"]
    intro, details = doc.sections
    assert intro.text == "First paragraph with bold text."
    assert details.text.splitlines() == ["Item one", "Item two", "cell A", "cell B"]
    everything = " ".join(s.text for s in doc.sections) + doc.title
    for dropped in ("secret-style", "secretScript", "inline-script-text", "NavLinkText", "FooterText"):
        assert dropped not in everything


def test_html_without_block_tags_falls_back_to_body_text(tmp_path: Path) -> None:
    doc = load_file(tmp_path / "bare.htm", b"<html><body><div>Only a div here</div></body></html>")
    assert [s.text for s in doc.sections] == ["Only a div here"]
    assert doc.title == "bare"


def test_html_fixture_file() -> None:
    path = R_FAQ_PDF.parent / "sqlite-whentouse-short.html"
    doc = load(path, path.read_bytes())
    assert doc.sections
    assert all(s.text.strip() for s in doc.sections)
    assert "SQLite" in " ".join(s.text for s in doc.sections)


def test_html_div_text_is_not_lost(tmp_path: Path) -> None:
    html = b"<html><body><h1>Intro</h1><div>Important div text.</div><p>A paragraph.</p></body></html>"
    doc = load_file(tmp_path / "div.html", html)
    assert "Important div text." in " ".join(s.text for s in doc.sections)


# --- docx --------------------------------------------------------------------------------------


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
    assert texts == [("Overview", "The first paragraph.\nThe second paragraph.\na | b\nc | d")]
    assert all(s.page is None for s in doc.sections)


# --- pdf ---------------------------------------------------------------------------------------


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


# --- bad input ---------------------------------------------------------------------------------


def assert_ingest_error(path: Path, data: bytes, *reasons: str) -> IngestError:
    path.write_bytes(data)
    with pytest.raises(IngestError) as info:
        load(path, path.read_bytes())
    msg = str(info.value)
    assert str(path) in msg
    for reason in reasons:
        assert reason in msg.lower(), msg
    return info.value


def test_empty_file(tmp_path: Path) -> None:
    assert_ingest_error(tmp_path / "empty.txt", b"", "empty")


def test_whitespace_only_file(tmp_path: Path) -> None:
    assert_ingest_error(tmp_path / "blank.md", b"  \n\t\r\n   \n", "empty")


def test_binary_data_named_txt(tmp_path: Path) -> None:
    assert_ingest_error(tmp_path / "image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + noise(500), "binary")


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


def test_corrupt_docx(tmp_path: Path) -> None:
    assert_ingest_error(tmp_path / "broken.docx", noise(3000), "docx")


def test_docx_truncated_zip(tmp_path: Path) -> None:
    assert_ingest_error(tmp_path / "cut.docx", make_docx()[:2000], "docx")


def test_unsupported_extension(tmp_path: Path) -> None:
    assert_ingest_error(tmp_path / "data.xyz", b"some content", "unsupported", ".xyz")


def test_html_with_only_chrome_has_no_text(tmp_path: Path) -> None:
    html = b"<html><body><script>x()</script><nav>menu</nav></body></html>"
    assert_ingest_error(tmp_path / "chrome.html", html, "no text")
