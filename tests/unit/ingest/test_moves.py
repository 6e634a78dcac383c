"""ingest.moves: which stored document a new file was moved from (only when its file is really gone)."""

from __future__ import annotations

from pathlib import Path

from ingest.moves import Moves
from rag_app.store import DocState


def state(doc_id: str, source: Path, content_hash: str = "h1", parent: str = "") -> DocState:
    s = DocState(doc_id, str(source), parent_id=parent)
    s.add({"content_hash": content_hash, "n_chunks": 1, "mtime": 0, "size": 1})
    return s


def test_a_document_whose_file_is_gone_from_a_present_folder_is_the_origin(tmp_path: Path) -> None:
    new = tmp_path / "new.txt"
    gone = state("a", tmp_path / "old.txt")
    still_there = state("b", tmp_path / "here.txt")
    (tmp_path / "here.txt").write_text("x")
    unmounted = state("c", tmp_path / "usb" / "old.txt")  # its whole folder is missing
    other_type = state("d", tmp_path / "old.md")
    moves = Moves({s.doc_id: s for s in (gone, still_there, unmounted, other_type)})
    assert moves.origin(new, "h1", seen=set()) is gone
    assert moves.origin(new, "h1", seen={"a"}) is None  # already claimed in this run
    assert moves.origin(new, "h2", seen=set()) is None
    assert Moves({"c": unmounted, "b": still_there}).origin(new, "h1", set()) is None
    assert Moves({"d": other_type}).origin(new, "h1", set()) is None
    assert Moves({"p": state("p", tmp_path / "m.eml#a.txt", parent="x")}).origin(new, "h1", set()) is None
