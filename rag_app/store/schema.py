"""The collection schema: one row per chunk, typed filterable fields, dense + BM25 vectors.

The embedder's fingerprint is stored in the collection's properties, so a collection always knows
which embedder built it, and opening it with another is refused (:func:`check_built_by`).
"""

from __future__ import annotations

import json
from typing import Any

from rag_app.errors import CollectionMismatch
from rag_app.store.records import MAX_TEXT

SCHEMA_VERSION = "3"  # 3: parent_id (attachments), ocr
FP_KEY = "rag.fingerprint"
ANALYZER_KEY = "rag.analyzer"


def create_collection(
    client: Any, name: str, fingerprint: dict[str, Any], analyzer: str = "standard", is_lite: bool = True
) -> None:
    """Create ``name`` for the embedder with ``fingerprint``; ``analyzer`` is the BM25 tokenizer."""
    from pymilvus import DataType, Function, FunctionType

    dim = int(fingerprint["dimension"])
    schema = client.create_schema(auto_id=False, enable_dynamic_field=False)
    schema.add_field("id", DataType.VARCHAR, is_primary=True, max_length=64)
    schema.add_field("doc_id", DataType.VARCHAR, max_length=64)
    schema.add_field("source", DataType.VARCHAR, max_length=2048)
    schema.add_field("title", DataType.VARCHAR, max_length=1024)
    schema.add_field("page", DataType.INT64)  # -1: no page
    schema.add_field("heading", DataType.VARCHAR, max_length=2048)
    schema.add_field("chunk", DataType.INT64)
    schema.add_field("content_hash", DataType.VARCHAR, max_length=64)
    schema.add_field("mtime", DataType.INT64)
    schema.add_field("size", DataType.INT64)
    schema.add_field("n_chunks", DataType.INT64)  # chunks of this document version: completeness check
    schema.add_field("ingested_at", DataType.INT64)
    schema.add_field(
        "parent_id", DataType.VARCHAR, max_length=64, default_value=""
    )  # an attachment: its container's doc_id
    schema.add_field("ocr", DataType.BOOL, default_value=False)  # the text was read by OCR
    schema.add_field(
        "text",
        DataType.VARCHAR,
        max_length=MAX_TEXT,
        enable_analyzer=True,
        analyzer_params={"type": analyzer} if analyzer != "jieba" else {"tokenizer": "jieba"},
    )
    schema.add_field("dense", DataType.FLOAT_VECTOR, dim=dim)
    schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
    schema.add_function(
        Function(
            name="bm25",
            function_type=FunctionType.BM25,
            input_field_names=["text"],
            output_field_names=["sparse"],
        )
    )
    index = client.prepare_index_params()
    metric = "COSINE" if fingerprint.get("normalize", True) else "IP"
    # Milvus Lite scans rows in Python whatever the index, and building HNSW costs CPU during
    # ingest: exact FLAT search there; a Milvus server picks its own (AUTOINDEX).
    dense_index = "FLAT" if is_lite else "AUTOINDEX"
    index.add_index(field_name="dense", index_type=dense_index, metric_type=metric)
    index.add_index(field_name="sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25")
    properties = {
        FP_KEY: json.dumps(fingerprint, sort_keys=True),
        "rag.schema": SCHEMA_VERSION,
        ANALYZER_KEY: analyzer,
    }
    client.create_collection(name, schema=schema, index_params=index, properties=properties)


def stored_fingerprint(props: dict[str, Any]) -> dict[str, Any]:
    raw = props.get(FP_KEY)
    return dict(json.loads(raw)) if raw else {}


def describe_fingerprint_change(stored: dict[str, Any], current: dict[str, Any]) -> str:
    diffs = [
        f"{k}: {stored.get(k)!r} -> {current.get(k)!r}"
        for k in sorted(set(stored) | set(current))
        if stored.get(k) != current.get(k)
    ]
    return "; ".join(diffs)


def check_built_by(name: str, props: dict[str, Any], fingerprint: dict[str, Any]) -> None:
    """Refuse a collection built by another embedder (or an older schema): its vectors would not match."""
    if props.get(FP_KEY) and props.get("rag.schema") != SCHEMA_VERSION:
        raise CollectionMismatch(
            f"Collection '{name}' was built by an older version of rag-app (schema {props.get('rag.schema')}, "
            f"now {SCHEMA_VERSION}).",
            fix=f"Rebuild it: `rag collections drop {name}` then `rag ingest` your documents.",
        )
    stored = stored_fingerprint(props)
    if stored != fingerprint:
        built = stored.get("model", "an unknown embedder") if stored else "something other than rag"
        raise CollectionMismatch(
            f"Collection '{name}' was built by {built}, not by the configured embedder "
            f"{fingerprint.get('model')} ({describe_fingerprint_change(stored, fingerprint)}). "
            "Searching it with other vectors would return wrong results.",
            fix="Set embedder.* back to the values that built it, or unset milvus.collection so the "
            "embedder gets its own collection, then `rag ingest` your documents.",
        )
