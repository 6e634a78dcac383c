"""What every command shares: the settings of this invocation, the pipeline, error messages."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from rag_app import runtime
from rag_app.cli.terminal import safe
from rag_app.config import load_settings
from rag_app.errors import RagError, describe
from rag_app.pipeline import Components, Pipeline, build_pipeline
from rag_app.settings import Settings


class Ctx:
    """The root context object: ``--config``, and the settings loaded once on first use."""

    def __init__(self, config: str | None) -> None:
        self.config = config
        self._settings: Settings | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = load_settings(self.config)
            runtime.offline(self._settings)
        return self._settings


def settings_of(ctx: click.Context) -> Settings:
    """The settings of this invocation, from any command's context."""
    obj = ctx.find_root().obj
    if isinstance(obj, Ctx):
        return obj.settings
    return Ctx(None).settings


@contextmanager
def open_pipeline(settings: Settings, share_index: bool = False) -> Iterator[Pipeline]:
    pipe = build_pipeline(Components(settings, share_index))
    try:
        yield pipe
    finally:
        pipe.close()


def err(text: str) -> None:
    """A message on stderr; file names and document text in it cannot drive the terminal."""
    click.echo(safe(text), err=True)


def warn_reranker(pipe: Pipeline, as_json: bool) -> None:
    """Say that reranking is skipped, and why (a command calls this once)."""
    status = pipe.reranker_status
    if status.enabled and not status.available:
        err(f"Warning: reranking skipped: {status.reason}")
        if status.fix and not as_json:
            err(f"  Fix: {status.fix}")


def where(p: dict[str, Any]) -> str:
    name = Path(p["source"]).name
    return f"{name}, page {p['page']}" if p.get("page") is not None else name


def report_error(exc: BaseException) -> int:
    """The CLI's one error-to-message conversion: ``Error (Kind): message`` and ``Fix: ...``.

    ``RAG_DEBUG=1`` re-raises instead. Returns the exit code.
    """
    if os.environ.get("RAG_DEBUG"):
        raise exc
    message, fix = describe(exc)
    kind = type(exc).__name__
    err(f"Error ({kind}): {message}" if isinstance(exc, RagError) else f"Error: {message}")
    if fix:
        err(f"Fix: {fix}")
    return exc.exit_code if isinstance(exc, RagError) else 1
