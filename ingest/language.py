"""The language of what is being ingested, cheaply: the share of CJK characters decides the BM25 tokenizer."""

from __future__ import annotations

from pathlib import Path

from ingest.formats import load, supported
from ingest.loaders.base import LoadOptions

NO_OCR = LoadOptions(ocr="never")


def cjk_share(text: str) -> float:
    """Share of CJK ideographs/kana/hangul among the letters of ``text``."""
    cjk = letters = 0
    for ch in text:
        if ch.isalpha():
            letters += 1
            if "\u3040" <= ch <= "\u30ff" or "\u3400" <= ch <= "\u9fff" or "\uac00" <= ch <= "\ud7af":
                cjk += 1
    return cjk / letters if letters else 0.0


def detect_analyzer(files: list[Path], sample: int = 5) -> str:
    """``jieba`` when the first documents to be ingested are mostly Chinese (or Japanese/Korean), else ``standard``.

    Reads at most ``sample`` supported files (2 MB each); an unreadable file just does not count.
    """
    texts: list[str] = []
    for path in [f for f in files if supported(f)][:sample]:
        try:
            with path.open("rb") as fh:
                data = fh.read(2 * 1024 * 1024)
            doc = load(path, data, NO_OCR)  # a sample of the text: never worth OCR's seconds a page
        except Exception:  # detection only: the ingest itself reports the file's error
            continue
        texts.append(" ".join(s.text for s in doc.sections)[:20000])
    return "jieba" if texts and cjk_share(" ".join(texts)) > 0.3 else "standard"
