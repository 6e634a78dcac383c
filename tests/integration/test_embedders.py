"""Embedder providers and the embedder swap, with real models and a real Milvus Lite."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest

from rag_app.components.embedders import build_embedder
from rag_app.config import load_settings
from rag_app.errors import CollectionMismatch
from rag_app.pipeline import build_pipeline
from tests.conftest import ingest_paths

pytestmark = pytest.mark.integration

QUESTION = "SQLite supports an unlimited number of simultaneous readers"


def test_swapping_the_embedder_builds_a_second_collection(make_config, docs_dir: Path) -> None:  # type: ignore[no-untyped-def]
    cfg = make_config()
    minilm = build_pipeline(load_settings(cfg, env={}))
    first = ingest_paths(minilm, [docs_dir])
    old_name, old_count = first.collection, minilm.components.store.count(first.collection)

    # One line changed in config: embedder.model. Reuse the open store (Milvus Lite: one client per folder).
    mpnet_settings = load_settings(
        cfg,
        env={
            "RAG_EMBEDDER__PROVIDER": "sentence-transformers",  # named, as README says to swap
            "RAG_EMBEDDER__MODEL": "sentence-transformers/all-mpnet-base-v2",
        },
    )
    mpnet = build_pipeline(mpnet_settings, store=minilm.components.store)
    assert mpnet.components.embedder.dimension == 768
    assert mpnet.collection != old_name
    second = ingest_paths(mpnet, [docs_dir])
    assert second.collection == mpnet.collection and second.added == first.added

    # The old collection is untouched and still answers with its own embedder.
    assert minilm.components.store.count(old_name) == old_count
    assert any(QUESTION in p.text for p in minilm.search(QUESTION, mode="dense").passages)
    # The new config searches the new collection.
    result = mpnet.search(QUESTION, mode="dense")
    assert result.collection == second.collection
    assert any(QUESTION in p.text for p in result.passages)

    names = {c.name: c for c in minilm.components.store.collections()}
    assert names[old_name].dimension == 384 and names[second.collection].dimension == 768
    assert names[old_name].documents == names[second.collection].documents == 3

    # Pinning the old collection while the new embedder is configured is refused, never searched.
    pinned = load_settings(
        cfg,
        env={
            "RAG_EMBEDDER__MODEL": "sentence-transformers/all-mpnet-base-v2",
            "RAG_MILVUS__COLLECTION": old_name,
        },
    )
    wrong = build_pipeline(pinned, embedder=mpnet.components.embedder, store=minilm.components.store)
    with pytest.raises(CollectionMismatch) as err:
        wrong.search(QUESTION)
    text = str(err.value)
    assert old_name in text and "all-MiniLM-L6-v2" in text and "all-mpnet-base-v2" in text
    assert "Fix:" in text


def test_flagembedding_provider_matches_sentence_transformers(minilm_path: Path) -> None:
    st = build_embedder(load_settings(path=None, env={}))
    flag = build_embedder(
        load_settings(
            path=None, env={}, overrides={"embedder": {"provider": "flagembedding", "pooling": "mean"}}
        )
    )
    assert flag.dimension == st.dimension == 384
    assert flag.max_tokens == 256
    texts = ["SQLite uses no configuration files.", "R is a system for statistical computation."]
    a, b = np.array(st.embed_passages(texts)), np.array(flag.embed_passages(texts))
    assert np.allclose(a, b, atol=1e-3)
    assert flag.fingerprint_id != st.fingerprint_id  # another provider is another collection


def test_query_and_passage_prefixes_change_vectors_and_fingerprint(minilm_path: Path) -> None:
    plain = build_embedder(load_settings(path=None, env={}))
    prefixed = build_embedder(
        load_settings(
            path=None,
            env={},
            overrides={"embedder": {"query_prefix": "query: ", "passage_prefix": "passage: "}},
        )
    )
    q = "what is sqlite"
    assert not np.allclose(plain.embed_query(q), prefixed.embed_query(q))
    assert np.allclose(prefixed.embed_query(q), plain.embed_query("query: " + q), atol=1e-5)
    assert plain.fingerprint_id != prefixed.fingerprint_id


@pytest.fixture(scope="module")
def embeddings_server(minilm_path: Path) -> Iterator[str]:
    """A real OpenAI-compatible /v1/embeddings server on loopback, backed by MiniLM."""
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(minilm_path), device="cpu")
    seen_models: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            seen_models.append(body["model"])
            inputs = body["input"] if isinstance(body["input"], list) else [body["input"]]
            vecs = model.encode(inputs, normalize_embeddings=False)
            payload = {
                "object": "list",
                "model": body["model"],
                "data": [
                    {"object": "embedding", "index": i, "embedding": v.tolist()} for i, v in enumerate(vecs)
                ],
                "usage": {"prompt_tokens": 0, "total_tokens": 0},
            }
            data = json.dumps(payload).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()


def test_openai_provider_indexes_and_searches(make_config, docs_dir: Path, embeddings_server: str) -> None:  # type: ignore[no-untyped-def]
    cfg = make_config(
        embedder={
            "provider": "openai",
            "model": "minilm-remote",
            "base_url": embeddings_server,
            "batch_size": 8,
        }
    )
    pipe = build_pipeline(load_settings(cfg, env={}))
    assert pipe.components.embedder.dimension == 384
    report = ingest_paths(pipe, [docs_dir])
    assert report.added == 3 and "minilm_remote" in report.collection
    result = pipe.search(QUESTION, mode="dense")
    assert any(QUESTION in p.text for p in result.passages)
    vec = np.array(pipe.components.embedder.embed_query("x"))
    assert abs(np.linalg.norm(vec) - 1.0) < 1e-5  # normalised client-side


def test_int8_quantised_embedder_is_close_and_gets_its_own_collection(minilm_path: Path) -> None:
    fp32 = build_embedder(load_settings(path=None, env={}))
    int8 = build_embedder(load_settings(path=None, env={}, overrides={"embedder": {"quantize": "int8"}}))
    texts = ["SQLite uses no configuration files.", "R is a system for statistical computation and graphics."]
    a, b = np.array(fp32.embed_passages(texts)), np.array(int8.embed_passages(texts))
    cos = (a * b).sum(axis=1)  # both normalised
    assert (cos > 0.95).all() and not np.allclose(a, b)
    assert int8.fingerprint["quantize"] == "int8" and int8.fingerprint_id != fp32.fingerprint_id


def test_chunking_tokenizer_is_safe_beside_the_encoder(minilm_path: Path) -> None:
    """The ingest reader thread counts tokens while the encoder tokenizes: no shared fast tokenizer."""
    emb = build_embedder(load_settings(path=None, env={}))
    count = emb.token_counter()
    errors: list[Exception] = []
    stop = threading.Event()
    text = "Sentence about indexing documents carefully. " * 40

    def chunking() -> None:
        while not stop.is_set():
            try:
                count(text)
            except Exception as exc:
                errors.append(exc)

    thread = threading.Thread(target=chunking)
    thread.start()
    texts = ["word " * (i % 50 + 1) for i in range(64)]
    try:
        for _ in range(15):
            assert len(emb.embed_passages(texts)) == 64
    finally:
        stop.set()
        thread.join()
    assert not errors, errors[:1]
