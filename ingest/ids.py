"""Stable ids: a document's from its absolute path (an attachment's from its container and name),
a chunk's from its document, content and position."""

from __future__ import annotations

import hashlib
from pathlib import Path


def doc_id_for(path: Path) -> str:
    """The id of the document at ``path``: the same for any spelling of the path (relative, via symlinks)."""
    return hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:32]


def chunk_id(doc_id: str, content_hash: str, index: int) -> str:
    """The id of chunk ``index`` of one version (``content_hash``) of a document: re-ingesting it overwrites."""
    return hashlib.sha256(f"{doc_id}:{content_hash}:{index}".encode()).hexdigest()[:32]


def part_id(parent_doc_id: str, name: str) -> str:
    """The id of the file ``name`` inside the document ``parent_doc_id`` (an e-mail's attachment):
    stable while the container keeps its path, whatever the attachment's content."""
    return hashlib.sha256(f"{parent_doc_id}#{name}".encode()).hexdigest()[:32]


def part_source(container_source: str, name: str) -> str:
    """The source shown for a file inside another: ``/mail/report.eml#budget.xlsx``."""
    return f"{container_source}#{name}"
