"""Fast checks of the UI's safety edges: upload names, types, sizes, server paths, credentials."""

from __future__ import annotations

import base64
import io
from pathlib import Path

import pytest

from rag_app.config import load_settings
from rag_app.errors import ConfigError, UploadRejected
from ui.auth import Credentials, load_credentials
from ui.service import clean_history, flatten_content
from ui.uploads import (
    remove_upload,
    resolve_server_path,
    safe_name,
    store_stream,
    upload_dir,
)


@pytest.fixture
def settings(tmp_path: Path):  # type: ignore[no-untyped-def]
    return load_settings(
        None,
        env={},
        overrides={"paths": {"data_dir": str(tmp_path / "data")}, "ui": {"max_upload_mb": 0.001}},
    )


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


def test_store_checks_type_size_and_stays_in_the_upload_dir(settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = upload_dir(settings)
    assert folder == (tmp_path / "data" / "uploads").resolve()
    s = store_stream(io.BytesIO(b"# hi\n"), "../../outside.md", settings)
    assert s.path == folder / "outside.md" and s.path.read_bytes() == b"# hi\n"
    assert not (tmp_path / "outside.md").exists()
    # same name again replaces the earlier upload (a new version), atomically
    store_stream(io.BytesIO(b"# v2\n"), "outside.md", settings)
    assert s.path.read_bytes() == b"# v2\n"
    with pytest.raises(UploadRejected, match="not allowed"):
        store_stream(io.BytesIO(b"MZ"), "tool.exe", settings)
    with pytest.raises(UploadRejected, match="limit"):
        store_stream(io.BytesIO(b"x" * 5000), "big.txt", settings)
    with pytest.raises(UploadRejected, match="empty"):
        store_stream(io.BytesIO(b""), "empty.txt", settings)
    assert sorted(p.name for p in folder.iterdir()) == ["outside.md"]  # no temp files left


def test_server_paths_stay_inside_the_data_dir(settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
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


def test_credentials(tmp_path: Path) -> None:
    users = tmp_path / "users.txt"
    users.write_text("# team\nbob:s3cret:with:colons\n\ncarol:pw2\n")
    creds = load_credentials(users, env={"RAG_UI_USERNAME": "alice", "RAG_UI_PASSWORD": "pw1"})
    assert creds and creds.check("alice", "pw1") and creds.check("bob", "s3cret:with:colons")
    assert not creds.check("alice", "pw2") and not creds.check("mallory", "pw1")

    def basic(u: str, p: str) -> str:
        return "Basic " + base64.b64encode(f"{u}:{p}".encode()).decode()

    assert creds.check_header(basic("carol", "pw2"))
    assert not creds.check_header(basic("carol", "nope"))
    assert creds.check_header("Bearer pw1") and creds.check_header("Bearer carol:pw2")
    assert not creds.check_header("Bearer wrong") and not creds.check_header("Bearer ")
    assert not creds.check_header(None) and not creds.check_header("Basic !!!notbase64")
    assert not load_credentials(None, env={})
    with pytest.raises(ConfigError, match="Only one"):
        load_credentials(None, env={"RAG_UI_USERNAME": "x"})
    users.write_text("no-colon-here\n")
    with pytest.raises(ConfigError, match="line 1"):
        load_credentials(users, env={})
    assert not Credentials().check_header("Bearer x")


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
