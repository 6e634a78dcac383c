"""The language of what is being ingested: a sample of the files (for a new collection's embedder
and BM25 tokenizer) and the chunks of a run (for the warning when the embedder does not cover them).

The measuring itself is :mod:`rag_app.language`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ingest.formats import load, supported
from ingest.loaders.base import LoadedDocument, LoadOptions
from rag_app.language import LanguageMix, measure

NO_OCR = LoadOptions(ocr="never")  # a sample of the text: never worth OCR's seconds a page

SAMPLE_FILES = 20  # files read to decide a new collection's embedder (auto) and tokenizer
SAMPLE_CHARS = 20_000  # characters taken from each
JIEBA_LANGS = ("zh", "ja")  # BM25 with jieba; Korean keeps standard (benchmarks/bm25_tokenizers.py)
JIEBA_SHARE = 0.3


def _load_no_ocr(path: Path, data: bytes) -> LoadedDocument:
    return load(path, data, NO_OCR)


def sample_files(
    files: list[Path],
    sample: int = SAMPLE_FILES,
    load_fn: Callable[[Path, bytes], LoadedDocument] = _load_no_ocr,
) -> LanguageMix:
    """The language mix of up to ``sample`` supported files spread evenly over ``files``.

    Each file gives its first :data:`SAMPLE_CHARS` characters (read from at most 2 MB); an
    unreadable file just does not count. ``load_fn`` reads one file (the indexer passes its loader
    worker's, so a hostile file is stopped by the same limits as in the ingest itself).
    """
    docs = [f for f in files if supported(f)]
    if len(docs) > sample:
        step = len(docs) / sample
        docs = [docs[int(i * step)] for i in range(sample)]
    texts: list[str] = []
    for path in docs:
        try:
            with path.open("rb") as fh:
                data = fh.read(2 * 1024 * 1024)
            doc = load_fn(path, data)
        except Exception:  # measuring only: the ingest itself reports the file's error
            continue
        texts.append("\n".join(s.text for s in doc.sections)[:SAMPLE_CHARS])
    return measure(texts)


def analyzer_for(mix: LanguageMix) -> str:
    """The BM25 tokenizer for a new collection of text with language ``mix``: ``jieba`` when at least
    :data:`JIEBA_SHARE` of it is Chinese or Japanese, else ``standard`` (words between spaces and
    punctuation, which is what Korean needs too: measured in benchmarks/bm25_tokenizers.py)."""
    return "jieba" if mix.share(*JIEBA_LANGS) >= JIEBA_SHARE else "standard"
