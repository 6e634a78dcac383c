"""The ``/v1`` routes over a RagService on a fake pipeline: OpenAI shapes, errors, ingest, documents."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from rag_app.errors import EndpointUnavailable, StoreError
from tests.unit.ui.conftest import ANSWER, FakeIndexer, FakePipeline
from ui.api import add_api
from ui.auth import ApiAccess, Credentials
from ui.service import MAX_MESSAGES, MAX_TOP_K, RagService
from ui.uploads import upload_dir

TOKEN = "launch-token"


@pytest.fixture
def client(service: RagService) -> Iterator[TestClient]:
    app = FastAPI()
    add_api(app, service, ApiAccess(Credentials(), token=TOKEN))
    with TestClient(app, headers={"Authorization": f"Bearer {TOKEN}"}) as c:
        yield c


def _error(r: object) -> dict[str, object]:
    body = r.json()  # type: ignore[attr-defined]
    assert set(body["error"]) >= {"message", "type"}, body
    return body["error"]  # type: ignore[no-any-return]


def test_models(client: TestClient) -> None:
    assert client.get("/v1/models").json()["data"] == [
        {"id": "rag", "object": "model", "created": 0, "owned_by": "rag-app"}
    ]


def test_chat_completion(client: TestClient, pipe: FakePipeline) -> None:
    r = client.post(
        "/v1/chat/completions",
        json={
            "model": "mine",
            "top_k": 1,
            "messages": [
                {"role": "system", "content": "ignored"},
                {"role": "user", "content": "Q1"},
                {"role": "assistant", "content": "A1"},
                {"role": "user", "content": [{"type": "text", "text": "Where is the data?"}]},
            ],
        },
    )
    body = r.json()
    assert r.status_code == 200 and body["object"] == "chat.completion" and body["model"] == "mine"
    assert body["choices"][0]["message"] == {"role": "assistant", "content": ANSWER}
    assert [s["source"] for s in body["sources"]] == ["/docs/doc0.md"]  # top_k 1
    assert body["cited"] == [1] and body["condensed_query"] == "standalone: Where is the data?"
    assert body["collection"] == "docs_fake" and body["reranker"] == {"applied": False}
    assert pipe.answered[-1][1] == [{"role": "user", "content": "Q1"}, {"role": "assistant", "content": "A1"}]


def test_chat_completion_stream(client: TestClient) -> None:
    r = client.post(
        "/v1/chat/completions", json={"stream": True, "messages": [{"role": "user", "content": "Q"}]}
    )
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
    lines = [line[len("data: ") :] for line in r.text.splitlines() if line.startswith("data: ")]
    assert lines[-1] == "[DONE]"
    chunks = [json.loads(line) for line in lines[:-1]]
    assert chunks[0]["choices"][0]["delta"] == {"role": "assistant", "content": ""}
    text = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks)
    assert text == ANSWER
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop" and chunks[-1]["cited"] == [1]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"not json", "The request body is not valid JSON."),
        (b'{"messages": []}', "`messages` must be a non-empty list."),
        (b'{"messages": ["hi"]}', "`messages` must be a non-empty list."),
        (b'{"messages": [{"role": "system", "content": "x"}]}', "No user message to answer."),
    ],
)
def test_bad_chat_requests_are_400(client: TestClient, body: bytes, message: str) -> None:
    r = client.post("/v1/chat/completions", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 400 and _error(r) == {
        "message": message,
        "type": "invalid_request_error",
        "fix": None,
        "code": 400,
    }


def test_json_routes_need_the_json_content_type(client: TestClient, indexer: FakeIndexer) -> None:
    body = b'{"messages": [{"role": "user", "content": "Q"}]}'
    for ctype in ("text/plain", "application/x-www-form-urlencoded", None):
        headers = {"content-type": ctype} if ctype else {}
        r = client.post("/v1/chat/completions", content=body, headers=headers)
        assert r.status_code == 415 and "application/json" in _error(r)["message"], ctype
        r = client.post("/v1/ingest", content=b'{"paths": ["a.md"]}', headers=headers)
        assert r.status_code == 415, ctype
    assert indexer.calls == []
    ok = client.post(
        "/v1/chat/completions", content=body, headers={"content-type": "application/json; charset=utf-8"}
    )
    assert ok.status_code == 200


def test_top_k_and_messages_are_capped(client: TestClient, pipe: FakePipeline) -> None:
    user = {"role": "user", "content": "Q"}
    for top_k in (0, MAX_TOP_K + 1, 10**9, "5", True):
        r = client.post("/v1/chat/completions", json={"top_k": top_k, "messages": [user]})
        assert r.status_code == 400 and "top_k" in _error(r)["message"], top_k
    r = client.post("/v1/chat/completions", json={"messages": [user] * (MAX_MESSAGES + 1)})
    assert r.status_code == 400 and f"at most {MAX_MESSAGES}" in _error(r)["message"] and _error(r)["fix"]
    assert pipe.answered == []  # nothing reached the pipeline
    r = client.post("/v1/chat/completions", json={"top_k": MAX_TOP_K, "messages": [user] * MAX_MESSAGES})
    assert r.status_code == 200


def test_without_a_login_the_api_needs_the_token(service: RagService) -> None:
    app = FastAPI()
    add_api(app, service, ApiAccess(Credentials(), token=TOKEN))
    with TestClient(app) as c:
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {TOKEN}"}):
            r = c.get("/v1/documents", headers=headers)
            assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer", headers
            assert "API token" in r.json()["detail"]
        assert c.get("/v1/documents", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200


def test_llm_down_is_a_503_with_the_fix(client: TestClient, pipe: FakePipeline) -> None:
    pipe.fail["answer"] = EndpointUnavailable("The LLM at :9 does not answer.", fix="Start the LLM server.")
    for stream in (False, True):
        r = client.post(
            "/v1/chat/completions", json={"stream": stream, "messages": [{"role": "user", "content": "Q"}]}
        )
        assert r.status_code == 503 and _error(r) == {
            "message": "The LLM at :9 does not answer.",
            "type": "rag_error",
            "fix": "Start the LLM server.",
            "code": 503,
        }


def test_an_error_mid_stream_ends_the_stream_with_it(client: TestClient, pipe: FakePipeline) -> None:
    pipe.fail["tokens"] = StoreError("Index locked.", fix="Stop the other process.")
    r = client.post(
        "/v1/chat/completions", json={"stream": True, "messages": [{"role": "user", "content": "Q"}]}
    )
    chunks = [json.loads(x[6:]) for x in r.text.splitlines() if x.startswith("data: {")]
    assert chunks[-1]["error"] == {"message": "Index locked.", "fix": "Stop the other process."}
    assert (
        "[error] Index locked. Fix: Stop the other process." in chunks[-1]["choices"][0]["delta"]["content"]
    )


def test_documents_and_delete(client: TestClient, pipe: FakePipeline) -> None:
    body = client.get("/v1/documents").json()
    assert body["collection"] == "docs_fake" and [d["doc_id"] for d in body["documents"]] == ["d1", "d2"]
    r = client.delete("/v1/documents/d1", params={"remove_file": "true"})
    assert r.status_code == 400 and "was not uploaded here" in _error(r)["message"]  # nothing deleted
    deleted = client.delete("/v1/documents/d1").json()["deleted"]
    assert deleted["name"] == "a.md" and deleted["file_removed"] is False
    r = client.delete("/v1/documents/d1")
    assert r.status_code == 404 and _error(r)["message"] == "No document with id d1."
    pipe.fail["documents"] = StoreError("Index locked.", fix="Stop the other process.")
    pipe.fail["delete_document"] = RuntimeError("disk gone")
    r = client.get("/v1/documents")
    assert r.status_code == 500 and _error(r) == {
        "message": "Index locked.",
        "type": "rag_error",
        "fix": "Stop the other process.",
        "code": 500,
    }
    del pipe.fail["documents"]
    r = client.delete("/v1/documents/d2")
    assert r.status_code == 500 and _error(r)["message"] == "Unexpected error (RuntimeError): disk gone"


def test_ingest_multipart(client: TestClient, service: RagService, indexer: FakeIndexer) -> None:
    files = [("files", ("notes.md", b"# Notes\n", "text/markdown")), ("files", ("tool.exe", b"MZ", "x"))]
    r = client.post("/v1/ingest", files=files)
    body = r.json()
    stored = upload_dir(service.settings) / "notes.md"
    assert r.status_code == 200 and body["stored"] == [str(stored)] and stored.read_bytes() == b"# Notes\n"
    assert body["uploads"] == [{"name": "notes.md", "path": str(stored), "note": ""}]
    assert body["rejected"][0]["path"] == "tool.exe" and "not allowed" in body["rejected"][0]["error"]
    assert body["report"]["added"] == 1 and indexer.calls == [([stored], False)]


def test_ingest_paths(client: TestClient, service: RagService, indexer: FakeIndexer) -> None:
    (upload_dir(service.settings) / "a.md").write_text("# a\n")
    r = client.post("/v1/ingest", json={"paths": ["a.md", "/etc/passwd"], "sync": True})
    body = r.json()
    assert r.status_code == 200 and body["report"]["added"] == 1 and indexer.calls[-1][1] is True
    assert body["rejected"][0]["path"] == "/etc/passwd" and "data directory" in body["rejected"][0]["error"]
    r = client.post("/v1/ingest", json={"paths": ["/etc/passwd"]})
    assert (
        r.status_code == 400
        and _error(r)["message"] == "Nothing to ingest."
        and len(r.json()["rejected"]) == 1
    )
    r = client.post("/v1/ingest", json={"paths": "a.md"})
    assert r.status_code == 400 and _error(r)["message"] == "`paths` must be a list of strings."
    indexer.fail = StoreError("Index locked.", fix="Stop the other process.")
    r = client.post("/v1/ingest", json={"paths": ["a.md"]})
    assert r.status_code == 500 and r.json()["error"] == {
        "message": "Index locked.",
        "fix": "Stop the other process.",
    }


def test_login_protects_every_route(service: RagService) -> None:
    app = FastAPI()
    add_api(app, service, ApiAccess(Credentials({"alice": "pw"})))
    with TestClient(app) as client:
        r = client.get("/v1/documents")
        assert r.status_code == 401 and r.headers["www-authenticate"].startswith("Basic")
        assert client.get("/v1/documents", auth=("alice", "pw")).status_code == 200
        assert (
            client.post("/v1/ingest", json={"paths": []}, headers={"Authorization": "Bearer no"}).status_code
            == 401
        )
