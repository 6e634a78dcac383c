"""The ingest run: plan from one scan of the index, then load ▸ chunk ▸ embed ▸ upsert.

- Identity: a document is its absolute path; its content hash decides whether it changed.
  Unchanged files (same size and mtime, or same hash) cost no embedding work.
- Crash safety: chunk ids derive from (document, content hash, chunk index) and every row carries
  the number of chunks of its version. A new version is written first and the old one deleted
  after, so a run killed at any moment leaves either the old or the new version, or both, or a
  partial new one; the next run sees which (``DocState.complete``) and finishes the job, never
  duplicating or losing a document.
- Speed: a reader thread loads and chunks the next files while the encoder works; chunks from
  many files go to the encoder in large batches.
"""

from __future__ import annotations

import hashlib
import os
import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from ingest.chunker import Chunk, Chunker, effective_chunk_size
from ingest.loaders import LoadedDocument, load, supported
from rag_app.errors import IngestError
from rag_app.pipeline import Pipeline
from rag_app.store import DocState, rows_for

READ_AHEAD = 16  # files loaded and chunked ahead of the encoder


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

    def fail(self, path: Path | str, reason: str) -> None:
        self.failed.append({"path": str(path), "error": reason})


class Progress(Protocol):
    """Receives progress events; the CLI draws a bar or prints lines."""

    def start(self, files: int) -> None: ...

    def file_done(self, path: Path, status: str, chunks: int) -> None: ...

    def finish(self) -> None: ...


class _NoProgress:
    def start(self, files: int) -> None:
        pass

    def file_done(self, path: Path, status: str, chunks: int) -> None:
        pass

    def finish(self) -> None:
        pass


@dataclass
class _Job:
    path: Path
    doc_id: str
    content_hash: str
    size: int
    mtime: int
    previous: DocState | None
    doc: LoadedDocument | None = None
    chunks: list[Chunk] = field(default_factory=list)
    error: str | None = None


def doc_id_for(path: Path) -> str:
    return hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:32]


def chunk_id(doc_id: str, content_hash: str, index: int) -> str:
    return hashlib.sha256(f"{doc_id}:{content_hash}:{index}".encode()).hexdigest()[:32]


def _oserror_reason(exc: OSError) -> str:
    if isinstance(exc, PermissionError):
        return "permission denied"
    if isinstance(exc, FileNotFoundError):
        return "file disappeared while ingesting"
    if exc.errno == 40:  # ELOOP
        return "symlink loop"
    return exc.strerror or str(exc)


def _walk(path: Path, report: IngestReport) -> Iterator[Path]:
    if not path.exists() and not path.is_symlink():
        report.fail(path, "path does not exist")
        return
    try:
        if not path.is_dir():
            yield path
            return
    except OSError as exc:
        report.fail(path, _oserror_reason(exc))
        return
    seen: set[tuple[int, int]] = set()
    for root, dirs, files in os.walk(path, followlinks=True):
        try:
            st = os.stat(root)
        except OSError as exc:
            report.fail(root, _oserror_reason(exc))
            dirs[:] = []
            continue
        if (st.st_dev, st.st_ino) in seen:  # a directory symlink loop: each folder once
            report.skipped.append({"path": root, "reason": "symlink loop (folder already visited)"})
            dirs[:] = []
            continue
        seen.add((st.st_dev, st.st_ino))
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if not name.startswith("."):
                yield Path(root) / name


def cjk_share(text: str) -> float:
    """Share of CJK ideographs/kana/hangul among the letters of ``text``."""
    cjk = letters = 0
    for ch in text:
        if ch.isalpha():
            letters += 1
            if "\u3040" <= ch <= "\u30ff" or "\u3400" <= ch <= "\u9fff" or "\uac00" <= ch <= "\ud7af":
                cjk += 1
    return cjk / letters if letters else 0.0


