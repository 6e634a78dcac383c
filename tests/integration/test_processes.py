"""Server processes stop in time and leave nothing behind, even on a loaded machine.

Each `rag` server command (milvus serve, llm serve, ui) must exit within 10 s of SIGINT or SIGTERM,
and the local llama.cpp server child must exit when its parent dies (also by SIGKILL) or on SIGTERM.
While the signals are handled, two busy processes keep both cores loaded.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.conftest import RAG

pytestmark = pytest.mark.integration

DEADLINE = 10.0


@contextmanager
def cpu_load() -> Iterator[None]:
    """Every core busy while the test signals and waits."""
    burners = [
        subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(os.cpu_count() or 2)
    ]
    try:
        yield
    finally:
        for b in burners:
            b.kill()
            b.wait()


def _exits_within(proc: subprocess.Popen[str], seconds: float) -> float:
    start = time.monotonic()
    try:
        proc.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        pytest.fail(f"{proc.args} still ran {seconds:g} s after the signal")
    return time.monotonic() - start


def _gone_within(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            return True
        if stat[stat.rfind(")") + 2] == "Z":  # exited, waiting to be reaped by its parent
            return True
        time.sleep(0.1)
    return False


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(args: list[str], ready: str, timeout: float = 120) -> subprocess.Popen[str]:
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert proc.stdout is not None
    deadline = time.monotonic() + timeout
    seen = []
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line and proc.poll() is not None:
            break
        seen.append(line)
        if ready in line:
            return proc
    proc.kill()
    pytest.fail(f"{args} did not print {ready!r}:\n{''.join(seen)}")


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_milvus_serve_exits_on_signal_under_load(make_config, sig: int) -> None:  # type: ignore[no-untyped-def]
    cfg = make_config()
    host = _start([RAG, "--config", str(cfg), "milvus", "serve"], "Serving")
    with cpu_load():
        host.send_signal(sig)
        _exits_within(host, DEADLINE)
    assert not list(cfg.parent.glob("*.owner.json"))  # the record of a dead owner would mislead others


def test_llm_serve_stops_its_server_on_sigint(make_config) -> None:  # type: ignore[no-untyped-def]
    cfg = make_config(llm={"provider": "local", "model": "smollm2-135m", "context_window": 1024})
    proc = _start([RAG, "--config", str(cfg), "llm", "serve"], "Ctrl-C to stop")
    state = cfg.parent / "data" / "llm-server.json"
    import json

    child = int(json.loads(state.read_text())["pid"])
    with cpu_load():
        proc.send_signal(signal.SIGINT)
        _exits_within(proc, DEADLINE)
        assert _gone_within(child, 1.0), "the llama.cpp server outlived `rag llm serve`"


CHILD_OWNER = """
import sys, time
from pathlib import Path
from rag_app.llm_server import LocalLLMServer
server = LocalLLMServer(Path(sys.argv[1]), Path(sys.argv[2]), n_ctx=1024, threads=1)
server.ensure()
print(server.proc.pid, flush=True)
time.sleep(600)
"""


@pytest.mark.parametrize("how", ["parent SIGKILL", "child SIGTERM"])
def test_local_llm_server_exits_with_its_parent_or_on_sigterm(
    tmp_path: Path, smollm_gguf: Path, how: str
) -> None:
    parent = subprocess.Popen(
        [sys.executable, "-c", CHILD_OWNER, str(smollm_gguf), str(tmp_path)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert parent.stdout is not None
    child = int(parent.stdout.readline())
    try:
        with cpu_load():
            if how == "parent SIGKILL":
                parent.kill()
                parent.wait()
            else:
                os.kill(child, signal.SIGTERM)
            assert _gone_within(child, DEADLINE), f"llama.cpp server still running {DEADLINE:g} s after {how}"
    finally:
        parent.kill()
        parent.wait()
        if not _gone_within(child, 0):
            os.kill(child, signal.SIGKILL)


def test_rag_ui_exits_on_sigterm(make_config, minilm_path: Path) -> None:  # type: ignore[no-untyped-def]
    port = _free_port()
    cfg = make_config(llm={"provider": "openai", "base_url": "http://127.0.0.1:9/v1", "model": "x"})
    proc = subprocess.Popen(
        [RAG, "--config", str(cfg), "ui", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2):
                    break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, "rag ui did not start"
                time.sleep(0.5)
        with cpu_load():
            proc.send_signal(signal.SIGTERM)
            _exits_within(proc, DEADLINE)  # type: ignore[arg-type]
    finally:
        if proc.poll() is None:
            proc.kill()
