"""``rag eval generate DOCS --n N``: draft a synthetic test set from the user's documents.

Ragas' own test-set generator needs tiktoken's BPE download (fails offline), so this is a small
generator over our loaders and chunker: the chunks of every supported file are listed in a fixed
order, ``N`` are sampled with ``random.Random(seed)`` (skipping fragments shorter than 40 words;
a Chinese, Japanese or Korean character counts as a word), or up to ``per_document`` from each
file, and the configured LLM writes one question and its answer from each chunk at temperature
0, in the passage's language, with a JSON schema where the endpoint supports it.

A **held-out filter** drops questions that copy their passage (:func:`copied`: most of the
question, or a run of :data:`COPY_RUN` words, verbatim in the passage), since a copied sentence
is found by keyword matching alone and says nothing about an embedder; ``spare`` extra chunks
make up for what is dropped. Replies are cached per (model, prompt, chunk) under ``cache_dir``,
so a second run costs no LLM call. Each row keeps the chunk as ``reference_contexts`` and is
marked ``"synthetic": true``: review the rows before trusting scores computed on them.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from eval.judge import extract_json
from eval.retrieval import tokens
from rag_app.answering.refusal import question_language
from rag_app.components.llm import ChatLLM, build_llm
from rag_app.errors import RagError
from rag_app.progress import NoProgress, Progress, Step
from rag_app.settings import Settings

MIN_WORDS = 40  # words; each Chinese/Japanese/Korean character counts as one
COPY_SHARE = 0.7  # held out: a question with this share of its words in one verbatim run of the passage
COPY_RUN = 10  # ... or with a run of this many consecutive words of it (CJK characters count half)
PROMPT_VERSION = "2"  # part of the cache key: a new prompt drafts again
MAX_TOKENS = 200  # a question and a short answer fit; a runaway reply is cut
QUESTION_TOKENS = 64  # a question alone
LANGUAGE_NAMES = {"zh": "Simplified Chinese (简体中文)", "ko": "Korean (한국어)", "ja": "Japanese (日本語)"}

PROMPT = """You write exam questions about a document.

Passage (from {source}):
\"\"\"
{text}
\"\"\"

Write ONE question that this passage answers on its own, as a user of these documents would ask it
(do not mention "the passage" or "the text"), and its answer taken only from the passage, in one
or two sentences. Ask in your own words: do not copy a sentence of the passage into the question.
Write both in {language}. Reply as JSON: {{"question": "...", "answer": "..."}}"""

# Retrieval metrics need no reference answer: the bake-off asks for the question alone (the LLM,
# the slow part on a small machine, writes a third of the tokens). Measured on the Debian FAQ
# with Qwen2.5-Coder-0.5B: the instruction after the passage gives short questions; before it,
# the model tended to copy the passage; a worked example was copied instead.
QUESTION_PROMPT = """Passage (from {source}):
\"\"\"
{text}
\"\"\"

A user of these documents asks a short question (at most 15 words) whose answer is in the passage
above. Write that question in {language}, in the user's own words, not copied from the passage.
Reply as JSON: {{"question": "..."}}"""


class QA(BaseModel):
    question: str
    answer: str


class Question(BaseModel):
    question: str


def units(text: str) -> list[str]:
    """Words, with every Chinese, Japanese or Korean character counted as one (they use no spaces)."""
    return text.split() + [t for t in tokens(text) if len(t) == 1 and not t.isascii()]


def copied(question: str, passage: str) -> str | None:
    """Why ``question`` is a copy of ``passage`` (None when it is not): the longest run of its words
    found verbatim in the passage covers :data:`COPY_SHARE` of it, or :data:`COPY_RUN` words."""
    q, p = tokens(question), tokens(passage)
    if not q or not p:
        return None
    longest = 0
    previous = [0] * (len(p) + 1)
    for a in q:
        current = [0] * (len(p) + 1)
        for j, b in enumerate(p, start=1):
            if a == b:
                current[j] = previous[j - 1] + 1
                longest = max(longest, current[j])
        previous = current
    cjk = sum(1 for t in q if len(t) == 1 and not t.isascii()) > len(q) / 2  # a character is not a word
    if longest >= COPY_RUN * (2 if cjk else 1) or longest / len(q) >= COPY_SHARE:
        return f"{longest} of its {len(q)} {'characters' if cjk else 'words'} are a run of the passage"
    return None


def document_chunks(docs: str | Path, settings: Settings) -> list[dict[str, Any]]:
    """Every chunk of every supported file under ``docs``, in a stable order."""
    from ingest.chunker import Chunker
    from ingest.formats import load, supported

    root = Path(docs)
    files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file() and supported(p))
    chunker = Chunker(settings.chunking.chunk_size, settings.chunking.chunk_overlap, units)
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


def sample_chunks(
    chunks: list[dict[str, Any]], n: int, seed: int, per_document: int | None = None
) -> list[dict[str, Any]]:
    """``n`` chunks of at least ``MIN_WORDS`` words, drawn with ``random.Random(seed)``; with
    ``per_document``, at most that many from each document (every document gets its turn first)."""
    pool = [c for c in chunks if len(units(c["text"])) >= MIN_WORDS]
    rng = random.Random(seed)
    if per_document is None:
        return rng.sample(pool, min(n, len(pool)))
    by_doc: dict[str, list[dict[str, Any]]] = {}
    for c in pool:
        by_doc.setdefault(c["source"], []).append(c)
    picks = {src: rng.sample(group, min(per_document, len(group))) for src, group in sorted(by_doc.items())}
    ordered = [
        c
        for rank in range(per_document)
        for src in picks
        if rank < len(picks[src])
        for c in [picks[src][rank]]
    ]
    return ordered[:n]


def _cached(
    cache_dir: Path | None, key: str, draft: Callable[[], dict[str, Any]]
) -> tuple[dict[str, Any], bool]:
    """``draft()``'s reply, from ``cache_dir`` when it was drafted before; (reply, from the cache)."""
    if cache_dir is None:
        return draft(), False
    path = cache_dir / f"{hashlib.sha256(key.encode()).hexdigest()[:24]}.json"
    if path.is_file():
        try:
            return dict(json.loads(path.read_text(encoding="utf-8"))), True
        except ValueError:
            pass
    reply = draft()
    cache_dir.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(reply, ensure_ascii=False), encoding="utf-8")
    return reply, False


