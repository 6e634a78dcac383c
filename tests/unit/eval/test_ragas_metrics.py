"""The Scorer against a real loopback judge: values, counted failures, structured output, cache, steps."""

from __future__ import annotations

from pathlib import Path

import pytest

from eval.judge import JudgmentCache, make_ragas_embeddings, open_judge
from eval.ragas_metrics import (
    ALL_METRICS,
    LLM_METRICS,
    METRICS,
    NONLLM_METRICS,
    Judgment,
    Scorer,
    parse_metrics,
)
from rag_app.answering.grounding import Grounder
from rag_app.errors import ConfigError
from rag_app.progress import Collect
from tests.unit.eval.fake_judge import FakeJudge
from tests.unit.eval.fakes import hash_embedder, judge_settings

ROW = {
    "user_input": "Where does SQLite keep a database?",
    "response": "In a single file.",
    "retrieved_contexts": ["An SQLite database is a single ordinary disk file."],
    "reference": "In one disk file.",
    "reference_contexts": ["An SQLite database is a single ordinary disk file."],
}


def scorer(
    fake: FakeJudge, tmp: Path, metrics: list[str], cache: Path | None = None, **judge: object
) -> Scorer:
    endpoint = open_judge(judge_settings(fake.url, tmp, **judge))
    return Scorer(
        metrics,
        endpoint,
        embeddings=make_ragas_embeddings(hash_embedder()),
        cache=JudgmentCache(cache),
        strictness=1,
        grounder=Grounder(hash_embedder()),
    )


def test_registry_is_the_one_list_of_metrics() -> None:
    assert ALL_METRICS == tuple(METRICS) == LLM_METRICS + NONLLM_METRICS
    assert LLM_METRICS == ("faithfulness", "answer_relevancy", "context_recall", "context_precision")
    for name, metric in METRICS.items():
        assert metric.needs and metric.help, name
        assert metric.judged == (name in LLM_METRICS)
        assert all(field in ROW for field in metric.needs), name
    # Judge calls per row set each judgment's time limit.
    two_contexts = {**ROW, "retrieved_contexts": ["a", "b"]}
    assert METRICS["faithfulness"].calls(ROW, 3) == 2
    assert METRICS["answer_relevancy"].calls(ROW, 5) == 5
    assert METRICS["context_precision"].calls(two_contexts, 3) == 2
    assert METRICS["context_recall"].calls(two_contexts, 3) == 1


def test_parse_metrics() -> None:
    assert parse_metrics(None) == list(ALL_METRICS)
    assert parse_metrics(None, ragas=False) == list(NONLLM_METRICS)
    assert parse_metrics(" faithfulness, nonllm_context_recall ") == ["faithfulness", "nonllm_context_recall"]
    assert parse_metrics("faithfulness,nonllm_context_recall", ragas=False) == ["nonllm_context_recall"]
    with pytest.raises(ConfigError, match="Unknown metric") as err:
        parse_metrics("faithfulness,nosuch")
    assert err.value.fix and "context_recall" in err.value.fix


def test_llm_metrics_need_a_judge() -> None:
    with pytest.raises(ValueError, match="judge endpoint"):
        Scorer(["faithfulness"], None)


def test_all_metrics_score_through_structured_output(fake_judge: FakeJudge, tmp_path: Path) -> None:
    metrics = list(ALL_METRICS)
    sc = scorer(fake_judge, tmp_path, metrics)
    [res] = sc.run([ROW])
    for name in metrics:
        assert res[name].error is None, (name, res[name].detail)
        assert 0.0 <= res[name].value <= 1.0  # type: ignore[operator]
    assert res["faithfulness"].value == 1.0
    assert res["nonllm_context_recall"].value == 1.0
    assert res["supported_share"].value == 1.0  # the response restates the context
    fmts = {r["response_format"]["type"] for r in fake_judge.chat_requests()}
    assert fmts == {"json_schema"}
    assert all(r["temperature"] == 0.0 for r in fake_judge.chat_requests())
    assert sc.stats.calls == len(fake_judge.chat_requests())


def test_json_mode_when_structured_output_is_off(fake_judge: FakeJudge, tmp_path: Path) -> None:
    sc = scorer(fake_judge, tmp_path, ["context_recall"], structured_output=False)
    [res] = sc.run([ROW])
    assert res["context_recall"].value == 1.0  # fenced JSON is still parsed
    assert {r["response_format"]["type"] for r in fake_judge.chat_requests()} == {"json_object"}


def test_bad_verdicts_score_low(fake_judge: FakeJudge, tmp_path: Path) -> None:
    sc = scorer(fake_judge, tmp_path, ["faithfulness"])
    [res] = sc.run([{**ROW, "response": "BADCASE: in the cloud."}])
    assert res["faithfulness"].value == 0.0 and res["faithfulness"].error is None


