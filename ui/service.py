"""What the UI and the HTTP API share: the active pipeline, locks, and chat/ingest helpers.

No retrieval logic lives here; it only calls :class:`rag_app.pipeline.Pipeline`.

Concurrency: the local LLM server answers one request at a time well, and the pipeline is not
made for concurrent generation, so every answer (condense ▸ search ▸ generate) runs under one
lock: concurrent chats queue. Ingest runs take turns (an ingest lock); writes to the index (each
ingest batch, each delete) take a write lock held only while they write, so a delete never waits
for files being read or embedded, and a file that hangs its loader is stopped after
``ingest.loader_timeout`` without blocking anything else.

Limits: a request asks for at most :data:`MAX_TOP_K` passages and sends at most
:data:`MAX_MESSAGES` messages; beyond that it is refused with the reason (HTTP 400).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ingest.indexer import Indexer, build_indexer
from ingest.report import IngestReport
from ingest.watch import FolderWatch
from rag_app.answering.answerer import Answer, Message
from rag_app.answering.citations import explicit_citations
from rag_app.collection import settings_for_collection
from rag_app.errors import (
    EndpointUnavailable,
    FileInUse,
    RagError,
    RequestRejected,
    UploadRejected,
    describe,
)
from rag_app.pipeline import Pipeline, build_pipeline
from rag_app.progress import Step
from rag_app.settings import Settings
from rag_app.types import SearchResult
from ui.uploads import is_upload, remove_upload, upload_dir

log = logging.getLogger("rag_app.ui")

MAX_TOP_K = 50  # passages per request (the LLM's context holds far fewer)
MAX_MESSAGES = 200  # messages per chat request (only the last few turns are used to condense)


def check_limits(top_k: int | None = None, messages: int = 0) -> None:
    """Refuse a request over the limits (:class:`RequestRejected`, with what to change)."""
    if top_k is not None and not 1 <= top_k <= MAX_TOP_K:
        raise RequestRejected(
            f"top_k must be between 1 and {MAX_TOP_K} (got {top_k}).",
            fix=f"Ask for at most {MAX_TOP_K} passages.",
        )
    if messages > MAX_MESSAGES:
        raise RequestRejected(
            f"The conversation has {messages} messages; at most {MAX_MESSAGES} are accepted.",
            fix="Send only the recent turns: follow-ups are condensed from the last few exchanges.",
        )


def flatten_content(content: object) -> str:
    """Gradio 6 sends message content as a list of parts; OpenAI clients may too."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, dict):
        if "text" in content:
            return str(content.get("text") or "")
        if "content" in content:
            return flatten_content(content["content"])
        return ""
    if isinstance(content, list | tuple):
        return "".join(flatten_content(part) for part in content)
    return str(content)


def clean_history(history: Sequence[object] | None) -> list[Message]:
    """Previous turns as plain ``{"role", "content"}`` dicts (user/assistant only, text only)."""
    out: list[Message] = []
    for m in history or []:
        if isinstance(m, dict):
            role, content = m.get("role"), m.get("content")
            meta = m.get("metadata") or {}
        else:
            role, content, meta = getattr(m, "role", None), getattr(m, "content", None), {}
        if role not in ("user", "assistant") or (isinstance(meta, dict) and meta.get("title")):
            continue
        text = flatten_content(content).strip()
        if text:
            out.append({"role": str(role), "content": text})
    return out


def error_text(exc: BaseException) -> tuple[str, str | None]:
    """The UI's and the API's one way to turn an exception into a (message, fix) for the user.

    A :class:`RagError` says what happened and what to do; anything else is unexpected: its
    traceback goes to the server log, and the user reads its type and text, never a traceback.
    """
    if not isinstance(exc, RagError):
        log.error("unexpected error in the UI", exc_info=exc)
    return describe(exc)


def http_status(exc: BaseException) -> int:
    """The HTTP status the API answers an error with: 503 when an endpoint (the LLM...) is down,
    409 for a file still in use, 400 for a request refused as sent."""
    if isinstance(exc, EndpointUnavailable):
        return 503
    if isinstance(exc, FileInUse):
        return 409
    if isinstance(exc, RequestRejected | UploadRejected):
        return 400
    return 500


@dataclass
class ChatEvent:
    """One step of a streamed answer: ``text`` so far, then ``done`` with the answer and sources."""

    text: str
    result: SearchResult | None = None
    answer: Answer | None = None
    done: bool = False
    error: tuple[str, str | None] | None = None
    status: int = 200  # HTTP status for the API: 503 when the LLM (or another endpoint) is down


@dataclass
class IngestEvent:
    """Progress of one ingest: files ``done`` of ``total`` (each in ``files``), then the report or error."""

    total: int = 0
    done: int = 0
    files: list[dict[str, Any]] = field(default_factory=list)
    report: dict[str, Any] | None = None
    error: tuple[str, str | None] | None = None
    ocr: str = ""  # the page being read by OCR: "OCR scan.pdf: page 3 / 12"


