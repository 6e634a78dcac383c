"""Search filters: restrict a search by source path glob, file type or document id.

Filters become Milvus boolean expressions on typed scalar fields (``source``, ``doc_id``), which
Milvus Lite evaluates cheaply; values are quoted, never pasted.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from rag_app.errors import ConfigError
from rag_app.store.expr import quote


def glob_to_like(pattern: str) -> str:
    """A shell-style glob as a SQL LIKE pattern: ``*`` → ``%``, ``?`` → ``_``; literal % and _ escaped."""
    out = []
    for ch in pattern:
        if ch == "*":
            out.append("%")
        elif ch == "?":
            out.append("_")
        elif ch in "%_":
            out.append("\\" + ch)
        else:
            out.append(ch)
    like = "".join(out)
    while "%%" in like:
        like = like.replace("%%", "%")
    return like


@dataclass
class SearchFilters:
    """Restrict a search. Each list is OR-ed inside itself; the lists are AND-ed together.

    ``sources``: path globs (``docs/*.pdf``, ``*/reports/*``); a relative glob is taken from
    ``base`` (the working directory), since sources are stored as absolute paths.
    ``types``: file extensions (``pdf``, ``.md``). ``doc_ids``: document ids from ``rag collections``
    or the UI's document list.
    """

    sources: list[str] = field(default_factory=list)
    types: list[str] = field(default_factory=list)
    doc_ids: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.sources or self.types or self.doc_ids)

    def expression(self, base: Path | None = None) -> str:
        base = base or Path.cwd()
        parts: list[str] = []
        if self.sources:
            likes = []
            for glob in self.sources:
                g = os.path.expanduser(glob.strip())
                if not g:
                    continue
                if not (g.startswith(("/", "*", "?"))):
                    g = str(base / g)
                likes.append(f"source like {quote(glob_to_like(g))}")
            if likes:
                parts.append("(" + " or ".join(likes) + ")")
        if self.types:
            exts = []
            for t in self.types:
                t = t.strip().lower().lstrip(".")
                if not t or not t.replace("-", "").isalnum():
                    raise ConfigError(
                        f"File type filter {t!r} is not an extension.", fix="Use e.g. pdf, md, docx."
                    )
                exts.append(f"source like {quote('%.' + t)}")
            parts.append("(" + " or ".join(exts) + ")")
        if self.doc_ids:
            ids = ", ".join(quote(d) for d in self.doc_ids)
            parts.append(f"doc_id in [{ids}]")
        return " and ".join(parts)
