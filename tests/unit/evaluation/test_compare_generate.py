from __future__ import annotations

from pathlib import Path

import pytest

from eval.compare import choose_best, parse_spec
from eval.generate import document_chunks, sample_chunks
from rag_app.config import load_settings
from rag_app.errors import ConfigError


def test_embedder_specs() -> None:
    s = load_settings(None, env={}, overrides={"embedder": {"device": "cpu", "batch_size": 8}})
    _label, cfg = parse_spec("sentence-transformers:sentence-transformers/all-mpnet-base-v2", s)
    assert cfg["provider"] == "sentence-transformers" and cfg["model"].endswith("all-mpnet-base-v2")
    assert cfg["batch_size"] == 8
    _, plain = parse_spec("sentence-transformers/all-MiniLM-L6-v2", s)
    assert (
        plain["provider"] == s.embedder.provider
        and plain["model"] == "sentence-transformers/all-MiniLM-L6-v2"
    )
    with pytest.raises(ConfigError, match="unknown provider"):
        parse_spec("nosuch:model", s)


def test_embedder_spec_from_yaml(tmp_path: Path) -> None:
    s = load_settings(None, env={})
    f = tmp_path / "e5.yaml"
    f.write_text(
        "embedder:\n  provider: sentence-transformers\n  model: my/model\n  query_prefix: 'query: '\n"
    )
    label, cfg = parse_spec(str(f), s)
    assert label == "e5" and cfg["query_prefix"] == "query: " and cfg["model"] == "my/model"
    bad = tmp_path / "bad.yaml"
    bad.write_text("llm: {}\n")
    with pytest.raises(ConfigError, match="embedder"):
        parse_spec(str(bad), s)


def _res(label: str, mean: float, lo: float, p50: float) -> dict:
    return {
        "label": label,
        "query_ms": {"p50": p50},
        "retrieval": {"ndcg@10": {"mean": mean, "ci95": [lo, 1.0]}, "mrr@10": {"mean": mean}},
    }


def test_best_quality_and_tradeoff() -> None:
    best = choose_best(
        [_res("big", 0.8, 0.6, 40.0), _res("small", 0.7, 0.5, 8.0), _res("bad", 0.3, 0.1, 1.0)]
    )
    assert best["quality"] == "big" and best["tradeoff"] == "small"
    assert "95% interval" in best["rule"]


def test_generate_sampling_is_seeded(tmp_path: Path) -> None:
    docs = Path(__file__).resolve().parents[2] / "fixtures" / "docs"
    s = load_settings(None, env={})
    chunks = document_chunks(docs, s)
    assert chunks and all({"source", "text"} <= set(c) for c in chunks)
    a, b, c = sample_chunks(chunks, 3, 1), sample_chunks(chunks, 3, 1), sample_chunks(chunks, 3, 2)
    assert a == b and a != c
    assert all(len(x["text"].split()) >= 40 for x in a)
