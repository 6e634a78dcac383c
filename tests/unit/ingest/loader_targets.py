"""Functions the loader worker can be pointed at (``--target``) to misbehave on cue, by file name.

They stand in for a loader that hangs, allocates without end, or crashes the interpreter, so the
worker's limits are tested whatever the real loaders do today.
"""

from __future__ import annotations

import ctypes
import os
import time
from pathlib import Path

from ingest.formats import load
from ingest.loaders.base import LoadedDocument, Section


def misbehave(path: Path, data: bytes) -> LoadedDocument:
    name = path.name
    if name.startswith("hang"):
        while True:
            time.sleep(1)
    if name.startswith("spin"):  # stuck in C code holding the GIL: only a signal ends it
        import re

        re.match(r"(a+)+$", "a" * 64 + "!")
    if name.startswith("hog"):
        hoard = []
        while True:
            hoard.append(bytearray(16 * 1024 * 1024))
    if name.startswith("segfault"):
        ctypes.string_at(0)
    if name.startswith("exit"):
        os._exit(3)
    if name.startswith("bug"):
        raise KeyError("a loader bug")
    if name.startswith("pid"):
        return LoadedDocument(path, str(os.getpid()), [Section("pid")])
    return load(path, data)
