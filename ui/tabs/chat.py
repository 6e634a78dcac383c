"""The "Chat" tab: a streamed, cited answer per question, follow-ups condensed; and the ``/chat`` API.

The chatbot shows the answer (escaped, never Markdown: :mod:`ui.evidence`), each sentence linked
to the passage span that supports it or marked "not found in the sources", then the source cards
as one more message; the conversation sent to the pipeline (``turns``) holds only the questions
and the answers' text.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import gradio as gr

from rag_app.answering.answerer import Answer, Message
from ui import evidence, render
from ui.service import RagService, clean_history
from ui.tabs import Update

ChatMessage = dict[str, Any]  # a gr.Chatbot message: role, content, optional metadata

# Copy the last answer (plain text, without the sources); execCommand when the page is not a secure context.
COPY_JS = """(text) => {
  if (!text) return [];
  if (navigator.clipboard && window.isSecureContext) { navigator.clipboard.writeText(text); }
  else { const t = document.createElement('textarea'); t.value = text; document.body.appendChild(t);
         t.select(); document.execCommand('copy'); t.remove(); }
  return [];
}"""


def _msg(role: str, content: str, title: str | None = None, status: str | None = None) -> ChatMessage:
    """A chatbot message; with ``title`` it is a collapsible note that is not part of the conversation."""
    m: ChatMessage = {"role": role, "content": content}
    if title:
        m["metadata"] = {"title": title, **({"status": status} if status else {})}
    return m


def _answer_messages(answer: Answer) -> list[ChatMessage]:
    """The finished answer (sentences linked to their evidence) and its source cards, as two messages."""
    result = answer.search
    aid = evidence.new_answer_id()
    if answer.refused:
        cards = render.warnings_html(result.warnings) + evidence.evidence_cards_html(
            result.passages, None, aid, title="Closest passages"
        )
        refusal = evidence.refusal_html(answer.text, result.relevance)
        return [_msg("assistant", refusal), _msg("assistant", cards)]
    note = "" if result.reranked else " · not reranked"
    body = evidence.answer_html(answer.text, answer.grounding, aid)
    cards = render.warnings_html(result.warnings) + evidence.evidence_cards_html(
        result.passages, answer.grounding, aid, answer.cited, note=note
    )
    return [_msg("assistant", body), _msg("assistant", cards)]


def build_chat_tab(service: RagService) -> None:
    """Add the chat components to the open tab, wire send/new chat/copy, and register ``/chat``."""
    chatbot = gr.Chatbot(
        height=440,
        buttons=[],  # a message's copy button would copy the sources' HTML too: see "Copy answer"
        feedback_options=None,
        placeholder="Ask a question about your documents. Answers cite passages as [1], [2]…",
        elem_id="chatbot",
        show_label=False,
    )
    turns = gr.State([])
    with gr.Row(equal_height=True):
        question = gr.Textbox(
            placeholder="Ask about your documents…",
            show_label=False,
            scale=8,
            lines=1,
            max_lines=4,
            elem_id="question",
            autofocus=True,
        )
        send = gr.Button("Send", variant="primary", scale=1, min_width=90, elem_id="send")
        copy = gr.Button("Copy answer", scale=1, min_width=150, elem_id="copy-answer")
        new_chat = gr.Button("New chat", scale=1, min_width=110, elem_id="new-chat")
    last_answer = gr.Textbox(visible="hidden", elem_id="last-answer")

    def respond(
        message: str, messages: list[ChatMessage], history: list[Message]
    ) -> Iterator[tuple[list[ChatMessage], str, list[Message], str | Update]]:
        message = (message or "").strip()
        if not message:
            yield messages, "", history, gr.update()
            return
        base = [*messages, _msg("user", message)]
        yield [*base, _msg("assistant", "…")], "", history, gr.update()
        extra: list[ChatMessage] = []
        text = ""
        # Only the last exchanges condense a follow-up: a long chat never runs into the message cap.
        keep = 2 * service.settings.retrieval.history_turns
        for ev in service.chat(message, history[-keep:] if keep else []):
            if ev.result is not None and ev.result.condensed_from is not None and not extra:
                extra = [
                    _msg(
                        "assistant",
                        f"Searched for the standalone question: *{ev.result.query}*",
                        title=f"Follow-up searched as: {ev.result.query}",
                        status="done",
                    )
                ]
            text = ev.text
            if ev.error is not None:
                body = (evidence.streaming_html(text) if text else "") + render.error_md(*ev.error)
                yield [*base, *extra, _msg("assistant", body)], "", history, gr.update()
                return
            if ev.done and ev.answer is not None and ev.result is not None:
                final = [*base, *extra, *_answer_messages(ev.answer)]
                turns_out = [
                    *history,
                    {"role": "user", "content": message},
                    {"role": "assistant", "content": text},
                ]
                yield final, "", turns_out, text
                return
            yield [*base, *extra, _msg("assistant", evidence.streaming_html(text))], "", history, gr.update()

    def clear() -> tuple[list[ChatMessage], list[Message], str, str]:
        return [], [], "", ""

    chat_inputs = [question, chatbot, turns]
    chat_outputs = [chatbot, question, turns, last_answer]
    send.click(respond, chat_inputs, chat_outputs, api_visibility="private", concurrency_id="llm")
    question.submit(respond, chat_inputs, chat_outputs, api_visibility="private", concurrency_id="llm")
    new_chat.click(clear, None, [chatbot, turns, question, last_answer], api_visibility="private")
    copy.click(None, last_answer, None, js=COPY_JS)

    def chat(message: str, history: list[dict[str, Any]] | None = None) -> Iterator[dict[str, Any]]:
        """Answer a question from the private documents (streams; the last value has the sources).

        history: previous turns as {"role": "user"|"assistant", "content": str}.
        Returns {"answer", "sources", "cited", "grounding", "refused", "condensed_query", "collection",
        "warnings", "error", "done"}; ``grounding`` (each answer sentence with its supporting passage and
        span, or unsupported) and the sources arrive with the last value.
        """
        for ev in service.chat(message, clean_history(history)):
            out: dict[str, Any] = {"answer": ev.text, "done": ev.done, "error": None}
            if ev.error is not None:
                out["error"] = {"message": ev.error[0], "fix": ev.error[1]}
            if ev.done and ev.answer is not None:
                d = ev.answer.as_dict()
                out.update(
                    sources=d["sources"],
                    cited=d["cited"],
                    grounding=d["grounding"],
                    refused=d["refused"],
                    condensed_query=d["condensed_query"],
                    collection=d["collection"],
                    warnings=d["warnings"],
                )
            yield out

    gr.api(chat, api_name="chat", concurrency_id="llm", concurrency_limit=1)
