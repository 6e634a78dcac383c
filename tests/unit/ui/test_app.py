"""``create_app`` assembles the header and the five tabs into Blocks without launching anything."""

from __future__ import annotations

import gradio as gr

from rag_app.errors import StoreError
from tests.unit.ui.conftest import FakePipeline, handler
from ui.app import CSS_PATH, TITLE, create_app
from ui.service import RagService
from ui.status import HEADER


def test_create_app_builds_every_tab(service: RagService) -> None:
    demo = create_app(service.pipe, service)
    assert isinstance(demo, gr.Blocks) and demo.title == TITLE
    tabs = [b for b in demo.blocks.values() if isinstance(b, gr.Tab)]
    assert [(t.label, t.id) for t in tabs] == [
        ("Chat", "chat"),
        ("Documents", "documents"),
        ("Search", "search"),
        ("Evaluation", "evaluation"),
        ("Status", "status"),
    ]
    ids = {b.elem_id for b in demo.blocks.values()}
    assert {"chatbot", "upload", "s-query", "eval-run", "doctor"} <= ids
    assert "chat" in {f.api_name for f in demo.fns.values()}
    public = {f.name for f in demo.fns.values() if f.api_visibility != "private"}
    assert public == {"chat"}  # only the documented /chat endpoint is in the API
    assert CSS_PATH.is_file() and ".rag-banner" in CSS_PATH.read_text(encoding="utf-8")


def test_create_app_makes_its_own_service(pipe: FakePipeline, indexer: object) -> None:
    demo = create_app(pipe)  # type: ignore[arg-type]
    banner = next(
        b for b in demo.blocks.values() if isinstance(b, gr.HTML) and "rag-banners" in b.elem_classes
    )
    assert banner.value == HEADER


def test_page_load_refreshes_header_documents_and_collections(
    service: RagService, pipe: FakePipeline
) -> None:
    demo = create_app(service.pipe, service)
    load = next(f for f in demo.fns.values() if f.name == "on_load")
    assert [o.elem_id for o in load.outputs][1:3] == ["documents", "doc-pick"]
    on_load = handler(demo, "on_load")
    pipe.components.collection.chunks = 0
    header, rows, doc_picker, collection_picker = on_load()
    assert header.startswith(HEADER) and "No documents yet:" in header
    assert [r[0] for r in rows] == ["a.md", "b.pdf"] and len(doc_picker["choices"]) == 2
    assert collection_picker["value"] == "docs_fake" and len(collection_picker["choices"]) == 2
    pipe.fail["documents"] = StoreError("Index locked.")
    assert on_load()[1][0][0] == "Error: Index locked."
