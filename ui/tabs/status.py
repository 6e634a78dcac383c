"""The "Status" tab: switch the active collection, the components in use, ``rag doctor``, the config."""

from __future__ import annotations

import gradio as gr
import yaml

from rag_app.config import masked_dump
from rag_app.doctor import run_checks
from ui import render
from ui.render import Rows
from ui.service import RagService, error_text
from ui.status import collection_choices, components_md, header_html
from ui.tabs.documents import DocumentsTab, list_docs


def build_status_tab(service: RagService, banner: gr.HTML, documents: DocumentsTab) -> gr.Dropdown:
    """Add the status components to the open tab and wire them; returns the collection picker.

    Switching the collection also refreshes ``banner`` and the ``documents`` table.
    """
    with gr.Row(elem_classes="rag-actions"):
        coll = gr.Dropdown(
            choices=collection_choices(service),
            value=service.active_collection(),
            label="Active collection (each embedder builds its own)",
            scale=5,
            allow_custom_value=True,
        )
        coll_btn = gr.Button("Use collection", scale=1, min_width=130, elem_id="use-collection")
    coll_msg = gr.Markdown("")
    comps = gr.Markdown(components_md(service), elem_id="components")
    doctor_btn = gr.Button("Run all checks (rag doctor)", elem_id="doctor")
    checks = gr.Dataframe(
        elem_id="checks",
        headers=["Component", "Status", "Detail", "Fix"],
        value=[],
        interactive=False,
        wrap=True,
        label="Checks",
        column_widths=["12%", "10%", "48%", "30%"],
    )
    with gr.Accordion("Effective configuration (secrets masked)", open=False):
        gr.Code(
            yaml.safe_dump(masked_dump(service.settings), sort_keys=False),
            language="yaml",
            interactive=False,
            show_label=False,
        )

    def do_collection(name: str | None) -> tuple[str, str, str, Rows]:
        msg = ""
        if name:
            try:
                service.use_collection(name)
                msg = f"Using **{name}**."
            except Exception as exc:
                msg = render.error_md(*error_text(exc))
        rows, _choices = list_docs(service)
        return msg, components_md(service), header_html(service), rows

    def do_doctor() -> Rows:
        try:
            results = run_checks(service.settings, check_llm=True)
        except Exception as exc:
            msg, fix = error_text(exc)
            return [["doctor", "fail", msg, fix or ""]]
        return render.checks_rows([c.as_dict() for c in results])

    coll_btn.click(do_collection, coll, [coll_msg, comps, banner, documents.table], api_visibility="private")
    doctor_btn.click(do_doctor, None, checks, api_visibility="private")
    return coll
