from __future__ import annotations

from eval.stats import aggregate, bootstrap_ci, fmt, fmt_agg, percentile


def test_bootstrap_interval_contains_mean_and_is_seeded() -> None:
    values = [0.1, 0.4, 0.5, 0.9, 1.0, 0.7, 0.3]
    lo, hi = bootstrap_ci(values, 1000, seed=3)  # type: ignore[misc]
    mean = sum(values) / len(values)
    assert lo < mean < hi
    assert lo >= 0.0 and hi <= 1.0
    assert bootstrap_ci(values, 1000, seed=3) == bootstrap_ci(values, 1000, seed=3)
    assert bootstrap_ci([0.5], 100) == (0.5, 0.5)
    assert bootstrap_ci([], 100) is None


def test_failures_are_counted_not_averaged() -> None:
    agg = aggregate([1.0, 1.0, None], ["parse_error", "timeout", "parse_error"], 200, 0)
    assert agg["mean"] == 1.0  # failures are not zeros
    assert agg["n"] == 2
    assert agg["failed"] == 3
    assert agg["failure_reasons"] == {"parse_error": 2, "timeout": 1}
    assert "(3 failed)" in fmt_agg(agg)
    empty = aggregate([], ["timeout"], 200, 0)
    assert empty["mean"] is None and empty["ci95"] is None and empty["failed"] == 1


def test_percentile_and_formatting() -> None:
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.5
    assert percentile([], 95) is None
    assert fmt(None) == "–" and fmt(0.12345) == "0.123" and fmt(12.345, 1) == "12.3"
    agg = aggregate([0.5, 1.0], [], 200, 0)
    lo, hi = agg["ci95"]
    assert fmt_agg(agg) == f"0.750 [{lo:.3f}, {hi:.3f}] n=2"
    assert fmt_agg(aggregate([], [], 200, 0)) == "no value n=0"
    assert (agg["min"], agg["max"]) == (0.5, 1.0)
