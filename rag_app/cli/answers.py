"""Commands that read the index: ``rag search``, ``rag ask``, ``rag chat``.

Document text, file names and the LLM's answers are printed through :func:`safe` (and JSON through
:func:`safe_json`): a document cannot drive the terminal with control sequences.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from rag_app.answering.answerer import Answer
from rag_app.cli.common import Ctx, err, open_pipeline, warn_reranker, where
from rag_app.cli.terminal import safe, safe_json
from rag_app.errors import RagError
from rag_app.pipeline import Pipeline
from rag_app.retrieval.filters import SearchFilters

F = TypeVar("F", bound=Callable[..., Any])


def _filter_options(f: F) -> F:
    f = click.option(
        "--doc", "docs", multiple=True, metavar="DOC_ID", help="Only this document id (repeatable)."
    )(f)
    f = click.option(
        "--type",
        "types",
        multiple=True,
        metavar="EXT",
        help="Only files of this type, e.g. pdf (repeatable).",
    )(f)
    f = click.option(
        "--source",
        "sources",
        multiple=True,
        metavar="GLOB",
        help="Only sources matching this path glob, e.g. 'docs/*.pdf' (repeatable).",
    )(f)
    return f


def _filters(sources: tuple[str, ...], types: tuple[str, ...], docs: tuple[str, ...]) -> SearchFilters | None:
    filters = SearchFilters(list(sources), list(types), list(docs))
    return filters or None


def _read_queries(path: str) -> list[str]:
    out = []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        if line.startswith("{"):
            try:
                row = json.loads(line)
                out.append(str(row["question"] if "question" in row else row["user_input"]))
            except (ValueError, KeyError, TypeError) as exc:
                raise RagError(
                    f"{path}:{n}: expected a JSON object with a 'question' (or 'user_input') field ({exc})."
                ) from exc
        else:
            out.append(line)
    return out


@click.command()
@click.argument("question", required=False)
@click.option("--top-k", type=int, default=None, help="Passages to return (default retrieval.top_k).")
@click.option("--mode", type=click.Choice(["dense", "sparse", "hybrid"]), default=None)
@click.option("--no-rerank", is_flag=True, help="Skip the cross-encoder.")
@click.option(
    "--queries",
    type=click.Path(exists=True, dir_okay=False),
    help="File of questions (JSONL with 'question', or one per line).",
)
@_filter_options
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def search(
    obj: Ctx,
    question: str | None,
    top_k: int | None,
    mode: str | None,
    no_rerank: bool,
    queries: str | None,
    sources: tuple[str, ...],
    types: tuple[str, ...],
    docs: tuple[str, ...],
    as_json: bool,
) -> None:
    """Show the ranked passages for a question, with their scores."""
    if not question and not queries:
        raise click.UsageError("Give a QUESTION or --queries FILE.")
    questions = _read_queries(queries) if queries else [str(question)]
    filters = _filters(sources, types, docs)
    with open_pipeline(obj.settings) as pipe:
        for q in questions:
            result = pipe.search(q, top_k=top_k, mode=mode, rerank=not no_rerank, filters=filters)
            if q is questions[0] and not no_rerank:
                warn_reranker(pipe, as_json)
            if q is questions[0] and result.notice:
                err(f"Warning: {result.notice}")
            if as_json:
                click.echo(safe_json(result.as_dict(), indent=None if queries else 2))
                continue
            for w in result.warnings:
                err(f"Warning: {w}")
            click.echo(safe(f"{result.mode_used} search in {result.collection}: {q}"))
            for i, p in enumerate(result.passages, start=1):
                d = p.as_dict()
                rr = f"  rerank {p.rerank_score:.3f}" if p.rerank_score is not None else ""
                click.echo(safe(f"\n[{i}] {where(d)}  score {p.score:.4f}{rr}"))
                snippet = " ".join(safe(p.text).split())
                click.echo(f"    {snippet[:400]}{'...' if len(snippet) > 400 else ''}")
            if not result.passages:
                click.echo("No passages found.")


def _short(text: str, n: int = 90) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= n else flat[: n - 1].rstrip() + "…"


def _print_evidence(answer: Answer) -> None:
    """Each sentence with the passage that supports it, or marked as not found in the sources."""
    g = answer.grounding
    if g is None or not g.sentences:
        return
    supported = sum(s.supported for s in g.sentences)
    click.echo(f"\nEvidence: {supported} of {len(g.sentences)} sentences found in the sources.")
    passages = answer.search.passages
    for s in g.sentences:
        if s.supported and s.passage is not None and s.span is not None:
            quote = passages[s.passage - 1].text[s.span[0] : s.span[1]]
            click.echo(f'  [{s.passage}] {_short(s.text, 60)}\n        \u2190 "{_short(quote)}"')
        else:
            click.echo(f"  [\u2717] {_short(s.text, 60)}  (NOT FOUND in the sources)")


def _print_sources(answer: Answer) -> None:
    passages = [p.as_dict() for p in answer.search.passages]
    if not passages:
        click.echo("\n(no passages were found for this question)")
        return
    if answer.refused:
        click.echo("\nClosest passages:")
        for n, p in enumerate(passages, start=1):
            click.echo(f"  [{n}] {where(p)}")
        return
    _print_evidence(answer)
    if answer.sources:
        click.echo("\nSources:")
        for n in answer.sources:
            note = "" if n in answer.cited else "  (supports the answer; the model did not cite it)"
            click.echo(safe(f"  [{n}] {where(passages[n - 1])}{note}"))
    else:
        click.echo("\nNo passage supports the answer. Retrieved:")
        for n, p in enumerate(passages, start=1):
            click.echo(safe(f"  [{n}] {where(p)}"))


def _stream_answer(
    pipe: Pipeline,
    question: str,
    as_json: bool,
    history: list[dict[str, str]] | None = None,
    filters: SearchFilters | None = None,
    indent: int | None = 2,
) -> Answer:
    result, tokens = pipe.answer(question, history=history, filters=filters)
    if not as_json:
        for w in result.warnings:
            err(f"Warning: {w}")
    if not as_json and result.condensed_from is not None and result.query != question:
        click.echo(safe(f"(searched for: {result.query})\n"), nl=False)
    parts = []
    for token in tokens:
        parts.append(token)
        if not as_json:
            click.echo(safe(token), nl=False)  # a sequence split over two tokens loses its ESC
    text = "".join(parts)
    answer = pipe.finish(question, text, result)
    if as_json:
        click.echo(safe_json(answer.as_dict(), indent=indent))
    else:
        click.echo()
        _print_sources(answer)
    return answer


@click.command()
@click.argument("question")
@_filter_options
@click.option("--json", "as_json", is_flag=True, help="Print the answer and sources as one JSON object.")
@click.pass_obj
def ask(
    obj: Ctx,
    question: str,
    sources: tuple[str, ...],
    types: tuple[str, ...],
    docs: tuple[str, ...],
    as_json: bool,
) -> None:
    """Answer a question from your documents, citing numbered sources."""
    with open_pipeline(obj.settings) as pipe:
        warn_reranker(pipe, as_json)
        _stream_answer(pipe, question, as_json, filters=_filters(sources, types, docs))


@click.command()
@_filter_options
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Read one question per line from stdin, print one ask-JSON object per answer (with condensed_query).",
)
@click.pass_obj
def chat(
    obj: Ctx, sources: tuple[str, ...], types: tuple[str, ...], docs: tuple[str, ...], as_json: bool
) -> None:
    """Interactive terminal chat over your documents (Ctrl-D or /quit to leave; /new forgets the history).

    Follow-up questions are rewritten with the conversation into a standalone query before the
    search (retrieval.condense); the rewritten query is shown. While it runs, other rag commands
    (e.g. `rag ingest`) share its Milvus Lite index.
    """
    filters = _filters(sources, types, docs)
    history: list[dict[str, str]] = []
    with open_pipeline(obj.settings, share_index=True) as pipe:
        collection = pipe.components.collection
        name = collection.open(create=False)
        if not as_json:
            info = collection.info()
            click.echo(
                f"Chatting with {info.documents} documents ({info.chunks} chunks) in {name}.\n"
                "Ask a question; /new starts over, /quit leaves."
            )
            warn_reranker(pipe, False)
            click.echo("Starting the LLM...", err=True)
        _ = pipe.components.llm  # starts the LLM now, not in the middle of the first question
        while True:
            try:
                if as_json:
                    raw = sys.stdin.readline()
                    if raw == "":  # end of input
                        break
                    question = raw.strip()
                else:
                    question = input("\nYou: ").strip()
            except (EOFError, KeyboardInterrupt):
                click.echo()
                break
            if not question:
                continue
            if question in ("/quit", "/exit", "/q"):
                break
            if question == "/new":
                history.clear()
                if not as_json:
                    click.echo("(new conversation)")
                continue
            if not as_json:
                click.echo("Assistant: ", nl=False)
            try:
                answer = _stream_answer(
                    pipe, question, as_json, history=history, filters=filters, indent=None
                )
            except RagError as exc:
                if as_json:
                    click.echo(safe_json({"question": question, "error": exc.message, "fix": exc.fix}))
                else:
                    err(f"\nError: {exc}")
                continue
            history += [{"role": "user", "content": question}, {"role": "assistant", "content": answer.text}]


COMMANDS = [search, ask, chat]
