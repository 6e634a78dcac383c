"""Answer benchmark: time to first token, total answer time, grounding overhead and refusal latency
through the real ``/v1/chat/completions`` stream, per local model; the answers are kept for judging.

    .venv/bin/python benchmarks/answer_bench.py                                  # 0.5B, 30 + 10 questions
    .venv/bin/python benchmarks/answer_bench.py --models qwen2.5-coder-0.5b,qwen2.5-coder-1.5b
    .venv/bin/python benchmarks/answer_bench.py --prompt baseline --questions 30 --unanswerable 0

The FAQ documents (eval/datasets/faq/docs) are ingested once with the configured embedder into a
temp Milvus Lite folder. Per model, the app's own server (``ui.server.build_server``: Gradio and
``/v1``) runs in this process on a loopback port with the local llama.cpp server the app starts
(``llm.provider: local``, ``llm.threads`` as configured); one warm-up question is not counted. Each
question is sent with ``stream: true``; the time to the first chunk that carries answer text is the
time to first token as a client sees it (retrieval and prompt processing included), the time to
``[DONE]`` the total. The final chunk's ``timings_ms`` gives the grounding time and, for refused
questions, the retrieval time, so the refusal latency after retrieval is the total minus it.

Questions: a fixed sample (seed 0) of the FAQ dev set (answerable) and of
eval/datasets/unanswerable (half off-topic, half near-topic). ``--prompt`` swaps the prompt for a
variant of benchmarks/answer_prompts.py. Prints one JSON object (per-question answers included)
on stdout; progress on stderr. Other work on the machine skews every figure: the load average
and this process's and the LLM server's CPU seconds are reported beside the wall times.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import socket
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from answer_prompts import VARIANTS
from common import REPO, emit, lat, loadavg, log, machine, offline_env

FAQ = REPO / "eval" / "datasets" / "faq"
UNANSWERABLE = REPO / "eval" / "datasets" / "unanswerable" / "questions.jsonl"


def rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def pick(n_answerable: int, n_unanswerable: int) -> list[dict[str, Any]]:
    rng = random.Random(0)
    faq = rows(FAQ / "questions.jsonl")
    out = [{**r, "answerable": True} for r in rng.sample(faq, min(n_answerable, len(faq)))]
    un = rows(UNANSWERABLE)
    for kind in ("off-topic", "near-topic"):
        group = [r for r in un if r["kind"] == kind]
        out += rng.sample(group, min(len(group), (n_unanswerable + (kind == "off-topic")) // 2))
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def ask(url: str, question: str) -> dict[str, Any]:
    """One streamed question: first-text and done times, the text and the final chunk's fields,
    and the CPU seconds the llama.cpp server spent until the first token and until the end."""
    import httpx

    body = {"model": "rag", "stream": True, "messages": [{"role": "user", "content": question}]}
    cpu0 = cpu_seconds()["llm_server"]
    cpu_first: float | None = None
    t0 = time.perf_counter()
    first: float | None = None
    text, final = "", {}
    with httpx.stream("POST", f"{url}/v1/chat/completions", json=body, timeout=600) as r:
        r.raise_for_status()
        for line in r.iter_lines():
            if not line.startswith("data: ") or line == "data: [DONE]":
                continue
            chunk = json.loads(line[6:])
            piece = chunk["choices"][0]["delta"].get("content") or ""
            if piece and first is None:
                first = time.perf_counter() - t0
                cpu_first = cpu_seconds()["llm_server"] - cpu0
            text += piece
            if chunk["choices"][0].get("finish_reason"):
                final = chunk
    total = time.perf_counter() - t0
    return {
        "first_token_s": first, "total_s": total, "text": text, "final": final,
        "llm_cpu_to_first_token_s": cpu_first, "llm_cpu_total_s": cpu_seconds()["llm_server"] - cpu0,
    }  # fmt: skip


def cpu_seconds() -> dict[str, float]:
    """CPU seconds of this process and of its children (the llama.cpp server) so far."""
    import psutil

    me = psutil.Process()
    children = 0.0
    for child in me.children(recursive=True):
        try:
            t = child.cpu_times()
            children += t.user + t.system
        except psutil.Error:
            pass
    t = me.cpu_times()
    return {"app": t.user + t.system, "llm_server": children}


def run_model(
    model: str,
    base_settings: Any,
    embedder: Any,
    store: Any,
    questions: list[dict[str, Any]],
    top_k: int | None,
    threads: int | None,
) -> dict[str, Any]:
    import uvicorn

    from rag_app.pipeline import build_pipeline
    from ui.auth import Credentials
    from ui.server import build_server

    # A loaded machine can take minutes per answer: the benchmark waits (llm.timeout is 120 s).
    overrides: dict[str, Any] = {"llm": {"provider": "local", "model": model, "timeout": 900}}
    if threads:
        overrides["llm"]["threads"] = threads
    if top_k:
        overrides["retrieval"] = {"top_k": top_k}
    settings = base_settings.model_copy(
        update={
            "llm": base_settings.llm.model_copy(update=overrides["llm"]),
            "retrieval": base_settings.retrieval.model_copy(update=overrides.get("retrieval", {})),
        }
    )
    pipe = build_pipeline(settings, embedder=embedder, store=store)
    t = time.perf_counter()
    _ = pipe.components.llm  # starts (or reuses) the local llama.cpp server
    started = time.perf_counter() - t
    app = build_server(pipe, Credentials({}))
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    url = f"http://127.0.0.1:{port}"
    try:
        ask(url, "What is SQLite?")  # warm-up: the prompt cache holds the system prompt afterwards
        log(f"{model}: LLM ready in {started:.1f} s, warm")
        cpu0, load0 = cpu_seconds(), loadavg()
        records = []
        for i, q in enumerate(questions, start=1):
            r = ask(url, q["user_input"])
            f = r["final"]
            timings = f.get("timings_ms") or {}
            grounding = f.get("grounding") or {}
            retrieval_ms = sum(timings.get(k, 0.0) for k in ("embed", "search", "relevance"))
            records.append(
                {
                    "id": q["id"],
                    "answerable": q.get("answerable", True),
                    "kind": q.get("kind", "answerable"),
                    "question": q["user_input"],
                    "reference": q.get("reference"),
                    "answer": r["text"],
                    "refused": bool(f.get("refused")),
                    "cited": f.get("cited") or [],
                    "supported_share": grounding.get("supported_share"),
                    "sentences": [(s["supported"], s["passage"]) for s in grounding.get("sentences", [])],
                    "first_token_s": r["first_token_s"],
                    "total_s": r["total_s"],
                    "llm_cpu_to_first_token_s": r["llm_cpu_to_first_token_s"],
                    "llm_cpu_total_s": r["llm_cpu_total_s"],
                    "grounding_ms": timings.get("grounding"),
                    "retrieval_ms": retrieval_ms,
                    "timings_ms": timings,
                    "sources": [s["source"].rsplit("/", 1)[-1] for s in f.get("sources", [])],
                }
            )
            ttft = r["first_token_s"]
            log(
                f"{model} {i}/{len(questions)} {q['id']}: first token {ttft if ttft is None else round(ttft, 2)} s, "
                f"total {r['total_s']:.1f} s, refused {bool(f.get('refused'))}, "
                f"supported {grounding.get('supported_share')}"
            )
        cpu1, load1 = cpu_seconds(), loadavg()
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        pipe.close()
    return summarize(model, records, cpu0, cpu1, load0, load1, started)


def summarize(
    model: str,
    records: list[dict[str, Any]],
    cpu0: dict[str, float],
    cpu1: dict[str, float],
    load0: float,
    load1: float,
    started: float,
) -> dict[str, Any]:
    answered = [r for r in records if r["answerable"] and not r["refused"]]
    refused_ok = [r for r in records if not r["answerable"] and r["refused"]]
    grounding_pct = [
        100 * r["grounding_ms"] / (r["total_s"] * 1000) for r in answered if r["grounding_ms"] is not None
    ]
    answerable = [r for r in records if r["answerable"]]
    unanswerable = [r for r in records if not r["answerable"]]
    shares = [r["supported_share"] for r in answered if r["supported_share"] is not None]
    return {
        "model": model,
        "llm_start_s": round(started, 1),
        "questions": {"answerable": len(answerable), "unanswerable": len(unanswerable)},
        "first_token": lat([r["first_token_s"] for r in answered if r["first_token_s"] is not None]),
        # The llama.cpp server's CPU seconds until the first token: on an idle machine its threads
        # (llm.threads) share them, so this over the thread count approximates an idle TTFT.
        "llm_cpu_to_first_token": lat(
            [r["llm_cpu_to_first_token_s"] for r in answered if r.get("llm_cpu_to_first_token_s") is not None]
        ),
        "llm_cpu_per_answer": lat(
            [r["llm_cpu_total_s"] for r in answered if r.get("llm_cpu_total_s") is not None]
        ),
        "total": lat([r["total_s"] for r in answered]),
        "grounding": lat([r["grounding_ms"] / 1000 for r in answered if r["grounding_ms"] is not None]),
        "grounding_pct_of_answer": {
            "p50": round(sorted(grounding_pct)[len(grounding_pct) // 2], 2) if grounding_pct else None,
            "max": round(max(grounding_pct), 2) if grounding_pct else None,
        },
        "refusal_after_retrieval": lat([r["total_s"] - r["retrieval_ms"] / 1000 for r in refused_ok]),
        "refusal_total": lat([r["total_s"] for r in refused_ok]),
        "refused": {
            "answerable": sum(r["refused"] for r in answerable),
            "unanswerable": sum(r["refused"] for r in unanswerable),
        },
        "supported_share_mean": round(sum(shares) / len(shares), 3) if shares else None,
        "explicit_citation_rate": round(sum(bool(r["cited"]) for r in answered) / len(answered), 3)
        if answered
        else None,
        "cpu_s": {k: round(cpu1[k] - cpu0[k], 1) for k in cpu0},
        "loadavg_1m": {"start": load0, "end": load1},
        "records": records,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", default="qwen2.5-coder-0.5b", help="comma list of llm.model values (local)")
    ap.add_argument("--questions", type=int, default=30, help="answerable questions (FAQ dev set sample)")
    ap.add_argument("--unanswerable", type=int, default=10, help="questions the documents cannot answer")
    ap.add_argument("--prompt", choices=sorted(VARIANTS), default="current")
    ap.add_argument("--top-k", type=int, default=None, help="retrieval.top_k override")
    ap.add_argument("--threads", type=int, default=None, help="llm.threads override (llama.cpp threads)")
    ap.add_argument("--config", type=Path, default=REPO / "config.yaml")
    ap.add_argument("--output", type=Path)
    args = ap.parse_args()
    offline_env(TOKENIZERS_PARALLELISM="false", GRADIO_ANALYTICS_ENABLED="False")

    import rag_app.answering.answerer as answerer_module
    from ingest.indexer import build_indexer
    from rag_app.config import load_settings
    from rag_app.pipeline import build_pipeline

    answerer_module.build_messages = VARIANTS[args.prompt]  # type: ignore[assignment]
    work = Path(tempfile.mkdtemp(prefix="answer-bench-"))
    out: dict[str, Any] = {
        "machine": machine(),
        "prompt": args.prompt,
        "top_k": args.top_k,
        "threads": args.threads,
        "models": [],
    }
    try:
        settings = load_settings(
            args.config,
            env={},
            overrides={
                "milvus": {"uri": str(work / "milvus.db")},
                "paths": {"data_dir": str(work / "data")},
                "reranker": {"provider": "none"},  # not installable offline: the app skips it anyway
            },
        )
        base = build_pipeline(settings)
        t = time.perf_counter()
        report = build_indexer(base.components).ingest([FAQ / "docs"])
        log(f"ingested {report.chunks} chunks in {time.perf_counter() - t:.0f} s")
        embedder, store = base.components.embedder, base.components.store
        questions = pick(args.questions, args.unanswerable)
        out["settings"] = {
            "embedder": settings.embedder.model,
            "retrieval": settings.retrieval.model_dump(mode="json"),
            "llm": {k: v for k, v in settings.llm.model_dump(mode="json").items() if k != "api_key_env"},
        }
        for model in [m.strip() for m in args.models.split(",") if m.strip()]:
            out["models"].append(
                run_model(model, settings, embedder, store, questions, args.top_k, args.threads)
            )
        base.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    out["loadavg_1m_end"] = loadavg()
    emit(out, args.output)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
