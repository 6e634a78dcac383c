"""rag_app.store.records: per-document state, collection facts and the rows written to Milvus."""

from __future__ import annotations

from typing import Any

import pytest

from rag_app.store.records import MAX_TEXT, CollectionInfo, DocState, rows_for


def row(content_hash: str, n_chunks: int, **extra: Any) -> dict[str, Any]:
    return {"content_hash": content_hash, "n_chunks": n_chunks, "mtime": 7, "size": 100, **extra}


def test_one_version_with_all_its_chunks_is_complete() -> None:
    state = DocState("d1", "/a.md")
    for _ in range(3):
        state.add(row("h1", 3))
    assert state.complete() and state.complete("h1")
    assert not state.complete("h2")  # complete, but not the version asked about
    assert state.chunks == 3


def test_a_partial_version_is_not_complete() -> None:
    state = DocState("d1", "/a.md")
    state.add(row("h1", 3))
    state.add(row("h1", 3))
    assert not state.complete() and state.chunks == 2


def test_two_versions_are_not_complete_even_when_each_is_whole() -> None:
    state = DocState("d1", "/a.md")
    state.add(row("h1", 1))
    state.add(row("h2", 1))
    assert not state.complete() and not state.complete("h2")
    assert state.counts == {"h1": 1, "h2": 1} and state.chunks == 2


def test_empty_state_is_not_complete() -> None:
    assert not DocState("d1", "/a.md").complete()


def test_add_keeps_highest_page_first_title_and_latest_ingest() -> None:
    state = DocState("d1", "/a.pdf")
    state.add(row("h", 3, page=2, title="First", ingested_at=10))
    state.add(row("h", 3, page=5, title="Second", ingested_at=30))
    state.add(row("h", 3, page=-1, title="", ingested_at=20))
    assert (state.pages, state.title, state.ingested_at) == (5, "First", 30)
    assert (state.mtime, state.size) == (7, 100)


def test_collection_info_names_its_embedder_and_dimension() -> None:
    info = CollectionInfo("rag_x", {"provider": "fake", "model": "hash", "dimension": 16})
    assert info.embedder == "fake:hash" and info.dimension == 16
    foreign = CollectionInfo("other")
    assert foreign.embedder == "(not built by rag)" and foreign.dimension is None
    assert CollectionInfo("partial", {"model": "m"}).embedder == "?:m"


def test_rows_for_caps_text_and_attaches_vectors_to_metadata() -> None:
    long = "x" * (MAX_TEXT + 10)
    rows = rows_for(["short", long], [(0.5, 1.0), [0.0, 1.0]], [{"id": "a"}, {"id": "b"}])
    assert rows[0] == {"parent_id": "", "ocr": False, "id": "a", "text": "short", "dense": [0.5, 1.0]}
    assert len(rows[1]["text"]) == MAX_TEXT and rows[1]["dense"] == [0.0, 1.0]


def test_rows_for_refuses_mismatched_lengths() -> None:
    with pytest.raises(ValueError):
        rows_for(["a", "b"], [[1.0]], [{"id": "a"}, {"id": "b"}])
