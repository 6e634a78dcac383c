"""The server's front door: which requests reach Gradio and ``/v1`` at all.

:class:`Guard` is a plain ASGI middleware around the whole app, so it judges a request before any
route reads (or spools) its body:

- **Host** (:class:`HostPolicy`): a DNS-rebinding page reaches 127.0.0.1 under a name its author
  controls; only loopback names and addresses, ``ui.host`` and ``ui.allowed_hosts`` are served.
- **Cross-site** (:func:`cross_site`): a request that another site's page made is refused
  (``Sec-Fetch-Site: cross-site``/``same-site``, or an ``Origin`` that is not this server), except a
  link that opens the page itself, which reads nothing back and changes nothing.
- **Body size**: a ``Content-Length`` over the route's limit is refused before reading; a body
  without one is counted as it streams and cut off at the limit.
- **Failed logins** (:class:`LoginThrottle`): a client that failed too often in a while is
  answered 429 (with ``Retry-After``) until the window has passed, whatever it sends.

Every answer also carries headers that forbid framing the UI in another site's page.
"""

from __future__ import annotations

import ipaddress
import json
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from rag_app.endpoints import is_loopback

MB = 1024 * 1024
JSON_LIMIT = 8 * MB  # chat histories, Gradio events, logins: far below this
UPLOAD_PATHS = ("/v1/ingest", "/gradio_api/upload")
WILDCARDS = ("0.0.0.0", "::", "")
SECURITY_HEADERS = [
    (b"x-frame-options", b"SAMEORIGIN"),
    (b"content-security-policy", b"frame-ancestors 'self'"),
    (b"x-content-type-options", b"nosniff"),
]


def _host_name(host_header: str) -> str:
    """The name in a ``Host`` header, without the port (``[::1]:7860`` → ``::1``)."""
    value = host_header.strip().lower()
    if value.startswith("["):
        return value[1:].split("]", 1)[0]
    if value.count(":") == 1:
        value = value.split(":", 1)[0]
    return value.rstrip(".")


class HostPolicy:
    """The ``Host`` names this server answers to.

    Always loopback (``localhost``, 127.0.0.0/8, ::1); the configured bind address; the names in
    ``ui.allowed_hosts`` (``*`` accepts any). Bound to every interface (0.0.0.0), also the
    machine's own names and any IP address: a DNS-rebinding attack needs a host *name*, so a bare
    address in ``Host`` is the address the browser really connected to.
    """

    def __init__(self, bind_host: str, extra: Iterable[str] = (), machine_names: Iterable[str] = ()) -> None:
        bind = _host_name(bind_host)
        self.any_host = "*" in extra
        self.any_ip = bind in WILDCARDS
        self.names = {_host_name(h) for h in extra if h != "*"}
        if bind not in WILDCARDS:
            self.names.add(bind)
        elif self.any_ip:
            self.names.update(_host_name(n) for n in machine_names if n)

    def allows(self, host_header: str | None) -> bool:
        if not host_header:
            return False
        if self.any_host:
            return True
        name = _host_name(host_header)
        if is_loopback(name) or name in self.names:
            return True
        if self.any_ip:
            try:
                ipaddress.ip_address(name)
                return True
            except ValueError:
                return False
        return False


def cross_site(method: str, headers: dict[str, str]) -> str | None:
    """Why this request came from another site's page, or None when it did not.

    Browsers label every request with ``Sec-Fetch-Site``; older ones send ``Origin`` on POSTs and
    cross-origin requests. Clients that are not browsers (curl, ``openai``, ``gradio_client``) send
    neither and are judged by the login or API token alone.
    """
    site = headers.get("sec-fetch-site")
    if site in ("cross-site", "same-site"):
        navigating = (
            headers.get("sec-fetch-mode") == "navigate" and headers.get("sec-fetch-dest") == "document"
        )
        if method in ("GET", "HEAD") and navigating:
            return None  # a link to the app, opened as a page: it shows the page and reads nothing back
        return f"the request came from another site's page (Sec-Fetch-Site: {site})"
    origin = headers.get("origin")
    if origin is None:
        return None
    if origin == "null":
        return "the request came from a page without an origin (Origin: null)"
    try:
        netloc = urlsplit(origin).netloc.lower()
    except ValueError:
        netloc = ""
    host = headers.get("host", "").lower()
    if netloc != host and netloc.removesuffix(":80") != host.removesuffix(":80"):
        return f"the request came from another site's page (Origin: {origin})"
    return None


