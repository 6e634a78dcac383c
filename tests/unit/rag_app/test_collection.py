"""rag_app.collection: collection names from the embedder, opened only by the embedder that built them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from rag_app.collection import Collection, collection_name, settings_for_collection
from rag_app.config import load_settings
from rag_app.errors import CollectionMismatch, CollectionNotFound
from rag_app.settings import MilvusSettings, Settings
from rag_app.store import MilvusStore
from tests.unit.rag_app.fakes import HashEmbedder, index_texts


@pytest.fixture(scope="module")
def settings() -> Settings:
    return load_settings(None, env={}, overrides={"reranker": {"provider": "none"}})


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MilvusStore]:
    s = MilvusStore(str(Path(tmp_path_factory.mktemp("collection")) / "milvus.db"))
    yield s
    s.close()


def milvus(**values: str) -> MilvusSettings:
    return MilvusSettings(**values)


def test_collection_name_is_prefix_model_slug_and_fingerprint_id() -> None:
    assert (
        collection_name("rag", "sentence-transformers/all-MiniLM-L6-v2", "ab12")
        == "rag_all_minilm_l6_v2_ab12"
    )
    assert collection_name("mine", "/models/My.Encoder v2/", "x") == "mine_model_x"  # the last part is empty
    assert collection_name("rag", "/models/My.Encoder v2", "x") == "rag_my_encoder_v2_x"
    assert collection_name("rag", "???", "x") == "rag_model_x"
    assert collection_name("rag", "m" * 60, "x") == f"rag_{'m' * 40}_x"


def test_name_is_derived_from_the_embedder_unless_pinned(settings: Settings, store: MilvusStore) -> None:
    emb = HashEmbedder(settings.embedder)
    derived = Collection(milvus(collection_prefix="test"), emb, store)
    assert derived.name == f"test_all_minilm_l6_v2_{emb.fingerprint_id}"
    other = HashEmbedder(settings.embedder)
    other.revision = "hash-2"
    assert Collection(milvus(collection_prefix="test"), other, store).name != derived.name
    assert Collection(milvus(collection="pinned"), emb, store).name == "pinned"


def test_open_creates_when_asked_then_refuses_another_fingerprint(
    settings: Settings, store: MilvusStore
) -> None:
    emb = HashEmbedder(settings.embedder)
    coll = Collection(milvus(collection="shared"), emb, store)
    assert not coll.exists() and coll.count() == 0
    with pytest.raises(CollectionNotFound):
        coll.open()
    assert coll.open(create=True) == "shared" and coll.exists()
    assert coll.open() == "shared"  # the same embedder opens it again
    assert store.fingerprint("shared") == emb.fingerprint
    assert store.analyzer("shared") == "standard"  # retrieval.analyzer auto: standard until detected

    index_texts(store, coll.name, {"/a.md": ["one", "two"], "/b.md": ["three"]}, emb.fingerprint)
    assert coll.count() == 3
    info = coll.info()
    assert (info.name, info.chunks, info.documents) == ("shared", 3, 2)
    assert info.embedder == "fake:sentence-transformers/all-MiniLM-L6-v2"

    other = HashEmbedder(settings.embedder)
    other.revision = "hash-2"
    with pytest.raises(CollectionMismatch, match="Collection 'shared' was built by"):
        Collection(milvus(collection="shared"), other, store).open(create=True)


@pytest.mark.parametrize(
    ("configured", "asked", "expected"),
    [("jieba", "auto", "jieba"), ("jieba", "standard", "standard")],
)
def test_analyzer_of_a_new_collection(
    settings: Settings, store: MilvusStore, configured: str, asked: str | None, expected: str
) -> None:
    name = f"analyzer_{asked}"
    coll = Collection(milvus(collection=name), HashEmbedder(settings.embedder), store, analyzer=configured)
    coll.open(create=True, analyzer=asked)
    assert store.analyzer(name) == expected


def test_settings_for_collection_restores_the_embedder_that_built_it(settings: Settings) -> None:
    fingerprint = {
        "provider": "flagembedding",
        "model": "BAAI/bge-small-en-v1.5",
        "revision": "r1",
        "dimension": 384,
        "normalize": False,
        "query_prefix": "Represent this sentence: ",
        "passage_prefix": "passage: ",
        "pooling": "mean",
        "quantize": "int8",
    }
    start = settings.model_copy(deep=True)
    start.embedder.query_prefix = "old: "
    restored = settings_for_collection(start, "rag_bge_1234", fingerprint)
    assert restored.milvus.collection == "rag_bge_1234"
    emb = restored.embedder
    assert (emb.provider, emb.model, emb.normalize) == ("flagembedding", "BAAI/bge-small-en-v1.5", False)
    assert (emb.query_prefix, emb.passage_prefix) == ("Represent this sentence: ", "passage: ")
    assert (emb.pooling, emb.quantize) == ("mean", "int8")
    assert start.milvus.collection is None and start.embedder.query_prefix == "old: "  # a copy


def test_settings_for_collection_fills_what_the_fingerprint_leaves_out(settings: Settings) -> None:
    start = settings.model_copy(deep=True)
    start.embedder.query_prefix = "query: "
    start.embedder.pooling = "mean"
    start.embedder.quantize = "int8"
    restored = settings_for_collection(start, "c", {"provider": "sentence-transformers", "model": "m"})
    emb = restored.embedder
    assert (emb.query_prefix, emb.passage_prefix, emb.quantize) == ("", "", "none")
    assert emb.pooling == "mean" and emb.normalize is True
