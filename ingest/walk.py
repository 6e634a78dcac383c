"""Which files a run covers: folders walked (symlink loops once), ids from absolute paths, OS errors in words."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

from ingest.report import IngestReport


def doc_id_for(path: Path) -> str:
    return hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:32]


def chunk_id(doc_id: str, content_hash: str, index: int) -> str:
    return hashlib.sha256(f"{doc_id}:{content_hash}:{index}".encode()).hexdigest()[:32]


def oserror_reason(exc: OSError) -> str:
    if isinstance(exc, PermissionError):
        return "permission denied"
    if isinstance(exc, FileNotFoundError):
        return "file disappeared while ingesting"
    if exc.errno == 40:  # ELOOP
        return "symlink loop"
    return exc.strerror or str(exc)


def walk(path: Path, report: IngestReport) -> Iterator[Path]:
    if not path.exists() and not path.is_symlink():
        report.fail(path, "path does not exist")
        return
    try:
        if not path.is_dir():
            yield path
            return
    except OSError as exc:
        report.fail(path, oserror_reason(exc))
        return
    seen: set[tuple[int, int]] = set()
    for root, dirs, files in os.walk(path, followlinks=True):
        try:
            st = os.stat(root)
        except OSError as exc:
            report.fail(root, oserror_reason(exc))
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
