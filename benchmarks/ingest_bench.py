"""Ingest benchmark: the raw encoder vs ``rag ingest`` vs a naive llama-index pipeline, re-ingest cost
and memory growth, all on one corpus and one embedder (all-MiniLM-L6-v2, offline pack).

    .venv/bin/python benchmarks/ingest_bench.py                       # full run (nodejs-doc corpus)
    .venv/bin/python benchmarks/ingest_bench.py --max-files 25 --skip-4x   # smoke run

Prints one JSON object on stdout at the end; progress goes to stderr. Needs the ``bench`` extra
(``pip install -e ".[bench]"``) for the llama-index comparison. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from common import T0, emit, loadavg, log, machine, offline_env, target, versions
from ingest_corpus import DEFAULT_CACHE, MODEL, copy_flat, fetch_nodejs_doc, select_files, write_config
from ingest_encoders import quantized, raw_encoder
from ingest_naive import naive_child, naive_truncation
from measure import RAG, first_json, rag_ingest, run_measured

from rag_app.errors import RagError

DISTRIBUTIONS = (
    "torch",
    "sentence-transformers",
    "transformers",
    "pymilvus",
    "milvus-lite",
    "llama-index-core",
    "llama-index-vector-stores-milvus",
    "llama-index-embeddings-huggingface",
    "rag-app",
)


# -- main ---------------------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument(
        "--corpus", type=Path, help="folder of Markdown files (default: Debian nodejs-doc, fetched once)"
    )
    ap.add_argument("--max-files", type=int, help="use only the N smallest *.md files (smoke runs)")
    ap.add_argument("--skip-4x", action="store_true", help="skip the 4x-corpus peak-RSS run (the slow part)")
    ap.add_argument("--skip-quantized", action="store_true", help="skip the int8 encoder comparison")
    ap.add_argument("--keep", action="store_true", help="keep the temp folder (indexes, child logs)")
    ap.add_argument("--output", type=Path, help="also write the JSON to this file")
    ap.add_argument("--naive-child", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    env = offline_env()
    if args.naive_child:
        naive_child(json.loads(args.naive_child))
        return 0

    result: dict[str, Any] = {
        "benchmark": "ingest",
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    checks: dict[str, bool] = {}
    work = Path(tempfile.mkdtemp(prefix="ingest-bench-"))
    exit_code = 0
    try:
        if not RAG.is_file():
            raise RagError(
                f"{RAG} not found: install the app into this interpreter (pip install -e '.[bench]')."
            )
        result["machine"] = machine()
        result["versions"] = versions(DISTRIBUTIONS, ("rag_app", "ingest"))
        if result["machine"]["loadavg_1m_start"] > 0.5:
            log(
                f"warning: the machine is busy (load {result['machine']['loadavg_1m_start']}); timings will be skewed"
            )

        # corpus
        if args.corpus:
            src, info = args.corpus.expanduser().resolve(), {"source": str(args.corpus)}
        else:
            src, info = DEFAULT_CACHE, fetch_nodejs_doc(DEFAULT_CACHE)
        files = select_files(src, args.max_files)
        corpus = work / "corpus"
        copy_flat(files, src, corpus)
        n_files = len(files)
        total = sum(f.stat().st_size for f in files)
        result["corpus"] = {
            **info,
            "n_files": n_files,
            "total_bytes": total,
            "selection": f"{args.max_files} smallest *.md" if args.max_files else "all *.md",
        }
        log(f"corpus: {n_files} files, {total / 1e6:.2f} MB (temp folder {work})")

        # 1. raw encoder
        cfg = write_config(work / "rag")
        raw, result["settings"], texts, vectors = raw_encoder(cfg, corpus)
        result["raw_encoder"] = raw
        s = result["settings"]
        if not args.skip_quantized:
            # 6. the optional faster encoder, on exactly the same chunks
            result["quantized"] = quantized(cfg, texts, vectors, raw["chunks_per_s"])
        del texts, vectors
        gc.collect()

        # 2. rag ingest end to end
        run2, rep2 = rag_ingest(cfg, corpus, "ingest", work, env)
        cps2 = rep2["chunks"] / run2.wall
        result["rag_ingest"] = {
            "chunks": rep2["chunks"],
            "wall_seconds": round(run2.wall, 2),
            "report_seconds": rep2["seconds"],
            "cpu_seconds": round(run2.cpu, 2),
            "chunks_per_s": round(cps2, 3),
            "peak_rss_mb": round(run2.peak_rss_mb, 1) if run2.peak_rss_mb else None,
            "files_failed": rep2["failed"],
            "exit_code": run2.rc,
        }
        checks["ingest_added_all_files"] = rep2["added"] == n_files
        checks["ingest_chunks_equal_raw_chunks"] = rep2["chunks"] == raw["chunks"]

        # 3. naive llama-index (before the touch step: same, untouched corpus)
        from rag_app.components.packs import find_pack, locate

        pack = find_pack(MODEL)
        if pack is None:
            raise RagError(f"{MODEL} is not an offline pack of this app (rag_app/components/packs.py).")
        model_path = locate(pack, Path(s["cache_dir"]))
        params = {
            "corpus": str(corpus),
            "uri": str(work / "llamaindex" / "li.db"),
            "model_path": str(model_path),
            "chunk_size": s["chunk_budget"],
            "chunk_overlap": s["chunk_overlap"],
        }
        (work / "llamaindex").mkdir()
        log("llama-index naive: VectorStoreIndex.from_documents ...")
        run3 = run_measured(
            [sys.executable, str(Path(__file__).resolve()), "--naive-child", json.dumps(params)],
            "naive",
            work,
            env,
        )
        if run3.rc != 0:
            raise RagError(f"naive llama-index run exited {run3.rc}:\n{run3.stderr[-2000:]}")
        child = first_json(run3.stdout)
        cps3 = child["nodes"] / run3.wall
        log(f"llama-index naive: {child['nodes']} nodes, wall {run3.wall:.1f} s, {cps3:.2f} chunks/s")
        trunc = naive_truncation(
            corpus, model_path, s["chunk_budget"], s["chunk_overlap"], s["model_limit_tokens"]
        )
        result["llamaindex_naive"] = {
            "nodes": child["nodes"],
            "wall_seconds": round(run3.wall, 2),
            "pipeline_seconds": round(child["pipeline_s"], 2),
            "chunks_per_s": round(cps3, 3),
            "documents": trunc["documents"],
            f"nodes_over_{s['model_limit_tokens']}_tokens": trunc["nodes_over_limit"],
            "max_tokens_in_node": trunc["max_tokens_in_node"],
            "peak_rss_mb": round(run3.peak_rss_mb, 1) if run3.peak_rss_mb else None,
            "splitter": f"SentenceSplitter({s['chunk_budget']}, {s['chunk_overlap']}), default tokenizer",
        }
        checks["naive_nodes_equal_resplit"] = child["nodes"] == trunc["nodes_resplit"]

        # 4. re-ingest: unchanged, then 1% of the files touched
        run4a, rep4a = rag_ingest(cfg, corpus, "reingest-unchanged", work, env)
        checks["unchanged_run_all_unchanged"] = rep4a["unchanged"] == n_files
        checks["unchanged_run_zero_chunks"] = rep4a["chunks"] == 0
        # Evenly spaced over the files sorted by size (k=1: the median-size file), so the touched
        # share of the bytes is typical; a name-based pick could land on a 7%-of-the-corpus file.
        copies = sorted(corpus.iterdir(), key=lambda f: (f.stat().st_size, f.name))
        k = max(1, round(n_files / 100))
        touched = [copies[int((i + 0.5) * len(copies) / k)] for i in range(k)]
        for f in touched:
            with f.open("a", encoding="utf-8") as fh:
                fh.write(f"\n\nBenchmark edit appended at {dt.datetime.now(dt.UTC).isoformat()}.\n")
        run4b, rep4b = rag_ingest(cfg, corpus, "reingest-touched", work, env)
        checks["touched_run_updated_equals_touched"] = rep4b["updated"] == k
        checks["touched_run_rest_unchanged"] = rep4b["unchanged"] == n_files - k
        result["reingest"] = {
            "unchanged": {
                "wall_seconds": round(run4a.wall, 2),
                "report_seconds": rep4a["seconds"],
                "fraction_of_first_ingest": round(run4a.wall / run2.wall, 4),
                "unchanged": rep4a["unchanged"],
                "chunks": rep4a["chunks"],
            },
            "touched": {
                "files": [f.name for f in touched],
                "share_of_corpus_bytes": round(sum(f.stat().st_size for f in touched) / total, 4),
                "wall_seconds": round(run4b.wall, 2),
                "report_seconds": rep4b["seconds"],
                "fraction_of_first_ingest": round(run4b.wall / run2.wall, 4),
                "updated": rep4b["updated"],
                "chunks": rep4b["chunks"],
            },
        }

        # 5. peak RSS: corpus vs 4 copies of it (pristine, copied from the source again)
        rss_ratio = None
        if args.skip_4x:
            result["memory"] = {"rss_1x_mb": result["rag_ingest"]["peak_rss_mb"], "skipped_4x": True}
        else:
            corpus4 = work / "corpus4x"
            for i in range(1, 5):
                copy_flat(files, src, corpus4 / f"copy{i}")
            run5, rep5 = rag_ingest(write_config(work / "rag4x"), corpus4, "ingest-4x", work, env)
            checks["ingest_4x_added_all_files"] = rep5["added"] == 4 * n_files
            if run2.peak_rss_mb and run5.peak_rss_mb:
                rss_ratio = run5.peak_rss_mb / run2.peak_rss_mb
            result["memory"] = {
                "rss_1x_mb": result["rag_ingest"]["peak_rss_mb"],
                "rss_4x_mb": round(run5.peak_rss_mb, 1) if run5.peak_rss_mb else None,
                "chunks_4x": rep5["chunks"],
                "wall_seconds_4x": round(run5.wall, 2),
                "chunks_per_s_4x": round(rep5["chunks"] / run5.wall, 3),
            }
        result["memory"]["method"] = run2.rss_method

        # The same comparison in CPU seconds (all of rag ingest, start-up and model load included,
        # against the encoder alone): steadier than wall time on a shared machine.
        result["rag_ingest"]["cpu_vs_raw_encoder"] = round(raw["embed_cpu_seconds"] / run2.cpu, 3)
        result["targets"] = {
            "ingest_vs_raw_encoder": target(cps2 / raw["chunks_per_s"], ">=", 0.90),
            "ingest_vs_llamaindex_naive": target(cps2 / cps3, ">=", 1.0),
            "unchanged_rerun_fraction": target(run4a.wall / run2.wall, "<", 0.05),
            "touched_1pct_rerun_fraction": target(run4b.wall / run2.wall, "<", 0.10),
            "peak_rss_4x_over_1x": target(rss_ratio, "<=", 1.10),
        }
        result["checks"] = checks
        if not all(checks.values()):
            exit_code = 1
            log("FAILED checks: " + ", ".join(k for k, v in checks.items() if not v))
    except RagError as exc:
        result["error"] = str(exc)
        result["checks"] = checks
        log(f"ERROR: {exc}")
        exit_code = 1
    finally:
        if "machine" in result:
            result["machine"]["loadavg_1m_end"] = loadavg()
        result.setdefault("quantized", None)
        result["total_seconds"] = round(time.perf_counter() - T0, 1)
        if args.keep:
            log(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    emit(result, args.output)
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
