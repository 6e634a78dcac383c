"""ingest.loaders.base: the document and section types every loader returns."""

from __future__ import annotations

from pathlib import Path

from ingest.loaders.base import LoadedDocument, Section


def test_a_section_has_no_page_and_no_heading_unless_given() -> None:
    assert Section("text") == Section("text", page=None, heading="")
    assert Section("text", page=2, heading="A > B").heading.split(" > ") == ["A", "B"]


def test_documents_do_not_share_their_sections() -> None:
    a = LoadedDocument(Path("a.txt"), "a")
    b = LoadedDocument(Path("b.txt"), "b")
    a.sections.append(Section("only in a"))
    assert b.sections == []
