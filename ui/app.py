"""The Gradio 6 app (chat, documents, search, status) and the server that also carries ``/v1``.

``create_app(pipeline)`` builds the Blocks; ``build_server(pipeline)`` mounts it with the HTTP
API on one FastAPI app; ``launch(settings)`` serves that with uvicorn on 127.0.0.1 by default.
Nothing here reaches the network: analytics off, no share link, no server-side rendering.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gradio as gr
import yaml
from fastapi import FastAPI

from rag_app.config import masked_dump
from rag_app.errors import UploadRejected
from rag_app.pipeline import Pipeline, build_pipeline
from rag_app.process import Shutdown
from rag_app.settings import Settings
from ui import render
from ui.api import add_api
from ui.auth import Credentials, load_credentials
from ui.service import RagService, clean_history, error_text
from ui.uploads import allowed_types, store_file

log = logging.getLogger("rag_app.ui")

CSS_PATH = Path(__file__).with_name("style.css")
TITLE = "Private documents · RAG"


def _msg(role: str, content: str, title: str | None = None, status: str | None = None) -> dict[str, Any]:
    m: dict[str, Any] = {"role": role, "content": content}
    if title:
        m["metadata"] = {"title": title, **({"status": status} if status else {})}
    return m


# -- status facts ---------------------------------------------------------------------------------
def banners(service: RagService) -> str:
    out = []
    pipe = service.pipe
    try:
        st = pipe.reranker_status
        if st.enabled and not st.available:
            out.append(
                render.banner_html(
                    "warn",
                    "Reranking unavailable:",
                    f"{st.reason}; answers use first-stage ranking only.",
                    st.fix,
                )
            )
    except Exception as exc:
        msg, fix = error_text(exc)
        out.append(render.banner_html("warn", "Reranker:", msg, fix))
    try:
        if not pipe.collection_exists():
            out.append(
                render.banner_html(
                    "info",
                    "No documents yet:",
                    f"collection {pipe.collection} is empty.",
                    "Upload files in the Documents tab, or run `rag ingest PATH`.",
                )
            )
    except Exception as exc:
        msg, fix = error_text(exc)
        out.append(render.banner_html("error", "Index unavailable:", msg, fix))
    return "".join(out)


# Copy the last answer (plain text, without the sources); execCommand when the page is not a secure context.
COPY_JS = """(text) => {
  if (!text) return [];
  if (navigator.clipboard && window.isSecureContext) { navigator.clipboard.writeText(text); }
  else { const t = document.createElement('textarea'); t.value = text; document.body.appendChild(t);
         t.select(); document.execCommand('copy'); t.remove(); }
  return [];
}"""

HEADER = '<div class="rag-title">Private documents <span>· ask, search and manage your files</span></div>'


def header_html(service: RagService) -> str:
    return HEADER + banners(service)


def components_md(service: RagService) -> str:
    s = service.settings
    pipe = service.pipe
    lines = ["| Component | State |", "|---|---|"]
    try:
        lines.append(f"| Embedder | `{pipe.embedder_description()}` |")
    except Exception as exc:
        msg, fix = error_text(exc)
        lines.append(f"| Embedder | unavailable: {msg} — **Fix:** {fix or ''} |")
    lines.append(f"| Collection | `{service.active_collection()}` |")
    try:
        st = pipe.reranker_status
        if not st.enabled:
            rr = "off (reranker.provider: none)"
        elif st.available:
            rr = f"ok: `{st.model}`"
        else:
            rr = f"**unavailable**: {st.reason}" + (f" — **Fix:** {st.fix}" if st.fix else "")
    except Exception as exc:
        rr = f"**error**: {error_text(exc)[0]}"
    lines.append(f"| Reranker | {rr} |")
    llm = s.llm
    where = llm.base_url if llm.provider == "openai" else "local llama.cpp server (started on demand)"
    lines.append(f"| LLM | `{llm.provider}:{llm.model}` at {where}, max {llm.max_tokens} tokens |")
    lines.append(f"| Index | `{s.milvus_uri}` |")
    return "\n".join(lines)


def collection_choices(service: RagService) -> list[tuple[str, str]]:
    try:
        cols = service.collections()
    except Exception:
        return []
    return [
        (f"{c['name']} — {c['embedder']} · {c['documents']} docs, {c['chunks']} chunks", c["name"])
        for c in cols
    ]


# -- the Blocks ----------------------------------------------------------------------------------
def create_app(pipeline: Pipeline, service: RagService | None = None) -> gr.Blocks:
    service = service or RagService(pipeline)
    settings = service.settings
    allowed = allowed_types(settings)

    with gr.Blocks(title=TITLE, fill_width=True) as demo:
        banner = gr.HTML(header_html(service), elem_classes="rag-banners", padding=False)

        with gr.Tabs():
            # ---------------------------------------------------------------- chat
            with gr.Tab("Chat", id="chat"):
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

            # ---------------------------------------------------------------- documents
            with gr.Tab("Documents", id="documents"), gr.Row():
                with gr.Column(scale=2):
                    files = gr.File(
                        label=f"Upload ({', '.join(allowed)}; up to {settings.ui.max_upload_mb:g} MB each)",
                        file_count="multiple",
                        file_types=allowed,
                        height=150,
                        elem_id="upload",
                    )
                    progress = gr.HTML("", elem_id="ingest-progress")
                    upload_table = gr.Dataframe(
                        headers=render.UPLOAD_HEADERS,
                        value=[],
                        label="Last upload",
                        interactive=False,
                        wrap=True,
                        elem_id="upload-results",
                        column_widths=["40%", "45%", "15%"],
                    )
                with gr.Column(scale=3):
                    docs_table = gr.Dataframe(
                        headers=render.DOC_HEADERS,
                        value=[],
                        label="Ingested documents",
                        interactive=False,
                        wrap=True,
                        elem_id="documents",
                        column_widths=["28%", "26%", "9%", "10%", "16%", "11%"],
                    )
                    with gr.Row(elem_classes="rag-actions"):
                        doc_pick = gr.Dropdown(
                            choices=[],
                            label="Document",
                            scale=4,
                            elem_id="doc-pick",
                        )
                        delete = gr.Button("Delete", variant="stop", scale=1, min_width=90, elem_id="delete")
                        refresh = gr.Button("Refresh", scale=1, min_width=90)
                    delete_msg = gr.Markdown("", elem_id="delete-msg")

            # ---------------------------------------------------------------- search
            with gr.Tab("Search", id="search"):
                with gr.Row(equal_height=True):
                    s_query = gr.Textbox(
                        placeholder="Search passages (no LLM)…", show_label=False, scale=6, elem_id="s-query"
                    )
                    s_mode = gr.Radio(
                        ["dense", "sparse", "hybrid"],
                        value=settings.retrieval.mode,
                        label="Mode",
                        scale=3,
                    )
                    s_k = gr.Slider(1, 20, value=settings.retrieval.top_k, step=1, label="Top-k", scale=2)
                    s_rerank = gr.Checkbox(value=True, label="Rerank", scale=1)
                    s_go = gr.Button("Search", variant="primary", scale=1, min_width=90, elem_id="s-go")
                s_out = gr.HTML("", elem_id="s-results")

            # ---------------------------------------------------------------- evaluation
            with gr.Tab("Evaluation", id="evaluation"):
                from ui.eval_view import build_eval_tab

                build_eval_tab(service.pipe)

            # ---------------------------------------------------------------- status
            with gr.Tab("Status", id="status"):
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
                        yaml.safe_dump(masked_dump(settings), sort_keys=False),
                        language="yaml",
                        interactive=False,
                        show_label=False,
                    )

        # -------------------------------------------------------------------- handlers
        def respond(
            message: str, messages: list[dict[str, Any]], history: list[dict[str, str]]
        ) -> Iterator[tuple[Any, Any, Any, Any]]:
            message = (message or "").strip()
            if not message:
                yield messages, "", history, gr.update()
                return
            base = [*messages, _msg("user", message)]
            yield [*base, _msg("assistant", "…")], "", history, gr.update()
            extra: list[dict[str, Any]] = []
            text = ""
            for ev in service.chat(message, history):
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
                    body = (text + "\n\n" if text else "") + render.error_md(*ev.error)
                    yield [*base, *extra, _msg("assistant", body)], "", history, gr.update()
                    return
                if ev.done and ev.answer is not None and ev.result is not None:
                    rr = ev.result.reranker or {}
                    note = "" if rr.get("applied") else " · not reranked"
                    src = render.sources_html(ev.result.passages, ev.answer.sources, note=note)
                    final = [
                        *base,
                        *extra,
                        _msg("assistant", text or "(no answer)"),
                        _msg("assistant", src),
                    ]
                    turns_out = [*history, {"role": "user", "content": message}]
                    turns_out.append({"role": "assistant", "content": text})
                    yield final, "", turns_out, text
                    return
                yield [*base, *extra, _msg("assistant", text or "…")], "", history, gr.update()

        chat_inputs = [question, chatbot, turns]
        chat_outputs = [chatbot, question, turns, last_answer]
        send.click(respond, chat_inputs, chat_outputs, api_visibility="private", concurrency_id="llm")
        question.submit(respond, chat_inputs, chat_outputs, api_visibility="private", concurrency_id="llm")
        new_chat.click(
            lambda: ([], [], "", ""), None, [chatbot, turns, question, last_answer], api_visibility="private"
        )
        copy.click(None, last_answer, None, js=COPY_JS)

        def list_docs() -> tuple[Any, Any]:
            try:
                docs = service.documents()
            except Exception as exc:
                msg, fix = error_text(exc)
                return [[f"Error: {msg}", fix or "", "", "", "", ""]], gr.update(choices=[])
            choices = [(f"{d['name']} ({d['chunks']} chunks)", d["doc_id"]) for d in docs]
            return render.documents_rows(docs), gr.update(choices=choices, value=None)

        def do_upload(paths: list[str] | None) -> Iterator[tuple[Any, Any, Any, Any, Any]]:
            rows: list[list[Any]] = []
            stored = []
            for p in paths or []:
                name = Path(p).name
                try:
                    s = store_file(p, name, settings)
                    stored.append(s.path)
                except UploadRejected as exc:
                    rows.append([name, f"rejected: {exc}", ""])
                except OSError as exc:
                    rows.append([name, f"could not store: {exc.strerror or exc}", ""])
            docs_rows, choices = list_docs()
            if not stored:
                yield (render.progress_html(0, 1, "Nothing to ingest."), rows, docs_rows, choices, None)
                return
            total = len(stored)
            yield (
                render.progress_html(0, total, f"Ingesting 0 / {total} files…"),
                rows,
                docs_rows,
                choices,
                gr.update(),
            )
            last = None
            for ev in service.ingest(stored):
                last = ev
                label = f"Ingesting {ev.done} / {ev.total or total} files…"
                yield (
                    render.progress_html(ev.done, ev.total or total, label),
                    rows,
                    gr.update(),
                    gr.update(),
                    gr.update(),
                )
            assert last is not None
            failed = {}
            if last.report:
                failed = {f["path"]: f["error"] for f in last.report.get("failed", [])}
                failed.update(
                    {
                        f["path"]: f.get("reason", f.get("error", "skipped"))
                        for f in last.report.get("skipped", [])
                    }
                )
            done = {f["path"]: f for f in last.files}
            for sp in stored:
                if str(sp) in failed:
                    rows.append([sp.name, f"failed: {failed[str(sp)]}", ""])
                elif last.error is not None:
                    rows.append([sp.name, f"failed: {last.error[0]}", ""])
                else:
                    info = done.get(str(sp), {})
                    rows.append([sp.name, str(info.get("status", "ingested")), info.get("chunks", "")])
            if last.error is not None:
                label = f"Ingest failed: {last.error[0]}"
            else:
                rep = last.report or {}
                label = (
                    f"Done: {rep.get('added', 0)} added, {rep.get('updated', 0)} updated, "
                    f"{rep.get('unchanged', 0)} unchanged, {len(rep.get('failed', []))} failed "
                    f"({rep.get('seconds', 0)} s)"
                )
            docs_rows, choices = list_docs()
            yield (render.progress_html(total, total, label), rows, docs_rows, choices, None)

        files.upload(
            do_upload,
            files,
            [progress, upload_table, docs_table, doc_pick, files],
            api_visibility="private",
            concurrency_id="ingest",
        )

        def do_delete(doc_id: str | None) -> tuple[Any, Any, Any]:
            if not doc_id:
                rows, choices = list_docs()
                return "Pick a document first.", rows, choices
            try:
                doc = service.delete(doc_id)
            except Exception as exc:
                rows, choices = list_docs()
                return render.error_md(*error_text(exc)), rows, choices
            rows, choices = list_docs()
            if doc is None:
                return "That document is already gone.", rows, choices
            extra = " and its uploaded file" if doc.get("file_removed") else ""
            return f"Deleted **{doc['name']}**{extra}.", rows, choices

        delete.click(do_delete, doc_pick, [delete_msg, docs_table, doc_pick], api_visibility="private")
        refresh.click(list_docs, None, [docs_table, doc_pick], api_visibility="private")

        def do_search(query: str, mode: str, k: float, rerank: bool) -> str:
            if not (query or "").strip():
                return "<p><i>Type a query.</i></p>"
            try:
                return render.search_html(service.search(query.strip(), int(k), mode, rerank))
            except Exception as exc:
                msg, fix = error_text(exc)
                return render.banner_html("error", msg, "", fix)

        s_inputs = [s_query, s_mode, s_k, s_rerank]
        s_go.click(do_search, s_inputs, s_out, api_visibility="private")
        s_query.submit(do_search, s_inputs, s_out, api_visibility="private")

        def do_collection(name: str | None) -> tuple[str, str, str, Any]:
            if name:
                try:
                    service.use_collection(name)
                    msg = f"Using **{name}**."
                except Exception as exc:
                    msg = render.error_md(*error_text(exc))
            else:
                msg = ""
            rows, _choices = list_docs()
            return msg, components_md(service), header_html(service), rows

        coll_btn.click(do_collection, coll, [coll_msg, comps, banner, docs_table], api_visibility="private")

        def do_doctor() -> list[list[Any]]:
            from rag_app.doctor import run_checks

            try:
                results = run_checks(service.settings, check_llm=True)
            except Exception as exc:
                msg, fix = error_text(exc)
                return [["doctor", "fail", msg, fix or ""]]
            return render.checks_rows([c.as_dict() for c in results])

        doctor_btn.click(do_doctor, None, checks, api_visibility="private")

        def on_load() -> tuple[Any, ...]:
            rows, choices = list_docs()
            return header_html(service), rows, choices, gr.update(choices=collection_choices(service),
                                                              value=service.active_collection())  # fmt: skip

        demo.load(on_load, None, [banner, docs_table, doc_pick, coll], api_visibility="private")

        # ---------------------------------------------------------------- API: /chat
        def chat(message: str, history: list[dict[str, Any]] | None = None) -> Iterator[dict[str, Any]]:
            """Answer a question from the private documents (streams; the last value has the sources).

            history: previous turns as {"role": "user"|"assistant", "content": str}.
            Returns {"answer", "sources", "cited", "condensed_query", "error", "done"}.
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
                        condensed_query=d["condensed_query"],
                        collection=d["collection"],
                    )
                yield out

        gr.api(chat, api_name="chat", concurrency_id="llm", concurrency_limit=1)

    demo.rag_service = service
    return demo


