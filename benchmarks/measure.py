"""Measured child processes: wall time, CPU time and peak RSS of one command, and ``rag ingest`` run that way."""

from __future__ import annotations

import json
import os
import re
import resource
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from common import log

from rag_app.errors import RagError

RAG = Path(sys.executable).with_name("rag")
TIME_BIN = Path("/usr/bin/time")


@dataclass
class Run:
    """One finished child: its wall time, exit code, output and peak RSS (and how RSS was taken), and
    the CPU seconds (user + system) of it and every process under it (less sensitive to a busy
    machine than the wall time)."""

    wall: float
    rc: int
    stdout: str
    stderr: str
    peak_rss_mb: float | None
    rss_method: str
    cpu: float = 0.0


def run_measured(cmd: list[str], label: str, work: Path, env: dict[str, str]) -> Run:
    """Run one child; wall time from start to exit; peak RSS via /usr/bin/time -v (the child's own
    ru_maxrss, not a delta of RUSAGE_CHILDREN), else a psutil poller summing the process tree.
    The child's stdout and stderr are kept in ``work/<label>.stdout`` and ``.stderr``."""
    out_f, err_f, time_f = work / f"{label}.stdout", work / f"{label}.stderr", work / f"{label}.time"
    use_time = TIME_BIN.is_file() and os.access(TIME_BIN, os.X_OK)
    full = [str(TIME_BIN), "-v", "-o", str(time_f), *cmd] if use_time else cmd
    peak = [0]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with out_f.open("w") as out, err_f.open("w") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(full, stdout=out, stderr=err, env=env)
        poller = None
        if not use_time:
            poller = threading.Thread(target=_poll_rss, args=(proc, peak), daemon=True)
            poller.start()
        try:
            next_beat = 60.0
            while True:
                try:
                    rc = proc.wait(timeout=1.0)
                    break
                except subprocess.TimeoutExpired:
                    if time.perf_counter() - start > next_beat:
                        log(f"  {label}: still running ({next_beat:.0f} s)")
                        next_beat += 60.0
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        if poller is not None:
            poller.join(timeout=1.0)
    rss_mb: float | None = None
    if use_time and time_f.is_file():
        m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", time_f.read_text())
        rss_mb = int(m.group(1)) / 1024 if m else None
    elif peak[0]:
        rss_mb = peak[0] / 1048576
    method = "/usr/bin/time -v (max RSS)" if use_time else "psutil poll 0.2 s (process tree RSS sum)"
    return Run(wall, rc, out_f.read_text(), err_f.read_text(), rss_mb, method, cpu)


def _poll_rss(proc: subprocess.Popen[bytes], peak: list[int]) -> None:
    import psutil

    try:
        root = psutil.Process(proc.pid)
    except psutil.Error:
        return
    while proc.poll() is None:
        try:
            procs = [root, *root.children(recursive=True)]
            peak[0] = max(peak[0], sum(p.memory_info().rss for p in procs))
        except psutil.Error:
            pass
        time.sleep(0.2)


def first_json(text: str) -> dict[str, Any]:
    """The first JSON object in a child's output."""
    start = text.find("{")
    if start < 0:
        raise RagError(f"no JSON in output: {text[-400:]}")
    obj, _ = json.JSONDecoder().raw_decode(text[start:])
    return dict(obj)


def rag_ingest(
    cfg: Path, corpus: Path, label: str, work: Path, env: dict[str, str]
) -> tuple[Run, dict[str, Any]]:
    """``rag --config CFG ingest CORPUS --json`` as a measured child, and its JSON report."""
    log(f"{label}: rag ingest {corpus.name} ...")
    run = run_measured([str(RAG), "--config", str(cfg), "ingest", str(corpus), "--json"], label, work, env)
    if run.rc not in (0, 2):
        raise RagError(f"{label}: `rag ingest` exited {run.rc}:\n{run.stderr[-2000:]}")
    report = first_json(run.stdout)
    log(
        f"{label}: {report['chunks']} chunks, added {report['added']}, updated {report['updated']}, "
        f"unchanged {report['unchanged']}, failed {len(report['failed'])}; wall {run.wall:.1f} s, "
        f"CPU {run.cpu:.1f} s"
    )
    return run, report
