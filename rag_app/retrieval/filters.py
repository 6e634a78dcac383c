"""Search filters: restrict a search by source path glob, file type or document id.

Filters become Milvus boolean expressions on typed scalar fields (``source``, ``doc_id``), which
Milvus Lite evaluates cheaply; values are quoted, never pasted.

A glob with a literal ``_`` or ``%`` cannot be a LIKE pattern: Milvus Lite's BM25 search ignores
LIKE's ``\\_`` escape (so ``--source '*/my_notes.md'`` matched nothing in sparse search and only
half of hybrid). Such a glob becomes the exact list of stored sources it matches: a broader LIKE
(``_`` for any character) finds the candidates, the glob itself picks among them.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from rag_app.errors import ConfigError
from rag_app.store.expr import quote


def glob_to_like(pattern: str, escape: bool = True) -> str:
    """A shell-style glob as a SQL LIKE pattern: ``*`` → ``%``, ``?`` → ``_``; literal % and _
    escaped, or (``escape=False``) matched by ``_``, any one character: a broader pattern."""
    out = []
    for ch in pattern:
        if ch == "*":
            out.append("%")
        elif ch == "?":
            out.append("_")
        elif ch in "%_":
            out.append("\\" + ch if escape else "_")
        else:
            out.append(ch)
    like = "".join(out)
    while "%%" in like:
        like = like.replace("%%", "%")
    return like


def glob_matches(pattern: str, path: str) -> bool:
    """Whether ``path`` matches the glob the way its LIKE pattern would: ``*`` any run of characters
    (``/`` included), ``?`` one character, everything else literal."""
    regex = "".join(".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in pattern)
    return re.fullmatch(regex, path, flags=re.DOTALL) is not None


SourcesLike = Callable[[str], Iterable[str]]
"""The stored sources that match a LIKE pattern (``MilvusStore.sources_like`` on one collection)."""


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

    def expression(self, base: Path | None = None, sources_like: SourcesLike | None = None) -> str:
        """The Milvus expression. ``sources_like`` looks up stored sources, for globs with a literal
        ``_`` or ``%`` (without it they stay LIKE patterns, which Milvus Lite's BM25 search misreads)."""
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
                if sources_like is not None and ("_" in g or "%" in g):
                    exact = sorted(
                        {s for s in sources_like(glob_to_like(g, escape=False)) if glob_matches(g, s)}
                    )
                    likes.append(f"source in [{', '.join(quote(s) for s in exact)}]")
                else:
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
