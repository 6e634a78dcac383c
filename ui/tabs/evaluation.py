"""The "Evaluation" tab: run a dataset through ``rag eval``, watch progress, read the latest report.

Evaluation runs on the app's own pipeline (its Milvus Lite store and LLM are reused), in a worker
thread; one run at a time.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import gradio as gr

from eval.ragas_metrics import parse_metrics
from eval.report import latest_compare, latest_run
from eval.runner import RunOutput, run_eval
from rag_app.pipeline import Pipeline
from rag_app.progress import Step
from rag_app.settings import Settings
from ui import render
from ui.service import error_text
from ui.tabs import Update
from ui.tabs.bakeoff import build_bakeoff_section

REPO = Path(__file__).resolve().parents[2]  # the checkout, where eval/datasets/ ships
DATASETS = ("eval/datasets/faq/questions-small.jsonl", "eval/datasets/faq/questions.jsonl")

Views = tuple[str, str | None, str, str | None]


class StatusLine:
    """A :class:`rag_app.progress.Progress` that keeps the latest step as one line for the tab."""

    def __init__(self) -> None:
        self.line = "starting..."

    def update(self, step: Step) -> None:
        detail = step.note or step.item
        self.line = f"{step.phase}: {step.done}/{step.total}" + (f" ({detail})" if detail else "")


def default_dataset(settings: Settings) -> str:
    """The bundled FAQ test set (small one first), looked up next to the config, here, and in the checkout."""
    for base in (settings.base_dir, Path.cwd(), REPO):
        for rel in DATASETS:
            p = Path(base) / rel
            if p.is_file():
                return str(p)
    return ""


def _strip_images(md: str) -> str:
    return re.sub(r"!\[[^\]]*\]\([^)]*\)\n?", "", md).replace("## Plots\n", "")


def latest_views(settings: Settings) -> Views:
    """(summary markdown, metrics plot, comparison markdown, comparison plot) of the latest runs."""
    out_dir = settings.resolve(settings.eval.out_dir)
    run = latest_run(out_dir)
    if run is None:
        summary, metrics_png = "_No evaluation run yet. Run one above, or `rag eval DATASET`._", None
    else:
        summary = _strip_images((run / "report.md").read_text(encoding="utf-8"))
        metrics_png = str(run / "metrics.png") if (run / "metrics.png").is_file() else None
    comp = latest_compare(out_dir)
    if comp is None:
        compare, compare_png = (
            "_No embedder comparison yet: `rag eval compare DATASET --embedders A,B`, "
            "`rag eval compare --auto DOCS`, or the bake-off below._",
            None,
        )
    else:
        compare = _strip_images((comp / "compare.md").read_text(encoding="utf-8"))
        compare_png = str(comp / "compare.png") if (comp / "compare.png").is_file() else None
    return summary, metrics_png, compare, compare_png


def build_evaluation_tab(pipeline: Pipeline) -> None:
    """Add the dataset inputs, progress and latest reports to the open tab; wire Run and Show latest."""
    settings = pipeline.settings
    run_lock = threading.Lock()
    summary0, metrics0, compare0, compare_png0 = latest_views(settings)
    gr.Markdown(
        "Run a test set (JSONL/CSV with `user_input`, optional `reference` and `reference_contexts`) "
        "through this app's pipeline and score it: retrieval metrics, and Ragas metrics judged by the "
        "`judge:` LLM. A small local judge is slow (seconds per judgment) and noisy: start with a few questions."
    )
    with gr.Row():
        dataset = gr.Textbox(
            label="Dataset file", value=default_dataset(settings), scale=4, elem_id="eval-dataset"
        )
        limit = gr.Number(
            label="Questions (0 = all)", value=3, precision=0, minimum=0, scale=1, elem_id="eval-limit"
        )
        use_ragas = gr.Checkbox(label="Ragas metrics (judge LLM)", value=True, scale=1, elem_id="eval-ragas")
    with gr.Row():
        run_btn = gr.Button("Run evaluation", variant="primary", elem_id="eval-run", scale=1)
        refresh = gr.Button("Show latest reports", elem_id="eval-refresh", scale=1)
    status = gr.Markdown("", elem_id="eval-progress")
    summary = gr.Markdown(summary0, elem_id="eval-summary")
    metrics_img = gr.Image(value=metrics0, label="Metric distributions", type="filepath", interactive=False)
    gr.Markdown("### Embedder comparison")
    compare = gr.Markdown(compare0, elem_id="eval-compare")
    compare_img = gr.Image(value=compare_png0, label="Embedders", type="filepath", interactive=False)

    def run(path: str, n: float | None, ragas: bool) -> Iterator[tuple[str | Update | None, ...]]:
        keep = (gr.update(), gr.update(), gr.update(), gr.update())
        if not path or not path.strip():
            yield ("**Give a dataset file.**", *keep)
            return
        if not run_lock.acquire(blocking=False):
            yield ("**An evaluation is already running.** Wait for it to finish.", *keep)
            return
        progress = StatusLine()
        outcome: list[RunOutput | str] = []  # the run, or the error shown instead

        def work() -> None:
            metrics = parse_metrics(None, ragas=bool(ragas))
            limit_n = int(n) if n else None
            try:
                result = run_eval(
                    settings,
                    path.strip(),
                    limit=limit_n,
                    metrics=metrics,
                    progress=progress,
                    pipeline=pipeline,
                )
            except Exception as exc:  # shown, not swallowed
                outcome.append(render.error_md(*error_text(exc)))
            else:
                outcome.append(result)

        t0 = time.monotonic()
        try:
            worker = threading.Thread(target=work, name="ui-eval", daemon=True)
            worker.start()
            while worker.is_alive():
                yield (f"Running ({time.monotonic() - t0:.0f} s) — {progress.line}", *keep)
                worker.join(1.0)
        finally:
            run_lock.release()
        result = outcome[0]
        if isinstance(result, str):
            yield (result, *keep)
            return
        yield (
            f"Done in {time.monotonic() - t0:.0f} s: report in `{result.run_dir}`.",
            *latest_views(settings),
        )

    def show_latest() -> tuple[str, str, str | None, str, str | None]:
        return ("", *latest_views(settings))

    outputs = [status, summary, metrics_img, compare, compare_img]
    run_btn.click(run, [dataset, limit, use_ragas], outputs, api_visibility="private")
    refresh.click(show_latest, None, outputs, api_visibility="private")
    build_bakeoff_section(pipeline)
