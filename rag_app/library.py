"""The documents in a collection, as a user sees them: listing and deleting (files are left alone)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rag_app.collection import Collection
from rag_app.store import MilvusStore


class Library:
    def __init__(self, store: MilvusStore, collection: Collection) -> None:
        self._store = store
        self._collection = collection

    def documents(self) -> list[dict[str, Any]]:
        """The documents in the collection, newest first."""
        if not self._collection.exists():
            return []
        name = self._collection.open(create=False)
        docs = []
        states = self._store.documents(name, details=True)
        for d in states.values():
            parent = states.get(d.parent_id)
            docs.append(
                {
                    "doc_id": d.doc_id,
                    "source": d.source,
                    "name": Path(d.source).name,
                    "title": d.title,
                    "pages": d.pages or None,
                    "chunks": d.chunks,
                    "size": d.size,
                    "ingested_at": d.ingested_at,
                    "complete": d.complete(),
                    "parent_id": d.parent_id or None,  # set for an attachment: the e-mail it came in
                    "parent": Path(parent.source).name if parent else None,
                }
            )
        # Newest first; an attachment right after the document it came in.
        latest = {d["doc_id"]: int(d["ingested_at"] or 0) for d in docs}
        docs.sort(
            key=lambda d: (
                -latest.get(d["parent_id"] or d["doc_id"], int(d["ingested_at"] or 0)),
                d["parent_id"] or d["doc_id"],
                d["parent_id"] is not None,
                d["name"],
            )
        )
        return docs

    def held_elsewhere(self, doc_id: str) -> list[str]:
        """The other collections of this Milvus (other embedders') that still index ``doc_id``."""
        own = self._collection.name
        return [
            name
            for name in self._store.names()
            if name != own and self._store.fingerprint(name) and self._store.holds(name, doc_id)
        ]

    def delete(self, doc_id: str) -> None:
        """Remove one document's chunks from the collection, with its attachments' (files are left alone)."""
        name = self._collection.open(create=False)
        self._store.delete_document(name, doc_id, with_parts=True)
