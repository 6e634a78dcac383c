"""A file that hangs its loader in the UI blocks neither deletes nor later uploads: the UI's
service (what the Documents tab and /v1/ingest call) on the real indexer, Milvus Lite and MiniLM."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from tests.conftest import ingest_paths
from tests.hostile_files import slow_pdf
from tests.security.conftest import pipe_for
from ui.service import IngestEvent, RagService

pytestmark = pytest.mark.integration


def _loader_worker_running() -> bool:
    """Whether this process has a loader worker child (a file is being read)."""
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            stat = (proc / "stat").read_text()
            cmdline = (proc / "cmdline").read_bytes()
        except OSError:
            continue
        ppid = int(stat[stat.rfind(")") + 2 :].split()[1])
        if ppid == os.getpid() and b"ingest.loader_worker" in cmdline:
            return True
    return False


def test_a_stuck_file_blocks_neither_deletes_nor_later_uploads(make_config, embedder, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    cfg = make_config(ingest={"loader_timeout": 15})
    pipe = pipe_for(cfg, embedder)
    first = tmp_path / "first"
    first.mkdir()
    (first / "keep.md").write_text("# Keep\n\nThe axolotl lives in Lake Xochimilco.\n")
    (first / "remove.md").write_text("# Remove\n\nThe okapi is a relative of the giraffe.\n")
    assert ingest_paths(pipe, [first]).added == 2
    service = RagService(pipe)
    uploads = tmp_path / "uploads"
    uploads.mkdir()
    slow = uploads / "slow.pdf"
    slow.write_bytes(slow_pdf())  # ~1 minute of text extraction, over the 15 s limit
    later = uploads / "later.md"
    later.write_text("# Later\n\nThe quokka lives on Rottnest Island.\n")

    events: list[IngestEvent] = []
    stuck = threading.Thread(target=lambda: events.extend(service.ingest([slow])), daemon=True)
    stuck.start()
    deadline = time.monotonic() + 120
    while not _loader_worker_running():
        assert time.monotonic() < deadline and stuck.is_alive(), "the slow file never reached a loader"
        time.sleep(0.1)

    doc_id = next(d["doc_id"] for d in service.documents() if d["name"] == "remove.md")
    assert service.delete(doc_id) is not None
    assert stuck.is_alive()  # the delete went through while the slow file was still being read

    later_events = list(service.ingest([later]))  # waits for its turn, then runs
    stuck.join(timeout=120)
    assert not stuck.is_alive()
    report = events[-1].report
    assert report is not None and report["added"] == 0
    assert report["failed"] == [
        {
            "path": str(slow),
            "error": "reading it took longer than 15 s (ingest.loader_timeout); it was stopped and skipped",
        }
    ]
    assert later_events[-1].report is not None and later_events[-1].report["added"] == 1
    assert {d["name"] for d in service.documents()} == {"keep.md", "later.md"}
    pipe.close()
