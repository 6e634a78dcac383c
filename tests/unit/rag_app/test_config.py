"""rag_app.config.load_settings / masked_dump: layering, validation messages, path resolution."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rag_app.config import load_settings, masked_dump
from rag_app.errors import ConfigError
from rag_app.settings import Settings

REPO_ROOT = Path(__file__).resolve().parents[3]
SECTIONS = (
    "embedder",
    "reranker",
    "llm",
    "milvus",
    "chunking",
    "ingest",
    "retrieval",
    "judge",
    "ui",
    "eval",
    "models",
    "paths",
)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def in_empty_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """cwd without a config.yaml, so no file is picked up implicitly."""
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    return cwd


def test_defaults_with_empty_env_and_no_file(in_empty_dir: Path) -> None:
    s = load_settings(path=None, env={})
    assert s.model_dump() == Settings().model_dump()
    assert s.retrieval.top_k == 5
    assert s.llm.provider == "local"
    assert s.embedder.model == "sentence-transformers/all-MiniLM-L6-v2"
    assert s.source == "defaults"
    assert s.base_dir == in_empty_dir
    assert s.data_dir == in_empty_dir / "data"


def test_picks_up_config_yaml_in_cwd(in_empty_dir: Path) -> None:
    write(in_empty_dir / "config.yaml", "retrieval:\n  top_k: 9\n")
    s = load_settings(env={})
    assert s.retrieval.top_k == 9
    assert s.source == "config.yaml"


def test_yaml_values_are_loaded(tmp_path: Path, in_empty_dir: Path) -> None:
    cfg = write(
        tmp_path / "c.yaml",
        "retrieval:\n  top_k: 7\n  mode: dense\nllm:\n  provider: openai\n  temperature: 0.5\n"
        "embedder:\n  normalize: false\n",
    )
    s = load_settings(path=cfg, env={})
    assert s.retrieval.top_k == 7
    assert s.retrieval.mode == "dense"
    assert s.llm.provider == "openai"
    assert s.llm.temperature == 0.5
    assert s.embedder.normalize is False
    # untouched keys keep their defaults
    assert s.retrieval.candidates == 20
    assert s.source == str(cfg)


def test_env_override_is_typed_and_beats_the_file(tmp_path: Path, in_empty_dir: Path) -> None:
    cfg = write(tmp_path / "c.yaml", "retrieval:\n  top_k: 7\n")
    s = load_settings(path=cfg, env={"RAG_RETRIEVAL__TOP_K": "3"})
    assert s.retrieval.top_k == 3
    assert isinstance(s.retrieval.top_k, int)
    assert s.source == f"{cfg} + environment"


def test_overrides_beat_env(in_empty_dir: Path) -> None:
    s = load_settings(env={"RAG_RETRIEVAL__TOP_K": "3"}, overrides={"retrieval": {"top_k": 11}})
    assert s.retrieval.top_k == 11


def test_env_base_url_is_a_string(in_empty_dir: Path) -> None:
    s = load_settings(env={"RAG_LLM__BASE_URL": "http://127.0.0.1:11434/v1"})
    assert s.llm.base_url == "http://127.0.0.1:11434/v1"


def test_env_bool_and_case_insensitive_names(in_empty_dir: Path) -> None:
    s = load_settings(env={"RAG_EMBEDDER__NORMALIZE": "false", "RAG_llm__Model": "smollm2-135m"})
    assert s.embedder.normalize is False
    assert s.llm.model == "smollm2-135m"


def test_env_ignores_unrelated_variables(in_empty_dir: Path) -> None:
    s = load_settings(env={"RAGTIME": "x", "RAG_DEBUG": "1", "PATH": "/bin"})
    assert s.model_dump() == Settings().model_dump()
    assert s.source == "defaults"


def test_env_string_value_with_colon_space_stays_a_string(in_empty_dir: Path) -> None:
    s = load_settings(env={"RAG_EMBEDDER__QUERY_PREFIX": "query: "})
    assert s.embedder.query_prefix == "query: "


def test_unknown_yaml_key_names_dotted_key_and_file(tmp_path: Path, in_empty_dir: Path) -> None:
    cfg = write(tmp_path / "bad.yaml", "embedder:\n  modle: x\n")
    with pytest.raises(ConfigError) as info:
        load_settings(path=cfg, env={})
    msg = str(info.value)
    assert "embedder.modle" in msg
    assert str(cfg) in msg
    # the known keys of that section are listed to help spot the typo
    assert "model" in msg.split("embedder.modle", 1)[1]


def test_unknown_top_level_section(tmp_path: Path, in_empty_dir: Path) -> None:
    cfg = write(tmp_path / "bad.yaml", "retreival:\n  top_k: 3\n")
    with pytest.raises(ConfigError, match="retreival"):
        load_settings(path=cfg, env={})


def test_wrong_type_names_the_key(tmp_path: Path, in_empty_dir: Path) -> None:
    cfg = write(tmp_path / "bad.yaml", "retrieval:\n  top_k: many\n")
    with pytest.raises(ConfigError) as info:
        load_settings(path=cfg, env={})
    msg = str(info.value)
    assert "retrieval.top_k" in msg
    assert "many" in msg
    assert str(cfg) in msg


def test_out_of_range_value_is_rejected(in_empty_dir: Path) -> None:
    with pytest.raises(ConfigError, match=r"retrieval\.top_k"):
        load_settings(env={"RAG_RETRIEVAL__TOP_K": "0"})


def test_invalid_yaml_syntax(tmp_path: Path, in_empty_dir: Path) -> None:
    cfg = write(tmp_path / "bad.yaml", "retrieval: [unclosed\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_settings(path=cfg, env={})


def test_yaml_that_is_not_a_mapping(tmp_path: Path, in_empty_dir: Path) -> None:
    cfg = write(tmp_path / "bad.yaml", "- a\n- b\n")
    with pytest.raises(ConfigError, match="mapping"):
        load_settings(path=cfg, env={})


def test_unknown_env_section_names_the_variable(in_empty_dir: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings(env={"RAG_FOO__BAR": "1"})
    assert "RAG_FOO__BAR" in str(info.value)
    assert "foo" in str(info.value)


def test_unknown_env_key_in_known_section(in_empty_dir: Path) -> None:
    with pytest.raises(ConfigError, match=r"llm\.modle"):
        load_settings(env={"RAG_LLM__MODLE": "x"})


def test_missing_explicit_config_path(tmp_path: Path, in_empty_dir: Path) -> None:
    missing = tmp_path / "nope" / "config.yaml"
    with pytest.raises(ConfigError) as info:
        load_settings(path=missing, env={})
    assert str(missing) in str(info.value)
    assert "does not exist" in str(info.value)
    assert info.value.fix and "--config" in info.value.fix


def test_rag_config_env_selects_the_file(tmp_path: Path, in_empty_dir: Path) -> None:
    cfg = write(tmp_path / "other.yaml", "retrieval:\n  candidates: 42\n")
    write(in_empty_dir / "config.yaml", "retrieval:\n  candidates: 1\n")
    s = load_settings(env={"RAG_CONFIG": str(cfg)})
    assert s.retrieval.candidates == 42
    assert s.source == str(cfg)


def test_explicit_path_beats_rag_config(tmp_path: Path, in_empty_dir: Path) -> None:
    a = write(tmp_path / "a.yaml", "retrieval:\n  candidates: 11\n")
    b = write(tmp_path / "b.yaml", "retrieval:\n  candidates: 22\n")
    s = load_settings(path=a, env={"RAG_CONFIG": str(b)})
    assert s.retrieval.candidates == 11


def test_rag_config_pointing_nowhere(tmp_path: Path, in_empty_dir: Path) -> None:
    missing = tmp_path / "gone.yaml"
    with pytest.raises(ConfigError) as info:
        load_settings(env={"RAG_CONFIG": str(missing)})
    assert "RAG_CONFIG" in str(info.value)
    assert str(missing) in str(info.value)


def test_relative_paths_resolve_against_config_folder(tmp_path: Path, in_empty_dir: Path) -> None:
    cfg = write(
        tmp_path / "proj" / "conf" / "config.yaml",
        "milvus:\n  uri: ./store/milvus.db\npaths:\n  data_dir: ../var\n  cache_dir: cache\n",
    )
    s = load_settings(path=cfg, env={})
    conf = (tmp_path / "proj" / "conf").resolve()
    assert s.base_dir == conf
    assert s.milvus_uri == str(conf / "store" / "milvus.db")
    assert s.data_dir == (tmp_path / "proj" / "var").resolve()
    assert s.cache_dir == conf / "cache"
    # relative --config path: still its own folder, not the cwd
    rel = load_settings(path=Path("..") / "proj" / "conf" / "config.yaml", env={})
    assert rel.milvus_uri == str(conf / "store" / "milvus.db")


def test_absolute_and_home_paths(tmp_path: Path, in_empty_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    cfg = write(
        tmp_path / "c.yaml",
        f"paths:\n  data_dir: {tmp_path / 'abs'}\n  cache_dir: ~/cache\n",
    )
    s = load_settings(path=cfg, env={})
    assert s.data_dir == tmp_path / "abs"
    assert s.cache_dir == tmp_path / "home" / "cache"


@pytest.mark.parametrize(
    "uri", ["http://milvus.example:19530", "https://in01.cloud.example:443", "tcp://10.0.0.2:19530"]
)
def test_server_uris_are_unchanged(tmp_path: Path, in_empty_dir: Path, uri: str) -> None:
    cfg = write(tmp_path / "c.yaml", f"milvus:\n  uri: {uri}\n")
    assert load_settings(path=cfg, env={}).milvus_uri == uri


def test_masked_dump_never_shows_the_secret(in_empty_dir: Path) -> None:
    secret_value = "sk-secret-value-123456"
    env = {"OPENAI_API_KEY": secret_value, "RAG_LLM__PROVIDER": "openai"}
    s = load_settings(env=env)
    dump = masked_dump(s, env)
    text = json.dumps(dump)
    assert secret_value not in text
    assert "secret-value" not in text
    secrets = dump["secrets (from environment)"]
    assert "set" in secrets["OPENAI_API_KEY"]
    assert "not set" not in secrets["OPENAI_API_KEY"]
    assert secrets["MILVUS_TOKEN"] == "(not set)"
    assert dump["llm"]["provider"] == "openai"
    assert dump["_source"] == "defaults + environment"


def test_masked_dump_covers_custom_key_env(in_empty_dir: Path) -> None:
    env = {"RAG_LLM__API_KEY_ENV": "MY_LLM_KEY", "MY_LLM_KEY": "topsecret-abcdef"}
    s = load_settings(env=env)
    dump = masked_dump(s, env)
    assert "topsecret-abcdef" not in json.dumps(dump)
    assert "MY_LLM_KEY" in dump["secrets (from environment)"]
    assert dump["secrets (from environment)"]["OPENAI_API_KEY"] == "(not set)"


def test_masked_dump_hides_credentials_inside_urls(in_empty_dir: Path) -> None:
    env = {
        "RAG_LLM__BASE_URL": "https://bob:llm-pass@llm.example/v1",
        "RAG_EMBEDDER__BASE_URL": "http://emb.example/v1?api_key=emb-key",
        "RAG_JUDGE__BASE_URL": "https://judge-token@judge.example/v1",
        "RAG_MILVUS__URI": "https://root:Milvus-pass@db.example:19530?token=db-token",
        "RAG_UI_API_TOKEN": "ui-token-value",
    }
    dump = masked_dump(load_settings(env=env), env)
    text = json.dumps(dump)
    for secret_value in ("llm-pass", "emb-key", "judge-token", "Milvus-pass", "db-token", "ui-token-value"):
        assert secret_value not in text, secret_value
    assert dump["llm"]["base_url"] == "https://bob:****@llm.example/v1"
    assert dump["milvus"]["uri"] == "https://root:****@db.example:19530?token=****"
    assert dump["secrets (from environment)"]["RAG_UI_API_TOKEN"] == "**** (set)"


def test_empty_section_is_allowed(tmp_path: Path, in_empty_dir: Path) -> None:
    cfg = write(tmp_path / "c.yaml", "llm:\nretrieval:\n  top_k: 4\n")
    s = load_settings(path=cfg, env={})
    assert s.llm.model_dump() == Settings().llm.model_dump()
    assert s.retrieval.top_k == 4


def test_empty_file_is_allowed(tmp_path: Path, in_empty_dir: Path) -> None:
    cfg = write(tmp_path / "c.yaml", "# only a comment\n")
    assert load_settings(path=cfg, env={}).model_dump() == Settings().model_dump()


def test_repo_config_yaml_validates_and_matches_defaults(in_empty_dir: Path) -> None:
    repo_cfg = REPO_ROOT / "config.yaml"
    s = load_settings(path=repo_cfg, env={})
    defaults = Settings()
    for section in SECTIONS:
        assert getattr(s, section).model_dump() == getattr(defaults, section).model_dump(), section
    assert set(Settings.model_fields) - {"source", "base_dir"} == set(SECTIONS)
    assert s.base_dir == REPO_ROOT


@pytest.mark.parametrize(
    ("var", "raw", "section", "key", "expected"),
    [
        ("RAG_RERANKER__PROVIDER", "none", "reranker", "provider", "none"),
        ("RAG_RETRIEVAL__MIN_RERANK_SCORE", "null", "retrieval", "min_rerank_score", None),
        ("RAG_RETRIEVAL__MIN_RERANK_SCORE", "-2.5", "retrieval", "min_rerank_score", -2.5),
        ("RAG_EVAL__K", "[1, 3]", "eval", "k", [1, 3]),
        ("RAG_LLM__THREADS", "~", "llm", "threads", None),
        ("RAG_UI__USERS_FILE", "users.txt", "ui", "users_file", Path("users.txt")),
        ("RAG_LLM__MODEL", "1.5", "llm", "model", "1.5"),
    ],
)
def test_env_value_means_what_the_same_text_means_in_yaml(
    tmp_path: Path, in_empty_dir: Path, var: str, raw: str, section: str, key: str, expected: object
) -> None:
    from_env = load_settings(env={var: raw})
    assert getattr(getattr(from_env, section), key) == expected
    if key != "model":  # YAML reads a bare 1.5 as a number; a model name must be quoted there
        cfg = tmp_path / "c.yaml"
        cfg.write_text(f"{section}:\n  {key}: {raw}\n")
        assert getattr(getattr(load_settings(path=cfg, env={}), section), key) == expected
