"""Optional login: ``RAG_UI_USERNAME``/``RAG_UI_PASSWORD`` and/or a ``user:password`` file.

The same credentials protect the Gradio pages and API (Gradio's own login, a session cookie) and
the ``/v1`` routes (HTTP Basic, or ``Authorization: Bearer <password>`` / ``Bearer <user:password>``,
which is what OpenAI clients send as ``api_key``). Without a login, ``/v1`` needs the server's API
token instead (:class:`ApiAccess`: one per launch, or ``RAG_UI_API_TOKEN``), so a web page the user
visits cannot use it. Passwords and tokens are never logged or shown in a repr.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import os
import secrets
from collections.abc import Mapping
from pathlib import Path

from rag_app.errors import ConfigError


class Credentials:
    """A set of user → password pairs; empty means login is off."""

    def __init__(self, users: Mapping[str, str] | None = None) -> None:
        self.users = dict(users or {})

    def __bool__(self) -> bool:
        return bool(self.users)

    def __repr__(self) -> str:
        return f"Credentials(users={sorted(self.users)})"  # names only, never the passwords

    def check(self, username: str, password: str) -> bool:
        ok = False
        for user, secret in self.users.items():
            # compare every entry, so timing says nothing about which user exists
            same_user = hmac.compare_digest(user.encode(), username.encode())
            same_pw = hmac.compare_digest(secret.encode(), password.encode())
            ok |= same_user and same_pw
        return ok

    def check_token(self, token: str) -> bool:
        """A Bearer token: ``user:password``, or a password of any user."""
        if ":" in token:
            user, _, pw = token.partition(":")
            if self.check(user, pw):
                return True
        ok = False
        for secret in self.users.values():
            ok |= hmac.compare_digest(secret.encode(), token.encode())
        return ok

    def check_header(self, header: str | None) -> bool:
        """An ``Authorization`` header (Basic or Bearer)."""
        if not header:
            return False
        scheme, _, value = header.strip().partition(" ")
        value = value.strip()
        if scheme.lower() == "basic":
            try:
                decoded = base64.b64decode(value, validate=True).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError):
                return False
            user, sep, pw = decoded.partition(":")
            return bool(sep) and self.check(user, pw)
        if scheme.lower() == "bearer":
            return bool(value) and self.check_token(value)
        return False


class ApiAccess:
    """Who may call ``/v1``: the login's users when one is set, else whoever holds the API token.

    >>> access = ApiAccess(Credentials(), token="t0ken")
    >>> access.check_header("Bearer t0ken"), access.check_header("Bearer guess")
    (True, False)
    """

    def __init__(self, credentials: Credentials, token: str | None = None) -> None:
        if not credentials and not token:
            raise ValueError("Without a login, /v1 needs an API token.")
        self.credentials = credentials
        self.token = None if credentials else token

    def __repr__(self) -> str:
        return f"ApiAccess(login={bool(self.credentials)}, token={'set' if self.token else 'none'})"

    @classmethod
    def for_launch(cls, credentials: Credentials, token: str | None = None) -> ApiAccess:
        """The login, or (without one) ``token`` or a new random token for this launch."""
        if credentials:
            return cls(credentials)
        return cls(credentials, token or secrets.token_urlsafe(32))

    def check_header(self, header: str | None) -> bool:
        """An ``Authorization`` header: the login's (Basic or Bearer), or ``Bearer <token>``."""
        if self.credentials:
            return self.credentials.check_header(header)
        scheme, _, value = (header or "").strip().partition(" ")
        return (
            scheme.lower() == "bearer"
            and self.token is not None
            and hmac.compare_digest(value.strip().encode(), self.token.encode())
        )

    @property
    def challenge(self) -> str:
        """What a 401 says is needed."""
        if self.credentials:
            return "Authentication required: HTTP Basic, or Bearer with the UI password."
        return (
            "Authentication required: `Authorization: Bearer <token>` with the API token `rag ui` "
            "printed at start (also in <data_dir>/ui-api-token)."
        )


def load_credentials(users_file: Path | None, env: Mapping[str, str] | None = None) -> Credentials:
    """Credentials from the environment and the optional users file (``user:password`` lines)."""
    env = os.environ if env is None else env
    users: dict[str, str] = {}
    user, password = env.get("RAG_UI_USERNAME", ""), env.get("RAG_UI_PASSWORD", "")
    if user or password:
        if not (user and password):
            raise ConfigError(
                "Only one of RAG_UI_USERNAME and RAG_UI_PASSWORD is set.",
                fix="Set both to enable the login, or neither to run without one.",
            )
        users[user] = password
    if users_file is not None:
        path = Path(users_file)
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise ConfigError(
                f"Cannot read ui.users_file {path}: {exc.strerror or exc}.",
                fix="Fix the path in config.yaml, or remove ui.users_file.",
            ) from None
        for n, line in enumerate(lines, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            name, sep, pw = line.partition(":")
            if not sep or not name.strip() or not pw:
                raise ConfigError(
                    f"{path} line {n} is not `user:password`.",
                    fix="Write one `user:password` per line (lines starting with # are ignored).",
                )
            users[name.strip()] = pw
    return Credentials(users)
