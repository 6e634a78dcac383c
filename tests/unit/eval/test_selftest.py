"""Selftest bookkeeping with the loopback judge: pass, fail and inconclusive pairs."""

from __future__ import annotations

from pathlib import Path

import pytest

import eval.selftest as st
from tests.unit.eval.fake_judge import FakeJudge
from tests.unit.eval.fakes import judge_settings

CTX = ["SQLite stores a database in one file."]


def test_pairs_are_ranked_and_failures_are_inconclusive(
    fake_judge: FakeJudge, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    q = "Where does SQLite store data?"
    pairs = {
        "faithfulness": [
            ("ranked", {"user_input": q, "retrieved_contexts": CTX, "response": "In one file."},
             {"user_input": q, "retrieved_contexts": CTX, "response": "BADCASE in the cloud."}),
            ("tied", {"user_input": q, "retrieved_contexts": CTX, "response": "In one file."},
             {"user_input": q, "retrieved_contexts": CTX, "response": "In a single file."}),
            ("garbage", {"user_input": q, "retrieved_contexts": CTX, "response": "In one file."},
             {"user_input": q, "retrieved_contexts": CTX, "response": "GARBAGE"}),
        ],
        "nonllm_context_recall": st.PAIRS["nonllm_context_recall"],
    }  # fmt: skip
    monkeypatch.setattr(st, "PAIRS", pairs)
    report = st.run_selftest(
        judge_settings(fake_judge.url, tmp_path), metrics=["faithfulness", "nonllm_context_recall"]
    )
    verdicts = {p["pair"]: p["verdict"] for p in report["pairs"]}
    assert verdicts == {
        "ranked": "pass",
        "tied": "fail",
        "garbage": "inconclusive",
        "gold passage retrieved vs not": "pass",
    }
    assert report["metrics"]["faithfulness"] == {"passed": 1, "failed": 1, "inconclusive": 1, "pairs": 3}
    assert report["passed"] == 2 and report["total"] == 4 and report["errors"] == 2
    text = st.render_selftest(report)
    assert "[PASS]" in text and "[FAIL]" in text and "[????]" in text and "2/4" in text


def test_planted_pairs_cover_every_llm_metric() -> None:
    from eval.ragas_metrics import LLM_METRICS

    for name in LLM_METRICS:
        assert len(st.PAIRS[name]) == 2


def test_steps_count_over_all_cases_and_unknown_metrics_are_refused(tmp_path: Path) -> None:
    from rag_app.errors import ConfigError
    from rag_app.progress import Collect

    settings = judge_settings("http://127.0.0.1:9/v1", tmp_path)  # no LLM metric: never called
    steps = Collect()
    report = st.run_selftest(settings, metrics=["nonllm_context_recall"], progress=steps)
    assert report["judge"] is None and report["passed"] == report["total"] == 1
    assert [(s.phase, s.done, s.total) for s in steps.steps] == [("judge", 1, 2), ("judge", 2, 2)]
    assert {s.item for s in steps.steps} == {
        "gold passage retrieved vs not, good",
        "gold passage retrieved vs not, bad",
    }
    with pytest.raises(ConfigError, match="No planted pairs for: nosuch"):
        st.run_selftest(settings, metrics=["nosuch"])
