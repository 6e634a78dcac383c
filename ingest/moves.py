"""Renames and moves: a new path whose content is a stored document whose file is gone is that
document moved. Its rows (vectors included) are rewritten under the new path: no embedding.

A document is only taken as moved when its old file is really gone and the folder it was in is
still there (a copy made while a drive is unmounted is a new document, and the old one stays).
Parts (an e-mail's attachments) move with their container.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ingest.ids import chunk_id, part_id, part_source
from rag_app.store import DocState, MilvusStore

MAX_ROWS = 16384  # what one Milvus query returns; a longer document is embedded again instead


class Moves:
    """Stored documents that a new file may be: by content hash, checked against the disk lazily."""

    def __init__(self, stored: dict[str, DocState]) -> None:
        self._stored = stored
        self._by_hash: dict[str, list[DocState]] = {}
        for state in stored.values():
            if not state.parent_id and state.complete():
                ((h, _),) = state.counts.items()
                self._by_hash.setdefault(h, []).append(state)

    def origin(self, path: Path, content_hash: str, seen: set[str]) -> DocState | None:
        """The stored document ``path`` was moved from, if any."""
        for state in self._by_hash.get(content_hash, []):
            old = Path(state.source)
            if (
                state.doc_id not in seen
                and old.suffix.lower() == path.suffix.lower()
                and old.parent.is_dir()
                and not old.exists()
                and state.chunks <= MAX_ROWS
            ):
                return state
        return None

    def parts(self, container_id: str) -> list[DocState]:
        return [s for s in self._stored.values() if s.parent_id == container_id]


def _rewrite(
    rows: list[dict[str, Any]], doc_id: str, source: str, old_source: str, **fields: Any
) -> list[dict[str, Any]]:
    out = []
    for row in rows:
        row = {k: v for k, v in row.items() if k != "sparse"}  # BM25 vectors are Milvus' own output
        if row.get("title") == Path(old_source).stem:  # a title made from the file name follows it
            row["title"] = Path(source).stem
        row.update(doc_id=doc_id, source=source, id=chunk_id(doc_id, row["content_hash"], int(row["chunk"])))
        row.update(fields)
        out.append(row)
    return out


def move(
    store: MilvusStore, collection: str, old: DocState, moves: Moves, doc_id: str, path: Path, mtime: int
) -> None:
    """Rewrite ``old``'s rows (and its parts') as document ``doc_id`` at ``path``; new rows first."""
    source = str(path.resolve())
    renamed: list[tuple[DocState, str, str, dict[str, Any]]] = [(old, doc_id, source, {"mtime": mtime})]
    for part in moves.parts(old.doc_id):
        name = part.source.removeprefix(old.source + "#")  # "a.pdf", or "fwd.eml#a.pdf" when nested
        new_id = doc_id
        for component in name.split("#"):  # attachment names never contain "#" (mail.attachment_name)
            new_id = part_id(new_id, component)
        renamed.append((part, new_id, part_source(source, name), {"parent_id": doc_id, "mtime": mtime}))
    for state, new_id, new_source, fields in renamed:
        rows = store.document_rows(collection, state.doc_id, limit=MAX_ROWS)
        store.upsert(collection, _rewrite(rows, new_id, new_source, state.source, **fields))
    for state, *_ in renamed:
        store.delete_document(collection, state.doc_id)
