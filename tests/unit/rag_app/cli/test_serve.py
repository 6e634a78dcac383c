"""Long-running helpers stop on a signal and run their cleanup (in a child process: once a server
has been signalled, the process is gone within its grace period, by design)."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest


def _catches(pid: int, sig: int) -> bool:
    """Whether the process has installed a handler for ``sig`` (SigCgt in /proc/PID/status)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("SigCgt:"):
            return bool(int(line.split()[1], 16) >> (sig - 1) & 1)
    return False


SERVER = """
from rag_app.cli.serve import _serve_until_interrupted
_serve_until_interrupted(lambda: print("cleaned up", flush=True), ready="ready")
print("returned", flush=True)
"""


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_cleanup_runs_after_the_signal_and_the_process_ends(sig: int) -> None:
    proc = subprocess.Popen([sys.executable, "-c", SERVER], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    assert _catches(proc.pid, signal.SIGTERM)  # "ready" comes only once the handlers are in place
    proc.send_signal(sig)
    out, _ = proc.communicate(timeout=20)
    assert out.split() == ["cleaned", "up", "returned"]
    assert proc.returncode == 0
