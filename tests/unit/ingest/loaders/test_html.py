"""ingest.loaders.html: visible text split at headings; scripts, styles and page chrome dropped."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.formats import load
from tests.hostile_files import nested_html
from tests.unit.ingest.files import R_FAQ_PDF, assert_ingest_error, load_file

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
    assert details.text.splitlines() == [
        "Item one",
        "Item two",
        "",
        "cell A | cell B",
    ]  # a table: one line per row
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


def test_html_with_only_chrome_has_no_text(tmp_path: Path) -> None:
    html = b"<html><body><script>x()</script><nav>menu</nav></body></html>"
    assert_ingest_error(tmp_path / "chrome.html", html, "no text")


@pytest.mark.timeout(60)  # a hang guard: the old loader was quadratic in the depth (~10 min here)
def test_deeply_nested_page_is_read_in_one_pass(tmp_path: Path) -> None:
    doc = load_file(tmp_path / "nested.html", nested_html(20_000))
    text = doc.sections[0].text
    assert text.count("x") == 20_000 and text.endswith("The end marker.")


def test_headings_inside_blocks_and_text_after_them(tmp_path: Path) -> None:
    page = b"<body><div>lead <section><h2>Inner <b>bold</b></h2><p>under</p></section> tail</div></body>"
    doc = load_file(tmp_path / "h.html", page)
    assert [(s.heading, s.text) for s in doc.sections] == [("", "lead"), ("Inner bold", "under\ntail")]
