"""Choosing embedders: best quality, the paired test between the top two, the cheapest one as good,
the reason and the config lines."""

from __future__ import annotations

from typing import Any

from eval.compare.choice import choose_best, config_lines, paired


def _res(
    label: str,
    scores: list[float] | None,
    p50: float,
    mean: float | None = None,
    lo: float = 0.0,
    mode: str = "dense",
) -> dict[str, Any]:
    m = mean if mean is not None else (sum(scores) / len(scores) if scores else None)
    return {
        "label": label,
        "mode": mode,
        "embedder_settings": {"provider": "sentence-transformers", "model": f"org/{label}"},
        "query_ms": {"p50": p50},
        "retrieval": {"ndcg@10": {"mean": m, "ci95": [lo, 1.0]}, "mrr@10": {"mean": m}},
        **(
            {"per_question": {"ids": [str(i) for i in range(len(scores))], "ndcg@10": scores}}
            if scores
            else {}
        ),
    }


GOOD = [1.0, 1.0, 0.6, 1.0, 0.8, 1.0, 0.9, 1.0, 0.7, 1.0] * 3
SAME = [1.0, 0.9, 0.7, 1.0, 0.8, 1.0, 0.8, 1.0, 0.8, 0.9] * 3  # a hair lower, better on some questions
POOR = [0.0, 0.3, 0.0, 0.5, 0.0, 0.2, 0.0, 0.1, 0.0, 0.0] * 3


def test_a_clear_winner_is_recommended_with_the_paired_difference_and_speed() -> None:
    best = choose_best([_res("e5", GOOD, 30.0, mode="hybrid"), _res("minilm", POOR, 20.0)])
    assert best["quality"] == best["recommended"] == best["tradeoff"] == "e5"
    top = best["top_two"]
    assert top["a"] == "e5" and top["b"] == "minilm" and top["distinguishable"] and top["ci95"][0] > 0
    assert best["reason"].startswith("e5: ndcg@10 0.90 [0.00, 1.00] vs minilm 0.11 (paired difference +0.79")
    assert "a real difference" in best["reason"] and "1.5x slower per query than minilm" in best["reason"]
    assert best["config"] == (
        "embedder:\n  provider: sentence-transformers\n  model: org/e5\nretrieval:\n  mode: hybrid"
    )


def test_the_cheaper_of_two_indistinguishable_embedders_is_recommended() -> None:
    best = choose_best([_res("mpnet", GOOD, 60.0), _res("minilm", SAME, 12.0), _res("bad", POOR, 1.0)])
    assert best["quality"] == "mpnet" and best["recommended"] == best["tradeoff"] == "minilm"
    assert best["not_distinguishable"] == ["minilm"] and not best["top_two"]["distinguishable"]
    assert "is not distinguishable from the best, mpnet 0.90" in best["reason"]
    assert "5.0x faster per query than mpnet" in best["reason"]
    assert best["paired"]["bad"]["distinguishable"]


def test_rows_without_per_question_scores_fall_back_to_the_interval() -> None:
    best = choose_best(
        [_res("big", None, 40.0, 0.8, 0.6), _res("small", None, 8.0, 0.7), _res("bad", None, 1.0, 0.3)]
    )
    assert best["quality"] == "big" and best["tradeoff"] == "small" and best["top_two"] is None
    assert paired(_res("a", GOOD, 1.0), _res("b", None, 1.0, 0.5)) is None


def test_one_candidate_and_no_references() -> None:
    one = choose_best([_res("only", GOOD, 5.0)])
    assert one["recommended"] == "only" and one["reason"].endswith("(the only candidate measured)")
    none = choose_best([_res("a", None, 5.0)])
    assert none["quality"] is None and none["recommended"] is None and "reference_contexts" in none["rule"]


def test_config_lines_name_only_what_differs_from_the_defaults() -> None:
    row = {
        "mode": "dense",
        "embedder_settings": {"provider": "sentence-transformers", "model": "m", "quantize": "int8",
                              "query_prefix": "query: ", "passage_prefix": ""},
    }  # fmt: skip
    assert config_lines(row) == (
        "embedder:\n  provider: sentence-transformers\n  model: m\n  quantize: int8\n  query_prefix: 'query: '\n"
        "retrieval:\n  mode: dense"
    )
