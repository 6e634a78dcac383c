"""Run `rag ingest` in this process and SIGKILL it at a chosen point (for the crash-recovery test).

    python -m tests.integration.kill_points POINT --config CFG CORPUS

Points: ``model-load`` (while the embedder's weights load), ``first-batch`` (right after the first
batch of chunks is written), ``mid-document`` (half of one document's chunks written, the rest
not), ``before-delete`` / ``after-delete`` (a changed document's new version written; its old
version not yet deleted / just deleted). The process exits with 3 if it never reached the point.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from collections.abc import Sequence
from typing import Any


def _die() -> None:
    sys.stdout.flush()
    os.kill(os.getpid(), signal.SIGKILL)


def arm(point: str) -> None:
    from rag_app.store.milvus import MilvusStore

    upsert, delete = MilvusStore.upsert, MilvusStore.delete_document
    calls = {"upsert": 0}

    if point == "model-load":
        import sentence_transformers

        real_init = sentence_transformers.SentenceTransformer.__init__

        def init(self: Any, *args: Any, **kwargs: Any) -> None:
            real_init(self, *args, **kwargs)
            _die()

        sentence_transformers.SentenceTransformer.__init__ = init  # type: ignore[method-assign]
    elif point == "first-batch":

        def first(self: MilvusStore, name: str, rows: Sequence[dict[str, Any]]) -> None:
            upsert(self, name, rows)
            _die()

        MilvusStore.upsert = first  # type: ignore[method-assign]
    elif point == "mid-document":

        def half(self: MilvusStore, name: str, rows: Sequence[dict[str, Any]]) -> None:
            calls["upsert"] += 1
            if calls["upsert"] >= 3 and len(rows) > 1:  # from the third document on: half of one, then gone
                upsert(self, name, rows[: len(rows) // 2])
                _die()
            upsert(self, name, rows)

        MilvusStore.upsert = half  # type: ignore[method-assign]
    elif point in ("before-delete", "after-delete"):

        def deleting(self: MilvusStore, name: str, doc_id: str, except_hash: str | None = None) -> None:
            if point == "after-delete":
                delete(self, name, doc_id, except_hash)
            _die()

        MilvusStore.delete_document = deleting  # type: ignore[method-assign]
    else:
        raise SystemExit(f"unknown point {point}")


def main(argv: list[str]) -> int:
    point, rest = argv[0], argv[1:]
    arm(point)
    from rag_app.cli import main as rag

    sys.argv = ["rag", *rest[:2], "ingest", *rest[2:]]
    with contextlib.suppress(SystemExit):
        rag()
    return 3  # finished without reaching the point


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
