"""Lifecycle of the local llama.cpp server (xllamacpp) that ``llm.provider: local`` uses.

The server runs in a child process (``python -m rag_app.llm_server``) bound to 127.0.0.1 and
answers only requests that carry its per-run API key (llama.cpp's ``api_keys``; the key reaches
the child on its standard input, never on a command line other users can read). A state file in
the data folder (mode 0600: it holds the key) lets other ``rag`` processes reuse a running server
for the same model, when the recorded process is still ours (:func:`rag_app.process.alive`);
a process stops only the server it started. The child exits when its parent dies
(it holds the read end of a pipe only the parent writes to: EOF means the parent is gone, even
after ``kill -9``), and within a second of SIGTERM or SIGINT, so nothing is left behind.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import json
import os
import secrets
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
from rag_app.process import ProcessRecord, alive, parent_watch, read_private, write_private

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
        self.api_key: str | None = None  # the server's per-run key (Bearer), once started or found
        self.log_path = self.data_dir / "logs" / "llm-server.log"

    @property
    def state_path(self) -> Path:
        return self.data_dir / STATE_FILE

    @property
    def owned(self) -> bool:
        return self.proc is not None

    def _read_state(self) -> dict[str, object] | None:
        """The state file, if it is this user's and private (it holds the server's key)."""
        return read_private(self.state_path)

    def running(self) -> tuple[str, str] | None:
        """Base URL and key of a live server for this model started by a rag process of this user."""
        state = self._read_state()
        if not state or state.get("model") != str(self.gguf) or state.get("n_ctx") != self.n_ctx:
            return None
        record = ProcessRecord.from_dict(state)
        base, key = str(state.get("base_url", "")), str(state.get("api_key") or "")
        if record is not None and key and alive(record) and _answers(base):
            return base, key
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
                self.base_url, self.api_key = reused
                return self.base_url
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
        key = secrets.token_urlsafe(32)
        try:
            with self.log_path.open("ab") as log:
                self.proc = subprocess.Popen(
                    cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.PIPE,
                    start_new_session=True, pass_fds=(read_end,),
                )  # fmt: skip
        finally:
            os.close(read_end)
        assert self.proc.stdin is not None
        with contextlib.suppress(OSError):  # a child that died at once is reported below
            self.proc.stdin.write(key.encode() + b"\n")
            self.proc.stdin.close()
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
                self.base_url, self.api_key = base, key
                state = {
                    **ProcessRecord.of(self.proc.pid).as_dict(),
                    "base_url": base,
                    "api_key": key,
                    "model": str(self.gguf),
                    "n_ctx": self.n_ctx,
                }
                write_private(self.state_path, json.dumps(state))
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
        self.base_url = self.api_key = None


def _serve(args: argparse.Namespace) -> int:
    import xllamacpp as xlc

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    if args.lifeline_fd >= 0:
        parent_watch(args.lifeline_fd, stop.set)
    key = sys.stdin.readline().strip()  # the parent writes the per-run key here, then closes
    if not key:
        print("rag llm server: no API key on standard input; refusing to serve without one", flush=True)
        return 2
    params = xlc.CommonParams()
    params.api_keys = [key]
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
