"""``rag ingest``: the command this package contributes to the ``rag`` CLI (entry point ``rag_app.commands``)."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

import click

from ingest.indexer import build_indexer
from rag_app.cli.common import Ctx, err
from rag_app.cli.terminal import safe
from rag_app.pipeline import Components
from rag_app.progress import Step

if TYPE_CHECKING:
    import rich.progress


class CliProgress:
    """The ingest :class:`~rag_app.progress.Progress` of the CLI: a bar (files, chunks, rate, ETA) on
    a terminal, one line per file on stderr otherwise, nothing when ``enabled`` is false (``--json``)."""

    MARKS: ClassVar[dict[str, str]] = {"failed": "!", "deleted": "x"}  # printed above the bar

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.tty = enabled and sys.stderr.isatty()
        self.bar: rich.progress.Progress | None = None
        self.task: rich.progress.TaskID | None = None
        self.t0 = 0.0
        self.chunks = 0

    def update(self, step: Step) -> None:
        """The first step (nothing done, no status) starts the bar; each later one is a file done."""
        if step.done == 0 and step.status == "":
            self._start(step.total)
        elif step.status:
            self._file_done(Path(step.item), step.status, step.units)

    def _start(self, files: int) -> None:
        if not self.tty:
            return
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        self.bar = Progress(
            TextColumn("[bold]ingest"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("files · {task.fields[chunks]} chunks · {task.fields[rate]}"),
            TimeRemainingColumn(),
            transient=True,
        )
        self.bar.start()
        self.task = self.bar.add_task("ingest", total=files, chunks=0, rate="")
        self.t0 = time.monotonic()

    def _file_done(self, path: Path, status: str, chunks: int) -> None:
        self.chunks += chunks
        if self.bar is not None and self.task is not None:
            rate = self.chunks / max(time.monotonic() - self.t0, 1e-6)
            advance = 0 if status == "deleted" else 1
            self.bar.update(self.task, advance=advance, chunks=self.chunks, rate=f"{rate:.1f} chunks/s")
            if status in ("failed", "deleted"):
                self.bar.console.print(f"  {self.MARKS[status]} {status:9} {safe(str(path))}", markup=False)
        elif self.enabled:
            err(f"{status}: {path}" + (f" ({chunks} chunks)" if chunks else ""))

    def finish(self) -> None:
        """Take the bar off the terminal (call once the run is over, even after an error)."""
        if self.bar is not None:
            self.bar.stop()


@click.command("ingest")
@click.argument("paths", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.option("--sync", is_flag=True, help="Also remove documents whose files are gone from these paths.")
@click.option(
    "--if-new",
    is_flag=True,
    help="Only ingest when the embedder's collection does not exist yet (first run).",
)
@click.pass_obj
def ingest_command(obj: Ctx, paths: tuple[str, ...], as_json: bool, sync: bool, if_new: bool) -> None:
    """Add, update (and with --sync remove) documents in the current embedder's collection."""
    components = Components(obj.settings)
    try:
        collection = components.collection
        if if_new and collection.count() > 0:
            if not as_json:
                err(f"Collection {collection.name} already has documents; skipping (--if-new).")
            return
        bar = CliProgress(enabled=not as_json)
        try:
            report = build_indexer(components).ingest(paths, sync=sync, progress=bar)
        finally:
            bar.finish()
    finally:
        components.close()
    if as_json:
        click.echo(json.dumps(report.as_dict(), indent=2))
    else:
        for w in report.warnings:
            err(f"Warning: {w}")
        click.echo(
            f"Ingested into {report.collection}: {report.added} added, {report.updated} updated, "
            f"{report.unchanged} unchanged, {report.deleted} deleted, {len(report.failed)} failed, "
            f"{len(report.skipped)} skipped; {report.chunks} chunks in {report.seconds:.1f} s."
        )
        for f in report.failed:
            click.echo(safe(f"  FAILED {f['path']}: {f['error']}"))
    sys.exit(report.exit_code)
