"""rag_app.components.embedders.openai_endpoint against a tiny OpenAI-compatible server on 127.0.0.1."""

from __future__ import annotations

import base64
import json
import re
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import numpy as np
import pytest

from rag_app.components.embedders import build_embedder
from rag_app.components.embedders.openai_endpoint import OpenAIEmbedder
from rag_app.config import load_settings
from rag_app.errors import ConfigError, EndpointUnavailable
from rag_app.settings import EmbedderSettings, Settings

NO_KEY = "RAG_TEST_UNSET_EMBEDDINGS_KEY"


def raw_vector(text: str) -> list[float]:
    """Not normalised: (length, 2, 1)."""
    return [float(len(text)), 2.0, 1.0]


@dataclass
class Endpoint:
    base_url: str
    requests: list[dict[str, Any]] = field(default_factory=list)
    status: int = 200


def start(endpoint: Endpoint, server: ThreadingHTTPServer) -> Iterator[Endpoint]:
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield endpoint
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def endpoint() -> Iterator[Endpoint]:
    state = Endpoint("")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            state.requests.append({"path": self.path, **body})
            if state.status != 200:
                reply: dict[str, Any] = {"error": {"message": "no such key", "type": "invalid_request_error"}}
            else:
                texts = body["input"] if isinstance(body["input"], list) else [body["input"]]
                data = []
                for i, text in enumerate(texts):
                    vec = raw_vector(text)
                    if body.get("encoding_format") == "base64":
                        encoded: Any = base64.b64encode(np.asarray(vec, dtype="<f4").tobytes()).decode()
                    else:
                        encoded = vec
                    data.append({"object": "embedding", "index": i, "embedding": encoded})
                data.reverse()  # out of order on purpose: the client must sort by index
                reply = {"object": "list", "data": data, "model": body["model"], "usage": {"prompt_tokens": 1, "total_tokens": 1}}  # fmt: skip
            payload = json.dumps(reply).encode()
            self.send_response(state.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.base_url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    yield from start(state, server)


@pytest.fixture
def fresh(endpoint: Endpoint) -> Endpoint:
    endpoint.requests.clear()
    endpoint.status = 200
    return endpoint


def settings(**embedder: Any) -> Settings:
    values = {"provider": "openai", "model": "test-embed", "api_key_env": NO_KEY, **embedder}
    return load_settings(None, env={}, overrides={"embedder": values})


def unit(vec: list[float]) -> np.ndarray:
    v = np.asarray(vec)
    return v / np.linalg.norm(v)


def test_vectors_come_back_in_input_order_and_normalised(fresh: Endpoint) -> None:
    emb = build_embedder(settings(base_url=fresh.base_url, max_tokens=512))
    assert isinstance(emb, OpenAIEmbedder)
    assert emb.dimension == 3 and fresh.requests[0]["input"] == ["dimension probe"]  # probed once
    texts = ["a", "bbbb", "cccccccc"]
    vectors = emb.embed_passages(texts)
    assert np.allclose(vectors, [unit(raw_vector(t)) for t in texts], atol=1e-6)
    assert fresh.requests[-1]["path"] == "/v1/embeddings" and fresh.requests[-1]["model"] == "test-embed"
    assert emb.revision == fresh.base_url and emb.max_tokens == 512


def test_prefixes_are_sent_and_a_known_dimension_is_not_probed(fresh: Endpoint) -> None:
    emb = build_embedder(settings(base_url=fresh.base_url, dimension=3, normalize=False, query_prefix="q: "))
    assert fresh.requests == []
    assert emb.embed_query("abc") == raw_vector("q: abc")
    assert fresh.requests[0]["input"] == ["q: abc"]


def test_a_refused_request_is_endpoint_unavailable_naming_the_key(fresh: Endpoint) -> None:
    emb = OpenAIEmbedder(EmbedderSettings(provider="openai", model="m", base_url=fresh.base_url, dimension=3))
    fresh.status = 401
    with pytest.raises(EndpointUnavailable, match=r"refused the request \(401\)") as err:
        emb.embed_query("x")
    assert err.value.fix == "Check embedder.model and the key in $OPENAI_API_KEY."


def test_an_unreachable_endpoint_is_endpoint_unavailable_with_a_fix() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    url = f"http://127.0.0.1:{port}/v1"
    with pytest.raises(
        EndpointUnavailable, match=re.escape(f"Embeddings endpoint {url} is not reachable")
    ) as err:
        build_embedder(settings(base_url=url))
    assert (
        err.value.fix is not None and "embedder.base_url" in err.value.fix and "rag doctor" in err.value.fix
    )


@pytest.mark.parametrize("key", [None, "sk-test"])
def test_no_base_url_is_a_config_error_even_with_a_key(
    monkeypatch: pytest.MonkeyPatch, key: str | None
) -> None:
    # Nothing defaults to a remote endpoint: a key alone never sends passages to api.openai.com.
    if key:
        monkeypatch.setenv(NO_KEY, key)
    else:
        monkeypatch.delenv(NO_KEY, raising=False)
    with pytest.raises(ConfigError, match=r"embedder\.base_url is not set") as err:
        build_embedder(settings())
    assert (
        err.value.fix is not None and NO_KEY in err.value.fix and "https://api.openai.com/v1" in err.value.fix
    )


def test_the_key_never_goes_over_plain_http_to_another_host(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(NO_KEY, "sk-secret-value")
    with pytest.raises(
        ConfigError, match=r"Refusing to send the key in \$RAG_TEST_UNSET_EMBEDDINGS_KEY"
    ) as err:
        build_embedder(settings(base_url="http://10.255.255.1:8000/v1"))
    assert err.value.fix and "https://" in err.value.fix and "embedder.allow_http_key: true" in err.value.fix
    assert "sk-secret-value" not in str(err.value)
