"""The Gradio 6 app: ``create_app(pipeline)`` assembles the header and one builder per tab.

The tabs (chat, documents, search, evaluation, status) live in :mod:`ui.tabs`; this module only
lays them out and wires what spans several of them (the page-load refresh). Serving the Blocks
is :mod:`ui.server`'s job.
"""

from __future__ import annotations

from pathlib import Path

import gradio as gr

from rag_app.pipeline import Pipeline
from ui.render import Rows
from ui.service import RagService
from ui.status import collection_choices, header_html
from ui.tabs import Update
from ui.tabs.chat import build_chat_tab
from ui.tabs.documents import build_documents_tab, list_docs
from ui.tabs.evaluation import build_evaluation_tab
from ui.tabs.search import build_search_tab
from ui.tabs.status import build_status_tab

CSS_PATH = Path(__file__).with_name("style.css")
TITLE = "Private documents · RAG"


def create_app(pipeline: Pipeline, service: RagService | None = None) -> gr.Blocks:
    """The Blocks over ``service`` (default: a new :class:`RagService` on ``pipeline``); not launched."""
    service = service or RagService(pipeline)
    # delete_cache: staged uploads that no handler consumed (a client calling the upload route
    # alone) are removed after an hour; the Documents tab removes the others at once.
    with gr.Blocks(title=TITLE, fill_width=True, delete_cache=(900, 3600)) as demo:
        banner = gr.HTML(header_html(service), elem_classes="rag-banners", padding=False)
        with gr.Tabs():
            with gr.Tab("Chat", id="chat"):
                build_chat_tab(service)
            with gr.Tab("Documents", id="documents"):
                documents = build_documents_tab(service)
            with gr.Tab("Search", id="search"):
                build_search_tab(service)
            with gr.Tab("Evaluation", id="evaluation"):
                build_evaluation_tab(service.pipe)
            with gr.Tab("Status", id="status"):
                collection = build_status_tab(service, banner, documents)

        def on_load() -> tuple[str, Rows, Update, Update]:
            rows, choices = list_docs(service)
            picker = gr.update(choices=collection_choices(service), value=service.active_collection())
            return header_html(service), rows, choices, picker

        demo.load(
            on_load, None, [banner, documents.table, documents.pick, collection], api_visibility="private"
        )
    return demo
