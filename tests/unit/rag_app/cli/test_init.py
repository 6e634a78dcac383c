"""The root command: the core's own commands plus those other packages contribute by entry point."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import click
import pytest

from rag_app import cli as cli_module
from rag_app.cli import add_contributed_commands, cli


def test_the_edges_contribute_their_commands() -> None:
    names = set(cli.list_commands(click.Context(cli)))
    assert {"ingest", "eval", "ui"} <= names
    assert {"search", "ask", "chat", "doctor", "config", "collections", "milvus", "llm"} <= names


def test_an_edge_importing_the_cli_first_still_gets_its_command() -> None:
    import subprocess
    import sys

    code = "import ingest.cli; from rag_app.cli import cli; import click; print(sorted(cli.list_commands(click.Context(cli))))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert "'ingest'" in out.stdout and "could not load" not in out.stderr


def test_a_contribution_that_fails_to_load_is_reported_and_the_rest_work(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken() -> Any:
        raise ImportError("No module named 'gradio'")

    good = click.Command("hello", callback=lambda: None)
    eps = [SimpleNamespace(name="ui", load=broken), SimpleNamespace(name="hello", load=lambda: good)]
    monkeypatch.setattr(cli_module, "entry_points", lambda group: eps)
    group = click.Group("rag")
    add_contributed_commands(group)
    assert list(group.commands) == ["hello"]
    assert (
        "`rag ui` command could not load (ImportError: No module named 'gradio')" in capsys.readouterr().err
    )
