"""The Documents tab: upload ▸ store ▸ ingest with progress, the documents table, delete."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import gradio as gr

from rag_app.errors import StoreError
from rag_app.settings import Settings
from tests.unit.ui.conftest import FakeIndexer, FakePipeline, handler
from ui.service import IngestEvent, RagService
from ui.tabs.documents import (
    DocumentsTab,
    build_documents_tab,
    list_docs,
    staged_files,
    summary,
    upload_results,
)
from ui.uploads import Stored, upload_dir


def _build(service: RagService) -> tuple[gr.Blocks, DocumentsTab]:
    with gr.Blocks() as demo:
        tab = build_documents_tab(service)
    return demo, tab


def test_builds_upload_and_documents(service: RagService) -> None:
    demo, tab = _build(service)
    ids = {b.elem_id for b in demo.blocks.values()}
    assert {
        "upload",
        "ingest-progress",
        "upload-results",
        "documents",
        "doc-pick",
        "delete",
        "delete-confirm",
        "delete-file",
        "delete-confirm-yes",
        "delete-cancel",
        "delete-msg",
    } <= ids
    assert tab.table.elem_id == "documents" and tab.pick.elem_id == "doc-pick"
    upload = next(b for b in demo.blocks.values() if b.elem_id == "upload")
    assert ".md" in upload.file_types and ".pdf" in upload.file_types
    for name in ("do_upload", "ask_delete", "do_delete", "do_cancel", "do_refresh"):
        assert handler(demo, name)


def test_list_docs(service: RagService, pipe: FakePipeline) -> None:
    rows, picker = list_docs(service)
    assert [r[0] for r in rows] == ["a.md", "b.pdf"] and rows[1][-1] == "incomplete (re-ingest)"
    assert (
        picker["choices"] == [("a.md (3 chunks)", "d1"), ("b.pdf (9 chunks)", "d2")]
        and picker["value"] is None
    )
    pipe.fail["documents"] = StoreError("Index locked.", fix="Stop the other process.")
    rows, picker = list_docs(service)
    assert rows == [["Error: Index locked.", "Stop the other process.", "", "", "", ""]]
    assert picker["choices"] == []


def _staged(name: str, data: bytes, orig_name: str | None = None) -> dict[str, Any]:
    """A file as Gradio's upload route leaves it (staged under GRADIO_TEMP_DIR), as the raw event value."""
    path = Path(os.environ["GRADIO_TEMP_DIR"]) / f"sha-{len(data)}-{name}" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return {"path": str(path), "orig_name": orig_name or name, "meta": {"_type": "gradio.FileData"}}


def test_upload_stores_ingests_and_reports(service: RagService, indexer: FakeIndexer, tmp_path: Path) -> None:
    demo, _ = _build(service)
    do_upload = handler(demo, "do_upload")
    good = _staged("notes.md", b"# Notes\n")
    bad = _staged("tool.exe", b"MZ")
    steps = list(do_upload([good, bad]))
    assert "Ingesting 0 / 1 files…" in steps[0][0]
    progress, rows, docs_rows, _, files = steps[-1]
    assert "Done: 1 added, 0 updated, 0 unchanged, 0 failed" in progress and files is None
    assert rows[0][0] == "tool.exe" and rows[0][1].startswith("rejected: type .exe not allowed")
    assert rows[1] == ["notes.md", "added", 2]
    assert indexer.calls == [([upload_dir(service.settings) / "notes.md"], False)]
    assert [r[0] for r in docs_rows] == ["a.md", "b.pdf"]
    # the staged copies (and Gradio's folder around each) are gone, stored or rejected
    assert not Path(good["path"]).parent.exists() and not Path(bad["path"]).parent.exists()


def test_upload_keeps_the_users_names_apart(service: RagService, indexer: FakeIndexer) -> None:
    do_upload = handler(_build(service)[0], "do_upload")
    # Gradio's staged names lose the ':' and '?'; the raw value still has what the user dropped.
    first = list(do_upload([_staged("ab.md", b"# first\n", "a:b.md")]))[-1][1]
    second = list(do_upload([_staged("ab.md", b"# second\n", "a?b.md")]))[-1][1]
    folder = upload_dir(service.settings)
    stored = sorted(p.name for p in folder.iterdir())
    assert len(stored) == 2 and all(n.startswith("a_b-") for n in stored), stored
    assert {(folder / n).read_bytes() for n in stored} == {b"# first\n", b"# second\n"}
    assert "stored as a_b-" in first[0][1] and "stored as a_b-" in second[0][1]


def test_staged_files_only_come_from_the_staging_folder(tmp_path: Path) -> None:
    inside = _staged("x.md", b"x")
    outside = {"path": "/etc/passwd", "orig_name": "passwd.md"}
    assert staged_files([inside, outside, None]) == [(Path(inside["path"]), "x.md")]
    assert staged_files(None) == [] and staged_files(inside) == [(Path(inside["path"]), "x.md")]


