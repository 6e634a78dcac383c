"""Retrieval benchmark: quality (recall@1/5/10, MRR@10, nDCG@10) of BM25, dense, hybrid and
reranking on the FAQ dev set, and search latency on this machine, on the FAQ index and on synthetic
collections of 10k and 100k chunks.

    .venv/bin/python benchmarks/retrieval_bench.py                      # full run (MiniLM)
    .venv/bin/python benchmarks/retrieval_bench.py --quick              # no sweeps, 10k only
    .venv/bin/python benchmarks/retrieval_bench.py --embedder sentence-transformers/all-mpnet-base-v2

The FAQ documents (eval/datasets/faq/docs) are ingested with the real pipeline into a temp Milvus
Lite folder (config.yaml plus overrides: milvus.uri and paths.data_dir in the temp folder, the
embedder if given; the reranker as configured). Questions go through ``Pipeline.search`` with
``rerank=False`` for the first-stage figures, and are scored by ``eval.retrieval``. The synthetic
collections are built through ``MilvusStore.create`` (the app's schema: FLAT dense index on Milvus
Lite, BM25 function) and searched with ``MilvusStore.search``. Prints one JSON object on stdout;
progress goes to stderr. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import math
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
DATASET = REPO / "eval" / "datasets" / "faq"
T0 = time.perf_counter()
KS = (1, 5, 10)
TOP = 10


def log(msg: str) -> None:
    print(f"[{time.perf_counter() - T0:7.1f}s] {msg}", file=sys.stderr, flush=True)


def offline_env() -> None:
    for k in [k for k in os.environ if k == "RAG_CONFIG" or (k.startswith("RAG_") and "__" in k)]:
        os.environ.pop(k)
    os.environ.update(
        {
            "HF_HUB_OFFLINE": "1",
            "TRANSFORMERS_OFFLINE": "1",
            "HF_HUB_DISABLE_TELEMETRY": "1",
            "TOKENIZERS_PARALLELISM": "false",
        }
    )


def pct(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (values in seconds in, milliseconds out)."""
    xs = sorted(values)
    if not xs:
        return float("nan")
    i = min(len(xs) - 1, max(0, math.ceil(q / 100 * len(xs)) - 1))
    return round(xs[i] * 1000, 2)


def lat(values: Sequence[float]) -> dict[str, float]:
    best = round(min(values) * 1000, 2) if values else float("nan")
    return {"p50_ms": pct(values, 50), "p95_ms": pct(values, 95), "min_ms": best, "n": len(values)}


