"""Recorded processes are trusted only while they are ours, alive and the same; servers stop in time."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
import time

import pytest

from rag_app.process import ProcessRecord, Shutdown, alive, parent_watch, start_time


def test_this_process_is_alive_and_its_record_round_trips() -> None:
    me = ProcessRecord.current()
    assert me.pid == os.getpid() and me.started == start_time(os.getpid())
    assert alive(me)
    assert ProcessRecord.from_dict(me.as_dict()) == me
    assert ProcessRecord.from_dict({"pid": "x"}) is None


def test_a_dead_process_is_not_alive() -> None:
    proc = subprocess.Popen(["true"])
    record = ProcessRecord.of(proc.pid)
    proc.wait()
    assert not alive(record)


def test_a_reused_pid_is_not_the_recorded_process() -> None:
    me = ProcessRecord.current()
    assert me.started is not None
    assert not alive(ProcessRecord(me.pid, me.started - 1))


def test_a_zombie_is_not_alive() -> None:
    proc = subprocess.Popen(["true"])
    record = ProcessRecord.of(proc.pid)
    deadline = time.monotonic() + 5
    while alive(record) and time.monotonic() < deadline:  # exited but not reaped: state Z
        time.sleep(0.05)
    assert not alive(record)
    proc.wait()


@pytest.mark.skipif(
    os.getuid() != 0 or not shutil.which("setpriv"), reason="needs root to start another user's process"
)
def test_another_users_process_is_not_ours() -> None:
    proc = subprocess.Popen(
        ["setpriv", "--reuid", "65534", "--regid", "65534", "--clear-groups", "sleep", "30"]
    )
    try:
        time.sleep(0.3)
        assert not alive(ProcessRecord.of(proc.pid))
    finally:
        proc.kill()
        proc.wait()


def test_parent_watch_fires_when_the_write_end_closes() -> None:
    read_end, write_end = os.pipe()
    gone = threading.Event()
    parent_watch(read_end, gone.set)
    assert not gone.wait(0.2)
    os.close(write_end)
    assert gone.wait(5)


HANGING_SERVER = textwrap.dedent(
    """
    import time
    from rag_app.process import Shutdown
    with Shutdown(grace={grace}) as stop:
        print("ready", flush=True)
        while not stop.wait(0.2):
            pass
        time.sleep(3600)  # a cleanup that never finishes
    """
)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_shutdown_ends_the_process_within_grace_even_if_cleanup_hangs(sig: int) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-c", HANGING_SERVER.format(grace=1.0)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    t = time.monotonic()
    proc.send_signal(sig)
    try:
        proc.wait(timeout=8)
    except subprocess.TimeoutExpired:
        proc.kill()
        pytest.fail("the process ignored its shutdown deadline")
    assert time.monotonic() - t < 8
    assert "exiting now" in (proc.stderr.read() if proc.stderr else "")


def test_shutdown_restores_the_previous_handlers() -> None:
    before = signal.getsignal(signal.SIGTERM)
    with Shutdown(grace=5):
        assert signal.getsignal(signal.SIGTERM) is not before
    assert signal.getsignal(signal.SIGTERM) is before
