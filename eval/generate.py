"""``rag eval generate DOCS --n N``: draft a synthetic test set from the user's documents.

Ragas' own test-set generator needs tiktoken's BPE download (fails offline), so this is a small
generator over our loaders and chunker: the chunks of every supported file are listed in a fixed
order, ``N`` are sampled with ``random.Random(seed)`` (skipping fragments shorter than 40 words),
and the configured LLM writes one question and its answer from each chunk at temperature 0, with
a JSON schema where the endpoint supports it. Each row keeps the chunk as ``reference_contexts``
and is marked ``"synthetic": true``: review the rows before trusting scores computed on them.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from eval.judge import extract_json
from rag_app.components.llm import ChatLLM, build_llm
from rag_app.errors import RagError
from rag_app.progress import NoProgress, Progress, Step
from rag_app.settings import Settings

MIN_WORDS = 40

PROMPT = """You write exam questions about a document.

Passage (from {source}):
\"\"\"
{text}
\"\"\"

Write ONE question that this passage answers on its own, as a user of these documents would ask it
(do not mention "the passage" or "the text"), and its answer taken only from the passage, in one
or two sentences. Reply as JSON: {{"question": "...", "answer": "..."}}"""


class QA(BaseModel):
    question: str
    answer: str


def document_chunks(docs: str | Path, settings: Settings) -> list[dict[str, Any]]:
    """Every chunk of every supported file under ``docs``, in a stable order."""
    from ingest.chunker import Chunker
    from ingest.formats import load, supported

    root = Path(docs)
    files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file() and supported(p))
    chunker = Chunker(settings.chunking.chunk_size, settings.chunking.chunk_overlap, lambda t: t.split())
    out: list[dict[str, Any]] = []
    for f in files:
        try:
            doc = load(f, f.read_bytes())
        except Exception:  # an unreadable file is skipped here; `rag ingest` reports it
            continue
        for c in chunker.split(doc):
            out.append({"source": str(f.relative_to(root) if root.is_dir() else f.name), "page": c.page,
                        "heading": c.heading, "text": c.text})  # fmt: skip
    return out


def sample_chunks(chunks: list[dict[str, Any]], n: int, seed: int) -> list[dict[str, Any]]:
    """``n`` chunks of at least ``MIN_WORDS`` words, drawn with ``random.Random(seed)``."""
    pool = [c for c in chunks if len(c["text"].split()) >= MIN_WORDS]
    rng = random.Random(seed)
    return rng.sample(pool, min(n, len(pool)))


def generate_testset(
    settings: Settings,
    docs: str | Path,
    n: int,
    seed: int,
    progress: Progress | None = None,
    llm: ChatLLM | None = None,
) -> tuple[list[dict[str, Any]], str]:
    """Draft up to ``n`` rows from ``docs``; returns (rows, a one-line report).

    Progress: a ``generate`` step per sampled chunk (item: the row's id; note: the question, or
    why the chunk was skipped). ``llm``: the model that writes (default: ``llm:`` at temperature 0).
    """
    if n < 1:
        raise RagError("--n must be at least 1.")
    chunks = document_chunks(docs, settings)
    picked = sample_chunks(chunks, n, seed)
    if not picked:
        raise RagError(
            f"No usable text in {docs} (need chunks of at least {MIN_WORDS} words).",
            fix="Point at a folder of supported documents (pdf, docx, html, md, txt...).",
        )
    report = progress or NoProgress()
    own = llm is None
    if llm is None:
        cfg = settings.llm.model_copy(update={"temperature": 0.0, "max_tokens": 256})
        llm = build_llm(settings.model_copy(update={"llm": cfg}))
    rows: list[dict[str, Any]] = []
    failed = 0
    schema_ok = True
    try:
        for i, chunk in enumerate(picked):
            messages = [
                {"role": "user", "content": PROMPT.format(source=chunk["source"], text=chunk["text"])}
            ]
            qa = None
            for use_schema in [True, False] if schema_ok else [False]:
                fmt: dict[str, Any] = (
                    {"type": "json_schema", "json_schema": {"name": "QA", "schema": QA.model_json_schema()}}
                    if use_schema
                    else {"type": "json_object"}
                )
                try:
                    text = llm.complete(messages, response_format=fmt, temperature=0.0)
                except RagError:
                    if use_schema:
                        schema_ok = False  # the endpoint rejects json_schema: JSON mode from now on
                        continue
                    raise
                try:
                    qa = QA.model_validate_json(extract_json(text))
                except ValueError:
                    qa = None
                break
            row_id = f"syn-{seed}-{i + 1}"
            if qa is None or len(qa.question.strip()) < 8 or not qa.answer.strip():
                failed += 1
                report.update(
                    Step("generate", i + 1, len(picked), item=row_id, status="skipped",
                         note="the LLM's reply was not a usable question")
                )  # fmt: skip
                continue
            rows.append(
                {
                    "id": row_id,
                    "user_input": qa.question.strip(),
                    "reference": qa.answer.strip(),
                    "reference_contexts": [chunk["text"]],
                    "source": chunk["source"],
                    "synthetic": True,
                }
            )
            report.update(
                Step("generate", i + 1, len(picked), item=row_id, status="drafted",
                     note=qa.question.strip()[:80])
            )  # fmt: skip
    finally:
        if own:
            llm.close()
    summary = (
        f"{len(rows)} questions from {len(chunks)} chunks (seed {seed}); {failed} skipped; "
        f"model {settings.llm.model}"
    )
    return rows, summary