def test_empty_generated_question_is_a_failure_not_zero(fake_judge: FakeJudge, tmp_path: Path) -> None:
    sc = scorer(fake_judge, tmp_path, ["answer_relevancy"])
    [res] = sc.run([{**ROW, "response": "EMPTYQ answer"}])
    assert res["answer_relevancy"].value is None and res["answer_relevancy"].error == "no_verdict"


def test_garbage_and_timeouts_are_counted_failures(fake_judge: FakeJudge, tmp_path: Path) -> None:
    from eval.runner import summarize

    sc = scorer(fake_judge, tmp_path, ["faithfulness", "context_recall"], timeout=2.0)
    fake_judge.slow_seconds = 5.0
    rows = [ROW, {**ROW, "response": "GARBAGE answer"}, {**ROW, "user_input": "SLOWJUDGE question?"}]
    res = sc.run(rows)
    assert res[0]["faithfulness"].value == 1.0
    assert res[1]["faithfulness"].error == "parse_error" and res[1]["faithfulness"].value is None
    assert res[2]["faithfulness"].error == "timeout"
    assert res[2]["context_recall"].error == "timeout"
    assert sc.stats.failed >= 3
    summary = summarize(
        [{"ragas": {k: v.as_dict() for k, v in r.items()}} for r in res],
        ["faithfulness", "context_recall"], [1], 200, 0,
    )  # fmt: skip
    f = summary["faithfulness"]
    assert f["n"] == 1 and f["failed"] == 2 and f["mean"] == 1.0
    assert f["failure_reasons"] == {"parse_error": 1, "timeout": 1}


def test_cache_resumes_and_retries_only_failures(fake_judge: FakeJudge, tmp_path: Path) -> None:
    cache = tmp_path / "judgments.jsonl"
    rows = [ROW, {**ROW, "response": "GARBAGE answer"}]
    first = scorer(fake_judge, tmp_path, ["faithfulness"], cache=cache).run(rows)
    assert first[0]["faithfulness"].value == 1.0 and first[1]["faithfulness"].error == "parse_error"
    calls = len(fake_judge.chat_requests())
    second = scorer(fake_judge, tmp_path, ["faithfulness"], cache=cache).run(rows)
    assert second[0]["faithfulness"].cached and second[0]["faithfulness"].value == 1.0
    assert second[1]["faithfulness"].error == "parse_error"  # not cached: retried
    assert len(fake_judge.chat_requests()) == calls + 1  # only the failed one was asked again
    # Another judge model does not reuse these verdicts.
    other = scorer(fake_judge, tmp_path, ["faithfulness"], cache=cache, model="other-judge").run([ROW])
    assert not other[0]["faithfulness"].cached


def test_supported_share_needs_no_judge_and_skips_the_apps_refusals() -> None:
    scorer = Scorer(["supported_share"], None, grounder=Grounder(hash_embedder()))
    invented = {**ROW, "response": "Jupiter has 7 moons."}
    refused = {**ROW, "refused": True}
    given = {**refused, "response_given": True}  # a planted answer is scored even if it would be refused
    res = scorer.run([ROW, invented, refused, given])
    assert [r["supported_share"].value for r in res] == [1.0, 0.0, None, 1.0]
    assert res[2]["supported_share"].skipped == "refused"
    with pytest.raises(ValueError, match="grounder"):
        Scorer(["supported_share"], None)


def test_rows_lacking_inputs_are_skipped_and_each_judgment_is_a_step() -> None:
    steps = Collect()
    rows = [ROW, {"retrieved_contexts": ["only contexts"]}]
    res = Scorer(["nonllm_context_recall"], None).run(rows, steps, ids=["q1", "q2"])
    assert res[0]["nonllm_context_recall"].value == 1.0
    skipped = res[1]["nonllm_context_recall"]
    assert skipped.value is None and skipped.skipped == "no reference_contexts"
    # Without a judge, judgments run concurrently: steps count up in the order they finish.
    assert [(s.phase, s.done, s.total) for s in steps.steps] == [("judge", 1, 2), ("judge", 2, 2)]
    by_item = {s.item: (s.status, s.note) for s in steps.steps}
    assert by_item == {
        "q1": ("ok", "nonllm_context_recall ok"),
        "q2": ("skipped", "nonllm_context_recall skipped"),
    }


def test_judgment_status_and_dict() -> None:
    failed = Judgment(error="timeout", detail="metric timed out", seconds=1.234)
    assert failed.status == "failed" and failed.mark == "failed: timeout"
    assert failed.as_dict() == {
        "value": None,
        "error": "timeout",
        "detail": "metric timed out",
        "seconds": 1.23,
    }
    cached = Judgment(value=0.5, cached=True)
    assert cached.status == cached.mark == "cached"
    assert cached.as_dict() == {"value": 0.5, "cached": True, "seconds": 0.0}
    assert Judgment(skipped="no reference").as_dict()["skipped"] == "no reference"
    assert Judgment(value=1.0).status == "ok"
