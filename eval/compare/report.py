"""A comparison's outputs: ``compare.md``, the terminal summary and ``compare.png``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from eval.compare.choice import QUALITY
from eval.report import pyplot
from eval.stats import fmt, fmt_agg


def plot_compare(results: list[dict[str, Any]], path: Path) -> Path | None:
    """Quality per metric (bars with 95% intervals) and quality vs latency; None without results."""
    if not results:
        return None
    plt = pyplot()
    labels = [r["label"].rsplit("/", 1)[-1][:28] for r in results]
    keys = [k for k in results[0]["retrieval"] if results[0]["retrieval"][k].get("mean") is not None]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4))
    width = 0.8 / max(1, len(results))
    for i, (r, lab) in enumerate(zip(results, labels, strict=True)):
        means = [r["retrieval"][k]["mean"] or 0 for k in keys]
        lows = [m - (r["retrieval"][k]["ci95"] or [m, m])[0] for k, m in zip(keys, means, strict=True)]
        highs = [(r["retrieval"][k]["ci95"] or [m, m])[1] - m for k, m in zip(keys, means, strict=True)]
        xs = [j + i * width for j in range(len(keys))]
        ax1.bar(xs, means, width, yerr=[lows, highs], capsize=3, label=lab)
    ax1.set_xticks([j + width * (len(results) - 1) / 2 for j in range(len(keys))], keys)
    ax1.set_ylim(0, 1.05)
    ax1.set_title("retrieval quality (95% CI)")
    ax1.legend(fontsize=8)
    for r, lab in zip(results, labels, strict=True):
        q = r["retrieval"].get(QUALITY, {}).get("mean")
        lat = r["query_ms"]["p50"]
        if q is not None and lat is not None:
            ax2.scatter([lat], [q], s=60)
            ax2.annotate(
                f"{lab} ({r['dimension']}d)", (lat, q), fontsize=8, xytext=(4, 4), textcoords="offset points"
            )
    ax2.set_xlabel("query latency p50 (ms, embed + search)")
    ax2.set_ylabel(QUALITY)
    ax2.set_title("quality vs latency")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def _mb(n: int | None) -> str:
    """Bytes as ``12.3 MB`` or ``456 kB``."""
    if n is None:
        return "–"
    return f"{n / 1e6:.1f} MB" if n >= 1e6 else f"{n / 1e3:.0f} kB"


def _significance(best: dict[str, Any]) -> list[str]:
    """The paired test between the top two, in words."""
    top = best.get("top_two")
    if not top:
        return []
    lo, hi = top["ci95"]
    verdict = (
        "**a real difference** (the 95% interval of the difference excludes 0)"
        if top["distinguishable"]
        else "**not distinguishable** on these questions (the 95% interval of the difference includes 0)"
    )
    return [
        f"**Top two:** {top['a']} vs {top['b']}: paired nDCG@10 difference {top['mean_diff']:+.3f} "
        f"[{lo:+.3f}, {hi:+.3f}] over {top['n']} questions (p = {top['p']:.3f}): {verdict}.  ",
    ]


def _ingest(r: dict[str, Any]) -> str:
    if r["ingest_seconds"] is None:
        return "reused"
    speed = r.get("ingest_chunks_per_s")
    return fmt(r["ingest_seconds"], 1) + (f" ({speed:g}/s)" if speed else "")


def render_markdown(result: dict[str, Any]) -> str:
    """``compare.md``: the table of figures, the choice, the recommendation and how figures were taken."""
    res = result["embedders"]
    keys = list(res[0]["retrieval"]) if res else []
    lines = [
        f"# Embedder comparison: {result['run']}",
        "",
        f"- dataset `{result['dataset']}` ({result['questions']} questions), documents `{result['docs']}`",
        f"- search mode {result['mode']}, reranking {'on' if result['rerank'] else 'off'}",
        *(
            [
                f"- index: its own, `{result['index']['uri']}` (collection prefix `{result['index']['collection_prefix']}`)"
            ]
            if result.get("index")
            else []
        ),
        "",
        "| embedder | dim | "
        + " | ".join(keys)
        + " | query p50 / p95 ms | ingest s (chunks/s) | index size | load RSS |",
        "|---|---:|" + "---|" * len(keys) + "---|---:|---:|---:|",
    ]
    for r in res:
        cells = []
        for k in keys:
            a = r["retrieval"][k]
            cells.append(
                f"{fmt(a['mean'])} [{a['ci95'][0]:.2f}, {a['ci95'][1]:.2f}]"
                if a.get("ci95")
                else fmt(a.get("mean"))
            )
        lines.append(
            f"| {r['label']} | {r['dimension']} | "
            + " | ".join(cells)
            + f" | {fmt(r['query_ms']['p50'], 1)} / {fmt(r['query_ms']['p95'], 1)} | {_ingest(r)} | "
            f"{_mb(r['index_bytes'])} | {_mb(r['model_load_rss_bytes'])} |"
        )
    if any("ragas" in r for r in res):
        lines += ["", "## Ragas metrics", ""]
        for r in res:
            lines.append(
                f"- **{r['label']}**: "
                + "; ".join(f"{m} {fmt_agg(a)}" for m, a in r.get("ragas", {}).items())
            )
    best = result["best"]
    lines += [
        "",
        f"**Best for quality:** {best['quality']}  ",
        f"**Best quality/latency trade-off:** {best['tradeoff']}  ",
        *_significance(best),
        f"_Rule: {best['rule']}._",
        *(
            [
                "",
                "Not distinguishable from the best on this dataset: "
                + ", ".join(best["not_distinguishable"])
                + ". Prefer the cheaper one unless a larger test set separates them.",
            ]
            if best.get("not_distinguishable")
            else []
        ),
    ]
    if best.get("recommended"):
        lines += [
            "",
            "## Recommendation",
            "",
            f"**{best['recommended']}**: {best.get('reason', '')}.",
            "",
            "To use it, put these lines in `config.yaml` (then `rag ingest` your documents: a new collection "
            "is built next to the current one):",
            "",
            "```yaml",
            best.get("config", ""),
            "```",
        ]
    lines += [
        "",
        "Index size: "
        + (
            res[0]["index_size_how"].split(" under ")[0] + " of each collection's folder in Milvus Lite"
            if res
            else ""
        )
        + "; load RSS: process resident memory delta while loading the model "
        "(approximate). Ingest time 'reused' means the collection already held these documents "
        "(use --rebuild to time a fresh ingest).",
    ]
    auto = result.get("auto")
    if auto:
        sec = auto["seconds"]
        lines += [
            "",
            "## The bake-off",
            "",
            f"- test set: `{auto['testset']}`, {auto['questions']} questions drafted from the documents "
            f"(up to {auto['per_document']} per document): {auto['drafting']}",
            f"- candidates: {', '.join(auto['candidates'])}",
            f"- time: {sec['draft']} s drafting questions, {sec['measure']} s measuring, {sec['total']} s in all",
        ]
    if result.get("adopted"):
        lines += ["", f"**Adopted:** {result['adopted']['note']}"]
    if result.get("plot"):
        lines += ["", f"![comparison]({result['plot']})"]
    if result["questions"] < 30:
        lines.append(
            f"\n_With {result['questions']} questions, overlapping intervals mean no demonstrated difference._"
        )
    return "\n".join(lines) + "\n"


def render_text(result: dict[str, Any]) -> str:
    """The terminal summary of ``rag eval compare``: one line per embedder (and mode), the choice,
    the recommendation with its config lines, the report."""
    lines = [
        f"Compared {len(result['embedders'])} embedders on {result['questions']} questions -> {result['out_dir']}"
    ]
    for r in result["embedders"]:
        q = r["retrieval"]
        ingest = f"{r['ingest_seconds']:.1f} s" if r["ingest_seconds"] is not None else "reused"
        lines.append(
            f"  {r['label']:48} dim {r['dimension']:>4}  nDCG@10 {fmt(q.get('ndcg@10', {}).get('mean'))}  "
            f"MRR@10 {fmt(q.get('mrr@10', {}).get('mean'))}  p50 {fmt(r['query_ms']['p50'], 1)} ms  "
            f"p95 {fmt(r['query_ms']['p95'], 1)} ms  ingest {ingest}  index {_mb(r['index_bytes'])}  "
            f"load {_mb(r['model_load_rss_bytes'])}"
        )
    best = result["best"]
    lines.append(f"Best for quality: {best['quality']}")
    lines.append(f"Best quality/latency trade-off: {best['tradeoff']}")
    top = best.get("top_two")
    if top:
        verdict = "significant" if top["distinguishable"] else "not distinguishable"
        lo, hi = top["ci95"]
        lines.append(
            f"Top two ({top['a']} vs {top['b']}): nDCG@10 {top['mean_diff']:+.3f} [{lo:+.3f}, {hi:+.3f}], {verdict}"
        )
    if best.get("recommended"):
        lines.append(f"Recommended: {best.get('reason', best['recommended'])}")
        lines.append("config.yaml:")
        lines.extend(f"  {line}" for line in best.get("config", "").splitlines())
    auto = result.get("auto")
    if auto:
        sec = auto["seconds"]
        lines.append(
            f"Bake-off: {auto['questions']} questions drafted ({sec['draft']} s), measured in {sec['measure']} s, "
            f"{sec['total']} s in all. Test set: {auto['testset']}"
        )
    if result.get("adopted"):
        lines.append(f"Adopted: {result['adopted']['note']}")
    lines.append(f"Report: {Path(result['out_dir']) / 'compare.md'}")
    return "\n".join(lines)