def detect_analyzer(files: list[Path], sample: int = 5) -> str:
    """``jieba`` when the first documents to be ingested are mostly Chinese (or Japanese/Korean), else ``standard``.

    Reads at most ``sample`` supported files (2 MB each); an unreadable file just does not count.
    """
    texts = []
    for path in [f for f in files if supported(f)][:sample]:
        try:
            with path.open("rb") as fh:
                data = fh.read(2 * 1024 * 1024)
            doc = load(path, data)
        except Exception:  # detection only: the ingest itself reports the file's error
            continue
        texts.append(" ".join(s.text for s in doc.sections)[:20000])
    return "jieba" if texts and cjk_share(" ".join(texts)) > 0.3 else "standard"


def _under(source: str, roots: list[Path]) -> bool:
    src = Path(source)
    return any(src == r or r in src.parents for r in roots)


def ingest_paths(
    pipeline: Pipeline,
    paths: Iterable[str | Path],
    on_file: Callable[[Path, str], None] | None = None,
    sync: bool = False,
    progress: Progress | None = None,
) -> IngestReport:
    """Ingest files and folders into the configured embedder's collection.

    With ``sync``, documents stored from under the given paths whose files are gone are deleted.
    """
    start = time.perf_counter()
    report = IngestReport()
    settings = pipeline.settings
    embedder = pipeline.embedder
    store = pipeline.store
    roots = [Path(p).expanduser() for p in paths]
    files: list[Path] = []
    for root in roots:
        files.extend(_walk(root, report))
    analyzer: str = settings.retrieval.analyzer
    if analyzer == "auto" and not store.exists(pipeline.collection):
        analyzer = detect_analyzer(files)
    report.collection = collection = pipeline.open_collection(create=True, analyzer=analyzer)
    prefix_tokens = (
        embedder.count_tokens(settings.embedder.passage_prefix) if settings.embedder.passage_prefix else 0
    )
    size, warning = effective_chunk_size(settings.chunking.chunk_size, embedder.max_tokens, prefix_tokens)
    if warning:
        report.warnings.append(warning)
    max_bytes = settings.ingest.max_file_mb * 1024 * 1024
    bar: Progress = progress or _NoProgress()

    def notify(path: Path, status: str, chunks: int = 0) -> None:
        if on_file:
            on_file(path, status)
        bar.file_done(path, status, chunks)

    stored = store.documents(collection)
    bar.start(len(files))

    # Plan: which files need work. Same size+mtime as a complete stored version: no read at all.
    jobs: list[_Job] = []
    seen_ids: set[str] = set()
    for path in files:
        if not supported(path):
            report.skipped.append(
                {"path": str(path), "reason": f"unsupported type {path.suffix or '(none)'}"}
            )
            notify(path, "skipped")
            continue
        try:
            st = path.stat()
            doc_id = doc_id_for(path)
            if doc_id in seen_ids:
                continue
            seen_ids.add(doc_id)
            if st.st_size > max_bytes:
                raise IngestError(
                    f"{st.st_size / 1048576:.1f} MB is over ingest.max_file_mb ({settings.ingest.max_file_mb:g} MB)"
                )
            prev = stored.get(doc_id)
            if prev and prev.complete() and prev.size == st.st_size and prev.mtime == int(st.st_mtime):
                report.unchanged += 1
                notify(path, "unchanged")
                continue
            data = path.read_bytes()
            content_hash = hashlib.sha256(data).hexdigest()
            if prev and prev.complete(content_hash):
                report.unchanged += 1
                notify(path, "unchanged")
                continue
            jobs.append(_Job(path, doc_id, content_hash, st.st_size, int(st.st_mtime), prev))
        except IngestError as exc:
            report.fail(path, exc.message.removeprefix(f"{path}: "))
            notify(path, "failed")
        except OSError as exc:
            report.fail(path, _oserror_reason(exc))
            notify(path, "failed")

    if jobs:  # the tokenizer (and the model weights) load only when there is something to embed
        chunker = Chunker(size, settings.chunking.chunk_overlap, embedder.token_counter())
        _process(pipeline, collection, chunker, jobs, report, notify)

    if sync:
        gone = [
            s for s in stored.values()
            if s.doc_id not in seen_ids and _under(s.source, roots) and not Path(s.source).exists()
        ]  # fmt: skip
        for state in gone:
            store.delete_document(collection, state.doc_id)
            report.deleted += 1
            notify(Path(state.source), "deleted")
    bar.finish()
    report.seconds = time.perf_counter() - start
    return report


