"""Gradio UI and HTTP API over the RAG pipeline: ``create_app(pipeline)``, ``launch(settings)``."""

from __future__ import annotations

from typing import Any


def launch(settings: Any, host: str | None = None, port: int | None = None) -> None:
    from rag_app.components.libraries import require

    require("gradio")  # a broken install is named with its version and import error, not a traceback
    from ui.app import launch as _launch

    _launch(settings, host=host, port=port)
