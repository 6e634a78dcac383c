"""The HTTP side against a real server: auth, the OpenAI-compatible endpoint, ingest, documents,
and the Gradio ``/chat`` API through gradio_client."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import norm
from tests.integration.servers import EVIDENCE_REPLY, PASSWORD, USER, ScriptedUI, UIServer

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]

R_QUESTION = "In R, where are new features typically introduced?"
SQLITE_QUESTION = "How many hits per day can a website using SQLite handle?"


def _names(sources: list[dict[str, Any]]) -> list[str]:
    return [Path(s["source"]).name for s in sources]


def check_grounding(answer: str, grounding: dict[str, Any], sources: list[dict[str, Any]]) -> None:
    """The documented shape, sentences in answer order, spans that index their passage's text."""
    assert set(grounding) == {"sentences", "supported_share"} and grounding["sentences"]
    pos = 0
    for s in grounding["sentences"]:
        assert set(s) == {"text", "supported", "passage", "span", "score"}
        pos = answer.index(s["text"], pos)  # each sentence is the answer's own text, in order
        if s["supported"]:
            start, end = s["span"]
            assert 1 <= s["passage"] <= len(sources) and 0 <= start < end <= len(
                sources[s["passage"] - 1]["text"]
            )
        else:
            assert s["passage"] is None and s["span"] is None
    supported = sum(s["supported"] for s in grounding["sentences"])
    assert grounding["supported_share"] == round(supported / len(grounding["sentences"]), 3)


def test_unauthenticated_requests_are_refused(ui_server: UIServer) -> None:
    from gradio_client import Client

    url = ui_server.url
    with httpx.Client(base_url=url, timeout=30) as http:
        # Gradio: its config, API info and queue need the login (the page itself is the login form).
        for method, path in [
            ("GET", "/config"),
            ("GET", "/gradio_api/info"),
            ("POST", "/gradio_api/queue/join"),
            ("POST", "/gradio_api/call/chat"),
        ]:
            r = http.request(method, path, json={})
            assert r.status_code == 401, (path, r.status_code)
        # /v1: no credentials, a wrong password, a wrong scheme
        for headers in [{}, {"Authorization": "Bearer nope"}, {"Authorization": "Token " + PASSWORD}]:
            for method, path in [
                ("GET", "/v1/documents"),
                ("GET", "/v1/models"),
                ("POST", "/v1/chat/completions"),
            ]:
                r = http.request(method, path, headers=headers, json={"messages": []})
                assert r.status_code == 401, (path, headers, r.status_code)
        r = http.post("/v1/ingest", files={"files": ("x.md", b"# x\nhello")})
        assert r.status_code == 401
        assert not list(ui_server.upload_dir.glob("x.md"))
        # with the same credentials: Basic, Bearer <password>, Bearer <user:password>
        assert http.get("/v1/models", auth=(USER, "wrong")).status_code == 401
        assert http.get("/v1/models", auth=(USER, PASSWORD)).status_code == 200
        assert http.get("/v1/models", headers={"Authorization": f"Bearer {PASSWORD}"}).status_code == 200
        bearer = {"Authorization": f"Bearer {USER}:{PASSWORD}"}
        assert http.get("/v1/documents", headers=bearer).status_code == 200
        # Gradio's login with the same credentials opens its config
        assert http.post("/login", data={"username": USER, "password": PASSWORD}).status_code == 200
        assert http.get("/config").status_code == 200
    with pytest.raises(Exception):  # noqa: B017 - gradio_client raises its own auth errors
        Client(url, verbose=False)


def test_openai_client_non_streaming(ui_server: UIServer) -> None:
    from openai import OpenAI

    client = OpenAI(base_url=f"{ui_server.url}/v1", api_key=PASSWORD, max_retries=0, timeout=120)
    assert [m.id for m in client.models.list().data] == ["rag"]
    resp = client.chat.completions.create(
        model="rag",
        messages=[
            {"role": "system", "content": "You are helpful."},
            {"role": "user", "content": R_QUESTION},
        ],
    )
    answer = resp.choices[0].message.content or ""
    assert answer.strip() and resp.choices[0].message.role == "assistant"
    extra = resp.model_extra or {}
    sources = extra["sources"]
    assert "r-faq-2pages.pdf" in _names(sources)
    assert extra["condensed_query"] is None and extra["refused"] is False
    check_grounding(answer, extra["grounding"], sources)
    pointed = set(extra["cited"]) | {s["passage"] for s in extra["grounding"]["sentences"] if s["passage"]}
    assert pointed, "the answer must point at at least one passage (cited, or found as evidence)"
    assert "r-devel" in norm(" ".join(sources[n - 1]["text"] for n in pointed))
    assert extra["reranker"]["applied"] is False  # the default reranker is not installable offline
    assert "grounding" in extra["timings_ms"]


def test_openai_client_streaming_follow_up(ui_server: UIServer) -> None:
    from openai import OpenAI

    client = OpenAI(base_url=f"{ui_server.url}/v1", api_key=f"{USER}:{PASSWORD}", max_retries=0, timeout=120)
    stream = client.chat.completions.create(
        model="rag",
        stream=True,
        messages=[
            {"role": "user", "content": "Which database engine works for low to medium traffic websites?"},
            {
                "role": "assistant",
                "content": "SQLite works great for most low to medium traffic websites [1].",
            },
            {"role": "user", "content": "How many hits per day can it handle?"},
        ],
    )
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert len(chunks) > 3 and text.strip()
    last = chunks[-1]
    assert last.choices[0].finish_reason == "stop"
    extra = last.model_extra or {}
    assert "sqlite-whentouse-short.html" in _names(extra["sources"])
    assert extra["condensed_query"], "a follow-up is condensed into a standalone query"
    assert any(w in extra["condensed_query"].lower() for w in ("sqlite", "database", "website"))


