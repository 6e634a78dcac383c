"""How ``rag eval`` commands show progress: a rich bar per phase on a terminal, plain lines otherwise."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import click

from rag_app.progress import NoProgress, Progress, Step

if TYPE_CHECKING:
    import rich.progress


def step_text(step: Step) -> str:
    """What a step is about, in a few words: its item and note (``q3 faithfulness ok``)."""
    return " ".join(part for part in (step.item, step.note) if part)


class ProgressBars:
    """A :class:`~rag_app.progress.Progress` for a terminal, used as a context manager.

    On a terminal (``tty``; default: whether stderr is one) each phase gets a transient rich bar
    labelled ``<label>: <phase>``; otherwise each step is a ``[phase done/total] item note`` line
    on stderr.
    """

    def __init__(self, label: str = "eval", tty: bool | None = None) -> None:
        self.label = label
        self.tty = sys.stderr.isatty() if tty is None else tty
        self.bar: rich.progress.Progress | None = None
        self.tasks: dict[str, rich.progress.TaskID] = {}

    def __enter__(self) -> ProgressBars:
        if self.tty:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
            from rich.progress import Progress as RichProgress

            self.bar = RichProgress(
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                TextColumn("{task.fields[msg]}"),
                console=Console(stderr=True),
                transient=True,
            )
            self.bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()
            self.bar = None

    def update(self, step: Step) -> None:
        text = step_text(step)
        if self.bar is None:
            click.echo(f"[{step.phase} {step.done}/{step.total}] {text}", err=True)
            return
        if step.phase not in self.tasks:
            self.tasks[step.phase] = self.bar.add_task(
                f"{self.label}: {step.phase}", total=step.total, msg=""
            )
        self.bar.update(self.tasks[step.phase], completed=step.done, total=step.total, msg=text[:60])


@contextmanager
def progress_bars(enabled: bool, label: str = "eval") -> Iterator[Progress]:
    """:class:`ProgressBars` while the block runs, or :class:`NoProgress` when not ``enabled`` (``--json``)."""
    if not enabled:
        yield NoProgress()
        return
    with ProgressBars(label) as bars:
        yield bars
