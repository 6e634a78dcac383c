"""Prompt text for answering with numbered, cited passages."""

from __future__ import annotations

from collections.abc import Sequence

from rag_app.types import Passage

SYSTEM = (
    "You are a careful assistant that answers questions about the user's private documents. "
    "Use only the numbered context passages. Cite every fact with the passage number in square "
    "brackets, like [1] or [2][3]. If the passages do not contain the answer, say that you could "
    "not find it in the documents. Be concise."
)


def passage_label(p: Passage) -> str:
    where = p.source.rsplit("/", 1)[-1]
    if p.page is not None:
        where += f", page {p.page}"
    if p.heading:
        where += f", section {p.heading}"
    return where


def build_messages(question: str, passages: Sequence[Passage], budget_chars: int) -> list[dict[str, str]]:
    """Numbered passages, trimmed to fit the LLM's context budget (best-ranked first)."""
    blocks: list[str] = []
    used = 0
    for i, p in enumerate(passages, start=1):
        block = f"[{i}] ({passage_label(p)})\n{p.text.strip()}"
        if used + len(block) > budget_chars:
            room = budget_chars - used
            if room < 200:
                break
            block = block[:room] + " ..."
        blocks.append(block)
        used += len(block)
    context = "\n\n".join(blocks) if blocks else "(no passages found)"
    user = (
        f"Context passages:\n\n{context}\n\nQuestion: {question}\n\n"
        "Using only the passages above, answer the question in one to three sentences and cite "
        "the supporting passage numbers in square brackets."
    )
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": user}]


CONDENSE_SYSTEM = (
    "You rewrite a user's follow-up question into one standalone search query. Use the conversation "
    "only to resolve what the follow-up refers to (pronouns like it/they/that, omitted subjects). "
    "Keep the user's own words and language. Do not answer the question. Reply with the rewritten "
    "question only, on one line."
)


def build_condense_messages(question: str, history: Sequence[dict[str, str]]) -> list[dict[str, str]]:
    """Messages asking the LLM for a standalone version of ``question`` given the chat ``history``."""
    lines = []
    for m in history:
        role = "User" if m.get("role") == "user" else "Assistant"
        text = " ".join(str(m.get("content", "")).split())
        if role == "Assistant" and len(text) > 600:
            text = text[:600] + " ..."
        lines.append(f"{role}: {text}")
    convo = "\n".join(lines)
    user = f"Conversation so far:\n{convo}\n\nFollow-up question: {question}\n\nStandalone question:"
    return [{"role": "system", "content": CONDENSE_SYSTEM}, {"role": "user", "content": user}]


def clean_condensed(text: str, fallback: str) -> str:
    """The model's rewrite as a single line; the original question when it produced nothing usable."""
    line = ""
    for candidate in text.strip().splitlines():
        candidate = candidate.strip()
        if candidate:
            line = candidate
            break
    for prefix in ("standalone question:", "question:", "rewritten question:", "query:"):
        if line.lower().startswith(prefix):
            line = line[len(prefix) :].strip()
    line = line.strip().strip('"').strip("'").strip()
    if len(line) < 3 or len(line) > max(400, 4 * len(fallback)):
        return fallback
    return line
