"""Real UI servers for the UI and security tests.

``ui_server``: one session server for all of them (registered in ``tests/integration/conftest.py``):
Milvus Lite in tmp, MiniLM, the session Qwen llama.cpp server. It runs the same FastAPI app as
``rag ui`` (Gradio at ``/`` and ``/v1``, behind the guard) under uvicorn on a free loopback port,
with a login, so every test also goes through authentication. ``serving(app)`` runs another app
(another setting: no login, other limits) on its own free port for as long as a test needs it.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import FIXTURES, REPO, ingest_paths, write_config

os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
os.environ["GRADIO_SSR_MODE"] = "False"
os.environ.pop("GRADIO_TEMP_DIR", None)  # the server stages uploads under its own data dir

USER = "alice"
PASSWORD = "correct-horse-battery"
ARTIFACTS = REPO / "test-artifacts" / "ui"


@dataclass
class UIServer:
    url: str
    settings: Any
    pipeline: Any
    service: Any
    upload_dir: Path
    auth: tuple[str, str] = (USER, PASSWORD)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serving(app: Any) -> Iterator[str]:
    """Serve the ASGI ``app`` on a free loopback port (uvicorn in a thread); yields its URL."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, name=f"ui-server-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "UI server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)


@pytest.fixture(scope="session")
def ui_server(
    tmp_path_factory: pytest.TempPathFactory, minilm_path: Path, llm_server: str
) -> Iterator[UIServer]:
    from rag_app.config import load_settings
    from rag_app.pipeline import build_pipeline
    from ui.auth import Credentials
    from ui.server import build_server
    from ui.uploads import upload_dir

    folder = tmp_path_factory.mktemp("ui")
    cfg = write_config(
        folder,
        llm={"provider": "openai", "base_url": llm_server, "model": "qwen", "max_tokens": 96, "timeout": 60},
        # The default reranker cannot be installed offline: the UI must show its banner, not fail.
        reranker={"provider": "flagembedding", "model": "BAAI/bge-reranker-base"},
        retrieval={"top_k": 3},
    )
    settings = load_settings(cfg, env={})
    pipe = build_pipeline(settings, share_index=True)
    docs = folder / "docs"
    shutil.copytree(FIXTURES, docs, ignore=shutil.ignore_patterns("LICENSES.md"))
    report = ingest_paths(pipe, [docs])
    assert report.added == 3, report.as_dict()

    app = build_server(pipe, Credentials({USER: PASSWORD}))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    try:
        with serving(app) as url:
            yield UIServer(url, settings, pipe, app.state.rag_service, upload_dir(settings))
    finally:
        pipe.close()


# What the scripted LLM answers in the UI tests that need an answer on cue: one sentence taken from
# the R FAQ fixture (supported) and one no document says (unsupported), plus an image that must
# never be fetched.
EVIDENCE_REPLY = (
    "New features are typically introduced in r-devel, while r-patched is for bug fixes mostly [1]. "
    "Jupiter has 7 moons [2]."
)
IMAGE_REPLY = "Here: ![chart](http://127.0.0.1:9/leak.png) <img src='http://127.0.0.1:9/leak2.png'>"


@dataclass
class ScriptedUI:
    url: str
    endpoint: Any  # tests.integration.llm_endpoint.ScriptedEndpoint


@pytest.fixture(scope="session")
def scripted_ui(ui_server: UIServer) -> Iterator[ScriptedUI]:
    """A second server on the same index and embedder whose LLM is a scripted OpenAI-compatible endpoint."""
    from rag_app.pipeline import build_pipeline
    from tests.integration.llm_endpoint import ScriptedEndpoint
    from ui.auth import Credentials
    from ui.server import build_server

    endpoint = ScriptedEndpoint([EVIDENCE_REPLY]).start()
    llm = ui_server.settings.llm.model_copy(update={"base_url": endpoint.url, "model": "scripted"})
    settings = ui_server.settings.model_copy(update={"llm": llm})
    parts = ui_server.pipeline.components
    pipe = build_pipeline(settings, embedder=parts.embedder, store=parts.store)
    app = build_server(pipe, Credentials({USER: PASSWORD}))
    try:
        with serving(app) as url:
            yield ScriptedUI(url, endpoint)
    finally:
        pipe.close()
        endpoint.stop()
