"""``rag eval`` commands. Keep imports here cheap: ragas and matplotlib load inside commands."""

from __future__ import annotations

import click


@click.group(invoke_without_command=False)
def eval_group() -> None:
    """Evaluate answers and retrieval (Ragas + retrieval metrics), compare embedders."""
