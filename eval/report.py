"""Run reports: ``results.jsonl``, ``summary.json``, ``report.md`` and PNG plots (matplotlib Agg)."""

from __future__ import annotations

import json
import math
from pathlib import Path
from types import ModuleType
from typing import Any

from eval.ragas_metrics import METRICS
from eval.stats import fmt

RETRIEVAL_HELP = {
    "mrr@10": "1/rank of the first gold passage (top 10)",
    "ndcg@10": "rank-aware gain of gold passages (top 10)",
}


def metric_help(name: str) -> str:
    """What a metric measures, in a few words (empty for an unknown name)."""
    if name.startswith("recall@"):
        return f"share of gold passages found in the top {name.removeprefix('recall@')}"
    if name in RETRIEVAL_HELP:
        return RETRIEVAL_HELP[name]
    metric = METRICS.get(name)
    return metric.help if metric else ""


def pyplot() -> ModuleType:
    """matplotlib's pyplot on the Agg backend (files only, no display)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def metric_table(metrics: dict[str, Any]) -> list[str]:
    lines = [
        "| metric | mean | 95% CI | n | failed | not applicable | what it measures |",
        "|---|---:|---|---:|---:|---:|---|",
    ]
    for name, agg in metrics.items():
        ci = agg.get("ci95")
        ci_text = f"[{ci[0]:.3f}, {ci[1]:.3f}]" if ci else "–"
        failed = str(agg.get("failed", 0))
        if agg.get("failure_reasons"):
            failed += " (" + ", ".join(f"{k}: {v}" for k, v in agg["failure_reasons"].items()) + ")"
        lines.append(
            f"| {name} | {fmt(agg.get('mean'))} | {ci_text} | {agg.get('n', 0)} | {failed} | "
            f"{agg.get('not_applicable', 0)} | {metric_help(name)} |"
        )
    return lines


def plot_distributions(rows: list[dict[str, Any]], metrics: dict[str, Any], path: Path) -> Path | None:
    series: dict[str, list[float]] = {}
    for name, agg in metrics.items():
        vals: list[float] = []
        for r in rows:
            if agg.get("kind") == "retrieval":
                v = (r.get("retrieval") or {}).get(name)
            else:
                v = ((r.get("ragas") or {}).get(name) or {}).get("value")
            if v is not None and not math.isnan(v):
                vals.append(float(v))
        if vals:
            series[name] = vals
    if not series:
        return None
    plt = pyplot()
    n = len(series)
    cols = min(3, n)
    rows_n = math.ceil(n / cols)
    fig, axes = plt.subplots(rows_n, cols, figsize=(4 * cols, 2.8 * rows_n), squeeze=False)
    for ax, (name, vals) in zip(axes.flat, series.items(), strict=False):
        ax.hist(vals, bins=[i / 10 for i in range(11)], color="#4477aa", edgecolor="white")
        agg = metrics[name]
        title = f"{name}\nmean {fmt(agg.get('mean'))}, n={agg.get('n')}"
        if agg.get("failed"):
            title += f", {agg['failed']} failed"
        ax.set_title(title, fontsize=9)
        ax.set_xlim(0, 1)
    for ax in list(axes.flat)[n:]:
        ax.axis("off")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def plot_latency(rows: list[dict[str, Any]], path: Path) -> Path | None:
    stages: dict[str, list[float]] = {}
    for r in rows:
        for k, v in (r.get("timings_ms") or {}).items():
            stages.setdefault(k, []).append(float(v))
    if not stages:
        return None
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7, 3))
    names = list(stages)
    ax.boxplot([stages[k] for k in names], tick_labels=names, vert=False)
    ax.set_xlabel("ms per question")
    ax.set_title("latency per pipeline stage")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def refusal_lines(refusal: dict[str, Any]) -> list[str]:
    """How many answerable and unanswerable questions were refused (``answerable: false`` rows)."""
    groups = [g for g in ("answerable", "unanswerable") if g in refusal]
    if not groups:
        return []
    lines = ["## Refusals", "", f"Policy: {refusal.get('policy', '?')}.", "",
             "| questions | n | refused | rate |", "|---|---:|---:|---:|"]  # fmt: skip
    for g in groups:
        r = refusal[g]
        lines.append(f"| {g} | {r['n']} | {r['refused']} | {r['rate']:.1%} |")
    return [*lines, ""]


def render_markdown(summary: dict[str, Any], plots: list[str]) -> str:
    cfg = summary.get("config", {})
    judge = summary.get("judge") or {}
    lines = [
        f"# Evaluation report: {summary['run']}",
        "",
        f"- dataset: `{summary['dataset']}` ({summary['questions']} question{'s' if summary['questions'] != 1 else ''}"
        + (f", {summary['synthetic_questions']} synthetic" if summary.get("synthetic_questions") else "")
        + ")",
        f"- collection: `{cfg.get('collection')}` (embedder {cfg.get('embedder')}, mode {cfg.get('retrieval_mode')}, "
        f"top_k {cfg.get('top_k')}, reranker {cfg.get('reranker_config')})",
        f"- answering LLM: {cfg.get('llm')}",
    ]
    if judge:
        lines.append(
            f"- judge: `{judge.get('model')}` at {judge.get('base_url')} "
            f"(structured output: {judge.get('structured_output')}); {judge.get('calls')} calls, "
            f"{judge.get('failed_calls')} failed, {judge.get('seconds')} s"
        )
    else:
        lines.append("- judge: none (no LLM metrics in this run)")
    if summary.get("answer_errors"):
        lines.append(
            f"- **{summary['answer_errors']} question(s) could not be answered** (see results.jsonl)"
        )
    lines += [
        f"- created {summary['created']}, {summary['seconds']} s",
        "",
        "## Metrics",
        "",
        "Mean over questions with a value; the interval is a percentile bootstrap of the mean "
        f"({summary['bootstrap']['resamples']} resamples). **failed** judgments (parse errors, timeouts) "
        "are not in the mean and not counted as 0; **not applicable** rows lacked what the metric needs "
        "(e.g. no reference).",
        "",
        *metric_table(summary["metrics"]),
        "",
        *refusal_lines(summary.get("refusal") or {}),
        "## Latency (ms per question)",
        "",
        "| stage | p50 | p95 | mean | n |",
        "|---|---:|---:|---:|---:|",
    ]
    for stage, v in summary.get("latency_ms", {}).items():
        lines.append(
            f"| {stage} | {fmt(v['p50'], 1)} | {fmt(v['p95'], 1)} | {fmt(v['mean'], 1)} | {v['n']} |"
        )
    if plots:
        lines += ["", "## Plots", ""] + [f"![{p}]({p})" for p in plots]
    n = summary["questions"]
    if n < 30:
        lines += [
            "",
            f"_With {n} questions the intervals are wide: differences inside them are not evidence. "
            "A small local judge is noisy too; see docs/EVAL.md._",
        ]
    return "\n".join(lines) + "\n"


def write_run_report(run_dir: Path, rows: list[dict[str, Any]], summary: dict[str, Any]) -> None:
    run_dir.mkdir(parents=True, exist_ok=True)
    with (run_dir / "results.jsonl").open("w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    plots = []
    if plot_distributions(rows, summary["metrics"], run_dir / "metrics.png"):
        plots.append("metrics.png")
    if plot_latency(rows, run_dir / "latency.png"):
        plots.append("latency.png")
    summary["plots"] = plots
    (run_dir / "summary.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False), encoding="utf-8")
    (run_dir / "report.md").write_text(render_markdown(summary, plots), encoding="utf-8")


def latest_run(out_dir: Path) -> Path | None:
    runs = [p for p in out_dir.glob("*/summary.json") if p.is_file()]
    if not runs:
        return None
    return max(runs, key=lambda p: p.stat().st_mtime).parent


def latest_compare(out_dir: Path) -> Path | None:
    runs = [p for p in out_dir.glob("*/compare.json") if p.is_file()]
    if not runs:
        return None
    return max(runs, key=lambda p: p.stat().st_mtime).parent
