"""The Evaluation tab: latest reports, a run in a worker with its progress line, one run at a time."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import gradio as gr
import pytest

from eval.runner import RunOutput, run_eval
from rag_app.errors import DatasetError
from rag_app.progress import Progress, Step
from rag_app.settings import Settings
from tests.unit.ui.conftest import TEXTS, FakePipeline, handler
from ui.tabs.evaluation import StatusLine, build_evaluation_tab, default_dataset, latest_views


@pytest.fixture(autouse=True)
def _ragas_offline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAGAS_DO_NOT_TRACK", "true")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    ds = tmp_path / "ds.jsonl"
    rows = [
        {"id": "q1", "user_input": "Where does SQLite keep a database?", "reference_contexts": [TEXTS[0]]},
        {"id": "q2", "user_input": "Where do R features start?", "reference_contexts": [TEXTS[1]]},
    ]
    ds.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return ds


def _build(pipe: FakePipeline) -> gr.Blocks:
    with gr.Blocks() as demo, gr.Tab("Evaluation"):
        build_evaluation_tab(pipe)  # type: ignore[arg-type]
    return demo


def test_tab_builds_and_shows_latest_run(settings: Settings, pipe: FakePipeline, dataset: Path) -> None:
    summary, plot, compare, compare_plot = latest_views(settings)
    assert "No embedder comparison" in compare
    assert "No evaluation run yet" in summary and plot is None and compare_plot is None
    run_eval(settings, dataset, metrics=[], run_name="r", pipeline=pipe, use_cache=False)  # type: ignore[arg-type]
    summary, plot, _, _ = latest_views(settings)
    # the fake ranks q1's gold passage first and q2's second
    assert "| recall@1 | 0.500 |" in summary and "| mrr@10 | 0.750 |" in summary and "![" not in summary
    assert plot is not None and Path(plot).is_file()
    demo = _build(pipe)
    ids = {b.elem_id for b in demo.blocks.values()}
    assert {"eval-dataset", "eval-limit", "eval-ragas", "eval-run", "eval-refresh", "eval-summary"} <= ids
    shown = next(b for b in demo.blocks.values() if b.elem_id == "eval-summary")
    assert "| recall@1 | 0.500 |" in shown.value
    assert handler(demo, "show_latest")()[1] == summary


def test_default_dataset_is_the_bundled_faq(settings: Settings) -> None:
    found = default_dataset(settings)
    assert found.endswith("eval/datasets/faq/questions-small.jsonl") and Path(found).is_file()


def test_status_line_shows_phase_count_and_what_finished() -> None:
    line = StatusLine()
    progress: Progress = line
    assert line.line == "starting..."
    progress.update(Step("answer", 1, 3, item="q1", status="answered"))
    assert line.line == "answer: 1/3 (q1)"
    progress.update(Step("judge faithfulness", 2, 6, item="q1", note="q1 faithfulness ok"))
    assert line.line == "judge faithfulness: 2/6 (q1 faithfulness ok)"
    progress.update(Step("score", 0, 0))
    assert line.line == "score: 0/0"


def test_run_shows_progress_then_the_report(
    pipe: FakePipeline, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[dict[str, Any]] = []

    def fake_run_eval(settings: Settings, dataset: str, **kw: Any) -> RunOutput:
        calls.append({"dataset": dataset, **kw})
        kw["progress"].update(Step("answer", 1, 2, item="q1", status="answered"))
        threading.Event().wait(1.3)  # long enough for one "Running" line
        return RunOutput(tmp_path / "run-1", {})

    monkeypatch.setattr("ui.tabs.evaluation.run_eval", fake_run_eval)
    run = handler(_build(pipe), "run")
    steps = [s[0] for s in run("  ds.jsonl ", 2, False)]
    assert any("— answer: 1/2 (q1)" in s for s in steps[:-1]), steps
    assert steps[-1].startswith("Done in") and f"report in `{tmp_path / 'run-1'}`" in steps[-1]
    (call,) = calls
    assert call["dataset"] == "ds.jsonl" and call["limit"] == 2 and call["pipeline"] is pipe
    assert "faithfulness" not in call["metrics"]  # no Ragas judge asked for


def test_run_errors_and_one_run_at_a_time(pipe: FakePipeline, monkeypatch: pytest.MonkeyPatch) -> None:
    release = threading.Event()

    def blocked(settings: Settings, dataset: str, **kw: Any) -> RunOutput:
        release.wait(10)
        raise DatasetError(f"{dataset}: line 3 is not JSON.", fix="Fix that line.")

    monkeypatch.setattr("ui.tabs.evaluation.run_eval", blocked)
    run = handler(_build(pipe), "run")
    assert next(run(" ", 0, True))[0] == "**Give a dataset file.**"
    first = run("a.jsonl", 0, True)
    assert next(first)[0].startswith("Running")  # the run holds the tab's lock now
    assert next(run("b.jsonl", 0, True))[0].startswith("**An evaluation is already running.**")
    release.set()
    last = list(first)[-1]
    assert last[0] == "⚠ **a.jsonl: line 3 is not JSON.**\n\n**Fix:** Fix that line."


def test_a_real_run_through_the_tab(pipe: FakePipeline, dataset: Path, settings: Settings) -> None:
    """The tab's progress object drives ``eval.runner.run_eval`` (retrieval metrics only)."""
    run = handler(_build(pipe), "run")
    status, summary, *_ = list(run(str(dataset), 0, False))[-1]
    assert status.startswith("Done in"), status
    assert "| recall@5 | 1.000 |" in summary and "| nonllm_context_recall | 1.000 |" in summary
