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
- Limits: files are read in a worker process (:class:`~ingest.loader_process.LoaderProcess`) with
  ``ingest.loader_timeout`` and ``ingest.loader_memory_mb``: a file that hangs or explodes a
  loader is reported and skipped, the rest ingests.
- Sync never empties the index by accident: a root that is missing (an unmounted drive), or an
  empty folder the index holds documents from, stops the run before anything is deleted.

>>> indexer = build_indexer(pipeline.components)          # doctest: +SKIP
>>> indexer.ingest(["~/docs"], sync=True).as_dict()       # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import hashlib
import queue
import threading
import time
from collections.abc import Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path

from ingest.chunker import Chunk, Chunker, effective_chunk_size
from ingest.formats import supported
from ingest.ids import chunk_id, doc_id_for
from ingest.language import analyzer_for, sample_files
from ingest.loader_process import LoaderProcess
from ingest.loaders.base import LoadedDocument
from ingest.report import IngestReport
from ingest.walk import oserror_reason, walk
from rag_app.collection import Collection
from rag_app.components.embedders.coverage import documents_warning, switch_fix
from rag_app.errors import IngestError, RagError
from rag_app.language import measure
from rag_app.pipeline import Components
from rag_app.progress import NoProgress, Progress, Step
from rag_app.settings import Settings
from rag_app.store import DocState, MilvusStore, rows_for

READ_AHEAD = 16  # files loaded and chunked ahead of the encoder
LANGUAGE_SAMPLE = 400  # chunks of a run whose language is checked against the embedder's


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


def _under(source: str, roots: list[Path]) -> bool:
    """Whether ``source`` (stored resolved) is one of ``roots`` or inside one, however they were spelled."""
    src = Path(source)
    resolved = [r.resolve() for r in roots]
    return any(src == r or r in src.parents for r in resolved)


def _check_roots_exist(roots: list[Path]) -> None:
    """With sync, a missing root would delete every document under it: refuse instead."""
    missing = [r for r in roots if not r.exists()]
    if missing:
        names = ", ".join(str(r) for r in missing)
        raise RagError(
            f"{names} does not exist, so --sync would remove every document ingested from it; "
            "nothing was changed.",
            fix="Mount the drive or correct the path and run again (without --sync, the other paths "
            "ingest and the missing one is only reported).",
        )


def _check_not_emptied(roots: list[Path], found: dict[Path, int], stored: dict[str, DocState]) -> None:
    """An empty folder the index holds documents from looks like an unmounted drive's mount point."""
    for root in roots:
        held = sum(1 for s in stored.values() if _under(s.source, [root.resolve()]))
        if root.is_dir() and not found.get(root) and held:
            raise RagError(
                f"{root} is empty but the index holds {held} documents from it, so --sync would remove "
                "them all; nothing was changed.",
                fix="Mount the drive and run again. To remove those documents on purpose, delete them "
                "in the UI's Documents tab (or DELETE /v1/documents/ID).",
            )


class _Run:
    """One run's report and its progress steps (files done out of the files found)."""

    def __init__(self, progress: Progress) -> None:
        self.report = IngestReport()
        self.progress = progress
        self.total = 0
        self.done = 0
        self.texts: list[str] = []  # a sample of the chunks embedded: their language is checked

    def notify(self, path: Path | str, status: str, chunks: int = 0) -> None:
        if status != "deleted":
            self.done += 1
        self.progress.update(
            Step("ingest", self.done, self.total, item=str(path), status=status, units=chunks)
        )

    def fail(self, path: Path | str, reason: str) -> None:
        self.report.fail(path, reason)
        self.notify(path, "failed")


