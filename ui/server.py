"""The server behind ``rag ui``: one FastAPI app with the HTTP API at ``/v1`` and Gradio at ``/``.

``build_server(pipeline)`` mounts both behind :class:`ui.guard.Guard` (allowed hosts, no
cross-site requests, body limits, failed-login throttle); ``launch(settings)`` serves that with
uvicorn on 127.0.0.1 by default, and refuses any other address without a login. Without a login,
``/v1`` needs the per-launch API token that ``launch`` prints (and writes to
``<data_dir>/ui-api-token``, readable by the user only). Gradio stages uploads in
``<data_dir>/tmp/gradio`` (0700); the Documents tab removes each file once it is copied. Nothing
here reaches the network: analytics off, no share link, no server-side rendering.
"""

from __future__ import annotations

import logging
import os
import socket
from pathlib import Path
from types import FrameType

import gradio as gr
from fastapi import FastAPI

from rag_app.config import secret
from rag_app.endpoints import is_loopback
from rag_app.errors import ConfigError
from rag_app.folders import private_folder
from rag_app.pipeline import Pipeline, build_pipeline
from rag_app.process import Shutdown
from rag_app.runtime import upload_staging
from rag_app.settings import Settings
from ui.api import add_api
from ui.app import CSS_PATH, create_app
from ui.auth import ApiAccess, Credentials, load_credentials
from ui.evidence import CHAT_JS
from ui.guard import WILDCARDS, Guard, HostPolicy, LoginThrottle
from ui.service import RagService, error_text
from ui.uploads import max_bytes

TOKEN_FILE = "ui-api-token"

log = logging.getLogger("rag_app.ui")


def credentials_for(settings: Settings) -> Credentials:
    """The login from the environment and ``ui.users_file``; empty when none is configured."""
    users_file = settings.resolve(settings.ui.users_file) if settings.ui.users_file else None
    return load_credentials(users_file)


def host_policy(settings: Settings, host: str | None = None) -> HostPolicy:
    """The Host names the server answers to when bound to ``host`` (default ``ui.host``)."""
    bind = host or settings.ui.host
    machine: list[str] = []
    if bind in WILDCARDS:  # every interface: also the names this machine is reached by
        machine = [socket.gethostname(), socket.getfqdn()]
    return HostPolicy(bind, settings.ui.allowed_hosts, machine)


def build_server(
    pipeline: Pipeline,
    credentials: Credentials | None = None,
    *,
    host: str | None = None,
    api_token: str | None = None,
    throttle: LoginThrottle | None = None,
) -> FastAPI:
    """One FastAPI app: ``/v1`` (OpenAI-compatible chat, ingest, documents) and Gradio at ``/``.

    ``credentials``: the login (default: from the environment and ``ui.users_file``); without
    one, ``/v1`` needs ``api_token`` (default: a new random token, ``app.state.api_token``).
    ``host``: the address it will be served on (for the allowed Host names; default ``ui.host``).
    ``app.state.rag_service`` is the service both share; ``app.state.gradio`` the Blocks.
    """
    settings = pipeline.settings
    creds = credentials if credentials is not None else credentials_for(settings)
    access = ApiAccess.for_launch(creds, api_token)
    upload_staging(settings)  # before the Blocks: Gradio reads it from the environment
    service = RagService(pipeline)
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    add_api(app, service, access)
    demo = create_app(pipeline, service)
    demo.queue(default_concurrency_limit=2)
    gr.mount_gradio_app(
        app,
        demo,
        path="/",
        auth=creds.check if creds else None,
        auth_message="Private documents: sign in with your UI user." if creds else None,
        ssr_mode=False,
        max_file_size=max_bytes(settings),
        footer_links=["api"],
        run_history=False,
        mcp_server=False,
        theme=gr.themes.Soft(),
        css=CSS_PATH.read_text(encoding="utf-8"),
        js=CHAT_JS,
        favicon_path=None,
    )
    # Outermost: a request is judged before any route (Gradio's or /v1) reads its body.
    upload_limit = int(max(settings.ui.max_request_mb, settings.ui.max_upload_mb) * 1024 * 1024) + 1024 * 1024
    app.add_middleware(
        Guard,
        hosts=host_policy(settings, host),
        upload_limit=upload_limit,
        throttle=throttle or LoginThrottle(),
    )
    app.state.rag_service = service
    app.state.gradio = demo
    app.state.api_token = access.token
    return app


def check_exposure(host: str, credentials: Credentials) -> None:
    """Refuse to serve a non-loopback address without a login (anyone on the network could use it)."""
    if not is_loopback(host) and not credentials:
        raise ConfigError(
            f"Refusing to serve on {host} without a login: anyone who can reach this machine could "
            "read and change your documents.",
            fix="Set RAG_UI_USERNAME and RAG_UI_PASSWORD (or ui.users_file), or serve on 127.0.0.1 "
            "(ui.host, --host) and put a reverse proxy with TLS in front.",
        )


def write_token(settings: Settings, token: str) -> Path:
    """Write the API token to ``<data_dir>/ui-api-token`` (0600) for local scripts; returns the path."""
    path = private_folder(settings.data_dir) / TOKEN_FILE
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(token + "\n")
    os.chmod(path, 0o600)
    return path


def remove_token(path: Path, token: str) -> None:
    """Remove the token file unless another server has written its own token there since."""
    try:
        if path.read_text().strip() == token:
            path.unlink()
    except OSError:
        pass


def launch(settings: Settings, host: str | None = None, port: int | None = None) -> None:
    """Serve the app until interrupted; refuses a non-loopback address without a login."""
    import uvicorn

    host = host or settings.ui.host
    port = port or settings.ui.port
    creds = credentials_for(settings)
    if settings.ui.share:
        log.warning("ui.share is not supported by this server (it never tunnels through gradio.live).")
    check_exposure(host, creds)
    pipeline = build_pipeline(settings, share_index=True)
    print("Loading the embedder and reranker…", flush=True)
    try:
        pipeline.warm_up()
    except Exception as exc:  # shown in the UI's banners and Status tab as well
        msg, fix = error_text(exc)
        print(f"Warning: {msg}" + (f"\nFix: {fix}" if fix else ""))
    app = build_server(pipeline, creds, host=host, api_token=secret("RAG_UI_API_TOKEN"))
    shown = f"[{host}]" if ":" in host else host
    print(f"RAG UI on http://{shown}:{port}/  (OpenAI-compatible API at http://{shown}:{port}/v1)")
    token: str | None = app.state.api_token
    token_file = write_token(settings, token) if token else None
    if creds:
        print("Login required (RAG_UI_USERNAME/RAG_UI_PASSWORD or ui.users_file).")
    else:
        print(f"API token for /v1 (Authorization: Bearer …, the api_key of OpenAI clients): {token}")
        print(
            f"  also in {token_file} (readable by you only); a new one each launch unless RAG_UI_API_TOKEN is set."
        )
    shutdown = Shutdown(grace=8.0)

    class _Server(uvicorn.Server):
        def handle_exit(self, sig: int, frame: FrameType | None) -> None:
            shutdown.arm()  # from the first signal on, the process is gone within 8 s
            super().handle_exit(sig, frame)

    # Streaming answers would hold a graceful shutdown open: give them 3 s, then cancel.
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", timeout_graceful_shutdown=3)
    with shutdown:
        try:
            _Server(config).run()
        finally:
            app.state.rag_service.set_watch(False)  # the watched upload folder's thread ends first
            pipeline.close()
            if token and token_file:
                remove_token(token_file, token)
