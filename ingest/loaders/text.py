"""Bytes to text: byte-order marks, UTF-8, Western cp1252 by a heuristic, else charset-normalizer; plain text files."""

from __future__ import annotations

from pathlib import Path

from ingest.loaders.base import DEFAULT_OPTIONS, LoadedDocument, LoadOptions, Section
from rag_app.errors import IngestError

_BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)


def _western_latin(data: bytes) -> str | None:
    """cp1252 text (Windows/ISO Western European), recognised by accents inside Latin words.

    Statistical detectors misjudge short Western texts (``café crème`` as Arabic or Baltic code
    pages). In real French, German, Spanish... text almost every accented letter sits next to a
    plain ASCII letter; Cyrillic or Greek bytes read as cp1252 make words of accents only.
    """
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        return None
    non_ascii = [i for i, ch in enumerate(text) if ord(ch) > 127]
    if not non_ascii:
        return text
    if any(not text[i].isalpha() and text[i] not in "€–—‘’“”…«»°£§·" for i in non_ascii):
        return None
    inside_words = sum(
        1
        for i in non_ascii
        if (i > 0 and text[i - 1].isascii() and text[i - 1].isalpha())
        or (i + 1 < len(text) and text[i + 1].isascii() and text[i + 1].isalpha())
    )
    return text if inside_words >= 0.8 * len(non_ascii) else None


def decode_text(data: bytes, path: Path) -> str:
    """The text of a file that should be text; binary data or an unknown encoding is an :class:`IngestError`."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(encoding)
            except UnicodeDecodeError as exc:
                raise IngestError(f"{path}: declares {encoding} but is not valid {encoding} ({exc})") from exc
    if b"\x00" in data[:8192]:
        raise IngestError(f"{path}: binary data, not text (the extension says {path.suffix})")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    text = _western_latin(data)
    if text is None:
        from charset_normalizer import from_bytes

        best = from_bytes(data).best()
        if best is None:
            raise IngestError(f"{path}: not readable as text in any known encoding")
        text = str(best)
    # Control characters other than whitespace mean it was not really text.
    controls = sum(1 for ch in text[:20000] if ord(ch) < 32 and ch not in "\t\n\r\f")
    if controls > max(10, len(text[:20000]) // 100):
        raise IngestError(f"{path}: binary data, not text (the extension says {path.suffix})")
    return text


def load_text(path: Path, data: bytes, options: LoadOptions = DEFAULT_OPTIONS) -> LoadedDocument:
    text = decode_text(data, path)
    return LoadedDocument(path, path.stem, [Section(text)])
