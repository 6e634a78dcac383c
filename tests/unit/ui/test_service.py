"""RagService: streamed chat, ingest in a worker, delete, collections; and the one error-to-message function."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import pytest

from rag_app.errors import (
    EndpointUnavailable,
    FileInUse,
    RagError,
    RequestRejected,
    StoreError,
    UploadRejected,
)
from rag_app.settings import Settings
from tests.unit.ui.conftest import ANSWER, FakeIndexer, FakePipeline
from ui.service import (
    MAX_MESSAGES,
    MAX_TOP_K,
    RagService,
    clean_history,
    error_text,
    flatten_content,
    http_status,
)
from ui.uploads import upload_dir


def test_error_text_words_rag_errors_and_logs_the_unexpected(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR, logger="rag_app.ui"):
        assert error_text(StoreError("Index locked.", fix="Stop the other process.")) == (
            "Index locked.",
            "Stop the other process.",
        )
        assert not caplog.records
        boom = ValueError("boom")
        message, fix = error_text(boom)
    assert message == "Unexpected error (ValueError): boom" and fix and "log" in fix
    (record,) = caplog.records
    assert record.exc_info is not None and record.exc_info[1] is boom  # the traceback goes to the log


def test_http_status() -> None:
    assert http_status(EndpointUnavailable("LLM down")) == 503
    assert http_status(StoreError("locked")) == 500 and http_status(KeyError("x")) == 500
    assert http_status(FileInUse("indexed elsewhere")) == 409
    assert http_status(RequestRejected("too many")) == 400 and http_status(UploadRejected("empty")) == 400


def test_limits_refuse_before_the_pipeline_runs(service: RagService, pipe: FakePipeline) -> None:
    (only,) = service.chat("Q?", [{"role": "user", "content": "x"}] * (MAX_MESSAGES + 1))
    assert only.done and only.status == 400 and only.error and f"at most {MAX_MESSAGES}" in only.error[0]
    (only,) = service.chat("Q?", top_k=MAX_TOP_K + 1)
    assert only.status == 400 and only.error and "top_k" in only.error[0]
    with pytest.raises(RequestRejected, match="top_k"):
        service.search("q", top_k=0, mode=None)
    assert pipe.answered == [] and service.search("q", top_k=MAX_TOP_K, mode=None).passages


def test_history_from_gradio_and_openai_shapes() -> None:
    assert flatten_content([{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]) == "ab"
    history = [
        {"role": "system", "content": "ignored"},
        {"role": "user", "content": [{"type": "text", "text": "Q1"}]},
        {"role": "assistant", "content": "sources", "metadata": {"title": "Sources (3)"}},
        {"role": "assistant", "content": "A1"},
        {"role": "user", "content": "  "},
    ]
    assert clean_history(history) == [
        {"role": "user", "content": "Q1"},
        {"role": "assistant", "content": "A1"},
    ]


def test_chat_streams_then_ends_with_the_answer(service: RagService, pipe: FakePipeline) -> None:
    events = list(service.chat("  Where is the data?  ", [{"role": "user", "content": [{"text": "hi"}]}]))
    assert events[0].text == "" and events[0].result is not None and not events[0].done
    assert [e.text for e in events[1:-1]] == ["SQLite", ANSWER]
    last = events[-1]
    assert last.done and last.error is None and last.status == 200
    assert last.answer is not None and last.answer.cited == [1]
    assert pipe.answered == [("Where is the data?", [{"role": "user", "content": "hi"}])]


def test_chat_errors_are_events_not_exceptions(service: RagService, pipe: FakePipeline) -> None:
    (only,) = service.chat("   ")
    assert only.done and only.error == ("Type a question first.", None)
    pipe.fail["answer"] = EndpointUnavailable("The LLM does not answer.", fix="Start it.")
    last = list(service.chat("Q?"))[-1]
    assert last.done and last.status == 503 and last.error == ("The LLM does not answer.", "Start it.")
    del pipe.fail["answer"]
    pipe.fail["tokens"] = RuntimeError("stream broke")
    last = list(service.chat("Q?"))[-1]
    assert last.status == 500 and last.text == "SQLite" and last.answer is None
    assert last.error is not None and "RuntimeError" in last.error[0]


def test_ingest_reports_progress_then_the_report(service: RagService, indexer: FakeIndexer) -> None:
    paths = [Path("/data/a.md"), Path("/data/b.md")]
    events = list(service.ingest(paths, sync=True))
    last = events[-1]
    assert indexer.calls == [(paths, True)]
    assert last.error is None and last.report is not None and last.report["added"] == 2
    assert last.done == 2 and last.total == 2
    assert [f["path"] for f in last.files] == ["/data/a.md", "/data/b.md"]
    indexer.fail = StoreError("Index locked.", fix="Stop the other process.")
    last = list(service.ingest(paths))[-1]
    assert last.report is None and last.error == ("Index locked.", "Stop the other process.")


def test_delete_removes_the_index_entry_and_the_file_only_when_asked(
    service: RagService, pipe: FakePipeline, settings: Settings
) -> None:
    upload = upload_dir(settings) / "c.md"
    upload.write_text("# c\n")
    pipe.docs.append({"doc_id": "d3", "source": str(upload), "name": "c.md", "chunks": 1})
    assert service.delete("nope") is None
    doc = service.delete("d3")  # the default: the index entry; the file may be the only copy
    assert doc is not None and doc["file_removed"] is False and upload.exists()
    assert [d["doc_id"] for d in pipe.docs] == ["d1", "d2"]
    pipe.docs.append({"doc_id": "d3", "source": str(upload), "name": "c.md", "chunks": 1})
    pipe.elsewhere["d3"] = ["rag_other"]
    with pytest.raises(FileInUse, match="still indexed by rag_other"):
        service.delete("d3", remove_file=True)
    assert upload.exists() and "d3" in [d["doc_id"] for d in pipe.docs]  # nothing changed
    with pytest.raises(RequestRejected, match="not uploaded here"):
        service.delete("d1", remove_file=True)  # ingested from elsewhere: not the app's to delete
    assert "d1" in [d["doc_id"] for d in pipe.docs]
    pipe.elsewhere.clear()
    doc = service.delete("d3", remove_file=True)
    assert doc is not None and doc["file_removed"] is True and not upload.exists()


def test_a_delete_does_not_wait_for_an_ingest_still_reading_files(
    service: RagService, indexer: FakeIndexer
) -> None:
    indexer.gate = threading.Event()
    ingest = threading.Thread(target=lambda: list(service.ingest([Path("/docs/slow.pdf")])), daemon=True)
    ingest.start()
    assert indexer.reading.wait(10)
    delete = threading.Thread(target=service.delete, args=("d1",), daemon=True)
    delete.start()
    delete.join(10)  # with the old lock around the whole ingest it waited for the gate
    finished_first = not delete.is_alive()
    indexer.gate.set()
    ingest.join(10)
    assert finished_first and not ingest.is_alive()


def test_collections_and_switching(service: RagService, pipe: FakePipeline) -> None:
    cols = service.collections()
    assert cols[0] == {
        "name": "docs_fake",
        "embedder": "fake:hash",
        "dimension": 16,
        "chunks": 2,
        "documents": 2,
        "fingerprint": {"provider": "fake", "model": "hash", "dimension": 16},
    }
    assert service.use_collection("docs_fake") == "docs_fake"
    with pytest.raises(RagError, match="does not exist"):
        service.use_collection("missing")
    with pytest.raises(RagError, match="no embedder fingerprint"):
        service.use_collection("foreign")
    assert service.pipe is pipe


def test_active_collection_survives_a_broken_embedder(settings: Settings, indexer: FakeIndexer) -> None:
    class Broken(FakePipeline):
        @property
        def collection(self) -> str:  # type: ignore[override]
            raise RagError("The embedder cannot load.")

    service = RagService(Broken(settings))  # type: ignore[arg-type]
    assert service.active_collection() == "(unavailable: The embedder cannot load.)"


def test_watching_the_upload_folder_ingests_what_lands_there(
    service: RagService, indexer: FakeIndexer
) -> None:
    import time

    assert not service.watching() and service.watch_status() == "Not watching the upload folder."
    folder = upload_dir(service.settings)
    service.settings.ingest.watch_settle = 0.3
    try:
        assert service.set_watch(True).startswith("Watching")
        end = time.monotonic() + 20
        while not indexer.calls and time.monotonic() < end:
            time.sleep(0.05)
        assert indexer.calls[0] == ([folder], True)  # the first sync, with deletions
        (folder / "dropped.md").write_text("# Dropped in by hand\n")
        while len(service.watch_log) < 2 and time.monotonic() < end:
            time.sleep(0.05)
        assert "1 added" in service.watch_log[-1] and "Last change:" in service.watch_status()
    finally:
        service.set_watch(False)
    assert not service.watching()
