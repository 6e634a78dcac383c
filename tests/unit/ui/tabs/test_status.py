"""The Status tab: collection switch (refreshing the header and documents), rag doctor, the config."""

from __future__ import annotations

import gradio as gr
import pytest

from rag_app.doctor import Check
from rag_app.errors import ConfigError
from rag_app.settings import Settings
from tests.unit.ui.conftest import handler
from ui.service import RagService
from ui.status import HEADER
from ui.tabs.documents import build_documents_tab
from ui.tabs.status import build_status_tab


def _build(service: RagService) -> tuple[gr.Blocks, gr.Dropdown]:
    with gr.Blocks() as demo:
        banner = gr.HTML("")
        documents = build_documents_tab(service)
        picker = build_status_tab(service, banner, documents)
    return demo, picker


def test_builds_with_the_active_collection(service: RagService) -> None:
    demo, picker = _build(service)
    assert picker.value == "docs_fake"
    assert ("docs_fake — fake:hash · 2 docs, 2 chunks", "docs_fake") in picker.choices
    ids = {b.elem_id for b in demo.blocks.values()}
    assert {"use-collection", "components", "doctor", "checks"} <= ids
    config = next(b for b in demo.blocks.values() if isinstance(b, gr.Code))
    assert "llm:" in config.value and "base_url: http://127.0.0.1:9/v1" in config.value
    event = next(f for f in demo.fns.values() if f.name == "do_collection")
    assert [o.elem_id for o in event.outputs][-1] == "documents"  # the documents table follows the switch


def test_switching_collection_reports_and_refreshes(service: RagService) -> None:
    do_collection = handler(_build(service)[0], "do_collection")
    msg, comps, header, rows = do_collection("docs_fake")
    assert msg == "Using **docs_fake**." and "| Collection | `docs_fake` |" in comps
    assert header.startswith(HEADER) and [r[0] for r in rows] == ["a.md", "b.pdf"]
    assert do_collection(None)[0] == ""
    msg = do_collection("foreign")[0]
    assert msg.startswith("⚠ **Collection 'foreign' was not built by rag")


def test_doctor_table(service: RagService, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    do_doctor = handler(_build(service)[0], "do_doctor")
    seen: list[tuple[Settings, bool]] = []

    def run_checks(s: Settings, check_llm: bool = True) -> list[Check]:
        seen.append((s, check_llm))
        return [Check("config", "ok", "loaded"), Check("llm", "fail", "no answer", "start it")]

    monkeypatch.setattr("ui.tabs.status.run_checks", run_checks)
    assert do_doctor() == [["config", "ok", "loaded", ""], ["llm", "FAIL", "no answer", "start it"]]
    assert seen == [(settings, True)]

    def broken(s: Settings, check_llm: bool = True) -> list[Check]:
        raise ConfigError("Bad config.", fix="Fix it.")

    monkeypatch.setattr("ui.tabs.status.run_checks", broken)
    assert do_doctor() == [["doctor", "fail", "Bad config.", "Fix it."]]
