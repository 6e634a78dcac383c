"""Aggregates with honest uncertainty: mean, n, failures, bootstrap 95% interval, percentiles."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np


def bootstrap_ci(
    values: Sequence[float], resamples: int = 1000, seed: int = 0, level: float = 0.95
) -> tuple[float, float] | None:
    """Percentile bootstrap interval of the mean; None without values. One value: (v, v)."""
    arr = np.asarray([v for v in values if v is not None and not math.isnan(v)], dtype=float)
    if arr.size == 0:
        return None
    if arr.size == 1:
        return float(arr[0]), float(arr[0])
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, arr.size, size=(resamples, arr.size))
    means = arr[idx].mean(axis=1)
    alpha = (1 - level) / 2
    return float(np.quantile(means, alpha)), float(np.quantile(means, 1 - alpha))


def aggregate(
    values: Sequence[float | None],
    failures: Sequence[str] = (),
    resamples: int = 1000,
    seed: int = 0,
) -> dict[str, Any]:
    """``values``: scores of successful judgments (None entries = not applicable, skipped).

    ``failures``: one reason per failed judgment. Failures are never averaged in.
    """
    ok = [float(v) for v in values if v is not None and not math.isnan(float(v))]
    ci = bootstrap_ci(ok, resamples, seed)
    reasons: dict[str, int] = {}
    for r in failures:
        reasons[r] = reasons.get(r, 0) + 1
    return {
        "mean": float(np.mean(ok)) if ok else None,
        "ci95": [ci[0], ci[1]] if ci else None,
        "n": len(ok),
        "failed": len(failures),
        "failure_reasons": reasons,
        "min": min(ok) if ok else None,
        "max": max(ok) if ok else None,
    }


def paired_bootstrap(
    a: Sequence[float], b: Sequence[float], resamples: int = 1000, seed: int = 0, level: float = 0.95
) -> dict[str, Any]:
    """Is ``a`` better than ``b`` on the same questions? A paired bootstrap of the mean difference.

    The questions (pairs ``a[i]``, ``b[i]``) are resampled together, so what both find easy or
    hard cancels out. ``distinguishable`` is True when the ``level`` interval of the mean
    difference excludes 0; ``p`` is the two-sided share of resampled means on the other side of 0.

    >>> paired_bootstrap([1, 1, 1, 1, 0], [0, 0, 0, 0, 0])["distinguishable"]
    True
    >>> paired_bootstrap([1, 0, 1, 0], [0, 1, 0, 1])["distinguishable"]
    False
    """
    if len(a) != len(b):
        raise ValueError(f"paired scores need equal lengths ({len(a)} vs {len(b)})")
    diffs = np.asarray([x - y for x, y in zip(a, b, strict=True)], dtype=float)
    if diffs.size == 0:
        return {"n": 0, "mean_diff": None, "ci95": None, "p": None, "distinguishable": False}
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, diffs.size, size=(resamples, diffs.size))
    means = diffs[idx].mean(axis=1)
    alpha = (1 - level) / 2
    lo, hi = float(np.quantile(means, alpha)), float(np.quantile(means, 1 - alpha))
    mean = float(diffs.mean())
    other_side = float(np.mean(means <= 0)) if mean > 0 else float(np.mean(means >= 0))
    return {
        "n": int(diffs.size),
        "mean_diff": mean,
        "ci95": [lo, hi],
        "p": min(1.0, 2 * other_side),
        "distinguishable": bool(lo > 0 or hi < 0),
    }


def percentile(values: Sequence[float], q: float) -> float | None:
    vals = [v for v in values if v is not None]
    if not vals:
        return None
    return float(np.percentile(np.asarray(vals, dtype=float), q))


def fmt(value: float | None, digits: int = 3) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def fmt_agg(agg: dict[str, Any], digits: int = 3) -> str:
    """``0.812 [0.700, 0.905] n=12 (2 failed)``"""
    if agg.get("mean") is None:
        text = "no value"
    else:
        lo, hi = agg["ci95"]
        text = f"{agg['mean']:.{digits}f} [{lo:.{digits}f}, {hi:.{digits}f}]"
    text += f" n={agg.get('n', 0)}"
    if agg.get("failed"):
        text += f" ({agg['failed']} failed)"
    return text
