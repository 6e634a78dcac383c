"""Milvus Lite engines side by side, in one run: the C++ Milvus Lite 2.5.1 against the pure-Python
Milvus Lite 3.2.2 (FLAT, and AUTOINDEX = HNSW), each driven through the app's own store.

    .venv/bin/python benchmarks/milvus_engines.py --output engines.json            # 10k and 100k rows
    .venv/bin/python benchmarks/milvus_engines.py --sizes 10000 --engines 2.5.1,3.2.2   # quicker

Each candidate runs in its own child process (``engine_probe.py``) whose ``PYTHONPATH`` starts with
that Milvus Lite version, installed once with ``pip install --no-deps --target`` into
``benchmarks/.cache/engines/`` (the installed version is used as it is). The query embedding
(the configured embedder, MiniLM by default) is timed here once per query, since it does not depend
on the engine, and added to each search to give ``embed+search``. The JSON has, per engine: insert
rate, first search after the insert, dense/sparse/hybrid search p50/p95/min wall and CPU time
(process + engine child), RSS, disk size, reopen, kill -9 recovery, multi-process behaviour, jieba
BM25, and the targets (embed + hybrid search p50 <= 50 ms at 10k, <= 150 ms at 100k).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path
from typing import Any

from common import REPO, T0, emit, lat, loadavg, log, offline_env, target

HERE = Path(__file__).resolve().parent
CACHE = HERE / ".cache" / "engines"
DOCS = REPO / "eval" / "datasets" / "faq"
TARGETS_MS = {"10000": 50.0, "100000": 150.0}
MAINTENANCE = {
    "2": "C++ engine (knowhere + segcore, from Milvus 2.5); 2.5.1 is the last release of this line, "
    "no longer developed upstream; needs setuptools<81 (pkg_resources)",
    "3": "pure-Python rewrite (faiss + Parquet + WAL), developed upstream since May 2026",
}


def overlay(version: str) -> str | None:
    """A folder holding Milvus Lite ``version`` to put first on PYTHONPATH (None: the installed one)."""
    if metadata.version("milvus-lite") == version:
        return None
    target_dir = CACHE / f"milvus-lite-{version}"
    if not (target_dir / "milvus_lite").is_dir():
        log(f"installing milvus-lite {version} into {target_dir} ...")
        extra = ["setuptools<81"] if version.startswith("2.") else []
        subprocess.run(
            [sys.executable, "-m", "pip", "install", "-q", "--disable-pip-version-check", "--no-deps",
             "--target", str(target_dir), f"milvus-lite=={version}", *extra],
            check=True,
        )  # fmt: skip
    return str(target_dir)


def embed_queries(questions: list[str]) -> tuple[list[dict[str, Any]], list[float], list[float], str]:
    """Each question's vector, and the wall and CPU time of its embedding."""
    from rag_app.components.embedders import build_embedder
    from rag_app.config import load_settings

    emb = build_embedder(load_settings(REPO / "config.yaml", env={}))
    emb.embed_query("warm-up")
    out, wall, cpu = [], [], []
    for q in questions:
        t, c = time.perf_counter(), time.process_time()
        vec = emb.embed_query(q)
        wall.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
        out.append({"text": q, "vector": [float(x) for x in vec]})
    return out, wall, cpu, emb.model_name


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--engines", default="2.5.1,3.2.2,3.2.2:AUTOINDEX",
                    help="milvus-lite versions, each optionally :AUTOINDEX for the server index (HNSW in 3.x)")  # fmt: skip
    ap.add_argument("--sizes", default="10000,100000")
    ap.add_argument("--queries", type=int, default=40)
    ap.add_argument(
        "--budget", type=float, default=30.0, help="seconds of searching per mode and size at most"
    )
    ap.add_argument("--output", type=Path)
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()
    env = offline_env(TOKENIZERS_PARALLELISM="false")
    from retrieval_synthetic import vocabulary

    questions = [json.loads(line)["user_input"] for line in (DOCS / "questions.jsonl").read_text().splitlines() if line.strip()]  # fmt: skip
    queries, embed_s, embed_cpu, model = embed_queries(questions[: args.queries])
    words, probs = vocabulary(DOCS / "docs")
    result: dict[str, Any] = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "machine": {"cpus": os.cpu_count(), "loadavg_1m_start": loadavg(), "nice": os.nice(0)},
        "query_embedding": {"model": model, "wall": lat(embed_s), "cpu": lat(embed_cpu)},
        "engines": {},
    }
    root = Path(tempfile.mkdtemp(prefix="milvus-engines-"))
    try:
        for spec in args.engines.split(","):
            version, _, index = spec.partition(":")
            index = index or "FLAT"
            work = root / spec.replace(":", "-")
            work.mkdir()
            (work / "queries.json").write_text(json.dumps(queries))
            (work / "vocab.json").write_text(json.dumps({"words": words, "probs": probs}))
            path = overlay(version)
            child_env = dict(env)
            if path:
                child_env["PYTHONPATH"] = os.pathsep.join([path, *filter(None, [env.get("PYTHONPATH")])])
            log(f"engine {spec}: measuring {args.sizes} rows ...")
            t = time.perf_counter()
            proc = subprocess.run(
                [sys.executable, str(HERE / "engine_probe.py"), "--work", str(work), "--queries",
                 str(work / "queries.json"), "--sizes", args.sizes, "--dense-index", index,
                 "--budget", str(args.budget)],
                capture_output=True, text=True, env=child_env,
            )  # fmt: skip
            sys.stderr.write(proc.stderr[-3000:])
            if proc.returncode:
                result["engines"][spec] = {"error": proc.stderr[-2000:]}
                continue
            res = json.loads(proc.stdout.strip().splitlines()[-1])
            res["maintenance"] = MAINTENANCE.get(version.split(".")[0])
            res["seconds"] = round(time.perf_counter() - t, 1)
            final = args.sizes.split(",")[-1]
            for size, at in [*res["sizes"].items(), (f"{final} after reopen", res["reopen"])]:
                for mode in ("dense", "hybrid"):
                    per_q = at[mode].pop("per_query_s")
                    total = [s + e for s, e in zip(per_q, embed_s, strict=False)]
                    at[mode]["embed+search"] = lat(total)
                at["sparse"].pop("per_query_s")
                if size in TARGETS_MS:
                    res.setdefault("targets", {})[f"embed+hybrid_p50_ms_at_{size}"] = target(
                        at["hybrid"]["embed+search"]["p50_ms"], "<=", TARGETS_MS[size], bound_format=""
                    )
            result["engines"][spec] = res
            log(f"engine {spec}: done in {res['seconds']} s; targets {json.dumps(res.get('targets'))}")
    finally:
        result["machine"]["loadavg_1m_end"] = loadavg()
        result["total_seconds"] = round(time.perf_counter() - T0, 1)
        if args.keep:
            log(f"kept {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)
    emit(result, args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
