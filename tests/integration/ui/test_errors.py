"""The LLM endpoint down: a readable message with the fix in the chat and a 503 on /v1, no traceback."""

from __future__ import annotations

import socket
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.integration.servers import UIServer

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]


def _dead_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"  # closed again: nothing listens there


def test_llm_down_is_a_readable_message(ui_server: UIServer) -> None:
    from rag_app.pipeline import build_pipeline
    from ui.api import add_api
    from ui.auth import ApiAccess, Credentials
    from ui.service import RagService

    s = ui_server.settings.model_copy(deep=True)
    s.llm.base_url = _dead_url()
    s.llm.timeout = 5
    pipe = build_pipeline(
        s, embedder=ui_server.pipeline.components.embedder, store=ui_server.pipeline.components.store
    )
    service = RagService(pipe)
    events = list(service.chat("In R, where are new features typically introduced?"))
    last = events[-1]
    assert last.done and last.error is not None
    assert last.status == 503, last.error  # the LLM endpoint, not the index
    message, fix = last.error
    assert "Traceback" not in message and message.strip()
    assert fix

    app = FastAPI()
    add_api(app, service, ApiAccess(Credentials(), token="t"))
    with TestClient(app, headers={"Authorization": "Bearer t"}) as client:
        r = client.post(
            "/v1/chat/completions",
            json={"messages": [{"role": "user", "content": "Where are new features of R introduced?"}]},
        )
        body: dict[str, Any] = r.json()
        assert r.status_code == 503, body
        assert body["error"]["message"] == message and body["error"]["fix"] == fix
