"""HTML/Markdown fragments: document text is escaped, never markup; source cards and tables."""

from __future__ import annotations

import datetime as dt

from rag_app.types import Passage, SearchResult
from ui import render

EVIL = '<script>alert("x")</script> & <b>bold</b>'


def _passage(**kw: object) -> Passage:
    base: dict[str, object] = {
        "source": "/docs/guide.pdf",
        "page": 3,
        "chunk": 0,
        "text": "Some text.",
        "score": 0.5,
    }
    return Passage(**{**base, **kw})  # type: ignore[arg-type]


def test_passage_card_escapes_document_text() -> None:
    p = _passage(text=EVIL + "\nsecond line", heading="<i>Intro</i>", source="/docs/<img src=x>.md")
    html = render.passage_html(2, p, cited=True)
    assert (
        "<script>" not in html and "<b>bold</b>" not in html and "<img" not in html and "<i>Intro" not in html
    )
    assert "&lt;script&gt;" in html and "&lt;i&gt;Intro&lt;/i&gt;" in html
    assert '<span class="rag-n">[2]</span>' in html and "rag-cited" in html
    assert "&amp; &lt;b&gt;bold&lt;/b&gt;<br>second line" in html  # full text: lines kept, escaped


def test_card_names_file_page_and_scores() -> None:
    p = _passage(rerank_score=0.91234)
    assert render.where(p) == "guide.pdf · p. 3"
    assert render.where(_passage(page=None)) == "guide.pdf"
    assert render.scores(p) == "score 0.500 · rerank 0.912"
    assert "rag-cited" not in render.passage_html(1, p)


def test_snippet_cuts_at_a_word() -> None:
    assert render.snippet("a  b\n c") == "a b c"
    text = "word " * 100
    cut = render.snippet(text, 22)
    assert cut == "word word word word …" and len(cut) <= 24


def test_sources_mark_the_cited_passages() -> None:
    html = render.sources_html([_passage(), _passage(text="Other.")], cited=[2], note=" · not <reranked>")
    assert "Sources (2) · not &lt;reranked&gt;" in html
    assert html.count("rag-cited") == 1 and html.index("rag-cited") > html.index("[2]")
    assert "No passages were found" in render.sources_html([])


def test_search_results_say_how_they_were_ranked() -> None:
    result = SearchResult("q", "hybrid", [_passage()], "docs_<x>", {"applied": True, "model": "bge<1>"})
    html = render.search_html(result)
    assert "1 passages · mode <b>hybrid</b>" in html and "<code>docs_&lt;x&gt;</code>" in html
    assert "reranked by bge&lt;1&gt;" in html and "rag-source" in html
    empty = SearchResult("q", "dense", [], "c", {"applied": False, "skipped_reason": "reranker off"})
    assert "not reranked: reranker off" in render.search_html(empty)
    assert render.search_html(empty).endswith("<p><i>No results.</i></p>")
    assert "rag-banner" not in html


def test_search_results_and_answers_show_language_warnings_first() -> None:
    result = SearchResult(
        "데비안?", "hybrid", [_passage()], "c", {"applied": False}, warnings=["Korean <vs> Chinese"]
    )
    html = render.search_html(result)
    assert html.index("rag-banner-warn") < html.index("rag-search-head")
    assert "Korean &lt;vs&gt; Chinese" in html
    assert render.warnings_html([]) == ""


def test_messages_banners_and_progress() -> None:
    assert render.error_md("Index locked.", "Stop it.") == "⚠ **Index locked.**\n\n**Fix:** Stop it."
    assert render.error_md("Oops.", None) == "⚠ **Oops.**"
    banner = render.banner_html("warn", "<Title>", "a & b", "run `x <y>`")
    assert 'class="rag-banner rag-banner-warn"' in banner and "&lt;Title&gt;" in banner
    assert "a &amp; b" in banner and "<b>Fix:</b> run `x &lt;y&gt;`" in banner
    assert "rag-fix" not in render.banner_html("info", "t", "d")
    assert 'style="width:50%"' in render.progress_html(1, 2, "<half>")
    assert "&lt;half&gt;" in render.progress_html(1, 2, "<half>")
    assert 'style="width:0%"' in render.progress_html(3, 0, "unknown total")
    assert 'style="width:100%"' in render.progress_html(5, 2, "over")


def test_tables() -> None:
    epoch = 1_700_000_000
    docs = [
        {"name": "a.md", "title": "A", "pages": None, "chunks": 3, "ingested_at": epoch},
        {"name": "b.pdf", "chunks": 9, "complete": False},
    ]
    rows = render.documents_rows(docs)
    assert rows[0] == ["a.md", "A", "", 3, dt.datetime.fromtimestamp(epoch).strftime("%Y-%m-%d %H:%M"), "ok"]
    assert rows[1] == ["b.pdf", "", "", 9, "", "incomplete (re-ingest)"]
    assert len(rows[0]) == len(render.DOC_HEADERS)
    assert render.when(None) == "" and render.when("not a time") == ""
    checks = [{"component": "llm", "status": "fail", "detail": "down", "fix": None}]
    assert render.checks_rows(checks) == [["llm", "FAIL", "down", ""]]


def test_ocr_badge_and_attachment_names() -> None:
    from rag_app.types import Passage
    from ui import render

    scanned = Passage(source="/d/scan.pdf", page=2, chunk=0, text="read from a scan", score=0.5, ocr=True)
    assert 'class="rag-ocr"' in render.passage_html(1, scanned)
    assert "rag-ocr" not in render.passage_html(
        1, Passage(source="/d/a.md", page=None, chunk=0, text="t", score=0.5)
    )
    assert render.doc_name({"name": "m.eml#a.pdf", "parent_id": "p"}) == "m.eml › a.pdf"
    assert render.doc_name({"name": "notes#2.md", "parent_id": None}) == "notes#2.md"
