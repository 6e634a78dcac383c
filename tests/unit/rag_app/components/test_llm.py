"""rag_app.components.llm.ChatLLM: endpoint failures become EndpointUnavailable with a fix."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from rag_app.components.llm import ChatLLM
from rag_app.errors import EndpointUnavailable
from rag_app.settings import LLMSettings

MESSAGES = [{"role": "user", "content": "hi"}]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_handler(status: int, body: dict, delay: float = 0.0) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            if delay:
                time.sleep(delay)
            payload = json.dumps(body).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                pass

        do_POST = _answer
        do_GET = _answer

        def log_message(self, *args: object) -> None:
            pass

    return Handler


@pytest.fixture
def serve() -> Iterator[Callable[..., str]]:
    servers: list[ThreadingHTTPServer] = []

    def start(status: int, body: dict, delay: float = 0.0) -> str:
        server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(status, body, delay))
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/v1"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture(autouse=True)
def no_real_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)


def llm(base_url: str, timeout: float = 5.0, model: str = "m") -> ChatLLM:
    return ChatLLM(LLMSettings(provider="openai", timeout=timeout), base_url, model)


def test_nothing_listening() -> None:
    url = f"http://127.0.0.1:{free_port()}/v1"
    started = time.monotonic()
    with pytest.raises(EndpointUnavailable) as info:
        llm(url).complete(MESSAGES)
    assert time.monotonic() - started < 5
    assert "Cannot reach" in info.value.message
    assert url in info.value.message
    assert info.value.fix is not None and "llm.base_url" in info.value.fix


def test_timeout(serve: Callable[..., str]) -> None:
    url = serve(200, {}, delay=3.0)
    started = time.monotonic()
    with pytest.raises(EndpointUnavailable) as info:
        llm(url, timeout=0.5).complete(MESSAGES)
    assert time.monotonic() - started < 2.5
    assert "did not answer within" in info.value.message
    assert url in info.value.message
    assert info.value.fix is not None and "llm.timeout" in info.value.fix


def test_timeout_message_shows_fractional_seconds(serve: Callable[..., str]) -> None:
    url = serve(200, {}, delay=3.0)
    with pytest.raises(EndpointUnavailable) as info:
        llm(url, timeout=0.5).complete(MESSAGES)
    assert "0.5 s" in info.value.message


def test_401_mentions_the_api_key(serve: Callable[..., str]) -> None:
    url = serve(401, {"error": {"message": "Incorrect API key provided", "type": "invalid_request_error"}})
    with pytest.raises(EndpointUnavailable) as info:
        llm(url).complete(MESSAGES)
    assert "API key" in info.value.message
    assert "401" in info.value.message
    assert info.value.fix is not None and "OPENAI_API_KEY" in info.value.fix


def test_404_mentions_the_model(serve: Callable[..., str]) -> None:
    url = serve(404, {"error": {"message": "model not found", "type": "invalid_request_error"}})
    with pytest.raises(EndpointUnavailable) as info:
        llm(url, model="gpt-nothing").complete(MESSAGES)
    assert "gpt-nothing" in info.value.message
    assert "404" in info.value.message
    assert info.value.fix is not None and "llm.model" in info.value.fix


def test_500_reports_the_status(serve: Callable[..., str]) -> None:
    url = serve(500, {"error": {"message": "kaboom inside", "type": "server_error"}})
    with pytest.raises(EndpointUnavailable) as info:
        llm(url).complete(MESSAGES)
    assert "500" in info.value.message
    assert url in info.value.message


def test_ping_nothing_listening() -> None:
    url = f"http://127.0.0.1:{free_port()}/v1"
    with pytest.raises(EndpointUnavailable, match="Cannot reach"):
        llm(url).ping()


def test_ping_lists_models(serve: Callable[..., str]) -> None:
    url = serve(
        200, {"object": "list", "data": [{"id": "m1", "object": "model", "created": 0, "owned_by": "x"}]}
    )
    assert llm(url).ping() == ["m1"]


def test_no_base_url_never_means_openai(monkeypatch: pytest.MonkeyPatch) -> None:
    from rag_app.components.llm import build_llm
    from rag_app.config import load_settings
    from rag_app.errors import ConfigError

    monkeypatch.setenv("OPENAI_API_KEY", "sk-exported-for-something-else")
    s = load_settings(None, env={}, overrides={"llm": {"provider": "openai", "model": "gpt"}})
    with pytest.raises(ConfigError, match=r"llm\.base_url is not set") as err:
        build_llm(s)
    assert err.value.fix and "https://api.openai.com/v1" in err.value.fix


def test_the_key_is_refused_over_plain_http_to_another_host(monkeypatch: pytest.MonkeyPatch) -> None:
    from rag_app.errors import ConfigError

    monkeypatch.setenv("OPENAI_API_KEY", "sk-secret-value")
    with pytest.raises(
        ConfigError, match=r"Refusing to send the key in \$OPENAI_API_KEY over plain http"
    ) as err:
        llm("http://user:pw@10.255.255.1:8000/v1")
    assert "sk-secret-value" not in str(err.value) and "pw@" not in str(err.value)
    assert err.value.fix and "llm.allow_http_key: true" in err.value.fix
    # https, loopback, or the explicit opt-in: the key goes
    assert llm("https://10.255.255.1:8000/v1").api_key == "sk-secret-value"
    assert llm("http://127.0.0.1:9/v1").api_key == "sk-secret-value"
    opted = ChatLLM(LLMSettings(provider="openai", allow_http_key=True), "http://10.255.255.1:8000/v1", "m")
    assert opted.api_key == "sk-secret-value"
    monkeypatch.delenv("OPENAI_API_KEY")
    assert llm("http://10.255.255.1:8000/v1").api_key == "not-needed"  # no key: nothing to protect


def test_errors_name_the_endpoint_without_its_credentials() -> None:
    port = free_port()
    with pytest.raises(EndpointUnavailable) as err:
        llm(f"http://alice:hunter2@127.0.0.1:{port}/v1?token=abc").complete(MESSAGES)
    assert "hunter2" not in err.value.message and "abc" not in err.value.message
    assert f"http://alice:****@127.0.0.1:{port}/v1?token=****" in err.value.message
