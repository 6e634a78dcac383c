"""Answers as safe HTML, each sentence tied to its evidence; source cards with the evidence highlighted.

An answer is model output that may repeat what a document planted, so it is never rendered as
Markdown: the text is escaped (no image, link or HTML can come through; ``**bold**`` and
```code``` are the only formatting kept) and wrapped in one ``<div>`` without blank lines, so the
chatbot's Markdown pass leaves it alone. A supported sentence links to its source card
(``rag-to-<card id>``; :data:`CHAT_JS` opens the card and scrolls to the highlighted span); an
unsupported one is marked "not found in the sources".
"""

from __future__ import annotations

import re
import uuid
from html import escape

from rag_app.answering.citations import CITATION
from rag_app.answering.grounding import Grounding
from rag_app.types import Passage
from ui.render import scores, snippet, where

NOT_FOUND = "not found in the sources"

# Runs once per page load: clicking a supported sentence opens its source card at the highlighted span.
# (The chatbot's sanitiser drops data-* attributes: the link is carried in class names.)
CHAT_JS = """() => {
  document.addEventListener('click', (event) => {
    const link = event.target.closest('.rag-supported');
    if (!link) return;
    const cls = (prefix) => [...link.classList].find((c) => c.startsWith(prefix)) || '';
    const card = document.getElementById(cls('rag-to-').slice(7));
    if (!card) return;
    event.preventDefault();
    card.open = true;
    const mark = card.querySelector('mark.' + cls('rag-k-')) || card;
    mark.scrollIntoView({block: 'center', behavior: 'smooth'});
    mark.classList.add('rag-flash');
    setTimeout(() => mark.classList.remove('rag-flash'), 1600);
  });
}"""

_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
_CODE = re.compile(r"`([^`\n]+)`")


def safe_text(text: str) -> str:
    """Model text as inert HTML: escaped, ``**bold**`` and ```code``` kept, line breaks as ``<br>``."""
    out = escape(text)
    out = _CODE.sub(r"<code>\1</code>", out)
    out = _BOLD.sub(r"<b>\1</b>", out)
    return re.sub(r"\n\s*", "<br>", out.strip("\n"))


def streaming_html(text: str) -> str:
    """An answer while it streams: escaped, not yet checked."""
    return f'<div class="rag-answer">{safe_text(text) or "…"}</div>'


def new_answer_id() -> str:
    """A prefix for the element ids of one answer (several answers share a page)."""
    return "a" + uuid.uuid4().hex[:8]


def card_id(answer_id: str, n: int) -> str:
    return f"rag-{answer_id}-src-{n}"


def answer_html(text: str, grounding: Grounding | None, answer_id: str) -> str:
    """The finished answer: each supported sentence links to its card, unsupported ones are marked."""
    if grounding is None or not grounding.sentences:
        return f'<div class="rag-answer">{safe_text(text) or "(no answer)"}</div>'
    parts: list[str] = []
    pos = 0
    for k, s in enumerate(grounding.sentences):
        parts.append(safe_text(text[pos : s.start]) if s.start > pos else "")
        # The model's own [n] markers give way to the passage that really supports the sentence.
        body = safe_text(CITATION.sub("", text[s.start : s.end]))
        if s.supported and s.passage is not None:
            parts.append(
                f'<span class="rag-sent rag-supported rag-to-{card_id(answer_id, s.passage)} rag-k-{k}" '
                f'title="Supported by source [{s.passage}]: click to see the passage">'
                f'{body}<sup class="rag-ev">[{s.passage}]</sup></span>'
            )
        else:
            parts.append(
                f'<span class="rag-sent rag-unsupported" title="No passage supports this sentence">{body}'
                f' <span class="rag-nf">{NOT_FOUND}</span></span>'
            )
        pos = s.end
    parts.append(safe_text(text[pos:]))
    supported = sum(s.supported for s in grounding.sentences)
    total = len(grounding.sentences)
    summary = (
        f'<div class="rag-evidence-note">{supported} of {total} sentence{"s" if total != 1 else ""} '
        f"found in the sources{'' if supported == total else ' · marked sentences are not'}</div>"
    )
    return f'<div class="rag-answer">{"".join(parts)}{summary}</div>'


def refusal_html(text: str, relevance: float | None = None) -> str:
    """A refused question: the refusal, set apart from an answer, with how close the best passage came."""
    note = ""
    if relevance is not None:
        note = f'<div class="rag-evidence-note">closest passage: similarity {relevance:.2f} (too low to answer from)</div>'
    return f'<div class="rag-answer rag-refused">{safe_text(text)}{note}</div>'


def _highlighted(text: str, marks: list[tuple[int, int, int]]) -> str:
    """``text`` escaped, with each ``(start, end, sentence)`` span in a ``<mark>`` (overlaps merged)."""
    merged: list[tuple[int, int, list[int]]] = []
    for start, end, k in sorted(marks):
        if merged and start <= merged[-1][1]:
            s, e, ks = merged[-1]
            merged[-1] = (s, max(e, end), [*ks, k])
        else:
            merged.append((start, end, [k]))
    out, pos = [], 0
    for start, end, ks in merged:
        out.append(escape(text[pos:start]))
        ids = " ".join(f"rag-k-{k}" for k in ks)
        out.append(f'<mark class="rag-mark {ids}">{escape(text[start:end])}</mark>')
        pos = end
    out.append(escape(text[pos:]))
    return "<br>".join(line for line in "".join(out).strip().splitlines())


def evidence_cards_html(
    passages: list[Passage],
    grounding: Grounding | None,
    answer_id: str,
    cited: list[int] | None = None,
    note: str = "",
    title: str = "Sources",
) -> str:
    """The source cards under an answer; in a card that supports a sentence, the span is marked."""
    if not passages:
        return '<div class="rag-sources"><i>No passages were found for this question.</i></div>'
    marks: dict[int, list[tuple[int, int, int]]] = {}
    for k, s in enumerate(grounding.sentences if grounding else []):
        if s.supported and s.passage is not None and s.span is not None:
            marks.setdefault(s.passage, []).append((s.span[0], s.span[1], k))
    cited_set = set(cited or [])
    head = f'<div class="rag-sources-title">{escape(title)} ({len(passages)}){escape(note)}</div>'
    cards = []
    for n, p in enumerate(passages, start=1):
        tags = ""
        if n in marks:
            tags += ' <span class="rag-supports">evidence</span>'
        if n in cited_set:
            tags += ' <span class="rag-cited">cited</span>'
        heading = f'<br><span class="rag-heading">{escape(p.heading)}</span>' if p.heading else ""
        cards.append(
            f'<details class="rag-source" id="{card_id(answer_id, n)}">'
            f'<summary><span class="rag-n">[{n}]</span> <b>{escape(where(p))}</b>{tags} '
            f'<span class="rag-score">{escape(scores(p))}</span>{heading}'
            f'<br><span class="rag-snippet">{escape(snippet(p.text))}</span></summary>'
            f'<div class="rag-passage">{_highlighted(p.text, marks.get(n, []))}</div></details>'
        )
    return f'<div class="rag-sources">{head}{"".join(cards)}</div>'
