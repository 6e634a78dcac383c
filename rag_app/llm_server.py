"""Lifecycle of the local llama.cpp server (xllamacpp) that ``llm.provider: local`` uses.

The server runs in a child process (``python -m rag_app.llm_server``) bound to 127.0.0.1.
A state file in the data folder lets other ``rag`` processes reuse a running server for the
same model; a process stops only the server it started. The child exits when its parent dies
(it holds the read end of a pipe only the parent writes to: EOF means the parent is gone, even
after ``kill -9``), and within a second of SIGTERM or SIGINT, so nothing is left behind.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from rag_app.errors import LLMServerError
from rag_app.folders import private_folder
from rag_app.process import ProcessRecord, alive, parent_watch

STATE_FILE = "llm-server.json"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _answers(base: str, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(f"{base}/health", timeout=timeout) as resp:
            return bool(resp.status == 200)
    except (urllib.error.URLError, OSError, ValueError):
        return False


class LocalLLMServer:
    """Start or reuse llama.cpp's OpenAI-compatible server for one GGUF model."""

    def __init__(
        self,
        gguf: Path,
        data_dir: Path,
        n_ctx: int = 4096,
        threads: int | None = None,
        startup_timeout: float = 60.0,
    ) -> None:
        self.gguf = Path(gguf).resolve()
        self.data_dir = Path(data_dir)
        self.n_ctx = n_ctx
        self.threads = threads or os.cpu_count() or 2
        self.startup_timeout = startup_timeout
        self._lifeline: int | None = None  # write end of the pipe the child watches
        self.proc: subprocess.Popen[bytes] | None = None
        self.base_url: str | None = None
        self.log_path = self.data_dir / "logs" / "llm-server.log"

    @property
    def state_path(self) -> Path:
        return self.data_dir / STATE_FILE

    @property
    def owned(self) -> bool:
        return self.proc is not None

    def _read_state(self) -> dict[str, object] | None:
        try:
            return dict(json.loads(self.state_path.read_text()))
        except (OSError, ValueError):
            return None

    def running(self) -> str | None:
        """Base URL of a live server for this model started by any rag process, else None."""
        state = self._read_state()
        if not state or state.get("model") != str(self.gguf) or state.get("n_ctx") != self.n_ctx:
            return None
        record = ProcessRecord.from_dict(state)
        base = str(state.get("base_url", ""))
        if record is not None and alive(record) and _answers(base):
            return base
        return None

    def ensure(self) -> str:
        """Return the server's base URL (``http://127.0.0.1:PORT``), starting it if needed."""
        if self.base_url and (self.proc is None or self.proc.poll() is None):
            return self.base_url
        private_folder(self.data_dir)
        with (self.data_dir / "llm-server.lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            reused = self.running()
            if reused:
                self.base_url = reused
                return reused
            return self._start()

    def _start(self) -> str:
        if not self.gguf.is_file():
            raise LLMServerError(f"Model file {self.gguf} does not exist.", fix="Check llm.model.")
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        cmd = [
            sys.executable, "-m", "rag_app.llm_server",
            "--model", str(self.gguf), "--port", str(port),
            "--ctx", str(self.n_ctx), "--threads", str(self.threads),
        ]  # fmt: skip
        read_end, self._lifeline = os.pipe()
        cmd += ["--lifeline-fd", str(read_end)]
        try:
            with self.log_path.open("ab") as log:
                self.proc = subprocess.Popen(
                    cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                    start_new_session=True, pass_fds=(read_end,),
                )  # fmt: skip
        finally:
            os.close(read_end)
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                tail = self._log_tail()
                self.proc = None
                self._close_lifeline()
                raise LLMServerError(
                    f"The local LLM server exited while starting (model {self.gguf.name}).\n{tail}",
                    fix=f"See {self.log_path}; check llm.model, or lower llm.context_window.",
                )
            if _answers(base, timeout=1.0):
                self.base_url = base
                state = {
                    **ProcessRecord.of(self.proc.pid).as_dict(),
                    "base_url": base,
                    "model": str(self.gguf),
                    "n_ctx": self.n_ctx,
                }
                self.state_path.write_text(json.dumps(state))
                return base
            time.sleep(0.2)
        self.close()
        raise LLMServerError(
            f"The local LLM server did not answer within {self.startup_timeout:.0f} s.",
            fix=f"See {self.log_path}; raise llm.startup_timeout on a slow machine.",
        )

    def _close_lifeline(self) -> None:
        fd, self._lifeline = self._lifeline, None
        if fd is not None:
            with contextlib.suppress(OSError):
                os.close(fd)

    def _log_tail(self, lines: int = 8) -> str:
        try:
            text = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return ""
        return "\n".join(text[-lines:])

    def close(self) -> None:
        """Stop the server if this object started it; leave anyone else's alone."""
        proc, self.proc = self.proc, None
        if proc is None:
            return
        self._close_lifeline()  # the child sees EOF and exits, as when this process dies
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
        state = self._read_state()
        if state and state.get("pid") == proc.pid:
            with contextlib.suppress(OSError):
                self.state_path.unlink()
        self.base_url = None


def _serve(args: argparse.Namespace) -> int:
    import xllamacpp as xlc

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    if args.lifeline_fd >= 0:
        parent_watch(args.lifeline_fd, stop.set)
    params = xlc.CommonParams()
    params.model.path = args.model
    params.n_ctx = args.ctx
    params.cpuparams.n_threads = args.threads
    params.cpuparams_batch.n_threads = args.threads
    params.port = args.port
    params.n_parallel = 1
    server = xlc.Server(params)
    print(f"rag llm server listening on {server.listening_address}", flush=True)
    while not stop.wait(0.5):
        pass
    # The server holds no state worth saving, and its destructor can block on a generation in
    # progress: leave at once rather than risk ignoring the signal.
    print("rag llm server stopping", flush=True)
    os._exit(0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run llama.cpp's OpenAI-compatible server on 127.0.0.1.")
    parser.add_argument("--model", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--ctx", type=int, default=4096)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 2)
    parser.add_argument(
        "--lifeline-fd", type=int, default=-1, help="Exit when this pipe reaches EOF (the parent died)."
    )
    return _serve(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
