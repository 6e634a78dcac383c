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
import gzip
import inspect
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
DEFAULT_CACHE = REPO / "benchmarks" / ".cache" / "nodejs-doc"
RAG = Path(sys.executable).with_name("rag")
TIME_BIN = Path("/usr/bin/time")
MODEL = "sentence-transformers/all-MiniLM-L6-v2"
T0 = time.perf_counter()


class BenchError(Exception):
    pass


def log(msg: str) -> None:
    print(f"[{time.perf_counter() - T0:7.1f}s] {msg}", file=sys.stderr, flush=True)


def clean_env() -> dict[str, str]:
    """The environment for this process and every child: offline, and no RAG_* override that
    would make the children read another config than the temp one."""
    env = {
        k: v for k, v in os.environ.items() if not (k == "RAG_CONFIG" or (k.startswith("RAG_") and "__" in k))
    }
    env.update({"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_HUB_DISABLE_TELEMETRY": "1"})
    return env


# -- corpus ------------------------------------------------------------------------------------
def fetch_nodejs_doc(dest: Path) -> dict[str, Any]:
    """Debian's nodejs-doc API docs as plain *.md files in ``dest`` (downloaded once, then reused)."""
    marker = dest / ".source.json"
    if marker.is_file() and any(dest.glob("*.md")):
        return dict(json.loads(marker.read_text()))
    if not (shutil.which("apt-get") and shutil.which("dpkg-deb")):
        raise BenchError("apt-get/dpkg-deb not found: pass --corpus DIR (a folder of Markdown files).")
    log("fetching Debian nodejs-doc (apt-get download) ...")
    with tempfile.TemporaryDirectory(prefix="nodejs-doc-") as tmp:
        r = subprocess.run(["apt-get", "download", "nodejs-doc"], cwd=tmp, capture_output=True, text=True)
        debs = sorted(Path(tmp).glob("nodejs-doc_*.deb"))
        if r.returncode or not debs:
            raise BenchError(
                f"`apt-get download nodejs-doc` failed: {r.stderr.strip()[-400:]}\n"
                "Fix: run `apt-get update` once (as root), or pass --corpus DIR."
            )
        deb = debs[0]
        version = subprocess.run(
            ["dpkg-deb", "-f", str(deb), "Version"], capture_output=True, text=True, check=True
        ).stdout.strip()
        extracted = Path(tmp) / "x"
        subprocess.run(["dpkg-deb", "-x", str(deb), str(extracted)], check=True)
        staging = dest.with_name(dest.name + ".partial")
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        # Debian gzips most of the docs: keep only Markdown, *.md.gz decompressed to *.md.
        for f in sorted(extracted.rglob("*")):
            if not f.is_file():
                continue
            if f.name.endswith(".md"):
                name, data = f.name, f.read_bytes()
            elif f.name.endswith(".md.gz"):
                name, data = f.name[:-3], gzip.decompress(f.read_bytes())
            else:
                continue
            out = staging / name
            if out.exists():
                out = staging / f"{f.parent.name}__{name}"
            out.write_bytes(data)
        info = {"source": "debian nodejs-doc", "package": deb.name, "version": version}
        (staging / ".source.json").write_text(json.dumps(info))
        shutil.rmtree(dest, ignore_errors=True)
        staging.rename(dest)
    return info


def select_files(src: Path, max_files: int | None) -> list[Path]:
    files = sorted(
        p
        for p in src.rglob("*.md")
        if p.is_file()
        and p.stat().st_size > 0
        and not any(s.startswith(".") for s in p.relative_to(src).parts)
    )
    if not files:
        raise BenchError(f"No non-empty *.md files under {src}.")
    if max_files:  # smoke runs: the N smallest files, so they stay quick
        files = sorted(sorted(files, key=lambda p: (p.stat().st_size, str(p)))[:max_files])
    return files


def copy_flat(files: list[Path], src: Path, dest: Path) -> None:
    """Copy into one flat folder: SimpleDirectoryReader (not recursive by default) and `rag ingest`
    (recursive) then read exactly the same files."""
    dest.mkdir(parents=True)
    for f in files:
        out = dest / "__".join(f.relative_to(src).parts)
        n = 1
        while out.exists():
            out = out.with_name(f"{out.stem}_{n}.md")
            n += 1
        shutil.copyfile(f, out)


