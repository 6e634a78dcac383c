"""Search latency on synthetic collections (10k, 100k chunks): one collection with the app's schema,
filled with random unit vectors and FAQ-vocabulary text, searched with ``MilvusStore.search``."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from common import lat, log
from retrieval_variants import TOP

if TYPE_CHECKING:  # the app is imported once the benchmark has made the environment offline
    from rag_app.pipeline import Pipeline

MODES = ("dense", "sparse", "hybrid", "client_fusion")


def vocabulary(docs: Path) -> tuple[list[str], list[float]]:
    """Words of the FAQ documents with Zipf-like weights (by frequency rank): English-ish text for BM25."""
    from collections import Counter

    from eval.retrieval import tokens
    from ingest.formats import load

    counts: Counter[str] = Counter()
    for p in sorted(docs.iterdir()):
        doc = load(p, p.read_bytes())
        counts.update(t for s in doc.sections for t in tokens(s.text) if t.isalpha())
    words = [w for w, _ in counts.most_common()]
    weights = [1.0 / (r + 1) ** 1.07 for r in range(len(words))]
    total = sum(weights)
    return words, [w / total for w in weights]


def synthetic_rows(
    start: int, n: int, dim: int, words: list[str], probs: list[float], seed: int
) -> list[dict[str, Any]]:
    """Rows ``start`` to ``start + n`` of the app's schema: 50 chunks a document, 80-180 words each."""
    import numpy as np

    rng = np.random.default_rng(seed)
    vecs = rng.standard_normal((n, dim)).astype("float32")
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    lengths = rng.integers(80, 180, size=n)
    picks = rng.choice(len(words), size=int(lengths.sum()), p=probs)
    rows, pos = [], 0
    now = int(time.time())
    for i in range(n):
        text = " ".join(words[j] for j in picks[pos : pos + lengths[i]])
        pos += int(lengths[i])
        rows.append(
            {
                "id": f"syn-{start + i}",
                "doc_id": f"doc-{(start + i) // 50}",
                "source": f"synthetic/{(start + i) // 50}.txt",
                "title": "",
                "page": -1,
                "heading": "",
                "chunk": (start + i) % 50,
                "content_hash": "synthetic",
                "mtime": now,
                "size": 0,
                "n_chunks": 50,
                "ingested_at": now,
                "parent_id": "",
                "ocr": False,
                "text": text,
                "dense": vecs[i].tolist(),
            }
        )
    return rows


def synthetic(
    pipe: Pipeline, sizes: list[int], queries: list[str], docs: Path, batch: int = 5000
) -> dict[str, Any]:
    """Grow one synthetic collection to each size; time query embedding + store.search per mode.
    The text is drawn from the vocabulary of the documents in ``docs``."""
    store, emb = pipe.components.store, pipe.components.embedder
    fp = dict(emb.fingerprint)
    fp["model"] = f"synthetic:{fp.get('model')}"
    name = "bench_synthetic"
    store.create(name, fp)
    dim = int(fp["dimension"])
    words, probs = vocabulary(docs)
    out: dict[str, Any] = {
        "dimension": dim,
        "dense_index": "FLAT" if store.is_lite else "AUTOINDEX",
        "milvus": store.engine.describe(),
        "queries": len(queries),
        "modes": {},
    }
    have = 0
    vectors = {}
    embed_s, embed_cpu = [], []
    for q in queries:  # the query embedding does not depend on the collection: time it once per query
        t, c = time.perf_counter(), time.process_time()
        vectors[q] = emb.embed_query(q)
        embed_s.append(time.perf_counter() - t)
        embed_cpu.append(time.process_time() - c)
    out["query_embedding"] = lat(embed_s)
    out["query_embedding_cpu"] = lat(embed_cpu)

    def client_fusion(name: str, mode: str, limit: int, vector: Sequence[float], text: str) -> list[Any]:
        """Hybrid as two plain searches fused here (RRF), instead of Milvus Lite's hybrid_search."""
        fused: dict[str, float] = {}
        for hits in (
            store.search(name, "dense", limit, vector=vector),
            store.search(name, "sparse", limit, text=text),
        ):
            for rank, h in enumerate(hits, start=1):
                fused[h.id] = fused.get(h.id, 0.0) + 1.0 / (60 + rank)
        return sorted(fused, key=lambda i: -fused[i])[:limit]

    for size in sizes:
        t = time.perf_counter()
        while have < size:
            n = min(batch, size - have)
            rows = synthetic_rows(have, n, dim, words, probs, seed=have)
            store.upsert(name, rows)  # in requests of at most 1,000 rows, as the app writes
            have += n
        insert_s = time.perf_counter() - t
        with contextlib.suppress(Exception):  # Milvus Lite may not need or support it
            store.client.flush(name)
        count = store.count(name)
        log(f"synthetic: {count} rows ({insert_s:.1f} s to add, incl. text/vector generation)")
        res: dict[str, Any] = {"rows": count, "insert_seconds_incl_generation": round(insert_s, 1)}
        for mode in MODES:
            search: Callable[..., list[Any]] = client_fusion if mode == "client_fusion" else store.search
            search(name, mode, TOP, vector=vectors[queries[0]], text=queries[0])  # warm-up
            search_s, total_s, search_cpu, total_cpu = [], [], [], []
            for q, e, ec in zip(queries, embed_s, embed_cpu, strict=True):
                t, c = time.perf_counter(), time.process_time()
                search(name, mode, TOP, vector=vectors[q], text=q)
                s, sc = time.perf_counter() - t, time.process_time() - c
                search_s.append(s)
                search_cpu.append(sc)
                total_s.append(s + (e if mode != "sparse" else 0.0))
                total_cpu.append(sc + (ec if mode != "sparse" else 0.0))
            res[mode] = {
                "search": lat(search_s),
                "embed+search": lat(total_s),
                "search_cpu": lat(search_cpu),
                "embed+search_cpu": lat(total_cpu),
            }
            log(
                f"  {mode}: search p50 {res[mode]['search']['p50_ms']} ms, "
                f"embed+search p50 {res[mode]['embed+search']['p50_ms']} ms "
                f"(CPU time {res[mode]['embed+search_cpu']['p50_ms']} ms)"
            )
        out[str(size)] = res
    store.drop(name)
    return out
