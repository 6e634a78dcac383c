"""Pointing milvus.uri at a Milvus server: here Milvus Lite's own gRPC server on loopback,
the same pymilvus code path as a Milvus standalone or cluster, shared by several processes."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import run_rag

pytestmark = pytest.mark.integration


@pytest.fixture
def milvus_server(tmp_path: Path) -> Iterator[str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    exe = str(Path(sys.executable).with_name("milvus-lite"))
    proc = subprocess.Popen(
        [exe, "server", "--data-dir", str(tmp_path / "server.db"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            assert proc.poll() is None, "milvus-lite server exited"
            time.sleep(0.3)
    yield f"http://127.0.0.1:{port}"
    proc.terminate()
    proc.wait(timeout=30)


def test_two_processes_share_a_milvus_server(make_config, docs_dir: Path, milvus_server: str) -> None:  # type: ignore[no-untyped-def]
    cfg = make_config(milvus={"uri": milvus_server})
    # One process ingests while another (this test process) holds its own client on the same server.
    from rag_app.config import load_settings
    from rag_app.store import MilvusStore

    store = MilvusStore(load_settings(cfg, env={}).milvus_uri)
    assert store.client.list_collections() == []
    ingest = run_rag("--config", str(cfg), "ingest", str(docs_dir), "--json")
    assert ingest.returncode == 0, ingest.stderr
    report = json.loads(ingest.stdout)
    assert report["added"] == 3
    assert store.count(report["collection"]) == report["chunks"]

    search = run_rag("--config", str(cfg), "search", "simultaneous readers", "--json")
    assert search.returncode == 0, search.stderr
    assert any("simultaneous readers" in r["text"] for r in json.loads(search.stdout)["results"])


def test_two_stores_in_one_process_share_the_folder_until_the_last_closes(tmp_path: Path) -> None:
    from rag_app.store import MilvusStore

    db = tmp_path / "m.db"
    first = MilvusStore(str(db), share=True)
    first.create("c1", {"dimension": 4, "normalize": True, "model": "x"})
    second = MilvusStore(str(db))  # e.g. `rag doctor` checks run inside the UI's process
    assert second.exists("c1")
    second.close()
    assert first.exists("c1") and first.count("c1") == 0  # the first store still has its server
    assert (tmp_path / "m.db.owner.json").exists()
    first.close()
    assert not (tmp_path / "m.db.owner.json").exists()
    third = MilvusStore(str(db))
    assert third.exists("c1")
    third.close()
