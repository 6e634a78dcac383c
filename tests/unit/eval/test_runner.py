"""run_eval end to end with a fake pipeline and the loopback judge: files, honesty, resume."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from eval.runner import AnswerCache, latency_summary, run_eval
from rag_app.errors import CollectionNotFound, EndpointUnavailable
from tests.unit.eval.fake_judge import FakeJudge
from tests.unit.eval.fakes import FakePipeline, judge_settings

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


def test_answer_steps_and_a_broken_question_is_reported(tmp_path: Path) -> None:
    from rag_app.progress import Collect

    settings = judge_settings("http://127.0.0.1:9/v1", tmp_path)
    pipe = FakePipeline(settings, [GOLD])
    answer = pipe.answer

    def flaky(question: str) -> Any:
        if question.startswith("GARBAGE"):
            raise ValueError("the LLM fell over")
        return answer(question)

    pipe.answer = flaky  # type: ignore[method-assign]
    steps = Collect()
    out = run_eval(
        settings,
        dataset(tmp_path),
        metrics=[],
        run_name="steps",
        pipeline=pipe,
        use_cache=False,
        progress=steps,
    )
    assert [(s.phase, s.done, s.total, s.item, s.status) for s in steps.steps] == [
        ("answer", 1, 3, "q1", "answered"),
        ("answer", 2, 3, "q2", "failed"),
        ("answer", 3, 3, "q3", "answered"),
    ]
    assert out.summary["answer_errors"] == 1
    assert out.rows[1]["error"] == "ValueError: the LLM fell over"
    assert "could not be answered" in (out.run_dir / "report.md").read_text()


def test_a_rag_error_stops_the_run(tmp_path: Path) -> None:
    settings = judge_settings("http://127.0.0.1:9/v1", tmp_path)
    pipe = FakePipeline(settings, [GOLD])

    def down(question: str) -> Any:
        raise EndpointUnavailable("The LLM endpoint is down.", fix="Start it.")

    pipe.answer = down  # type: ignore[method-assign]
    with pytest.raises(EndpointUnavailable):
        run_eval(settings, dataset(tmp_path), metrics=[], run_name="down", pipeline=pipe, use_cache=False)


def test_empty_collection_says_what_to_ingest(tmp_path: Path) -> None:
    settings = judge_settings("http://127.0.0.1:9/v1", tmp_path)
    ds = dataset(tmp_path)
    (tmp_path / "docs").mkdir()
    with pytest.raises(CollectionNotFound) as err:
        run_eval(settings, ds, metrics=[], pipeline=FakePipeline(settings, [GOLD], chunks=0))
    assert "fake_collection" in err.value.message
    assert err.value.fix == f"Ingest the dataset's documents first: rag ingest {tmp_path / 'docs'}"


def test_answer_cache_key_and_rows() -> None:
    fp = {"collection": "c"}
    key = AnswerCache.key("q?", fp, [1, 5])
    assert key == AnswerCache.key("q?", fp, [1, 5])
    assert key != AnswerCache.key("q?", {"collection": "d"}, [1, 5]) != AnswerCache.key("q?", fp, [1])
    cache = AnswerCache(None)
    cache.put(key, {"response": "r"})
    assert cache.get(key) == {"response": "r"} and cache.get("other") is None


def test_latency_summary_per_stage() -> None:
    rows = [{"timings_ms": {"embed": 10.0, "total": 100.0}}, {"timings_ms": {"embed": 30.0}}, {"error": "x"}]
    lat = latency_summary(rows)
    assert lat["embed"] == {"p50": 20.0, "p95": 29.0, "mean": 20.0, "n": 2}
    assert lat["total"]["n"] == 1
