"""rag_app.folders.private_folder: the app's folders are created readable by their owner only."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from rag_app.folders import private_folder


def mode(p: Path) -> int:
    return stat.S_IMODE(p.stat().st_mode)


def test_new_folders_and_their_new_parents_are_0700(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        target = private_folder(tmp_path / "home" / "data" / "uploads")
    finally:
        os.umask(old)
    assert target.is_dir()
    for p in (target, target.parent, target.parent.parent):
        assert mode(p) == 0o700, p


def test_existing_folders_keep_their_mode_unless_tightened(tmp_path: Path) -> None:
    shared = tmp_path / "data"
    shared.mkdir(mode=0o755)
    shared.chmod(0o755)
    assert private_folder(shared) == shared and mode(shared) == 0o755
    private_folder(shared, tighten=True)
    assert mode(shared) == 0o700


def test_a_file_in_the_way_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "data").write_text("not a folder")
    with pytest.raises(FileExistsError):
        private_folder(tmp_path / "data")
