"""The Chat tab: components and handlers registered, the streamed answer with sources, the /chat API."""

from __future__ import annotations

import gradio as gr

from rag_app.errors import EndpointUnavailable
from tests.unit.ui.conftest import ANSWER, FakePipeline, handler
from ui.service import RagService
from ui.tabs.chat import build_chat_tab


def _build(service: RagService) -> gr.Blocks:
    with gr.Blocks() as demo:
        build_chat_tab(service)
    return demo


def test_builds_the_chat_and_registers_the_api(service: RagService) -> None:
    demo = _build(service)
    ids = {b.elem_id for b in demo.blocks.values()}
    assert {"chatbot", "question", "send", "copy-answer", "new-chat", "last-answer"} <= ids
    apis = {f.api_name: f for f in demo.fns.values() if f.api_name}
    assert "chat" in apis and apis["chat"].fn.__name__ == "chat"
    assert handler(demo, "respond") and handler(demo, "clear")() == ([], [], "", "")


def test_respond_streams_the_answer_then_its_sources(service: RagService) -> None:
    respond = handler(_build(service), "respond")
    steps = list(respond("  Where is the data?  ", [], []))
    messages, question, turns, _ = steps[0]
    assert messages[-1] == {"role": "assistant", "content": "…"} and question == "" and turns == []
    streamed = steps[-2][0][-1]["content"]  # while streaming: escaped text, not yet checked
    assert streamed == f'<div class="rag-answer">{ANSWER}</div>'
    messages, question, turns, last = steps[-1]
    assert messages[0] == {"role": "user", "content": "Where is the data?"}
    answer = messages[1]["content"]  # each sentence with its evidence, the model's [1] replaced by it
    assert answer.startswith('<div class="rag-answer"><span class="rag-sent rag-supported rag-to-rag-')
    assert "SQLite stores a database in one file.<sup" in answer and "[1]</sup>" in answer
    assert "1 of 1 sentence found in the sources" in answer
    assert 'class="rag-sources"' in messages[2]["content"] and "not reranked" in messages[2]["content"]
    assert '<mark class="rag-mark rag-k-0">' in messages[2]["content"]
    assert turns == [
        {"role": "user", "content": "Where is the data?"},
        {"role": "assistant", "content": ANSWER},
    ]
    assert last == ANSWER  # what "Copy answer" copies


def test_a_refused_question_shows_the_refusal_and_the_closest_passages(
    service: RagService, pipe: FakePipeline
) -> None:
    pipe.refuse = True
    messages, _, turns, last = list(handler(_build(service), "respond")("Jupiter moons?", [], []))[-1]
    assert 'class="rag-answer rag-refused"' in messages[1]["content"]
    assert "could not find this in your documents" in messages[1]["content"]
    assert "Closest passages (2)" in messages[2]["content"] and "rag-mark" not in messages[2]["content"]
    assert last == turns[-1]["content"]


def test_a_follow_up_shows_the_standalone_question(service: RagService, pipe: FakePipeline) -> None:
    respond = handler(_build(service), "respond")
    history = [{"role": "user", "content": "Q1"}, {"role": "assistant", "content": "A1"}]
    messages, _, turns, _ = list(respond("And R?", [], history))[-1]
    note = messages[1]
    assert note["metadata"]["title"] == "Follow-up searched as: standalone: And R?"
    assert len(turns) == 4 and pipe.answered[-1] == ("And R?", history)


def test_respond_ignores_blank_input_and_shows_errors(service: RagService, pipe: FakePipeline) -> None:
    respond = handler(_build(service), "respond")
    old = [{"role": "user", "content": "x"}]
    ((messages, question, turns, _),) = list(respond("   ", old, []))
    assert messages is old and question == "" and turns == []
    pipe.fail["answer"] = EndpointUnavailable("The LLM does not answer.", fix="Start it.")
    messages, _, turns, _ = list(respond("Q?", [], []))[-1]
    assert messages[-1]["content"] == "⚠ **The LLM does not answer.**\n\n**Fix:** Start it."
    assert turns == []  # a failed turn is not part of the conversation


def test_chat_api_streams_dicts_with_sources(service: RagService, pipe: FakePipeline) -> None:
    chat = handler(_build(service), "chat")
    outs = list(chat("Where?", [{"role": "user", "content": "Q1"}, {"role": "assistant", "content": "A1"}]))
    assert outs[0] == {"answer": "", "done": False, "error": None}
    last = outs[-1]
    assert last["done"] and last["answer"] == ANSWER and last["cited"] == [1] and last["refused"] is False
    assert last["grounding"]["supported_share"] == 1.0 and last["grounding"]["sentences"][0]["passage"] == 1
    assert last["collection"] == "docs_fake" and last["condensed_query"] == "standalone: Where?"
    assert [s["source"] for s in last["sources"]] == ["/docs/doc0.md", "/docs/doc1.md"]
    pipe.fail["answer"] = EndpointUnavailable("down", fix="start it")
    assert list(chat("Where?"))[-1]["error"] == {"message": "down", "fix": "start it"}
