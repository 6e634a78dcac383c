"""What the app says about itself: the header banners, the components table, the collection choices.

Each fact is read from the service's active pipeline when asked; a part that fails to load is
shown as a message with its fix, never as an exception.
"""

from __future__ import annotations

from rag_app.endpoints import mask_url
from ui import render
from ui.service import RagService, error_text

HEADER = '<div class="rag-title">Private documents <span>· ask, search and manage your files</span></div>'


def banners(service: RagService) -> str:
    """Warnings above the tabs: reranker unavailable, no documents yet, index unavailable."""
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
        notice = pipe.search_notice()
        if notice:
            out.append(
                render.banner_html(
                    "warn",
                    "Keyword search unavailable:",
                    notice,
                    "Use Milvus 2.5 or newer for BM25 and hybrid search (docs/SCALING.md).",
                )
            )
    except Exception:  # the index banner below says why the index cannot be read
        pass
    try:
        if not pipe.collection_exists():
            where = (
                f"collection {pipe.collection} is empty."
                if pipe.embedder_chosen
                else "the embedder will be chosen from their language (embedder.provider: auto)."
            )
            out.append(
                render.banner_html(
                    "info",
                    "No documents yet:",
                    where,
                    "Upload files in the Documents tab, or run `rag ingest PATH`.",
                )
            )
        else:
            problem = pipe.language_warning()
            if problem:
                out.append(render.banner_html("warn", "Embedder and language:", *problem))
    except Exception as exc:
        msg, fix = error_text(exc)
        out.append(render.banner_html("error", "Index unavailable:", msg, fix))
    return "".join(out)


def header_html(service: RagService) -> str:
    """The title line and the current banners."""
    return HEADER + banners(service)


def components_md(service: RagService) -> str:
    """A Markdown table of the embedder, collection, reranker, LLM and index in use."""
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
    where = (
        mask_url(llm.base_url) if llm.provider == "openai" else "local llama.cpp server (started on demand)"
    )
    lines.append(f"| LLM | `{llm.provider}:{llm.model}` at {where}, max {llm.max_tokens} tokens |")
    try:
        index = f"`{mask_url(s.milvus_uri)}`: {pipe.milvus.describe()}"
    except Exception as exc:
        index = f"`{mask_url(s.milvus_uri)}`: **unavailable**: {error_text(exc)[0]}"
    lines.append(f"| Index | {index} |")
    return "\n".join(lines)


def collection_choices(service: RagService) -> list[tuple[str, str]]:
    """(label, name) for every collection in the index; empty when the index cannot be listed."""
    try:
        cols = service.collections()
    except Exception:  # the banners already say why the index cannot be read
        return []
    return [
        (f"{c['name']} — {c['embedder']} · {c['documents']} docs, {c['chunks']} chunks", c["name"])
        for c in cols
    ]