def _read(job: _Job, chunker: Chunker) -> _Job:
    """Load and chunk one file (runs on the reader thread). The file is re-read and re-hashed,
    so a file that changed after planning is ingested as its current content."""
    try:
        data = job.path.read_bytes()
        job.content_hash = hashlib.sha256(data).hexdigest()
        job.size = len(data)
        job.doc = load(job.path, data)
        job.chunks = chunker.split(job.doc)
        if not job.chunks:
            job.error = "no text found"
    except IngestError as exc:
        job.error = exc.message.removeprefix(f"{job.path}: ")
    except OSError as exc:
        job.error = _oserror_reason(exc)
    except Exception as exc:  # a loader bug must not stop the other files
        job.error = f"{type(exc).__name__}: {exc}"
    return job


def _process(
    pipeline: Pipeline,
    collection: str,
    chunker: Chunker,
    jobs: list[_Job],
    report: IngestReport,
    notify: Callable[[Path, str, int], None],
) -> None:
    ready: queue.Queue[_Job | None] = queue.Queue(maxsize=READ_AHEAD)
    stop = threading.Event()

    def reader() -> None:
        for job in jobs:
            if stop.is_set():
                break
            ready.put(_read(job, chunker))
        ready.put(None)

    thread = threading.Thread(target=reader, name="ingest-reader", daemon=True)
    thread.start()
    pending: list[_Job] = []
    pending_chunks = 0
    try:
        while True:
            job = ready.get()
            if job is not None:
                if job.error:
                    report.fail(job.path, job.error)
                    notify(job.path, "failed", 0)
                    continue
                pending.append(job)
                pending_chunks += len(job.chunks)
            if pending and (job is None or pending_chunks >= pipeline.settings.ingest.encode_batch):
                _embed_and_store(pipeline, collection, pending, report, notify)
                pending, pending_chunks = [], 0
            if job is None:
                break
    finally:
        stop.set()
        while thread.is_alive():  # unblock the reader if it waits on a full queue
            try:
                ready.get_nowait()
            except queue.Empty:
                thread.join(timeout=0.1)


def _embed_and_store(
    pipeline: Pipeline,
    collection: str,
    jobs: list[_Job],
    report: IngestReport,
    notify: Callable[[Path, str, int], None],
) -> None:
    texts = [c.embed_text for job in jobs for c in job.chunks]
    vectors = pipeline.embedder.embed_passages(texts)
    now = int(time.time())
    offset = 0
    for job in jobs:
        n = len(job.chunks)
        vecs, offset = vectors[offset : offset + n], offset + n
        assert job.doc is not None
        meta = [
            {
                "id": chunk_id(job.doc_id, job.content_hash, c.index),
                "doc_id": job.doc_id,
                "source": str(job.path.resolve()),
                "title": job.doc.title[:1000],
                "page": c.page if c.page is not None else -1,
                "heading": c.heading[:2000],
                "chunk": c.index,
                "content_hash": job.content_hash,
                "mtime": job.mtime,
                "size": job.size,
                "n_chunks": n,
                "ingested_at": now,
            }
            for c in job.chunks
        ]
        # The stored text is the chunk; its heading path (embedded with it) has its own field.
        pipeline.store.upsert(collection, rows_for([c.text for c in job.chunks], vecs, meta))
        # New version first, old versions after: an interrupted run never loses the document.
        prev = job.previous
        if prev and set(prev.counts) - {job.content_hash}:
            pipeline.store.delete_document(collection, job.doc_id, except_hash=job.content_hash)
        report.chunks += n
        job.doc, job.chunks = None, []  # done: keep memory flat however large the corpus
        if prev is None:
            report.added += 1
            notify(job.path, "added", n)
        else:
            report.updated += 1
            notify(job.path, "updated", n)
