"""``rag eval selftest``: planted good/bad pairs that any sound judge must rank correctly.

Per LLM metric, two pairs on different topics: a faithful answer vs one contradicting its context,
an on-topic vs an off-topic answer, full vs missing context (recall), a relevant vs an irrelevant
context (precision); for ``supported_share`` (the app's own sentence evidence, no judge), twenty
faithful answers against contradicting twins (:mod:`eval.planted_grounding`). A pair *passes*
when the good case scores strictly higher than the bad one.
A failed judgment makes its pair *inconclusive*: reported, never counted as a pass. Non-LLM
metrics are checked too (they must always pass: they are string matching).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from eval.judge import make_ragas_embeddings, open_judge
from eval.planted_grounding import grounding_pairs
from eval.ragas_metrics import LLM_METRICS, Judgment, Scorer
from eval.stats import fmt
from rag_app.answering.grounding import Grounder
from rag_app.components.embedders import Embedder, build_embedder
from rag_app.errors import ConfigError
from rag_app.progress import NoProgress, Progress, Step
from rag_app.settings import Settings

EIFFEL = "The Eiffel Tower stands in Paris, France. It was completed in 1889 and is 330 metres tall."
NILE = "The Nile is a river in north-eastern Africa. It flows north into the Mediterranean Sea."
SQLITE = "SQLite is a C library that implements a small, self-contained SQL database engine. It stores a whole database in a single file."
PASTA = "To cook pasta, boil salted water and add the pasta for about ten minutes."

# metric -> list of (label, good row, bad row)
PAIRS: dict[str, list[tuple[str, dict[str, Any], dict[str, Any]]]] = {
    "faithfulness": [
        (
            "faithful vs contradicting answer (Eiffel Tower)",
            {"user_input": "When was the Eiffel Tower completed?", "retrieved_contexts": [EIFFEL],
             "response": "The Eiffel Tower was completed in 1889."},
            {"user_input": "When was the Eiffel Tower completed?", "retrieved_contexts": [EIFFEL],
             "response": "The Eiffel Tower was completed in 1925 in Berlin."},
        ),
        (
            "faithful vs contradicting answer (Nile)",
            {"user_input": "Into which sea does the Nile flow?", "retrieved_contexts": [NILE],
             "response": "The Nile flows into the Mediterranean Sea."},
            {"user_input": "Into which sea does the Nile flow?", "retrieved_contexts": [NILE],
             "response": "The Nile flows south into the Indian Ocean."},
        ),
    ],
    "answer_relevancy": [
        (
            "on-topic vs off-topic answer (France)",
            {"user_input": "What is the capital of France?", "response": "The capital of France is Paris."},
            {"user_input": "What is the capital of France?",
             "response": "Bananas are rich in potassium and grow in tropical climates."},
        ),
        (
            "on-topic vs off-topic answer (SQLite)",
            {"user_input": "Where does SQLite store a database?",
             "response": "SQLite stores a whole database in a single file."},
            {"user_input": "Where does SQLite store a database?",
             "response": "Boil salted water and cook the pasta for ten minutes."},
        ),
    ],
    "context_recall": [
        (
            "full vs missing context (Eiffel Tower)",
            {"user_input": "When was the Eiffel Tower completed?", "retrieved_contexts": [EIFFEL],
             "reference": "The Eiffel Tower was completed in 1889."},
            {"user_input": "When was the Eiffel Tower completed?", "retrieved_contexts": [PASTA],
             "reference": "The Eiffel Tower was completed in 1889."},
        ),
        (
            "full vs missing context (SQLite)",
            {"user_input": "Where does SQLite store a database?", "retrieved_contexts": [SQLITE],
             "reference": "SQLite stores a whole database in a single file."},
            {"user_input": "Where does SQLite store a database?", "retrieved_contexts": [NILE],
             "reference": "SQLite stores a whole database in a single file."},
        ),
    ],
    "context_precision": [
        (
            "relevant vs irrelevant context (Nile)",
            {"user_input": "Into which sea does the Nile flow?", "retrieved_contexts": [NILE],
             "reference": "The Nile flows into the Mediterranean Sea."},
            {"user_input": "Into which sea does the Nile flow?", "retrieved_contexts": [PASTA],
             "reference": "The Nile flows into the Mediterranean Sea."},
        ),
        (
            "relevant vs irrelevant context (SQLite)",
            {"user_input": "Where does SQLite store a database?", "retrieved_contexts": [SQLITE],
             "reference": "SQLite stores a whole database in a single file."},
            {"user_input": "Where does SQLite store a database?", "retrieved_contexts": [EIFFEL],
             "reference": "SQLite stores a whole database in a single file."},
        ),
    ],
    "nonllm_context_recall": [
        (
            "gold passage retrieved vs not",
            {"retrieved_contexts": [SQLITE], "reference_contexts": [SQLITE]},
            {"retrieved_contexts": [PASTA], "reference_contexts": [SQLITE]},
        ),
    ],
    "supported_share": grounding_pairs(),
}  # fmt: skip


class _Numbered:
    """Forwards one scorer's ``judge`` steps renumbered over all the selftest's cases."""

    def __init__(self, progress: Progress, before: int, total: int) -> None:
        self.progress, self.before, self.total = progress, before, total

    def update(self, step: Step) -> None:
        self.progress.update(replace(step, done=self.before + step.done, total=self.total))


def run_selftest(
    settings: Settings,
    metrics: list[str] | None = None,
    progress: Progress | None = None,
    embedder: Embedder | None = None,
    pairs: int | None = None,
    strictness: int = 3,
) -> dict[str, Any]:
    """Judge the planted pairs of ``metrics`` (default: the LLM ones, ``nonllm_context_recall``, ``supported_share``).

    ``pairs``: the first N pairs per metric (default all). ``embedder``: for ``answer_relevancy``
    (default: the configured one). Returns the report that :func:`render_selftest` prints.
    """
    names = metrics or [*LLM_METRICS, "nonllm_context_recall", "supported_share"]
    unknown = [n for n in names if n not in PAIRS]
    if unknown:
        raise ConfigError(
            f"No planted pairs for: {', '.join(unknown)}.", fix=f"Choose from: {', '.join(PAIRS)}."
        )
    rows: list[dict[str, Any]] = []
    index: list[tuple[str, str, str]] = []  # metric, label, good/bad
    for name in names:
        for label, good, bad in PAIRS[name][:pairs]:
            rows += [good, bad]
            index += [(name, label, "good"), (name, label, "bad")]
    endpoint = open_judge(settings) if any(m in LLM_METRICS for m in names) else None
    try:
        embeddings, grounder = None, None
        if "answer_relevancy" in names or "supported_share" in names:
            embedder = embedder or build_embedder(settings)
            embeddings = make_ragas_embeddings(embedder) if "answer_relevancy" in names else None
            grounder = Grounder(embedder) if "supported_share" in names else None
        per_metric_rows: dict[str, list[int]] = {}
        for i, (name, _, _) in enumerate(index):
            per_metric_rows.setdefault(name, []).append(i)
        results: dict[int, Judgment] = {}
        before = 0
        for name, idxs in per_metric_rows.items():
            scorer = Scorer([name], endpoint, embeddings=embeddings, strictness=strictness, grounder=grounder)
            numbered = _Numbered(progress or NoProgress(), before, len(rows))
            ids = [f"{index[i][1]}, {index[i][2]}" for i in idxs]
            out = scorer.run([rows[i] for i in idxs], numbered, ids)
            for k, i in enumerate(idxs):
                results[i] = out[k][name]
            before += len(idxs)
    finally:
        if endpoint is not None:
            endpoint.close()
    report: dict[str, Any] = {"judge": endpoint.label if endpoint else None, "metrics": {}, "pairs": []}
    errors = 0
    for name in names:
        passed = failed = inconclusive = 0
        for label, _, _ in PAIRS[name][:pairs]:
            gi = index.index((name, label, "good"))
            g, b = results[gi], results[gi + 1]
            if g.value is None or b.value is None:
                verdict = "inconclusive"
                inconclusive += 1
            elif g.value > b.value:
                verdict = "pass"
                passed += 1
            else:
                verdict = "fail"
                failed += 1
            report["pairs"].append(
                {
                    "metric": name,
                    "pair": label,
                    "good": g.value,
                    "bad": b.value,
                    "good_error": g.error,
                    "bad_error": b.error,
                    "verdict": verdict,
                }
            )
        report["metrics"][name] = {
            "passed": passed,
            "failed": failed,
            "inconclusive": inconclusive,
            "pairs": passed + failed + inconclusive,
        }
        errors += failed + inconclusive
    report["errors"] = errors
    total = sum(m["pairs"] for m in report["metrics"].values())
    report["passed"] = total - errors
    report["total"] = total
    return report


def render_selftest(report: dict[str, Any]) -> str:
    """The report as text: one line per pair, a tally per metric, the overall count."""
    lines = [f"Judge: {report['judge']}"]
    for p in report["pairs"]:
        mark = {"pass": "PASS", "fail": "FAIL", "inconclusive": "????"}[p["verdict"]]
        why = ""
        if p["good_error"] or p["bad_error"]:
            why = f"  (judgment failed: good={p['good_error']}, bad={p['bad_error']})"
        lines.append(
            f"[{mark}] {p['metric']:24} {p['pair']}: good {fmt(p['good'])} vs bad {fmt(p['bad'])}{why}"
        )
    lines.append("")
    for name, m in report["metrics"].items():
        lines.append(
            f"{name:26} {m['passed']}/{m['pairs']} ranked correctly"
            + (f", {m['inconclusive']} inconclusive" if m["inconclusive"] else "")
        )
    lines.append(f"Overall: {report['passed']}/{report['total']} pairs ranked correctly.")
    if report["errors"]:
        lines.append(
            "A small local judge misranks or fails some pairs; point judge: at a bigger model for "
            "scores you can trust (docs/EVAL.md)."
        )
    return "\n".join(lines)
