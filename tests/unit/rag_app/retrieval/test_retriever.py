"""rag_app.retrieval.retriever.Retriever: first-stage search, rerank, filters, over a real Milvus Lite."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from rag_app.collection import Collection
from rag_app.components.rerankers import Reranker, RerankerStatus
from rag_app.config import load_settings
from rag_app.errors import CollectionNotFound, ConfigError, StoreError
from rag_app.retrieval.filters import SearchFilters
from rag_app.retrieval.retriever import Retriever
from rag_app.settings import RerankerSettings, Settings
from rag_app.store import MilvusStore
from tests.unit.rag_app.fakes import HashEmbedder, index_texts

DOCS = {
    "/docs/sqlite.md": [
        "SQLite stores a whole database in a single ordinary file.",
        "SQLite has no separate server process.",
    ],
    "/docs/r.md": ["R releases come from r-devel and r-patched branches."],
    "/docs/milvus.txt": ["Milvus indexes vectors for similarity search."],
    "/docs/postgres.pdf": ["PostgreSQL runs a server process for each database connection."],
}
NO_RERANKER = RerankerStatus(enabled=False, available=False, reason="reranker.provider is 'none'")


def words(text: str) -> set[str]:
    return {w.strip(".,?!").lower() for w in text.split()}


class OverlapReranker(Reranker):
    """Scores a passage by the number of query words it contains; records each call."""

    def __init__(self) -> None:
        super().__init__(RerankerSettings(provider="none"))
        self.calls: list[tuple[str, list[str]]] = []

    def score(self, query: str, passages: Sequence[str]) -> list[float]:
        self.calls.append((query, list(passages)))
        return [float(len(words(query) & words(p))) for p in passages]


@pytest.fixture(scope="module")
def parts(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Settings, HashEmbedder, MilvusStore]]:
    folder = Path(tmp_path_factory.mktemp("retriever"))
    settings = load_settings(
        None,
        env={},
        overrides={"milvus": {"uri": str(folder / "milvus.db")}, "reranker": {"provider": "none"}},
    )
    embedder = HashEmbedder(settings.embedder)
    store = MilvusStore(settings.milvus_uri)
    collection = Collection(settings.milvus, embedder, store)
    index_texts(store, collection.name, DOCS, embedder.fingerprint)
    yield settings, embedder, store
    store.close()


def retriever(
    parts: tuple[Settings, HashEmbedder, MilvusStore],
    reranker: Reranker | None = None,
    status: RerankerStatus = NO_RERANKER,
    **retrieval: Any,
) -> Retriever:
    settings, embedder, store = parts
    cfg = settings.retrieval.model_copy(update=retrieval)
    return Retriever(embedder, store, Collection(settings.milvus, embedder, store), reranker, status, cfg)


def ranked(result: Any) -> list[tuple[str, int]]:
    return [(p.source, p.chunk) for p in result.passages]


def test_unknown_mode_is_a_config_error(parts: Any) -> None:
    with pytest.raises(ConfigError, match="Unknown search mode 'fuzzy'"):
        retriever(parts).search("anything", mode="fuzzy")


def test_a_missing_collection_is_not_created_by_searching(parts: Any) -> None:
    settings, embedder, store = parts
    pinned = settings.milvus.model_copy(update={"collection": "never_ingested"})
    r = Retriever(embedder, store, Collection(pinned, embedder, store), None, NO_RERANKER, settings.retrieval)
    with pytest.raises(CollectionNotFound):
        r.search("anything")
    assert not store.exists("never_ingested")


def test_dense_search_returns_passages_with_their_fields(parts: Any) -> None:
    result = retriever(parts, mode="dense").search("SQLite has no separate server process.", top_k=2)
    assert result.mode == "dense" and len(result.passages) == 2
    top = result.passages[0]
    assert (top.source, top.chunk, top.doc_id, top.title) == ("/docs/sqlite.md", 1, "doc0", "sqlite.md")
    assert top.page is None and top.score == pytest.approx(1.0, abs=1e-5) and top.rerank_score is None
    assert result.collection == Collection(parts[0].milvus, parts[1], parts[2]).name
    assert set(result.timings) == {"embed", "search"}
    assert result.reranker == {
        "applied": False,
        "model": None,
        "skipped_reason": "reranker.provider is 'none'",
    }


def test_sparse_search_embeds_nothing_and_hybrid_fuses_both(parts: Any) -> None:
    sparse = retriever(parts).search("r-patched branches", mode="sparse")
    assert ranked(sparse) == [("/docs/r.md", 0)] and "embed" not in sparse.timings
    hybrid = retriever(parts, mode="hybrid").search("Milvus indexes vectors", top_k=3)
    assert hybrid.mode == "hybrid" and ranked(hybrid)[0] == ("/docs/milvus.txt", 0)
    assert len(hybrid.passages) == 3


def test_top_k_defaults_to_the_settings(parts: Any) -> None:
    assert len(retriever(parts, mode="dense", top_k=2).search("database").passages) == 2


def test_rerank_reorders_the_candidates_and_keeps_top_k(parts: Any) -> None:
    query = "no process"
    plain = retriever(parts, mode="dense").search(query, top_k=3)
    assert ranked(plain) == [("/docs/postgres.pdf", 0), ("/docs/sqlite.md", 1), ("/docs/milvus.txt", 0)]

    rr = OverlapReranker()
    status = RerankerStatus(enabled=True, available=True, model="overlap")
    result = retriever(parts, rr, status, mode="dense", candidates=10).search(query, top_k=3)
    assert len(rr.calls[0][1]) == 5  # every candidate (all 5 chunks) was scored, not only top_k
    assert ranked(result) == [("/docs/sqlite.md", 1), ("/docs/postgres.pdf", 0), ("/docs/milvus.txt", 0)]
    assert [p.rerank_score for p in result.passages] == [2.0, 1.0, 0.0]
    assert result.reranked and result.reranker == {
        "applied": True,
        "model": "overlap",
        "skipped_reason": None,
    }
    assert "rerank" in result.timings


def test_min_rerank_score_drops_low_scoring_passages(parts: Any) -> None:
    status = RerankerStatus(enabled=True, available=True, model="overlap")
    r = retriever(parts, OverlapReranker(), status, mode="dense", min_rerank_score=1.0)
    assert ranked(r.search("no process", top_k=5)) == [("/docs/sqlite.md", 1), ("/docs/postgres.pdf", 0)]


def test_no_rerank_for_one_request_skips_the_reranker_and_says_why(parts: Any) -> None:
    rr = OverlapReranker()
    status = RerankerStatus(enabled=True, available=True, model="overlap")
    result = retriever(parts, rr, status, mode="dense").search("no process", rerank=False)
    assert rr.calls == [] and all(p.rerank_score is None for p in result.passages)
    assert result.reranker == {
        "applied": False,
        "model": "overlap",
        "skipped_reason": "disabled for this request (--no-rerank)",
    }


def test_filters_restrict_results_and_are_reported(parts: Any) -> None:
    r = retriever(parts, mode="hybrid")
    result = r.search("database server process", filters=SearchFilters(types=["md"]))
    assert result.passages and {p.source for p in result.passages} == {"/docs/sqlite.md", "/docs/r.md"}
    assert result.filter == '((source like "%.md"))'
    both = r.search("database", filters=SearchFilters(types=["md", "pdf"]), filter='doc_id != "doc0"')
    assert {p.source for p in both.passages} == {"/docs/r.md", "/docs/postgres.pdf"}
    assert both.filter == '((source like "%.md" or source like "%.pdf")) and (doc_id != "doc0")'


def test_relevance_is_the_closest_passages_cosine_in_every_mode(parts: Any) -> None:
    query = "SQLite has no separate server process."
    dense = retriever(parts, mode="dense").search(query, relevance=True)
    assert dense.relevance == pytest.approx(1.0, abs=1e-5) and "relevance" not in dense.timings
    for mode in ("hybrid", "sparse"):
        other = retriever(parts, mode=mode).search(query, relevance=True)
        assert other.relevance == pytest.approx(dense.relevance, abs=1e-5), mode
        assert "relevance" in other.timings  # one more dense search, top 1
    sparse_only = retriever(parts).search(query, mode="sparse")
    assert sparse_only.relevance is None and "embed" not in sparse_only.timings  # not asked: no cost


def test_relevance_respects_the_filters(parts: Any) -> None:
    query = "SQLite has no separate server process."
    r = retriever(parts, mode="hybrid").search(query, relevance=True, filters=SearchFilters(types=["txt"]))
    assert r.relevance is not None and r.relevance < 0.9  # the matching sentence is filtered out
    assert r.as_dict()["relevance"] == round(r.relevance, 4)


def test_without_bm25_sparse_and_hybrid_run_as_dense_and_say_why(parts: Any) -> None:
    """A collection built by a Milvus without BM25 (< 2.5) has no sparse field: the search degrades."""
    from rag_app.store.schema import create_collection

    settings, embedder, store = parts
    pinned = settings.milvus.model_copy(update={"collection": "dense_only"})
    create_collection(store.client, "dense_only", embedder.fingerprint, bm25=False)
    index_texts(store, "dense_only", DOCS, embedder.fingerprint)
    r = Retriever(embedder, store, Collection(pinned, embedder, store), None, NO_RERANKER, settings.retrieval)
    dense = r.search("SQLite has no separate server process.", top_k=2, mode="dense")
    assert (dense.mode_used, dense.notice) == ("dense", None)
    for mode in ("sparse", "hybrid"):
        result = r.search("SQLite has no separate server process.", top_k=2, mode=mode)
        assert (result.mode, result.mode_used) == (mode, "dense")
        assert result.notice and result.notice.startswith(f"{mode} search ran as dense: Milvus Lite")
        assert ranked(result) == ranked(dense) and "embed" in result.timings
    with pytest.raises(StoreError, match="has no BM25 field, so it cannot serve hybrid search") as err:
        store.search("dense_only", "hybrid", 2, vector=embedder.embed_query("x"), text="x")
    assert err.value.fix and "mode dense" in err.value.fix
