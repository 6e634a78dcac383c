"""``rag eval`` commands. Keep imports here cheap: ragas and matplotlib load inside commands."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from rag_app.cli.common import settings_of


def _print_summary(summary: dict[str, Any], run_dir: Path) -> None:
    from eval.stats import fmt_agg

    click.echo(f"Evaluated {summary['questions']} questions in {summary['seconds']} s -> {run_dir}")
    judge = summary.get("judge")
    if judge:
        click.echo(
            f"Judge {judge['model']}: {judge['calls']} calls, {judge['failed_calls']} failed, {judge['seconds']} s"
        )
    for name, agg in summary["metrics"].items():
        extra = f", {agg['not_applicable']} n/a" if agg.get("not_applicable") else ""
        reasons = agg.get("failure_reasons") or {}
        why = f" [{', '.join(f'{k}: {v}' for k, v in reasons.items())}]" if reasons else ""
        click.echo(f"  {name:26} {fmt_agg(agg)}{why}{extra}")
    refusal = summary.get("refusal") or {}
    for label in ("answerable", "unanswerable"):
        if label in refusal:
            r = refusal[label]
            click.echo(
                f"  refused ({label}){'':<{13 - len(label)}} {r['refused']}/{r['n']} = {r['rate']:.1%}"
            )
    if refusal.get("policy"):
        click.echo(f"  refusal policy: {refusal['policy']}")
    click.echo(f"Report: {run_dir / 'report.md'}")


class _EvalGroup(click.Group):
    """``rag eval DATASET ...`` runs the hidden ``run`` command; ``rag eval compare ...`` etc. as usual."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = ["run", *args]
        return super().parse_args(ctx, args)


@click.group(cls=_EvalGroup)
def eval_group() -> None:
    """Evaluate answers and retrieval (Ragas + retrieval metrics), compare embedders.

    \b
    rag eval DATASET [--out DIR] [--json] [--limit N] [--no-ragas]
    rag eval compare DATASET --embedders A,B
    rag eval compare --auto DOCS [--adopt]
    rag eval generate DOCS --n N
    rag eval selftest

    Options of a DATASET run: rag eval DATASET --help.
    """


@eval_group.command("run", hidden=True)
@click.argument("dataset", type=click.Path())
@click.option(
    "--out",
    "out",
    type=click.Path(file_okay=False),
    default=None,
    help="Reports folder (default eval.out_dir).",
)
@click.option("--json", "as_json", is_flag=True, help="Print summary.json to stdout.")
@click.option("--limit", type=int, default=None, help="Only the first N questions.")
@click.option("--no-ragas", is_flag=True, help="Retrieval metrics only (no judge LLM).")
@click.option("--metrics", default=None, help="Comma list, e.g. faithfulness,context_recall (default: all).")
@click.option("--run", "run_name", default=None, help="Run folder name (default: a UTC timestamp).")
@click.option("--no-cache", is_flag=True, help="Ignore cached answers and judgments.")
@click.option(
    "--strictness",
    type=click.IntRange(1, 10),
    default=3,
    show_default=True,
    help="answer_relevancy: questions the judge generates back per answer (1 call each).",
)
@click.pass_context
def run_cmd(
    ctx: click.Context,
    dataset: str,
    out: str | None,
    as_json: bool,
    limit: int | None,
    no_ragas: bool,
    metrics: str | None,
    run_name: str | None,
    no_cache: bool,
    strictness: int,
) -> None:
    """Run the pipeline on every question of DATASET and score it (rag eval DATASET)."""
    from eval.progress_bars import progress_bars
    from eval.ragas_metrics import parse_metrics
    from eval.runner import run_eval

    settings = settings_of(ctx)
    chosen = parse_metrics(metrics, ragas=not no_ragas)
    with progress_bars(not as_json) as progress:
        result = run_eval(
            settings, dataset, out_dir=out, limit=limit, metrics=chosen, run_name=run_name,
            progress=progress, use_cache=not no_cache, strictness=strictness,
        )  # fmt: skip
    if as_json:
        click.echo(json.dumps(result.summary, indent=2, ensure_ascii=False))
    else:
        _print_summary(result.summary, result.run_dir)


