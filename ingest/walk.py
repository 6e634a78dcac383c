"""Which files a run covers: folders walked in sorted order (hidden names skipped, symlink loops once), OS errors in words."""

from __future__ import annotations

import errno
import os
from collections.abc import Iterator
from pathlib import Path

from ingest.report import IngestReport


def oserror_reason(exc: OSError) -> str:
    """What went wrong with a file, in words a report can show."""
    if isinstance(exc, PermissionError):
        return "permission denied"
    if isinstance(exc, FileNotFoundError):
        return "file disappeared while ingesting"
    if exc.errno == errno.ELOOP:
        return "symlink loop"
    return exc.strerror or str(exc)


def walk(path: Path, report: IngestReport) -> Iterator[Path]:
    """``path`` itself if it is a file, else every file under it; a missing path or an unreadable or
    already visited folder is recorded in ``report`` instead."""
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
