"""One embedder's figures in a comparison: retrieval quality, latency, ingest time, index size, memory.

Every embedder gets its own collection in the bench's own Milvus store (never the user's index:
:func:`eval.compare.run.bench_settings`), built on first use and reused afterwards (``rebuild``
re-ingests for fresh ingest times). Per embedder: ingest time and speed, index size on disk, model
load memory and vector dimension; per embedder and search mode: retrieval metrics with 95%
intervals and per-question nDCG@10 (for paired tests), query latency p50/p95 (embed + search,
measured per question); optional Ragas metrics.

How the figures are taken:

- *index size*: Milvus Lite keeps each collection in ``<milvus.db>/collections/<name>/``; the size
  is the sum of that folder's files (vectors, BM25 sparse vectors, text, WAL). On a Milvus server
  the client cannot see the disk: reported as unknown.
- *load memory*: resident set size of this process before and after the model is loaded and
  has embedded one query. Libraries shared by all embedders (torch, transformers) are imported
  before the first measurement (:func:`import_shared_libraries`) so the first embedder is not
  charged for them; the figure is approximate (allocator caching, shared pages).
"""

from __future__ import annotations

import contextlib
import os
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from eval.compare.choice import QUALITY
from eval.dataset import Sample
from eval.judge import JudgeEndpoint
from eval.retrieval import question_scores
from eval.runner import evaluate_pipeline, summarize
from eval.stats import aggregate, percentile
from ingest.indexer import build_indexer
from rag_app.pipeline import Components, Pipeline, build_pipeline
from rag_app.progress import Progress, Step
from rag_app.settings import EmbedderSettings, Settings
from rag_app.store import MilvusStore


def rss_bytes() -> int:
    """This process's resident set size (the peak where /proc is missing)."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    import resource

    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) * 1024


def folder_size(path: Path) -> int:
    """Bytes of every file under ``path`` (files that vanish meanwhile are skipped)."""
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            with contextlib.suppress(OSError):
                total += (Path(root) / name).stat().st_size
    return total


def import_shared_libraries() -> None:
    """Import what every local embedder loads, so the first one's memory figure excludes it."""
    with contextlib.suppress(ImportError):
        import sentence_transformers  # noqa: F401
        import torch  # noqa: F401


@dataclass(frozen=True)
class Bench:
    """What every embedder of one comparison is measured on, and with."""

    settings: Settings  # the bench's own: its Milvus (never the user's index) and prefix
    store: MilvusStore  # shared by all embedders: one collection each
    docs: Path
    samples: list[Sample]
    ks: list[int]
    modes: list[str]  # search modes for the retrieval metrics, one result row each
    rerank: bool
    rebuild: bool  # drop and re-ingest each collection (in the bench's own index)
    metrics: list[str]  # Ragas metrics ([]: retrieval only)
    cache_dir: Path | None  # answer and judgment caches
    endpoint: JudgeEndpoint | None  # the judge, for LLM metrics
    progress: Progress


class IngestSteps:
    """The indexer's steps for one embedder, as ``ingest <label>`` steps of the comparison."""

    def __init__(self, progress: Progress, label: str) -> None:
        self.progress, self.label = progress, label

    def update(self, step: Step) -> None:
        if step.status:
            self.progress.update(
                replace(step, phase=f"ingest {self.label}", total=max(step.total, step.done),
                        item=Path(step.item).name, note=step.status)
            )  # fmt: skip


def _search_all(bench: Bench, pipe: Pipeline, label: str, mode: str) -> dict[str, Any]:
    """Every question through ``pipe`` in ``mode``: latency and per-question retrieval scores."""
    depth = max(bench.ks)
    ids: list[str] = []
    per_q: list[dict[str, float]] = []
    latencies: list[float] = []
    for i, sample in enumerate(bench.samples):
        t = time.perf_counter()
        result = pipe.search(sample.user_input, top_k=depth, mode=mode, rerank=bench.rerank)
        latencies.append((time.perf_counter() - t) * 1000)
        if sample.reference_contexts:
            ids.append(sample.id)
            per_q.append(
                question_scores([p.text for p in result.passages], sample.reference_contexts, bench.ks)
            )
        bench.progress.update(Step(f"search {label}", i + 1, len(bench.samples), item=sample.id))
    keys = [f"recall@{k}" for k in bench.ks] + ["mrr@10", QUALITY]
    ev = bench.settings.eval
    return {
        "query_ms": {"p50": percentile(latencies, 50), "p95": percentile(latencies, 95), "n": len(latencies)},
        "retrieval": {k: aggregate([q[k] for q in per_q], [], ev.bootstrap, ev.seed) for k in keys},
        "per_question": {"ids": ids, QUALITY: [q[QUALITY] for q in per_q]},
    }


