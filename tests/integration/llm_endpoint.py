"""A scripted OpenAI-compatible chat endpoint on 127.0.0.1, for what a real model cannot be made to do on cue.

It speaks the same HTTP and server-sent-events protocol as llama.cpp's server (the app reaches it
through the ``openai`` client, as any remote endpoint), but its reply is the next scripted text,
streamed word by word. With ``hold_after_first`` set, it sends the first word, then waits until
the test calls :meth:`ScriptedEndpoint.release`: a stream that only arrives whole cannot pass.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class ScriptedEndpoint:
    def __init__(self, replies: list[str]) -> None:
        self.replies = list(replies)
        self.requests: list[dict[str, Any]] = []
        self.hold_after_first = False
        self.hold_timeout = 30.0  # a held stream goes on by itself after this (a failing test ends)
        self._release = threading.Event()
        self.first_sent = threading.Event()
        self.finished = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    def start(self) -> ScriptedEndpoint:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._release.set()
        self._server.shutdown()
        self._server.server_close()

    def release(self) -> None:
        self._release.set()

    @contextmanager
    def holding(self) -> Iterator[None]:
        """Within the block, each stream stops after its first word until :meth:`release`."""
        self.hold_after_first = True
        self._release.clear()
        self.first_sent.clear()
        self.finished.clear()
        try:
            yield
        finally:
            self.hold_after_first = False
            self._release.set()

    def _next_reply(self) -> str:
        return self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # quiet
                pass

            def _json(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                if self.path.rstrip("/").endswith("/models"):
                    self._json(200, {"object": "list", "data": [{"id": "scripted", "object": "model"}]})
                else:
                    self._json(404, {"error": {"message": "not found"}})

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                if not self.path.endswith("/chat/completions"):
                    self._json(404, {"error": {"message": "not found"}})
                    return
                endpoint.requests.append(body)
                reply = endpoint._next_reply()
                if not body.get("stream"):
                    message = {"role": "assistant", "content": reply}
                    self._json(200, {"id": "x", "object": "chat.completion", "created": 0, "model": "scripted",
                                     "choices": [{"index": 0, "message": message, "finish_reason": "stop"}]})  # fmt: skip
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                words = reply.split(" ")
                for i, word in enumerate(words):
                    piece = word if i == 0 else " " + word
                    self._event({"content": piece})
                    if i == 0:
                        endpoint.first_sent.set()
                        if endpoint.hold_after_first:
                            endpoint._release.wait(timeout=endpoint.hold_timeout)
                self._event({}, finish="stop")
                self.wfile.write(b"data: [DONE]\n\n")
                self.wfile.flush()
                endpoint.finished.set()

            def _event(self, delta: dict[str, Any], finish: str | None = None) -> None:
                chunk = {"id": "x", "object": "chat.completion.chunk", "created": 0, "model": "scripted",
                         "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}  # fmt: skip
                self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                self.wfile.flush()

        return Handler
