"""``rag ingest``: the command this package contributes to the ``rag`` CLI (entry point ``rag_app.commands``)."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

import click

from ingest.indexer import build_indexer
from ingest.report import IngestReport
from ingest.watch import FolderWatch
from rag_app.cli.common import Ctx, err
from rag_app.cli.terminal import safe
from rag_app.pipeline import Components
from rag_app.process import Shutdown
from rag_app.progress import Step

if TYPE_CHECKING:
    import rich.progress


class CliProgress:
    """The ingest :class:`~rag_app.progress.Progress` of the CLI: a bar (files, chunks, rate, ETA, the
    page being OCR'd) on a terminal, one line per file (and OCR'd page) on stderr otherwise, nothing
    when ``enabled`` is false (``--json``). ``quiet_unchanged``: no line for unchanged files (--watch)."""

    MARKS: ClassVar[dict[str, str]] = {"failed": "!", "deleted": "x", "moved": ">"}  # printed above the bar

    def __init__(self, enabled: bool, quiet_unchanged: bool = False) -> None:
        self.enabled = enabled
        self.quiet_unchanged = quiet_unchanged
        self.tty = enabled and sys.stderr.isatty()
        self.bar: rich.progress.Progress | None = None
        self.task: rich.progress.TaskID | None = None
        self.t0 = 0.0
        self.chunks = 0

    def update(self, step: Step) -> None:
        """The first step (nothing done, no status) starts the bar; each later one is a file done
        (or, phase ``ocr``, a page of a file read by OCR)."""
        if step.phase == "ocr":
            self._ocr_page(Path(step.item), step.done, step.total)
        elif step.done == 0 and step.status == "":
            self._start(step.total)
        elif step.status:
            self._file_done(Path(step.item), step.status, step.units, step.total)

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
            TextColumn("{task.fields[ocr]}"),
            transient=True,
        )
        self.bar.start()
        self.task = self.bar.add_task("ingest", total=files, chunks=0, rate="", ocr="")
        self.t0 = time.monotonic()

    def _ocr_page(self, path: Path, done: int, total: int) -> None:
        if self.bar is not None and self.task is not None:
            self.bar.update(self.task, ocr=f"OCR {path.name} p. {done}/{total}" if done < total else "")
        elif self.enabled:
            err(f"ocr: {path} page {done}/{total}")

    def _file_done(self, path: Path, status: str, chunks: int, total: int = 0) -> None:
        self.chunks += chunks
        if self.bar is not None and self.task is not None:
            rate = self.chunks / max(time.monotonic() - self.t0, 1e-6)
            advance = 0 if status == "deleted" else 1
            self.bar.update(self.task, advance=advance, chunks=self.chunks, rate=f"{rate:.1f} chunks/s")
            if total > (self.bar.tasks[0].total or 0):  # an e-mail's attachments are files too
                self.bar.update(self.task, total=total)
            if status in self.MARKS:
                self.bar.console.print(f"  {self.MARKS[status]} {status:9} {safe(str(path))}", markup=False)
        elif self.enabled and not (self.quiet_unchanged and status == "unchanged"):
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
@click.option(
    "--watch",
    is_flag=True,
    help="Keep the paths in sync: ingest, then again whenever files change (implies --sync); Ctrl+C stops.",
)
@click.pass_obj
def ingest_command(
    obj: Ctx, paths: tuple[str, ...], as_json: bool, sync: bool, if_new: bool, watch: bool
) -> None:
    """Add, update (and with --sync remove) documents in the current embedder's collection."""
    if watch:
        watch_command(obj, [Path(p) for p in paths], as_json)
        return
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
        print_report(report)
    sys.exit(report.exit_code)


def print_report(report: IngestReport, stamp: str = "") -> None:
    for w in report.warnings:
        err(f"Warning: {w}")
    moved = f"{report.moved} moved, " if report.moved else ""
    click.echo(
        f"{stamp}Ingested into {report.collection}: {report.added} added, {report.updated} updated, "
        f"{report.unchanged} unchanged, {moved}{report.deleted} deleted, {len(report.failed)} failed, "
        f"{len(report.skipped)} skipped; {report.chunks} chunks in {report.seconds:.1f} s."
    )
    for f in report.failed:
        click.echo(safe(f"  FAILED {f['path']}: {f['error']}"))


def watch_command(obj: Ctx, paths: list[Path], as_json: bool) -> None:
    """``rag ingest --watch``: sync, then sync again on every change, until SIGINT/SIGTERM.

    The index is shared (other ``rag`` commands can search it meanwhile). With ``--json`` each sync
    prints one JSON line; otherwise a summary line per sync that changed something.
    """
    settings = obj.settings
    components = Components(settings, share_index=True)
    try:
        indexer = build_indexer(components)
        with Shutdown(grace=8) as shutdown:
            bar = CliProgress(enabled=not as_json, quiet_unchanged=True)

            def sync(roots: list[Path]) -> IngestReport:
                try:
                    return indexer.ingest(roots, sync=True, progress=bar, stop=shutdown.stop)
                finally:
                    bar.finish()

            reports = [0]

            def on_report(report: IngestReport) -> None:
                reports[0] += 1
                changed = report.added or report.updated or report.moved or report.deleted or report.failed
                if as_json:
                    click.echo(json.dumps(report.as_dict()))
                elif changed or reports[0] == 1:
                    print_report(report, time.strftime("%H:%M:%S "))

            watcher = FolderWatch(
                paths,
                sync,
                shutdown.stop,
                settings.ingest.watch_settle,
                on_report=on_report,
                on_state=lambda text: None if as_json else err(f"{time.strftime('%H:%M:%S')} {text}"),
                ignore=[settings.data_dir, Path(settings.milvus_uri)],
            )
            watcher.run()
            if not as_json:
                err("Stopped watching.")
    finally:
        components.close()
