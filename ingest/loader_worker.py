"""The child side of :mod:`ingest.loader_process`: reads files with a loader, under limits.

Run as ``python -m ingest.loader_worker --memory-mb N --alarm S``. It caps its own address space
(``RLIMIT_AS``) before importing any loader, says it is ready, then answers requests until its
input closes: each
request is a JSON header (``{"path": ..., "options": {the LoadOptions fields}}``) and the file's
bytes. While a loader OCRs, progress frames ``{"progress": [done, total]}`` come first; then one
reply: ``{"title", "sections": [[text, page, heading, ocr], ...], "warnings": [...],
"attachments": [name, ...]}`` followed by one frame of bytes per attachment, or
``{"error": ..., "kind": ...}`` (``kind``: ``ingest`` for a reason the loader gave, ``memory``
when the limit was hit, ``bug`` for any other exception). Frames are an 8-byte big-endian length
and the payload. JSON, not pickle: what comes back from a hostile file is data, never code.

An alarm set before each file (and again at each OCR'd page) ends this process if its parent
(which enforces the limit) is gone and the loader is stuck.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import json
import os
import resource
import signal
import struct
import sys
from collections.abc import Callable
from pathlib import Path
from typing import IO

from ingest.loaders.base import LoadedDocument, LoadOptions
from rag_app.errors import IngestError

_LENGTH = struct.Struct("!Q")
DEFAULT_TARGET = "ingest.formats:load"
READY = b"ready"  # the first frame: limits set, loader imported


def write_frame(stream: IO[bytes], payload: bytes) -> None:
    stream.write(_LENGTH.pack(len(payload)))
    stream.write(payload)
    stream.flush()


def read_frame(stream: IO[bytes]) -> bytes | None:
    """The next frame, or None at the end of the input."""
    head = stream.read(_LENGTH.size)
    if len(head) < _LENGTH.size:
        return None
    (size,) = _LENGTH.unpack(head)
    payload = stream.read(size)
    return payload if len(payload) == size else None


def frame_length(head: bytes) -> int:
    return int(_LENGTH.unpack(head)[0])


FRAME_HEAD = _LENGTH.size


Load = Callable[[Path, bytes, LoadOptions], LoadedDocument]


def _target(spec: str) -> Load:
    module, _, name = spec.partition(":")
    function = getattr(importlib.import_module(module), name)
    if len(inspect.signature(function).parameters) >= 3:
        return function  # type: ignore[no-any-return,unused-ignore]
    return lambda path, data, options: function(path, data)  # a test's target without options


def _reply(
    load: Load, path: Path, data: bytes, options: LoadOptions
) -> tuple[dict[str, object], list[bytes]]:
    try:
        doc = load(path, data, options)
        reply: dict[str, object] = {
            "title": doc.title,
            "sections": [[s.text, s.page, s.heading, s.ocr] for s in doc.sections],
            "warnings": doc.warnings,
            "attachments": [a.name for a in doc.attachments],
        }
        return reply, [a.data for a in doc.attachments]
    except IngestError as exc:
        return {"error": exc.message, "kind": "ingest", "fix": exc.fix}, []
    except MemoryError:
        return {"error": "out of memory", "kind": "memory"}, []
    except RecursionError:
        return {"error": "the document is nested too deeply to read", "kind": "ingest"}, []
    except Exception as exc:  # a loader bug: reported for this file, the next one still loads
        return {"error": f"{type(exc).__name__}: {exc}", "kind": "bug"}, []


def serve(memory_mb: int, alarm: int, target: str = DEFAULT_TARGET) -> int:
    """Answer requests on stdin/stdout until stdin closes."""
    limit = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    # The protocol gets private copies of stdin/stdout; whatever a library prints goes to stderr.
    requests = os.fdopen(os.dup(0), "rb")
    replies = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    sys.stdout = sys.stderr
    load = _target(target)
    write_frame(replies, READY)
    while True:
        try:
            header = read_frame(requests)
            data = read_frame(requests) if header is not None else None
        except MemoryError:
            write_frame(replies, json.dumps({"error": "out of memory", "kind": "memory"}).encode())
            return 1
        if header is None or data is None:
            return 0
        request = json.loads(header)
        path = Path(request["path"])

        def on_page(done: int, total: int) -> None:
            signal.alarm(alarm)  # progress: this file is not stuck
            write_frame(replies, json.dumps({"progress": [done, total]}).encode())

        options = LoadOptions(**request.get("options", {}), on_ocr_page=on_page)
        signal.alarm(alarm)
        reply, attachments = _reply(load, path, data, options)
        signal.alarm(0)
        del data
        write_frame(replies, json.dumps(reply).encode())
        for blob in attachments:
            write_frame(replies, blob)
        if reply.get("kind") == "memory":
            return 1  # the heap may be in pieces: the parent starts a fresh worker


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Read documents for rag ingest under limits.")
    parser.add_argument("--memory-mb", type=int, required=True)
    parser.add_argument("--alarm", type=int, required=True, help="Seconds per file before exiting.")
    parser.add_argument("--target", default=DEFAULT_TARGET, help="module:function to call.")
    args = parser.parse_args(argv)
    return serve(args.memory_mb, args.alarm, args.target)


if __name__ == "__main__":
    sys.exit(main())
