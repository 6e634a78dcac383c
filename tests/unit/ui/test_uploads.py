"""Uploaded files: safe names, types, sizes, the upload folder, and paths given to the API."""

from __future__ import annotations

import io
import os
import stat
from pathlib import Path

import pytest

from ingest.formats import extensions
from rag_app.errors import ConfigError, UploadRejected
from rag_app.settings import Settings
from tests.unit.ui.conftest import write_settings
from ui.uploads import (
    allowed_types,
    check_type,
    remove_upload,
    resolve_server_path,
    safe_name,
    store_file,
    store_stream,
    stored_name,
    upload_dir,
)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return write_settings(tmp_path, ui={"max_upload_mb": 0.001})


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("report.pdf", "report.pdf"),
        ("../../etc/passwd.md", "passwd.md"),
        ("..\\..\\windows\\evil.txt", "evil.txt"),
        ("/abs/path/notes.md", "notes.md"),
        ("..", "upload"),
        ("", "upload"),
        (".hidden.md", "hidden.md"),
        ("a<b>|c?.md", "a_b_c_.md"),
        ("Résumé 2024.pdf", "Résumé 2024.pdf"),
        ("x\x00y.md", "xy.md"),
    ],
)
def test_safe_name(raw: str, clean: str) -> None:
    assert safe_name(raw) == clean


def test_store_checks_type_size_and_stays_in_the_upload_dir(settings: Settings, tmp_path: Path) -> None:
    folder = upload_dir(settings)
    assert folder == (tmp_path / "data" / "uploads").resolve()
    s = store_stream(io.BytesIO(b"# hi\n"), "../../outside.md", settings)
    assert s.path == folder / "outside.md" and s.path.read_bytes() == b"# hi\n"
    assert not (tmp_path / "outside.md").exists()
    # same name again replaces the earlier upload (a new version), atomically, and says so
    again = store_stream(io.BytesIO(b"# v2\n"), "outside.md", settings)
    assert (
        s.path.read_bytes() == b"# v2\n" and again.replaced and "replaced the earlier upload" in again.note()
    )
    with pytest.raises(UploadRejected, match="not allowed"):
        store_stream(io.BytesIO(b"MZ"), "tool.exe", settings)
    with pytest.raises(UploadRejected, match="limit"):
        store_stream(io.BytesIO(b"x" * 5000), "big.txt", settings)
    with pytest.raises(UploadRejected, match="empty"):
        store_stream(io.BytesIO(b""), "empty.txt", settings)
    assert sorted(p.name for p in folder.iterdir()) == ["outside.md"]  # no temp files left


def test_names_that_clean_up_alike_never_share_a_file(settings: Settings) -> None:
    first = store_stream(io.BytesIO(b"first"), "a:b.md", settings)
    second = store_stream(io.BytesIO(b"second"), "a?b.md", settings)
    assert first.path != second.path and first.path.parent == second.path.parent
    assert first.path.read_bytes() == b"first" and second.path.read_bytes() == b"second"
    assert first.path.name.startswith("a_b-") and first.path.suffix == ".md" and first.renamed
    assert f"stored as {first.path.name}" in first.note() and not first.replaced
    assert stored_name("a:b.md") == first.path.name  # the same name again is the same file
    assert stored_name("notes.md") == "notes.md" and stored_name("../x/notes.md") == "notes.md"
    assert len(stored_name("é" * 300 + "?.pdf")) <= 150


def test_the_same_content_again_changes_nothing(settings: Settings) -> None:
    first = store_stream(io.BytesIO(b"# same\n"), "same.md", settings)
    os.utime(first.path, (1_000_000, 1_000_000))
    again = store_stream(io.BytesIO(b"# same\n"), "same.md", settings)
    assert again.unchanged and not again.replaced and again.path == first.path
    assert first.path.stat().st_mtime == 1_000_000  # untouched: ingest sees it as unchanged
    assert sorted(p.name for p in upload_dir(settings).iterdir()) == ["same.md"]  # no temp file left


def test_upload_folder_is_private(settings: Settings) -> None:
    folder = upload_dir(settings)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE(settings.data_dir.stat().st_mode) == 0o700


def test_store_file_keeps_the_users_name_and_checks_size_first(settings: Settings, tmp_path: Path) -> None:
    src = tmp_path / "gradio-tmp-123"
    src.write_bytes(b"notes\n")
    stored = store_file(src, "My notes.txt", settings)
    assert stored.name == "My notes.txt" and stored.path == upload_dir(settings) / "My notes.txt"
    src.write_bytes(b"x" * 5000)
    with pytest.raises(UploadRejected, match="limit"):
        store_file(src, "big.txt", settings)


def test_server_paths_stay_inside_the_data_dir(settings: Settings, tmp_path: Path) -> None:
    s = store_stream(io.BytesIO(b"# a\n"), "a.md", settings)
    assert resolve_server_path("a.md", settings) == s.path
    for bad in ["/etc/passwd", "../../../etc/passwd", str(tmp_path)]:
        with pytest.raises(UploadRejected, match="data directory"):
            resolve_server_path(bad, settings)
    with pytest.raises(UploadRejected, match="not found"):
        resolve_server_path("missing.md", settings)
    outside = tmp_path / "keep.md"
    outside.write_text("x")
    assert remove_upload(str(outside), settings) is False and outside.exists()
    assert remove_upload(str(s.path), settings) is True and not s.path.exists()


def test_allowed_types_follow_ingest_and_config(tmp_path: Path) -> None:
    assert allowed_types(write_settings(tmp_path / "all")) == extensions()
    narrow = write_settings(tmp_path / "narrow", ui={"allowed_types": ["MD", ".txt"]})
    assert allowed_types(narrow) == [".md", ".txt"]
    assert check_type("Notes.MD", narrow) == ".md"
    with pytest.raises(UploadRejected, match=r"\.pdf not allowed"):
        check_type("a.pdf", narrow)
    bad = write_settings(tmp_path / "bad", ui={"allowed_types": [".md", ".exe"]})
    with pytest.raises(ConfigError, match=r"\.exe") as err:
        allowed_types(bad)
    assert err.value.fix and ".md" in err.value.fix
