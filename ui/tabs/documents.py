"""The "Documents" tab: upload files (stored, then ingested with progress), list and delete documents."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import gradio as gr

from rag_app.errors import UploadRejected
from ui import render
from ui.render import Rows
from ui.service import IngestEvent, RagService, error_text
from ui.tabs import Update
from ui.uploads import allowed_types, store_file


@dataclass
class DocumentsTab:
    """The components other parts of the app refresh: the documents table and the delete picker."""

    table: gr.Dataframe
    pick: gr.Dropdown


def list_docs(service: RagService) -> tuple[Rows, Update]:
    """The documents table's rows and the delete picker's choices (an error row when listing fails)."""
    try:
        docs = service.documents()
    except Exception as exc:
        msg, fix = error_text(exc)
        return [[f"Error: {msg}", fix or "", "", "", "", ""]], gr.update(choices=[])
    choices = [(f"{render.doc_name(d)} ({d['chunks']} chunks)", d["doc_id"]) for d in docs]
    return render.documents_rows(docs), gr.update(choices=choices, value=None)


def upload_results(stored: list[Path], last: IngestEvent) -> Rows:
    """One "Last upload" row per stored file: what ingest did with it, or why it failed."""
    failed: dict[str, str] = {}
    if last.report:
        failed = {f["path"]: f["error"] for f in last.report.get("failed", [])}
        failed.update(
            {f["path"]: f.get("reason", f.get("error", "skipped")) for f in last.report.get("skipped", [])}
        )
    done = {f["path"]: f for f in last.files}
    rows: Rows = []
    for sp in stored:
        if str(sp) in failed:
            rows.append([sp.name, f"failed: {failed[str(sp)]}", ""])
        elif last.error is not None:
            rows.append([sp.name, f"failed: {last.error[0]}", ""])
        else:
            info = done.get(str(sp), {})
            rows.append([sp.name, str(info.get("status", "ingested")), info.get("chunks", "")])
    return rows


def summary(last: IngestEvent) -> str:
    """The progress label once ingest has finished."""
    if last.error is not None:
        return f"Ingest failed: {last.error[0]}"
    rep = last.report or {}
    return (
        f"Done: {rep.get('added', 0)} added, {rep.get('updated', 0)} updated, "
        f"{rep.get('unchanged', 0)} unchanged, {len(rep.get('failed', []))} failed "
        f"({rep.get('seconds', 0)} s)"
    )


def build_documents_tab(service: RagService) -> DocumentsTab:
    """Add the upload and documents components to the open tab and wire upload, delete, refresh."""
    settings = service.settings
    allowed = allowed_types(settings)
    with gr.Row():
        with gr.Column(scale=2):
            files = gr.File(
                label=f"Upload ({', '.join(allowed)}; up to {settings.ui.max_upload_mb:g} MB each)",
                file_count="multiple",
                file_types=allowed,
                height=150,
                elem_id="upload",
            )
            progress = gr.HTML("", elem_id="ingest-progress")
            upload_table = gr.Dataframe(
                headers=render.UPLOAD_HEADERS,
                value=[],
                label="Last upload",
                interactive=False,
                wrap=True,
                elem_id="upload-results",
                column_widths=["40%", "45%", "15%"],
            )
            watch = gr.Checkbox(
                value=service.watching(),
                label="Watch the upload folder: files copied or saved there are ingested by themselves",
                elem_id="watch",
            )
            watch_status = gr.Markdown(service.watch_status(), elem_id="watch-status")
            watch_timer = gr.Timer(3.0, active=service.watching())
            seen_log = gr.State(0)
        with gr.Column(scale=3):
            docs_table = gr.Dataframe(
                headers=render.DOC_HEADERS,
                value=[],
                label="Ingested documents",
                interactive=False,
                wrap=True,
                elem_id="documents",
                column_widths=["28%", "26%", "9%", "10%", "16%", "11%"],
            )
            with gr.Row(elem_classes="rag-actions"):
                doc_pick = gr.Dropdown(choices=[], label="Document", scale=4, elem_id="doc-pick")
                delete = gr.Button("Delete", variant="stop", scale=1, min_width=90, elem_id="delete")
                refresh = gr.Button("Refresh", scale=1, min_width=90)
            delete_msg = gr.Markdown("", elem_id="delete-msg")

    def do_upload(
        paths: list[str] | None,
    ) -> Iterator[tuple[str, Rows, Rows | Update, Update, Update | None]]:
        rows: Rows = []
        stored = []
        for p in paths or []:
            name = Path(p).name
            try:
                stored.append(store_file(p, name, settings).path)
            except UploadRejected as exc:
                rows.append([name, f"rejected: {error_text(exc)[0]}", ""])
            except OSError as exc:
                rows.append([name, f"could not store: {exc.strerror or exc}", ""])
        docs_rows, choices = list_docs(service)
        if not stored:
            yield render.progress_html(0, 1, "Nothing to ingest."), rows, docs_rows, choices, None
            return
        total = len(stored)
        label = f"Ingesting 0 / {total} files…"
        yield render.progress_html(0, total, label), rows, docs_rows, choices, gr.update()
        last = None
        for ev in service.ingest(stored):
            last = ev
            label = f"Ingesting {ev.done} / {ev.total or total} files…" + (f" {ev.ocr}" if ev.ocr else "")
            yield (
                render.progress_html(ev.done, ev.total or total, label),
                rows,
                gr.update(),
                gr.update(),
                gr.update(),
            )
        assert last is not None  # service.ingest always ends with the report or the error
        rows += upload_results(stored, last)
        docs_rows, choices = list_docs(service)
        yield render.progress_html(total, total, summary(last)), rows, docs_rows, choices, None

    files.upload(
        do_upload,
        files,
        [progress, upload_table, docs_table, doc_pick, files],
        api_visibility="private",
        concurrency_id="ingest",
    )

    def do_delete(doc_id: str | None) -> tuple[str, Rows, Update]:
        if not doc_id:
            return "Pick a document first.", *list_docs(service)
        try:
            doc = service.delete(doc_id)
        except Exception as exc:
            return render.error_md(*error_text(exc)), *list_docs(service)
        if doc is None:
            return "That document is already gone.", *list_docs(service)
        extra = " and its uploaded file" if doc.get("file_removed") else ""
        return f"Deleted **{doc['name']}**{extra}.", *list_docs(service)

    def do_refresh() -> tuple[Rows, Update]:
        return list_docs(service)

    def do_watch(on: bool) -> tuple[str, Update]:
        try:
            text = service.set_watch(bool(on))
        except Exception as exc:
            return render.error_md(*error_text(exc)), gr.update(active=False)
        return text, gr.update(active=service.watching())

    def do_watch_tick(seen: int) -> tuple[str, Rows | Update, Update, int]:
        """The watcher's status; the documents table again only when a sync changed something."""
        if len(service.watch_log) == seen:
            return service.watch_status(), gr.update(), gr.update(), seen
        return service.watch_status(), *list_docs(service), len(service.watch_log)

    watch.change(do_watch, watch, [watch_status, watch_timer], api_visibility="private")
    watch_timer.tick(
        do_watch_tick, seen_log, [watch_status, docs_table, doc_pick, seen_log], api_visibility="private"
    )
    delete.click(do_delete, doc_pick, [delete_msg, docs_table, doc_pick], api_visibility="private")
    refresh.click(do_refresh, None, [docs_table, doc_pick], api_visibility="private")
    return DocumentsTab(docs_table, doc_pick)
