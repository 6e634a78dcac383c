"""rag_app.store.capabilities: which Milvus, which version, and whether it has BM25."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from rag_app.store.capabilities import MilvusInfo, parse_version, probe


class VersionedClient:
    """The one call ``probe`` makes of a server client."""

    def __init__(self, version: str | Exception) -> None:
        self.version = version

    def get_server_version(self) -> str:
        if isinstance(self.version, Exception):
            raise self.version
        return self.version


@pytest.mark.parametrize(
    ("text", "parsed"),
    [("v2.3.5-lite", (2, 3)), ("v2.5.4", (2, 5)), ("2.6.0-rc1", (2, 6)), ("3.0", (3, 0)), ("unknown", None)],
)
def test_parse_version(text: str, parsed: tuple[int, int] | None) -> None:
    assert parse_version(text) == parsed


def test_a_server_has_bm25_from_milvus_2_5() -> None:
    old = probe(VersionedClient("v2.3.5-lite"), lite=False)
    assert old == MilvusInfo(lite=False, version="v2.3.5-lite", bm25=False)
    assert old.describe() == "Milvus server v2.3.5-lite (no BM25: dense search only)"
    assert old.no_bm25_reason == (
        "Milvus server v2.3.5-lite has no BM25 full-text search (needs Milvus 2.5 or newer)"
    )
    assert probe(VersionedClient("v2.4.15"), lite=False).bm25 is False
    assert probe(VersionedClient("v2.5.0"), lite=False).bm25 is True
    # A server that does not say (a proxy, a managed service) is taken as current: creation says what fails.
    assert probe(VersionedClient(RuntimeError("unimplemented")), lite=False).bm25 is True


def test_milvus_lite_is_read_from_its_package(tmp_path: Path) -> None:
    from importlib import metadata

    client: Any = None  # Milvus Lite 2.5 does not answer GetVersion: nothing is asked
    info = probe(client, lite=True)
    assert info.lite and info.version == metadata.version("milvus-lite") and info.bm25
    assert info.describe() == f"Milvus Lite {info.version} (dense + BM25 + hybrid)"
