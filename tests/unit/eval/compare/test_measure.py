"""The measuring helpers: memory, folder size, and the indexer's steps relabelled per embedder.

One embedder measured end to end is in test_run.py (Milvus Lite, hash embedders)."""

from __future__ import annotations

from pathlib import Path

from eval.compare.measure import IngestSteps, folder_size, rss_bytes
from rag_app.progress import Collect, Step


def test_rss_is_this_process_memory() -> None:
    before = rss_bytes()
    block = bytearray(64 * 1024 * 1024)
    block[::4096] = b"x" * len(block[::4096])  # touch every page
    assert rss_bytes() - before > 32 * 1024 * 1024
    del block


def test_folder_size_sums_nested_files(tmp_path: Path) -> None:
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "x.bin").write_bytes(b"1" * 100)
    (tmp_path / "a" / "b" / "y.bin").write_bytes(b"2" * 23)
    assert folder_size(tmp_path) == 123
    assert folder_size(tmp_path / "missing") == 0


def test_ingest_steps_become_per_embedder_steps() -> None:
    steps = Collect()
    relay = IngestSteps(steps, "minilm")
    relay.update(Step("ingest", 0, 2))  # the start: nothing finished yet, not forwarded
    relay.update(Step("ingest", 1, 2, item="/docs/notes.md", status="added", units=4))
    relay.update(Step("ingest", 2, 1, item="/docs/old.md", status="deleted"))
    assert [(s.phase, s.done, s.total, s.item, s.note) for s in steps.steps] == [
        ("ingest minilm", 1, 2, "notes.md", "added"),
        ("ingest minilm", 2, 2, "old.md", "deleted"),
    ]
