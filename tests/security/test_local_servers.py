"""The local servers answer only their own per-run token: the llama.cpp server (xllamacpp's
``api_keys``) and the Milvus Lite index shared by `rag milvus serve`; their state files are
private, and a recorded process is trusted only when it is ours."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from rag_app.llm_server import LocalLLMServer
from rag_app.store.lite import owner_path
from tests.conftest import RAG, ingest_paths, run_rag
from tests.security.conftest import pipe_for

pytestmark = pytest.mark.integration


def test_the_local_llm_server_needs_its_key(smollm_gguf: Path, tmp_path: Path) -> None:
    from rag_app.components.llm import ChatLLM
    from rag_app.settings import LLMSettings

    server = LocalLLMServer(smollm_gguf, tmp_path / "data", n_ctx=1024, threads=1)
    try:
        base = server.ensure()
        key = server.api_key
        assert key and len(key) >= 32
        assert server.state_path.stat().st_mode & 0o777 == 0o600
        assert json.loads(server.state_path.read_text())["api_key"] == key
        assert server.proc is not None
        assert key.encode() not in Path(f"/proc/{server.proc.pid}/cmdline").read_bytes()  # not on ps

        chat = {"model": "m", "messages": [{"role": "user", "content": "Say hi."}], "max_tokens": 4}
        for wrong in ({}, {"Authorization": "Bearer guess"}):
            assert (
                httpx.post(f"{base}/v1/chat/completions", json=chat, headers=wrong, timeout=60).status_code
                == 401
            )
            assert httpx.get(f"{base}/v1/models", headers=wrong, timeout=30).status_code == 401
        assert httpx.get(f"{base}/health", timeout=30).status_code == 200  # liveness only

        llm = ChatLLM(LLMSettings(max_tokens=4), f"{base}/v1", "m", api_key=key)
        assert llm.complete([{"role": "user", "content": "Say hi."}])  # one real generation
        assert llm.count_tokens("hello world") < 6  # /tokenize, with the key

        other = LocalLLMServer(smollm_gguf, tmp_path / "data", n_ctx=1024, threads=1)
        assert other.running() == (base, key)  # another rag process reuses it, key and all

        if shutil.which("setpriv") and os.geteuid() == 0:  # starting another user's process needs root
            # The record now names a live process of another user: not ours, never trusted.
            stranger = subprocess.Popen(
                ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "sleep", "60"]
            )
            try:
                deadline = time.monotonic() + 30
                while Path(f"/proc/{stranger.pid}").stat().st_uid != 65534:  # until setpriv switched
                    assert time.monotonic() < deadline
                    time.sleep(0.05)
                state = json.loads(server.state_path.read_text())
                from rag_app.process import ProcessRecord, write_private

                record = ProcessRecord.of(stranger.pid).as_dict()
                write_private(server.state_path, json.dumps({**state, **record}))
                assert other.running() is None
            finally:
                stranger.kill()
                stranger.wait()
    finally:
        server.close()


def test_the_shared_index_is_this_users_only(make_config, embedder, docs_dir: Path) -> None:  # type: ignore[no-untyped-def]
    cfg = make_config()
    pipe = pipe_for(cfg, embedder)
    ingest_paths(pipe, [docs_dir])
    pipe.close()
    host = subprocess.Popen(
        [RAG, "--config", str(cfg), "milvus", "serve"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert host.stdout is not None and "Serving" in host.stdout.readline()
        db = cfg.parent / "milvus.db"
        assert owner_path(db).stat().st_mode & 0o777 == 0o600
        record = json.loads(owner_path(db).read_text())
        assert str(record["uri"]).startswith("unix:")
        sock = Path(str(record["uri"]).removeprefix("unix:"))
        assert sock.stat().st_uid == os.getuid() and sock.stat().st_mode & 0o077 == 0  # this user's only
        if shutil.which("setpriv") and os.geteuid() == 0:  # another user's process needs root to start
            probe = (
                "import socket,sys\n"
                "s=socket.socket(socket.AF_UNIX)\n"
                "try:\n    s.connect(sys.argv[1])\nexcept PermissionError:\n    sys.exit(13)\n"
            )
            stranger = subprocess.run(
                ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                 sys.executable, "-c", probe, str(sock)],
                capture_output=True, text=True, timeout=60,
            )  # fmt: skip
            assert stranger.returncode == 13, stranger.stderr
        # Another rag process of this user reads the private record and gets in.
        listing = run_rag("--config", str(cfg), "collections", "list", "--json")
        assert listing.returncode == 0, listing.stderr
        assert json.loads(listing.stdout)[0]["documents"] == 3
    finally:
        host.terminate()
        host.wait(timeout=60)
