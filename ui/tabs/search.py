"""The "Search" tab: passages for a query (dense, sparse or hybrid; reranked or not), no LLM."""

from __future__ import annotations

import gradio as gr

from ui import render
from ui.service import RagService, error_text


def build_search_tab(service: RagService) -> None:
    """Add the query, mode, top-k and rerank inputs and the results to the open tab; wire Search."""
    retrieval = service.settings.retrieval
    with gr.Row(equal_height=True):
        query = gr.Textbox(
            placeholder="Search passages (no LLM)…", show_label=False, scale=6, elem_id="s-query"
        )
        mode = gr.Radio(["dense", "sparse", "hybrid"], value=retrieval.mode, label="Mode", scale=3)
        top_k = gr.Slider(1, 20, value=retrieval.top_k, step=1, label="Top-k", scale=2)
        rerank = gr.Checkbox(value=True, label="Rerank", scale=1)
        go = gr.Button("Search", variant="primary", scale=1, min_width=90, elem_id="s-go")
    results = gr.HTML("", elem_id="s-results")

    def do_search(text: str, mode_name: str, k: float, use_rerank: bool) -> str:
        if not (text or "").strip():
            return "<p><i>Type a query.</i></p>"
        try:
            return render.search_html(service.search(text.strip(), int(k), mode_name, use_rerank))
        except Exception as exc:
            msg, fix = error_text(exc)
            return render.banner_html("error", msg, "", fix)

    inputs = [query, mode, top_k, rerank]
    go.click(do_search, inputs, results, api_visibility="private")
    query.submit(do_search, inputs, results, api_visibility="private")
