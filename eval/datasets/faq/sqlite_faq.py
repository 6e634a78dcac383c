"""The SQLite FAQ page -> ``docs/sqlite-faq.html`` without its questions, and one row per question."""

from __future__ import annotations

import html as htmlmod
import re
from pathlib import Path
from typing import Any

from eval.datasets.faq.passages import (
    CONTEXT_MIN_WORDS,
    REFERENCE_MAX_WORDS,
    capped,
    first_words,
    norm,
    sentences,
)

SQLITE_DOC = "sqlite-faq.html"

_SQ_TOC = re.compile(r"<ol class=nounderline>.*?</ol>", re.S)
_SQ_Q = re.compile(r'<a name="q(\d+)"></a>\s*<p><b>\((\d+)\)\s*(.*?)</b></p>\s*', re.S)


def plain(fragment: str) -> str:
    """An HTML fragment's text, entities decoded, whitespace collapsed."""
    return norm(htmlmod.unescape(re.sub(r"<[^>]+>", " ", fragment)))


def loader_lines(html_fragment: str) -> list[str]:
    """The lines the app's HTML loader extracts from a fragment (the same rules as the full page)."""
    from ingest.loaders.html import load_html

    doc = load_html(Path("x.html"), f"<html><body>{html_fragment}</body></html>".encode())
    return [line for s in doc.sections for line in s.text.splitlines() if line.strip()]


def build_sqlite(src: Path, docs: Path) -> list[dict[str, Any]]:
    """Write ``docs/sqlite-faq.html`` (question list and headings removed); return a row per question."""
    page = src.read_text(encoding="utf-8")
    # Answer of qN: from the end of its heading to the next anchor (or the end of the list).
    rows = []
    matches = list(_SQ_Q.finditer(page))
    for i, m in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else page.find("</ol>", m.end())
        end = end if end > 0 else len(page)
        answer_html = page[m.end() : end]
        lines = loader_lines(answer_html)
        units = [s for line in lines for s in sentences(line)]
        rows.append(
            {
                "id": f"sqlite-q{m.group(1)}",
                "user_input": plain(m.group(3)),
                "reference": capped(units, REFERENCE_MAX_WORDS) or norm(" ".join(lines)),
                "reference_contexts": [first_words(lines, CONTEXT_MIN_WORDS)],
                "source": SQLITE_DOC,
            }
        )
    out = _SQ_TOC.sub("", page, count=1)
    out = _SQ_Q.sub(lambda m: f'<a name="q{m.group(1)}"></a>\n', out)
    (docs / SQLITE_DOC).write_text(out, encoding="utf-8")
    return rows
