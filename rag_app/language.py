"""The language of text, measured cheaply: scripts by character class, languages by py3langid.

Chinese, Japanese and Korean are told apart by their scripts alone (Han without kana is Chinese,
kana is Japanese, Hangul is Korean). Text in an alphabet (Latin, Cyrillic, Greek, Arabic...) is
identified with py3langid (a naive Bayes model over byte n-grams, 97 languages, in the package)
in blocks of a few hundred characters; a block too short or too mixed to identify with confidence
counts as ``und`` (undetermined), never as a guess. Shares are of letter-equivalents
(:data:`WEIGHTS`), so a sentence and its translation weigh about the same.

>>> mix = measure(["Debian 是一个自由的操作系统，由全球志愿者共同开发和维护。"])
>>> mix.dominant
'zh'
>>> script_of_query("데비안이란 무엇인가요?")
'hangul'
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

NAMES = {
    "en": "English", "zh": "Chinese", "ja": "Japanese", "ko": "Korean", "fr": "French", "de": "German",
    "es": "Spanish", "it": "Italian", "pt": "Portuguese", "nl": "Dutch", "ru": "Russian", "uk": "Ukrainian",
    "pl": "Polish", "cs": "Czech", "sv": "Swedish", "da": "Danish", "no": "Norwegian", "fi": "Finnish",
    "tr": "Turkish", "el": "Greek", "ar": "Arabic", "he": "Hebrew", "fa": "Persian", "hi": "Hindi",
    "th": "Thai", "vi": "Vietnamese", "id": "Indonesian", "und": "undetermined",
}  # fmt: skip
CJK = ("zh", "ja", "ko")
MIN_LETTERS = 20  # shorter alphabetic text is not identified (``und``)
MIN_CONFIDENCE = 0.5  # py3langid's normalised probability below which a block is ``und``
BLOCK_CHARS = 400  # text is attributed to a language in blocks of about this size
# Letter-equivalents: a Han character carries about as much text as three Latin letters, a kana
# or a Hangul syllable about two (so a sentence and its translation weigh about the same).
WEIGHTS = {"han": 3, "kana": 2, "hangul": 2}
_CJK_CODES = frozenset({"zh", "ja", "ko", "wuu", "yue"})  # py3langid on alphabetic leftovers: not trusted

_NON_ALPHABETIC = re.compile(
    r"[\u1100-\u11ff\u3040-\u30ff\u3130-\u318f\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]"
)


def script_of(ch: str) -> str | None:
    """The script of one character (``hangul``, ``kana``, ``han``, ``latin``...), None if not a letter."""
    o = ord(ch)
    if 0xAC00 <= o <= 0xD7AF or 0x1100 <= o <= 0x11FF or 0x3130 <= o <= 0x318F:
        return "hangul"
    if 0x3040 <= o <= 0x30FF or 0x31F0 <= o <= 0x31FF:
        return "kana"
    if 0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF or 0xF900 <= o <= 0xFAFF or 0x20000 <= o <= 0x2FA1F:
        return "han"
    if not ch.isalpha():
        return None
    for script, lo, hi in _ALPHABETS:
        if lo <= o <= hi:
            return script
    return "other"


_ALPHABETS = (
    ("latin", 0x0041, 0x024F), ("latin", 0x1E00, 0x1EFF), ("greek", 0x0370, 0x03FF),
    ("cyrillic", 0x0400, 0x052F), ("hebrew", 0x0590, 0x05FF), ("arabic", 0x0600, 0x06FF),
    ("arabic", 0x0750, 0x077F), ("devanagari", 0x0900, 0x097F), ("thai", 0x0E00, 0x0E7F),
)  # fmt: skip


def script_counts(text: str) -> Counter[str]:
    """Letters of ``text`` per script."""
    counts: Counter[str] = Counter()
    for ch in text:
        script = script_of(ch)
        if script:
            counts[script] += 1
    return counts


def script_of_query(text: str) -> str | None:
    """The script a question is mostly written in, by letter-equivalents (Han with any kana:
    ``kana``, Japanese); None without letters."""
    counts = script_counts(text)
    if not counts:
        return None
    if counts["kana"] and counts["han"]:
        counts["kana"] += counts.pop("han")
    weighted = {script: n * WEIGHTS.get(script, 1) for script, n in counts.items()}
    return max(weighted, key=lambda s: weighted[s])


@lru_cache(maxsize=1)
def _identifier() -> Any:
    """py3langid's model with normalised probabilities (loads in about a second, once)."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def identify(
    text: str, min_confidence: float = MIN_CONFIDENCE, min_letters: int = MIN_LETTERS
) -> tuple[str, float]:
    """(language code, confidence) of alphabetic text; ``und`` when too short or unsure."""
    letters = sum(1 for ch in text if ch.isalpha())
    if letters < min_letters:
        return "und", 0.0
    lang, prob = _identifier().classify(text)
    return (str(lang), float(prob)) if prob >= min_confidence else ("und", float(prob))


