"""rag_app.llm_server.LocalLLMServer: a missing model, and reusing a server only when it is really ours."""

from __future__ import annotations

import json
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from rag_app.errors import LLMServerError
from rag_app.llm_server import STATE_FILE, LocalLLMServer
from rag_app.process import ProcessRecord, write_private


class Health(BaseHTTPRequestHandler):
    status = 200

    def do_GET(self) -> None:
        code = self.status if self.path == "/health" else 404
        self.send_response(code)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args: Any) -> None:
        pass


def serve(status: int) -> Iterator[str]:
    handler = type("Handler", (Health,), {"status": status})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def healthy() -> Iterator[str]:
    yield from serve(200)


@pytest.fixture(scope="module")
def unhealthy() -> Iterator[str]:
    yield from serve(503)


@pytest.fixture
def server(tmp_path: Path) -> LocalLLMServer:
    gguf = tmp_path / "model.gguf"
    gguf.write_bytes(b"GGUF")
    return LocalLLMServer(gguf, tmp_path / "data", n_ctx=2048, threads=1)


KEY = "per-run-key"


def write_state(server: LocalLLMServer, record: ProcessRecord, base_url: str, **changes: Any) -> None:
    server.data_dir.mkdir(parents=True, exist_ok=True)
    state = {
        **record.as_dict(), "base_url": base_url, "api_key": KEY, "model": str(server.gguf), "n_ctx": server.n_ctx,
    }  # fmt: skip
    write_private(server.data_dir / STATE_FILE, json.dumps({**state, **changes}))


def dead_record() -> ProcessRecord:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return ProcessRecord(proc.pid)


def test_a_missing_gguf_is_an_error_naming_the_file(tmp_path: Path) -> None:
    missing = tmp_path / "models" / "nope.gguf"
    server = LocalLLMServer(missing, tmp_path / "data")
    with pytest.raises(LLMServerError) as err:
        server.ensure()
    assert err.value.message == f"Model file {missing.resolve()} does not exist."
    assert err.value.fix == "Check llm.model."
    assert not server.owned and server.base_url is None


def test_no_state_file_means_no_running_server(server: LocalLLMServer) -> None:
    assert server.running() is None
    (server.data_dir).mkdir(parents=True)
    server.state_path.write_text("{broken")
    assert server.running() is None


def test_a_live_record_whose_health_answers_is_reused(server: LocalLLMServer, healthy: str) -> None:
    write_state(server, ProcessRecord.current(), healthy)
    assert server.running() == (healthy, KEY)
    assert server.ensure() == healthy and not server.owned and server.api_key == KEY
    server.close()  # not ours: the record stays
    assert server.state_path.is_file()


def test_a_record_whose_process_is_dead_is_ignored(server: LocalLLMServer, healthy: str) -> None:
    write_state(server, dead_record(), healthy)
    assert server.running() is None


def test_a_record_for_another_model_or_context_is_ignored(server: LocalLLMServer, healthy: str) -> None:
    write_state(server, ProcessRecord.current(), healthy, model=str(server.gguf.with_name("other.gguf")))
    assert server.running() is None
    write_state(server, ProcessRecord.current(), healthy, n_ctx=4096)
    assert server.running() is None


def test_a_server_that_does_not_answer_health_is_not_reused(server: LocalLLMServer, unhealthy: str) -> None:
    write_state(server, ProcessRecord.current(), unhealthy)
    assert server.running() is None
    write_state(server, ProcessRecord.current(), "http://127.0.0.1:9")  # nothing listens
    assert server.running() is None


def test_a_record_others_could_read_or_without_a_key_is_ignored(server: LocalLLMServer, healthy: str) -> None:
    write_state(server, ProcessRecord.current(), healthy)
    server.state_path.chmod(0o644)  # the key may have been read by anyone: not ours to trust
    assert server.running() is None
    write_state(server, ProcessRecord.current(), healthy, api_key="")
    assert server.running() is None
    write_state(server, ProcessRecord.current(), healthy)
    link = server.data_dir / "elsewhere.json"
    server.state_path.rename(link)  # a private, valid record, reached through a symlink
    server.state_path.symlink_to(link)  # never followed
    assert server.running() is None


def test_the_child_refuses_to_serve_without_a_key(tmp_path: Path) -> None:
    import sys

    proc = subprocess.run(
        [sys.executable, "-m", "rag_app.llm_server", "--model", str(tmp_path / "m.gguf"), "--port", "9"],
        input="", capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 2 and "refusing to serve without one" in proc.stdout
