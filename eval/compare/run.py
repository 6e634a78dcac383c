"""``rag eval compare DATASET --embedders A,B``: measure each embedder, choose, write the reports.

The comparison builds its collections in its own index, never in the user's: a Milvus Lite folder
``eval-index/milvus.db`` under ``paths.data_dir`` (or ``eval.milvus_uri``), with the collection
prefix ``<milvus.collection_prefix>_eval`` (:func:`bench_settings`). ``--rebuild`` drops only those.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from eval.compare.choice import choose_best
from eval.compare.measure import Bench, import_shared_libraries, measure_embedder
from eval.compare.report import plot_compare, render_markdown
from eval.compare.spec import parse_spec
from eval.dataset import docs_folder_for, load_dataset
from eval.judge import JudgeEndpoint
from eval.runner import judge_endpoint_for
from rag_app.errors import RagError
from rag_app.progress import NoProgress, Progress, Step
from rag_app.settings import Settings
from rag_app.store import open_store


def bench_settings(settings: Settings) -> Settings:
    """``settings`` pointed at the comparison's own index: ``eval.milvus_uri`` (default: the Milvus
    Lite folder ``<paths.data_dir>/eval-index/milvus.db``), prefix ``<collection_prefix>_eval``, no
    pinned collection. The user's collections are never opened for writing."""
    uri = settings.eval.milvus_uri or str(settings.data_dir / "eval-index" / "milvus.db")
    milvus = settings.milvus.model_copy(
        update={
            "uri": uri,
            "collection_prefix": f"{settings.milvus.collection_prefix}_eval",
            "collection": None,
        }
    )
    return settings.model_copy(update={"milvus": milvus})


def run_compare(
    settings: Settings,
    dataset: str | Path,
    specs: list[str],
    docs: str | Path | None = None,
    metrics: list[str] | None = None,
    mode: str | list[str] = "dense",
    rerank: bool = False,
    rebuild: bool = False,
    limit: int | None = None,
    out_dir: str | Path | None = None,
    progress: Progress | None = None,
    run_name: str | None = None,
) -> dict[str, Any]:
    """Compare the embedders ``specs`` (see :func:`~eval.compare.spec.parse_spec`) on ``dataset``.

    ``docs``: the documents (default: ``docs/`` beside the dataset). ``metrics``: Ragas metrics
    to add (default none: retrieval only). ``mode``: one search mode or several (one result row
    per embedder and mode). Writes ``compare.json``, ``compare.md`` and
    ``compare.png`` under ``<out_dir>/<run_name>`` and returns what ``compare.json`` holds.
    Progress: an ``embedders`` step before and after each embedder, and each one's own steps.
    """
    report = progress or NoProgress()
    samples = load_dataset(dataset, limit=limit)
    docs_path = Path(docs) if docs else docs_folder_for(dataset)
    if docs_path is None or not docs_path.exists():
        raise RagError(
            f"No documents for {dataset}: there is no docs/ folder beside it.",
            fix="Pass --docs PATH (the documents the questions were written for).",
        )
    parsed = [parse_spec(s, settings) for s in specs]
    ks = sorted(set(settings.eval.k) | {10})
    base = Path(out_dir) if out_dir else settings.resolve(settings.eval.out_dir)
    run = run_name or "compare-" + datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    run_dir = base / run
    run_dir.mkdir(parents=True, exist_ok=True)
    modes = [mode] if isinstance(mode, str) else list(mode)
    import_shared_libraries()
    own = bench_settings(settings)
    store = open_store(own)
    endpoint: JudgeEndpoint | None = None
    results: list[dict[str, Any]] = []
    try:
        if metrics:
            endpoint = judge_endpoint_for(settings, metrics)
        bench = Bench(
            own, store, docs_path, samples, ks, modes, rerank, rebuild, metrics or [],
            base / ".cache", endpoint, report,
        )  # fmt: skip
        for i, (label, cfg) in enumerate(parsed):
            report.update(Step("embedders", i, len(parsed), item=label, note="load + ingest"))
            results.extend(measure_embedder(bench, label, cfg))
            report.update(Step("embedders", i + 1, len(parsed), item=label, status="measured"))
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
        "mode": ",".join(modes),
        "modes": modes,
        "rerank": rerank,
        "index": {"uri": store.uri, "collection_prefix": own.milvus.collection_prefix},
        "embedders": results,
        "best": choose_best(results, settings.eval.bootstrap, settings.eval.seed),
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    if plot_compare(results, run_dir / "compare.png"):
        result["plot"] = "compare.png"
    (run_dir / "compare.json").write_text(json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8")
    (run_dir / "compare.md").write_text(render_markdown(result), encoding="utf-8")
    return result
