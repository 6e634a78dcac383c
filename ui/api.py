"""The HTTP API next to the Gradio app: OpenAI-compatible chat, ingest, documents, models.

- ``POST /v1/chat/completions``: the last user message is the question, the earlier user and
  assistant messages the history (follow-ups are condensed). The answer is the assistant message,
  streamed token by token with ``stream: true``; the passages it was given are in ``sources`` (on
  the response, or on the final stream chunk), with ``cited`` (1-based numbers the answer wrote),
  ``grounding`` (each sentence's evidence, or null when refused), ``refused`` and ``condensed_query``.
- ``POST /v1/ingest``: multipart files (field ``files``), or JSON ``{"paths": [...]}`` relative
  to the upload folder (nothing outside the data directory).
- ``GET /v1/documents``, ``DELETE /v1/documents/{doc_id}`` (the index entry; ``?remove_file=true``
  also deletes an uploaded file no other collection indexes), ``GET /v1/models``.

Authentication (:class:`ui.auth.ApiAccess`): with a login, HTTP Basic or ``Authorization: Bearer
<password>`` (or ``Bearer <user:password>``); without one, ``Bearer <API token>`` (printed by
``rag ui``). Either is an OpenAI client's ``api_key``. JSON bodies must say
``Content-Type: application/json`` (a web page cannot send that to another site without asking
first); the server's :class:`ui.guard.Guard` has already refused foreign hosts, cross-site
requests and oversized bodies.
"""

from __future__ import annotations

import itertools
import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse, StreamingResponse
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from rag_app.errors import RequestRejected, UploadRejected
from rag_app.types import SearchResult
from ui.auth import ApiAccess
from ui.service import ChatEvent, RagService, check_limits, error_text, flatten_content, http_status
from ui.uploads import resolve_server_path, store_stream

MODEL_ID = "rag"
MAX_FILES = 100  # files per ingest request


def _error(status: int, message: str, kind: str, fix: str | None = None) -> JSONResponse:
    return JSONResponse(
        {"error": {"message": message, "type": kind, "fix": fix, "code": status}}, status_code=status
    )


def _failure(exc: Exception) -> JSONResponse:
    """An exception from the service in the API's error shape, worded by :func:`ui.service.error_text`."""
    message, fix = error_text(exc)
    return _error(http_status(exc), message, "rag_error", fix)


def _passages(ev: ChatEvent) -> list[dict[str, Any]]:
    if ev.result is None:
        return []
    return [p.as_dict() for p in ev.result.passages]


def _timings(result: SearchResult | None) -> dict[str, float]:
    return {k: round(v * 1000, 1) for k, v in result.timings.items()} if result is not None else {}


def _rag_fields(ev: ChatEvent) -> dict[str, Any]:
    result = ev.result
    grounding = ev.answer.grounding if ev.answer else None
    return {
        "sources": _passages(ev),
        "cited": ev.answer.cited if ev.answer else [],
        "grounding": grounding.as_dict() if grounding else None,
        "refused": bool(result is not None and result.refused),
        "condensed_query": result.query if result is not None and result.condensed_from is not None else None,
        "collection": result.collection if result is not None else None,
        "reranker": result.reranker if result is not None else None,
        "timings_ms": _timings(result),
        "warnings": result.warnings if result is not None else [],
    }


def _is_json(request: Request) -> bool:
    ctype = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    return ctype == "application/json" or (ctype.startswith("application/") and ctype.endswith("+json"))


def _not_json() -> JSONResponse:
    return _error(
        415,
        "The request body must be JSON, sent with `Content-Type: application/json`.",
        "invalid_request_error",
        "Add the header `Content-Type: application/json` (curl: -H 'Content-Type: application/json').",
    )


async def _json_body(request: Request) -> Any:
    """The parsed JSON body, or a :class:`JSONResponse` saying what is wrong with it."""
    if not _is_json(request):
        return _not_json()
    try:
        return await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return _error(400, "The request body is not valid JSON.", "invalid_request_error")