class Indexer:
    """Adds, updates and (with ``sync``) removes documents in the configured embedder's collection.

    A new collection gets its BM25 tokenizer (``retrieval.analyzer: auto``) and, with
    ``embedder.provider: auto``, its embedder from the language of a sample of the files.
    """

    def __init__(self, settings: Settings, store: MilvusStore, collection: Collection) -> None:
        self._settings = settings
        self._store = store
        self._collection = collection

    def ingest(
        self,
        paths: Iterable[str | Path],
        sync: bool = False,
        progress: Progress | None = None,
        write_lock: AbstractContextManager[object] | None = None,
    ) -> IngestReport:
        """Ingest files and folders. With ``sync``, documents stored from under the given paths whose
        files are gone are deleted (a missing or emptied root is refused: :class:`RagError`).

        ``write_lock`` is held around each write to the index only (not while files load or embed),
        so a caller's other writers (the UI's delete) wait for one batch at most.
        """
        start = time.perf_counter()
        run = _Run(progress or NoProgress())
        report = run.report
        settings = self._settings
        writing = write_lock or contextlib.nullcontext()
        roots = [Path(p).expanduser() for p in paths]
        if sync:
            _check_roots_exist(roots)
        files: list[Path] = []
        found: dict[Path, int] = {}
        for root in roots:
            before = len(files) + len(report.skipped)
            files.extend(walk(root, report))
            found[root] = len(files) + len(report.skipped) - before
        analyzer: str = settings.retrieval.analyzer
        mix = None
        if not self._collection.exists():  # a new collection: its embedder (auto) and tokenizer
            limits = settings.ingest
            # Sampled in the loader's worker too (a short limit: it only measures the language).
            with LoaderProcess(min(limits.loader_timeout, 10), limits.loader_memory_mb) as loader:
                mix = sample_files(files, load_fn=loader.load)
        with writing:
            if mix is not None and not self._collection.exists():
                self._collection.decide(mix)
                if analyzer == "auto":
                    analyzer = analyzer_for(mix)
            report.collection = collection = self._collection.open(create=True, analyzer=analyzer)
        stored = self._store.documents(collection)
        if sync:
            _check_not_emptied(roots, found, stored)
        run.total = len(files)
        run.progress.update(Step("ingest", 0, run.total))
        seen_ids: set[str] = set()
        jobs = self._plan(files, stored, seen_ids, run)
        if jobs:  # the tokenizer (and the model weights) load only when there is something to embed
            self._process(collection, jobs, run, writing)
            self._check_language(run)
        if sync:
            # Sources are stored resolved: compare with resolved roots (relative, via symlinks).
            resolved = [r.resolve() for r in roots]
            gone = [
                s for s in stored.values()
                if s.doc_id not in seen_ids and _under(s.source, resolved) and not Path(s.source).exists()
            ]  # fmt: skip
            for state in gone:
                with writing:
                    self._store.delete_document(collection, state.doc_id)
                report.deleted += 1
                run.notify(Path(state.source), "deleted")
        report.seconds = time.perf_counter() - start
        return report

    def _plan(
        self, files: list[Path], stored: dict[str, DocState], seen_ids: set[str], run: _Run
    ) -> list[_Job]:
        """Which files need work. Same size+mtime as a complete stored version: no read at all."""
        report = run.report
        max_mb = self._settings.ingest.max_file_mb
        jobs: list[_Job] = []
        for path in files:
            if not supported(path):
                report.skipped.append(
                    {"path": str(path), "reason": f"unsupported type {path.suffix or '(none)'}"}
                )
                run.notify(path, "skipped")
                continue
            try:
                st = path.stat()
                doc_id = doc_id_for(path)
                if doc_id in seen_ids:
                    continue
                seen_ids.add(doc_id)
                if st.st_size > max_mb * 1024 * 1024:
                    raise IngestError(
                        f"{st.st_size / 1048576:.1f} MB is over ingest.max_file_mb ({max_mb:g} MB)"
                    )
                prev = stored.get(doc_id)
                if prev and prev.complete() and prev.size == st.st_size and prev.mtime == int(st.st_mtime):
                    report.unchanged += 1
                    run.notify(path, "unchanged")
                    continue
                content_hash = hashlib.sha256(path.read_bytes()).hexdigest()
                if prev and prev.complete(content_hash):
                    report.unchanged += 1
                    run.notify(path, "unchanged")
                    continue
                jobs.append(_Job(path, doc_id, content_hash, st.st_size, int(st.st_mtime), prev))
            except IngestError as exc:
                run.fail(path, exc.message.removeprefix(f"{path}: "))
            except OSError as exc:
                run.fail(path, oserror_reason(exc))
        return jobs

    def _check_language(self, run: _Run) -> None:
        """Warn when much of what was embedded is in a language the embedder was not trained for."""
        emb = self._collection.embedder
        if emb.coverage != "english" or not run.texts:
            return
        warning = documents_warning(emb.model_name, measure(run.texts), "the text ingested in this run")
        if warning:
            explicit = "model" in self._settings.embedder.model_fields_set
            run.report.warnings.append(f"{warning} Fix: {switch_fix(explicit)}")

    def _chunker(self, run: _Run) -> Chunker:
        emb, cfg = self._collection.embedder, self._settings
        prefix = emb.count_tokens(cfg.embedder.passage_prefix) if cfg.embedder.passage_prefix else 0
        size, warning = effective_chunk_size(cfg.chunking.chunk_size, emb.max_tokens, prefix)
        if warning:
            run.report.warnings.append(warning)
        return Chunker(size, cfg.chunking.chunk_overlap, emb.token_counter())

    def _process(
        self, collection: str, jobs: list[_Job], run: _Run, writing: AbstractContextManager[object]
    ) -> None:
        chunker = self._chunker(run)
        ready: queue.Queue[_Job | None] = queue.Queue(maxsize=READ_AHEAD)
        stop = threading.Event()
        limits = self._settings.ingest

        def reader() -> None:
            # One worker process for the whole run, replaced only after a file it had to kill.
            with LoaderProcess(limits.loader_timeout, limits.loader_memory_mb) as loader:
                for job in jobs:
                    if stop.is_set():
                        break
                    ready.put(_read(job, chunker, loader))
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
                        run.fail(job.path, job.error)
                        continue
                    pending.append(job)
                    pending_chunks += len(job.chunks)
                if pending and (job is None or pending_chunks >= self._settings.ingest.encode_batch):
                    self._embed_and_store(collection, pending, run, writing)
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
        self, collection: str, jobs: list[_Job], run: _Run, writing: AbstractContextManager[object]
    ) -> None:
        texts = [c.embed_text for job in jobs for c in job.chunks]
        vectors = self._collection.embedder.embed_passages(texts)
        room = LANGUAGE_SAMPLE - len(run.texts)
        if room > 0:
            run.texts.extend([c.text for job in jobs for c in job.chunks][:room])
        with writing:
            self._store_batch(collection, jobs, vectors, run)

    def _store_batch(self, collection: str, jobs: list[_Job], vectors: list[list[float]], run: _Run) -> None:
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
            self._store.upsert(collection, rows_for([c.text for c in job.chunks], vecs, meta))
            # New version first, old versions after: an interrupted run never loses the document.
            prev = job.previous
            if prev and set(prev.counts) - {job.content_hash}:
                self._store.delete_document(collection, job.doc_id, except_hash=job.content_hash)
            run.report.chunks += n
            job.doc, job.chunks = None, []  # done: keep memory flat however large the corpus
            if prev is None:
                run.report.added += 1
                run.notify(job.path, "added", n)
            else:
                run.report.updated += 1
                run.notify(job.path, "updated", n)


def _read(job: _Job, chunker: Chunker, loader: LoaderProcess) -> _Job:
    """Load (in the worker process) and chunk one file (runs on the reader thread). The file is
    re-read and re-hashed, so a file that changed after planning is ingested as its current content."""
    try:
        data = job.path.read_bytes()
        job.content_hash = hashlib.sha256(data).hexdigest()
        job.size = len(data)
        job.doc = loader.load(job.path, data)
        job.chunks = chunker.split(job.doc)
        if not job.chunks:
            job.error = "no text found"
    except IngestError as exc:
        job.error = exc.message.removeprefix(f"{job.path}: ")
    except OSError as exc:
        job.error = oserror_reason(exc)
    except Exception as exc:  # a loader bug must not stop the other files
        job.error = f"{type(exc).__name__}: {exc}"
    return job


def build_indexer(components: Components) -> Indexer:
    """An :class:`Indexer` on the same store and collection (and so embedder) as a pipeline's components."""
    return Indexer(components.settings, components.store, components.collection)
