"""The ``rag`` command line: the root group, the core's own commands, and the commands other
packages contribute through the ``rag_app.commands`` entry point group (``ingest``, ``eval``,
``ui``), so the core never imports its edges. Errors become messages here (``RAG_DEBUG=1``
shows tracebacks)."""

from __future__ import annotations

import sys
from importlib.metadata import entry_points
from typing import Any

import click

from rag_app import runtime
from rag_app.cli import admin, answers, serve
from rag_app.cli.common import Ctx, err, report_error

ENTRY_POINT_GROUP = "rag_app.commands"


class RagGroup(click.Group):
    """The root group; commands contributed by other packages load on first use, not at import
    (an edge that imports ``rag_app.cli.common`` while loading must not find a half-built root)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._contributed = False

    def _load_contributed(self) -> None:
        if not self._contributed:
            self._contributed = True
            add_contributed_commands(self)

    def list_commands(self, ctx: click.Context) -> list[str]:
        self._load_contributed()
        return super().list_commands(ctx)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        self._load_contributed()
        return super().get_command(ctx, cmd_name)


@click.group(cls=RagGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config",
    type=click.Path(dir_okay=False),
    default=None,
    help="config.yaml to use (else $RAG_CONFIG, else ./config.yaml).",
)
@click.version_option(package_name="rag-app")
@click.pass_context
def cli(ctx: click.Context, config: str | None) -> None:
    """Private-document RAG: ingest files, search them, ask questions with cited answers."""
    ctx.obj = Ctx(config)


for _command in (*answers.COMMANDS, *admin.COMMANDS, *serve.COMMANDS):
    cli.add_command(_command)


def add_contributed_commands(group: click.Group) -> None:
    """Commands other installed packages contribute (``[project.entry-points."rag_app.commands"]``).

    A contribution that fails to load is reported, and the other commands still work.
    """
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        try:
            command = ep.load()
        except Exception as exc:
            err(f"Warning: the `rag {ep.name}` command could not load ({type(exc).__name__}: {exc}).")
            continue
        group.add_command(command, name=ep.name)


def main() -> None:
    runtime.prepare()
    try:
        cli(standalone_mode=False)
    except click.exceptions.Abort:
        err("Aborted.")
        sys.exit(1)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        err("Interrupted.")
        sys.exit(130)
    except Exception as exc:
        sys.exit(report_error(exc))


__all__ = ["cli", "main"]