@dataclass
class LanguageMix:
    """How much text per language (letter-equivalents) and letters per script: what share is Chinese?"""

    letters: Counter[str] = field(default_factory=Counter)
    scripts: Counter[str] = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.letters.values())

    def share(self, *langs: str) -> float:
        """Share of the letters in ``langs`` among all letters (0 when there are none)."""
        return sum(self.letters[lang] for lang in langs) / self.total if self.total else 0.0

    def identified_share(self, *langs: str) -> float:
        """Like :meth:`share`, among the letters whose language was identified (``und`` left out)."""
        known = self.total - self.letters["und"]
        return sum(self.letters[lang] for lang in langs if lang != "und") / known if known else 0.0

    @property
    def dominant(self) -> str | None:
        """The language with most letters (``und`` only when nothing else was identified)."""
        known = [(n, lang) for lang, n in self.letters.items() if lang != "und" and n]
        if known:
            return max(known)[1]
        return "und" if self.letters["und"] else None

    @property
    def dominant_script(self) -> str | None:
        return self.scripts.most_common(1)[0][0] if self.scripts else None

    def script_share(self, script: str) -> float:
        total = sum(self.scripts.values())
        return self.scripts[script] / total if total else 0.0

    def describe(self, top: int = 3) -> str:
        """``93% Chinese, 6% English, 1% undetermined``"""
        total = self.total
        if not total:
            return "no text"
        parts = [
            f"{n / total:.0%} {name(lang)}" for lang, n in self.letters.most_common(top) if n / total >= 0.005
        ]
        return ", ".join(parts)

    def __add__(self, other: LanguageMix) -> LanguageMix:
        return LanguageMix(self.letters + other.letters, self.scripts + other.scripts)

    def as_dict(self) -> dict[str, Any]:
        total = self.total
        return {
            "letters": total,
            "shares": {lang: round(n / total, 4) for lang, n in self.letters.most_common()} if total else {},
            "scripts": dict(self.scripts.most_common()),
        }


def name(lang: str | None) -> str:
    """``Chinese`` for ``zh``; the code itself when it has no name here."""
    return NAMES.get(lang or "und", lang or "undetermined")


def _blocks(text: str, size: int = BLOCK_CHARS) -> Iterable[str]:
    """Consecutive lines joined into blocks of about ``size`` characters (language ID needs context)."""
    block: list[str] = []
    length = 0
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        block.append(line)
        length += len(line)
        if length >= size:
            yield " ".join(block)
            block, length = [], 0
    if block:
        yield " ".join(block)


def measure(texts: Iterable[str], identify_alphabets: bool = True) -> LanguageMix:
    """The language mix of ``texts`` (chunks, pages or whole documents).

    Text is cut into blocks of about ``BLOCK_CHARS``; each block counts for one language, the one
    most of it is written in (so the Latin names and commands inside a Korean paragraph count as
    Korean), weighted by its size in letter-equivalents (``WEIGHTS``). ``identify_alphabets=False``
    skips py3langid: alphabetic blocks then count as ``und`` (no model to load).
    """
    mix = LanguageMix()
    for text in texts:
        for block in _blocks(text):
            counts = script_counts(block)
            if not counts:
                continue
            mix.scripts.update(counts)
            weighted = {script: n * WEIGHTS.get(script, 1) for script, n in counts.items()}
            cjk = weighted.get("han", 0) + weighted.get("kana", 0) + weighted.get("hangul", 0)
            size = sum(weighted.values())
            if cjk * 2 >= size:  # mostly Chinese, Japanese or Korean
                if counts["hangul"] >= counts["han"] + counts["kana"]:
                    lang = "ko"
                else:
                    lang = "ja" if counts["kana"] else "zh"
            else:
                lang = "und"
                if identify_alphabets:
                    lang, _ = identify(_NON_ALPHABETIC.sub(" ", block))
                    lang = "und" if lang in _CJK_CODES else lang
            mix.letters[lang] += size
    return mix