def test_ingest_documents_and_delete_over_http(ui_server: UIServer) -> None:
    body = b"# Lighthouse log\n\nThe Varnholm lighthouse keeper in 1911 was Edda Sturlusdottir.\n"
    auth = (USER, PASSWORD)
    with httpx.Client(base_url=ui_server.url, timeout=120, auth=auth) as http:
        r = http.post(
            "/v1/ingest",
            files=[
                ("files", ("../../escape/lighthouse.md", body, "text/markdown")),
                ("files", ("tool.exe", b"MZ" + b"\0" * 10, "application/octet-stream")),
            ],
        )
        assert r.status_code == 200, r.text
        data = r.json()
        stored = [Path(p) for p in data["stored"]]
        assert stored == [ui_server.upload_dir / "lighthouse.md"]  # traversal stripped, inside uploads
        assert data["rejected"][0]["path"] == "tool.exe" and "not allowed" in data["rejected"][0]["error"]
        assert data["report"]["added"] == 1 and data["report"]["chunks"] >= 1

        # JSON paths: relative to the upload folder; nothing outside the data directory
        r = http.post("/v1/ingest", json={"paths": ["lighthouse.md"]})
        assert r.status_code == 200 and r.json()["report"]["unchanged"] == 1
        r = http.post("/v1/ingest", json={"paths": ["/etc/hostname", "../../../../etc"]})
        assert r.status_code == 400
        assert all("data directory" in x["error"] for x in r.json()["rejected"])

        docs = http.get("/v1/documents").json()["documents"]
        doc = next(d for d in docs if d["name"] == "lighthouse.md")
        assert doc["chunks"] >= 1 and doc["complete"]
        assert {"r-faq-2pages.pdf", "sqlite-whentouse-short.html", "notes.md"} <= {d["name"] for d in docs}

        r = http.delete(f"/v1/documents/{doc['doc_id']}", params={"remove_file": "true"})
        assert r.status_code == 200 and r.json()["deleted"]["file_removed"] is True
        assert not (ui_server.upload_dir / "lighthouse.md").exists()
        assert "lighthouse.md" not in {d["name"] for d in http.get("/v1/documents").json()["documents"]}
        assert http.delete(f"/v1/documents/{doc['doc_id']}").status_code == 404


def test_gradio_client_chat_streams_with_sources(ui_server: UIServer) -> None:
    from gradio_client import Client

    client = Client(ui_server.url, auth=(USER, PASSWORD), verbose=False)
    job = client.submit(SQLITE_QUESTION, [], api_name="/chat")
    partials = [out["answer"] for out in job]
    final = job.result()
    assert len(partials) > 2 and partials[-1] == final["answer"], "the answer streams"
    assert final["done"] and final["error"] is None and final["answer"].strip()
    assert _names(final["sources"])[0] == "sqlite-whentouse-short.html"
    assert final["condensed_query"] is None and final["refused"] is False
    check_grounding(final["answer"], final["grounding"], final["sources"])


def test_the_stream_sends_the_first_token_before_the_llm_has_finished(scripted_ui: ScriptedUI) -> None:
    """The endpoint stops after its first word until the test has seen it arrive as a chunk."""
    body = {"model": "rag", "stream": True, "messages": [{"role": "user", "content": R_QUESTION}]}
    url = f"{scripted_ui.url}/v1/chat/completions"
    with (
        scripted_ui.endpoint.holding(),
        httpx.Client(auth=(USER, PASSWORD), timeout=120) as http,
        http.stream("POST", url, json=body) as r,
    ):
        lines = r.iter_lines()
        first = next(_content_chunks(lines))
        assert first == "New" and not scripted_ui.endpoint.finished.is_set()
        scripted_ui.endpoint.release()
        rest = list(_content_chunks(lines, final=True))
    *pieces, final = rest
    assert first + "".join(pieces) == EVIDENCE_REPLY and final["choices"][0]["finish_reason"] == "stop"
    sentences = final["grounding"]["sentences"]
    assert [s["supported"] for s in sentences] == [True, False]  # the real MiniLM judged it
    assert final["grounding"]["supported_share"] == 0.5 and final["cited"] == [1, 2]


def test_an_off_topic_question_is_refused_without_asking_the_llm(scripted_ui: ScriptedUI) -> None:
    asked = len(scripted_ui.endpoint.requests)
    body = {"model": "rag", "messages": [{"role": "user", "content": "How many moons does Jupiter have?"}]}
    r = httpx.post(f"{scripted_ui.url}/v1/chat/completions", json=body, auth=(USER, PASSWORD), timeout=60)
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["refused"] is True and out["grounding"] is None and out["cited"] == []
    assert out["choices"][0]["message"]["content"].startswith("I could not find this in your documents")
    assert out["sources"], "the closest passages are shown"
    assert len(scripted_ui.endpoint.requests) == asked  # the LLM was not called
    assert "refuse" in out["timings_ms"] and "first_token" not in out["timings_ms"]


def _content_chunks(lines: Any, final: bool = False) -> Any:
    """The text of each content chunk of an SSE stream; with ``final``, the last chunk's JSON too."""
    import json

    for line in lines:
        if not line.startswith("data: ") or line == "data: [DONE]":
            continue
        chunk = json.loads(line[6:])
        piece = chunk["choices"][0]["delta"].get("content")
        if piece:
            yield piece
        elif final and chunk["choices"][0]["finish_reason"]:
            yield chunk
