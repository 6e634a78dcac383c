"""The ``rag`` command line: the root group, the core's own commands, and the commands other
packages contribute through the ``rag_app.commands`` entry point group (``ingest``, ``eval``,
``ui``), so the core never imports its edges. Errors become messages here (``RAG_DEBUG=1``
shows tracebacks)."""

from __future__ import annotations

import sys
from importlib.metadata import entry_points

import click

from rag_app import runtime
from rag_app.cli import admin, answers, serve
from rag_app.cli.common import Ctx, err, report_error

ENTRY_POINT_GROUP = "rag_app.commands"


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
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


add_contributed_commands(cli)


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