def write_config(folder: Path) -> Path:
    """A config.yaml like tests/conftest.py's: index and data under ``folder``, reranker off."""
    import yaml

    cfg = {
        "embedder": {"provider": "sentence-transformers", "model": MODEL, "device": "cpu"},
        "milvus": {"uri": str(folder / "milvus.db")},
        "paths": {"data_dir": str(folder / "data"), "cache_dir": str(Path.home() / ".cache" / "rag-app")},
        "reranker": {"provider": "none"},
    }
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "config.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return path


# -- measured child processes --------------------------------------------------------------------
@dataclass
class Run:
    wall: float
    rc: int
    stdout: str
    stderr: str
    peak_rss_mb: float | None
    rss_method: str


def run_measured(cmd: list[str], label: str, work: Path, env: dict[str, str]) -> Run:
    """Run one child; wall time from start to exit; peak RSS via /usr/bin/time -v (the child's own
    ru_maxrss, not a delta of RUSAGE_CHILDREN), else a psutil poller summing the process tree."""
    out_f, err_f, time_f = work / f"{label}.stdout", work / f"{label}.stderr", work / f"{label}.time"
    use_time = TIME_BIN.is_file() and os.access(TIME_BIN, os.X_OK)
    full = [str(TIME_BIN), "-v", "-o", str(time_f), *cmd] if use_time else cmd
    peak = [0]
    with out_f.open("w") as out, err_f.open("w") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(full, stdout=out, stderr=err, env=env)
        poller = None
        if not use_time:
            poller = threading.Thread(target=_poll_rss, args=(proc, peak), daemon=True)
            poller.start()
        try:
            next_beat = 60.0
            while True:
                try:
                    rc = proc.wait(timeout=1.0)
                    break
                except subprocess.TimeoutExpired:
                    if time.perf_counter() - start > next_beat:
                        log(f"  {label}: still running ({next_beat:.0f} s)")
                        next_beat += 60.0
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        wall = time.perf_counter() - start
        if poller is not None:
            poller.join(timeout=1.0)
    rss_mb: float | None = None
    if use_time and time_f.is_file():
        m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", time_f.read_text())
        rss_mb = int(m.group(1)) / 1024 if m else None
    elif peak[0]:
        rss_mb = peak[0] / 1048576
    method = "/usr/bin/time -v (max RSS)" if use_time else "psutil poll 0.2 s (process tree RSS sum)"
    return Run(wall, rc, out_f.read_text(), err_f.read_text(), rss_mb, method)


def _poll_rss(proc: subprocess.Popen[bytes], peak: list[int]) -> None:
    import psutil

    try:
        root = psutil.Process(proc.pid)
    except psutil.Error:
        return
    while proc.poll() is None:
        try:
            procs = [root, *root.children(recursive=True)]
            peak[0] = max(peak[0], sum(p.memory_info().rss for p in procs))
        except psutil.Error:
            pass
        time.sleep(0.2)


def first_json(text: str) -> dict[str, Any]:
    start = text.find("{")
    if start < 0:
        raise BenchError(f"no JSON in output: {text[-400:]}")
    obj, _ = json.JSONDecoder().raw_decode(text[start:])
    return dict(obj)


def rag_ingest(
    cfg: Path, corpus: Path, label: str, work: Path, env: dict[str, str]
) -> tuple[Run, dict[str, Any]]:
    log(f"{label}: rag ingest {corpus.name} ...")
    run = run_measured([str(RAG), "--config", str(cfg), "ingest", str(corpus), "--json"], label, work, env)
    if run.rc not in (0, 2):
        raise BenchError(f"{label}: `rag ingest` exited {run.rc}:\n{run.stderr[-2000:]}")
    report = first_json(run.stdout)
    log(
        f"{label}: {report['chunks']} chunks, added {report['added']}, updated {report['updated']}, "
        f"unchanged {report['unchanged']}, failed {len(report['failed'])}; wall {run.wall:.1f} s"
    )
    return run, report


