"""Loaders run in a worker process with a time and a memory limit, so one file cannot hang or kill the app.

:class:`LoaderProcess` wraps :func:`ingest.formats.load` (any format the registry knows, present or
future): the file's bytes go to a child process (:mod:`ingest.loader_worker`) that caps its own
address space (``ingest.loader_memory_mb``) and reads them; if no answer comes within
``ingest.loader_timeout`` seconds the child is killed and the next file gets a fresh one. One
worker serves a whole ingest run (starting one costs ~0.1 s), so the run keeps its speed.

A file over a limit, or one that crashes the loader, becomes an :class:`IngestError` naming the
limit: the indexer reports it with its path and ingests the rest.

>>> with LoaderProcess(timeout=60, memory_mb=2048) as loader:      # doctest: +SKIP
...     doc = loader.load(path, path.read_bytes())
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

from ingest.loader_worker import DEFAULT_TARGET, FRAME_HEAD, READY, frame_length, write_frame
from ingest.loaders.base import DEFAULT_OPTIONS, Attachment, LoadedDocument, LoadOptions, Section
from rag_app.errors import IngestError

STARTUP_TIMEOUT = 60.0  # seconds for a worker to start (Python and the registry), not counted per file


class _TimedOut(Exception):
    pass


class LoaderProcess:
    """A worker process that loads files one at a time under a time and a memory limit.

    ``target`` (``module:function``) is what the worker calls; tests point it at their own functions.
    Not thread-safe: one caller (the indexer's reader thread) at a time.
    """

    def __init__(self, timeout: float, memory_mb: int, target: str = DEFAULT_TARGET) -> None:
        self.timeout = timeout
        self.memory_mb = memory_mb
        self.target = target
        self._proc: subprocess.Popen[bytes] | None = None
        self.started = 0  # workers started so far (a fresh one after each kill)

    def __enter__(self) -> LoaderProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None and self._proc.poll() is None else None

    def _worker(self, path: Path) -> subprocess.Popen[bytes]:
        """The running worker, or a fresh one that has said it is ready (its start-up is not
        counted against a file's time limit)."""
        if self._proc is not None and self._proc.poll() is None:
            return self._proc
        cmd = [
            sys.executable, "-m", "ingest.loader_worker", "--memory-mb", str(self.memory_mb),
            "--alarm", str(math.ceil(self.timeout) + 5), "--target", self.target,
        ]  # fmt: skip
        # Its own session: Ctrl-C in the terminal is for the parent; the worker leaves when its
        # input closes (the parent is gone) or, stuck in a loader, when its alarm fires.
        self._proc = subprocess.Popen(
            cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0, start_new_session=True
        )
        self.started += 1
        assert self._proc.stdout is not None
        try:
            ready = self._reply(self._proc.stdout.fileno(), time.monotonic() + STARTUP_TIMEOUT)
        except _TimedOut:
            ready = None
        if ready != READY:
            code = self._kill()
            raise IngestError(
                f"{path}: the worker process that reads files did not start (exit code {code}); "
                f"is ingest.loader_memory_mb ({self.memory_mb}) too low?"
            )
        return self._proc

    def load(self, path: Path, data: bytes, options: LoadOptions = DEFAULT_OPTIONS) -> LoadedDocument:
        """The document in ``data`` as :func:`ingest.formats.load` reads it, or an :class:`IngestError`.

        The time limit runs from the request, and again from each page OCR reports (a long scan is
        slow, not stuck); ``options.on_ocr_page`` hears those pages here.
        """
        proc = self._worker(path)
        assert proc.stdin is not None and proc.stdout is not None
        fields = {
            "ocr": options.ocr,
            "ocr_languages": options.ocr_languages,
            "ocr_dpi": options.ocr_dpi,
            "ocr_workers": options.ocr_workers,
        }
        attachments: list[Attachment] = []
        try:
            write_frame(proc.stdin, json.dumps({"path": str(path), "options": fields}).encode())
            write_frame(proc.stdin, data)
            while True:
                reply = self._reply(proc.stdout.fileno(), time.monotonic() + self.timeout)
                progress = json.loads(reply).get("progress") if reply is not None else None
                if progress is None:
                    break
                if options.on_ocr_page is not None:
                    options.on_ocr_page(int(progress[0]), int(progress[1]))
            if reply is not None:
                for name in json.loads(reply).get("attachments") or []:
                    blob = self._reply(proc.stdout.fileno(), time.monotonic() + self.timeout)
                    if blob is None:
                        reply = None
                        break
                    attachments.append(Attachment(str(name), blob))
        except _TimedOut:
            self._kill()
            raise IngestError(
                f"{path}: reading it took longer than {self.timeout:g} s (ingest.loader_timeout); "
                "it was stopped and skipped"
            ) from None
        except OSError:  # the worker died before reading the whole request
            reply = None
        if reply is None:
            raise IngestError(f"{path}: {self._death()}")
        answer = json.loads(reply)
        if "error" not in answer:
            sections = [
                Section(text, page=page, heading=heading, ocr=bool(ocr))
                for text, page, heading, ocr in answer["sections"]
            ]
            return LoadedDocument(
                path, answer["title"], sections, attachments, list(answer.get("warnings") or [])
            )
        if answer.get("kind") == "memory":
            self._kill()
            raise IngestError(f"{path}: {self._memory_reason()}")
        message = str(answer["error"])
        fix = answer.get("fix")
        raise IngestError(message if message.startswith(str(path)) else f"{path}: {message}", fix=fix)

    def _reply(self, fd: int, deadline: float) -> bytes | None:
        head = self._read(fd, FRAME_HEAD, deadline)
        return None if head is None else self._read(fd, frame_length(head), deadline)

    @staticmethod
    def _read(fd: int, size: int, deadline: float) -> bytes | None:
        """``size`` bytes from ``fd`` by ``deadline`` (else :class:`_TimedOut`); None at end of file."""
        buf = bytearray()
        while len(buf) < size:
            left = deadline - time.monotonic()
            if left <= 0:
                raise _TimedOut
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                continue
            chunk = os.read(fd, min(size - len(buf), 1 << 20))
            if not chunk:
                return None
            buf += chunk
        return bytes(buf)

    def _memory_reason(self) -> str:
        return f"reading it needed more than {self.memory_mb} MB of memory (ingest.loader_memory_mb); it was skipped"

    def _death(self) -> str:
        """Why the worker is gone, in words (it is reaped here; the next file starts a fresh one)."""
        code = self._kill()
        if code == -signal.SIGALRM:
            return f"reading it took longer than {self.timeout:g} s (ingest.loader_timeout); it was skipped"
        if code is not None and code < 0:
            name = signal.Signals(-code).name
            return (
                f"the loader crashed ({name}) while reading it, possibly out of memory "
                f"(ingest.loader_memory_mb: {self.memory_mb}); it was skipped"
            )
        return f"the loader exited (code {code}) while reading it; it was skipped"

    def _kill(self) -> int | None:
        """Kill the worker (if it still runs), reap it and close its pipes; its exit code."""
        proc, self._proc = self._proc, None
        if proc is None:
            return None
        if proc.poll() is None:
            proc.kill()
        code = proc.wait()
        for stream in (proc.stdin, proc.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()
        return code

    def close(self) -> None:
        """Let the worker finish (its input closes) or kill it after a second."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.stdin is not None:
            with contextlib.suppress(OSError):
                proc.stdin.close()
        try:
            proc.wait(timeout=1)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()
