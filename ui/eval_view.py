"""The "Evaluation" tab: run a dataset through ``rag eval``, watch progress, read the latest report.

``build_eval_tab(pipeline)`` adds its components to the ``gr.Blocks``/``gr.Tab`` context that is
open when it is called. Evaluation runs on the app's own pipeline (its Milvus Lite store and LLM
are reused), in a worker thread; one run at a time.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

_RUN_LOCK = threading.Lock()


def _default_dataset(settings: Any) -> str:
    for base in (settings.base_dir, Path.cwd(), Path(__file__).resolve().parent.parent):
        for rel in ("eval/datasets/faq/questions-small.jsonl", "eval/datasets/faq/questions.jsonl"):
            p = Path(base) / rel
            if p.is_file():
                return str(p)
    return ""


def _strip_images(md: str) -> str:
    return re.sub(r"!\[[^\]]*\]\([^)]*\)\n?", "", md).replace("## Plots\n", "")


def latest_views(settings: Any) -> tuple[str, str | None, str, str | None]:
    """(summary markdown, metrics plot, comparison markdown, comparison plot) of the latest runs."""
    from eval.report import latest_compare, latest_run

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
            "_No embedder comparison yet: `rag eval compare DATASET --embedders A,B`._",
            None,
        )
    else:
        compare = _strip_images((comp / "compare.md").read_text(encoding="utf-8"))
        compare_png = str(comp / "compare.png") if (comp / "compare.png").is_file() else None
    return summary, metrics_png, compare, compare_png


def build_eval_tab(pipeline: Any) -> None:
    import gradio as gr

    settings = pipeline.settings
    summary0, metrics0, compare0, compare_png0 = latest_views(settings)
    gr.Markdown(
        "Run a test set (JSONL/CSV with `user_input`, optional `reference` and `reference_contexts`) "
        "through this app's pipeline and score it: retrieval metrics, and Ragas metrics judged by the "
        "`judge:` LLM. A small local judge is slow (seconds per judgment) and noisy: start with a few questions."
    )
    with gr.Row():
        dataset = gr.Textbox(
            label="Dataset file", value=_default_dataset(settings), scale=4, elem_id="eval-dataset"
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

    def run(path: str, n: float | None, ragas: bool) -> Iterator[tuple[Any, ...]]:
        from eval.ragas_metrics import parse_metrics
        from eval.runner import run_eval
        from rag_app.errors import RagError

        keep = (gr.update(), gr.update(), gr.update(), gr.update())
        if not path or not path.strip():
            yield ("**Give a dataset file.**", *keep)
            return
        if not _RUN_LOCK.acquire(blocking=False):
            yield ("**An evaluation is already running.** Wait for it to finish.", *keep)
            return
        state: dict[str, Any] = {"line": "starting...", "done": False, "error": None}

        def progress(phase: str, done: int, total: int, msg: str) -> None:
            state["line"] = f"{phase}: {done}/{total} ({msg})"

        def work() -> None:
            try:
                state["result"] = run_eval(
                    settings, path.strip(), limit=int(n) if n else None,
                    metrics=parse_metrics(None, ragas=bool(ragas)), progress=progress, pipeline=pipeline,
                )  # fmt: skip
            except RagError as exc:
                state["error"] = f"**Error:** {exc.message}" + (f"  \n**Fix:** {exc.fix}" if exc.fix else "")
            except Exception as exc:  # shown, not swallowed
                state["error"] = f"**Error:** {type(exc).__name__}: {exc}"
            finally:
                state["done"] = True

        try:
            t0 = time.monotonic()
            worker = threading.Thread(target=work, daemon=True)
            worker.start()
            while not state["done"]:
                yield (f"Running ({time.monotonic() - t0:.0f} s) — {state['line']}", *keep)
                time.sleep(1.0)
            worker.join()
        finally:
            _RUN_LOCK.release()
        if state["error"]:
            yield (state["error"], *keep)
            return
        s, m, c, cp = latest_views(settings)
        run_dir = state["result"].run_dir
        yield (f"Done in {time.monotonic() - t0:.0f} s: report in `{run_dir}`.", s, m, c, cp)

    def show_latest() -> tuple[Any, ...]:
        return ("", *latest_views(settings))

    outputs = [status, summary, metrics_img, compare, compare_img]
    run_btn.click(run, [dataset, limit, use_ragas], outputs, api_visibility="private")
    refresh.click(show_latest, None, outputs, api_visibility="private")
