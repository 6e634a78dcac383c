"""The Evaluation tab builds inside an open Blocks and shows the latest reports."""

from __future__ import annotations

import json
from pathlib import Path

from eval.runner import run_eval
from tests.unit.evaluation.conftest import FakePipeline, judge_settings


def test_tab_builds_and_shows_latest_run(tmp_path: Path) -> None:
    import gradio as gr

    from ui.eval_view import build_eval_tab, latest_views

    settings = judge_settings("http://127.0.0.1:9/v1", tmp_path)
    pipe = FakePipeline(settings, ["SQLite keeps a database in a single file."])
    summary, plot, compare, compare_plot = latest_views(settings)
    assert "No embedder comparison" in compare
    assert "No evaluation run yet" in summary and plot is None and compare_plot is None
    ds = tmp_path / "ds.jsonl"
    ds.write_text(
        json.dumps(
            {
                "id": "q",
                "user_input": "Where?",
                "reference_contexts": ["SQLite keeps a database in a single file."],
            }
        )
        + "\n"
    )
    run_eval(settings, ds, metrics=[], run_name="r", pipeline=pipe, use_cache=False)
    summary, plot, _, _ = latest_views(settings)
    assert "| recall@1 | 1.000 |" in summary and "![" not in summary
    assert plot is not None and Path(plot).is_file()
    with gr.Blocks() as demo, gr.Tab("Evaluation"):
        build_eval_tab(pipe)
    assert demo is not None
