"""Figures 1 and 6 of the ingest benchmark, in this process: the raw encoder over the app's own
chunks (the ceiling for ``rag ingest``), and the int8 encoder against it on the same chunks."""

from __future__ import annotations

import gc
import time
from pathlib import Path
from typing import Any

from common import log, target

RULE = "ingest.chunker.Chunk.embed_text (used by ingest/indexer.py)"


def raw_encoder(
    cfg: Path, corpus: Path
) -> tuple[dict[str, Any], dict[str, Any], list[str], list[list[float]]]:
    """Chunk ``corpus`` as the indexer does, then time only ``embed_passages`` over all the chunks.

    Returns the figures, the settings they were taken with, and the texts and vectors (for the
    int8 comparison; not printed).
    """
    from ingest.chunker import Chunker, effective_chunk_size
    from ingest.formats import load, supported
    from rag_app.components.embedders import build_embedder
    from rag_app.config import load_settings
    from rag_app.errors import IngestError

    settings = load_settings(cfg)
    t = time.perf_counter()
    embedder = build_embedder(settings)
    load_s = time.perf_counter() - t
    # The chunk budget exactly as ingest/indexer.py computes it (the indexer exports no helper for it).
    prefix = settings.embedder.passage_prefix
    prefix_tokens = embedder.count_tokens(prefix) if prefix else 0
    size, _warning = effective_chunk_size(settings.chunking.chunk_size, embedder.max_tokens, prefix_tokens)
    chunker = Chunker(size, settings.chunking.chunk_overlap, embedder.token_counter())
    overlap = min(settings.chunking.chunk_overlap, size // 2)  # what Chunker itself uses

    t = time.perf_counter()
    texts: list[str] = []
    failed = 0
    for path in sorted(p for p in corpus.rglob("*") if p.is_file() and not p.name.startswith(".")):
        if not supported(path):
            continue
        try:
            texts.extend(c.embed_text for c in chunker.split(load(path, path.read_bytes())))
        except IngestError:
            failed += 1
    chunk_s = time.perf_counter() - t
    tok = getattr(embedder, "tokenizer", None)
    lengths = (
        [len(ids) for ids in tok(texts, add_special_tokens=True)["input_ids"]] if tok is not None else []
    )
    limit = embedder.max_tokens or 0

    log(f"raw encoder: {len(texts)} chunks (budget {size} tokens); encoding ...")
    embedder.embed_passages(texts[:1])  # warm-up, untimed
    t, cpu = time.perf_counter(), time.process_time()
    vectors = embedder.embed_passages(texts)
    embed_s, embed_cpu = time.perf_counter() - t, time.process_time() - cpu
    log(f"raw encoder: {len(texts) / embed_s:.2f} chunks/s ({embed_s:.1f} s)")
    figures = {
        "chunks": len(texts),
        "embed_seconds": round(embed_s, 2),
        "embed_cpu_seconds": round(embed_cpu, 2),
        "chunks_per_s": round(len(texts) / embed_s, 3),
        "chunk_seconds": round(chunk_s, 2),
        "model_load_seconds": round(load_s, 2),
        "files_failed": failed,
        "max_tokens_in_chunk": max(lengths, default=None),
        "chunks_over_model_limit": sum(n > limit for n in lengths) if limit else None,
    }
    used = {
        "embedder": embedder.model_name,
        "model_limit_tokens": limit,
        "chunk_size_requested": settings.chunking.chunk_size,
        "chunk_budget": size,
        "chunk_overlap": overlap,
        "batch_size": settings.embedder.batch_size,
        "embed_text_rule": RULE,
        "cache_dir": str(settings.cache_dir),
    }
    del embedder
    gc.collect()
    return figures, used, texts, vectors


def quantized(
    cfg: Path, texts: list[str], fp32_vectors: list[list[float]], fp32_cps: float
) -> dict[str, Any]:
    """int8 (embedder.quantize: int8) against fp32 on exactly the same chunks.

    Quality: self-retrieval recall@5 over a seeded sample of chunks, the query being the chunk's
    longest sentence, searched among all chunks (brute force, cosine). A proxy, measured the same
    way for both encoders; retrieval_bench.py measures retrieval on the FAQ questions.
    """
    import random

    import numpy as np

    from ingest.chunker import split_sentences
    from rag_app.components.embedders import Embedder, build_embedder
    from rag_app.config import load_settings

    settings = load_settings(cfg, overrides={"embedder": {"quantize": "int8"}})
    int8 = build_embedder(settings)
    int8.embed_passages(texts[:1])
    t = time.perf_counter()
    q_vectors = int8.embed_passages(texts)
    q_s = time.perf_counter() - t
    q_cps = len(texts) / q_s
    log(f"int8 encoder: {q_cps:.2f} chunks/s ({q_s:.1f} s)")

    rng = random.Random(13)
    sample = rng.sample(range(len(texts)), min(300, len(texts)))
    queries, targets = [], []
    for i in sample:
        sentences = [s for s in split_sentences(texts[i].split("\n", 1)[-1]) if len(s.split()) >= 8]
        if sentences:
            queries.append(max(sentences, key=len))
            targets.append(i)
    fp32 = build_embedder(load_settings(cfg))
    a, b = np.asarray(fp32_vectors), np.asarray(q_vectors)

    def recall(emb: Embedder, matrix: np.ndarray) -> float:
        qv = np.asarray([emb.embed_query(q) for q in queries])
        top = np.argsort(-(qv @ matrix.T), axis=1)[:, :5]
        return float(np.mean([t in row for t, row in zip(targets, top, strict=True)]))

    r32, r8 = recall(fp32, a), recall(int8, b)
    cos = float(np.mean(np.sum(a * b, axis=1)))
    return {
        "chunks_per_s": round(q_cps, 3),
        "speedup_vs_raw_fp32": round(q_cps / fp32_cps, 3),
        "recall_at_5_fp32": round(r32, 4),
        "recall_at_5_int8": round(r8, 4),
        "recall_at_5_drop": round(r32 - r8, 4),
        "queries": len(queries),
        "mean_cosine_fp32_int8": round(cos, 4),
        "quality_method": "self-retrieval: longest sentence of a sampled chunk, recall@5 among all chunks",
        "targets": {
            "speedup": target(q_cps / fp32_cps, ">=", 1.8),
            "recall_at_5_drop": target(r32 - r8, "<=", 0.01),
        },
    }
