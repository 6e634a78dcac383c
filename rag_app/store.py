"""Milvus access: one collection per embedder fingerprint; dense, BM25 and hybrid search.

Milvus Lite (a local folder) by default; any ``http(s)://`` URI is a Milvus server.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rag_app.errors import CollectionMismatch, CollectionNotFound, StoreError
from rag_app.process import ProcessRecord, alive

SCHEMA_VERSION = "2"
FP_KEY = "rag.fingerprint"
OUTPUT_FIELDS = ["doc_id", "source", "title", "page", "heading", "chunk", "text", "content_hash"]
MAX_TEXT = 65535


@dataclass
class Hit:
    id: str
    score: float
    fields: dict[str, Any]


@dataclass
class DocState:
    """One document as stored: the versions (content hashes) present and whether one is complete."""

    doc_id: str
    source: str
    counts: dict[str, int] = field(default_factory=dict)  # content hash -> chunks stored
    expected: dict[str, int] = field(default_factory=dict)  # content hash -> n_chunks of that version
    mtime: int = 0
    size: int = -1
    ingested_at: int = 0
    title: str = ""
    pages: int = 0  # highest page number seen (PDF pages, PPTX slides); 0 when the format has none

    def add(self, row: dict[str, Any]) -> None:
        h = row["content_hash"]
        if "page" in row:
            self.pages = max(self.pages, int(row["page"]))
        if row.get("title") and not self.title:
            self.title = str(row["title"])
        self.counts[h] = self.counts.get(h, 0) + 1
        self.expected[h] = int(row["n_chunks"])
        self.mtime, self.size = int(row["mtime"]), int(row["size"])
        self.ingested_at = max(self.ingested_at, int(row.get("ingested_at") or 0))

    def complete(self, content_hash: str | None = None) -> bool:
        """Exactly one version stored, with all of its chunks (and it is ``content_hash`` if given)."""
        if len(self.counts) != 1:
            return False
        ((h, n),) = self.counts.items()
        return n == self.expected[h] and (content_hash is None or h == content_hash)

    @property
    def chunks(self) -> int:
        return sum(self.counts.values())


@dataclass
class CollectionInfo:
    name: str
    fingerprint: dict[str, Any] = field(default_factory=dict)
    chunks: int = 0
    documents: int = 0

    @property
    def embedder(self) -> str:
        fp = self.fingerprint
        return f"{fp.get('provider', '?')}:{fp.get('model', '?')}" if fp else "(not built by rag)"

    @property
    def dimension(self) -> int | None:
        dim = self.fingerprint.get("dimension")
        return int(dim) if dim is not None else None


# Stores open on each local Milvus Lite folder in this process. pymilvus serves a folder from one
# in-process gRPC server; only the last store to close may stop it.
_OPEN_HERE: dict[str, int] = {}


def _owner_path(db: Path) -> Path:
    return db.with_name(db.name + ".owner.json")


def _lite_owner(db: Path, require_uri: bool = True) -> dict[str, Any] | None:
    """The live process that owns a Milvus Lite folder (and shares it, if ``require_uri``)."""
    import json
    import os
    import socket
    from urllib.parse import urlparse

    try:
        info = dict(json.loads(_owner_path(db).read_text()))
    except (OSError, ValueError, TypeError):
        return None
    record = ProcessRecord.from_dict(info)
    if record is None or record.pid == os.getpid() or not alive(record):
        return None
    if not info.get("uri"):
        return None if require_uri else info
    url = urlparse(str(info["uri"]))
    try:
        socket.create_connection((url.hostname or "127.0.0.1", url.port or 19530), timeout=2).close()
    except OSError:
        return None if require_uri else info
    return info


def collection_name(prefix: str, model: str, fingerprint_id: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "_", model.rsplit("/", 1)[-1].lower()).strip("_")[:40] or "model"
    return f"{prefix}_{slug}_{fingerprint_id}"


def describe_fingerprint_change(stored: dict[str, Any], current: dict[str, Any]) -> str:
    diffs = [
        f"{k}: {stored.get(k)!r} -> {current.get(k)!r}"
        for k in sorted(set(stored) | set(current))
        if stored.get(k) != current.get(k)
    ]
    return "; ".join(diffs)


class MilvusStore:
    """Thin layer over ``pymilvus.MilvusClient`` with the app's schema and checks."""

    def __init__(self, uri: str, token: str | None = None, share: bool = False) -> None:
        """Open Milvus at ``uri``.

        Milvus Lite allows one process per folder. The process that opens it runs Milvus Lite's
        gRPC server on 127.0.0.1; with ``share=True`` (long-running commands: chat, UI,
        ``rag milvus serve``) it publishes that address beside the folder, and other rag processes
        connect to it instead of failing on the lock.
        """
        import logging

        from pymilvus import MilvusClient

        # Milvus Lite's embedded gRPC server logs an unimplemented AllocTimestamp call on upsert;
        # pymilvus falls back by itself, so the traceback is noise.
        logging.getLogger("grpc._server").setLevel(logging.CRITICAL)
        # Milvus Lite logs its own traceback when the folder is locked; the StoreError below says it better.
        logging.getLogger("milvus_lite").setLevel(logging.CRITICAL)
        # Milvus Lite has no MVCC timestamps; the query iterator warns and falls back correctly.
        logging.getLogger("pymilvus").setLevel(logging.ERROR)
        self.uri = uri
        self._local_key: str | None = None
        self.shared_from: dict[str, Any] | None = None
        self._owner_file: Path | None = None
        is_lite = self.is_lite = not uri.startswith(("http://", "https://", "tcp://", "unix:"))
        try:
            if not is_lite:
                self.client = MilvusClient(uri=uri, token=token or "")
            else:
                owner = _lite_owner(Path(uri))
                if owner and owner.get("uri"):
                    self.client = MilvusClient(uri=str(owner["uri"]))
                    self.shared_from = owner
                else:
                    Path(uri).parent.mkdir(parents=True, exist_ok=True)
                    self.client = MilvusClient(uri)
                    key = str(Path(uri).resolve())
                    first = _OPEN_HERE.get(key, 0) == 0
                    _OPEN_HERE[key] = _OPEN_HERE.get(key, 0) + 1
                    self._local_key = key
                    if first or share:
                        self._claim(Path(uri), share)
        except Exception as exc:
            text = str(exc)
            if is_lite and ("locked" in text.lower() or "Open local milvus failed" in text):
                holder = _lite_owner(Path(uri), require_uri=False)
                who = f"`{holder.get('command')}` (pid {holder.get('pid')})" if holder else "another process"
                raise StoreError(
                    f"The index {uri} is in use by {who}; Milvus Lite allows one process per folder.",
                    fix="Wait for it to finish, or keep one long-running rag process open (`rag chat`, or "
                    "`rag milvus serve` in another terminal): other rag commands then share its index. "
                    "For many processes or machines use a Milvus server: milvus.uri: http://HOST:19530.",
                ) from exc
            raise StoreError(
                f"Cannot open Milvus at {uri}: {text}",
                fix="Check milvus.uri (and the token variable for a server); `rag doctor` checks it.",
            ) from exc
        self._loaded: set[str] = set()

    def _claim(self, db: Path, share: bool) -> None:
        """Record this process as the folder's owner (and its server address when sharing)."""
        import atexit
        import json
        import os
        import sys

        info: dict[str, Any] = {
            **ProcessRecord.current().as_dict(),
            "command": " ".join(["rag", *sys.argv[1:2]]),
        }
        if share:
            from milvus_lite.server_manager import server_manager_instance

            info["uri"] = server_manager_instance.start_and_get_uri(str(db))
        path = _owner_path(db)
        tmp = path.with_name(f".{path.name}.{os.getpid()}")
        tmp.write_text(json.dumps(info))
        os.replace(tmp, path)
        self._owner_file = path
        atexit.register(self.release)

    def close(self) -> None:
        """Close the connection; an embedded Milvus Lite folder is unlocked for other processes
        once the last store using it in this process closes."""
        self.client.close()
        key, self._local_key = self._local_key, None
        if key is None:
            return
        _OPEN_HERE[key] = max(0, _OPEN_HERE.get(key, 1) - 1)
        if _OPEN_HERE[key] > 0:
            self._owner_file = None  # another store here still uses the folder and its record
            return
        del _OPEN_HERE[key]
        from milvus_lite.server_manager import server_manager_instance

        server_manager_instance.release_server(self.uri)
        self.release()
        self._release_record(Path(self.uri))

    @staticmethod
    def _release_record(db: Path) -> None:
        import contextlib
        import json
        import os

        path = _owner_path(db)
        with contextlib.suppress(OSError, ValueError):
            if json.loads(path.read_text()).get("pid") == os.getpid():
                path.unlink()

    def release(self) -> None:
        """Forget the owner record if it is still ours (the folder's lock goes with the process)."""
        import contextlib
        import json
        import os

        path, self._owner_file = self._owner_file, None
        if path is None:
            return
        with contextlib.suppress(OSError, ValueError):
            if json.loads(path.read_text()).get("pid") == os.getpid():
                path.unlink()

    # -- collections ------------------------------------------------------------------
    def exists(self, name: str) -> bool:
        return bool(self.client.has_collection(name))

    def analyzer(self, name: str) -> str:
        """The BM25 tokenizer the collection was created with (standard | jieba)."""
        props = self.client.describe_collection(name).get("properties") or {}
        return str(props.get("rag.analyzer") or "standard")

    def fingerprint(self, name: str) -> dict[str, Any]:
        props = self.client.describe_collection(name).get("properties") or {}
        raw = props.get(FP_KEY)
        return dict(json.loads(raw)) if raw else {}

    def create(self, name: str, fingerprint: dict[str, Any], analyzer: str = "standard") -> None:
        from pymilvus import DataType, Function, FunctionType

        dim = int(fingerprint["dimension"])
        schema = self.client.create_schema(auto_id=False, enable_dynamic_field=False)
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
        index = self.client.prepare_index_params()
        metric = "COSINE" if fingerprint.get("normalize", True) else "IP"
        # Milvus Lite scans rows in Python whatever the index, and building HNSW costs CPU during
        # ingest: exact FLAT search there; a Milvus server picks its own (AUTOINDEX).
        dense_index = "FLAT" if self.is_lite else "AUTOINDEX"
        index.add_index(field_name="dense", index_type=dense_index, metric_type=metric)
        index.add_index(field_name="sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25")
        properties = {
            FP_KEY: json.dumps(fingerprint, sort_keys=True),
            "rag.schema": SCHEMA_VERSION,
            "rag.analyzer": analyzer,
        }
        self.client.create_collection(name, schema=schema, index_params=index, properties=properties)
        self._loaded.add(name)

    def open(self, name: str, fingerprint: dict[str, Any], create: bool, analyzer: str = "standard") -> bool:
        """Check the collection was built by this embedder; create it if allowed. Returns True if created."""
        if not self.exists(name):
            if not create:
                raise CollectionNotFound(
                    f"No collection '{name}' yet for embedder {fingerprint.get('model')}.",
                    fix="Ingest documents with this embedder first: `rag ingest PATH`.",
                )
            self.create(name, fingerprint, analyzer=analyzer)
            return True
        props = self.client.describe_collection(name).get("properties") or {}
        if props.get(FP_KEY) and props.get("rag.schema") != SCHEMA_VERSION:
            raise CollectionMismatch(
                f"Collection '{name}' was built by an older version of rag-app (schema {props.get('rag.schema')}, "
                f"now {SCHEMA_VERSION}).",
                fix=f"Rebuild it: `rag collections drop {name}` then `rag ingest` your documents.",
            )
        stored = self.fingerprint(name)
        if stored != fingerprint:
            built = stored.get("model", "an unknown embedder") if stored else "something other than rag"
            raise CollectionMismatch(
                f"Collection '{name}' was built by {built}, not by the configured embedder "
                f"{fingerprint.get('model')} ({describe_fingerprint_change(stored, fingerprint)}). "
                "Searching it with other vectors would return wrong results.",
                fix="Set embedder.* back to the values that built it, or unset milvus.collection so the "
                "embedder gets its own collection, then `rag ingest` your documents.",
            )
        self._load(name)
        return False

    def _load(self, name: str) -> None:
        # Reopened collections are released in a new process: load before searching.
        if name not in self._loaded:
            self.client.load_collection(name)
            self._loaded.add(name)

    def drop(self, name: str) -> None:
        if not self.exists(name):
            raise CollectionNotFound(
                f"No collection named '{name}'.", fix="`rag collections list` shows them."
            )
        self.client.drop_collection(name)
        self._loaded.discard(name)

    def count(self, name: str) -> int:
        res = self.client.query(name, filter="", output_fields=["count(*)"])
        return int(res[0]["count(*)"]) if res else 0

    def documents(self, name: str, details: bool = False) -> dict[str, DocState]:
        """What the index holds per document, in one scan (no per-file queries).

        ``details`` also reads titles and page numbers (for listings; ingest planning skips them).
        """
        self._load(name)
        out: dict[str, DocState] = {}
        fields = ["doc_id", "content_hash", "source", "mtime", "size", "n_chunks", "ingested_at"]
        if details:
            fields += ["page", "title"]
        it = self.client.query_iterator(name, filter="", output_fields=fields, batch_size=8192)
        try:
            while batch := it.next():
                for row in batch:
                    state = out.get(row["doc_id"])
                    if state is None:
                        state = out[row["doc_id"]] = DocState(row["doc_id"], row["source"])
                    state.add(row)
        finally:
            it.close()
        return out

    def info(self, name: str) -> CollectionInfo:
        return CollectionInfo(
            name=name,
            fingerprint=self.fingerprint(name),
            chunks=self.count(name),
            documents=len(self.documents(name)),
        )

    def collections(self) -> list[CollectionInfo]:
        return [self.info(n) for n in sorted(self.client.list_collections())]

    # -- documents ----------------------------------------------------------------------
    def delete_document(self, name: str, doc_id: str, except_hash: str | None = None) -> None:
        expr = f'doc_id == "{doc_id}"'
        if except_hash:
            expr += f' and content_hash != "{except_hash}"'
        self.client.delete(name, filter=expr)

    def upsert(self, name: str, rows: Sequence[dict[str, Any]]) -> None:
        if rows:
            self.client.upsert(name, list(rows))

    # -- search ---------------------------------------------------------------------------
    def search(
        self,
        name: str,
        mode: str,
        limit: int,
        vector: Sequence[float] | None = None,
        text: str | None = None,
        rrf_k: int = 60,
        filter: str = "",
        fusion: str = "rrf",
        dense_weight: float = 0.5,
    ) -> list[Hit]:
        self._load(name)
        metric = "COSINE"
        if mode == "dense":
            res = self.client.search(
                name, data=[list(vector or [])], anns_field="dense", limit=limit,
                output_fields=OUTPUT_FIELDS, filter=filter, search_params={"metric_type": metric},
            )  # fmt: skip
        elif mode == "sparse":
            res = self.client.search(
                name, data=[text or ""], anns_field="sparse", limit=limit,
                output_fields=OUTPUT_FIELDS, filter=filter, search_params={"metric_type": "BM25"},
            )  # fmt: skip
        elif mode == "hybrid":
            from pymilvus import AnnSearchRequest, RRFRanker, WeightedRanker

            reqs = [
                AnnSearchRequest(
                    [list(vector or [])], "dense", {"metric_type": metric}, limit, expr=filter or None
                ),
                AnnSearchRequest([text or ""], "sparse", {"metric_type": "BM25"}, limit, expr=filter or None),
            ]
            ranker: Any = (
                WeightedRanker(dense_weight, 1.0 - dense_weight) if fusion == "weighted" else RRFRanker(rrf_k)
            )
            res = self.client.hybrid_search(
                name, reqs, ranker=ranker, limit=limit, output_fields=OUTPUT_FIELDS
            )
        else:
            raise ValueError(f"unknown search mode {mode!r}")
        hits = []
        for item in res[0] if res else []:
            score = float(item["distance"])
            hits.append(
                Hit(
                    id=str(item["id"]), score=abs(score) if mode == "sparse" else score, fields=item["entity"]
                )
            )
        return hits


def rows_for(
    texts: Iterable[str], vectors: Iterable[Sequence[float]], meta: Iterable[dict[str, Any]]
) -> list[dict[str, Any]]:
    return [
        {**m, "text": t[:MAX_TEXT], "dense": list(v)} for t, v, m in zip(texts, vectors, meta, strict=True)
    ]
