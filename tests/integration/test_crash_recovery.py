"""Crash recovery: `rag ingest` killed with SIGKILL at several points, then run again, leaves the
index an uninterrupted run leaves (its own file, so the suite's workers run it beside the rest)."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, ingest_paths
from tests.integration.test_ingest import _corpus, _index, _pipe, embedder

pytestmark = pytest.mark.integration

__all__ = ["embedder"]  # the module-scoped MiniLM of test_ingest


def _killed_run(cfg: Path, corpus: Path, point: str) -> None:
    """`rag ingest` in a child process that SIGKILLs itself at ``point`` (tests/integration/kill_points.py)."""
    proc = subprocess.run(
        [sys.executable, "-m", "tests.integration.kill_points", point, "--config", str(cfg), str(corpus)],
        cwd=REPO, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert proc.returncode == -signal.SIGKILL, f"{point}: exit {proc.returncode}\n{proc.stderr[-2000:]}"


@pytest.mark.slow
def test_kill_9_at_any_point_then_rerun_equals_a_clean_run(make_config, embedder, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    corpus = _corpus(tmp_path / "corpus", 12)
    # Small batches and chunks: many write points. Each kill gets its own index folder.
    base = make_config(ingest={"encode_batch": 8}, chunking={"chunk_size": 128}).read_text()

    def config(name: str) -> Path:
        path = tmp_path / f"{name}.yaml"
        path.write_text(base.replace(str(tmp_path / "milvus.db"), str(tmp_path / f"{name}.db")))
        return path

    def clean_run() -> dict[str, set[tuple[str, str]]]:
        reference = _pipe(config("reference"), embedder)
        ingest_paths(reference, [corpus])
        expected = _index(reference)
        reference.close()
        (tmp_path / "reference.db").unlink()  # Milvus Lite 2.5: the index is one file
        return expected

    def recovered(name: str, expected: dict[str, set[tuple[str, str]]]) -> None:
        pipe = _pipe(config(name), embedder)
        report = ingest_paths(pipe, [corpus])  # the rerun, in a fresh store on the killed folder
        assert (report.failed, report.added + report.updated + report.unchanged) == ([], 12)
        assert _index(pipe) == expected, f"{name}: the index differs from an uninterrupted run"
        assert pipe.components.store.count(pipe.collection) == sum(len(v) for v in expected.values())
        pipe.close()

    expected = clean_run()
    for point in ("model-load", "first-batch", "mid-document"):
        _killed_run(config(point), corpus, point)
        recovered(point, expected)
    shutil.copy2(tmp_path / "first-batch.db", tmp_path / "after-delete.db")  # complete, closed
    for f in sorted(corpus.glob("*.md"))[:2] + sorted(corpus.glob("*.txt"))[:2]:
        f.write_text(f.read_text() + "\nAn edit made before the next crash.\n")
    expected = clean_run()
    for point, folder in (("before-delete", "mid-document"), ("after-delete", "after-delete")):
        _killed_run(config(folder), corpus, point)  # the changed documents are being replaced
        recovered(folder, expected)
