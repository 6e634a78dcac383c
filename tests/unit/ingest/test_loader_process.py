"""ingest.loader_process: files read in a worker process that a hang, a memory hog or a crash cannot take down the caller."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ingest.loader_process import LoaderProcess
from rag_app.errors import IngestError
from tests.conftest import REPO

TARGET = "tests.unit.ingest.loader_targets:misbehave"


@pytest.fixture
def loader(monkeypatch: pytest.MonkeyPatch) -> Iterator[LoaderProcess]:
    monkeypatch.chdir(REPO)  # the worker imports the test target from the repository root
    with LoaderProcess(timeout=2, memory_mb=512, target=TARGET) as lp:
        yield lp


def _error(loader: LoaderProcess, name: str, data: bytes = b"x") -> str:
    with pytest.raises(IngestError) as info:
        loader.load(Path("/docs") / name, data)
    assert info.value.message.startswith(f"/docs/{name}: ")
    return info.value.message


def test_one_worker_reads_many_files(loader: LoaderProcess) -> None:
    doc = loader.load(Path("/docs/a.md"), b"# Title\n\nBody text.\n")
    assert (doc.title, doc.sections[0].text, doc.path) == ("Title", "Body text.", Path("/docs/a.md"))
    pids = {loader.load(Path(f"/docs/pid{i}.txt"), b"x").title for i in range(3)}
    assert len(pids) == 1 and loader.started == 1


def test_a_loader_error_is_the_files_reason_and_the_worker_lives_on(loader: LoaderProcess) -> None:
    assert _error(loader, "empty.txt", b"  ") == "/docs/empty.txt: empty file"
    assert "KeyError" in _error(loader, "bug.md")
    assert loader.load(Path("/docs/ok.txt"), b"fine").sections[0].text == "fine"
    assert loader.started == 1


@pytest.mark.parametrize("name", ["hang.md", "spin.md"])
def test_a_file_over_the_time_limit_is_stopped_and_the_next_gets_a_fresh_worker(
    loader: LoaderProcess, name: str
) -> None:
    first = loader.load(Path("/docs/pid-before.txt"), b"x").title
    assert "took longer than 2 s (ingest.loader_timeout)" in _error(loader, name)
    after = loader.load(Path("/docs/pid-after.txt"), b"x").title
    assert after != first and loader.started == 2


def test_a_memory_hog_hits_the_limit_not_the_machine(loader: LoaderProcess) -> None:
    assert "needed more than 512 MB of memory (ingest.loader_memory_mb)" in _error(loader, "hog.md")
    assert loader.load(Path("/docs/ok.txt"), b"fine").title == "ok"


def test_a_crash_is_reported_with_its_signal(loader: LoaderProcess) -> None:
    assert "crashed (SIGSEGV)" in _error(loader, "segfault.md")
    assert "exited (code 3)" in _error(loader, "exit.md")
    assert loader.load(Path("/docs/ok.txt"), b"fine").title == "ok"


def test_a_worker_that_cannot_start_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    with LoaderProcess(timeout=2, memory_mb=512, target="tests.unit.ingest.no_such_module:load") as lp:
        assert "did not start" in _error(lp, "a.md")


def test_close_ends_the_worker(loader: LoaderProcess) -> None:
    loader.load(Path("/docs/a.txt"), b"x")
    pid = loader.pid
    assert pid is not None
    loader.close()
    assert loader.pid is None and not Path(f"/proc/{pid}").exists()
