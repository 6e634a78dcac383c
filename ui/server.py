"""The server behind ``rag ui``: one FastAPI app with the HTTP API at ``/v1`` and Gradio at ``/``.

``build_server(pipeline)`` mounts both; ``launch(settings)`` serves that with uvicorn on 127.0.0.1
by default. Nothing here reaches the network: analytics off, no share link, no server-side rendering.
"""

from __future__ import annotations

import ipaddress
import logging
from types import FrameType

import gradio as gr
from fastapi import FastAPI

from rag_app.pipeline import Pipeline, build_pipeline
from rag_app.process import Shutdown
from rag_app.settings import Settings
from ui.api import add_api
from ui.app import CSS_PATH, create_app
from ui.auth import Credentials, load_credentials
from ui.service import RagService, error_text
from ui.uploads import max_bytes

log = logging.getLogger("rag_app.ui")


def credentials_for(settings: Settings) -> Credentials:
    """The login from the environment and ``ui.users_file``; empty when none is configured."""
    users_file = settings.resolve(settings.ui.users_file) if settings.ui.users_file else None
    return load_credentials(users_file)


def build_server(pipeline: Pipeline, credentials: Credentials | None = None) -> FastAPI:
    """One FastAPI app: ``/v1`` (OpenAI-compatible chat, ingest, documents) and Gradio at ``/``.

    ``app.state.rag_service`` is the service both share; ``app.state.gradio`` the Blocks.
    """
    settings = pipeline.settings
    creds = credentials if credentials is not None else credentials_for(settings)
    service = RagService(pipeline)
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    add_api(app, service, creds)
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
        favicon_path=None,
    )
    app.state.rag_service = service
    app.state.gradio = demo
    return app


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def launch(settings: Settings, host: str | None = None, port: int | None = None) -> None:
    """Serve the app until interrupted; warns when a non-loopback address has no login."""
    import uvicorn

    host = host or settings.ui.host
    port = port or settings.ui.port
    creds = credentials_for(settings)
    if settings.ui.share:
        log.warning("ui.share is not supported by this server (it never tunnels through gradio.live).")
    if not _is_loopback(host) and not creds:
        print(
            f"Warning: serving on {host} without a login. Set RAG_UI_USERNAME and RAG_UI_PASSWORD "
            "(or ui.users_file) before exposing the UI to a network."
        )
    pipeline = build_pipeline(settings, share_index=True)
    print("Loading the embedder and reranker…", flush=True)
    try:
        pipeline.warm_up()
    except Exception as exc:  # shown in the UI's banners and Status tab as well
        msg, fix = error_text(exc)
        print(f"Warning: {msg}" + (f"\nFix: {fix}" if fix else ""))
    app = build_server(pipeline, creds)
    shown = f"[{host}]" if ":" in host else host
    print(f"RAG UI on http://{shown}:{port}/  (OpenAI-compatible API at http://{shown}:{port}/v1)")
    if creds:
        print("Login required (RAG_UI_USERNAME/RAG_UI_PASSWORD or ui.users_file).")
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
