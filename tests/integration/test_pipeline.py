"""The real path in-process: Milvus Lite in a temp dir, the MiniLM pack, a real llama.cpp server."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from rag_app.config import load_settings
from rag_app.errors import CollectionNotFound, EndpointUnavailable
from rag_app.pipeline import Pipeline, build_pipeline
from rag_app.store import MilvusStore
from tests.conftest import R_FAQ_FACT, ingest_paths, norm

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def shared_embedder(minilm_path: Path):  # type: ignore[no-untyped-def]
    from rag_app.components.embedders import build_embedder

    return build_embedder(load_settings(path=None, env={}))


def _pipeline(cfg: Path, embedder, **overrides) -> Pipeline:  # type: ignore[no-untyped-def]
    settings = load_settings(cfg, env={}, overrides=overrides or None)
    return build_pipeline(settings, embedder=embedder)


def _bad_files(folder: Path) -> dict[str, str]:
    good_pdf = (folder / "r-faq-2pages.pdf").read_bytes()
    (folder / "broken.pdf").write_bytes(good_pdf[: len(good_pdf) // 3])
    (folder / "binary.txt").write_bytes(bytes(range(256)) * 20)
    (folder / "empty.md").write_bytes(b"")
    (folder / "picture.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)  # an image (OCR), broken
    (folder / "program.exe").write_bytes(b"MZ" + b"\x00" * 64)
    return {"broken.pdf": "PDF", "binary.txt": "binary", "empty.md": "empty", "picture.png": "image"}


def test_ingest_search_ask_end_to_end(
    tmp_path: Path, make_config, docs_dir: Path, shared_embedder, llm_server: str
) -> None:  # type: ignore[no-untyped-def]
    expected_failures = _bad_files(docs_dir)
    cfg = make_config(llm={"provider": "openai", "base_url": llm_server, "model": "qwen"})
    pipe = _pipeline(cfg, shared_embedder)

    report = ingest_paths(pipe, [docs_dir])
    failed = {Path(f["path"]).name: f["error"] for f in report.failed}
    assert set(failed) == set(expected_failures)
    for name, word in expected_failures.items():
        assert word.lower() in failed[name].lower(), failed[name]
    assert [Path(s["path"]).name for s in report.skipped] == ["program.exe"]
    assert report.added == 3 and report.exit_code == 2
    collection = report.collection
    chunks = pipe.components.store.count(collection)
    assert chunks == report.chunks > 0

    # The fact asked about is on page 2 of the PDF; it must come back with its page number.
    result = pipe.search("Where are new features of R introduced, r-devel or r-patched?", top_k=5)
    top = result.passages[0]
    assert top.source.endswith("r-faq-2pages.pdf") and top.page == 2
    assert R_FAQ_FACT in norm(" ".join(p.text for p in result.passages[:3]))
    assert result.reranker["applied"] is False

    answer = pipe.ask("In R, where are new features typically introduced?")
    assert answer.text.strip()
    assert answer.sources, "the answer must point at at least one passage"
    cited_text = norm(" ".join(answer.search.passages[n - 1].text for n in answer.sources))
    assert "r-devel" in cited_text

    # Ingesting the same folder again embeds nothing and adds nothing.
    again = ingest_paths(pipe, [docs_dir])
    assert (again.added, again.updated, again.unchanged, again.chunks) == (0, 0, 3, 0)
    assert pipe.components.store.count(collection) == chunks

    # A changed file replaces its chunks: no duplicates, no stale text.
    notes = docs_dir / "notes.md"
    notes.write_text("# Changed\n\nThe quick brown axolotl lives in Lake Xochimilco.\n")
    changed = ingest_paths(pipe, [notes])
    assert changed.updated == 1
    doc_texts = [p.text for p in pipe.search("axolotl Xochimilco", mode="sparse", top_k=20).passages]
    assert any("axolotl" in t for t in doc_texts)
    notes_rows = pipe.components.store.rows(
        collection, filter=f'source == "{notes.resolve()}"', fields=["text"]
    )
    assert len(notes_rows) == 1 and "axolotl" in notes_rows[0]["text"]


def test_reopen_after_restart_loads_collection(
    tmp_path: Path, make_config, docs_dir: Path, shared_embedder
) -> None:  # type: ignore[no-untyped-def]
    cfg = make_config()
    pipe = _pipeline(cfg, shared_embedder)
    ingest_paths(pipe, [docs_dir / "notes.md"])
    name = pipe.collection
    del pipe
    # A fresh client on the same folder, as a new process would see it: the collection is released.
    settings = load_settings(cfg, env={})
    store = MilvusStore(settings.milvus_uri)
    pipe2 = build_pipeline(settings, embedder=shared_embedder, store=store)
    hits = pipe2.search("When was the SQLite project started?", mode="dense", top_k=1)
    assert hits.collection == name and hits.passages


def test_search_without_collection_says_to_ingest(make_config, shared_embedder) -> None:  # type: ignore[no-untyped-def]
    pipe = _pipeline(make_config(), shared_embedder)
    with pytest.raises(CollectionNotFound) as err:
        pipe.search("anything")
    assert "rag ingest" in str(err.value)


@pytest.mark.parametrize("mode", ["dense", "sparse", "hybrid"])
def test_each_search_mode_finds_the_passage(mode: str, make_config, docs_dir: Path, shared_embedder) -> None:  # type: ignore[no-untyped-def]
    pipe = _pipeline(make_config(), shared_embedder)
    ingest_paths(pipe, [docs_dir])
    result = pipe.search("SQLite supports an unlimited number of simultaneous readers", mode=mode, top_k=3)
    assert result.mode == mode
    assert any("simultaneous readers" in p.text for p in result.passages)
    scores = [p.score for p in result.passages]
    assert scores == sorted(scores, reverse=True)


def test_down_llm_endpoint_is_a_readable_error(make_config, docs_dir: Path, shared_embedder) -> None:  # type: ignore[no-untyped-def]
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cfg = make_config(llm={"provider": "openai", "base_url": f"http://127.0.0.1:{port}/v1", "model": "x"})
    pipe = _pipeline(cfg, shared_embedder)
    ingest_paths(pipe, [docs_dir / "notes.md"])
    with pytest.raises(EndpointUnavailable) as err:
        pipe.ask("When was SQLite started?")
    assert f"127.0.0.1:{port}" in err.value.message and "llm.base_url" in (err.value.fix or "")


def test_local_provider_starts_reuses_and_stops_its_server(
    tmp_path: Path, make_config, smollm_gguf: Path
) -> None:  # type: ignore[no-untyped-def]
    from rag_app.components.llm import build_llm

    settings = load_settings(make_config(llm={"provider": "local", "model": "smollm2-135m"}), env={})
    first = build_llm(settings)
    assert first.server is not None and first.server.owned
    pid = first.server.proc.pid  # type: ignore[union-attr]
    assert first.base_url.startswith("http://127.0.0.1:")
    assert first.complete([{"role": "user", "content": "Say OK."}]).strip()

    # A second rag process (here: a second client) reuses the running server and does not own it.
    second = build_llm(settings)
    assert second.base_url == first.base_url and second.server is not None and not second.server.owned
    second.close()
    os.kill(pid, 0)  # still running: only its starter may stop it
    first.close()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    assert not (settings.data_dir / "llm-server.json").exists()
