"""Which Milvus Lite wrote an index path, checked before opening it.

Milvus Lite 2.5 (C++, the one rag-app installs) keeps an index in one SQLite file; Milvus Lite 3
(pure Python) keeps it in a folder. Neither reads the other's, and opening the wrong one would fail
obscurely or look like an empty index. So a mismatch is refused with the way out, and nothing at
the path is touched.
"""

from __future__ import annotations

import fcntl
import re
from importlib import metadata
from pathlib import Path

from rag_app.errors import StoreError

SQLITE_MAGIC = b"SQLite format 3\x00"
NAME_RULE = re.compile(r"^[A-Za-z0-9.\-_]{1,36}$")


def engine_major() -> int | None:
    """Major version of the installed Milvus Lite (None when it is not installed)."""
    try:
        return int(metadata.version("milvus-lite").split(".")[0])
    except (metadata.PackageNotFoundError, ValueError):
        return None


def _moved_aside(db: Path, tag: str) -> str:
    return (
        f"Re-ingest into a fresh index: move the old one aside (`mv {db} {db}.{tag}`) and run "
        "`rag ingest PATH` on your documents again (they are read from disk; the index only holds "
        "their chunks). Or point milvus.uri at another file."
    )


def check_lite_path(db: Path, major: int | None = None) -> None:
    """Refuse ``db`` when the installed Milvus Lite cannot use it; silent when it can (or it is new)."""
    major = engine_major() if major is None else major
    if major is None:
        raise StoreError(
            "Milvus Lite is not installed.", fix="`make install` installs the locked version (milvus-lite)."
        )
    if major < 3 and not NAME_RULE.match(db.name):
        raise StoreError(
            f"Milvus Lite cannot use the file name '{db.name}': at most 36 letters, digits, '.', '-' or '_'.",
            fix="Set milvus.uri to a path whose last part is such a name, e.g. ./data/milvus.db.",
        )
    if not db.exists():
        return
    if db.is_dir():
        if major < 3:
            raise StoreError(
                f"The index {db} is a folder written by Milvus Lite 3 (pure Python); this rag-app uses "
                "Milvus Lite 2.5, which keeps an index in a single file and cannot read that folder.",
                fix=_moved_aside(db, "milvus-lite-3"),
            )
        return
    with db.open("rb") as fh:
        head = fh.read(len(SQLITE_MAGIC))
    if head == SQLITE_MAGIC:
        if major >= 3:
            raise StoreError(
                f"The index {db} is a file written by Milvus Lite 2.5; the installed Milvus Lite {major} "
                "keeps an index in a folder and cannot read it.",
                fix="`make install` restores the Milvus Lite version rag-app is locked to (2.5.1).",
            )
        return
    if head:
        raise StoreError(
            f"{db} is not a Milvus Lite index (an unrelated file is at that path).",
            fix="Point milvus.uri at another file, e.g. ./data/milvus.db.",
        )


def locked_elsewhere(db: Path) -> bool:
    """Whether another process holds Milvus Lite 2.5's lock on ``db``.

    Asked before opening, because Milvus Lite 2.5 answers a locked file by failing *and then
    deleting the holder's lock file* when its half-made server is collected, after which a second
    process could open the same file. Call it only when this process does not hold the file itself:
    closing any descriptor of the lock file drops this process's own lock on it.
    """
    lock = db.parent / f".{db.name}.lock"
    if not lock.exists():
        return False
    with lock.open("a") as fh:
        try:
            fcntl.lockf(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return True
        fcntl.lockf(fh, fcntl.LOCK_UN)
    return False
