"""Long-running helpers other rag processes use: ``rag milvus serve``, ``rag llm serve``."""

from __future__ import annotations

from collections.abc import Callable

import click

from rag_app.cli.common import Ctx
from rag_app.components.llm import local_model_path
from rag_app.llm_server import LocalLLMServer
from rag_app.process import Shutdown
from rag_app.store import open_store


def _serve_until_interrupted(cleanup: Callable[[], None], ready: str = "") -> None:
    """Say ``ready``, block until SIGINT (Ctrl-C) or SIGTERM, then clean up what this process started;
    the process is gone within 8 s of the signal even when cleanup hangs on a loaded machine.

    ``ready`` is printed only once the signal handlers are in place, so whoever waits for it may
    signal at once."""
    with Shutdown(grace=8.0) as shutdown:
        if ready:
            click.echo(ready)
        while not shutdown.wait(1.0):
            pass
        cleanup()


@click.group()
def milvus() -> None:
    """The Milvus index."""


@milvus.command("serve")
@click.pass_obj
def milvus_serve(obj: Ctx) -> None:
    """Hold the Milvus Lite index open so several rag processes can use it at once (Ctrl-C stops)."""
    s = obj.settings
    store = open_store(s, share=True)
    if store.shared_from:
        click.echo(f"Already served by pid {store.shared_from.get('pid')} at {store.shared_from.get('uri')}.")
        return
    _serve_until_interrupted(
        store.close, f"Serving {s.milvus_uri} to other rag processes on 127.0.0.1. Ctrl-C to stop."
    )


@click.group()
def llm() -> None:
    """The local llama.cpp server."""


@llm.command("serve")
@click.pass_obj
def llm_serve(obj: Ctx) -> None:
    """Run the local LLM server in the foreground; other rag commands reuse it."""
    s = obj.settings
    server = LocalLLMServer(
        local_model_path(s), s.data_dir, s.llm.context_window, s.llm.threads, s.llm.startup_timeout
    )
    base = server.ensure()
    if not server.owned:
        click.echo(f"Already running at {base}/v1 (started by another rag process).")
        return
    _serve_until_interrupted(
        server.close,
        f"Local LLM ({s.llm.model}) at {base}/v1 (its API key is in {server.state_path}, readable "
        "only by you). Ctrl-C to stop.",
    )


COMMANDS = [milvus, llm]
