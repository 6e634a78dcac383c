"""``--sync`` never empties the index by accident: which stored documents lie under the roots a run
was given, and the two ways a run would delete them all (a missing root: an unmounted drive; an
empty folder the index holds documents from: its bare mount point)."""

from __future__ import annotations

from pathlib import Path

from rag_app.errors import RagError
from rag_app.store import DocState


def under(source: str, roots: list[Path]) -> bool:
    """Whether ``source`` (stored resolved) is one of ``roots`` or inside one, however they were spelled."""
    src = Path(source)
    resolved = [r.resolve() for r in roots]
    return any(src == r or r in src.parents for r in resolved)


def check_roots_exist(roots: list[Path]) -> None:
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


def check_not_emptied(roots: list[Path], found: dict[Path, int], stored: dict[str, DocState]) -> None:
    """An empty folder the index holds documents from looks like an unmounted drive's mount point."""
    for root in roots:
        held = sum(1 for s in stored.values() if under(s.source, [root]))
        if root.is_dir() and not found.get(root) and held:
            raise RagError(
                f"{root} is empty but the index holds {held} documents from it, so --sync would remove "
                "them all; nothing was changed.",
                fix="Mount the drive and run again. To remove those documents on purpose, delete them "
                "in the UI's Documents tab (or DELETE /v1/documents/ID).",
            )
