"""Never lose the user's data: `rag ingest ROOT --sync` with ROOT missing (an unmounted drive) or
emptied (its bare mount point) deletes nothing; relative and symlinked roots sync."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag_app.errors import RagError
from tests.conftest import ingest_paths, run_rag
from tests.security.conftest import pipe_for

pytestmark = pytest.mark.integration


def _names(cfg: Path, embedder) -> set[str]:  # type: ignore[no-untyped-def]
    pipe = pipe_for(cfg, embedder)
    try:
        return {d["name"] for d in pipe.documents()}
    finally:
        pipe.close()


def test_sync_refuses_a_missing_or_emptied_drive_and_resolves_roots(
    make_config, embedder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    cfg = make_config()
    drive = tmp_path / "mnt" / "usb"
    drive.mkdir(parents=True)
    for name in ("a.md", "b.md", "c.md"):
        (drive / name).write_text(f"# {name}\n\nNotes kept on the removable drive, file {name}.\n")
    pipe = pipe_for(cfg, embedder)
    assert ingest_paths(pipe, [drive]).added == 3
    pipe.close()

    unplugged = tmp_path / "drive-contents"
    drive.rename(unplugged)  # the drive is not mounted: its folder is gone
    proc = run_rag("--config", str(cfg), "ingest", str(drive), "--sync")
    assert proc.returncode == 1, proc.stderr
    assert f"{drive} does not exist, so --sync would remove every document ingested from it" in proc.stderr
    assert "Fix: Mount the drive" in proc.stderr

    drive.mkdir()  # the bare mount point: an empty folder (same error path as above, in-process)
    pipe = pipe_for(cfg, embedder)
    with pytest.raises(RagError, match="is empty but the index holds 3 documents from it"):
        ingest_paths(pipe, [drive], sync=True)
    pipe.close()
    assert _names(cfg, embedder) == {"a.md", "b.md", "c.md"}

    drive.rmdir()
    unplugged.rename(drive)  # mounted again
    (drive / "a.md").unlink()
    link = tmp_path / "docs-link"
    link.symlink_to(drive, target_is_directory=True)
    pipe = pipe_for(cfg, embedder)
    report = ingest_paths(pipe, [link], sync=True)  # a symlinked root
    assert (report.deleted, report.unchanged) == (1, 2)
    (drive / "b.md").unlink()
    monkeypatch.chdir(tmp_path / "mnt")
    report = ingest_paths(pipe, [Path("usb")], sync=True)  # a relative root
    assert (report.deleted, report.unchanged) == (1, 1)
    pipe.close()
    assert _names(cfg, embedder) == {"c.md"}
