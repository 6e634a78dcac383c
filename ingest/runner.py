"""The ingest run: walk paths, skip unchanged files, load, chunk, embed, upsert; report per file.

Document identity is its absolute path; its content hash decides whether it changed. Chunk ids
are derived from (document, content hash, chunk index), so re-running never duplicates chunks.
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ingest.chunker import Chunker, effective_chunk_size
from ingest.loaders import load, supported
from rag_app.errors import IngestError
from rag_app.pipeline import Pipeline
from rag_app.store import rows_for

log = logging.getLogger(__name__)


@dataclass
class IngestReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    chunks: int = 0
    seconds: float = 0.0
    failed: list[dict[str, str]] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    collection: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "deleted": self.deleted,
            "failed": self.failed,
            "chunks": self.chunks,
            "seconds": round(self.seconds, 2),
            "skipped": self.skipped,
            "warnings": self.warnings,
            "collection": self.collection,
        }

    @property
    def exit_code(self) -> int:
        return 2 if self.failed else 0


def _walk(path: Path, report: IngestReport) -> Iterator[Path]:
    if not path.exists() and not path.is_symlink():
        report.failed.append({"path": str(path), "error": "path does not exist"})
        return
    if path.is_file():
        yield path
        return
    seen: set[tuple[int, int]] = set()
    for root, dirs, files in os.walk(path, followlinks=True, onerror=None):
        st = os.stat(root)
        key = (st.st_dev, st.st_ino)
        if key in seen:  # symlink loop
            dirs[:] = []
            continue
        seen.add(key)
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if not name.startswith("."):
                yield Path(root) / name


def doc_id_for(path: Path) -> str:
    return hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:32]


def chunk_id(doc_id: str, content_hash: str, index: int) -> str:
    return hashlib.sha256(f"{doc_id}:{content_hash}:{index}".encode()).hexdigest()[:32]


def ingest_paths(
    pipeline: Pipeline,
    paths: Iterable[str | Path],
    on_file: Callable[[Path, str], None] | None = None,
) -> IngestReport:
    """Ingest files and folders into the configured embedder's collection."""
    start = time.perf_counter()
    report = IngestReport()
    settings = pipeline.settings
    embedder = pipeline.embedder
    report.collection = pipeline.open_collection(create=True)
    size, warning = effective_chunk_size(
        settings.chunking.chunk_size,
        embedder.max_tokens,
        embedder.count_tokens(settings.embedder.passage_prefix) if settings.embedder.passage_prefix else 0,
    )
    if warning:
        report.warnings.append(warning)
    chunker = Chunker(size, settings.chunking.chunk_overlap, embedder.token_counter())
    max_bytes = settings.chunking.max_file_mb * 1024 * 1024
    notify = on_file or (lambda _p, _s: None)

    files: list[Path] = []
    for raw in paths:
        files.extend(_walk(Path(raw).expanduser(), report))
    for path in files:
        if not supported(path):
            report.skipped.append(
                {"path": str(path), "reason": f"unsupported type {path.suffix or '(none)'}"}
            )
            notify(path, "skipped")
            continue
        try:
            status = _ingest_file(pipeline, report.collection, chunker, path, max_bytes, report)
        except IngestError as exc:
            report.failed.append({"path": str(path), "error": exc.message.removeprefix(f"{path}: ")})
            notify(path, "failed")
            continue
        except OSError as exc:
            reason = "permission denied" if isinstance(exc, PermissionError) else (exc.strerror or str(exc))
            if isinstance(exc, FileNotFoundError):
                reason = "file disappeared while ingesting"
            report.failed.append({"path": str(path), "error": reason})
            notify(path, "failed")
            continue
        notify(path, status)
    report.seconds = time.perf_counter() - start
    return report


def _ingest_file(
    pipeline: Pipeline, collection: str, chunker: Chunker, path: Path, max_bytes: float, report: IngestReport
) -> str:
    stat = path.stat()
    if stat.st_size > max_bytes:
        raise IngestError(
            f"{path}: {stat.st_size / 1048576:.1f} MB is over chunking.max_file_mb "
            f"({pipeline.settings.chunking.max_file_mb:g} MB)"
        )
    data = path.read_bytes()
    content_hash = hashlib.sha256(data).hexdigest()
    doc_id = doc_id_for(path)
    previous = pipeline.store.document_hashes(collection, doc_id)
    if previous == {content_hash}:
        report.unchanged += 1
        return "unchanged"
    doc = load(path, data)
    chunks = chunker.split(doc)
    if not chunks:
        raise IngestError(f"{path}: no text found")
    texts = [c.text if not c.heading else f"{c.heading}\n{c.text}" for c in chunks]
    vectors = pipeline.embedder.embed_passages(texts)
    now = int(time.time())
    meta = [
        {
            "id": chunk_id(doc_id, content_hash, c.index),
            "doc_id": doc_id,
            "source": str(path.resolve()),
            "title": doc.title[:1000],
            "page": c.page if c.page is not None else -1,
            "heading": c.heading[:2000],
            "chunk": c.index,
            "content_hash": content_hash,
            "mtime": int(stat.st_mtime),
            "ingested_at": now,
        }
        for c in chunks
    ]
    # Stored text is the chunk itself; the heading path is embedded with it and kept in its own field.
    rows = rows_for([c.text for c in chunks], vectors, meta)
    # New chunks first, then drop the old version's: an interrupted run never loses the document,
    # and the next run finishes the replacement.
    pipeline.store.upsert(collection, rows)
    if previous - {content_hash}:
        pipeline.store.delete_document(collection, doc_id, except_hash=content_hash)
    report.chunks += len(rows)
    if not previous:
        report.added += 1
        return "added"
    report.updated += 1
    return "updated"