def test_upload_of_nothing_ingests_nothing(service: RagService, indexer: FakeIndexer) -> None:
    do_upload = handler(_build(service)[0], "do_upload")
    ((progress, rows, _, _, files),) = list(do_upload(None))
    assert "Nothing to ingest." in progress and rows == [] and files is None and indexer.calls == []
    ((progress, rows, _, _, files),) = list(do_upload([{"path": "/etc/passwd", "orig_name": "p.md"}]))
    assert "Nothing to ingest." in progress and rows == [] and files is None and indexer.calls == []


def test_upload_results_and_summary() -> None:
    stored = [Path("/up/a.md"), Path("/up/b.md"), Path("/up/c.md")]
    last = IngestEvent(
        total=3,
        done=3,
        files=[{"path": "/up/a.md", "status": "unchanged", "chunks": 0}],
        report={
            "added": 0,
            "unchanged": 1,
            "failed": [{"path": "/up/b.md", "error": "no text layer"}],
            "skipped": [{"path": "/up/c.md", "reason": "too large"}],
            "seconds": 1.5,
        },
    )
    assert upload_results(stored, last) == [
        ["a.md", "unchanged", 0],
        ["b.md", "failed: no text layer", ""],
        ["c.md", "failed: too large", ""],
    ]
    assert summary(last) == "Done: 0 added, 0 updated, 1 unchanged, 1 failed (1.5 s)"
    broken = IngestEvent(total=1, error=("Index locked.", None))
    assert upload_results(stored[:1], broken) == [["a.md", "failed: Index locked.", ""]]
    replaced = [Stored("a.md", Path("/up/a.md"), replaced=True)]
    assert upload_results(replaced, last) == [
        ["a.md", "unchanged (replaced the earlier upload with this name)", 0]
    ]
    assert summary(broken) == "Ingest failed: Index locked."


def test_delete_asks_first_and_keeps_the_file(
    service: RagService, pipe: FakePipeline, settings: Settings
) -> None:
    demo, _ = _build(service)
    ask, do_delete, cancel = (handler(demo, n) for n in ("ask_delete", "do_delete", "do_cancel"))
    msg, box, _, _ = ask(None)
    assert msg == "Pick a document first." and box["visible"] is False
    assert ask("gone")[0] == "That document is already gone."
    msg, box, question, also_file = ask("d1")
    assert box["visible"] is True and "Delete **a.md** from the index" in question and "stays" in question
    assert also_file["value"] is False and [d["doc_id"] for d in pipe.docs] == ["d1", "d2"]  # nothing yet
    assert cancel() == ("Nothing deleted.", {"visible": False, "__type__": "update"})
    msg, box, rows, _ = do_delete(None, False)
    assert msg == "Pick a document first." and len(rows) == 2
    assert do_delete("gone", False)[0] == "That document is already gone."
    msg, box, rows, picker = do_delete("d1", False)
    assert msg == "Deleted **a.md** from the index (its file is kept)." and box["visible"] is False
    assert [r[0] for r in rows] == ["b.pdf"] and picker["choices"] == [("b.pdf (9 chunks)", "d2")]
    pipe.fail["delete_document"] = StoreError("Index locked.", fix="Stop the other process.")
    assert do_delete("d2", False)[0] == "⚠ **Index locked.**\n\n**Fix:** Stop the other process."


def test_delete_with_the_file(service: RagService, pipe: FakePipeline, settings: Settings) -> None:
    do_delete = handler(_build(service)[0], "do_delete")
    upload = upload_dir(settings) / "mine.md"
    upload.write_text("# mine\n")
    pipe.docs.append({"doc_id": "d3", "source": str(upload), "name": "mine.md", "chunks": 1})
    pipe.elsewhere["d3"] = ["rag_mpnet_1234"]
    msg = do_delete("d3", True)[0]
    assert (
        "still indexed by rag_mpnet_1234" in msg
        and upload.exists()
        and "d3" in [d["doc_id"] for d in pipe.docs]
    )
    assert "was not uploaded here" in do_delete("d1", True)[0]  # /docs/a.md: never deleted by the app
    pipe.elsewhere.clear()
    assert do_delete("d3", True)[0] == "Deleted **mine.md** and its uploaded file."
    assert not upload.exists()


def test_watch_toggle_and_status(service: RagService, indexer: FakeIndexer) -> None:
    demo, _ = _build(service)
    assert {"watch", "watch-status"} <= {b.elem_id for b in demo.blocks.values()}
    do_watch, do_tick = handler(demo, "do_watch"), handler(demo, "do_watch_tick")
    service.settings.ingest.watch_settle = 0.2
    try:
        text, timer = do_watch(True)
        assert text.startswith("Watching") and timer["active"] is True
        status, table, _, seen = do_tick(0)
        service.watch_log.append("12:00:00 1 added, 0 updated, 0 moved, 0 deleted, 0 failed")
        status, table, _, seen = do_tick(seen)
        assert (
            "Last change: 12:00:00 1 added" in status
            and isinstance(table, list)
            and seen == len(service.watch_log)
        )
        assert do_tick(seen)[1] == {"__type__": "update"}  # nothing new: the table is left as it is
    finally:
        text, timer = do_watch(False)
    assert text == "Not watching the upload folder." and timer["active"] is False
