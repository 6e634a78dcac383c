"""Fixtures shared by the integration test folders: the session UI servers (tests/integration/ui/ and
security/ share them) and a real Milvus server, started once per test session."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.servers import scripted_ui, ui_server

__all__ = ["scripted_ui", "ui_server"]

MISSING_SERVER = (
    "REAL MILVUS SERVER TESTS SKIPPED: the `milvus` package (Milvus standalone 2.3.5, a dev dependency) "
    "is not installed or did not start; `make install-dev` installs it"
)


@pytest.fixture(scope="session")
def milvus_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Milvus standalone (2.3.5, from the `milvus` wheel) for the session: its loopback URI.

    It has no BM25 functions (Milvus < 2.5), which is what the app must handle. Milvus listens on all
    interfaces; the tests only ever connect to 127.0.0.1. It starts in 15-60 s.
    """
    try:
        from milvus import MilvusServer
    except ImportError as exc:
        warnings.warn(f"{MISSING_SERVER} ({exc})", stacklevel=1)
        pytest.skip(MISSING_SERVER)
    base = Path(tmp_path_factory.mktemp("milvus-server"))
    server = MilvusServer()
    server.set_base_dir(str(base))
    try:
        server.start()  # waits until /healthz answers
    except Exception as exc:
        server.stop()
        logs = base / "logs" / "milvus-stderr.log"
        tail = logs.read_text(errors="replace")[-2000:] if logs.is_file() else ""
        pytest.fail(f"the Milvus server did not start: {exc}\n{tail}")
    try:
        yield f"http://127.0.0.1:{server.listen_port}"
    finally:
        server.stop()
