"""The server: Gradio and ``/v1`` on one FastAPI app behind the guard, the login or API token, the
upload staging folder, and ``launch`` (uvicorn stubbed)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from rag_app.errors import ConfigError, ModelUnavailable
from rag_app.settings import Settings
from tests.unit.ui.conftest import FakeIndexer, FakePipeline, write_settings
from ui.auth import Credentials
from ui.server import (
    TOKEN_FILE,
    build_server,
    check_exposure,
    credentials_for,
    host_policy,
    launch,
)

LOCAL = "http://127.0.0.1:7860"


def test_only_loopback_may_be_served_without_a_login() -> None:
    for host in ("127.0.0.1", "localhost", "::1", "127.0.0.2"):
        check_exposure(host, Credentials())
    for host in ("0.0.0.0", "::", "10.0.0.5", "example.org"):
        with pytest.raises(ConfigError, match=f"Refusing to serve on {host} without a login") as err:
            check_exposure(host, Credentials())
        assert err.value.fix and "RAG_UI_PASSWORD" in err.value.fix
        check_exposure(host, Credentials({"alice": "pw"}))


def test_host_policy_follows_the_bind_address(settings: Settings) -> None:
    local = host_policy(settings)
    assert local.allows("127.0.0.1:7860") and local.allows("localhost:7860") and local.allows("[::1]:7860")
    assert not local.allows("evil.example:7860") and not local.allows("10.0.0.5:7860")
    lan = host_policy(settings, "192.168.1.20")
    assert lan.allows("192.168.1.20:7860") and not lan.allows("192.168.1.21:7860")
    wide = host_policy(
        settings.model_copy(update={"ui": settings.ui.model_copy(update={"allowed_hosts": ["rag.example"]})}),
        "0.0.0.0",
    )
    assert wide.allows("10.0.0.5:7860") and wide.allows("rag.example") and not wide.allows("evil.example")


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
    assert app.state.api_token is None  # the login protects /v1
    with TestClient(app, base_url=LOCAL) as client:
        assert client.get("/v1/models").status_code == 401
        models = client.get("/v1/models", headers={"Authorization": "Bearer pw"})
        assert models.status_code == 200 and models.json()["data"][0]["id"] == "rag"
        page = client.get("/", follow_redirects=False)
        assert page.status_code == 200 and "gradio" in page.text.lower()  # the login page
        config = client.get("/config")
        assert config.status_code == 401  # the app itself is behind the login
        assert page.headers["x-frame-options"] == "SAMEORIGIN"
    with TestClient(app, base_url="http://testserver") as client:  # a name the server does not answer to
        assert client.get("/v1/models", headers={"Authorization": "Bearer pw"}).status_code == 403


def test_without_a_login_a_token_guards_the_api(
    pipe: FakePipeline,
    indexer: FakeIndexer,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.delenv("GRADIO_TEMP_DIR")
    app = build_server(pipe, Credentials())  # type: ignore[arg-type]
    token = app.state.api_token
    assert token and len(token) >= 32 and build_server(pipe, Credentials()).state.api_token != token  # type: ignore[arg-type]
    assert os.environ["GRADIO_TEMP_DIR"] == str(settings.data_dir / "tmp" / "gradio")
    with TestClient(app, base_url=LOCAL) as client:
        assert client.get("/v1/models").status_code == 401
        assert client.get("/v1/models", headers={"Authorization": f"Bearer {token}"}).status_code == 200
        assert client.get("/config").status_code == 200  # the page itself needs no login
    fixed = build_server(pipe, Credentials(), api_token="my-own-token")  # type: ignore[arg-type]
    assert fixed.state.api_token == "my-own-token"


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
    with pytest.raises(ConfigError, match="without a login"):
        launch(settings, host="0.0.0.0", port=8123)
    assert built == [] and served == []  # refused before anything was loaded
    token_file = settings.data_dir / TOKEN_FILE
    seen: list[str] = []
    monkeypatch.setattr(
        uvicorn.Server, "run", lambda self: (served.append(self.config), seen.append(token_file.read_text()))
    )
    launch(settings, port=8123)
    out = capsys.readouterr().out
    assert "Warning: The reranker is not installed.\nFix: make packs" in out
    assert "RAG UI on http://127.0.0.1:8123/" in out
    token = out.split("API token for /v1 (Authorization: Bearer …, the api_key of OpenAI clients): ")[
        1
    ].split()[0]
    assert seen == [token + "\n"] and f"also in {token_file}" in out
    assert stat.S_IMODE((settings.data_dir).stat().st_mode) == 0o700
    assert not token_file.exists()  # removed when the server stops
    assert built == [(settings, True)] and pipe.closed
    (config,) = served
    assert (config.host, config.port, config.timeout_graceful_shutdown) == ("127.0.0.1", 8123, 3)


def test_launch_with_a_login_may_serve_the_network(
    settings: Settings, pipe: FakePipeline, indexer: FakeIndexer, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    import uvicorn

    monkeypatch.setenv("RAG_UI_USERNAME", "alice")
    monkeypatch.setenv("RAG_UI_PASSWORD", "pw")
    monkeypatch.setattr("ui.server.build_pipeline", lambda s, share_index=False: pipe)
    monkeypatch.setattr(uvicorn.Server, "run", lambda self: None)
    launch(settings, host="0.0.0.0", port=8123)
    out = capsys.readouterr().out
    assert "Login required" in out and "API token" not in out
    assert not (settings.data_dir / TOKEN_FILE).exists()
