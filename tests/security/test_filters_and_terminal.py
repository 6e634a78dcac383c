"""`--source` globs with a literal `_` match in every search mode, and document text, file names
and answers reach the terminal without control sequences: `rag search` and `rag ask` on the real
index, MiniLM and (for ask) the session's llama.cpp server."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from rag_app import runtime
from rag_app.cli import cli
from rag_app.retrieval.filters import SearchFilters
from tests.conftest import ingest_paths
from tests.hostile_files import TERMINAL_ATTACK
from tests.security.conftest import pipe_for

pytestmark = pytest.mark.integration

BUDGET = "The quarterly budget review happens in the second week of March."


def _terminal_safe(text: str) -> bool:
    return not any((ord(ch) < 32 and ch not in "\n\t") or 0x7F <= ord(ch) <= 0x9F for ch in text)


def test_source_globs_with_underscores_match_in_every_mode(make_config, embedder, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    docs = tmp_path / "notes"
    docs.mkdir()
    (docs / "my_notes.md").write_text(f"# Budget\n\n{BUDGET}\n")
    (docs / "myXnotes.md").write_text(f"# Budget copy\n\n{BUDGET} A copy.\n")
    pipe = pipe_for(make_config(), embedder)
    ingest_paths(pipe, [docs])
    only = SearchFilters(sources=["*/my_notes.md"])
    for mode in ("dense", "sparse", "hybrid"):
        result = pipe.search("quarterly budget review", mode=mode, rerank=False, filters=only)
        assert {Path(p.source).name for p in result.passages} == {"my_notes.md"}, mode
    both = SearchFilters(sources=[str(docs / "my?notes.md")])
    assert {Path(p.source).name for p in pipe.search("budget", mode="sparse", filters=both).passages} == {
        "my_notes.md",
        "myXnotes.md",
    }
    pipe.close()


def test_search_and_ask_print_no_terminal_control_sequences(
    make_config, embedder, llm_server: str, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    docs = tmp_path / "evil"
    docs.mkdir()
    hostile = docs / "report\x1b[8m.md"  # a file name that hides the rest of the line
    hostile.write_text(f"# Budget\n\n{BUDGET} {TERMINAL_ATTACK} End of the note.\n")
    cfg = make_config(
        llm={"provider": "openai", "base_url": llm_server, "model": "qwen", "max_tokens": 48},
        retrieval={"top_k": 1},
    )
    pipe = pipe_for(cfg, embedder)
    ingest_paths(pipe, [docs])
    pipe.close()

    # The real commands, in this process (click's runner): what they print is what a terminal gets.
    runtime.prepare()  # as `rag` (rag_app.cli.main) does first
    runner = CliRunner()
    search = runner.invoke(cli, ["--config", str(cfg), "search", "quarterly budget review", "--no-rerank"])
    assert search.exit_code == 0, search.output
    assert "report.md" in search.output and "quarterly budget review" in search.output
    assert "End of the note." in search.output and _terminal_safe(search.output), repr(search.output)

    ask = runner.invoke(cli, ["--config", str(cfg), "ask", "When is the quarterly budget review?"])
    assert ask.exit_code == 0, ask.output
    assert "report.md" in ask.output and _terminal_safe(ask.output), repr(ask.output)
