"""Milvus Lite folders: one process per folder, shared with other ``rag`` processes over loopback.

Milvus Lite locks its folder to the process that opens it. That process runs Milvus Lite's engine
(a child process) behind a unix socket, made readable and writable by this user only (mode 0600:
other users of the machine cannot connect); a long-running one (chat, UI, ``rag milvus serve``)
publishes the socket's address in ``<folder>.owner.json`` (mode 0600) and other ``rag`` processes of
the same user connect to it instead of failing on the lock. A record is trusted only when the file
is private and its process is ours and alive (:func:`rag_app.process.alive`). Inside one process,
several stores may use one folder: pymilvus serves it from one engine, which only the last of them
to close may stop.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import socket
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from rag_app.errors import StoreError
from rag_app.folders import private_folder
from rag_app.process import ProcessRecord, alive, read_private, write_private
from rag_app.store.lite_format import locked_elsewhere

# Milvus Lite 2.5 starts its engine as a child process; on a loaded machine its socket can take
# longer than pymilvus' default 10 s to answer.
START_TIMEOUT_S = 60.0

# pymilvus pings every 10 s; Milvus Lite 2.5's engine (gRPC's default server policy, which the app
# cannot change) answers pings that come more often than every 5 minutes on a busy connection with
# GOAWAY "too_many_pings", which gRPC prints on stderr (seen during `rag eval compare`). On a local
# unix socket keepalive guards against nothing: it is off.
LOCAL_GRPC = {"grpc.keepalive_time_ms": 2**31 - 1, "grpc.keepalive_permit_without_calls": 0}


def owner_path(db: Path) -> Path:
    return db.with_name(db.name + ".owner.json")


def owner_of(db: Path, require_uri: bool = True) -> dict[str, Any] | None:
    """The live process that owns a Milvus Lite folder (and shares it, if ``require_uri``)."""
    info = read_private(owner_path(db))
    record = ProcessRecord.from_dict(info) if info is not None else None
    if info is None or record is None or record.pid == os.getpid() or not alive(record):
        return None
    if not info.get("uri"):
        return None if require_uri else info
    if not _reachable(str(info["uri"])):
        return None if require_uri else info
    return info


def _reachable(uri: str) -> bool:
    """Whether a server answers at ``uri``: Milvus Lite 2.5's unix socket, or a loopback port."""
    try:
        if uri.startswith("unix:"):
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
                s.settimeout(2)
                s.connect(uri.removeprefix("unix:"))
            return True
        url = urlparse(uri)
        socket.create_connection((url.hostname or "127.0.0.1", url.port or 19530), timeout=2).close()
        return True
    except OSError:
        return False


def _start_engine(db: Path) -> None:
    """Start (or reuse) this process's Milvus Lite server for ``db`` and wait until its socket exists.

    Milvus Lite 2.5 gives its engine child 0.5 s; on a loaded machine the socket comes later, and
    pymilvus' first call then fails at once. pymilvus reuses the server started here.
    """
    from milvus_lite.server_manager import server_manager_instance

    uri = server_manager_instance.start_and_get_uri(str(db))
    if uri is None:
        raise RuntimeError("Open local milvus failed")
    if not uri.startswith("unix:"):
        return
    sock = Path(uri.removeprefix("unix:"))
    deadline = time.monotonic() + START_TIMEOUT_S
    while not sock.exists():
        if time.monotonic() > deadline:
            raise RuntimeError(
                f"Open local milvus failed: its engine did not answer in {START_TIMEOUT_S:.0f} s"
            )
        time.sleep(0.05)
    os.chmod(sock, 0o600)  # this user only: connecting to a unix socket needs write permission on it


class _OpenFolders:
    """How many stores use each folder in this process (the server behind them is per process)."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}

    def enter(self, key: str) -> bool:
        """Count one more user; True for the first."""
        self.counts[key] = self.counts.get(key, 0) + 1
        return self.counts[key] == 1

    def leave(self, key: str) -> bool:
        """Count one user less; True for the last."""
        self.counts[key] = max(0, self.counts.get(key, 1) - 1)
        if self.counts[key]:
            return False
        del self.counts[key]
        return True


# Process-wide on purpose: it mirrors pymilvus's own process-wide server manager.
_OPEN = _OpenFolders()


class LiteFolder:
    """This store's use of one Milvus Lite folder: its client, and the owner record when it holds it."""

    def __init__(self, db: Path, share: bool) -> None:
        from pymilvus import MilvusClient

        self.db = db
        self.shared_from: dict[str, Any] | None = None
        self._key: str | None = None
        self._record: Path | None = None
        try:
            owner = owner_of(db)
            if owner and owner.get("uri"):
                self.client = MilvusClient(
                    uri=str(owner["uri"]), timeout=START_TIMEOUT_S, grpc_options=LOCAL_GRPC
                )
                self.shared_from = owner
                return
            private_folder(db.parent)
            if str(db.resolve()) not in _OPEN.counts and locked_elsewhere(db):
                raise RuntimeError("Open local milvus failed: the file is locked")
            _start_engine(db)
            self.client = MilvusClient(str(db), timeout=START_TIMEOUT_S, grpc_options=LOCAL_GRPC)
        except Exception as exc:
            raise self._open_error(exc) from exc
        self._key = str(db.resolve())
        if _OPEN.enter(self._key) or share:
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
        """Record this process as the folder's owner (and its server address when sharing)."""
        info: dict[str, Any] = {
            **ProcessRecord.current().as_dict(),
            "command": " ".join(["rag", *sys.argv[1:2]]),
        }
        if share:
            from milvus_lite.server_manager import server_manager_instance

            info["uri"] = server_manager_instance.start_and_get_uri(str(self.db))
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

    def close(self) -> None:
        """Close the client; the folder is unlocked for other processes once the last store here closes."""
        self.client.close()
        key, self._key = self._key, None
        if key is None:
            return
        if not _OPEN.leave(key):
            self._record = None  # another store here still uses the folder and its record
            return
        from milvus_lite.server_manager import server_manager_instance

        server_manager_instance.release_server(str(self.db))
        self._forget_record()
