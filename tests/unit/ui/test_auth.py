"""The optional login: environment and users file, and the headers the API accepts."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from rag_app.errors import ConfigError
from ui.auth import ApiAccess, Credentials, load_credentials


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


def test_api_access_is_the_login_or_the_launch_token() -> None:
    login = ApiAccess.for_launch(Credentials({"alice": "pw"}), token="ignored-with-a-login")
    assert (
        login.token is None
        and login.check_header("Bearer pw")
        and not login.check_header("Bearer ignored-with-a-login")
    )
    open_ = ApiAccess.for_launch(Credentials())
    assert open_.token and len(open_.token) >= 32 and ApiAccess.for_launch(Credentials()).token != open_.token
    assert open_.check_header(f"Bearer {open_.token}") and open_.check_header(f"bearer  {open_.token} ")
    assert (
        not open_.check_header(None)
        and not open_.check_header("Bearer ")
        and not open_.check_header(open_.token)
    )
    assert "API token" in open_.challenge and "Basic" in login.challenge
    with pytest.raises(ValueError):
        ApiAccess(Credentials())  # never an API open to anyone


def test_reprs_never_show_secrets() -> None:
    creds = Credentials({"alice": "hunter2-password"})
    access = ApiAccess.for_launch(Credentials(), token="tok-1234567890")
    assert "hunter2" not in repr(creds) and "alice" in repr(creds)
    assert "tok-1234567890" not in repr(access) and "tok-1234567890" not in str(access)
