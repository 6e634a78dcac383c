"""Prompt text for answering with numbered, cited passages."""

from __future__ import annotations

from collections.abc import Sequence

from rag_app.answering.refusal import answer_language_instruction
from rag_app.types import Passage

SYSTEM = (
    "You are a careful assistant that answers questions about the user's private documents. "
    "Use only the numbered context passages. Cite every fact with the passage number in square "
    "brackets, like [1] or [2][3]. If the passages do not contain the answer, say that you could "
    "not find it in the documents. Answer in the language of the question. Be concise."
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
    language = answer_language_instruction(question)
    user = (
        f"Context passages:\n\n{context}\n\nQuestion: {question}\n\n"
        "Using only the passages above, answer the question in one to three sentences and cite "
        "the supporting passage numbers in square brackets." + (f" {language}" if language else "")
    )
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": user}]
