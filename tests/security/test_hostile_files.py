"""One file must not hang or kill the app: `rag ingest` on a folder of hostile files reports each by
path and reason (exit code 2) and ingests the rest; the files fixed at their root simply ingest."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import run_rag
from tests.hostile_files import (
    cell_bomb_csv,
    long_heading_markdown,
    nested_html,
    page_tree_bomb,
    slow_pdf,
    zip_bomb,
)
from tests.security.conftest import pipe_for
from tests.unit.ingest.loaders.test_docx import make_docx
from tests.unit.ingest.loaders.test_pptx import make_pptx

pytestmark = pytest.mark.integration

GOOD = "# Platypus\n\nThe platypus is a mammal that lays eggs and hunts by electrolocation.\n"


def test_rag_ingest_reports_each_hostile_file_and_ingests_the_rest(
    make_config, embedder, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "incoming"
    folder.mkdir()
    (folder / "good.md").write_text(GOOD)
    # Fixed at their root: these used to hang the loader (cubic regex, quadratic tree walk).
    (folder / "long-heading.md").write_bytes(long_heading_markdown(20_000))
    (folder / "nested.html").write_bytes(nested_html(4_000))
    # Refused up front.
    (folder / "bomb.docx").write_bytes(zip_bomb(make_docx(), unpacked_mb=1280))  # 6 MB -> 1.3 GB
    (folder / "bomb.pptx").write_bytes(zip_bomb(make_pptx(), 64, member="ppt/media/zeros.bin"))
    (folder / "pages.pdf").write_bytes(page_tree_bomb(14))  # 1.7 KB, 16,384 pages
    # Over the worker's limits (set low here): stopped, reported, the next file gets a fresh worker.
    (folder / "slow.pdf").write_bytes(slow_pdf())  # ~1 minute of text extraction
    (folder / "cells.csv").write_bytes(cell_bomb_csv(24))  # ~1 GB of Python strings
    cfg = make_config(ingest={"loader_timeout": 20, "loader_memory_mb": 512})

    proc = run_rag("--config", str(cfg), "ingest", str(folder), "--json", timeout=600)
    assert proc.returncode == 2, proc.stderr
    report = json.loads(proc.stdout)
    failed = {Path(f["path"]).name: f["error"] for f in report["failed"]}
    assert set(failed) == {"bomb.docx", "bomb.pptx", "pages.pdf", "slow.pdf", "cells.csv"}, failed
    assert "unpacks to 1,281 MB, over the 1024 MB limit (a zip bomb?)" in failed["bomb.docx"]
    assert "zip bomb" in failed["bomb.pptx"]
    assert "has 16,384 pages; at most 10,000 are read" in failed["pages.pdf"]
    assert (
        failed["slow.pdf"]
        == "reading it took longer than 20 s (ingest.loader_timeout); it was stopped and skipped"
    )
    assert (
        failed["cells.csv"]
        == "reading it needed more than 512 MB of memory (ingest.loader_memory_mb); it was skipped"
    )
    assert report["added"] == 3

    pipe = pipe_for(cfg, embedder)
    try:
        store, name = pipe.components.store, pipe.components.collection.open(create=False)
        texts: dict[str, list[str]] = {}
        for row in store.rows(name, ["source", "text"], filter="", limit=16384):
            texts.setdefault(Path(row["source"]).name, []).append(row["text"])
        assert set(texts) == {"good.md", "long-heading.md", "nested.html"}
        assert any("Body under the long heading." in t for t in texts["long-heading.md"])
        assert any(t.endswith("The end marker.") for t in texts["nested.html"])
        hits = pipe.search("Which mammal lays eggs?", top_k=1, rerank=False).passages
        assert Path(hits[0].source).name == "good.md"
    finally:
        pipe.close()
