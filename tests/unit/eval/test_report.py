"""Run reports: the Markdown from a summary, the files of a run, finding the latest run."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from eval.report import (
    latest_compare,
    latest_run,
    metric_help,
    metric_table,
    render_markdown,
    write_run_report,
)


def summary(questions: int = 2, **extra: Any) -> dict[str, Any]:
    return {
        "run": "r1",
        "dataset": "ds.jsonl",
        "created": "2025-01-01T00:00:00+00:00",
        "questions": questions,
        "synthetic_questions": 0,
        "answer_errors": 0,
        "seconds": 1.5,
        "config": {
            "collection": "rag_minilm_abc",
            "embedder": "sentence-transformers:minilm",
            "llm": "openai:qwen",
            "retrieval_mode": "hybrid",
            "top_k": 5,
            "reranker_config": "none",
        },
        "judge": None,
        "metrics": {
            "recall@5": {"mean": 0.5, "ci95": [0.0, 1.0], "n": 2, "failed": 0, "not_applicable": 1,
                         "kind": "retrieval"},
            "faithfulness": {"mean": 1.0, "ci95": [1.0, 1.0], "n": 1, "failed": 1,
                             "failure_reasons": {"parse_error": 1}, "not_applicable": 0, "kind": "ragas"},
        },
        "latency_ms": {"total": {"p50": 120.0, "p95": 180.5, "mean": 130.25, "n": 2}},
        "bootstrap": {"resamples": 200, "seed": 0, "level": 0.95},
        **extra,
    }  # fmt: skip


ROWS = [
    {"id": "q1", "retrieval": {"recall@5": 1.0}, "ragas": {"faithfulness": {"value": 1.0}},
     "timings_ms": {"total": 120.0}},
    {"id": "q2", "retrieval": {"recall@5": 0.0}, "ragas": {"faithfulness": {"value": None, "error": "parse_error"}},
     "timings_ms": {"total": 140.0}},
]  # fmt: skip


def test_metric_help_names_each_metric() -> None:
    assert metric_help("recall@3") == "share of gold passages found in the top 3"
    assert "rank" in metric_help("mrr@10")
    assert "(judge)" in metric_help("faithfulness")
    assert "rapidfuzz" in metric_help("nonllm_context_precision")
    assert metric_help("nosuch") == ""


def test_metric_table_shows_failures_with_reasons() -> None:
    lines = metric_table(summary()["metrics"])
    assert lines[2].startswith("| recall@5 | 0.500 | [0.000, 1.000] | 2 | 0 | 1 | share of gold passages")
    assert "| faithfulness | 1.000 | [1.000, 1.000] | 1 | 1 (parse_error: 1) | 0 |" in lines[3]


def test_markdown_from_a_summary() -> None:
    md = render_markdown(summary(), ["metrics.png"])
    assert md.startswith("# Evaluation report: r1\n")
    assert "- dataset: `ds.jsonl` (2 questions)" in md
    assert "- collection: `rag_minilm_abc` (embedder sentence-transformers:minilm, mode hybrid, top_k 5" in md
    assert "- judge: none (no LLM metrics in this run)" in md
    assert "| total | 120.0 | 180.5 | 130.2 | 2 |" in md
    assert "![metrics.png](metrics.png)" in md
    assert "intervals are wide" in md  # fewer than 30 questions
    judged = render_markdown(
        summary(
            40,
            answer_errors=3,
            judge={"model": "qwen", "base_url": "http://x/v1", "structured_output": True, "calls": 9,
                   "failed_calls": 1, "seconds": 4.0},
        ),
        [],
    )  # fmt: skip
    assert "- judge: `qwen` at http://x/v1 (structured output: True); 9 calls, 1 failed, 4.0 s" in judged
    assert "**3 question(s) could not be answered**" in judged
    assert "## Plots" not in judged and "intervals are wide" not in judged


def test_run_files_and_latest_run(tmp_path: Path) -> None:
    run = tmp_path / "r1"
    s = summary()
    write_run_report(run, ROWS, s)
    assert [json.loads(line)["id"] for line in (run / "results.jsonl").read_text().splitlines()] == [
        "q1",
        "q2",
    ]
    assert s["plots"] == ["metrics.png", "latency.png"]
    assert (run / "metrics.png").stat().st_size > 1000 and (run / "latency.png").is_file()
    assert json.loads((run / "summary.json").read_text())["plots"] == ["metrics.png", "latency.png"]
    assert (run / "report.md").read_text() == render_markdown(s, s["plots"])
    # Without values or timings there is nothing to plot.
    bare = summary()
    write_run_report(tmp_path / "r2", [{"id": "q"}], bare)
    assert bare["plots"] == []
    os.utime(run / "summary.json", (1, 1))
    assert latest_run(tmp_path) == tmp_path / "r2"
    assert latest_compare(tmp_path) is None
    (tmp_path / "c1").mkdir()
    (tmp_path / "c1" / "compare.json").write_text("{}")
    assert latest_compare(tmp_path) == tmp_path / "c1"
    assert latest_run(tmp_path / "nothing") is None
