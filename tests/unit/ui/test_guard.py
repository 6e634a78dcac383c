"""The guard in front of the server: allowed hosts, cross-site requests, body limits, failed logins."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient

from ui.guard import JSON_LIMIT, Guard, HostPolicy, LoginThrottle, cross_site

LOCAL = "http://127.0.0.1:7860"


@pytest.fixture
def app() -> FastAPI:
    app = FastAPI()

    @app.post("/v1/ingest")
    async def ingest(request: Request) -> dict[str, int]:
        return {"read": len(await request.body())}

    @app.post("/echo")
    async def echo(request: Request) -> dict[str, int]:
        return {"read": len(await request.body())}

    @app.get("/v1/models")
    def models(request: Request) -> JSONResponse:
        ok = request.headers.get("authorization") == "Bearer right"
        return JSONResponse({"ok": ok}, status_code=200 if ok else 401)

    @app.post("/login")
    async def login(request: Request) -> JSONResponse:
        ok = b"password=right" in await request.body()
        return JSONResponse({"success": ok}, status_code=200 if ok else 400)

    return app


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    app.add_middleware(
        Guard, hosts=HostPolicy("127.0.0.1"), upload_limit=1000, throttle=LoginThrottle(limit=3, window=60)
    )
    with TestClient(app, base_url=LOCAL) as c:
        yield c


@pytest.mark.parametrize(
    ("bind", "extra", "host", "ok"),
    [
        ("127.0.0.1", [], "127.0.0.1:7860", True),
        ("127.0.0.1", [], "localhost:7860", True),
        ("127.0.0.1", [], "[::1]:7860", True),
        ("127.0.0.1", [], "rag.localhost", True),
        ("127.0.0.1", [], "attacker.example:7860", False),  # DNS rebinding: a name pointing at 127.0.0.1
        ("127.0.0.1", [], "10.0.0.5:7860", False),
        ("127.0.0.1", [], "", False),
        ("127.0.0.1", ["rag.example"], "RAG.example:443", True),
        ("127.0.0.1", ["*"], "anything.example", True),
        ("10.0.0.5", [], "10.0.0.5:7860", True),
        ("10.0.0.5", [], "attacker.example:7860", False),
        ("0.0.0.0", [], "192.168.1.9:7860", True),  # an address is never a rebinding name
        ("0.0.0.0", [], "[fe80::1]:7860", True),
        ("0.0.0.0", [], "myhost:7860", True),  # the machine's own name
        ("0.0.0.0", [], "attacker.example:7860", False),
    ],
)
def test_host_policy(bind: str, extra: list[str], host: str, ok: bool) -> None:
    assert HostPolicy(bind, extra, machine_names=["myhost"]).allows(host) is ok


@pytest.mark.parametrize(
    ("method", "headers", "refused"),
    [
        ("POST", {"sec-fetch-site": "cross-site", "sec-fetch-mode": "no-cors"}, True),
        ("POST", {"sec-fetch-site": "same-site", "sec-fetch-mode": "cors"}, True),
        ("GET", {"sec-fetch-site": "cross-site", "sec-fetch-mode": "cors", "sec-fetch-dest": "empty"}, True),
        ("GET", {"sec-fetch-site": "cross-site", "sec-fetch-mode": "navigate", "sec-fetch-dest": "iframe"}, True),
        ("POST", {"sec-fetch-site": "cross-site", "sec-fetch-mode": "navigate", "sec-fetch-dest": "document"}, True),
        ("GET", {"sec-fetch-site": "cross-site", "sec-fetch-mode": "navigate", "sec-fetch-dest": "document"}, False),
        ("POST", {"sec-fetch-site": "same-origin", "origin": "http://127.0.0.1:7860"}, False),
        ("GET", {"sec-fetch-site": "none"}, False),
        ("POST", {"origin": "http://evil.example"}, True),  # a browser without Sec-Fetch-*
        ("POST", {"origin": "http://127.0.0.1:8888"}, True),  # another local app
        ("POST", {"origin": "null"}, True),  # a sandboxed frame or a file:// page
        ("POST", {"origin": "http://127.0.0.1:7860"}, False),
        ("POST", {}, False),  # curl, the openai client, gradio_client
    ],
)  # fmt: skip
def test_cross_site(method: str, headers: dict[str, str], refused: bool) -> None:
    assert (cross_site(method, {"host": "127.0.0.1:7860", **headers}) is not None) is refused


def test_foreign_hosts_and_cross_site_requests_are_refused(client: TestClient) -> None:
    r = client.post("/echo", content=b"{}", headers={"host": "attacker.example:7860"})
    assert r.status_code == 403 and "host name" in r.json()["error"]["message"]
    assert "ui.allowed_hosts" in r.json()["error"]["fix"]
    r = client.post(
        "/echo", content=b"{}", headers={"origin": "https://evil.example", "sec-fetch-site": "cross-site"}
    )
    assert r.status_code == 403 and "another site" in r.json()["error"]["message"]
    ok = client.post("/echo", content=b"{}", headers={"origin": LOCAL, "sec-fetch-site": "same-origin"})
    assert ok.status_code == 200
    assert (
        ok.headers["x-frame-options"] == "SAMEORIGIN"
        and "frame-ancestors 'self'" in ok.headers["content-security-policy"]
    )


def test_bodies_over_the_limit_are_refused_before_the_route_reads_them(client: TestClient) -> None:
    assert client.post("/v1/ingest", content=b"x" * 1000).json() == {"read": 1000}
    r = client.post("/v1/ingest", content=b"x" * 1001)
    assert r.status_code == 413 and r.json()["error"]["type"] == "request_too_large"
    assert client.post("/echo", content=b"x" * 5000).json() == {"read": 5000}  # JSON routes: JSON_LIMIT
    assert client.post("/echo", content=b"x" * (JSON_LIMIT + 1)).status_code == 413

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted while it streams
        for _ in range(20):
            yield b"x" * 100

    r = client.post("/v1/ingest", content=chunks())
    assert r.status_code == 413
    assert client.post("/v1/ingest", content=b"x", headers={"content-length": "abc"}).status_code == 400


def test_failed_logins_are_throttled(client: TestClient) -> None:
    for _ in range(3):
        assert client.get("/v1/models", headers={"authorization": "Bearer wrong"}).status_code == 401
    r = client.get("/v1/models", headers={"authorization": "Bearer right"})
    assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1  # even the right one, for a while
    assert "Too many failed logins" in r.json()["error"]["message"]
    assert client.post("/echo", content=b"{}").status_code == 200  # requests without credentials pass


def test_gradio_login_failures_count_and_success_resets(app: FastAPI) -> None:
    throttle = LoginThrottle(limit=2, window=60)
    app.add_middleware(Guard, hosts=HostPolicy("127.0.0.1"), upload_limit=1000, throttle=throttle)
    form = {"content-type": "application/x-www-form-urlencoded"}
    with TestClient(app, base_url=LOCAL) as c:
        assert c.post("/login", content=b"username=a&password=bad", headers=form).status_code == 400
        assert c.post("/login", content=b"username=a&password=right", headers=form).status_code == 200
        assert c.post("/login", content=b"username=a&password=bad", headers=form).status_code == 400
        assert c.post("/login", content=b"username=a&password=bad", headers=form).status_code == 400
        assert c.post("/login", content=b"username=a&password=right", headers=form).status_code == 429


def test_throttle_window() -> None:
    t = LoginThrottle(limit=2, window=0.2)
    t.failed("a")
    t.failed("a")
    assert t.retry_after("a") > 0 and t.retry_after("b") == 0
    time.sleep(0.25)
    assert t.retry_after("a") == 0
