"""``rag ui``: the command this package contributes to the ``rag`` CLI (entry point ``rag_app.commands``)."""

from __future__ import annotations

import click

from rag_app.cli.common import Ctx
from rag_app.components.libraries import require


@click.command("ui")
@click.option("--host", default=None, help="Bind address (default ui.host, 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port (default ui.port, 7860).")
@click.pass_obj
def ui_command(obj: Ctx, host: str | None, port: int | None) -> None:
    """Open the browser UI (chat, documents, search, status) and its HTTP API."""
    require("gradio")  # a broken install is named with its version and import error, not a traceback
    from ui.server import launch  # gradio loads only for this command

    launch(obj.settings, host=host, port=port)
