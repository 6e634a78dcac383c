"""ingest.watch.FolderWatch on a real folder with real filesystem events; the sync is recorded."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from ingest.report import IngestReport
from ingest.watch import FolderWatch


class Recorder:
    """A sync that records what the folder held each time it ran."""

    def __init__(self) -> None:
        self.seen: list[list[str]] = []

    def __call__(self, roots: list[Path]) -> IngestReport:
        self.seen.append(sorted(p.name for r in roots if r.is_dir() for p in r.iterdir()))
        return IngestReport()


def wait_for(check: Callable[[], bool], timeout: float = 30.0) -> None:
    end = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.05)


@pytest.fixture
def watched(tmp_path: Path) -> Iterator[tuple[Path, Recorder, FolderWatch]]:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.txt").write_text("first")
    recorder, stop = Recorder(), threading.Event()
    states: list[str] = []
    watch = FolderWatch(
        [folder], recorder, stop, settle=1.0, on_state=states.append, ignore=[folder / "data"]
    )
    thread = threading.Thread(target=watch.run, daemon=True)
    thread.start()
    wait_for(lambda: watch.state.startswith("watching"))
    yield folder, recorder, watch
    stop.set()
    thread.join(timeout=10)
    assert not thread.is_alive()


def test_a_burst_of_saves_is_one_sync_and_own_files_trigger_nothing(
    watched: tuple[Path, Recorder, FolderWatch],
) -> None:
    folder, recorder, watch = watched
    assert recorder.seen == [["a.txt"]]  # the first sync
    for i in range(5):
        (folder / "b.txt").write_text(f"version {i}")
        time.sleep(0.02)
    wait_for(lambda: len(recorder.seen) == 2)
    (folder / "data").mkdir()
    (folder / "data" / "index.bin").write_bytes(b"written by the app")  # under `ignore`
    (folder / ".hidden.swp").write_text("editor swap file")
    time.sleep(2.5)
    assert recorder.seen == [["a.txt"], ["a.txt", "b.txt"]] and watch.syncs == 2


def test_a_folder_that_goes_away_is_waited_for_then_synced(
    watched: tuple[Path, Recorder, FolderWatch],
) -> None:
    folder, recorder, watch = watched
    away = folder.with_name("unmounted")
    folder.rename(away)
    wait_for(lambda: watch.state.startswith("waiting for"))
    (away / "a.txt").unlink()  # changed while away: only seen once the folder is back
    (away / "c.txt").write_text("new")
    time.sleep(1.5)
    assert len(recorder.seen) == 1  # nothing synced while it was missing
    away.rename(folder)
    wait_for(lambda: len(recorder.seen) == 2)
    assert recorder.seen[-1] == ["c.txt"]
    wait_for(lambda: watch.state.startswith("watching"))


def test_a_folder_that_comes_back_empty_is_an_unmounted_drive(
    watched: tuple[Path, Recorder, FolderWatch],
) -> None:
    folder, recorder, watch = watched
    (folder / "a.txt").unlink()  # the mount point stays, empty: that is not "every file deleted"
    wait_for(lambda: watch.state.startswith("waiting for"))
    time.sleep(1.5)
    assert len(recorder.seen) == 1
    (folder / "d.txt").write_text("the drive is back")
    wait_for(lambda: len(recorder.seen) == 2)
    assert recorder.seen[-1] == ["d.txt"]
