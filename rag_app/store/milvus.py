"""Milvus access: the app's schema, per-document bookkeeping, and dense, BM25 and hybrid search.

Milvus Lite (a local folder) by default; any ``http(s)://`` URI is a Milvus server or cluster.
``open_store(settings)`` is the one place a store is made from settings.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rag_app.config import secret
from rag_app.endpoints import endpoint_key, mask_url
from rag_app.errors import CollectionNotFound, StoreError
from rag_app.settings import Settings
from rag_app.store.capabilities import MilvusInfo, probe
from rag_app.store.expr import quote
from rag_app.store.lite import LiteFolder
from rag_app.store.lite_format import check_lite_path
from rag_app.store.records import CollectionInfo, DocState, Hit
from rag_app.store.schema import (
    ANALYZER_KEY,
    BM25_KEY,
    check_built_by,
    collection_meta,
    create_collection,
    stored_fingerprint,
)
from rag_app.store.search import request

SERVER_SCHEMES = ("http://", "https://", "tcp://", "unix:")
# Rows per insert request. Milvus Lite 2.5 slows from ~3,000 rows/s to ~150 when one request carries
# 5,000 rows of 384-d vectors and 120-word texts (benchmarks/README.md); 1,000 stays on the fast side.
UPSERT_BATCH = 1000


def is_server_uri(uri: str) -> bool:
    return uri.startswith(SERVER_SCHEMES)


def _quiet_jieba() -> None:
    """Milvus Lite's jieba tokenizer (Chinese BM25) announces its dictionary on stderr at every
    start; jieba sets its logger to DEBUG when imported, so it is quietened after the import."""
    try:
        import jieba
    except ImportError:
        return
    jieba.setLogLevel(logging.WARNING)


class MilvusStore:
    """The app's view of one Milvus: collections by name, documents, rows and search."""

    def __init__(self, uri: str, token: str | None = None, share: bool = False) -> None:
        """Open Milvus at ``uri``: a server, or a Milvus Lite folder (``share``: let other rag
        processes use this process's folder; see :mod:`rag_app.store.lite`)."""
        from pymilvus import MilvusClient

        # Milvus Lite's embedded gRPC server logs an unimplemented AllocTimestamp call on upsert;
        # pymilvus falls back by itself, so the traceback is noise.
        logging.getLogger("grpc._server").setLevel(logging.CRITICAL)
        # Milvus Lite logs its own traceback when the folder is locked; the StoreError says it better.
        logging.getLogger("milvus_lite").setLevel(logging.CRITICAL)
        # Milvus Lite has no MVCC timestamps; the query iterator warns and falls back correctly.
        logging.getLogger("pymilvus").setLevel(logging.ERROR)
        # Milvus Lite 2.5 imports pkg_resources (setuptools<81 keeps it), which warns on import.
        warnings.filterwarnings("ignore", message="pkg_resources is deprecated", category=UserWarning)
        if not is_server_uri(uri):
            _quiet_jieba()
        self.uri = uri
        self.is_lite = not is_server_uri(uri)
        self._folder: LiteFolder | None = None
        if self.is_lite:
            check_lite_path(Path(uri))
            self._folder = LiteFolder(Path(uri), share)
            self.client = self._folder.client
        else:
            try:
                self.client = MilvusClient(uri=uri, token=token or "")
            except Exception as exc:
                raise StoreError(
                    f"Cannot open Milvus at {mask_url(uri)}: {exc}",
                    fix="Check milvus.uri (and the token variable for a server); `rag doctor` checks it.",
                ) from exc
        self._loaded: set[str] = set()
        self._info: MilvusInfo | None = None
        self._meta: dict[str, dict[str, str]] = {}

    @property
    def engine(self) -> MilvusInfo:
        """Lite or server, its version and whether it has BM25 (asked once)."""
        if self._info is None:
            self._info = probe(self.client, self.is_lite)
        return self._info

    @property
    def shared_from(self) -> dict[str, Any] | None:
        """The owner record when this store reaches a Milvus Lite folder through another process."""
        return self._folder.shared_from if self._folder else None

    def close(self) -> None:
        if self._folder is not None:
            self._folder.close()
        else:
            self.client.close()

    # -- collections ------------------------------------------------------------------
    def exists(self, name: str) -> bool:
        return bool(self.client.has_collection(name))

    def properties(self, name: str) -> dict[str, str]:
        """rag-app's keys of the collection (fingerprint, schema, analyzer, BM25, auto's record); read
        once per name."""
        if name not in self._meta:
            self._meta[name] = collection_meta(dict(self.client.describe_collection(name)))
        return self._meta[name]

    def set_properties(self, name: str, properties: dict[str, str]) -> None:
        """Add or replace properties of an existing collection (a Milvus server; Milvus Lite 2.5 has
        no way to change them: a StoreError)."""
        if self.is_lite:
            raise StoreError(
                f"Milvus Lite cannot change the stored properties of the existing collection {name}.",
                fix="Put the printed config lines in config.yaml, or drop the collection and run again.",
            )
        self.client.alter_collection_properties(name, properties=properties)
        self._meta.pop(name, None)

    def analyzer(self, name: str) -> str:
        """The BM25 tokenizer the collection was created with (standard | jieba)."""
        return str(self.properties(name).get(ANALYZER_KEY) or "standard")

    def fingerprint(self, name: str) -> dict[str, Any]:
        """The fingerprint of the embedder that built the collection ({} if rag did not build it)."""
        return stored_fingerprint(self.properties(name))

    def has_bm25(self, name: str) -> bool:
        """Whether the collection has the BM25 field (``sparse`` and ``hybrid`` search need it)."""
        return self.properties(name).get(BM25_KEY) == "true"

    def create(
        self,
        name: str,
        fingerprint: dict[str, Any],
        analyzer: str = "standard",
        properties: dict[str, str] | None = None,
    ) -> None:
        """Create the collection (with ``properties`` besides the app's own keys); without BM25 (dense
        only) on a Milvus server older than 2.5."""
        create_collection(
            self.client, name, fingerprint, analyzer=analyzer, is_lite=self.is_lite,
            bm25=self.engine.bm25, properties=properties,
        )  # fmt: skip
        self._meta.pop(name, None)
        self._loaded.add(name)

    def open(
        self,
        name: str,
        fingerprint: dict[str, Any],
        create: bool,
        analyzer: str = "standard",
        properties: dict[str, str] | None = None,
    ) -> bool:
        """Check the collection was built by this embedder; create it if allowed (with ``properties``
        besides the app's own). Returns True if created."""
        if not self.exists(name):
            if not create:
                raise CollectionNotFound(
                    f"No collection '{name}' yet for embedder {fingerprint.get('model')}.",
                    fix="Ingest documents with this embedder first: `rag ingest PATH`.",
                )
            self.create(name, fingerprint, analyzer=analyzer, properties=properties)
            return True
        check_built_by(name, self.properties(name), fingerprint)
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
        self._meta.pop(name, None)

    def count(self, name: str) -> int:
        res = self.client.query(name, filter="", output_fields=["count(*)"])
        return int(res[0]["count(*)"]) if res else 0

    def documents(self, name: str, details: bool = False) -> dict[str, DocState]:
        """What the index holds per document, in one scan (no per-file queries).

        ``details`` also reads titles and page numbers (for listings; ingest planning skips them).
        """
        self._load(name)
        out: dict[str, DocState] = {}
        fields = ["doc_id", "content_hash", "source", "mtime", "size", "n_chunks", "ingested_at", "parent_id"]
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

    def sources_like(self, name: str, pattern: str) -> set[str]:
        """The distinct stored sources matching a LIKE ``pattern`` (one scan of that field)."""
        self._load(name)
        out: set[str] = set()
        it = self.client.query_iterator(
            name, filter=f"source like {quote(pattern)}", output_fields=["source"], batch_size=8192
        )
        try:
            while batch := it.next():
                out.update(row["source"] for row in batch)
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

    def names(self) -> list[str]:
        return sorted(self.client.list_collections())

    def collections(self) -> list[CollectionInfo]:
        return [self.info(n) for n in self.names()]

    def rows(
        self, name: str, fields: list[str], filter: str = "", limit: int = 16384
    ) -> list[dict[str, Any]]:
        """Stored rows (only ``fields``) matching a Milvus expression: for tools and tests, not search."""
        self._load(name)
        return list(self.client.query(name, filter=filter, output_fields=fields or ["*"], limit=limit))

    def sample_texts(self, name: str, limit: int = 300) -> list[str]:
        """Chunk texts spread over the collection's documents (the first chunks of each, up to
        ``limit``): enough to tell what language it is in."""
        rows = self.rows(name, ["text"], filter="chunk <= 2", limit=limit)
        return [str(r["text"]) for r in rows]

    def document_rows(self, name: str, doc_id: str, limit: int = 16384) -> list[dict[str, Any]]:
        """Every field of one document's rows, vectors included (to rewrite them when its file moves);
        at most ``limit`` rows (16384: what one query returns)."""
        self._load(name)
        rows = self.client.query(name, filter=f"doc_id == {quote(doc_id)}", output_fields=["*"], limit=limit)
        return [dict(r) for r in rows]

    # -- documents ----------------------------------------------------------------------
    def delete_document(
        self, name: str, doc_id: str, except_hash: str | None = None, with_parts: bool = False
    ) -> None:
        """Delete a document's chunks (all versions, or all but ``except_hash``); ``with_parts``: and
        the documents extracted from it (an e-mail's attachments)."""
        expr = f"doc_id == {quote(doc_id)}"
        if with_parts:
            expr = f"({expr} or parent_id == {quote(doc_id)})"
        if except_hash:
            expr += f" and content_hash != {quote(except_hash)}"
        self.client.delete(name, filter=expr)

    def holds(self, name: str, doc_id: str) -> bool:
        """True when collection ``name`` has any chunk of document ``doc_id``."""
        self._load(name)
        found = self.client.query(
            name, filter=f"doc_id == {quote(doc_id)}", output_fields=["doc_id"], limit=1
        )
        return bool(found)

    def upsert(self, name: str, rows: Sequence[dict[str, Any]]) -> None:
        for start in range(0, len(rows), UPSERT_BATCH):
            self.client.upsert(name, list(rows[start : start + UPSERT_BATCH]))

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
        if mode != "dense" and not self.has_bm25(name):
            raise StoreError(
                f"Collection '{name}' has no BM25 field, so it cannot serve {mode} search: "
                f"{self.engine.no_bm25_reason}.",
                fix="Search with mode dense, or move the index to Milvus 2.5 or newer and re-ingest.",
            )
        try:
            res = request(self.client, name, mode, limit, vector, text, filter, rrf_k, fusion, dense_weight)
        except Exception as exc:
            if not filter or "MilvusException" not in type(exc).__name__:
                raise
            raise StoreError(
                f"{self.engine.kind} {self.engine.version} could not apply the filter {filter}: "
                f"{getattr(exc, 'message', exc)}",
                fix="Milvus before 2.4 matches paths by prefix only: filter by a source folder or file "
                "name start (--source '/docs/reports/*', --doc ID) rather than a type or a '*' inside; "
                "or use Milvus 2.4 or newer.",
            ) from exc
        hits = []
        for item in res[0] if res else []:
            score = float(item["distance"])
            hits.append(
                Hit(
                    id=str(item["id"]), score=abs(score) if mode == "sparse" else score, fields=item["entity"]
                )
            )
        return hits


def open_store(settings: Settings, share: bool = False) -> MilvusStore:
    """The store ``milvus.uri`` names, with the token from the variable ``milvus.token_env``
    (never sent over plain http to another machine unless ``milvus.allow_http_token``)."""
    m = settings.milvus
    token = endpoint_key(
        settings.milvus_uri,
        secret(m.token_env),
        env_name=m.token_env,
        section="milvus",
        url_key="uri",
        env_key="token_env",
        opt_in="allow_http_token",
        allowed=m.allow_http_token,
    )
    return MilvusStore(settings.milvus_uri, token, share=share)
