"""`rag eval` on the real pipeline with the real local judge (Qwen2.5-Coder-0.5B via llama.cpp)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import ingest_paths, run_rag

pytestmark = pytest.mark.integration


def test_eval_runs_pipeline_judges_and_resumes(eval_workspace: dict[str, Any]) -> None:
    from eval.runner import run_eval
    from rag_app.config import load_settings
    from rag_app.pipeline import build_pipeline

    settings = load_settings(eval_workspace["config"], env={})
    pipe = build_pipeline(settings)
    try:
        ingest_paths(pipe, [eval_workspace["docs"]])
        out = run_eval(
            settings,
            eval_workspace["dataset"],
            limit=1,
            metrics=["faithfulness"],
            run_name="real",
            pipeline=pipe,
        )
    finally:
        pipe.close()
    run = out.run_dir
    assert {p.name for p in run.iterdir()} >= {"results.jsonl", "summary.json", "report.md", "metrics.png"}
    [row] = [json.loads(line) for line in (run / "results.jsonl").read_text().splitlines()]
    assert row["response"] and row["retrieved_contexts"]
    assert row["timings_ms"]["generate"] > 0 and row["timings_ms"]["embed"] > 0
    assert row["retrieval"]["recall@5"] == 1.0  # the gold sentence is in the two-chunk top 5
    faith = out.summary["metrics"]["faithfulness"]
    # One judgment: it either produced a value or is counted as failed with a reason; never both, never lost.
    assert faith["n"] + faith["failed"] == 1
    if faith["n"]:
        assert 0.0 <= faith["mean"] <= 1.0
    else:
        assert faith["failure_reasons"]
    judge = out.summary["judge"]
    assert judge["calls"] >= 1 and judge["structured_output"] is True

    # The CLI (a new process) reuses the cached answer and prints summary.json.
    proc = run_rag(
        "--config", str(eval_workspace["config"]), "eval", str(eval_workspace["dataset"]),
        "--limit", "1", "--no-ragas", "--json", "--run", "cli",
        timeout=240,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    assert summary["metrics"]["recall@5"]["mean"] == 1.0 and summary["metrics"]["recall@5"]["n"] == 1
    assert summary["judge"] is None
    cli_row = json.loads((eval_workspace["results"] / "cli" / "results.jsonl").read_text().splitlines()[0])
    assert cli_row["answer_cached"] is True and cli_row["response"] == row["response"]


def test_selftest_with_the_local_judge(eval_workspace: dict[str, Any]) -> None:
    from eval.selftest import render_selftest, run_selftest
    from rag_app.config import load_settings

    settings = load_settings(eval_workspace["config"], env={})
    report = run_selftest(settings, metrics=["context_recall", "nonllm_context_recall"], pairs=1)
    print(render_selftest(report))  # the outcome is reported, not hidden (-s shows it)
    assert report["metrics"]["nonllm_context_recall"]["passed"] == 1
    recall = report["metrics"]["context_recall"]  # 1 judge call per case: the cheapest LLM pair
    assert recall["pairs"] == 1 and recall["passed"] + recall["failed"] + recall["inconclusive"] == 1
    assert report["total"] == 2


def test_generate_drafts_a_synthetic_row(eval_workspace: dict[str, Any]) -> None:
    from eval.generate import generate_testset
    from rag_app.config import load_settings

    settings = load_settings(eval_workspace["config"], env={})
    rows, report = generate_testset(settings, eval_workspace["docs"], n=1, seed=0)
    assert "seed 0" in report
    assert len(rows) == 1, report  # Qwen 0.5B with a JSON schema returns a usable question
    row = rows[0]
    assert row["synthetic"] is True and row["id"] == "syn-0-1"
    assert row["user_input"].strip() and row["reference"].strip()
    notes = " ".join((eval_workspace["docs"] / "notes.md").read_text().split())
    assert " ".join(row["reference_contexts"][0].split()) in notes


def test_given_responses_are_scored_and_refusals_counted_without_an_llm(
    eval_files: dict[str, Any], tmp_path: Any
) -> None:
    """Planted answers are scored as given; an unanswerable question is refused; no LLM is ever asked
    (the configured endpoint does not exist)."""
    from eval.runner import run_eval
    from rag_app.config import load_settings
    from rag_app.pipeline import build_pipeline

    rows = [
        {"id": "faithful", "user_input": "How is an SQLite database stored on disk?",
         "response": "An SQLite database is a single ordinary disk file [1]."},
        {"id": "invented", "user_input": "How is an SQLite database stored on disk?",
         "response": "SQLite stores each table in 7 separate files on a server [1]."},
        {"id": "jupiter", "user_input": "How many moons does Jupiter have?", "answerable": False},
    ]  # fmt: skip
    dataset = tmp_path / "planted.jsonl"
    dataset.write_text("".join(json.dumps(r) + "\n" for r in rows))
    settings = load_settings(
        eval_files["config"],
        env={"RAG_LLM__PROVIDER": "openai", "RAG_LLM__BASE_URL": "http://127.0.0.1:9/v1"},
    )
    pipe = build_pipeline(settings)
    try:
        ingest_paths(pipe, [eval_files["docs"]])
        out = run_eval(settings, dataset, metrics=["supported_share"], run_name="planted", pipeline=pipe)
    finally:
        pipe.close()
    by_id = {r["id"]: r for r in out.rows}
    assert by_id["faithful"]["ragas"]["supported_share"]["value"] == 1.0
    assert by_id["invented"]["ragas"]["supported_share"]["value"] == 0.0
    assert by_id["faithful"]["response_given"] and by_id["faithful"]["refused"] is False
    assert by_id["jupiter"]["refused"] is True and by_id["jupiter"]["ragas"]["supported_share"]["skipped"]
    refusal = out.summary["refusal"]
    assert refusal["answerable"] == {"n": 2, "refused": 0, "rate": 0.0}
    assert refusal["unanswerable"] == {"n": 1, "refused": 1, "rate": 1.0}
    assert refusal["policy"].startswith("auto: 0.3")
    assert "## Refusals" in (out.run_dir / "report.md").read_text()