@dataclass
class LoginThrottle:
    """At most ``limit`` failed logins per client within ``window`` seconds; then 429 until it passes."""

    limit: int = 10
    window: float = 300.0

    def __post_init__(self) -> None:
        self._failures: dict[str, deque[float]] = {}

    def _recent(self, client: str, now: float) -> deque[float]:
        times = self._failures.get(client, deque())
        while times and now - times[0] > self.window:
            times.popleft()
        return times

    def retry_after(self, client: str) -> float:
        """Seconds until ``client`` may try again; 0 when it may now."""
        now = time.monotonic()
        times = self._recent(client, now)
        if len(times) < self.limit:
            return 0.0
        return max(1.0, self.window - (now - times[0]))

    def failed(self, client: str) -> None:
        now = time.monotonic()
        if len(self._failures) > 10_000:  # many clients: forget those whose failures have expired
            self._failures = {c: t for c, t in self._failures.items() if self._recent(c, now)}
        times = self._recent(client, now)
        times.append(now)
        self._failures[client] = times

    def succeeded(self, client: str) -> None:
        self._failures.pop(client, None)


class BodyTooLarge(Exception):
    """The request body went past its limit while streaming."""


class Guard:
    """ASGI middleware: refuses foreign hosts, cross-site requests, oversized bodies, login floods.

    ``upload_limit`` (bytes) applies to the upload routes (:data:`UPLOAD_PATHS`), :data:`JSON_LIMIT`
    to every other request; ``throttle`` counts failed logins (401 with credentials, or a refused
    ``POST /login``).
    """

    def __init__(
        self, app: ASGIApp, hosts: HostPolicy, upload_limit: int, throttle: LoginThrottle | None = None
    ) -> None:
        self.app = app
        self.hosts = hosts
        self.upload_limit = upload_limit
        self.throttle = throttle

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        method = str(scope.get("method", "GET")).upper()
        path = str(scope.get("path", "")).rstrip("/") or "/"
        host = headers.get("host")
        if not self.hosts.allows(host):
            await _refuse(
                scope,
                send,
                403,
                f"This server does not answer to the host name {host!r}.",
                "Open the UI at its loopback address (http://127.0.0.1:PORT/ or http://localhost:PORT/); "
                "to serve it under another name, add that name to ui.allowed_hosts.",
            )
            return
        reason = cross_site(method, headers)
        if reason is not None:
            await _refuse(
                scope,
                send,
                403,
                f"Refused: {reason}. Other sites' pages may not use this server.",
                "Use the UI itself, or call the API from a program (curl, the openai client), not from a web page.",
            )
            return
        if scope["type"] == "websocket":
            await self.app(scope, receive, send)
            return
        client = str((scope.get("client") or ("?",))[0])
        throttle = self.throttle
        is_login = method == "POST" and path.endswith("/login")
        attempt = throttle is not None and ("authorization" in headers or is_login)
        if throttle is not None and attempt:
            wait = throttle.retry_after(client)
            if wait:
                await _refuse(
                    scope,
                    send,
                    429,
                    "Too many failed logins from this address.",
                    f"Wait {wait:.0f} s, then sign in with the right user and password (or API token).",
                    [(b"retry-after", str(int(wait + 0.999)).encode())],
                )
                return
        limit = self.upload_limit if path.endswith(UPLOAD_PATHS) else JSON_LIMIT  # (behind a path prefix too)
        declared = headers.get("content-length")
        if declared is not None and not declared.strip().isdigit():
            await _refuse(scope, send, 400, "Content-Length is not a number.", "Send a valid HTTP request.")
            return
        if declared is not None and int(declared) > limit:
            await _too_large(scope, send, limit)
            return
        received = 0
        over = False  # the body went past the limit: the client gets 413, whatever the app says
        replied = False
        status: int | None = None

        async def counted() -> Message:
            nonlocal received, over
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    over = True
                    raise BodyTooLarge
            return message

        async def answer(message: Message) -> None:
            nonlocal status, replied
            if over:
                if not replied:
                    replied = True
                    await _too_large(scope, send, limit)
                return
            if message["type"] == "http.response.start":
                replied = True
                status = int(message["status"])
                message["headers"] = [*message.get("headers", []), *SECURITY_HEADERS]
            await send(message)

        try:
            await self.app(scope, counted, answer)
        except Exception:
            if not over:
                raise
        if over and not replied:
            await _too_large(scope, send, limit)
        if throttle is not None and attempt and status is not None:
            if status == 401 or (is_login and status == 400):
                throttle.failed(client)
            elif 200 <= status < 300:
                throttle.succeeded(client)


async def _refuse(
    scope: Scope,
    send: Send,
    status: int,
    message: str,
    fix: str,
    extra: list[tuple[bytes, bytes]] | None = None,
) -> None:
    if scope["type"] == "websocket":
        await send({"type": "websocket.close", "code": 1008, "reason": message[:120]})
        return
    kind = {403: "forbidden", 413: "request_too_large", 429: "rate_limited"}.get(
        status, "invalid_request_error"
    )
    body = json.dumps({"error": {"message": message, "type": kind, "fix": fix, "code": status}}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [*headers, *(extra or []), *SECURITY_HEADERS],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def _too_large(scope: Scope, send: Send, limit: int) -> None:
    await _refuse(
        scope,
        send,
        413,
        f"The request body is larger than this server accepts ({limit / MB:g} MB).",
        "Send fewer or smaller files per request (ui.max_upload_mb per file, ui.max_request_mb per request).",
    )