# -- the server ----------------------------------------------------------------------------------
def credentials_for(settings: Settings) -> Credentials:
    users_file = settings.resolve(settings.ui.users_file) if settings.ui.users_file else None
    return load_credentials(users_file)


def build_server(pipeline: Pipeline, credentials: Credentials | None = None) -> FastAPI:
    """One FastAPI app: ``/v1`` (OpenAI-compatible chat, ingest, documents) and Gradio at ``/``."""
    settings = pipeline.settings
    creds = credentials if credentials is not None else credentials_for(settings)
    service = RagService(pipeline)
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    add_api(app, service, creds)
    demo = create_app(pipeline, service)
    demo.queue(default_concurrency_limit=2)
    gr.mount_gradio_app(
        app,
        demo,
        path="/",
        auth=creds.check if creds else None,
        auth_message="Private documents: sign in with your UI user." if creds else None,
        ssr_mode=False,
        max_file_size=int(settings.ui.max_upload_mb * 1024 * 1024),
        footer_links=["api"],
        run_history=False,
        mcp_server=False,
        theme=gr.themes.Soft(),
        css=CSS_PATH.read_text(encoding="utf-8"),
        favicon_path=None,
    )
    app.state.rag_service = service
    app.state.gradio = demo
    return app


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def launch(settings: Settings, host: str | None = None, port: int | None = None) -> None:
    import uvicorn

    host = host or settings.ui.host
    port = port or settings.ui.port
    creds = credentials_for(settings)
    if settings.ui.share:
        log.warning("ui.share is not supported by this server (it never tunnels through gradio.live).")
    if not _is_loopback(host) and not creds:
        print(
            f"Warning: serving on {host} without a login. Set RAG_UI_USERNAME and RAG_UI_PASSWORD "
            "(or ui.users_file) before exposing the UI to a network."
        )
    pipeline = build_pipeline(settings, share_index=True)
    print("Loading the embedder and reranker…", flush=True)
    try:
        pipeline.warm_up()
    except Exception as exc:  # shown in the UI's banners and Status tab as well
        msg, fix = error_text(exc)
        print(f"Warning: {msg}" + (f"\nFix: {fix}" if fix else ""))
    app = build_server(pipeline, creds)
    shown = f"[{host}]" if ":" in host else host
    print(f"RAG UI on http://{shown}:{port}/  (OpenAI-compatible API at http://{shown}:{port}/v1)")
    if creds:
        print("Login required (RAG_UI_USERNAME/RAG_UI_PASSWORD or ui.users_file).")
    shutdown = Shutdown(grace=8.0)

    class _Server(uvicorn.Server):
        def handle_exit(self, sig: int, frame: Any) -> None:
            shutdown.arm()  # from the first signal on, the process is gone within 8 s
            super().handle_exit(sig, frame)

    # Streaming answers would hold a graceful shutdown open: give them 3 s, then cancel.
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", timeout_graceful_shutdown=3)
    with shutdown:
        try:
            _Server(config).run()
        finally:
            pipeline.close()


__all__ = ["build_server", "create_app", "launch"]
