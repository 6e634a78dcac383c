"""HTML/Markdown fragments for the UI (escaped: document text is never trusted as markup)."""

from __future__ import annotations

import datetime as dt
from html import escape
from pathlib import Path
from typing import Any

from rag_app.types import Passage, SearchResult

SNIPPET_CHARS = 220

Rows = list[list[Any]]  # a gr.Dataframe value


def _lines(text: str) -> str:
    """Escaped text with line breaks as <br>, no blank lines (keeps a Markdown HTML block intact)."""
    return "<br>".join(escape(line) for line in text.strip().splitlines())


def snippet(text: str, n: int = SNIPPET_CHARS) -> str:
    """``text`` on one line, cut at a word boundary after at most ``n`` characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= n else flat[:n].rsplit(" ", 1)[0] + " …"


def where(p: Passage) -> str:
    """The file name, and the page when known."""
    bits = [Path(p.source).name]
    if p.page is not None:
        bits.append(f"p. {p.page}")
    return " · ".join(bits)


def scores(p: Passage) -> str:
    out = f"score {p.score:.3f}"
    if p.rerank_score is not None:
        out += f" · rerank {p.rerank_score:.3f}"
    return out


def passage_html(n: int, p: Passage, cited: bool = False) -> str:
    """A collapsible source card: number, file, scores, heading and snippet; the full text inside."""
    heading = f'<span class="rag-heading">{escape(p.heading)}</span>' if p.heading else ""
    mark = ' <span class="rag-cited">cited</span>' if cited else ""
    if p.ocr:
        mark += ' <span class="rag-ocr" title="Read by OCR from a scanned page or image: check the original">OCR</span>'
    return (
        f'<details class="rag-source"><summary>'
        f'<span class="rag-n">[{n}]</span> <b>{escape(where(p))}</b>{mark} '
        f'<span class="rag-score">{escape(scores(p))}</span>'
        f"{'<br>' + heading if heading else ''}"
        f'<br><span class="rag-snippet">{escape(snippet(p.text))}</span>'
        f'</summary><div class="rag-passage">{_lines(p.text)}</div></details>'
    )


def sources_html(passages: list[Passage], cited: list[int] | None = None, note: str = "") -> str:
    """The sources under an answer; ``cited``: 1-based numbers the answer cites (marked "cited")."""
    if not passages:
        return '<div class="rag-sources"><i>No passages were found for this question.</i></div>'
    cited_set = set(cited or [])
    head = f'<div class="rag-sources-title">Sources ({len(passages)}){escape(note)}</div>'
    items = "".join(passage_html(i, p, i in cited_set) for i, p in enumerate(passages, 1))
    return f'<div class="rag-sources">{head}{items}</div>'


def error_md(message: str, fix: str | None) -> str:
    """An error and its fix as Markdown (chat, delete and collection messages)."""
    out = f"⚠ **{message}**"
    if fix:
        out += f"\n\n**Fix:** {fix}"
    return out


def warnings_html(warnings: list[str]) -> str:
    """One warning banner per warning (a question in another language than the documents...)."""
    return "".join(banner_html("warn", "Note:", w) for w in warnings)


def search_html(result: SearchResult) -> str:
    """The Search tab's results: a head line (mode, collection, reranking), then one card per passage."""
    rr = result.reranker
    if result.reranked:
        note = f"reranked by {escape(str(rr.get('model')))}"
    else:
        note = f"not reranked: {escape(str(rr.get('skipped_reason') or 'reranker off'))}"
    mode = f"<b>{escape(result.mode_used)}</b>"
    if result.notice:
        mode += f' <span class="rag-warn">({escape(result.notice)})</span>'
    head = (
        f'<div class="rag-search-head">{len(result.passages)} passages · mode {mode}'
        f" · collection <code>{escape(result.collection)}</code> · {note}</div>"
    )
    head = warnings_html(result.warnings) + head
    if not result.passages:
        return head + "<p><i>No results.</i></p>"
    rows = "".join(passage_html(i, p) for i, p in enumerate(result.passages, 1))
    return f'<div class="rag-sources">{head}{rows}</div>'


def when(epoch: float | str | None) -> str:
    """A local date and time for an epoch timestamp; empty when there is none."""
    if epoch is None:
        return ""
    try:
        t = dt.datetime.fromtimestamp(float(epoch))
    except (ValueError, OverflowError, OSError):
        return ""
    return t.strftime("%Y-%m-%d %H:%M")


def doc_name(d: dict[str, Any]) -> str:
    """A document's name in lists: an attachment as "mail.eml › report.pdf"."""
    name = str(d["name"])
    return name.replace("#", " › ") if d.get("parent_id") else name


def documents_rows(docs: list[dict[str, Any]]) -> Rows:
    """The documents table: one row per document, in :data:`DOC_HEADERS` order."""
    return [
        [
            doc_name(d),
            d.get("title") or "",
            d.get("pages") or "",
            d["chunks"],
            when(d.get("ingested_at")),
            "ok" if d.get("complete", True) else "incomplete (re-ingest)",
        ]
        for d in docs
    ]


DOC_HEADERS = ["Name", "Title", "Pages", "Chunks", "Ingested", "State"]
UPLOAD_HEADERS = ["File", "Result", "Chunks"]


def progress_html(done: int, total: int, label: str) -> str:
    """A progress bar with its label."""
    pct = 0 if total <= 0 else min(100, round(100 * done / total))
    return (
        f'<div class="rag-progress"><div class="rag-progress-label">{escape(label)}</div>'
        f'<div class="rag-progress-track"><div class="rag-progress-bar" style="width:{pct}%"></div></div>'
        f"</div>"
    )


def banner_html(kind: str, title: str, detail: str, fix: str | None = None) -> str:
    """A banner (``kind``: info, warn or error) with an optional fix line."""
    fix_html = f'<div class="rag-fix"><b>Fix:</b> {escape(fix)}</div>' if fix else ""
    return (
        f'<div class="rag-banner rag-banner-{kind}"><b>{escape(title)}</b> {escape(detail)}{fix_html}</div>'
    )


def checks_rows(checks: list[dict[str, Any]]) -> Rows:
    """The Status tab's checks table (``rag doctor``'s checks as dicts)."""
    icon = {"ok": "ok", "warn": "warn", "fail": "FAIL"}
    return [
        [c["component"], icon.get(c["status"], c["status"]), c["detail"], c.get("fix") or ""] for c in checks
    ]
