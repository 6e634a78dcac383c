"""ingest.cli: ``rag ingest`` (run through click's CliRunner on the fake embedder and a Milvus Lite
folder in tmp) and its progress adapter, which writes one line per file when stderr is no terminal."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from ingest.cli import CliProgress, ingest_command
from rag_app.cli.common import Ctx
from rag_app.progress import Step


def test_progress_without_a_terminal_prints_one_line_per_file(capsys: pytest.CaptureFixture[str]) -> None:
    bar = CliProgress(enabled=True)
    assert not bar.tty  # pytest's captured stderr is no terminal
    bar.update(Step("ingest", 0, 3))  # the start: nothing to say yet
    bar.update(Step("ingest", 1, 3, item="/docs/a.md", status="added", units=4))
    bar.update(Step("ingest", 2, 3, item="/docs/b.txt", status="unchanged"))
    bar.update(Step("ingest", 3, 3, item="/docs/c.pdf", status="failed"))
    bar.update(Step("ingest", 3, 3, item="/docs/old.txt", status="deleted"))
    bar.finish()
    out, err = capsys.readouterr()
    assert out == ""
    assert err.splitlines() == [
        "added: /docs/a.md (4 chunks)",
        "unchanged: /docs/b.txt",
        "failed: /docs/c.pdf",
        "deleted: /docs/old.txt",
    ]
    assert bar.chunks == 4


def test_disabled_progress_prints_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    bar = CliProgress(enabled=False)
    bar.update(Step("ingest", 0, 1))
    bar.update(Step("ingest", 1, 1, item="/docs/a.md", status="added", units=2))
    bar.finish()
    assert capsys.readouterr() == ("", "")


@pytest.fixture
def ctx(fake_provider: None, tmp_path: Path) -> Ctx:
    """The root context of ``rag --config tmp/rag.yaml`` on the fake embedder."""
    config = tmp_path / "rag.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "embedder": {"provider": "fake", "model": "word-hash"},
                "reranker": {"provider": "none"},
                "milvus": {"uri": str(tmp_path / "milvus.db")},
                "paths": {"data_dir": str(tmp_path / "data")},
            }
        )
    )
    return Ctx(str(config))


def test_rag_ingest_json_then_if_new_then_a_failure(ctx: Ctx, tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.md").write_text("# A\n\nSQLite stores a whole database in one file.\n")
    runner = CliRunner()

    first = runner.invoke(ingest_command, [str(docs), "--json"], obj=ctx)
    assert first.exit_code == 0, first.output
    summary = json.loads(first.stdout)
    assert (summary["added"], summary["failed"], summary["chunks"]) == (1, [], 1)
    assert first.stderr.count("added:") == 0  # --json: no progress lines

    again = runner.invoke(ingest_command, [str(docs), "--if-new"], obj=ctx)
    assert again.exit_code == 0
    assert "already has documents; skipping (--if-new)" in again.stderr

    (docs / "empty.txt").write_bytes(b"")
    last = runner.invoke(ingest_command, [str(docs)], obj=ctx)
    assert last.exit_code == 2
    assert "0 added, 0 updated, 1 unchanged, 0 deleted, 1 failed, 0 skipped" in last.stdout
    assert f"  FAILED {docs / 'empty.txt'}: empty file" in last.stdout
    assert f"failed: {docs / 'empty.txt'}" in last.stderr


def test_ocr_pages_and_quiet_unchanged_lines(capsys: pytest.CaptureFixture[str]) -> None:
    bar = CliProgress(enabled=True, quiet_unchanged=True)
    bar.update(Step("ingest", 0, 2))
    bar.update(Step("ocr", 1, 2, item="/docs/scan.pdf"))
    bar.update(Step("ingest", 1, 2, item="/docs/a.md", status="unchanged"))
    bar.update(Step("ocr", 2, 2, item="/docs/scan.pdf"))
    bar.update(Step("ingest", 2, 2, item="/docs/scan.pdf", status="added", units=3))
    bar.update(Step("ingest", 2, 2, item="/docs/new.pdf", status="moved"))
    bar.finish()
    assert capsys.readouterr().err.splitlines() == [
        "ocr: /docs/scan.pdf page 1/2",
        "ocr: /docs/scan.pdf page 2/2",
        "added: /docs/scan.pdf (3 chunks)",
        "moved: /docs/new.pdf",
    ]


def test_watch_is_an_option_of_ingest() -> None:
    result = CliRunner().invoke(ingest_command, ["--help"])
    assert "--watch" in result.output and "implies --sync" in result.output
