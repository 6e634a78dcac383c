"""The judge's endpoint, its LLM adapter's replies and the judgment cache key."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from pydantic import BaseModel

from eval.judge import (
    CallStats,
    JudgeEndpoint,
    JudgmentCache,
    extract_json,
    judge_llm_settings,
    make_judge_llm,
    make_ragas_embeddings,
    open_judge,
)
from eval.ragas_metrics import Scorer
from rag_app.config import load_settings
from rag_app.errors import ConfigError, EndpointUnavailable, JudgeFailure
from tests.unit.eval.fake_judge import FakeJudge
from tests.unit.eval.fakes import hash_embedder, judge_settings

ROW = {
    "user_input": "Where does SQLite keep a database?",
    "retrieved_contexts": ["An SQLite database is a single ordinary disk file."],
    "reference": "In one disk file.",
}


class Verdict(BaseModel):
    verdict: int
    reason: str


def test_unreachable_judge_fails_fast_or_counts(tmp_path: Path) -> None:
    settings = judge_settings("http://127.0.0.1:9/v1", tmp_path)
    with pytest.raises(EndpointUnavailable, match="judge endpoint"):
        open_judge(settings)
    # A judge that goes away mid-run: each judgment is a counted endpoint_error.
    endpoint = JudgeEndpoint("http://127.0.0.1:9/v1", "gone", "x", settings.judge)
    [res] = Scorer(["context_recall"], endpoint).run([ROW])
    assert res["context_recall"].error == "endpoint_error"


def test_judge_settings_follow_llm_unless_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    s = load_settings(
        None,
        env={},
        overrides={"llm": {"provider": "openai", "base_url": "http://127.0.0.1:1/v1", "model": "m"}},
    )
    cfg = judge_llm_settings(s)
    assert (cfg.provider, cfg.model, cfg.base_url) == ("openai", "m", "http://127.0.0.1:1/v1")
    assert cfg.temperature == 0.0 and cfg.context_window >= 4096
    # Another judge model on the same provider does not inherit the answering LLM's endpoint.
    other = s.model_copy(update={"judge": s.judge.model_copy(update={"model": "big"})})
    with pytest.raises(ConfigError, match=r"judge\.base_url"):
        judge_llm_settings(other)


def test_judge_llm_parses_and_classifies_replies(fake_judge: FakeJudge, tmp_path: Path) -> None:
    endpoint = open_judge(judge_settings(fake_judge.url, tmp_path))
    stats = CallStats()
    llm = make_judge_llm(endpoint, stats)
    out = llm.generate("Is it stated?", Verdict)
    assert out == Verdict(verdict=1, reason="What is stated here?")
    with pytest.raises(JudgeFailure) as failure:
        llm.generate("GARBAGE", Verdict)
    assert failure.value.reason == "parse_error" and "Verdict" in failure.value.message
    assert stats.as_dict()["calls"] == 2 and stats.as_dict()["failures"] == {"parse_error": 1}
    request = fake_judge.chat_requests()[0]
    assert request["response_format"]["json_schema"]["name"] == "Verdict"
    assert request["model"] == "fake-judge"


def test_ragas_embeddings_wrap_the_embedder() -> None:
    embedder = hash_embedder()
    emb = make_ragas_embeddings(embedder)
    assert emb.embed_text("one file") == embedder.embed_query("one file")
    assert asyncio.run(emb.aembed_texts(["a", "b"])) == [embedder.embed_query("a"), embedder.embed_query("b")]


def test_judgment_cache_key_depends_on_metric_judge_inputs_and_extra(tmp_path: Path) -> None:
    key = JudgmentCache.key("faithfulness", "j", {"a": 1})
    assert key == JudgmentCache.key("faithfulness", "j", {"a": 1})
    others = {
        JudgmentCache.key("context_recall", "j", {"a": 1}),
        JudgmentCache.key("faithfulness", "k", {"a": 1}),
        JudgmentCache.key("faithfulness", "j", {"a": 2}),
        JudgmentCache.key("faithfulness", "j", {"a": 1}, {"strictness": 2}),
    }
    assert key not in others and len(others) == 4


def test_extract_json_from_chatty_reply() -> None:
    assert extract_json('Sure! ```json\n{"a": 1}\n``` hope it helps') == '{"a": 1}'
    assert extract_json('Here: {"a": {"b": 2}} trailing') == '{"a": {"b": 2}}'
    # Pure JSON whose strings quote a fenced code block (a real Qwen reply) stays whole.
    reply = '{"statements": ["Use ```sql\\nCREATE TABLE t(a INTEGER PRIMARY KEY);\\n``` to create it."]}'
    assert extract_json(reply) == reply


def test_judge_never_defaults_to_a_remote_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    # The reported case: a local answering LLM, another judge model, OPENAI_API_KEY exported.
    monkeypatch.setenv("OPENAI_API_KEY", "sk-exported-for-something-else")
    s = load_settings(None, env={}, overrides={"judge": {"provider": "openai", "model": "gpt-4o-mini"}})
    with pytest.raises(ConfigError, match=r"no judge endpoint is set") as err:
        open_judge(s)
    assert err.value.fix and "judge.base_url" in err.value.fix
    follows = load_settings(
        None,
        env={},
        overrides={"llm": {"provider": "openai", "base_url": "https://llm.example/v1", "model": "m"}},
    )
    other = follows.model_copy(update={"judge": follows.judge.model_copy(update={"model": "big"})})
    with pytest.raises(ConfigError, match=r"judge\.base_url"):
        judge_llm_settings(other)


def test_judge_key_stays_off_plain_http_and_out_of_reprs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-judge-secret")
    s = load_settings(
        None,
        env={},
        overrides={"judge": {"provider": "openai", "model": "j", "base_url": "http://10.255.255.1/v1"}},
    )
    with pytest.raises(ConfigError, match=r"Refusing to send the key in \$OPENAI_API_KEY") as err:
        open_judge(s)
    assert err.value.fix and "judge.allow_http_key: true" in err.value.fix
    # following the answering LLM's endpoint, the judge follows its opt-in too
    llm = {"provider": "openai", "model": "m", "base_url": "http://10.255.255.1/v1", "allow_http_key": True}
    assert judge_llm_settings(load_settings(None, env={}, overrides={"llm": llm})).allow_http_key is True
    endpoint = JudgeEndpoint("https://judge.example/v1", "j", "sk-judge-secret", s.judge)
    assert "sk-judge-secret" not in repr(endpoint) and "judge.example" in repr(endpoint)
