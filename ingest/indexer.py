"""The ingest run: plan from one scan of the index, then load ▸ chunk ▸ embed ▸ upsert.

- Identity: a document is its absolute path; its content hash decides whether it changed.
  Unchanged files (same size and mtime, or same hash) cost no embedding work. A new path with the
  content of a document whose file is gone is that document moved (:mod:`ingest.moves`): its rows
  are rewritten, nothing is embedded. Attachments are documents of their own (:mod:`ingest.jobs`).
- Crash safety: chunk ids derive from (document, content hash, chunk index) and every row carries
  the number of chunks of its version. A new version is written first and the old one deleted
  after, so a run killed at any moment leaves either the old or the new version, or both, or a
  partial new one; the next run sees which (``DocState.complete``) and finishes the job, never
  duplicating or losing a document.
- Speed: a reader thread loads, OCRs and chunks the next files while the encoder works; chunks
  from many files go to the encoder in large batches.
- Limits: files are read in a worker process (:class:`~ingest.loader_process.LoaderProcess`) with
  ``ingest.loader_timeout`` (seconds without progress: OCR reports each page) and
  ``ingest.loader_memory_mb``: a file that hangs or explodes a loader is reported and skipped.
- Sync never empties the index by accident (:mod:`ingest.sync_guard`): a missing root (an
  unmounted drive), or an empty folder the index holds documents from, stops the run first.

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
from pathlib import Path

from ingest.chunker import Chunker, effective_chunk_size
from ingest.formats import supported
from ingest.ids import chunk_id, doc_id_for
from ingest.jobs import Job, read
from ingest.language import NO_OCR, analyzer_for, sample_files
from ingest.loader_process import LoaderProcess
from ingest.loaders.base import LoadOptions
from ingest.moves import Moves, move
from ingest.report import IngestReport
from ingest.sync_guard import check_not_emptied, check_roots_exist, under
from ingest.walk import oserror_reason, walk
from rag_app.collection import Collection
from rag_app.components.embedders.coverage import documents_warning, switch_fix
from rag_app.errors import IngestError
from rag_app.language import measure
from rag_app.pipeline import Components
from rag_app.progress import NoProgress, Progress, Step
from rag_app.settings import IngestSettings, Settings
from rag_app.store import DocState, MilvusStore, rows_for

READ_AHEAD = 16  # files loaded and chunked ahead of the encoder
LANGUAGE_SAMPLE = 400  # chunks of a run whose language is checked against the embedder's


def load_options(settings: IngestSettings, progress: Progress | None = None, item: str = "") -> LoadOptions:
    """The loaders' options from ``ingest.*``; OCR'd pages of ``item`` reported as ``ocr`` steps."""

    def on_page(done: int, total: int) -> None:
        if progress is not None:
            progress.update(Step("ocr", done, total, item=item))

    return LoadOptions(
        ocr=settings.ocr,
        ocr_languages=settings.ocr_languages,
        ocr_dpi=settings.ocr_dpi,
        ocr_workers=settings.ocr_workers,
        on_ocr_page=on_page if progress is not None else None,
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
        stop: threading.Event | None = None,
        write_lock: AbstractContextManager[object] | None = None,
    ) -> IngestReport:
        """Ingest files and folders. With ``sync``, documents stored from under the given paths whose
        files are gone are deleted (a missing or emptied root is refused: :class:`RagError`).
        ``stop`` (set by a signal) ends the run after the current batch.

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
            check_roots_exist(roots)
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
            # Sampled in the loader's worker too (a short limit, no OCR: it only measures the language).
            with LoaderProcess(min(limits.loader_timeout, 10), limits.loader_memory_mb) as loader:
                mix = sample_files(files, load_fn=lambda path, data: loader.load(path, data, NO_OCR))
        with writing:
            if mix is not None and not self._collection.exists():
                self._collection.decide(mix)
                if analyzer == "auto":
                    analyzer = analyzer_for(mix)
            report.collection = collection = self._collection.open(create=True, analyzer=analyzer)
        stored = self._store.documents(collection)
        if sync:
            check_not_emptied(roots, found, stored)
        run.total = len(files)
        run.progress.update(Step("ingest", 0, run.total))
        seen_ids: set[str] = set()
        with writing:  # a moved file's rows are rewritten while planning
            jobs = self._plan(collection, files, stored, seen_ids, run)
        if jobs:  # the tokenizer (and the model weights) load only when there is something to embed
            self._process(collection, jobs, stored, run, stop or threading.Event(), writing)
            self._check_language(run)
        if sync and not (stop and stop.is_set()):
            for state in self._gone(stored, seen_ids, roots):
                with writing:
                    self._store.delete_document(collection, state.doc_id)
                report.deleted += 1
                run.notify(Path(state.source), "deleted")
        report.seconds = time.perf_counter() - start
        return report

    @staticmethod
    def _gone(stored: dict[str, DocState], seen_ids: set[str], paths: list[Path]) -> list[DocState]:
        """Documents whose file is gone from under ``paths``; a part goes with its container."""
        roots = [p.resolve() for p in paths]  # sources are absolute; the paths given may be relative
        gone = [
            s for s in stored.values()
            if not s.parent_id and s.doc_id not in seen_ids and under(s.source, roots) and not Path(s.source).exists()
        ]  # fmt: skip
        gone_ids = {s.doc_id for s in gone}
        for s in stored.values():
            if s.parent_id and s.parent_id not in seen_ids:
                parent = stored.get(s.parent_id)
                container = parent.source if parent else s.source.split("#", 1)[0]
                if s.parent_id in gone_ids or (under(container, roots) and not Path(container).exists()):
                    gone.append(s)
        return gone

    def _plan(
        self, collection: str, files: list[Path], stored: dict[str, DocState], seen_ids: set[str], run: _Run
    ) -> list[Job]:
        """Which files need work. Same size+mtime as a complete stored version: no read at all."""
        report = run.report
        max_mb = self._settings.ingest.max_file_mb
        moves = Moves(stored)
        jobs: list[Job] = []
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
                origin = moves.origin(path, content_hash, seen_ids) if prev is None else None
                if origin is not None:
                    seen_ids.add(origin.doc_id)
                    move(self._store, collection, origin, moves, doc_id, path, int(st.st_mtime))
                    report.moved += 1
                    run.notify(path, "moved")
                    continue
                jobs.append(Job(path, doc_id, content_hash, st.st_size, int(st.st_mtime), prev))
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
        self,
        collection: str,
        jobs: list[Job],
        stored: dict[str, DocState],
        run: _Run,
        stop: threading.Event,
        writing: AbstractContextManager[object],
    ) -> None:
        chunker = self._chunker(run)
        ready: queue.Queue[list[Job] | None] = queue.Queue(maxsize=READ_AHEAD)
        halt = threading.Event()  # the encoder loop has ended: the reader stops too
        limits = self._settings.ingest

        def reader() -> None:
            # One worker process for the whole run, replaced only after a file it had to kill.
            with LoaderProcess(limits.loader_timeout, limits.loader_memory_mb) as loader:
                for job in jobs:
                    if halt.is_set() or stop.is_set():
                        break
                    options = load_options(limits, run.progress, str(job.path))
                    ready.put(read(job, chunker, options, stored, loader.load))
            ready.put(None)

        thread = threading.Thread(target=reader, name="ingest-reader", daemon=True)
        thread.start()
        pending: list[Job] = []
        pending_chunks = 0
        try:
            while True:
                batch = ready.get()
                for job in batch or []:
                    if not self._accept(job, run):
                        continue
                    pending.append(job)
                    pending_chunks += len(job.chunks)
                end = batch is None or stop.is_set()
                if pending and (end or pending_chunks >= self._settings.ingest.encode_batch):
                    self._embed_and_store(collection, pending, stored, run, writing)
                    pending, pending_chunks = [], 0
                if end:
                    break
        finally:
            halt.set()
            while thread.is_alive():  # unblock the reader if it waits on a full queue
                try:
                    ready.get_nowait()
                except queue.Empty:
                    thread.join(timeout=0.1)

    @staticmethod
    def _accept(job: Job, run: _Run) -> bool:
        """Whether a read job goes to the encoder; parts that need nothing are counted here."""
        if job.parent_id and job.status:
            run.total += 1
            if job.status == "unchanged":
                run.report.unchanged += 1
            else:
                run.report.skipped.append(
                    {"path": str(job.path), "reason": "attachment of an unsupported type"}
                )
            run.notify(job.path, job.status)
            return False
        if job.parent_id:
            run.total += 1
        if job.error:
            run.fail(job.path, job.error + (f" ({job.fix})" if job.fix else ""))
            return False
        return True

    def _embed_and_store(
        self,
        collection: str,
        jobs: list[Job],
        stored: dict[str, DocState],
        run: _Run,
        writing: AbstractContextManager[object],
    ) -> None:
        texts = [c.embed_text for job in jobs for c in job.chunks]
        vectors = self._collection.embedder.embed_passages(texts)
        room = LANGUAGE_SAMPLE - len(run.texts)
        if room > 0:
            run.texts.extend([c.text for job in jobs for c in job.chunks][:room])
        with writing:
            self._store_batch(collection, jobs, stored, vectors, run)

    def _store_batch(
        self,
        collection: str,
        jobs: list[Job],
        stored: dict[str, DocState],
        vectors: list[list[float]],
        run: _Run,
    ) -> None:
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
                    "source": job.source,
                    "title": job.doc.title[:1000],
                    "page": c.page if c.page is not None else -1,
                    "heading": c.heading[:2000],
                    "chunk": c.index,
                    "content_hash": job.content_hash,
                    "mtime": job.mtime,
                    "size": job.size,
                    "n_chunks": n,
                    "ingested_at": now,
                    "parent_id": job.parent_id,
                    "ocr": c.ocr,
                }
                for c in job.chunks
            ]
            if job.parts is not None:  # attachments removed from this version of the container go
                for state in stored.values():
                    if state.parent_id == job.doc_id and state.doc_id not in job.parts:
                        self._store.delete_document(collection, state.doc_id)
            # The stored text is the chunk; its heading path (embedded with it) has its own field.
            self._store.upsert(collection, rows_for([c.text for c in job.chunks], vecs, meta))
            # New version first, old versions after: an interrupted run never loses the document.
            prev = job.previous
            if prev and set(prev.counts) - {job.content_hash}:
                self._store.delete_document(collection, job.doc_id, except_hash=job.content_hash)
            run.report.chunks += n
            run.report.warnings.extend(job.doc.warnings)
            job.doc, job.chunks = None, []  # done: keep memory flat however large the corpus
            if prev is None:
                run.report.added += 1
                run.notify(job.path, "added", n)
            else:
                run.report.updated += 1
                run.notify(job.path, "updated", n)


def build_indexer(components: Components) -> Indexer:
    """An :class:`Indexer` on the same store and collection (and so embedder) as a pipeline's components."""
    return Indexer(components.settings, components.store, components.collection)
