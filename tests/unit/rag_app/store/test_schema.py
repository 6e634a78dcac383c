"""rag_app.store.schema: the collection remembers its embedder, and refuses any other."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pymilvus import MilvusClient

from rag_app.errors import CollectionMismatch
from rag_app.store.schema import (
    ANALYZER_KEY,
    BM25_KEY,
    FP_KEY,
    META_PREFIX,
    SCHEMA_KEY,
    SCHEMA_VERSION,
    check_built_by,
    collection_meta,
    create_collection,
    describe_fingerprint_change,
    stored_fingerprint,
)

MINILM = {
    "provider": "sentence-transformers",
    "model": "all-MiniLM-L6-v2",
    "dimension": 384,
    "normalize": True,
}
MPNET = {**MINILM, "model": "all-mpnet-base-v2", "dimension": 768}


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MilvusClient]:
    from milvus_lite.server_manager import server_manager_instance

    db = str(Path(tmp_path_factory.mktemp("schema")) / "milvus.db")
    c = MilvusClient(db)
    create_collection(c, "minilm", MINILM)
    yield c
    c.close()
    server_manager_instance.release_server(db)


def props(client: MilvusClient, name: str) -> dict[str, Any]:
    return collection_meta(dict(client.describe_collection(name)))


def test_created_collection_stores_fingerprint_schema_and_analyzer(client: MilvusClient) -> None:
    # Milvus Lite 2.5 drops custom properties: the keys travel in the description, which it keeps.
    assert client.describe_collection("minilm")["description"].startswith(META_PREFIX)
    p = props(client, "minilm")
    assert json.loads(p[FP_KEY]) == MINILM and stored_fingerprint(p) == MINILM
    assert p[SCHEMA_KEY] == SCHEMA_VERSION and p[ANALYZER_KEY] == "standard" and p[BM25_KEY] == "true"
    fields = {f["name"]: f for f in client.describe_collection("minilm")["fields"]}
    assert fields["dense"]["params"]["dim"] == 384
    assert {"id", "doc_id", "source", "page", "chunk", "text", "sparse", "n_chunks"} <= set(fields)
    dense = client.describe_index("minilm", "dense")
    assert (dense["index_type"], dense["metric_type"]) == ("FLAT", "COSINE")


def test_unnormalised_embedder_gets_inner_product_and_jieba_is_kept(client: MilvusClient) -> None:
    create_collection(client, "raw", {**MINILM, "normalize": False, "dimension": 8}, analyzer="jieba")
    assert client.describe_index("raw", "dense")["metric_type"] == "IP"
    assert props(client, "raw")[ANALYZER_KEY] == "jieba"


def test_same_fingerprint_is_accepted(client: MilvusClient) -> None:
    check_built_by("minilm", props(client, "minilm"), dict(MINILM))


def test_other_fingerprint_is_a_mismatch_naming_both_models_and_the_fix(client: MilvusClient) -> None:
    with pytest.raises(CollectionMismatch) as err:
        check_built_by("minilm", props(client, "minilm"), MPNET)
    msg = err.value.message
    assert "Collection 'minilm' was built by all-MiniLM-L6-v2" in msg and "all-mpnet-base-v2" in msg
    assert "dimension: 384 -> 768" in msg
    assert err.value.fix is not None and "unset milvus.collection" in err.value.fix


def test_older_schema_is_a_mismatch_telling_to_rebuild() -> None:
    old = {FP_KEY: json.dumps(MINILM), SCHEMA_KEY: "1"}
    with pytest.raises(CollectionMismatch, match="older version of rag-app") as err:
        check_built_by("old", old, MINILM)
    assert err.value.fix == "Rebuild it: `rag collections drop old` then `rag ingest` your documents."


def test_a_collection_without_bm25_has_no_sparse_field_and_says_so(client: MilvusClient) -> None:
    create_collection(client, "dense_only", MINILM, bm25=False)
    fields = {f["name"] for f in client.describe_collection("dense_only")["fields"]}
    assert "sparse" not in fields and {"text", "dense"} <= fields
    assert props(client, "dense_only")[BM25_KEY] == "false"
    assert stored_fingerprint(props(client, "dense_only")) == MINILM


def test_meta_of_earlier_collections_is_read_from_properties_and_fields() -> None:
    described = {
        "description": "",
        "properties": {FP_KEY: json.dumps(MINILM), SCHEMA_KEY: "2", "collection.ttl.seconds": "0"},
        "fields": [{"name": "dense"}, {"name": "sparse"}],
    }
    assert collection_meta(described) == {FP_KEY: json.dumps(MINILM), SCHEMA_KEY: "2", BM25_KEY: "true"}
    assert collection_meta({"description": META_PREFIX + "{not json", "fields": []}) == {BM25_KEY: "false"}


def test_collection_not_built_by_rag_is_refused() -> None:
    with pytest.raises(CollectionMismatch, match="built by something other than rag"):
        check_built_by("foreign", {}, MINILM)


def test_describe_fingerprint_change_lists_only_differences() -> None:
    assert describe_fingerprint_change(MINILM, MINILM) == ""
    assert describe_fingerprint_change({"a": 1}, {"a": 1, "b": "x"}) == "b: None -> 'x'"
