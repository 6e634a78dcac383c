"""A second real server for the security tests, in the default setting: no login.

It shares the session ``ui_server``'s index and embedder (no second model load), and differs
where these tests need it: no login (so ``/v1`` needs the launch token), small request limits,
and an LLM URL with credentials in it (which nothing may show).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.integration.servers import UIServer, serving

URL_SECRET = "hunter2-in-the-url"  # the password inside llm.base_url


@dataclass
class OpenServer:
    url: str
    token: str
    settings: Any
    service: Any
    upload_dir: Path

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])


@pytest.fixture(scope="session")
def open_server(ui_server: UIServer) -> Iterator[OpenServer]:
    from rag_app.pipeline import build_pipeline
    from ui.auth import Credentials
    from ui.server import build_server
    from ui.uploads import upload_dir

    s = ui_server.settings.model_copy(deep=True)
    s.llm.base_url = s.llm.base_url.replace("http://", f"http://rag:{URL_SECRET}@")
    s.ui.max_upload_mb = 0.5
    s.ui.max_request_mb = 1
    parts = ui_server.pipeline.components
    pipe = build_pipeline(s, embedder=parts.embedder, store=parts.store)
    app = build_server(pipe, Credentials())
    with serving(app) as url:
        yield OpenServer(url, app.state.api_token, s, app.state.rag_service, upload_dir(s))
