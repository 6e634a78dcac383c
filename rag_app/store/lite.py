"""Milvus Lite folders: one process per folder, shared with other ``rag`` processes over loopback.

Milvus Lite locks its folder to the process that opens it, and pymilvus talks to it over gRPC.
This process serves the folder itself (:class:`LiteServer`) on 127.0.0.1, and the server answers
only calls that carry its per-run token: other local users cannot read or write the index through
the port (pymilvus's own server for a ``.db`` path accepts anyone). A long-running process (chat,
UI, ``rag milvus serve``) publishes the address and token in ``<folder>.owner.json`` (mode 0600),
and other ``rag`` processes of the same user connect with them instead of failing on the lock;
a record is trusted only when the file is private and its process is ours and alive
(:func:`rag_app.process.alive`). Inside one process, several stores share one server per folder,
which the last of them to close stops.
"""

from __future__ import annotations

import atexit
import base64
import contextlib
import hmac
import json
import os
import secrets
import socket
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from rag_app.errors import StoreError
from rag_app.folders import private_folder
from rag_app.process import ProcessRecord, alive, read_private, write_private

_MAX_MESSAGE = 256 * 1024 * 1024  # as Milvus Lite's own server (and Milvus standalone)
_OPTIONS = [
    ("grpc.max_receive_message_length", _MAX_MESSAGE),
    ("grpc.max_send_message_length", _MAX_MESSAGE),
    # pymilvus pings an idle connection every 10 s; gRPC's default server policy answers that with
    # GOAWAY "too_many_pings" (and an error in the log). Allow its pings.
    ("grpc.keepalive_permit_without_calls", 1),
    ("grpc.http2.min_recv_ping_interval_without_data_ms", 5000),
    ("grpc.http2.max_ping_strikes", 0),
]


def owner_path(db: Path) -> Path:
    return db.with_name(db.name + ".owner.json")


def owner_of(db: Path, require_uri: bool = True) -> dict[str, Any] | None:
    """The live process of this user that owns a Milvus Lite folder (and shares it, if ``require_uri``)."""
    info = read_private(owner_path(db))
    record = ProcessRecord.from_dict(info) if info is not None else None
    if info is None or record is None or record.pid == os.getpid() or not alive(record):
        return None
    if not info.get("uri") or not info.get("token"):
        return None if require_uri else info
    url = urlparse(str(info["uri"]))
    try:
        socket.create_connection((url.hostname or "127.0.0.1", url.port or 19530), timeout=2).close()
    except OSError:
        return None if require_uri else info
    return info


def _require_token(token: str) -> Any:
    """A gRPC server interceptor that refuses every call without ``token`` (pymilvus sends it
    base64-encoded in the ``authorization`` metadata, as it does to a Milvus server)."""
    import grpc

    expected = base64.b64encode(token.encode()).decode()

    def deny(request: object, context: grpc.ServicerContext) -> None:
        context.abort(grpc.StatusCode.UNAUTHENTICATED, "this Milvus Lite server needs its token")

    denied = grpc.unary_unary_rpc_method_handler(deny)

    class RequireToken(grpc.ServerInterceptor):
        def intercept_service(
            self, continuation: Callable[[grpc.HandlerCallDetails], Any], details: grpc.HandlerCallDetails
        ) -> Any:
            for key, value in details.invocation_metadata or ():
                if key == "authorization" and hmac.compare_digest(str(value), expected):
                    return continuation(details)
            return denied

    return RequireToken()


class LiteServer:
    """This process's gRPC server for one Milvus Lite folder, on 127.0.0.1, behind a per-run token.

    Built from Milvus Lite's own servicer (``milvus_lite.adapter.grpc``, the code behind pymilvus's
    ``.db`` paths and ``milvus-lite server``), plus the token check that code lacks.
    """

    def __init__(self, db: Path) -> None:
        import grpc
        from milvus_lite.adapter.grpc.servicer import MilvusServicer
        from milvus_lite.db import MilvusLite
        from pymilvus.grpc_gen import milvus_pb2_grpc

        self.token = secrets.token_urlsafe(32)
        self._db = MilvusLite(str(db))  # takes the folder's lock (fails if another process holds it)
        try:
            self._server = grpc.server(
                ThreadPoolExecutor(max_workers=10, thread_name_prefix="milvus-lite"),
                interceptors=[_require_token(self.token)],
                options=_OPTIONS,
            )
            milvus_pb2_grpc.add_MilvusServiceServicer_to_server(MilvusServicer(self._db), self._server)
            port = self._server.add_insecure_port("127.0.0.1:0")
            self._server.start()
        except Exception:
            self._db.close()
            raise
        self.uri = f"http://127.0.0.1:{port}"

    def stop(self) -> None:
        self._server.stop(grace=2).wait(5)
        self._db.close()  # flushes and releases the folder's lock