def measure_embedder(bench: Bench, label: str, embedder_cfg: dict[str, Any]) -> list[dict[str, Any]]:
    """Load, ingest (or reuse), search every question in each mode and (with metrics) answer and judge.

    One row per mode (labelled ``<label> · <mode>`` when there are several), sharing the load,
    ingest and size figures. Progress: the indexer's steps as ``ingest <label>``, then a
    ``search <label>`` step per question and mode.
    """
    settings = bench.settings
    cfg = EmbedderSettings.model_validate(embedder_cfg)
    s = settings.model_copy(update={"embedder": cfg})
    store = bench.store
    components = Components(s, store=store)
    pipe = build_pipeline(components)
    rss0 = rss_bytes()
    t = time.perf_counter()
    embedder = components.embedder
    embedder.embed_query("warm up")  # loads the model
    load_s = time.perf_counter() - t
    load_mem = max(0, rss_bytes() - rss0)
    name = pipe.collection
    if bench.rebuild and store.exists(name):
        store.drop(name)
    existed = store.exists(name) and store.count(name) > 0
    indexer = build_indexer(components)
    report = indexer.ingest([bench.docs], progress=IngestSteps(bench.progress, label))
    fresh = report.added + report.updated > 0
    size = None
    size_how = "unknown (Milvus server)"
    if store.is_lite:
        folder = Path(store.uri) / "collections" / name
        if folder.is_dir():  # Milvus Lite 3: a folder per collection
            size = folder_size(folder)
            size_how = f"files under {folder}"
        else:  # Milvus Lite 2.5: every collection in one file, so the part that differs is estimated
            size = store.count(name) * embedder.dimension * 4
            size_how = (
                "estimated: dense vectors, chunks × dimension × 4 bytes (one file holds all collections)"
            )
    chunks = store.count(name)
    common: dict[str, Any] = {
        "candidate": label,
        "embedder": f"{cfg.provider}:{cfg.model}",
        "embedder_settings": {k: v for k, v in embedder_cfg.items() if k not in ("device", "batch_size")},
        "collection": name,
        "dimension": embedder.dimension,
        "chunks": chunks,
        "ingest_seconds": round(report.seconds, 2) if fresh else None,
        "ingest_chunks_per_s": round(report.chunks / report.seconds, 1) if fresh and report.seconds else None,
        "ingest": report.as_dict(),
        "index_reused": existed and not fresh,
        "index_bytes": size,
        "index_size_how": size_how,
        "model_load_seconds": round(load_s, 2),
        "model_load_rss_bytes": load_mem,
    }
    rows = []
    for mode in bench.modes:
        row_label = f"{label} · {mode}" if len(bench.modes) > 1 else label
        rows.append({"label": row_label, "mode": mode, **common, **_search_all(bench, pipe, row_label, mode)})
    if bench.metrics:
        ev = settings.eval
        samples_rows, judge = evaluate_pipeline(
            pipe, bench.samples, bench.metrics, bench.ks, bench.cache_dir, bench.progress,
            endpoint=bench.endpoint,
        )  # fmt: skip
        summary = summarize(samples_rows, bench.metrics, bench.ks, ev.bootstrap, ev.seed)
        for row in rows:  # answers come from the configured retrieval settings, whatever the row's mode
            row["ragas"] = {m: summary[m] for m in bench.metrics}
            row["ragas_mode"] = settings.retrieval.mode
            row["judge"] = judge
    # Free the model before the next embedder loads (memory figures stay per model); the shared
    # store stays open for the next embedder.
    del pipe, indexer, embedder
    components.close()
    return rows
