"""Prompt variants measured by answer_bench.py (``--prompt``): the product's prompt and what it replaced.

- ``current``: ``rag_app.answering.prompts`` as shipped (delimited ``<source>`` blocks, rules, one
  worked cited example in a fixed system prompt).
- ``baseline``: the prompt before issue 11, verbatim (``[n] (file)`` blocks, no example).
- ``quote``: ``current`` that also asks the model to copy the passage's own words.
- ``no_example``: ``current`` without the worked example in the system prompt (the 0.5B sometimes
  answers with the example's own sentence).

The benchmark swaps ``rag_app.answering.answerer.build_messages`` for the variant's function.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rag_app.answering import prompts
from rag_app.answering.prompts import passage_label
from rag_app.types import Passage

Messages = list[dict[str, str]]

BASELINE_SYSTEM = (
    "You are a careful assistant that answers questions about the user's private documents. "
    "Use only the numbered context passages. Cite every fact with the passage number in square "
    "brackets, like [1] or [2][3]. If the passages do not contain the answer, say that you could "
    "not find it in the documents. Be concise."
)


def baseline(question: str, passages: Sequence[Passage]) -> Messages:
    blocks = [f"[{i}] ({passage_label(p)})\n{p.text.strip()}" for i, p in enumerate(passages, start=1)]
    context = "\n\n".join(blocks) if blocks else "(no passages found)"
    user = (
        f"Context passages:\n\n{context}\n\nQuestion: {question}\n\n"
        "Using only the passages above, answer the question in one to three sentences and cite "
        "the supporting passage numbers in square brackets."
    )
    return [{"role": "system", "content": BASELINE_SYSTEM}, {"role": "user", "content": user}]


def quote(question: str, passages: Sequence[Passage]) -> Messages:
    messages = prompts.build_messages(question, passages)
    messages[1]["content"] += " Use the sources' own words where you can."
    return messages


def no_example(question: str, passages: Sequence[Passage]) -> Messages:
    messages = prompts.build_messages(question, passages)
    system = prompts.SYSTEM.split("\n\nExample.")[0]
    assert system != prompts.SYSTEM, "the system prompt no longer has an 'Example.' block"
    messages[0]["content"] = system
    return messages


VARIANTS: dict[str, Callable[[str, Sequence[Passage]], Messages]] = {
    "current": prompts.build_messages,
    "baseline": baseline,
    "quote": quote,
    "no_example": no_example,
}
