"""Which Milvus the store talks to, and what it can do: read once when the store opens.

BM25 full-text search (the ``sparse`` and ``hybrid`` modes) needs Milvus 2.5 or newer: its BM25
function and the sparse index on its output. Milvus Lite 2.5 has them; a Milvus 2.3 or 2.4 server
does not, and there the app builds dense-only collections and runs every search as ``dense``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import metadata
from typing import Any

BM25_SINCE = (2, 5)


def parse_version(text: str) -> tuple[int, int] | None:
    """(major, minor) of a Milvus version string such as ``v2.3.5`` or ``2.6.0-rc1``."""
    m = re.search(r"(\d+)\.(\d+)", text)
    return (int(m.group(1)), int(m.group(2))) if m else None


@dataclass(frozen=True)
class MilvusInfo:
    """The Milvus behind a store: Lite or a server, its version, and whether it has BM25."""

    lite: bool
    version: str
    bm25: bool

    @property
    def kind(self) -> str:
        return "Milvus Lite" if self.lite else "Milvus server"

    def describe(self) -> str:
        """``Milvus server v2.3.5 (no BM25: dense search only)``."""
        features = "dense + BM25 + hybrid" if self.bm25 else "no BM25: dense search only"
        return f"{self.kind} {self.version} ({features})"

    @property
    def no_bm25_reason(self) -> str:
        return (
            f"{self.kind} {self.version} has no BM25 full-text search "
            f"(needs Milvus {BM25_SINCE[0]}.{BM25_SINCE[1]} or newer)"
        )


def _lite_version() -> str:
    try:
        return metadata.version("milvus-lite")
    except metadata.PackageNotFoundError:
        return "unknown"


def probe(client: Any, lite: bool) -> MilvusInfo:
    """Ask the server its version (Milvus Lite 2.5 does not answer: its package version is used).

    An unreadable version is taken as a current Milvus: collection creation then says what failed.
    """
    if lite:
        version = _lite_version()
    else:
        try:
            version = str(client.get_server_version())
        except Exception:
            version = "unknown"
    parsed = parse_version(version)
    return MilvusInfo(lite=lite, version=version, bm25=parsed is None or parsed >= BM25_SINCE)