@eval_group.command("compare")
@click.argument("dataset", type=click.Path(), required=False)
@click.option(
    "--auto",
    "auto_docs",
    type=click.Path(exists=True),
    default=None,
    help="The bake-off: draft questions from these documents, compare every installed embedder, recommend one.",
)
@click.option(
    "--embedders",
    default=None,
    help="Comma list: minilm, minilm-int8, mpnet, e5, provider:model[?key=value&...], a model id, or a "
    "YAML file with embedder:. Required with DATASET; with --auto the default is every installed one.",
)
@click.option(
    "--docs",
    type=click.Path(exists=True),
    default=None,
    help="Documents (default: docs/ beside the dataset).",
)
@click.option("--ragas", is_flag=True, help="Also answer and judge with Ragas (slow with a local judge).")
@click.option("--metrics", default=None, help="With --ragas: comma list of metrics.")
@click.option(
    "--mode",
    default=None,
    help="Search modes for the retrieval metrics, comma list of dense, sparse, hybrid (default: dense, which "
    "isolates the embedder; with --auto: dense,hybrid).",
)
@click.option("--rerank", is_flag=True, help="Rerank as configured (default off: compare embedders alone).")
@click.option(
    "--rebuild",
    is_flag=True,
    help="Drop and re-ingest the comparison's own collections (fresh ingest times).",
)
@click.option(
    "--per-doc",
    "per_doc",
    type=int,
    default=3,
    show_default=True,
    help="--auto: questions drafted per document.",
)
@click.option(
    "--max-questions", type=int, default=24, show_default=True, help="--auto: questions drafted in all."
)
@click.option("--seed", type=int, default=None, help="--auto: chunk sampling seed (default eval.seed).")
@click.option(
    "--adopt",
    is_flag=True,
    help="--auto: also build the winner's collection in your index (auto: and use it).",
)
@click.option("--limit", type=int, default=None)
@click.option("--out", type=click.Path(file_okay=False), default=None)
@click.option(
    "--run", "run_name", default=None, help="Run folder name (default: compare-/auto-<UTC timestamp>)."
)
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def compare_cmd(
    ctx: click.Context, dataset: str | None, auto_docs: str | None, embedders: str | None, docs: str | None,
    ragas: bool, metrics: str | None, mode: str | None, rerank: bool, rebuild: bool, per_doc: int,
    max_questions: int, seed: int | None, adopt: bool, limit: int | None, out: str | None,
    run_name: str | None, as_json: bool,
) -> None:  # fmt: skip
    """Compare embedders on the same documents and questions (quality, latency, size, memory).

    \b
    rag eval compare DATASET --embedders minilm,e5      your own questions (JSONL/CSV)
    rag eval compare --auto ~/my-docs                   questions drafted from the documents

    The comparison builds its collections in its own index (eval.milvus_uri, default
    data/eval-index/milvus.db): your collections are never touched, unless --adopt.
    """
    from eval.compare.report import render_text
    from eval.compare.run import run_compare
    from eval.progress_bars import progress_bars
    from eval.ragas_metrics import parse_metrics

    settings = settings_of(ctx)
    specs = [s.strip() for s in (embedders or "").split(",") if s.strip()]
    modes = [m.strip() for m in (mode or "").split(",") if m.strip()]
    bad = [m for m in modes if m not in ("dense", "sparse", "hybrid")]
    if bad:
        raise click.BadParameter(f"{', '.join(bad)}: use dense, sparse or hybrid.", param_hint="--mode")
    if auto_docs:
        if dataset or ragas or limit or docs:
            raise click.UsageError(
                "--auto DOCS drafts its own questions: give no DATASET, --docs, --limit or --ragas."
            )
        from eval.compare.auto import run_bakeoff

        with progress_bars(not as_json, "compare --auto") as progress:
            result = run_bakeoff(
                settings, auto_docs, specs or None, modes or None, per_document=per_doc,
                max_questions=max_questions, seed=seed, adopt=adopt, rebuild=rebuild, out_dir=out,
                run_name=run_name, progress=progress,
            )  # fmt: skip
    else:
        if not dataset:
            raise click.UsageError("Give a DATASET (with --embedders), or --auto DOCS.")
        if not specs:
            raise click.UsageError("--embedders needs at least one embedder (e.g. minilm,e5).")
        if adopt:
            raise click.UsageError("--adopt goes with --auto DOCS (the documents to build the winner from).")
        chosen = parse_metrics(metrics, ragas=True) if ragas else []
        with progress_bars(not as_json, "compare") as progress:
            result = run_compare(
                settings, dataset, specs, docs=docs, metrics=chosen, mode=modes or ["dense"], rerank=rerank,
                rebuild=rebuild, limit=limit, out_dir=out, progress=progress, run_name=run_name,
            )  # fmt: skip
    if as_json:
        click.echo(json.dumps(result, indent=2, ensure_ascii=False))
        return
    click.echo(render_text(result))


@eval_group.command("generate")
@click.argument("docs", type=click.Path(exists=True))
@click.option("--n", "n", type=int, required=True, help="Questions to draft.")
@click.option("--seed", type=int, default=None, help="Chunk sampling seed (default eval.seed).")
@click.option("--out", type=click.Path(dir_okay=False), default=None, help="JSONL file (default: stdout).")
@click.pass_context
def generate_cmd(ctx: click.Context, docs: str, n: int, seed: int | None, out: str | None) -> None:
    """Draft a synthetic test set (question, reference answer, reference context) from DOCS."""
    from eval.generate import generate_testset
    from eval.progress_bars import progress_bars

    settings = settings_of(ctx)
    seed = settings.eval.seed if seed is None else seed
    with progress_bars(True, "generate") as progress:
        rows, report = generate_testset(settings, docs, n, seed, progress=progress)
    if out:
        from eval.dataset import write_dataset

        write_dataset(rows, out)
        click.echo(
            f"Wrote {len(rows)} synthetic rows to {out} ({report}). Review them before trusting scores.",
            err=True,
        )
    else:
        for row in rows:
            click.echo(json.dumps(row, ensure_ascii=False))
        click.echo(report, err=True)


@eval_group.command("selftest")
@click.option(
    "--metrics",
    default=None,
    help="Comma list (default: the four LLM metrics, nonllm_context_recall, supported_share).",
)
@click.option("--pairs", type=int, default=None, help="Pairs per metric (default: all, 2).")
@click.option("--strictness", type=click.IntRange(1, 10), default=3, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def selftest_cmd(
    ctx: click.Context, metrics: str | None, pairs: int | None, strictness: int, as_json: bool
) -> None:
    """Planted good/bad pairs: does the configured judge rank the good case above the bad one?"""
    from eval.progress_bars import progress_bars
    from eval.selftest import render_selftest, run_selftest

    settings = settings_of(ctx)
    chosen = [m.strip() for m in metrics.split(",")] if metrics else None
    with progress_bars(not as_json, "selftest") as progress:
        result = run_selftest(settings, metrics=chosen, progress=progress, pairs=pairs, strictness=strictness)
    if as_json:
        click.echo(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        click.echo(render_selftest(result))
    sys.exit(0 if result["errors"] == 0 else 1)
