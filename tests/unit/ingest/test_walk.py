"""ingest.walk: which files a run covers, and OS errors in words."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from ingest.report import IngestReport
from ingest.walk import oserror_reason, walk


def names(paths: list[Path], root: Path) -> list[str]:
    return [p.relative_to(root).as_posix() for p in paths]


def test_a_folder_gives_its_files_sorted_without_hidden_ones(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / ".git").mkdir()
    for name in ("z.txt", "a.md", ".hidden.txt", "b/c.pdf", "b/.DS_Store", ".git/config"):
        (tmp_path / name).write_text("x")
    report = IngestReport()
    assert names(list(walk(tmp_path, report)), tmp_path) == ["a.md", "z.txt", "b/c.pdf"]
    assert report.failed == [] and report.skipped == []


def test_a_file_path_is_the_file_itself_even_when_hidden(tmp_path: Path) -> None:
    f = tmp_path / ".notes.txt"
    f.write_text("x")
    assert list(walk(f, IngestReport())) == [f]


def test_a_missing_path_is_reported(tmp_path: Path) -> None:
    report = IngestReport()
    assert list(walk(tmp_path / "nope", report)) == []
    assert report.failed == [{"path": str(tmp_path / "nope"), "error": "path does not exist"}]
    assert report.exit_code == 2


def test_a_symlink_loop_is_walked_once(tmp_path: Path) -> None:
    (tmp_path / "docs" / "sub").mkdir(parents=True)
    (tmp_path / "docs" / "a.txt").write_text("a")
    (tmp_path / "docs" / "sub" / "b.txt").write_text("b")
    (tmp_path / "docs" / "sub" / "back").symlink_to(tmp_path / "docs")  # sub/back -> docs: a loop
    report = IngestReport()
    found = names(list(walk(tmp_path / "docs", report)), tmp_path / "docs")
    assert found == ["a.txt", "sub/b.txt"]
    assert report.skipped == [
        {"path": str(tmp_path / "docs" / "sub" / "back"), "reason": "symlink loop (folder already visited)"}
    ]
    assert report.failed == []


def test_a_broken_symlink_is_yielded_for_the_indexer_to_report(tmp_path: Path) -> None:
    link = tmp_path / "gone.txt"
    link.symlink_to(tmp_path / "missing.txt")
    report = IngestReport()
    assert list(walk(link, report)) == [link]
    assert report.failed == []


@pytest.mark.parametrize(
    ("exc", "reason"),
    [
        (PermissionError(errno.EACCES, "Permission denied"), "permission denied"),
        (FileNotFoundError(errno.ENOENT, "No such file"), "file disappeared while ingesting"),
        (OSError(errno.ELOOP, os.strerror(errno.ELOOP)), "symlink loop"),
        (OSError(errno.EIO, "Input/output error"), "Input/output error"),
    ],
)
def test_oserror_reason(exc: OSError, reason: str) -> None:
    assert oserror_reason(exc) == reason
