"""Limits on requests (issue 12): bodies capped before they are read or spooled, top_k and the
number of messages capped, failed logins rate-limited. Hostile requests are written by hand on a
raw socket where a client library would refuse to send them."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterable, Iterator

import httpx
import pytest

from tests.integration.security.conftest import OpenServer
from tests.integration.servers import PASSWORD, USER, UIServer, serving

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]

MB = 1024 * 1024


def _send(url: str, head: str, body: Iterable[bytes] = ()) -> str:
    """Send a raw HTTP request (head, then body pieces while the server reads); return the status line."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=20) as sock:
        sock.sendall(head.replace("\n", "\r\n").encode() + b"\r\n")
        try:
            for piece in body:
                sock.sendall(piece)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and closed before the rest: what a cap should do
        return sock.makefile("rb").readline().decode().strip()


def test_declared_oversized_bodies_are_refused_before_reading(open_server: OpenServer) -> None:
    # 10 GB announced, nothing sent: a server that waits for the body (to spool it) never answers
    for path, ctype in [
        ("/v1/ingest", "multipart/form-data; boundary=x"),
        ("/gradio_api/upload", "multipart/form-data; boundary=x"),
        ("/v1/chat/completions", "application/json"),
    ]:
        head = (
            f"POST {path} HTTP/1.1\nHost: 127.0.0.1:{open_server.port}\n"
            f"Authorization: Bearer {open_server.token}\nContent-Type: {ctype}\n"
            "Content-Length: 10000000000\n"
        )
        t = time.monotonic()
        status = _send(open_server.url, head)
        assert status.startswith("HTTP/1.1 413"), (path, status)
        assert time.monotonic() - t < 10


def test_streamed_oversized_uploads_are_cut_off(open_server: OpenServer) -> None:
    # No Content-Length (chunked): counted while it streams; ui.max_request_mb is 1 here (+1 MB of slack)
    def body() -> Iterator[bytes]:
        preamble = b'--x\r\nContent-Disposition: form-data; name="files"; filename="planted-big.md"\r\n\r\n'
        block = b"A" * (64 * 1024)
        for piece in [preamble] + [block] * (4 * MB // len(block)):
            yield b"%x\r\n%s\r\n" % (len(piece), piece)
        yield b"0\r\n\r\n"

    head = (
        f"POST /v1/ingest HTTP/1.1\nHost: 127.0.0.1:{open_server.port}\n"
        f"Authorization: Bearer {open_server.token}\n"
        "Content-Type: multipart/form-data; boundary=x\nTransfer-Encoding: chunked\n"
    )
    assert _send(open_server.url, head, body()).startswith("HTTP/1.1 413")
    assert not list(open_server.upload_dir.glob("planted-big*"))


def test_top_k_and_the_number_of_messages_are_capped(open_server: OpenServer) -> None:
    from gradio_client import Client

    from ui.service import MAX_MESSAGES, MAX_TOP_K

    user = {"role": "user", "content": "What does SQLite store?"}
    with httpx.Client(base_url=open_server.url, timeout=60, headers=open_server.auth) as http:
        r = http.post("/v1/chat/completions", json={"top_k": 100_000, "messages": [user]})
        assert r.status_code == 400 and f"between 1 and {MAX_TOP_K}" in r.json()["error"]["message"]
        r = http.post("/v1/chat/completions", json={"messages": [user] * 5000})
        assert r.status_code == 400 and f"at most {MAX_MESSAGES}" in r.json()["error"]["message"]
        assert r.json()["error"]["fix"]
    history = [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}] * 200
    out = Client(open_server.url, verbose=False).predict("And then?", history, api_name="/chat")
    assert out["error"] and f"at most {MAX_MESSAGES}" in out["error"]["message"]


def test_failed_logins_are_rate_limited(ui_server: UIServer) -> None:
    from ui.auth import Credentials
    from ui.server import build_server

    # its own server: the lock-out it provokes must not lock the other tests out of ui_server
    app = build_server(ui_server.pipeline, Credentials({USER: PASSWORD}))
    with serving(app) as url, httpx.Client(base_url=url, timeout=30) as http:
        for n in range(10):
            r = http.get("/v1/models", auth=(USER, f"guess-{n}"))
            assert r.status_code == 401, n
        r = http.get("/v1/models", auth=(USER, PASSWORD))  # even the right password, for a while
        assert r.status_code == 429 and int(r.headers["retry-after"]) > 0
        assert "Too many failed logins" in r.json()["error"]["message"] and r.json()["error"]["fix"]
        r = http.post("/login", data={"username": USER, "password": PASSWORD})  # Gradio's login too
        assert r.status_code == 429
        assert http.get("/v1/models").status_code == 401  # no credentials: an ordinary 401, not counted