# -- 1. raw encoder ------------------------------------------------------------------------------
def raw_encoder(cfg: Path, corpus: Path) -> dict[str, Any]:
    import ingest.indexer as runner
    from ingest.chunker import Chunker, effective_chunk_size
    from ingest.loaders import load, supported
    from rag_app.components.embedders import build_embedder
    from rag_app.config import load_settings
    from rag_app.errors import IngestError

    settings = load_settings(cfg)
    t = time.perf_counter()
    embedder = build_embedder(settings)
    load_s = time.perf_counter() - t
    # The chunk budget exactly as ingest/indexer.py computes it (the runner exports no helper for it).
    prefix = settings.embedder.passage_prefix
    prefix_tokens = embedder.count_tokens(prefix) if prefix else 0
    size, _warning = effective_chunk_size(settings.chunking.chunk_size, embedder.max_tokens, prefix_tokens)
    chunker = Chunker(size, settings.chunking.chunk_overlap, embedder.token_counter())
    overlap = min(settings.chunking.chunk_overlap, size // 2)  # what Chunker itself uses

    # The text the runner embeds: ``Chunk.embed_text`` when the runner uses it; otherwise the older
    # runner's inline rule, mirrored here: heading path + "\n" + chunk text.
    uses_property = ".embed_text" in inspect.getsource(runner)
    rule = "ingest.chunker.Chunk.embed_text (used by ingest/indexer.py)" if uses_property else "mirrored"

    def to_embed(c: Any) -> str:
        if uses_property:
            return str(c.embed_text)
        return c.text if not c.heading else f"{c.heading}\n{c.text}"

    t = time.perf_counter()
    texts: list[str] = []
    failed = 0
    for path in sorted(p for p in corpus.rglob("*") if p.is_file() and not p.name.startswith(".")):
        if not supported(path):
            continue
        try:
            texts.extend(to_embed(c) for c in chunker.split(load(path, path.read_bytes())))
        except IngestError:
            failed += 1
    chunk_s = time.perf_counter() - t
    tok = embedder.tokenizer if hasattr(embedder, "tokenizer") else None
    lengths = (
        [len(ids) for ids in tok(texts, add_special_tokens=True)["input_ids"]] if tok is not None else []
    )
    limit = embedder.max_tokens or 0

    log(f"raw encoder: {len(texts)} chunks (budget {size} tokens); encoding ...")
    embedder.embed_passages(texts[:1])  # warm-up, untimed
    t = time.perf_counter()
    vectors = embedder.embed_passages(texts)
    embed_s = time.perf_counter() - t
    log(f"raw encoder: {len(texts) / embed_s:.2f} chunks/s ({embed_s:.1f} s)")
    out = {
        "chunks": len(texts),
        "embed_seconds": round(embed_s, 2),
        "chunks_per_s": round(len(texts) / embed_s, 3),
        "chunk_seconds": round(chunk_s, 2),
        "model_load_seconds": round(load_s, 2),
        "files_failed": failed,
        "max_tokens_in_chunk": max(lengths, default=None),
        "chunks_over_model_limit": sum(n > limit for n in lengths) if limit else None,
        "_settings": {
            "embedder": embedder.model_name,
            "model_limit_tokens": limit,
            "chunk_size_requested": settings.chunking.chunk_size,
            "chunk_budget": size,
            "chunk_overlap": overlap,
            "batch_size": settings.embedder.batch_size,
            "embed_text_rule": rule,
            "cache_dir": str(settings.cache_dir),
        },
    }
    out["_texts"], out["_vectors"] = texts, vectors  # for the quantized comparison; not printed
    del embedder
    gc.collect()
    return out


# -- 6. optional faster encoder: int8 dynamic quantisation ---------------------------------------
def quantized(
    cfg: Path, texts: list[str], fp32_vectors: list[list[float]], fp32_cps: float
) -> dict[str, Any]:
    """int8 (embedder.quantize: int8) against fp32 on exactly the same chunks.

    Quality: self-retrieval recall@5 over a seeded sample of chunks, the query being the chunk's
    longest sentence, searched among all chunks (brute force, cosine). The retrieval dev set of
    FAQ questions does not exist yet, so this is a proxy measured the same way for both.
    """
    import random

    import numpy as np

    from ingest.chunker import split_sentences
    from rag_app.components.embedders import build_embedder
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

    def recall(emb: Any, matrix: Any) -> float:
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


# -- 3. naive llama-index -------------------------------------------------------------------------
def naive_child(params: dict[str, Any]) -> None:
    """Runs in its own process (``--naive-child``): the textbook llama-index pipeline."""
    t = time.perf_counter()
    from llama_index.core import SimpleDirectoryReader, StorageContext, VectorStoreIndex
    from llama_index.core.node_parser import SentenceSplitter
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding
    from llama_index.vector_stores.milvus import MilvusVectorStore

    import_s = time.perf_counter() - t
    t = time.perf_counter()
    vector_store = MilvusVectorStore(uri=params["uri"], dim=384, overwrite=True)
    VectorStoreIndex.from_documents(
        SimpleDirectoryReader(params["corpus"], required_exts=[".md"]).load_data(),
        storage_context=StorageContext.from_defaults(vector_store=vector_store),
        embed_model=HuggingFaceEmbedding(model_name=params["model_path"], device="cpu"),
        transformations=[
            SentenceSplitter(chunk_size=params["chunk_size"], chunk_overlap=params["chunk_overlap"])
        ],
    )
    pipeline_s = time.perf_counter() - t
    rows = vector_store.client.query(
        collection_name=vector_store.collection_name, filter="", output_fields=["count(*)"]
    )
    print(json.dumps({"nodes": int(rows[0]["count(*)"]), "import_s": import_s, "pipeline_s": pipeline_s}))


def naive_truncation(corpus: Path, model_path: Path, size: int, overlap: int, limit: int) -> dict[str, Any]:
    """Re-create the naive pipeline's nodes (deterministic, untimed) and measure what the encoder
    reads: node.get_content(MetadataMode.EMBED), as HuggingFaceEmbedding embeds it."""
    from llama_index.core import SimpleDirectoryReader
    from llama_index.core.node_parser import SentenceSplitter
    from llama_index.core.schema import MetadataMode
    from transformers import AutoTokenizer

    docs = SimpleDirectoryReader(str(corpus), required_exts=[".md"]).load_data()
    nodes = SentenceSplitter(chunk_size=size, chunk_overlap=overlap).get_nodes_from_documents(docs)
    texts = [n.get_content(metadata_mode=MetadataMode.EMBED) for n in nodes]
    tok = AutoTokenizer.from_pretrained(str(model_path))
    lengths = [len(ids) for ids in tok(texts, add_special_tokens=True)["input_ids"]]
    return {
        "documents": len(docs),
        "nodes_resplit": len(nodes),
        "nodes_over_limit": sum(n > limit for n in lengths),
        "max_tokens_in_node": max(lengths, default=None),
    }


# -- helpers ----------------------------------------------------------------------------------------
def target(value: float | None, op: str, bound: float) -> dict[str, Any]:
    text = f"{op} {bound:.2f}"
    if value is None:
        return {"value": None, "target": text, "met": None}
    met = {">=": value >= bound, "<": value < bound, "<=": value <= bound}[op]
    return {"value": round(value, 4), "target": text, "met": bool(met)}


def versions() -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for dist in (
        "torch",
        "sentence-transformers",
        "transformers",
        "pymilvus",
        "milvus-lite",
        "llama-index-core",
        "llama-index-vector-stores-milvus",
        "llama-index-embeddings-huggingface",
        "rag-app",
    ):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = None
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True
        )
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "rag_app", "ingest"],
            cwd=REPO,
            capture_output=True,
            text=True,
        )
        out["git"] = commit.stdout.strip() + (
            " (uncommitted changes in rag_app/ingest)" if dirty.stdout.strip() else ""
        )
    except OSError:
        out["git"] = None
    return out


