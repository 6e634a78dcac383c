"""rag_app.components.resolve.resolve_model: local path > HF cache > offline pack > clear error."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag_app.components import resolve as resolve_mod
from rag_app.components.resolve import resolve_model
from rag_app.config import load_settings
from rag_app.errors import ModelUnavailable
from rag_app.settings import Settings


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.chdir(tmp_path)
    return load_settings(path=None, env={}, overrides={"paths": {"cache_dir": str(tmp_path / "cache")}})


@pytest.fixture
def no_hub_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever ~/.cache/huggingface holds on this machine, the pack path is what is tested."""
    monkeypatch.setattr(resolve_mod, "_hub_cache", lambda name: None)


def test_existing_local_folder_is_returned(tmp_path: Path, settings: Settings) -> None:
    folder = tmp_path / "models" / "my-encoder"
    folder.mkdir(parents=True)
    (folder / "config.json").write_text("{}")
    assert resolve_model(str(folder), "embedder", settings, "embedder.model") == folder.resolve()


def test_relative_folder_resolves_against_base_dir(tmp_path: Path, settings: Settings) -> None:
    folder = tmp_path / "models" / "rel"
    folder.mkdir(parents=True)
    assert resolve_model("models/rel", "embedder", settings, "embedder.model") == folder.resolve()


def test_minilm_hub_id_resolves_to_the_pack(settings: Settings, minilm_dir: Path, no_hub_cache: None) -> None:
    path = resolve_model("sentence-transformers/all-MiniLM-L6-v2", "embedder", settings, "embedder.model")
    assert path.resolve() == minilm_dir.resolve()
    assert (path / "config.json").is_file()


def test_pack_of_other_kind_is_not_used(settings: Settings, no_hub_cache: None) -> None:
    with pytest.raises(ModelUnavailable):
        resolve_model("sentence-transformers/all-MiniLM-L6-v2", "llm", settings, "llm.model")


def test_unknown_id_names_setting_and_allow_download(settings: Settings, no_hub_cache: None) -> None:
    with pytest.raises(ModelUnavailable) as info:
        resolve_model("nobody/nothing-model", "embedder", settings, "reranker.model")
    text = str(info.value)
    assert "nobody/nothing-model" in text
    assert "reranker.model" in text
    assert "allow_download" in text


def test_unknown_id_with_real_hub_lookup_stays_offline(settings: Settings) -> None:
    # the real _hub_cache (local_files_only) must not find it nor try the network
    with pytest.raises(ModelUnavailable, match=r"embedder\.model"):
        resolve_model("nobody/nothing-model", "embedder", settings, "embedder.model")