def load_questions(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def rounded(d: dict[str, float]) -> dict[str, float]:
    return {k: round(v, 4) for k, v in d.items()}


# -- quality on the FAQ set ------------------------------------------------------------------------
class Variant:
    """One way of retrieving the top 10 for a question; collects texts and per-stage timings."""

    def __init__(self, name: str, fn: Callable[[str], tuple[list[str], dict[str, float]]]) -> None:
        self.name, self.fn = name, fn
        self.retrieved: list[list[str]] = []
        self.timings: dict[str, list[float]] = {}
        self.scores: list[list[float]] = []  # first-stage scores of the top 10, when known

    def run(self, questions: list[dict[str, Any]]) -> None:
        for q in questions:
            cpu = time.process_time()
            texts, timings = self.fn(q["user_input"])
            timings["cpu_per_query"] = time.process_time() - cpu
            self.retrieved.append(texts)
            for k, v in timings.items():
                self.timings.setdefault(k, []).append(v)
            if "embed" in timings or "search" in timings:
                total = timings.get("embed", 0.0) + timings.get("search", 0.0)
                self.timings.setdefault("embed+search", []).append(total)

    def report(self, questions: list[dict[str, Any]]) -> dict[str, Any]:
        from eval.retrieval import score

        refs = [q["reference_contexts"] for q in questions]
        out: dict[str, Any] = rounded(score(self.retrieved, refs, KS))
        by_source: dict[str, Any] = {}
        for src in sorted({q["source"] for q in questions}):
            idx = [i for i, q in enumerate(questions) if q["source"] == src]
            s = score([self.retrieved[i] for i in idx], [refs[i] for i in idx], KS)
            by_source[src] = {k: round(s[k], 4) for k in ("recall@5", "mrr@10")} | {"n": len(idx)}
        out["by_source"] = by_source
        out["latency"] = {k: lat(v) for k, v in self.timings.items()}
        if self.scores:  # the score scale a weighted fusion has to normalise
            firsts = [s[0] for s in self.scores if s]
            tenths = [s[-1] for s in self.scores if len(s) >= TOP]
            out["score_median_rank1"] = round(statistics.median(firsts), 4) if firsts else None
            out["score_median_rank10"] = round(statistics.median(tenths), 4) if tenths else None
        return out


def pipeline_variant(pipe: Any, name: str, mode: str, rerank: bool = False, **retrieval: Any) -> Variant:
    variant: Variant

    def fn(query: str) -> tuple[list[str], dict[str, float]]:
        cfg = pipe.settings.retrieval
        saved = {k: getattr(cfg, k) for k in retrieval}
        for k, v in retrieval.items():
            setattr(cfg, k, v)
        try:
            res = pipe.search(query, top_k=TOP, mode=mode, rerank=rerank)
        finally:
            for k, v in saved.items():
                setattr(cfg, k, v)
        variant.scores.append([p.score for p in res.passages])
        return [p.text for p in res.passages], dict(res.timings)

    variant = Variant(name, fn)
    return variant


def deep_rrf_variant(pipe: Any, name: str, leg_limit: int, rrf_k: int) -> Variant:
    """Hybrid RRF with each leg asking for ``leg_limit`` hits (the app asks each for the final limit)."""
    from pymilvus import AnnSearchRequest, RRFRanker

    from rag_app.store.records import OUTPUT_FIELDS

    def fn(query: str) -> tuple[list[str], dict[str, float]]:
        name_ = pipe.components.collection.open(create=False)
        t = time.perf_counter()
        vec = pipe.components.embedder.embed_query(query)
        t_embed = time.perf_counter() - t
        t = time.perf_counter()
        reqs = [
            AnnSearchRequest([list(vec)], "dense", {"metric_type": "COSINE"}, leg_limit),
            AnnSearchRequest([query], "sparse", {"metric_type": "BM25"}, leg_limit),
        ]
        res = pipe.components.store.client.hybrid_search(
            name_, reqs, ranker=RRFRanker(rrf_k), limit=TOP, output_fields=OUTPUT_FIELDS
        )
        t_search = time.perf_counter() - t
        return [h["entity"]["text"] for h in (res[0] if res else [])], {"embed": t_embed, "search": t_search}

    return Variant(name, fn)


def client_rrf_variant(
    pipe: Any, name: str, leg_limit: int, rrf_k: int, sparse_weight: float = 1.0
) -> Variant:
    """RRF computed here from two plain ``store.search`` calls: checks Milvus Lite's own RRF, and
    tries a weighted RRF (the BM25 leg's 1/(k + rank) scaled by ``sparse_weight``)."""

    def fn(query: str) -> tuple[list[str], dict[str, float]]:
        name_ = pipe.components.collection.open(create=False)
        t = time.perf_counter()
        vec = pipe.components.embedder.embed_query(query)
        t_embed = time.perf_counter() - t
        t = time.perf_counter()
        dense = pipe.components.store.search(name_, "dense", leg_limit, vector=vec)
        sparse = pipe.components.store.search(name_, "sparse", leg_limit, text=query)
        fused: dict[str, float] = {}
        text: dict[str, str] = {}
        for hits, weight in ((dense, 1.0), (sparse, sparse_weight)):
            for rank, h in enumerate(hits, start=1):
                fused[h.id] = fused.get(h.id, 0.0) + weight / (rrf_k + rank)
                text[h.id] = h.fields["text"]
        top = sorted(fused, key=lambda i: -fused[i])[:TOP]
        t_search = time.perf_counter() - t
        return [text[i] for i in top], {"embed": t_embed, "search": t_search}

    return Variant(name, fn)


# -- synthetic collections ----------------------------------------------------------------------------
def vocabulary(docs: Path) -> tuple[list[str], list[float]]:
    """Words of the FAQ documents with Zipf-like weights (by frequency rank): English-ish text for BM25."""
    from collections import Counter

    from eval.retrieval import tokens
    from ingest.loaders import load

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
) -> list[dict]:
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
                "text": text,
                "dense": vecs[i].tolist(),
            }
        )
    return rows