class _OpenFolders:
    """The server of each folder this process has open, and how many stores use it."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.servers: dict[str, tuple[LiteServer, int]] = {}

    def enter(self, db: Path) -> tuple[LiteServer, bool]:
        """The folder's server (started for the first user); True for the first user."""
        key = str(db.resolve())
        with self.lock:
            server, users = self.servers.get(key) or (LiteServer(db), 0)
            self.servers[key] = (server, users + 1)
            return server, users == 0

    def leave(self, db: Path) -> LiteServer | None:
        """One user less; the server to stop when that was the last."""
        key = str(db.resolve())
        with self.lock:
            server, users = self.servers.get(key, (None, 1))
            if server is None:
                return None
            if users > 1:
                self.servers[key] = (server, users - 1)
                return None
            del self.servers[key]
            return server

    def stop_all(self) -> None:
        with self.lock:
            servers, self.servers = [s for s, _ in self.servers.values()], {}
        for server in servers:
            with contextlib.suppress(Exception):
                server.stop()


# Process-wide on purpose: one folder, one lock, one server per process (as pymilvus had it).
_OPEN = _OpenFolders()
atexit.register(_OPEN.stop_all)


class LiteFolder:
    """This store's use of one Milvus Lite folder: its client, and the owner record when it holds it."""

    def __init__(self, db: Path, share: bool) -> None:
        from pymilvus import MilvusClient

        self.db = db
        self.shared_from: dict[str, Any] | None = None
        self._server: LiteServer | None = None
        self._record: Path | None = None
        try:
            owner = owner_of(db)
            if owner is not None:
                self.client = MilvusClient(uri=str(owner["uri"]), token=str(owner["token"]))
                self.shared_from = owner
                return
            private_folder(db.parent)
            server, first = _OPEN.enter(db)
            self._server = server
            self.client = MilvusClient(uri=server.uri, token=server.token)
        except Exception as exc:
            if self._server is not None:
                self._release()
            raise self._open_error(exc) from exc
        if first or share:
            self._claim(share)

    def _open_error(self, exc: Exception) -> StoreError:
        text = str(exc)
        if "locked" in text.lower() or "Open local milvus failed" in text:
            holder = owner_of(self.db, require_uri=False)
            who = f"`{holder.get('command')}` (pid {holder.get('pid')})" if holder else "another process"
            return StoreError(
                f"The index {self.db} is in use by {who}; Milvus Lite allows one process per folder.",
                fix="Wait for it to finish, or keep one long-running rag process open (`rag chat`, or "
                "`rag milvus serve` in another terminal): other rag commands then share its index. "
                "For many processes or machines use a Milvus server: milvus.uri: http://HOST:19530.",
            )
        return StoreError(
            f"Cannot open Milvus at {self.db}: {text}",
            fix="Check milvus.uri (and the token variable for a server); `rag doctor` checks it.",
        )

    def _claim(self, share: bool) -> None:
        """Record this process as the folder's owner (and its server's address and token when sharing)."""
        assert self._server is not None
        info: dict[str, Any] = {
            **ProcessRecord.current().as_dict(),
            "command": " ".join(["rag", *sys.argv[1:2]]),
        }
        if share:
            info.update(uri=self._server.uri, token=self._server.token)
        path = owner_path(self.db)
        write_private(path, json.dumps(info))
        self._record = path
        atexit.register(self._forget_record)

    def _forget_record(self) -> None:
        """Remove the owner record if it is still this process's (the lock goes with the process)."""
        path, self._record = self._record, None
        if path is None:
            path = owner_path(self.db)
        info = read_private(path)
        if info is not None and info.get("pid") == os.getpid():
            with contextlib.suppress(OSError):
                path.unlink()

    def _release(self) -> None:
        """Stop using this process's server; the last store to leave stops it (and unlocks the folder)."""
        self._server = None
        server = _OPEN.leave(self.db)
        if server is None:
            self._record = None  # another store here still uses the folder and its record
            return
        server.stop()
        self._forget_record()

    def close(self) -> None:
        """Close the client; the folder is unlocked for other processes once the last store here closes."""
        self.client.close()
        if self._server is not None:
            self._release()
