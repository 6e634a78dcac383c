"""Processes: is a recorded process still ours and alive, and stopping a server on a signal in time.

Servers started by ``rag`` (the Milvus Lite sharing server, the local llama.cpp server, the UI)
record their pid in a state file so other ``rag`` processes can reuse them. A pid alone is not
proof: the process may have died and its number been reused, possibly by another user's program.
A :class:`ProcessRecord` therefore also carries the process's start time (``/proc/PID/stat``), and
:func:`alive` checks the owner, the start time and that it is not a zombie.

State files also carry the servers' per-run tokens, so they are written and read as private files
(:func:`write_private`, :func:`read_private`): mode 0600, this user's, never through a symlink.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

PROC = Path("/proc")


def start_time(pid: int) -> int | None:
    """The process's start time in clock ticks since boot (``None`` where /proc cannot tell)."""
    try:
        stat = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    # The command name (field 2) may contain spaces and parentheses: split after its closing ')'.
    fields = stat[stat.rfind(")") + 2 :].split()
    try:
        return int(fields[19])  # field 22 of the whole line
    except (IndexError, ValueError):
        return None


@dataclass(frozen=True)
class ProcessRecord:
    """A process as recorded in a state file: its pid and its start time."""

    pid: int
    started: int | None = None

    @classmethod
    def current(cls) -> ProcessRecord:
        return cls(os.getpid(), start_time(os.getpid()))

    @classmethod
    def of(cls, pid: int) -> ProcessRecord:
        return cls(pid, start_time(pid))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ProcessRecord | None:
        try:
            started = data.get("started")
            return cls(int(data["pid"]), int(started) if started is not None else None)
        except (KeyError, TypeError, ValueError):
            return None

    def as_dict(self) -> dict[str, Any]:
        return {"pid": self.pid, "started": self.started}


def alive(record: ProcessRecord) -> bool:
    """True when the recorded process still runs, belongs to this user, and is the same process
    (same start time: the pid was not reused) and not a zombie."""
    proc = PROC / str(record.pid)
    if record.pid <= 0:
        return False
    if not PROC.is_dir():  # no /proc (not Linux): fall back to signal 0, own processes only
        try:
            os.kill(record.pid, 0)
        except OSError:
            return False
        return True
    try:
        if proc.stat().st_uid != os.getuid():
            return False
        status = (proc / "stat").read_text()
    except OSError:
        return False
    state = status[status.rfind(")") + 2 :].split(" ", 1)[0]
    if state in ("Z", "X"):
        return False
    return record.started is None or start_time(record.pid) == record.started


def write_private(path: Path, text: str) -> None:
    """Replace ``path`` atomically with a file only this user can read or write (mode 0600)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(tmp, path)


def read_private(path: Path) -> dict[str, Any] | None:
    """The JSON object in ``path`` when the file is this user's and no one else may read or write it
    (a record someone else wrote, or could have read, is not trusted); None otherwise."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return None
    with os.fdopen(fd, encoding="utf-8") as fh:
        st = os.fstat(fh.fileno())
        if st.st_uid != os.getuid() or st.st_mode & 0o077:
            return None
        try:
            data = json.loads(fh.read())
        except ValueError:
            return None
    return data if isinstance(data, dict) else None


def parent_watch(fd: int, on_gone: Callable[[], None]) -> threading.Thread:
    """Call ``on_gone`` when the parent process dies: ``fd`` is the read end of a pipe whose write end
    only the parent holds, so EOF means the parent is gone (a zombie or a reused pid cannot fool it)."""

    def watch() -> None:
        with contextlib.suppress(OSError):
            while os.read(fd, 1024):
                pass
        on_gone()

    thread = threading.Thread(target=watch, name="parent-watch", daemon=True)
    thread.start()
    return thread


class Shutdown:
    """Run a server until SIGINT or SIGTERM; from that moment the process is gone within ``grace`` seconds.

    Cleanup (closing the index, stopping a child) then runs normally, and so does interpreter exit;
    if anything hangs, a deadline thread ends the process when ``grace`` runs out (Milvus Lite's
    write-ahead log makes that safe). A second signal exits at once.

    >>> with Shutdown(grace=8) as stop:      # doctest: +SKIP
    ...     stop.wait()
    ...     store.close()
    """

    def __init__(self, grace: float = 8.0) -> None:
        self.grace = grace
        self.stop = threading.Event()
        self._armed = threading.Lock()
        self._previous: dict[int, Any] = {}

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self.stop.is_set():
            os._exit(128 + signum)
        self.stop.set()
        self.arm()

    def arm(self) -> None:
        """Start the deadline (once): after ``grace`` seconds the process exits whatever it is doing."""
        if not self._armed.acquire(blocking=False):
            return

        def deadline() -> None:
            time.sleep(self.grace)
            sys.stderr.write(f"Shutdown took longer than {self.grace:g} s; exiting now.\n")
            sys.stderr.flush()
            os._exit(0)

        threading.Thread(target=deadline, name="shutdown-deadline", daemon=True).start()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until a signal arrives (or ``timeout``); True when it did."""
        return self.stop.wait(timeout)

    def __enter__(self) -> Shutdown:
        for sig in (signal.SIGINT, signal.SIGTERM):
            self._previous[sig] = signal.signal(sig, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
