"""The collection schema: one row per chunk, typed filterable fields, dense + BM25 vectors.

The embedder's fingerprint is stored with the collection, so a collection always knows which
embedder built it, and opening it with another is refused (:func:`check_built_by`). It lives in
the collection's *description* (a JSON object after :data:`META_PREFIX`): Milvus Lite 2.5 keeps the
description but drops custom properties, and every Milvus server keeps both. Collections made by
earlier versions of rag-app kept it in the properties, which :func:`collection_meta` still reads.
"""

from __future__ import annotations

import contextlib
import json
from typing import Any

from rag_app.errors import CollectionMismatch
from rag_app.store.records import MAX_TEXT

SCHEMA_VERSION = "3"  # 3: parent_id (attachments), ocr
FP_KEY = "rag.fingerprint"
ANALYZER_KEY = "rag.analyzer"
SCHEMA_KEY = "rag.schema"
BM25_KEY = "rag.bm25"
META_PREFIX = "rag-app collection "
AUTO_KEY = "rag.auto"  # embedder.provider auto chose this collection: when, why (rag_app.embedder_choice)


def create_collection(
    client: Any,
    name: str,
    fingerprint: dict[str, Any],
    analyzer: str = "standard",
    is_lite: bool = True,
    bm25: bool = True,
    properties: dict[str, str] | None = None,
) -> None:
    """Create ``name`` for the embedder with ``fingerprint``; ``analyzer`` is the BM25 tokenizer;
    ``properties`` are kept with the app's own keys (e.g. ``rag.auto``).

    ``bm25=False`` (a Milvus server older than 2.5) leaves out the BM25 function and its sparse
    field: such a collection serves dense search only.
    """
    from pymilvus import DataType, Function, FunctionType

    dim = int(fingerprint["dimension"])
    meta = {
        **(properties or {}),
        FP_KEY: json.dumps(fingerprint, sort_keys=True),
        SCHEMA_KEY: SCHEMA_VERSION,
        ANALYZER_KEY: analyzer,
        BM25_KEY: "true" if bm25 else "false",
    }
    schema = client.create_schema(
        auto_id=False, enable_dynamic_field=False, description=META_PREFIX + json.dumps(meta, sort_keys=True)
    )
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
    # No default values: Milvus Lite 2.5.1 cannot parse a schema with an empty-string or False default
    # (rows_for fills both in).
    schema.add_field("parent_id", DataType.VARCHAR, max_length=64)  # an attachment: its container's doc_id
    schema.add_field("ocr", DataType.BOOL)  # the text was read by OCR
    if bm25:
        schema.add_field(
            "text",
            DataType.VARCHAR,
            max_length=MAX_TEXT,
            enable_analyzer=True,
            analyzer_params={"type": analyzer} if analyzer != "jieba" else {"tokenizer": "jieba"},
        )
    else:
        schema.add_field("text", DataType.VARCHAR, max_length=MAX_TEXT)
    schema.add_field("dense", DataType.FLOAT_VECTOR, dim=dim)
    index = client.prepare_index_params()
    metric = "COSINE" if fingerprint.get("normalize", True) else "IP"
    # Milvus Lite 2.5 searches FLAT (exact, in C++) whatever the index; a server picks its own (AUTOINDEX).
    dense_index = "FLAT" if is_lite else "AUTOINDEX"
    index.add_index(field_name="dense", index_type=dense_index, metric_type=metric)
    if bm25:
        schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
        schema.add_function(
            Function(
                name="bm25",
                function_type=FunctionType.BM25,
                input_field_names=["text"],
                output_field_names=["sparse"],
            )
        )
        index.add_index(field_name="sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25")
    # Strong: a query right after an upsert or delete sees it (ingest plans from what is stored). Milvus
    # Lite is always strong; a server defaults to Bounded, where a fresh ingest could count 0 chunks.
    client.create_collection(
        name, schema=schema, index_params=index, properties=meta, consistency_level="Strong"
    )


def collection_meta(described: dict[str, Any]) -> dict[str, str]:
    """rag-app's keys of a collection (``describe_collection`` output): description, then properties."""
    meta: dict[str, str] = {}
    desc = str(described.get("description") or "")
    if desc.startswith(META_PREFIX):
        with contextlib.suppress(ValueError, AttributeError):
            meta.update({str(k): str(v) for k, v in json.loads(desc[len(META_PREFIX) :]).items()})
    for key, value in dict(described.get("properties") or {}).items():
        if str(key).startswith("rag."):  # a server keeps them too, and changes land here
            meta[str(key)] = str(value)
    if BM25_KEY not in meta:  # older collections: BM25 exactly when the sparse field exists
        names = {f.get("name") for f in described.get("fields") or []}
        meta[BM25_KEY] = "true" if "sparse" in names else "false"
    return meta


def stored_fingerprint(meta: dict[str, Any]) -> dict[str, Any]:
    raw = meta.get(FP_KEY)
    return dict(json.loads(raw)) if raw else {}


def describe_fingerprint_change(stored: dict[str, Any], current: dict[str, Any]) -> str:
    diffs = [
        f"{k}: {stored.get(k)!r} -> {current.get(k)!r}"
        for k in sorted(set(stored) | set(current))
        if stored.get(k) != current.get(k)
    ]
    return "; ".join(diffs)


def check_built_by(name: str, meta: dict[str, Any], fingerprint: dict[str, Any]) -> None:
    """Refuse a collection built by another embedder (or an older schema): its vectors would not match."""
    if meta.get(FP_KEY) and meta.get(SCHEMA_KEY) != SCHEMA_VERSION:
        raise CollectionMismatch(
            f"Collection '{name}' was built by an older version of rag-app (schema {meta.get(SCHEMA_KEY)}, "
            f"now {SCHEMA_VERSION}).",
            fix=f"Rebuild it: `rag collections drop {name}` then `rag ingest` your documents.",
        )
    stored = stored_fingerprint(meta)
    if stored != fingerprint:
        built = stored.get("model", "an unknown embedder") if stored else "something other than rag"
        raise CollectionMismatch(
            f"Collection '{name}' was built by {built}, not by the configured embedder "
            f"{fingerprint.get('model')} ({describe_fingerprint_change(stored, fingerprint)}). "
            "Searching it with other vectors would return wrong results.",
            fix="Set embedder.* back to the values that built it, or unset milvus.collection so the "
            "embedder gets its own collection, then `rag ingest` your documents.",
        )
