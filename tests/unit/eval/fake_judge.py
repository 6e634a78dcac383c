"""A deterministic OpenAI-compatible judge on 127.0.0.1 for unit tests (a real HTTP server).

It fills whatever JSON schema the request carries (``response_format.json_schema``, or the schema
quoted in the system message in JSON mode) with plausible values. Markers in the prompt change
its behaviour: ``GARBAGE`` -> a reply that is not JSON; ``SLOWJUDGE`` -> sleeps past the client's
timeout; ``BADCASE`` -> integer verdicts 0 (otherwise 1);
``EMPTYQ`` -> empty strings.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def _resolve(schema: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if ref and ref.startswith("#/$defs/"):
        return root["$defs"][ref.split("/")[-1]]
    return schema


def fill(schema: dict[str, Any], root: dict[str, Any], bad: bool, empty: bool = False) -> Any:
    schema = _resolve(schema, root)
    if "anyOf" in schema:
        return fill(schema["anyOf"][0], root, bad, empty)
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        return {k: fill(v, root, bad, empty) for k, v in schema.get("properties", {}).items()}
    if kind == "array":
        return [fill(schema.get("items", {}), root, bad, empty) for _ in range(2)]
    if kind == "integer":
        return 0 if bad else 1
    if kind == "number":
        return 0.0 if bad else 1.0
    if kind == "boolean":
        return False
    if empty:
        return ""
    return "BADCASE: what is stated here?" if bad else "What is stated here?"


class FakeJudge:
    def __init__(self, delay: float = 0.0) -> None:
        self.requests: list[dict[str, Any]] = []
        self.delay = delay
        self.slow_seconds = 3.0
        judge = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _send(self, code: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(code)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(data)

            def do_GET(self) -> None:
                self._send(200, {"object": "list", "data": [{"id": "fake-judge", "object": "model"}]})

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))))
                judge.requests.append(body)
                if self.path.endswith("/embeddings"):
                    inputs = body["input"] if isinstance(body["input"], list) else [body["input"]]
                    data = [
                        {"index": i, "embedding": [1.0, float(len(t) % 7), 0.5]} for i, t in enumerate(inputs)
                    ]
                    self._send(200, {"object": "list", "data": data, "model": "fake"})
                    return
                prompt = "\n".join(str(m.get("content", "")) for m in body.get("messages", []))
                if "SLOWJUDGE" in prompt:
                    time.sleep(judge.slow_seconds)
                if judge.delay:
                    time.sleep(judge.delay)
                fmt = body.get("response_format") or {}
                if "GARBAGE" in prompt:
                    content = "I think the answer is mostly fine, no JSON here."
                elif fmt.get("type") == "json_schema":
                    schema = fmt["json_schema"]["schema"]
                    content = json.dumps(fill(schema, schema, "BADCASE" in prompt, "EMPTYQ" in prompt))
                else:
                    # JSON mode: the schema is quoted in the system message.
                    system = next((m["content"] for m in body["messages"] if m["role"] == "system"), "")
                    start = system.find("{")
                    schema = json.JSONDecoder().raw_decode(system[start:])[0] if start >= 0 else {}
                    content = "```json\n" + json.dumps(fill(schema, schema, "BADCASE" in prompt)) + "\n```"
                self._send(
                    200,
                    {
                        "id": "x",
                        "object": "chat.completion",
                        "created": 0,
                        "model": body.get("model", "fake"),
                        "choices": [
                            {"index": 0, "finish_reason": "stop",
                             "message": {"role": "assistant", "content": content}}
                        ],
                        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
                    },
                )  # fmt: skip

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def chat_requests(self) -> list[dict[str, Any]]:
        return [r for r in self.requests if "messages" in r]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
