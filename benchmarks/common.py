"""What the benchmark scripts share: the progress log, the offline environment, targets, latency
summaries, facts about the machine and the library versions, and the JSON output.

The scripts import this as a sibling module (they run as ``python benchmarks/<name>.py``).
"""

from __future__ import annotations

import json
import math
import os
import platform
import re
import subprocess
import sys
import time
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
T0 = time.perf_counter()
OFFLINE = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_HUB_DISABLE_TELEMETRY": "1"}


def log(msg: str) -> None:
    """One progress line on stderr, stamped with the seconds since the benchmark started."""
    print(f"[{time.perf_counter() - T0:7.1f}s] {msg}", file=sys.stderr, flush=True)


def offline_env(**extra: str) -> dict[str, str]:
    """Make this process offline, without any RAG_* override that would make the app (or a child
    given the returned environment) read another config than the one the benchmark chose."""
    env = {
        k: v for k, v in os.environ.items() if not (k == "RAG_CONFIG" or (k.startswith("RAG_") and "__" in k))
    }
    env.update(OFFLINE)
    env.update(extra)
    os.environ.clear()
    os.environ.update(env)
    return env


def target(value: float | None, op: str, bound: float, bound_format: str = ".2f") -> dict[str, Any]:
    """``{"value", "target", "met"}`` for one target, e.g. ``target(0.93, ">=", 0.9)``."""
    text = f"{op} {bound:{bound_format}}"
    if value is None:
        return {"value": None, "target": text, "met": None}
    met = {">=": value >= bound, "<": value < bound, "<=": value <= bound}[op]
    return {"value": round(value, 4), "target": text, "met": bool(met)}


def pct(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (values in seconds in, milliseconds out)."""
    xs = sorted(values)
    if not xs:
        return float("nan")
    i = min(len(xs) - 1, max(0, math.ceil(q / 100 * len(xs)) - 1))
    return round(xs[i] * 1000, 2)


def lat(values: Sequence[float]) -> dict[str, float]:
    """p50, p95 and minimum in milliseconds of timings in seconds, and how many there were."""
    best = round(min(values) * 1000, 2) if values else float("nan")
    return {"p50_ms": pct(values, 50), "p95_ms": pct(values, 95), "min_ms": best, "n": len(values)}


def loadavg() -> float:
    """The 1-minute load average: other work on the machine skews every timing."""
    return round(os.getloadavg()[0], 2)


def machine() -> dict[str, Any]:
    """CPU, memory, threads and platform of this machine, and its load now."""
    import torch

    cpu_model = None
    try:
        m = re.search(r"^model name\s*:\s*(.+)$", Path("/proc/cpuinfo").read_text(), re.M)
        cpu_model = m.group(1) if m else None
    except OSError:
        pass
    try:
        import psutil

        mem_gb: float | None = round(psutil.virtual_memory().total / 1e9, 1)
    except ImportError:
        mem_gb = None
    return {
        "cpu_count": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "cpu_model": cpu_model,
        "torch_threads": torch.get_num_threads(),
        "memory_gb": mem_gb,
        "platform": platform.platform(),
        "python": platform.python_version(),
        # Other work on the machine skews every figure: compare runs made on an idle machine.
        "loadavg_1m_start": loadavg(),
    }


def versions(dists: Sequence[str], paths: Sequence[str]) -> dict[str, str | None]:
    """Installed versions of ``dists`` and the git commit, marked when ``paths`` have uncommitted changes."""
    out: dict[str, str | None] = {}
    for dist in dists:
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = None
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True
        )
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", *paths], cwd=REPO, capture_output=True, text=True
        )
        out["git"] = commit.stdout.strip() + (
            f" (uncommitted changes in {'/'.join(paths)})" if dirty.stdout.strip() else ""
        )
    except OSError:
        out["git"] = None
    return out


def emit(result: dict[str, Any], output: Path | None) -> None:
    """The result as indented JSON on stdout, and in ``output`` when given."""
    text = json.dumps(result, indent=2)
    if output:
        output.write_text(text + "\n")
    print(text)
