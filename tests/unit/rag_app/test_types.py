"""rag_app.types: the JSON shapes of passages and search results."""

from __future__ import annotations

from rag_app.types import Passage, SearchResult


def test_passage_as_dict_rounds_scores_and_defaults_chunks_to_its_own() -> None:
    p = Passage(source="/d/a.md", page=None, chunk=3, text="t", score=0.123456789, doc_id="d1")
    assert p.as_dict() == {
        "source": "/d/a.md",
        "page": None,
        "chunk": 3,
        "text": "t",
        "score": 0.123457,
        "rerank_score": None,
        "heading": None,
        "chunks": [3],
        "doc_id": "d1",
        "ocr": False,
    }


def test_passage_as_dict_keeps_merged_chunks_heading_and_rerank_score() -> None:
    p = Passage(
        source="/d/a.pdf", page=2, chunk=4, text="t", score=1.0, rerank_score=-2.00000049, heading="Intro",
        chunks=[4, 5],
    )  # fmt: skip
    d = p.as_dict()
    assert d["rerank_score"] == -2.0 and d["page"] == 2
    assert d["heading"] == "Intro" and d["chunks"] == [4, 5]


def test_search_result_as_dict_keys_and_timings_in_ms() -> None:
    p = Passage(source="/d/a.md", page=None, chunk=0, text="t", score=0.5)
    result = SearchResult(
        query="q", mode="hybrid", passages=[p], collection="rag_x", reranker={"applied": True},
        timings={"search": 0.01234, "embed": 0.5},
    )  # fmt: skip
    d = result.as_dict()
    assert list(d) == [
        "query", "condensed_from", "mode", "mode_used", "notice", "filter", "results", "relevance",
        "collection", "reranker", "timings_ms", "warnings",
    ]  # fmt: skip
    assert d["mode_used"] == "hybrid" and d["notice"] is None  # the mode that ran defaults to the one asked
    assert d["results"] == [p.as_dict()] and d["warnings"] == []
    assert d["timings_ms"] == {"search": 12.3, "embed": 500.0}
    assert d["filter"] is None and d["condensed_from"] is None
    assert result.reranked


def test_search_result_reports_filter_condensed_query_and_no_rerank() -> None:
    result = SearchResult(
        "q2", "dense", [], "c", {"applied": False}, filter="doc_id == 'x'", condensed_from="q"
    )
    d = result.as_dict()
    assert d["filter"] == "doc_id == 'x'" and d["condensed_from"] == "q" and d["results"] == []
    assert not result.reranked


def test_search_result_says_when_another_mode_ran() -> None:
    why = "hybrid search ran as dense: Milvus server v2.3.5 has no BM25 full-text search"
    d = SearchResult("q", "hybrid", [], "c", {"applied": False}, mode_used="dense", notice=why).as_dict()
    assert (d["mode"], d["mode_used"], d["notice"]) == ("hybrid", "dense", why)
