"""Which embedder (and search mode) to pick: the best for quality, whether the top two really
differ, the cheapest one that is as good, and the ``config.yaml`` lines that apply it."""

from __future__ import annotations

from typing import Any

from eval.stats import paired_bootstrap

QUALITY = "ndcg@10"  # the retrieval metric that ranks embedders


def _mean(r: dict[str, Any]) -> float:
    return float(r["retrieval"][QUALITY]["mean"])


def _scores(r: dict[str, Any]) -> list[float] | None:
    per_q = r.get("per_question") or {}
    values = per_q.get(QUALITY)
    return list(values) if values else None


def paired(
    a: dict[str, Any], b: dict[str, Any], resamples: int = 1000, seed: int = 0
) -> dict[str, Any] | None:
    """Paired bootstrap of nDCG@10, ``a`` minus ``b``, over the questions both answered; None when
    the rows carry no per-question scores."""
    sa, sb = _scores(a), _scores(b)
    if sa is None or sb is None or len(sa) != len(sb):
        return None
    return {"a": a["label"], "b": b["label"], **paired_bootstrap(sa, sb, resamples, seed)}


def _speed(a: dict[str, Any], b: dict[str, Any]) -> str:
    """``1.4x slower per query than X`` / ``2.0x faster ...`` from p50 latencies."""
    pa, pb = a["query_ms"].get("p50"), b["query_ms"].get("p50")
    if not pa or not pb:
        return ""
    ratio = pa / pb
    word = "slower" if ratio >= 1 else "faster"
    return f"{max(ratio, 1 / ratio):.1f}x {word} per query than {b['label']}"


def _ci(r: dict[str, Any]) -> str:
    agg = r["retrieval"][QUALITY]
    lo, hi = agg.get("ci95") or (agg["mean"], agg["mean"])
    return f"{agg['mean']:.2f} [{lo:.2f}, {hi:.2f}]"


def config_lines(row: dict[str, Any]) -> str:
    """The ``config.yaml`` lines that make the app use ``row``'s embedder and search mode."""
    cfg = dict(row.get("embedder_settings") or {})
    lines = ["embedder:", f"  provider: {cfg.pop('provider', '')}", f"  model: {cfg.pop('model', '')}"]
    for key in ("quantize", "query_prefix", "passage_prefix", "pooling", "normalize", "base_url", "api_key_env", "dimension"):  # fmt: skip
        if key in cfg and cfg[key] not in (None, "", "none"):
            value = cfg[key]
            lines.append(
                f"  {key}: {value!r}"
                if isinstance(value, str) and value != value.strip()
                else f"  {key}: {value}"
            )
    if row.get("mode"):
        lines += ["retrieval:", f"  mode: {row['mode']}"]
    return "\n".join(lines)


def choose_best(results: list[dict[str, Any]], resamples: int = 1000, seed: int = 0) -> dict[str, Any]:
    """The choice among the result rows (one per embedder and search mode).

    - ``quality``: the highest mean nDCG@10 (ties: MRR@10);
    - ``top_two``: the paired bootstrap of nDCG@10 between the best and the runner-up; "not
      distinguishable" when its 95% interval of the difference includes 0;
    - ``tradeoff``: the fastest row (p50 query latency) not distinguishable from the best (paired;
      rows without per-question scores: mean inside the best one's 95% interval);
    - ``recommended``: that row, with ``reason`` and the ``config`` lines to apply it.
    """
    scored = [r for r in results if r["retrieval"].get(QUALITY, {}).get("mean") is not None]
    if not scored:
        return {
            "quality": None,
            "tradeoff": None,
            "recommended": None,
            "rule": "no reference_contexts: no retrieval quality",
        }
    ranked = sorted(
        scored, key=lambda r: (_mean(r), r["retrieval"].get("mrr@10", {}).get("mean") or 0), reverse=True
    )
    best = ranked[0]
    lo = (best["retrieval"][QUALITY].get("ci95") or [_mean(best)])[0]
    tests = {r["label"]: paired(best, r, resamples, seed) for r in ranked[1:]}

    def as_good(r: dict[str, Any]) -> bool:
        test = tests[r["label"]]
        return not test["distinguishable"] if test is not None else _mean(r) >= lo

    close = [best] + [r for r in ranked[1:] if as_good(r)]
    fastest = min(close, key=lambda r: r["query_ms"].get("p50") or float("inf"))
    top_two = tests[ranked[1]["label"]] if len(ranked) > 1 else None
    out: dict[str, Any] = {
        "quality": best["label"],
        "tradeoff": fastest["label"],
        "recommended": fastest["label"],
        "not_distinguishable": [r["label"] for r in close if r is not best],
        "top_two": top_two,
        "paired": {k: v for k, v in tests.items() if v is not None},
        "rule": f"quality: highest mean {QUALITY}; recommended: the fastest (p50 query latency) of the rows "
        f"whose {QUALITY} is not distinguishable from the best one's (paired bootstrap over the same "
        "questions, 95% interval of the difference includes 0)",
    }
    out["reason"] = _reason(fastest, best, ranked, tests)
    out["config"] = config_lines(fastest)
    return out


def _reason(
    rec: dict[str, Any], best: dict[str, Any], ranked: list[dict[str, Any]], tests: dict[str, Any]
) -> str:
    """``e5 · hybrid: nDCG@10 0.81 [0.74, 0.87] vs all-MiniLM-L6-v2 · hybrid 0.42 ...; 1.4x slower ...``"""
    head = f"{rec['label']}: {QUALITY} {_ci(rec)}"
    if len(ranked) == 1:
        return f"{head} (the only candidate measured)"
    if rec is best:
        other = ranked[1]
        test = tests.get(other["label"])
        diff = ""
        if test is not None:
            verdict = (
                "a real difference" if test["distinguishable"] else "not distinguishable on these questions"
            )
            d_lo, d_hi = test["ci95"]
            diff = f" (paired difference {test['mean_diff']:+.2f} [{d_lo:+.2f}, {d_hi:+.2f}]: {verdict})"
        speed = _speed(rec, other)
        return f"{head} vs {other['label']} {_mean(other):.2f}{diff}" + (f"; {speed}" if speed else "")
    test = tests.get(rec["label"])
    diff = ""
    if test is not None:
        d_lo, d_hi = test["ci95"]
        diff = f" (paired difference {-test['mean_diff']:+.2f} [{-d_hi:+.2f}, {-d_lo:+.2f}])"
    speed = _speed(rec, best)
    return (
        f"{head} is not distinguishable from the best, {best['label']} {_mean(best):.2f}{diff}, "
        f"and it is {speed or 'no slower'}: the cheaper choice at the same measured quality"
    )
