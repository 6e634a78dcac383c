"""The "Documents" tab: upload files (stored, then ingested with progress), list and delete documents.

Gradio stages each upload in its temp folder (``<data_dir>/tmp/gradio``); the handler copies it
into the upload folder under the user's own file name (``orig_name``; Gradio's staged name has
characters stripped, so ``a:b.pdf`` and ``a?b.pdf`` would collide) and removes the staged copy.
Delete asks for confirmation and removes the index entry; deleting the uploaded file too is a
separate box to tick, refused while another collection still indexes it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gradio as gr
from gradio.utils import get_upload_folder

from rag_app.errors import UploadRejected
from ui import render
from ui.render import Rows
from ui.service import IngestEvent, RagService, error_text
from ui.tabs import Update
from ui.uploads import Stored, allowed_types, inside, store_file


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


def staged_files(payload: object) -> list[tuple[Path, str]]:
    """(staged path, the user's file name) for each file of the upload box's raw value.

    Only files inside Gradio's staging folder are taken: the value comes from the browser, and
    a path anywhere else (``/etc/passwd``) must not be copied into the index.
    """
    items = payload if isinstance(payload, list) else [payload] if payload else []
    staging = Path(get_upload_folder())
    out = []
    for item in items:
        path = item.get("path") if isinstance(item, Mapping) else item if isinstance(item, str) else None
        if not path:
            continue
        p = Path(str(path))
        if not inside(p, staging):
            continue
        name = item.get("orig_name") if isinstance(item, Mapping) else None
        out.append((p, str(name or p.name)))
    return out


def discard_staged(path: Path) -> None:
    """Remove a staged upload (and Gradio's per-file folder around it, once empty)."""
    path.unlink(missing_ok=True)
    try:
        if path.parent != Path(get_upload_folder()):
            path.parent.rmdir()
    except OSError:
        pass  # not empty: another upload of the same content is still staged


def upload_results(stored: list[Stored] | list[Path], last: IngestEvent) -> Rows:
    """One "Last upload" row per stored file: what ingest did with it, or why it failed."""
    failed: dict[str, str] = {}
    if last.report:
        failed = {f["path"]: f["error"] for f in last.report.get("failed", [])}
        failed.update(
            {f["path"]: f.get("reason", f.get("error", "skipped")) for f in last.report.get("skipped", [])}
        )
    done = {f["path"]: f for f in last.files}
    rows: Rows = []
    for item in stored:
        sp = item.path if isinstance(item, Stored) else item
        shown = Path(item.name).name if isinstance(item, Stored) else sp.name  # the user's own name
        note = f" ({item.note()})" if isinstance(item, Stored) and item.note() else ""
        if str(sp) in failed:
            rows.append([shown, f"failed: {failed[str(sp)]}{note}", ""])
        elif last.error is not None:
            rows.append([shown, f"failed: {last.error[0]}", ""])
        else:
            info = done.get(str(sp), {})
            rows.append([shown, str(info.get("status", "ingested")) + note, info.get("chunks", "")])
    return rows


def summary(last: IngestEvent) -> str:
    """The progress label once ingest has finished."""
    if last.error is not None:
        return f"Ingest failed: {last.error[0]}"
    rep = last.report or {}
    done = (
        f"Done: {rep.get('added', 0)} added, {rep.get('updated', 0)} updated, "
        f"{rep.get('unchanged', 0)} unchanged, {len(rep.get('failed', []))} failed "
        f"({rep.get('seconds', 0)} s)"
    )
    return " ".join([done, *(f"Warning: {w}" for w in rep.get("warnings", []))])


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
                delete = gr.Button("Delete…", variant="stop", scale=1, min_width=90, elem_id="delete")
                refresh = gr.Button("Refresh", scale=1, min_width=90)
            with gr.Group(visible=False, elem_id="delete-confirm") as confirm_box:
                confirm_text = gr.Markdown("", elem_id="delete-question")
                remove_file = gr.Checkbox(
                    False,
                    label="Also delete the uploaded file (refused while another collection indexes it)",
                    elem_id="delete-file",
                )
                with gr.Row():
                    confirm = gr.Button("Delete from the index", variant="stop", elem_id="delete-confirm-yes")
                    cancel = gr.Button("Cancel", elem_id="delete-cancel")
            delete_msg = gr.Markdown("", elem_id="delete-msg")

    def do_upload(
        payload: Any,
    ) -> Iterator[tuple[str, Rows, Rows | Update, Update, Update | None]]:
        rows: Rows = []
        stored: list[Stored] = []
        for path, name in staged_files(payload):
            try:
                stored.append(store_file(path, name, settings))
            except UploadRejected as exc:
                rows.append([name, f"rejected: {error_text(exc)[0]}", ""])
            except OSError as exc:
                rows.append([name, f"could not store: {exc.strerror or exc}", ""])
            finally:
                discard_staged(path)  # the copy in the upload folder is the one that stays
        docs_rows, choices = list_docs(service)
        if not stored:
            yield render.progress_html(0, 1, "Nothing to ingest."), rows, docs_rows, choices, None
            return
        total = len(stored)
        label = f"Ingesting 0 / {total} files…"
        yield render.progress_html(0, total, label), rows, docs_rows, choices, gr.update()
        last = None
        for ev in service.ingest([s.path for s in stored]):
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
        preprocess=False,  # the raw value carries the user's file name (orig_name)
    )

    def ask_delete(doc_id: str | None) -> tuple[str, Update, str, Update]:
        """First step of a delete: say what will happen and wait for the confirmation."""
        if not doc_id:
            return "Pick a document first.", gr.update(visible=False), "", gr.update()
        try:
            doc = next((d for d in service.documents() if d["doc_id"] == doc_id), None)
        except Exception as exc:
            return render.error_md(*error_text(exc)), gr.update(visible=False), "", gr.update()
        if doc is None:
            return "That document is already gone.", gr.update(visible=False), "", gr.update()
        question = (
            f"Delete **{doc['name']}** from the index of `{service.active_collection()}`? "
            f"Its file stays on disk (`{doc['source']}`) unless you tick the box."
        )
        return "", gr.update(visible=True), question, gr.update(value=False)

    def do_delete(doc_id: str | None, also_file: bool) -> tuple[str, Update, Rows, Update]:
        hide = gr.update(visible=False)
        if not doc_id:
            return "Pick a document first.", hide, *list_docs(service)
        try:
            doc = service.delete(doc_id, remove_file=bool(also_file))
        except Exception as exc:
            return render.error_md(*error_text(exc)), hide, *list_docs(service)
        if doc is None:
            return "That document is already gone.", hide, *list_docs(service)
        extra = " and its uploaded file" if doc.get("file_removed") else " from the index (its file is kept)"
        return f"Deleted **{doc['name']}**{extra}.", hide, *list_docs(service)

    def do_cancel() -> tuple[str, Update]:
        return "Nothing deleted.", gr.update(visible=False)

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
    delete.click(
        ask_delete, doc_pick, [delete_msg, confirm_box, confirm_text, remove_file], api_visibility="private"
    )
    confirm.click(
        do_delete,
        [doc_pick, remove_file],
        [delete_msg, confirm_box, docs_table, doc_pick],
        api_visibility="private",
    )
    cancel.click(do_cancel, None, [delete_msg, confirm_box], api_visibility="private")
    # Another pick than the one asked about: ask again rather than delete what was not shown.
    doc_pick.change(lambda: gr.update(visible=False), None, confirm_box, api_visibility="private")
    refresh.click(do_refresh, None, [docs_table, doc_pick], api_visibility="private")
    return DocumentsTab(docs_table, doc_pick)
