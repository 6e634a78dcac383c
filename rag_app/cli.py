"""The ``rag`` command line. Errors become messages here (``RAG_DEBUG=1`` shows tracebacks)."""

from __future__ import annotations

import json
import os
import sys
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, ClassVar, TypeVar

import click

from rag_app.config import Settings, load_settings, masked_dump
from rag_app.errors import RagError

F = TypeVar("F", bound=Callable[..., Any])


def _quiet_libraries() -> None:
    # Third-party progress bars and advisories would drown the answer; errors still surface.
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("TQDM_DISABLE", "1")
    os.environ.setdefault("GRPC_VERBOSITY", "ERROR")
    warnings.filterwarnings("ignore")
    import logging

    logging.getLogger("jieba").setLevel(logging.WARNING)  # its dictionary-loading chatter


def _err(text: str) -> None:
    click.echo(text, err=True)


class Ctx:
    def __init__(self, config: str | None) -> None:
        self.config = config
        self._settings: Settings | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = load_settings(self.config)
        return self._settings


@contextmanager
def _pipeline(ctx: Ctx, share_index: bool = False) -> Iterator[Any]:
    from rag_app.pipeline import build_pipeline

    pipe = build_pipeline(ctx.settings, share_index=share_index)
    try:
        yield pipe
    finally:
        pipe.close()


def _warn_reranker(pipe: Any, as_json: bool) -> None:
    """Say once per process that reranking is skipped, and why."""
    status = pipe.reranker_status
    if status.enabled and not status.available and not getattr(pipe, "_rerank_warned", False):
        pipe._rerank_warned = True
        _err(f"Warning: reranking skipped: {status.reason}")
        if status.fix and not as_json:
            _err(f"  Fix: {status.fix}")


def _where(p: dict[str, Any]) -> str:
    name = Path(p["source"]).name
    return f"{name}, page {p['page']}" if p.get("page") is not None else name


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config",
    type=click.Path(dir_okay=False),
    default=None,
    help="config.yaml to use (else $RAG_CONFIG, else ./config.yaml).",
)
@click.version_option(package_name="rag-app")
@click.pass_context
def cli(ctx: click.Context, config: str | None) -> None:
    """Private-document RAG: ingest files, search them, ask questions with cited answers."""
    ctx.obj = Ctx(config)


