"""Judge plumbing against a real loopback HTTP server: values, failures, structured output, cache."""

from __future__ import annotations

from pathlib import Path

from eval.judge import JudgmentCache, extract_json, open_judge
from eval.ragas_metrics import Scorer
from tests.unit.evaluation.conftest import HashEmbedder, judge_settings
from tests.unit.evaluation.fake_judge import FakeJudge

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
    from eval.judge import make_ragas_embeddings

    endpoint = open_judge(judge_settings(fake.url, tmp, **judge))
    return Scorer(
        metrics,
        endpoint,
        embeddings=make_ragas_embeddings(HashEmbedder()),
        cache=JudgmentCache(cache),
        strictness=1,
    )


def test_all_metrics_score_through_structured_output(fake_judge: FakeJudge, tmp_path: Path) -> None:
    metrics = [
        "faithfulness",
        "answer_relevancy",
        "context_recall",
        "context_precision",
        "nonllm_context_recall",
        "nonllm_context_precision",
    ]
    sc = scorer(fake_judge, tmp_path, metrics)
    [res] = sc.run([ROW])
    for name in metrics:
        assert res[name].error is None, (name, res[name].detail)
        assert 0.0 <= res[name].value <= 1.0  # type: ignore[operator]
    assert res["faithfulness"].value == 1.0
    assert res["nonllm_context_recall"].value == 1.0
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


def test_unreachable_judge_fails_fast_or_counts(tmp_path: Path) -> None:
    import pytest

    from eval.judge import JudgeEndpoint
    from rag_app.errors import EndpointUnavailable

    settings = judge_settings("http://127.0.0.1:9/v1", tmp_path)
    with pytest.raises(EndpointUnavailable, match="judge endpoint"):
        open_judge(settings)
    # A judge that goes away mid-run: each judgment is a counted endpoint_error.
    endpoint = JudgeEndpoint("http://127.0.0.1:9/v1", "gone", "x", settings.judge)
    [res] = Scorer(["context_recall"], endpoint).run([ROW])
    assert res["context_recall"].error == "endpoint_error"


def test_extract_json_from_chatty_reply() -> None:
    assert extract_json('Sure! ```json\n{"a": 1}\n``` hope it helps') == '{"a": 1}'
    assert extract_json('Here: {"a": {"b": 2}} trailing') == '{"a": {"b": 2}}'
    # Pure JSON whose strings quote a fenced code block (a real Qwen reply) stays whole.
    reply = '{"statements": ["Use ```sql\\nCREATE TABLE t(a INTEGER PRIMARY KEY);\\n``` to create it."]}'
    assert extract_json(reply) == reply