def build_api(service: RagService, access: ApiAccess) -> APIRouter:
    """The ``/v1`` routes over ``service``, open only to callers ``access`` lets in."""

    def require_auth(request: Request) -> None:
        if not access.check_header(request.headers.get("authorization")):
            raise HTTPException(
                status_code=401,
                detail=access.challenge,
                headers={"WWW-Authenticate": 'Basic realm="rag"' if access.credentials else "Bearer"},
            )

    router = APIRouter(prefix="/v1", dependencies=[Depends(require_auth)])

    @router.get("/models")
    def models() -> dict[str, Any]:
        return {
            "object": "list",
            "data": [{"id": MODEL_ID, "object": "model", "created": 0, "owned_by": "rag-app"}],
        }

    @router.post("/chat/completions", response_model=None)
    async def chat_completions(request: Request) -> JSONResponse | StreamingResponse:
        body = await _json_body(request)
        if isinstance(body, JSONResponse):
            return body
        messages = body.get("messages") if isinstance(body, dict) else None
        if not isinstance(messages, list) or not messages or not all(isinstance(m, dict) for m in messages):
            return _error(400, "`messages` must be a non-empty list.", "invalid_request_error")
        top_k = body.get("top_k")
        if top_k is not None and (isinstance(top_k, bool) or not isinstance(top_k, int)):
            return _error(400, "`top_k` must be an integer.", "invalid_request_error")
        try:
            check_limits(top_k, len(messages))
        except RequestRejected as exc:
            return _failure(exc)
        last_user = max((i for i, m in enumerate(messages) if m.get("role") == "user"), default=None)
        if last_user is None:
            return _error(400, "No user message to answer.", "invalid_request_error")
        question = flatten_content(messages[last_user].get("content")).strip()
        history = [m for m in messages[:last_user] if m.get("role") in ("user", "assistant")]
        model = str(body.get("model") or MODEL_ID)
        stream = bool(body.get("stream"))
        cid = f"chatcmpl-{uuid.uuid4().hex[:24]}"
        created = int(time.time())
        events = service.chat(question, history, top_k=top_k)

        def first_events() -> tuple[list[ChatEvent], ChatEvent | None]:
            """Run until the first token (or the end), so a dead LLM is an HTTP error, not a stream."""
            seen: list[ChatEvent] = []
            for ev in events:
                seen.append(ev)
                if ev.done or ev.text:
                    return seen, ev
            return seen, None

        seen, head = await run_in_threadpool(first_events)
        if head is not None and head.error is not None:
            message, fix = head.error
            return _error(head.status, message, "rag_error", fix)

        if not stream:

            def rest() -> ChatEvent:
                last = seen[-1]
                for ev in events:
                    last = ev
                return last

            final = await run_in_threadpool(rest)
            if final.error is not None:
                return _error(final.status, final.error[0], "rag_error", final.error[1])
            return JSONResponse(
                {
                    "id": cid,
                    "object": "chat.completion",
                    "created": created,
                    "model": model,
                    "choices": [
                        {
                            "index": 0,
                            "message": {"role": "assistant", "content": final.text},
                            "finish_reason": "stop",
                        }
                    ],
                    "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
                    **_rag_fields(final),
                }
            )

        def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> str:
            data = {
                "id": cid,
                "object": "chat.completion.chunk",
                "created": created,
                "model": model,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
                **extra,
            }
            return f"data: {json.dumps(data)}\n\n"

        def sse() -> Iterator[str]:
            yield chunk({"role": "assistant", "content": ""})
            sent = ""
            final: ChatEvent | None = None
            # chain, not [*seen, *events]: a list would wait for the whole answer before the first chunk.
            for ev in itertools.chain(seen, events):
                if ev.text and len(ev.text) > len(sent):
                    yield chunk({"content": ev.text[len(sent) :]})
                    sent = ev.text
                final = ev
            if final is not None and final.error is not None:
                message, fix = final.error
                text = f"\n\n[error] {message}" + (f" Fix: {fix}" if fix else "")
                yield chunk({"content": text}, "stop", error={"message": message, "fix": fix})
            elif final is not None:
                yield chunk({}, "stop", **_rag_fields(final))
            yield "data: [DONE]\n\n"

        return StreamingResponse(sse(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})

    @router.get("/documents", response_model=None)
    def documents() -> JSONResponse | dict[str, Any]:
        try:
            return {"collection": service.active_collection(), "documents": service.documents()}
        except Exception as exc:
            return _failure(exc)

    @router.delete("/documents/{doc_id}", response_model=None)
    def delete_document(doc_id: str, remove_file: bool = False) -> JSONResponse | dict[str, Any]:
        try:
            doc = service.delete(doc_id, remove_file=remove_file)
        except Exception as exc:
            return _failure(exc)
        if doc is None:
            return _error(404, f"No document with id {doc_id}.", "not_found")
        return {"deleted": doc}

    @router.post("/ingest", response_model=None)
    async def ingest(request: Request) -> JSONResponse | dict[str, Any]:
        stored: list[Path] = []
        uploads: list[dict[str, Any]] = []
        rejected: list[dict[str, str]] = []
        ctype = request.headers.get("content-type", "")
        sync = False
        if ctype.startswith("multipart/form-data"):
            try:
                form = await request.form(max_files=MAX_FILES, max_fields=MAX_FILES)
            except StarletteHTTPException as exc:  # too many parts, a malformed body
                return _error(exc.status_code, str(exc.detail), "invalid_request_error")
            for item in form.getlist("files"):
                if isinstance(item, str):
                    continue
                name = item.filename or "upload"
                try:
                    s = await run_in_threadpool(store_stream, item.file, name, service.settings)
                    stored.append(s.path)
                    uploads.append({"name": name, "path": str(s.path), "note": s.note()})
                except UploadRejected as exc:
                    rejected.append({"path": name, "error": error_text(exc)[0]})
            await form.close()
        elif not _is_json(request):
            return _error(
                415,
                'Send multipart `files`, or JSON {"paths": [...]} with `Content-Type: application/json`.',
                "invalid_request_error",
            )
        else:
            body = await _json_body(request)
            if isinstance(body, JSONResponse):
                return body
            paths = body.get("paths") if isinstance(body, dict) else None
            if not isinstance(paths, list) or not all(isinstance(p, str) for p in paths):
                return _error(400, "`paths` must be a list of strings.", "invalid_request_error")
            sync = bool(body.get("sync"))
            for raw in paths:
                try:
                    stored.append(resolve_server_path(raw, service.settings))
                except UploadRejected as exc:
                    rejected.append({"path": raw, "error": error_text(exc)[0]})
        if not stored:
            return JSONResponse(
                {"error": {"message": "Nothing to ingest.", "type": "invalid_request_error"},
                 "rejected": rejected},
                status_code=400,
            )  # fmt: skip

        def run() -> dict[str, Any]:
            last = None
            for ev in service.ingest(stored, sync=sync):
                last = ev
            assert last is not None
            if last.error is not None:
                return {"error": {"message": last.error[0], "fix": last.error[1]}}
            return last.report or {}

        report = await run_in_threadpool(run)
        if "error" in report:
            return JSONResponse({**report, "rejected": rejected}, status_code=500)
        return {
            "stored": [str(p) for p in stored],
            "uploads": uploads,
            "rejected": rejected,
            "report": report,
        }

    return router


def add_api(app: FastAPI, service: RagService, access: ApiAccess) -> None:
    """Mount the ``/v1`` routes on ``app``."""
    app.include_router(build_api(service, access))
