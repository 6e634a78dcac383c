"""The Search tab: passages without the LLM, in the mode and depth asked for."""

from __future__ import annotations

import gradio as gr

from rag_app.errors import StoreError
from tests.unit.ui.conftest import FakePipeline, handler
from ui.service import RagService
from ui.tabs.search import build_search_tab


def test_search_tab(service: RagService, pipe: FakePipeline) -> None:
    with gr.Blocks() as demo:
        build_search_tab(service)
    ids = {b.elem_id for b in demo.blocks.values()}
    assert {"s-query", "s-go", "s-results"} <= ids
    mode = next(b for b in demo.blocks.values() if isinstance(b, gr.Radio))
    assert mode.value == service.settings.retrieval.mode
    do_search = handler(demo, "do_search")
    assert do_search("  ", "dense", 5, True) == "<p><i>Type a query.</i></p>"
    html = do_search(" sqlite ", "sparse", 1.0, False)
    assert "1 passages · mode <b>sparse</b>" in html and "doc0.md" in html and "doc1.md" not in html
    pipe.fail["search"] = StoreError("Index locked.", fix="Stop the other process.")
    html = do_search("sqlite", "dense", 5, True)
    assert "rag-banner-error" in html and "Index locked." in html and "Stop the other process." in html
