"""run_eval end to end with a fake pipeline and the loopback judge: files, honesty, resume."""

from __future__ import annotations

import json
from pathlib import Path

from eval.runner import run_eval
from tests.unit.evaluation.conftest import FakePipeline, judge_settings
from tests.unit.evaluation.fake_judge import FakeJudge

GOLD = "An SQLite database is a single ordinary disk file that can be located anywhere in the directory hierarchy."


def dataset(tmp_path: Path) -> Path:
    rows = [
        {
            "id": "q1",
            "user_input": "Where is the database stored?",
            "reference": "In one file.",
            "reference_contexts": [GOLD],
        },
        {
            "id": "q2",
            "user_input": "GARBAGE question?",
            "reference": "In one file.",
            "reference_contexts": [GOLD],
        },
        {"id": "q3", "user_input": "No reference here?"},
    ]
    p = tmp_path / "ds.jsonl"
    p.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return p


def test_run_writes_reports_counts_failures_and_resumes(fake_judge: FakeJudge, tmp_path: Path) -> None:
    settings = judge_settings(fake_judge.url, tmp_path)
    pipe = FakePipeline(settings, ["Unrelated passage about pasta and water.", "Intro. " + GOLD])
    ds = dataset(tmp_path)
    metrics = ["faithfulness", "context_recall", "nonllm_context_recall"]
    out = run_eval(settings, ds, metrics=metrics, run_name="r1", pipeline=pipe)
    run = out.run_dir
    assert run == tmp_path / "results" / "r1"
    for name in ("results.jsonl", "summary.json", "report.md", "metrics.png", "latency.png"):
        assert (run / name).is_file(), name
    rows = [json.loads(line) for line in (run / "results.jsonl").read_text().splitlines()]
    assert [r["id"] for r in rows] == ["q1", "q2", "q3"]
    assert rows[0]["response"] == "SQLite stores a database in one file."
    assert rows[0]["retrieved_contexts"][1].startswith("Intro.")
    assert set(rows[0]["timings_ms"]) >= {"embed", "search", "first_token", "generate", "total"}
    summary = json.loads((run / "summary.json").read_text())
    m = summary["metrics"]
    # Retrieval: the gold passage is 2nd for both questions with references; q3 has none.
    assert m["recall@1"]["mean"] == 0.0 and m["recall@5"]["mean"] == 1.0 and m["mrr@10"]["mean"] == 0.5
    assert m["ndcg@10"]["n"] == 2 and m["ndcg@10"]["not_applicable"] == 1
    # q2's judge replies are garbage: failed, not zero; q3 has no reference: not applicable.
    f = m["faithfulness"]
    assert (
        f["n"] == 2 and f["failed"] == 1 and f["failure_reasons"] == {"parse_error": 1} and f["mean"] == 1.0
    )
    cr = m["context_recall"]
    assert cr["n"] == 1 and cr["failed"] == 1 and cr["not_applicable"] == 1
    assert all(len(a["ci95"]) == 2 for a in m.values() if a["n"])
    assert summary["judge"]["model"] == "fake-judge" and summary["judge"]["failed_calls"] >= 2
    report = (run / "report.md").read_text()
    assert "| faithfulness | 1.000 |" in report and "parse_error: 1" in report

    # Resume: same config -> no new answers, only failed judgments retried.
    calls = len(fake_judge.chat_requests())
    answers = pipe.answers
    run_eval(settings, ds, metrics=metrics, run_name="r2", pipeline=pipe)
    assert pipe.answers == answers
    retried = len(fake_judge.chat_requests()) - calls
    assert 1 <= retried <= 2  # q2's faithfulness (1 call, fails at the first) and context_recall
    r2 = [
        json.loads(line) for line in (tmp_path / "results" / "r2" / "results.jsonl").read_text().splitlines()
    ]
    assert r2[0]["answer_cached"] and r2[0]["ragas"]["faithfulness"]["cached"]


def test_no_ragas_run_needs_no_judge(tmp_path: Path) -> None:
    settings = judge_settings("http://127.0.0.1:9/v1", tmp_path)  # unreachable: must not be called
    pipe = FakePipeline(settings, [GOLD])
    out = run_eval(settings, dataset(tmp_path), metrics=[], run_name="plain", pipeline=pipe, use_cache=False)
    assert out.summary["judge"] is None
    assert out.summary["metrics"]["recall@1"]["mean"] == 1.0
    assert "faithfulness" not in out.summary["metrics"]