class _CliProgress:
    """A progress bar (files, chunks, rate, ETA) on a terminal; plain lines otherwise."""

    MARKS: ClassVar[dict[str, str]] = {
        "added": "+",
        "updated": "~",
        "unchanged": "=",
        "failed": "!",
        "skipped": "-",
        "deleted": "x",
    }

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.tty = enabled and sys.stderr.isatty()
        self.bar: Any = None
        self.chunks = 0

    def start(self, files: int) -> None:
        if not self.tty:
            return
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        self.bar = Progress(
            TextColumn("[bold]ingest"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("files · {task.fields[chunks]} chunks · {task.fields[rate]}"),
            TimeRemainingColumn(),
            transient=True,
        )
        self.bar.start()
        self.task = self.bar.add_task("ingest", total=files, chunks=0, rate="")
        self.t0 = time.monotonic()

    def file_done(self, path: Path, status: str, chunks: int) -> None:
        self.chunks += chunks
        if self.bar is not None:
            rate = self.chunks / max(time.monotonic() - self.t0, 1e-6)
            advance = 0 if status == "deleted" else 1
            self.bar.update(self.task, advance=advance, chunks=self.chunks, rate=f"{rate:.1f} chunks/s")
            if status in ("failed", "deleted"):
                self.bar.console.print(f"  {self.MARKS[status]} {status:9} {path}")
        elif self.enabled:
            _err(f"{status}: {path}" + (f" ({chunks} chunks)" if chunks else ""))

    def finish(self) -> None:
        if self.bar is not None:
            self.bar.stop()


@cli.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.option("--sync", is_flag=True, help="Also remove documents whose files are gone from these paths.")
@click.option(
    "--if-new",
    is_flag=True,
    help="Only ingest when the embedder's collection does not exist yet (first run).",
)
@click.pass_obj
def ingest(obj: Ctx, paths: tuple[str, ...], as_json: bool, sync: bool, if_new: bool) -> None:
    """Add, update (and with --sync remove) documents in the current embedder's collection."""
    from ingest.runner import ingest_paths

    with _pipeline(obj) as pipe:
        if if_new and pipe.store.exists(pipe.collection) and pipe.store.count(pipe.collection) > 0:
            if not as_json:
                _err(f"Collection {pipe.collection} already has documents; skipping (--if-new).")
            return
        report = ingest_paths(pipe, paths, sync=sync, progress=_CliProgress(enabled=not as_json))
    if as_json:
        click.echo(json.dumps(report.as_dict(), indent=2))
    else:
        for w in report.warnings:
            _err(f"Warning: {w}")
        click.echo(
            f"Ingested into {report.collection}: {report.added} added, {report.updated} updated, "
            f"{report.unchanged} unchanged, {report.deleted} deleted, {len(report.failed)} failed, "
            f"{len(report.skipped)} skipped; {report.chunks} chunks in {report.seconds:.1f} s."
        )
        for f in report.failed:
            click.echo(f"  FAILED {f['path']}: {f['error']}")
    sys.exit(report.exit_code)


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


def _filters(sources: tuple[str, ...], types: tuple[str, ...], docs: tuple[str, ...]) -> Any:
    from rag_app.retriever import SearchFilters

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


@cli.command()
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
    with _pipeline(obj) as pipe:
        for q in questions:
            result = pipe.search(q, top_k=top_k, mode=mode, rerank=not no_rerank, filters=filters)
            if q is questions[0] and not no_rerank:
                _warn_reranker(pipe, as_json)
            if as_json:
                click.echo(json.dumps(result.as_dict(), ensure_ascii=False, indent=None if queries else 2))
                continue
            click.echo(f"{result.mode} search in {result.collection}: {q}")
            for i, p in enumerate(result.passages, start=1):
                d = p.as_dict()
                rr = f"  rerank {p.rerank_score:.3f}" if p.rerank_score is not None else ""
                click.echo(f"\n[{i}] {_where(d)}  score {p.score:.4f}{rr}")
                snippet = " ".join(p.text.split())
                click.echo(f"    {snippet[:400]}{'...' if len(snippet) > 400 else ''}")
            if not result.passages:
                click.echo("No passages found.")


def _print_sources(answer: Any) -> None:
    passages = [p.as_dict() for p in answer.search.passages]
    if not passages:
        click.echo("\n(no passages were found for this question)")
        return
    if answer.sources:
        click.echo("\nSources:")
        for n in answer.sources:
            note = (
                "  (matched to the answer's wording; the model did not cite it)"
                if n in answer.inferred
                else ""
            )
            click.echo(f"  [{n}] {_where(passages[n - 1])}{note}")
    else:
        click.echo("\nThe answer cites no passage. Retrieved:")
        for n, p in enumerate(passages, start=1):
            click.echo(f"  [{n}] {_where(p)}")


def _stream_answer(
    pipe: Any,
    question: str,
    as_json: bool,
    history: list[dict[str, str]] | None = None,
    filters: Any = None,
    indent: int | None = 2,
) -> Any:
    from rag_app.pipeline import Answer

    result, tokens = pipe.answer(question, history=history, filters=filters)
    if not as_json:
        _warn_reranker(pipe, as_json)
        if result.condensed_from is not None and result.query != question:
            click.echo(f"(searched for: {result.query})\n", nl=False)
    parts = []
    for token in tokens:
        parts.append(token)
        if not as_json:
            click.echo(token, nl=False)
    text = "".join(parts)
    answer = Answer.from_text(question, text, result)
    if as_json:
        click.echo(json.dumps(answer.as_dict(), ensure_ascii=False, indent=indent))
    else:
        click.echo()
        _print_sources(answer)
    return answer


@cli.command()
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
    with _pipeline(obj) as pipe:
        if as_json:
            _warn_reranker(pipe, as_json)
        _stream_answer(pipe, question, as_json, filters=_filters(sources, types, docs))


@cli.command()
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
    with _pipeline(obj, share_index=True) as pipe:
        name = pipe.open_collection(create=False)
        if not as_json:
            info = pipe.store.info(name)
            click.echo(
                f"Chatting with {info.documents} documents ({info.chunks} chunks) in {name}.\n"
                "Ask a question; /new starts over, /quit leaves."
            )
            _warn_reranker(pipe, False)
            click.echo("Starting the LLM...", err=True)
        _ = pipe.llm
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
                    click.echo(json.dumps({"question": question, "error": exc.message, "fix": exc.fix}))
                else:
                    _err(f"\nError: {exc}")
                continue
            history += [{"role": "user", "content": question}, {"role": "assistant", "content": answer.text}]


@cli.command()
@click.option("--json", "as_json", is_flag=True)
@click.option("--no-llm", is_flag=True, help="Skip starting/pinging the LLM.")
@click.pass_obj
def doctor(obj: Ctx, as_json: bool, no_llm: bool) -> None:
    """Check every configured component and say how to fix what is not usable."""
    from rag_app.doctor import run_checks

    checks = run_checks(obj.settings, check_llm=not no_llm)
    if as_json:
        click.echo(json.dumps([c.as_dict() for c in checks], indent=2))
    else:
        marks = {"ok": "OK  ", "warn": "WARN", "fail": "FAIL"}
        for c in checks:
            click.echo(f"[{marks[c.status]}] {c.component:14} {c.detail}")
            if c.fix:
                click.echo(f"       {'':14} fix: {c.fix}")
    sys.exit(1 if any(c.status == "fail" for c in checks) else 0)


@cli.command("config")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def show_config(obj: Ctx, as_json: bool) -> None:
    """Print the effective configuration (secrets masked)."""
    import yaml

    data = masked_dump(obj.settings)
    click.echo(json.dumps(data, indent=2) if as_json else yaml.safe_dump(data, sort_keys=False).rstrip())


@cli.group()
def collections() -> None:
    """List or drop Milvus collections (one per embedder)."""


@collections.command("list")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def collections_list(obj: Ctx, as_json: bool) -> None:
    from rag_app.store import MilvusStore

    settings = obj.settings
    from rag_app.config import secret

    store = MilvusStore(settings.milvus_uri, secret(settings.milvus.token_env))
    infos = store.collections()
    if as_json:
        click.echo(
            json.dumps(
                [
                    {
                        "name": i.name,
                        "embedder": i.embedder,
                        "dimension": i.dimension,
                        "documents": i.documents,
                        "chunks": i.chunks,
                        "fingerprint": i.fingerprint,
                    }
                    for i in infos
                ],
                indent=2,
            )
        )
        return
    if not infos:
        click.echo("No collections yet. `rag ingest PATH` builds one for the configured embedder.")
        return
    click.echo(f"{'collection':44} {'embedder':52} {'dim':>5} {'docs':>6} {'chunks':>7}")
    for i in infos:
        click.echo(f"{i.name:44} {i.embedder:52} {i.dimension or '-':>5} {i.documents:>6} {i.chunks:>7}")


@collections.command("drop")
@click.argument("name")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.pass_obj
def collections_drop(obj: Ctx, name: str, yes: bool) -> None:
    from rag_app.config import secret
    from rag_app.store import MilvusStore

    settings = obj.settings
    if not yes:
        click.confirm(f"Drop collection {name} and all its chunks?", abort=True)
    MilvusStore(settings.milvus_uri, secret(settings.milvus.token_env)).drop(name)
    click.echo(f"Dropped {name}.")


def _serve_until_interrupted(cleanup: Callable[[], None]) -> None:
    """Block until SIGINT (Ctrl-C) or SIGTERM, then clean up what this process started; the process
    is gone within 8 s of the signal even when cleanup hangs on a loaded machine."""
    from rag_app.process import Shutdown

    with Shutdown(grace=8.0) as shutdown:
        while not shutdown.wait(1.0):
            pass
        cleanup()


@cli.group()
def milvus() -> None:
    """The Milvus index."""


@milvus.command("serve")
@click.pass_obj
def milvus_serve(obj: Ctx) -> None:
    """Hold the Milvus Lite index open so several rag processes can use it at once (Ctrl-C stops)."""
    from rag_app.config import secret
    from rag_app.store import MilvusStore

    s = obj.settings
    store = MilvusStore(s.milvus_uri, secret(s.milvus.token_env), share=True)
    if store.shared_from:
        click.echo(f"Already served by pid {store.shared_from.get('pid')} at {store.shared_from.get('uri')}.")
        return
    click.echo(f"Serving {s.milvus_uri} to other rag processes on 127.0.0.1. Ctrl-C to stop.")
    _serve_until_interrupted(store.close)


@cli.group()
def llm() -> None:
    """The local llama.cpp server."""


@llm.command("serve")
@click.pass_obj
def llm_serve(obj: Ctx) -> None:
    """Run the local LLM server in the foreground; other rag commands reuse it."""
    from rag_app.components.llm import local_model_path
    from rag_app.llm_server import LocalLLMServer

    s = obj.settings
    server = LocalLLMServer(
        local_model_path(s), s.data_dir, s.llm.context_window, s.llm.threads, s.llm.startup_timeout
    )
    base = server.ensure()
    if not server.owned:
        click.echo(f"Already running at {base}/v1 (started by another rag process).")
        return
    click.echo(f"Local LLM ({s.llm.model}) at {base}/v1. Ctrl-C to stop.")
    _serve_until_interrupted(server.close)


@cli.command()
@click.option("--host", default=None, help="Bind address (default ui.host, 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port (default ui.port, 7860).")
@click.pass_obj
def ui(obj: Ctx, host: str | None, port: int | None) -> None:
    """Open the browser UI (chat, documents, search, status) and its HTTP API."""
    from ui import launch  # gradio loads only for this command

    launch(obj.settings, host=host, port=port)


def _register_eval() -> None:
    # eval/ owns its commands; importing eval.cli must stay cheap (no ragas at import time).
    from eval.cli import eval_group

    cli.add_command(eval_group, name="eval")


_register_eval()


def main() -> None:
    _quiet_libraries()
    try:
        cli(standalone_mode=False)
    except click.exceptions.Abort:
        _err("Aborted.")
        sys.exit(1)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except RagError as exc:
        if os.environ.get("RAG_DEBUG"):
            raise
        _err(f"Error ({type(exc).__name__}): {exc.message}")
        if exc.fix:
            _err(f"Fix: {exc.fix}")
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        _err("Interrupted.")
        sys.exit(130)


if __name__ == "__main__":
    main()
