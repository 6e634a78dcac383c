"""The optional login: environment and users file, and the headers the API accepts."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from rag_app.errors import ConfigError
from ui.auth import Credentials, load_credentials


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


def test_unreadable_users_file_names_the_key(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"ui\.users_file") as err:
        load_credentials(tmp_path / "missing.txt", env={})
    assert err.value.fix and "config.yaml" in err.value.fix


def test_unknown_scheme_is_refused() -> None:
    creds = Credentials({"alice": "pw"})
    assert not creds.check_header("Digest pw") and not creds.check_header("pw")
    assert not creds.check_header("Basic " + base64.b64encode(b"no-colon").decode())
