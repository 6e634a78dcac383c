"""``rag ingest DIR --watch`` as a real process (MiniLM, Milvus Lite): create, a burst of saves,
rename, delete, an unmounted-then-remounted folder, and Ctrl+C. Each sync prints one JSON line."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import RAG, write_config

pytestmark = pytest.mark.integration


class Watcher:
    """The ``rag ingest --watch --json`` process and the reports it prints."""

    def __init__(self, cfg: Path, folder: Path) -> None:
        self.proc = subprocess.Popen(
            [RAG, "--config", str(cfg), "ingest", str(folder), "--watch", "--json"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.reports: queue.Queue[dict[str, Any]] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.reports.put(json.loads(line))

    def next(self, timeout: float = 120) -> dict[str, Any]:
        try:
            return self.reports.get(timeout=timeout)
        except queue.Empty:
            err = self.proc.stderr.read() if self.proc.poll() is not None and self.proc.stderr else ""
            raise AssertionError(f"no report within {timeout} s {err}") from None

    def quiet(self, seconds: float) -> bool:
        """No report for ``seconds``."""
        try:
            extra = self.reports.get(timeout=seconds)
        except queue.Empty:
            return True
        raise AssertionError(f"unexpected sync: {extra}")


def counts(report: dict[str, Any]) -> tuple[int, int, int, int, int]:
    return report["added"], report["updated"], report["moved"], report["deleted"], len(report["failed"])


def test_watch_follows_a_folder_and_stops_cleanly(tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.md").write_text("# Alpha\n\nSQLite keeps a whole database in one file.\n")
    cfg = write_config(tmp_path, ingest={"watch_settle": 0.5})
    w = Watcher(cfg, folder)
    try:
        assert counts(w.next(timeout=240)) == (1, 0, 0, 0, 0)  # the first sync
        (folder / "b.txt").write_text("The tangerine octopus sings at dawn.\n")
        assert counts(w.next()) == (1, 0, 0, 0, 0)
        for i in range(5):  # saved five times in a second: embedded once
            (folder / "b.txt").write_text(f"The tangerine octopus sings at dawn, take {i}.\n")
            time.sleep(0.1)
        report = w.next()
        assert counts(report) == (0, 1, 0, 0, 0) and report["chunks"] == 1
        assert w.quiet(3)
        (folder / "b.txt").rename(folder / "octopus.txt")  # a rename moves the vectors, embeds nothing
        report = w.next()
        assert counts(report) == (0, 0, 1, 0, 0) and report["chunks"] == 0
        (folder / "octopus.txt").unlink()
        assert counts(w.next()) == (0, 0, 0, 1, 0)
        # Unmounted: the folder disappears; nothing is deleted until it is back and a file is really gone.
        (folder / "c.md").write_text("# Gamma\n\nMilvus indexes vectors.\n")
        assert counts(w.next()) == (1, 0, 0, 0, 0)
        away = tmp_path / "unmounted"
        folder.rename(away)
        (away / "c.md").unlink()
        assert w.quiet(3)
        away.rename(folder)
        report = w.next()
        assert counts(report) == (0, 0, 0, 1, 0) and report["unchanged"] == 1  # c.md gone, a.md kept
    finally:
        w.proc.send_signal(signal.SIGINT)
        try:
            code = w.proc.wait(timeout=30)
        finally:
            if w.proc.poll() is None:
                os.kill(w.proc.pid, signal.SIGKILL)
    assert code == 0
    assert w.proc.stderr is not None and "Traceback" not in w.proc.stderr.read()
