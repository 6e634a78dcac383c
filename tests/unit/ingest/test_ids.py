"""ingest.ids: a document's id follows its absolute path; a chunk's id its document, version and index."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.ids import chunk_id, doc_id_for


def test_doc_id_is_the_same_for_every_spelling_of_a_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "docs" / "a.txt"
    target.parent.mkdir()
    target.write_text("x")
    link = tmp_path / "link.txt"
    link.symlink_to(target)
    monkeypatch.chdir(tmp_path)
    ids = {
        doc_id_for(target),
        doc_id_for(Path("docs/a.txt")),
        doc_id_for(Path("docs/../docs/a.txt")),
        doc_id_for(link),
    }
    assert len(ids) == 1
    (only,) = ids
    assert len(only) == 32 and int(only, 16) >= 0
    assert doc_id_for(tmp_path / "docs" / "b.txt") != only


def test_chunk_id_depends_on_document_version_and_index() -> None:
    base = chunk_id("doc", "hash1", 0)
    assert chunk_id("doc", "hash1", 0) == base  # deterministic: re-ingesting overwrites
    others = {chunk_id("doc", "hash1", 1), chunk_id("doc", "hash2", 0), chunk_id("doc2", "hash1", 0)}
    assert base not in others and len(others) == 3
    assert len(base) == 32