class _QueueProgress:
    """Ingest steps into the event the UI polls."""

    def __init__(self, event: IngestEvent, changed: threading.Event) -> None:
        self.event = event
        self.changed = changed

    def update(self, step: Step) -> None:
        if step.phase == "ocr":
            name = Path(step.item).name
            self.event.ocr = f"OCR {name}: page {step.done} / {step.total}" if step.done < step.total else ""
        elif step.status and step.status != "deleted":
            self.event.done = step.done
            self.event.total = max(self.event.total, step.total)  # an e-mail's attachments add to it
            self.event.files.append({"path": step.item, "status": step.status, "chunks": step.units})
        elif not step.status:
            self.event.total = step.total
        self.changed.set()


class RagService:
    """The active pipeline and its indexer behind the UI and the API; switches collections.

    ``pipe`` is the pipeline in use (it changes with :meth:`use_collection`).
    """

    def __init__(self, pipeline: Pipeline) -> None:
        self.pipe = pipeline
        self._indexer = build_indexer(pipeline.components)
        self._base_settings = pipeline.settings
        self._answer_lock = threading.Lock()
        self._ingest_lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._open: dict[str, tuple[Pipeline, Indexer]] = {}
        self._watch: tuple[FolderWatch, threading.Event, threading.Thread] | None = None
        self.watch_log: list[str] = []  # what the watched upload folder's syncs did, newest last

    @property
    def settings(self) -> Settings:
        return self.pipe.settings

    # -- collections -------------------------------------------------------------------------
    def collections(self) -> list[dict[str, Any]]:
        out = []
        for info in self.pipe.collections():
            out.append(
                {
                    "name": info.name,
                    "embedder": info.embedder,
                    "dimension": info.dimension,
                    "chunks": info.chunks,
                    "documents": info.documents,
                    "fingerprint": info.fingerprint,
                }
            )
        return out

    def active_collection(self) -> str:
        try:
            if not self.pipe.embedder_chosen:
                return "(none yet: embedder.provider auto chooses at the first upload)"
            return self.pipe.collection
        except Exception as exc:  # the embedder may fail to load: say so, do not crash
            return f"(unavailable: {error_text(exc)[0]})"

    def use_collection(self, name: str) -> str:
        """Switch the app (UI and API) to an existing collection, with the embedder that built it."""
        if name == self.active_collection():
            return name
        if name in self._open:
            self.pipe, self._indexer = self._open[name]
            return name
        info = next((c for c in self.pipe.collections() if c.name == name), None)
        if info is None:
            raise RagError(f"Collection {name!r} does not exist.", fix="Pick one from the list.")
        fp = info.fingerprint
        if not fp:
            raise RagError(f"Collection {name!r} was not built by rag (no embedder fingerprint).")
        components = self.pipe.components.sharing(settings_for_collection(self._base_settings, name, fp))
        components.collection.open(create=False)  # checks the fingerprint
        self._open.setdefault(self.active_collection(), (self.pipe, self._indexer))
        self.pipe, self._indexer = build_pipeline(components), build_indexer(components)
        self._open[name] = (self.pipe, self._indexer)
        return name

    # -- chat ----------------------------------------------------------------------------------
    def chat(
        self, question: str, history: Sequence[object] | None = None, top_k: int | None = None
    ) -> Iterator[ChatEvent]:
        """Stream an answer; errors come back as an event, never as an exception."""
        question = (question or "").strip()
        if not question:
            yield ChatEvent("", done=True, error=("Type a question first.", None), status=400)
            return
        try:
            check_limits(top_k, len(history or []))
        except RequestRejected as exc:
            yield ChatEvent("", done=True, error=error_text(exc), status=400)
            return
        turns = clean_history(history)
        with self._answer_lock:
            pipe = self.pipe
            text = ""
            result: SearchResult | None = None
            try:
                result, tokens = pipe.answer(question, top_k=top_k, history=turns or None)
                yield ChatEvent("", result=result)
                for tok in tokens:
                    text += tok
                    yield ChatEvent(text, result=result)
            except Exception as exc:
                yield ChatEvent(
                    text, result=result, done=True, error=error_text(exc), status=http_status(exc)
                )
                return
        try:
            answer = pipe.finish(question, text, result)
        except Exception as exc:  # the embedder failed: the answer stands, without its evidence
            log.error("grounding failed", exc_info=exc)
            answer = Answer(question, text, result, explicit_citations(text, len(result.passages)))
        yield ChatEvent(text, result=result, answer=answer, done=True)

    def search(self, query: str, top_k: int | None, mode: str | None, rerank: bool = True) -> SearchResult:
        check_limits(top_k)
        return self.pipe.search(query, top_k=top_k, mode=mode, rerank=rerank)

    # -- documents -------------------------------------------------------------------------------
    def documents(self) -> list[dict[str, Any]]:
        return self.pipe.documents()

    def delete(self, doc_id: str, remove_file: bool = False) -> dict[str, Any] | None:
        """Remove a document from the active collection's index; None when it is not there.

        Its file stays: it may be the only copy, and other collections may index it too.
        ``remove_file`` also deletes the file, only when it was uploaded (inside the upload folder)
        and no other collection still indexes it; otherwise nothing is changed
        (:class:`RequestRejected`, :class:`FileInUse`).
        """
        with self._write_lock:
            doc = next((d for d in self.pipe.documents() if d["doc_id"] == doc_id), None)
            if doc is None:
                return None
            if remove_file:
                if not is_upload(doc["source"], self.settings):
                    raise RequestRejected(
                        f"{doc['name']} was not uploaded here ({doc['source']}); only uploaded files are "
                        "deleted by the app.",
                        fix="Delete it from the index only, and remove the file yourself if you want.",
                    )
                others = self.pipe.held_elsewhere(doc_id)
                if others:
                    raise FileInUse(
                        f"{doc['name']} is still indexed by {', '.join(others)}; nothing was deleted.",
                        fix="Delete it from the index only, or first from those collections (Status tab: "
                        "use that collection).",
                    )
            self.pipe.delete_document(doc_id)
            doc["file_removed"] = remove_upload(doc["source"], self.settings) if remove_file else False
            return doc

    def ingest(self, paths: list[Path], sync: bool = False) -> Iterator[IngestEvent]:
        """Ingest in a worker thread; yields the progress as files finish, then the report.

        ``sync``: also delete documents that were ingested from these folders but are gone.
        """
        event = IngestEvent(total=len(paths))
        changed = threading.Event()
        box: dict[str, Any] = {}

        def work() -> None:
            try:
                with self._ingest_lock:
                    report = self._indexer.ingest(
                        list(paths),
                        sync=sync,
                        progress=_QueueProgress(event, changed),
                        write_lock=self._write_lock,
                    )
                box["report"] = report.as_dict()
            except Exception as exc:
                box["error"] = error_text(exc)
            finally:
                changed.set()

        worker = threading.Thread(target=work, name="ui-ingest", daemon=True)
        worker.start()
        last: tuple[int, str] = (-1, "")
        while worker.is_alive():
            changed.wait(0.5)
            changed.clear()
            if (event.done, event.ocr) != last:
                last = (event.done, event.ocr)
                yield event
        worker.join()
        event.report = box.get("report")
        event.error = box.get("error")
        yield event

    # -- the watched upload folder ---------------------------------------------------------------
    def watching(self) -> bool:
        return self._watch is not None

    def watch_status(self) -> str:
        """One line: off, or what the watcher is doing and what its last sync did."""
        if self._watch is None:
            return "Not watching the upload folder."
        state = self._watch[0].state
        now = f"{state[0].upper()}{state[1:]}." if state else "Watching the upload folder: starting."
        last = f" Last change: {self.watch_log[-1]}" if self.watch_log else ""
        return now + last

    def set_watch(self, on: bool) -> str:
        """Start or stop keeping the upload folder in sync (files copied there are ingested by themselves)."""
        if on and self._watch is None:
            stop = threading.Event()
            folder = upload_dir(self.settings)

            def sync(roots: list[Path]) -> IngestReport:
                with self._write_lock:
                    return self._indexer.ingest(roots, sync=True, stop=stop)

            def on_report(report: IngestReport) -> None:
                r = report
                if r.added or r.updated or r.moved or r.deleted or r.failed:
                    failed = (
                        f" ({Path(r.failed[0]['path']).name}: {r.failed[0]['error']})" if r.failed else ""
                    )
                    self.watch_log.append(
                        f"{time.strftime('%H:%M:%S')} {r.added} added, {r.updated} updated, {r.moved} moved, "
                        f"{r.deleted} deleted, {len(r.failed)} failed{failed}"
                    )
                    del self.watch_log[:-20]

            watcher = FolderWatch(
                [folder], sync, stop, self.settings.ingest.watch_settle, on_report=on_report
            )
            thread = threading.Thread(target=self._run_watch, args=(watcher,), name="ui-watch", daemon=True)
            self._watch = (watcher, stop, thread)
            thread.start()
        elif not on and self._watch is not None:
            _, stop, thread = self._watch
            stop.set()
            thread.join(timeout=10)
            self._watch = None
        return self.watch_status()

    def _run_watch(self, watcher: FolderWatch) -> None:
        try:
            watcher.run()
        except Exception as exc:  # reported in the status line; the UI keeps working
            self.watch_log.append(f"stopped: {error_text(exc)[0]}")
            self._watch = None
