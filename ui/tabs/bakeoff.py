"""The Evaluation tab's bake-off: which embedder for a folder of documents (``rag eval compare --auto``).

Runs :func:`eval.compare.auto.run_bakeoff` in a worker thread (one at a time), drafting questions
with the app's own LLM, in the comparison's own index; shows progress, then the report, the
recommendation with its config lines, and the plot.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gradio as gr

from eval.compare.auto import MAX_QUESTIONS, PER_DOCUMENT, run_bakeoff
from rag_app.pipeline import Pipeline
from rag_app.progress import Step
from ui import render
from ui.service import error_text
from ui.tabs import Update


class _Line:
    """The latest progress step as one line."""

    def __init__(self) -> None:
        self.text = "starting..."

    def update(self, step: Step) -> None:
        detail = step.note or step.item
        self.text = f"{step.phase}: {step.done}/{step.total}" + (f" ({detail[:60]})" if detail else "")


def result_views(result: dict[str, Any]) -> tuple[str, str | None]:
    """(markdown, plot path) of a finished bake-off: the recommendation first, then the report."""
    run_dir = Path(result["out_dir"])
    report = (run_dir / "compare.md").read_text(encoding="utf-8")
    report = re.sub(r"!\[[^\]]*\]\([^)]*\)\n?", "", report)
    best = result["best"]
    head = ""
    if best.get("recommended"):
        head = (
            f"### Recommended: {best['recommended']}\n\n{best.get('reason', '')}.\n\n"
            f"```yaml\n{best.get('config', '')}\n```\n\n"
        )
    plot = run_dir / "compare.png"
    return head + report, str(plot) if plot.is_file() else None


def build_bakeoff_section(pipeline: Pipeline) -> None:
    """Add the bake-off inputs, progress and results to the open tab and wire its button."""
    lock = threading.Lock()
    gr.Markdown("### Which embedder for your documents?")
    gr.Markdown(
        "Drafts a few questions per document with the local LLM (questions that copy their passage are "
        "dropped), then measures every installed embedder (and int8 MiniLM) in dense and hybrid search: "
        "quality with 95% intervals, the paired test between the top two, speed, memory and index size. "
        "It builds its own collections; your index is untouched unless you tick *Adopt*. On 2 CPU cores "
        "this takes minutes: drafting is the slow part, and replies are cached for the next run."
    )
    with gr.Row():
        folder = gr.Textbox(label="Documents folder", scale=4, elem_id="bakeoff-docs")
        per_doc = gr.Number(
            label="Questions per document", value=PER_DOCUMENT, precision=0, minimum=1, scale=1
        )
        total = gr.Number(label="Questions in all", value=MAX_QUESTIONS, precision=0, minimum=1, scale=1)
        adopt = gr.Checkbox(label="Adopt the winner", value=False, scale=1, elem_id="bakeoff-adopt")
    run_btn = gr.Button("Find the best embedder", variant="primary", elem_id="bakeoff-run")
    status = gr.Markdown("", elem_id="bakeoff-progress")
    report = gr.Markdown("", elem_id="bakeoff-report")
    plot = gr.Image(label="Embedders: quality and latency", type="filepath", interactive=False)

    def bakeoff(
        path: str, n_doc: float | None, n_all: float | None, use: bool
    ) -> Iterator[tuple[str | Update | None, ...]]:
        keep = (gr.update(), gr.update())
        if not path or not Path(path.strip()).expanduser().exists():
            yield ("**Give an existing documents folder.**", *keep)
            return
        if not lock.acquire(blocking=False):
            yield ("**A bake-off is already running.** Wait for it to finish.", *keep)
            return
        line = _Line()
        box: list[dict[str, Any] | str] = []

        def work() -> None:
            try:
                box.append(
                    run_bakeoff(
                        pipeline.settings,
                        path.strip(),
                        per_document=int(n_doc or PER_DOCUMENT),
                        max_questions=int(n_all or MAX_QUESTIONS),
                        adopt=bool(use),
                        progress=line,
                        llm=pipeline.components.llm,
                    )
                )
            except Exception as exc:  # shown, not swallowed
                box.append(render.error_md(*error_text(exc)))

        t0 = time.monotonic()
        try:
            worker = threading.Thread(target=work, name="ui-bakeoff", daemon=True)
            worker.start()
            while worker.is_alive():
                yield (f"Running ({time.monotonic() - t0:.0f} s) — {line.text}", *keep)
                worker.join(1.0)
        finally:
            lock.release()
        outcome = box[0]
        if isinstance(outcome, str):
            yield (outcome, *keep)
            return
        md, png = result_views(outcome)
        adopted = outcome.get("adopted")
        done = f"Done in {time.monotonic() - t0:.0f} s." + (f" {adopted['note']}" if adopted else "")
        yield (done, md, png)

    run_btn.click(bakeoff, [folder, per_doc, total, adopt], [status, report, plot], api_visibility="private")