def generate_testset(
    settings: Settings,
    docs: str | Path,
    n: int,
    seed: int,
    progress: Progress | None = None,
    llm: ChatLLM | None = None,
    per_document: int | None = None,
    spare: int = 0,
    cache_dir: Path | None = None,
    with_answer: bool = True,
) -> tuple[list[dict[str, Any]], str]:
    """Draft up to ``n`` rows from ``docs``; returns (rows, a one-line report).

    ``with_answer=False``: questions only (rows without ``reference``): enough for retrieval
    metrics, and about three times less for the LLM to write.

    ``per_document``: at most that many chunks per document. ``spare``: chunks tried beyond ``n``
    to make up for replies that are unusable or copy their passage. ``cache_dir``: reuse replies.
    Progress: a ``generate`` step per chunk tried (item: the row's id; note: the question, or why
    it was dropped). ``llm``: the model that writes (default: ``llm:`` at temperature 0).
    """
    if n < 1:
        raise RagError("--n must be at least 1.")
    chunks = document_chunks(docs, settings)
    picked = sample_chunks(chunks, n + spare, seed, per_document)
    if not picked:
        raise RagError(
            f"No usable text in {docs} (need chunks of at least {MIN_WORDS} words).",
            fix="Point at a folder of supported documents (pdf, docx, html, md, txt...).",
        )
    report = progress or NoProgress()
    own = llm is None
    model = settings.llm.model
    counts = {"unusable": 0, "copied": 0, "cached": 0}
    rows: list[dict[str, Any]] = []
    writer = _Writer(llm, settings, with_answer)
    try:
        for i, chunk in enumerate(picked):
            if len(rows) >= n:
                break
            row_id = f"syn-{seed}-{i + 1}"
            key = "\n".join([model, PROMPT_VERSION, str(with_answer), chunk["source"], chunk["text"]])
            reply, hit = _cached(cache_dir, key, partial(writer.draft, chunk))
            counts["cached"] += hit
            question, answer = str(reply.get("question", "")).strip(), str(reply.get("answer", "")).strip()
            why = None
            if len(question) < 4 or (with_answer and not answer):
                why, kind = "the LLM's reply was not a usable question", "unusable"
            elif reason := copied(question, chunk["text"]):
                why, kind = f"held out: copies its passage ({reason})", "copied"
            if why:
                counts[kind] += 1
                report.update(Step("generate", i + 1, len(picked), item=row_id, status="skipped", note=why))
                continue
            rows.append({"id": row_id, "user_input": question, **({"reference": answer} if with_answer else {}),
                         "reference_contexts": [chunk["text"]], "source": chunk["source"], "synthetic": True})  # fmt: skip
            report.update(
                Step("generate", i + 1, len(picked), item=row_id, status="drafted", note=question[:80])
            )
    finally:
        if own:
            writer.close()
    summary = (
        f"{len(rows)} questions from {len(chunks)} chunks (seed {seed}); {counts['unusable']} skipped; "
        f"{counts['copied']} held out as copies of their passage; {counts['cached']} replies from the cache; "
        f"model {model}"
    )
    return rows, summary


class _Writer:
    """The LLM that drafts a question from a chunk (started on first use; JSON mode once the endpoint
    refuses JSON schemas)."""

    def __init__(self, llm: ChatLLM | None, settings: Settings, with_answer: bool = True) -> None:
        self._llm = llm
        self._settings = settings
        self._schema_ok = True
        self._prompt = PROMPT if with_answer else QUESTION_PROMPT
        self._reply: type[BaseModel] = QA if with_answer else Question
        self._max_tokens = MAX_TOKENS if with_answer else QUESTION_TOKENS

    def _model(self) -> ChatLLM:
        if self._llm is None:
            cfg = self._settings.llm.model_copy(update={"temperature": 0.0, "max_tokens": self._max_tokens})
            self._llm = build_llm(self._settings.model_copy(update={"llm": cfg}))
        return self._llm

    def draft(self, chunk: dict[str, Any]) -> dict[str, Any]:
        """``{"question", "answer"}`` from the LLM, or ``{}`` when its reply is not usable."""
        language = LANGUAGE_NAMES.get(question_language(chunk["text"]), "the language of the passage")
        prompt = self._prompt.format(source=chunk["source"], text=chunk["text"], language=language)
        messages = [{"role": "user", "content": prompt}]
        for use_schema in [True, False] if self._schema_ok else [False]:
            fmt: dict[str, Any] = (
                {
                    "type": "json_schema",
                    "json_schema": {"name": "QA", "schema": self._reply.model_json_schema()},
                }
                if use_schema
                else {"type": "json_object"}
            )
            try:
                text = self._model().complete(
                    messages, response_format=fmt, temperature=0.0, max_tokens=MAX_TOKENS
                )
            except RagError:
                if use_schema:
                    self._schema_ok = False  # the endpoint rejects json_schema: JSON mode from now on
                    continue
                raise
            try:
                return self._reply.model_validate_json(extract_json(text)).model_dump()
            except ValueError:
                return {}
        return {}

    def close(self) -> None:
        if self._llm is not None:
            self._llm.close()
