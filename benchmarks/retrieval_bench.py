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
import datetime as dt
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from common import REPO, T0, emit, loadavg, log, offline_env, target
from retrieval_synthetic import synthetic
from retrieval_variants import TOP, build_variants, paired_vs_dense, pipeline_variant

DATASET = REPO / "eval" / "datasets" / "faq"


def load_questions(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


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
    offline_env(TOKENIZERS_PARALLELISM="false")

    from ingest.indexer import build_indexer
    from rag_app.config import load_settings
    from rag_app.pipeline import build_pipeline

    work = Path(tempfile.mkdtemp(prefix="retrieval-bench-"))
    overrides: dict[str, Any] = {
        "milvus": {"uri": str(work / "milvus.db"), "collection": None},
        "paths": {"data_dir": str(work / "data")},
        # Named, not auto: the embedder is measured before the first ingest would let auto choose.
        "embedder": {"provider": "sentence-transformers"},
    }
    if args.embedder:
        overrides["embedder"]["model"] = args.embedder
    settings = load_settings(args.config, overrides=overrides)
    questions = load_questions(args.questions)
    result: dict[str, Any] = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "loadavg_1m_start": loadavg(),
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

        variants = build_variants(pipe, args.quick)
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
                round(quality["hybrid_rrf"]["recall@5"] - quality[best]["recall@5"], 4),
                ">=",
                0.0,
                bound_format="",
            )
            | {"best_component": best},
            "hybrid_rrf_mrr@10_vs_best_component": target(
                round(quality["hybrid_rrf"]["mrr@10"] - quality[best_mrr]["mrr@10"], 4),
                ">=",
                0.0,
                bound_format="",
            )
            | {"best_component": best_mrr},
        }

        if not args.skip_synthetic:
            sizes = [int(s) for s in (args.sizes or ("10000" if args.quick else "10000,100000")).split(",")]
            queries = [q["user_input"] for q in questions][:60]
            result["synthetic"] = synthetic(pipe, sizes, queries, DATASET / "docs")
            if "10000" in result["synthetic"]:
                hyb = result["synthetic"]["10000"]["hybrid"]["embed+search"]["p50_ms"]
                targets["search_p50_ms_at_10k_hybrid"] = target(hyb, "<=", 50.0, bound_format="")
                dense = result["synthetic"]["10000"]["dense"]["embed+search"]["p50_ms"]
                targets["search_p50_ms_at_10k_dense"] = target(dense, "<=", 50.0, bound_format="")
        result["targets"] = targets
    finally:
        result["machine"]["loadavg_1m_end"] = loadavg()
        result["total_seconds"] = round(time.perf_counter() - T0, 1)
        pipe.close()
        if args.keep:
            log(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    emit(result, args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