def machine() -> dict[str, Any]:
    import torch

    cpu_model = None
    try:
        m = re.search(r"^model name\s*:\s*(.+)$", Path("/proc/cpuinfo").read_text(), re.M)
        cpu_model = m.group(1) if m else None
    except OSError:
        pass
    try:
        import psutil

        mem_gb: float | None = round(psutil.virtual_memory().total / 1e9, 1)
    except ImportError:
        mem_gb = None
    return {
        "cpu_count": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "cpu_model": cpu_model,
        "torch_threads": torch.get_num_threads(),
        "memory_gb": mem_gb,
        "platform": platform.platform(),
        "python": platform.python_version(),
        # Other work on the machine skews every figure: compare runs made on an idle machine.
        "loadavg_1m_start": round(os.getloadavg()[0], 2),
    }


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

    env = clean_env()
    os.environ.clear()
    os.environ.update(env)
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
            raise BenchError(
                f"{RAG} not found: install the app into this interpreter (pip install -e '.[bench]')."
            )
        result["machine"] = machine()
        result["versions"] = versions()
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
        raw = raw_encoder(cfg, corpus)
        result["settings"] = raw.pop("_settings")
        texts, vectors = raw.pop("_texts"), raw.pop("_vectors")
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
        assert pack is not None
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
            raise BenchError(f"naive llama-index run exited {run3.rc}:\n{run3.stderr[-2000:]}")
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
    except BenchError as exc:
        result["error"] = str(exc)
        result["checks"] = checks
        log(f"ERROR: {exc}")
        exit_code = 1
    finally:
        if "machine" in result:
            result["machine"]["loadavg_1m_end"] = round(os.getloadavg()[0], 2)
        result.setdefault("quantized", None)
        result["total_seconds"] = round(time.perf_counter() - T0, 1)
        if args.keep:
            log(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    text = json.dumps(result, indent=2)
    if args.output:
        args.output.write_text(text + "\n")
    print(text)
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
