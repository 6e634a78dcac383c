"""Warnings for a question in another language than the collection's, or than its embedder covers.

Short questions are judged by their script alone (Hangul, kana, Han, Latin, Cyrillic...), which
is reliable on a few words, where statistical language identification is not: a French question
over English documents is not flagged, a Korean one over Chinese documents is.

>>> from rag_app.language import measure
>>> query_warnings("데비안이란?", "intfloat/multilingual-e5-small", measure(["Debian 是一个自由的操作系统。" * 20]))[0][:44]
'This question is written in Korean, but 100%'
"""

from __future__ import annotations

from collections.abc import Callable

from rag_app.components.embedders.coverage import query_warning
from rag_app.language import LanguageMix, identify, name, script_of_query

MAJORITY = 0.5  # the collection's main language must hold at least this share for a mismatch to count
_SCRIPT_LANG = {"hangul": "ko", "kana": "ja", "han": "zh"}


def _language_of(script: str) -> str:
    """``ko``/``ja``/``zh`` for CJK scripts, else the script itself (``latin``, ``cyrillic``...)."""
    return _SCRIPT_LANG.get(script, script)


def _collection_language(mix: LanguageMix) -> tuple[str | None, float]:
    """The collection's main language (CJK) or alphabet (otherwise), and its share of the text."""
    lang = mix.dominant
    if lang in ("zh", "ja", "ko"):
        return lang, mix.share(lang)
    alphabets = {s: n for s, n in mix.scripts.items() if s not in _SCRIPT_LANG}
    if not alphabets:
        return None, 0.0
    script = max(alphabets, key=lambda s: alphabets[s])
    cjk = mix.share("zh", "ja", "ko")
    return script, 1.0 - cjk


def _describe(lang: str, query: str | None = None) -> str:
    if lang in _SCRIPT_LANG.values():
        return name(lang)
    if query is not None:  # naming a question's language only: a short text, a lower bar
        guess, _ = identify(query, min_confidence=0.3, min_letters=8)
        if guess not in ("und", *_SCRIPT_LANG.values()):
            return name(guess)
    return f"a {lang.capitalize()}-script language"


def query_warnings(
    query: str, model: str, collection: LanguageMix, identified: Callable[[], LanguageMix] | None = None
) -> list[str]:
    """What is wrong with asking ``query`` of a collection with text ``collection``, embedded by ``model``.

    ``collection`` needs only scripts and CJK languages; ``identified`` gives the mix with alphabetic
    languages told apart (slower: only asked for to name the collection's language in a warning).
    """
    script = script_of_query(query)
    if script is None:
        return []
    asked = _language_of(script)
    out: list[str] = []
    emb_warning = query_warning(model, asked if asked in _SCRIPT_LANG.values() else None)
    if emb_warning:
        out.append(emb_warning)
    main, share = _collection_language(collection)
    compatible = asked == main or (asked == "zh" and main == "ja")  # kanji-only Japanese questions
    if main and share >= MAJORITY and not compatible:
        theirs = _describe(main)
        if main not in _SCRIPT_LANG.values() and identified is not None:
            lang = identified().dominant
            theirs = name(lang) if lang not in (None, "und", *_SCRIPT_LANG.values()) else theirs
        out.append(
            f"This question is written in {_describe(asked, query)}, but {share:.0%} of this collection's "
            f"text is {theirs}: keyword (BM25) search cannot match across languages, and "
            f"results are likely weaker. Ask in {theirs} for the best results."
        )
    return out
