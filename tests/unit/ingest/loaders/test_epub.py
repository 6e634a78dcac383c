"""ingest.loaders.epub: chapters in spine order, their table-of-contents titles as outer headings."""

from __future__ import annotations

import zipfile
from pathlib import Path

from ingest.formats import load
from tests import docgen
from tests.unit.ingest.files import assert_ingest_error

CHAPTERS = [
    ("The Arrival", "A silver kettle sat on the stove."),
    ("The Storm", "A copper violin played all night."),
]


def test_chapters_are_headings_in_reading_order(tmp_path: Path) -> None:
    path = docgen.epub(tmp_path / "book.epub", CHAPTERS, title="Weather Tales")
    doc = load(path, path.read_bytes())
    assert doc.title == "Weather Tales"
    assert [(s.heading, s.text) for s in doc.sections] == [
        ("The Arrival > Part one", "A silver kettle sat on the stove."),
        ("The Storm > Part one", "A copper violin played all night."),
    ]


def test_an_epub2_table_of_contents_names_the_chapters(tmp_path: Path) -> None:
    path = docgen.epub(tmp_path / "book.epub", CHAPTERS)
    old = tmp_path / "old.epub"
    ncx = (
        '<ncx xmlns="http://www.daisy.org/z3986/2005/ncx/"><navMap>'
        '<navPoint><navLabel><text>First</text></navLabel><content src="text/ch0.xhtml"/></navPoint>'
        '<navPoint><navLabel><text>Second</text></navLabel><content src="text/ch1.xhtml#top"/></navPoint>'
        "</navMap></ncx>"
    )
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(old, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "OEBPS/content.opf":  # EPUB 2: no nav document, an NCX named by the spine
                data = (
                    data.replace(b' properties="nav"', b"")
                    .replace(
                        b"</manifest>",
                        b'<item id="ncx" href="toc.ncx" media-type="application/x-dtbncx+xml"/></manifest>',
                    )
                    .replace(b"<spine>", b'<spine toc="ncx">')
                )
            zout.writestr(item, data)
        zout.writestr("OEBPS/toc.ncx", ncx)
    doc = load(old, old.read_bytes())
    assert [s.heading for s in doc.sections] == ["First > Part one", "Second > Part one"]


def test_drm_and_broken_books_are_refused(tmp_path: Path) -> None:
    path = docgen.epub(tmp_path / "book.epub", CHAPTERS)
    locked = tmp_path / "locked.epub"
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(locked, "w") as zout:
        for item in zin.infolist():
            zout.writestr(item, zin.read(item.filename))
        zout.writestr(
            "META-INF/encryption.xml",
            '<encryption xmlns="urn:oasis:names:tc:opendocument:xmlns:container" '
            'xmlns:enc="http://www.w3.org/2001/04/xmlenc#"><enc:EncryptedData>'
            '<enc:EncryptionMethod Algorithm="http://www.w3.org/2001/04/xmlenc#aes128-cbc"/>'
            "</enc:EncryptedData></encryption>",
        )
    assert_ingest_error(locked, locked.read_bytes(), "drm")
    assert_ingest_error(tmp_path / "x.epub", b"not a zip at all", "not an epub")
    no_container = tmp_path / "n.epub"
    with zipfile.ZipFile(no_container, "w") as z:
        z.writestr("mimetype", "application/epub+zip")
    assert_ingest_error(no_container, no_container.read_bytes(), "corrupt epub")
