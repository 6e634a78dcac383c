"""The server: Gradio and ``/v1`` on one FastAPI app, the login, and ``launch`` (uvicorn stubbed)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from rag_app.errors import ModelUnavailable
from rag_app.settings import Settings
from tests.unit.ui.conftest import FakeIndexer, FakePipeline, write_settings
from ui.auth import Credentials
from ui.server import _is_loopback, build_server, credentials_for, launch


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("127.0.0.1", True), ("localhost", True), ("::1", True), ("0.0.0.0", False), ("10.0.0.5", False),
     ("example.org", False)],
)  # fmt: skip
def test_is_loopback(host: str, loopback: bool) -> None:
    assert _is_loopback(host) is loopback


def test_credentials_from_the_users_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RAG_UI_USERNAME", raising=False)
    monkeypatch.delenv("RAG_UI_PASSWORD", raising=False)
    assert not credentials_for(write_settings(tmp_path / "open"))
    (tmp_path / "locked").mkdir()
    (tmp_path / "locked" / "users.txt").write_text("alice:pw\n")
    creds = credentials_for(write_settings(tmp_path / "locked", ui={"users_file": "users.txt"}))
    assert creds.check("alice", "pw")  # relative to the config file's folder


def test_build_server_mounts_gradio_and_the_api(pipe: FakePipeline, indexer: FakeIndexer) -> None:
    app = build_server(pipe, Credentials({"alice": "pw"}))  # type: ignore[arg-type]
    assert app.state.rag_service.pipe is pipe and app.state.gradio is not None
    with TestClient(app) as client:
        assert client.get("/v1/models").status_code == 401
        models = client.get("/v1/models", headers={"Authorization": "Bearer pw"})
        assert models.status_code == 200 and models.json()["data"][0]["id"] == "rag"
        page = client.get("/", follow_redirects=False)
        assert page.status_code == 200 and "gradio" in page.text.lower()  # the login page
        config = client.get("/config")
        assert config.status_code == 401  # the app itself is behind the login


def test_launch_serves_then_closes_the_pipeline(
    settings: Settings,
    pipe: FakePipeline,
    indexer: FakeIndexer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import uvicorn

    monkeypatch.delenv("RAG_UI_USERNAME", raising=False)
    monkeypatch.delenv("RAG_UI_PASSWORD", raising=False)
    built: list[tuple[Settings, bool]] = []

    def build_pipeline(s: Settings, share_index: bool = False) -> FakePipeline:
        built.append((s, share_index))
        return pipe

    served: list[uvicorn.Config] = []
    monkeypatch.setattr("ui.server.build_pipeline", build_pipeline)
    monkeypatch.setattr(uvicorn.Server, "run", lambda self: served.append(self.config))
    pipe.fail["warm_up"] = ModelUnavailable("The reranker is not installed.", fix="make packs")
    launch(settings, host="0.0.0.0", port=8123)
    out = capsys.readouterr().out
    assert "Warning: serving on 0.0.0.0 without a login" in out
    assert "Warning: The reranker is not installed.\nFix: make packs" in out
    assert "RAG UI on http://0.0.0.0:8123/" in out
    assert built == [(settings, True)] and pipe.closed
    (config,) = served
    assert (config.host, config.port, config.timeout_graceful_shutdown) == ("0.0.0.0", 8123, 3)
