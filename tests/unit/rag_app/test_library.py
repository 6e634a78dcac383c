"""rag_app.library.Library: the documents of a collection as a user sees them, and deleting one."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from rag_app.collection import Collection
from rag_app.config import load_settings
from rag_app.library import Library
from rag_app.settings import MilvusSettings
from rag_app.store import MilvusStore, rows_for
from tests.unit.rag_app.fakes import HashEmbedder, hash_vector


def chunk_rows(
    doc: str, source: str, pages: list[int], n_chunks: int, ingested_at: int
) -> list[dict[str, Any]]:
    meta = [
        {
            "id": f"{doc}-{i}",
            "doc_id": doc,
            "source": source,
            "title": f"Title of {doc}",
            "page": page,
            "heading": "",
            "chunk": i,
            "content_hash": f"h-{doc}",
            "mtime": 1,
            "size": 10 * n_chunks,
            "n_chunks": n_chunks,
            "ingested_at": ingested_at,
        }
        for i, page in enumerate(pages)
    ]
    texts = [f"{doc} chunk {i}" for i in range(len(pages))]
    return rows_for(texts, [hash_vector(t) for t in texts], meta)


@pytest.fixture
def parts(tmp_path: Path) -> Iterator[tuple[MilvusStore, Collection]]:
    settings = load_settings(None, env={}, overrides={"reranker": {"provider": "none"}})
    store = MilvusStore(str(tmp_path / "milvus.db"))
    yield store, Collection(MilvusSettings(collection="lib"), HashEmbedder(settings.embedder), store)
    store.close()


def test_no_collection_yet_lists_nothing_and_creates_nothing(parts: tuple[MilvusStore, Collection]) -> None:
    store, coll = parts
    assert Library(store, coll).documents() == []
    assert not store.exists("lib")


def test_documents_newest_first_with_pages_chunks_and_completeness(
    parts: tuple[MilvusStore, Collection], tmp_path: Path
) -> None:
    store, coll = parts
    coll.open(create=True)
    pdf = tmp_path / "report.pdf"
    pdf.write_text("kept")
    store.upsert("lib", chunk_rows("pdf", str(pdf), [1, 3, 2], n_chunks=3, ingested_at=200))
    store.upsert("lib", chunk_rows("md", "/docs/b.md", [-1], n_chunks=1, ingested_at=300))
    store.upsert("lib", chunk_rows("partial", "/docs/a.md", [-1, -1], n_chunks=4, ingested_at=200))
    library = Library(store, coll)

    docs = library.documents()
    assert [d["doc_id"] for d in docs] == ["md", "partial", "pdf"]  # newest, then by file name
    by_id = {d["doc_id"]: d for d in docs}
    assert by_id["pdf"] == {
        "doc_id": "pdf",
        "source": str(pdf),
        "name": "report.pdf",
        "title": "Title of pdf",
        "pages": 3,
        "chunks": 3,
        "size": 30,
        "ingested_at": 200,
        "complete": True,
        "parent_id": None,
        "parent": None,
    }
    assert by_id["md"]["pages"] is None and by_id["md"]["complete"] is True
    assert (by_id["partial"]["chunks"], by_id["partial"]["complete"]) == (2, False)

    library.delete("pdf")
    assert [d["doc_id"] for d in library.documents()] == ["md", "partial"]
    assert pdf.read_text() == "kept"  # the file itself is left alone


def test_held_elsewhere_names_other_collections_that_index_the_document(
    parts: tuple[MilvusStore, Collection],
) -> None:
    store, coll = parts
    coll.open(create=True)
    settings = load_settings(None, env={}, overrides={"reranker": {"provider": "none"}})
    other = Collection(MilvusSettings(collection="other"), HashEmbedder(settings.embedder), store)
    other.open(create=True)
    store.upsert("lib", chunk_rows("shared", "/up/a.md", [-1], n_chunks=1, ingested_at=1))
    store.upsert("other", chunk_rows("shared", "/up/a.md", [-1], n_chunks=1, ingested_at=1))
    store.upsert("lib", chunk_rows("solo", "/up/b.md", [-1], n_chunks=1, ingested_at=1))
    store.client.create_collection("foreign", dimension=4)  # not built by rag: no documents to look at
    library = Library(store, coll)
    assert library.held_elsewhere("shared") == ["other"]
    assert library.held_elsewhere("solo") == []
    store.delete_document("other", "shared")
    assert library.held_elsewhere("shared") == []