def synthetic(pipe: Any, sizes: list[int], queries: list[str], batch: int = 5000) -> dict[str, Any]:
    """Grow one synthetic collection to each size; time query embedding + store.search per mode."""
    store, emb = pipe.components.store, pipe.components.embedder
    fp = dict(emb.fingerprint)
    fp["model"] = f"synthetic:{fp.get('model')}"
    name = "bench_synthetic"
    store.create(name, fp)
    dim = int(fp["dimension"])
    words, probs = vocabulary(DATASET / "docs")
    out: dict[str, Any] = {
        "dimension": dim,
        "dense_index": "FLAT" if store.is_lite else "AUTOINDEX",
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

    def client_fusion(name: str, mode: str, limit: int, vector: Any, text: str) -> list[Any]:
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
            store.client.insert(name, rows)
            have += n
        insert_s = time.perf_counter() - t
        with contextlib.suppress(Exception):  # Milvus Lite may not need or support it
            store.client.flush(name)
        count = store.count(name)
        log(f"synthetic: {count} rows ({insert_s:.1f} s to add, incl. text/vector generation)")
        res: dict[str, Any] = {"rows": count, "insert_seconds_incl_generation": round(insert_s, 1)}
        for mode in ("dense", "sparse", "hybrid", "client_fusion"):
            search = client_fusion if mode == "client_fusion" else store.search
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


def paired_vs_dense(
    variants: list[Variant], questions: list[dict[str, Any]], quality: dict[str, Any]
) -> None:
    """Per question, against dense: how many questions a variant ranks better or worse (small
    differences of the means on 86 questions are a handful of questions)."""
    from eval.retrieval import question_scores

    refs = [q["reference_contexts"] for q in questions]
    per = {
        v.name: [question_scores(r, g, KS) for r, g in zip(v.retrieved, refs, strict=True)] for v in variants
    }
    base = per.get("dense")
    if base is None:
        return
    for name, rows in per.items():
        if name == "dense":
            continue
        quality[name]["vs_dense"] = {
            f"{m}_{w}": sum(
                (a[m] > b[m]) if w == "better" else (a[m] < b[m]) for a, b in zip(rows, base, strict=True)
            )
            for m in ("recall@5", "mrr@10")
            for w in ("better", "worse")
        }


def target(value: float | None, op: str, goal: float) -> dict[str, Any]:
    met = None if value is None else (value >= goal if op == ">=" else value <= goal)
    return {"value": value, "target": f"{op} {goal}", "met": met}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument(
        "--embedder", help="embedder.model override (e.g. sentence-transformers/all-mpnet-base-v2)"
    )
    ap.add_argument("--config", type=Path, default=REPO / "config.yaml")
    ap.add_argument("--questions", type=Path, default=DATASET / "questions.jsonl")
    ap.add_argument("--quick", action="store_true", help="no fusion sweeps; synthetic 10k only")
    ap.add_argument("--sizes", default=None, help="synthetic sizes, comma-separated (default 10000,100000)")
    ap.add_argument("--skip-synthetic", action="store_true")
    ap.add_argument("--output", type=Path)
    ap.add_argument("--keep", action="store_true", help="keep the temp folder")
    args = ap.parse_args()
    offline_env()

    from ingest.indexer import build_indexer
    from rag_app.config import load_settings
    from rag_app.pipeline import build_pipeline

    work = Path(tempfile.mkdtemp(prefix="retrieval-bench-"))
    overrides: dict[str, Any] = {
        "milvus": {"uri": str(work / "milvus.db"), "collection": None},
        "paths": {"data_dir": str(work / "data")},
    }
    if args.embedder:
        overrides["embedder"] = {"model": args.embedder}
    settings = load_settings(args.config, overrides=overrides)
    questions = load_questions(args.questions)
    result: dict[str, Any] = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "loadavg_1m_start": round(os.getloadavg()[0], 2),
        },
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "dataset": {
            "questions": len(questions),
            "file": str(args.questions.relative_to(REPO))
            if args.questions.is_relative_to(REPO)
            else str(args.questions),
            "by_source": {
                s: sum(q["source"] == s for q in questions) for s in sorted({q["source"] for q in questions})
            },
        },
    }
    pipe = build_pipeline(settings)
    try:
        t = time.perf_counter()
        emb = pipe.components.embedder
        emb.embed_query("warm-up")
        result["embedder"] = {
            "model": emb.model_name,
            "dimension": emb.fingerprint.get("dimension"),
            "load_seconds": round(time.perf_counter() - t, 2),
        }
        log(f"embedder {emb.model_name} loaded; ingesting {DATASET / 'docs'} ...")
        report = build_indexer(pipe.components).ingest([DATASET / "docs"])
        rep = report.as_dict()
        if rep["failed"]:
            raise SystemExit(f"ingest failed: {rep['failed']}")
        result["index"] = {
            "chunks": rep["chunks"],
            "documents": rep["added"],
            "ingest_seconds": rep["seconds"],
            "chunk_size": settings.chunking.chunk_size,
            "retrieval": settings.retrieval.model_dump(
                include={"rrf_k", "candidates", "fusion", "dense_weight"}
            ),
        }
        log(f"indexed {rep['chunks']} chunks in {rep['seconds']} s")

        variants = [
            pipeline_variant(pipe, "sparse", "sparse"),
            pipeline_variant(pipe, "dense", "dense"),
            pipeline_variant(pipe, "hybrid_rrf", "hybrid", fusion="rrf"),
            # The default (config.yaml): weighted fusion, dense 0.7.
            pipeline_variant(pipe, "hybrid_weighted_0.7", "hybrid", fusion="weighted", dense_weight=0.7),
        ]
        if not args.quick:
            variants += [
                pipeline_variant(pipe, f"hybrid_weighted_{w}", "hybrid", fusion="weighted", dense_weight=w)
                for w in (0.3, 0.5)
            ]
            variants += [
                deep_rrf_variant(pipe, f"hybrid_rrf_k{k}_legs{depth}", depth, k)
                for k, depth in ((60, 10), (60, 30), (60, 100), (20, 30), (10, 30))
            ]
            variants += [
                client_rrf_variant(pipe, "client_rrf_k60_legs10", 10, 60),
                client_rrf_variant(pipe, "client_rrf_k60_legs30_sparse0.5", 30, 60, sparse_weight=0.5),
                client_rrf_variant(pipe, "client_rrf_k10_legs30_sparse0.5", 30, 10, sparse_weight=0.5),
            ]
        status = pipe.reranker_status
        if pipe.components.reranker is not None:
            variants.append(pipeline_variant(pipe, "hybrid_rrf+rerank", "hybrid", rerank=True))
            result["rerank"] = {"model": status.model, "candidates": settings.retrieval.candidates}
        else:
            result["rerank"] = {"skipped": True, "model": settings.reranker.model, "reason": status.reason}
            log(f"rerank skipped: {status.reason}")
        pipe.search("warm-up", top_k=TOP, mode="hybrid", rerank=False)
        quality: dict[str, Any] = {}
        for v in variants:
            v.run(questions)
            quality[v.name] = v.report(questions)
            q = quality[v.name]
            log(
                f"{v.name:28s} R@1 {q['recall@1']:.3f} R@5 {q['recall@5']:.3f} R@10 {q['recall@10']:.3f} "
                f"MRR {q['mrr@10']:.3f} nDCG {q['ndcg@10']:.3f}"
            )
        paired_vs_dense(variants, questions, quality)
        result["quality"] = quality

        best = max(("dense", "sparse"), key=lambda m: quality[m]["recall@5"])
        best_mrr = max(("dense", "sparse"), key=lambda m: quality[m]["mrr@10"])
        targets: dict[str, Any] = {
            "hybrid_rrf_recall@5_vs_best_component": target(
                round(quality["hybrid_rrf"]["recall@5"] - quality[best]["recall@5"], 4), ">=", 0.0
            )
            | {"best_component": best},
            "hybrid_rrf_mrr@10_vs_best_component": target(
                round(quality["hybrid_rrf"]["mrr@10"] - quality[best_mrr]["mrr@10"], 4), ">=", 0.0
            )
            | {"best_component": best_mrr},
        }

        if not args.skip_synthetic:
            sizes = [int(s) for s in (args.sizes or ("10000" if args.quick else "10000,100000")).split(",")]
            queries = [q["user_input"] for q in questions][:60]
            result["synthetic"] = synthetic(pipe, sizes, queries)
            if "10000" in result["synthetic"]:
                hyb = result["synthetic"]["10000"]["hybrid"]["embed+search"]["p50_ms"]
                targets["search_p50_ms_at_10k_hybrid"] = target(hyb, "<=", 50.0)
                dense = result["synthetic"]["10000"]["dense"]["embed+search"]["p50_ms"]
                targets["search_p50_ms_at_10k_dense"] = target(dense, "<=", 50.0)
        result["targets"] = targets
    finally:
        result["machine"]["loadavg_1m_end"] = round(os.getloadavg()[0], 2)
        result["total_seconds"] = round(time.perf_counter() - T0, 1)
        pipe.close()
        if args.keep:
            log(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    text = json.dumps(result, indent=2)
    if args.output:
        args.output.write_text(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
