"""The file-type registry: the one list of the extensions ingest reads, each with its loader.

Everything that needs to know which files are documents (the indexer, language detection,
upload checks, test-set generation) asks here.

>>> from pathlib import Path
>>> from ingest.formats import extensions, supported
>>> extensions()[:4]
['.txt', '.text', '.md', '.markdown']
>>> supported(Path("Notes.MD"))
True
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ingest.loaders.base import DEFAULT_OPTIONS, LoadedDocument, LoadOptions
from ingest.loaders.docx import load_docx
from ingest.loaders.epub import load_epub
from ingest.loaders.html import load_html
from ingest.loaders.image import load_image
from ingest.loaders.mail import load_email
from ingest.loaders.markdown import load_markdown
from ingest.loaders.ods import load_ods
from ingest.loaders.pdf import load_pdf
from ingest.loaders.pptx import load_pptx
from ingest.loaders.rst import load_rst
from ingest.loaders.tabular import load_csv
from ingest.loaders.text import load_text
from ingest.loaders.xlsx import load_xlsx
from rag_app.errors import IngestError

Loader = Callable[[Path, bytes, LoadOptions], LoadedDocument]


@dataclass(frozen=True)
class FileType:
    loader: Loader
    description: str


_TEXT = FileType(load_text, "plain text")
_MARKDOWN = FileType(load_markdown, "Markdown")
_HTML = FileType(load_html, "HTML page")
_CSV = FileType(load_csv, "comma- or semicolon-separated table")
_XLSX = FileType(load_xlsx, "Excel workbook")
_IMAGE = FileType(load_image, "image, read by OCR")

FORMATS: dict[str, FileType] = {
    ".txt": _TEXT,
    ".text": _TEXT,
    ".md": _MARKDOWN,
    ".markdown": _MARKDOWN,
    ".pdf": FileType(load_pdf, "PDF (scanned pages read by OCR)"),
    ".html": _HTML,
    ".htm": _HTML,
    ".docx": FileType(load_docx, "Word document"),
    ".pptx": FileType(load_pptx, "PowerPoint presentation"),
    ".rst": FileType(load_rst, "reStructuredText"),
    ".csv": _CSV,
    ".tsv": FileType(load_csv, "tab-separated table"),
    ".xlsx": _XLSX,
    ".xlsm": _XLSX,
    ".ods": FileType(load_ods, "OpenDocument spreadsheet"),
    ".epub": FileType(load_epub, "EPUB e-book"),
    ".eml": FileType(load_email, "e-mail (attachments become documents of their own)"),
    ".png": _IMAGE,
    ".jpg": _IMAGE,
    ".jpeg": _IMAGE,
    ".tif": _IMAGE,
    ".tiff": _IMAGE,
}


def extensions() -> list[str]:
    """The supported suffixes, lower case with their dot, in registry order."""
    return list(FORMATS)


def supported(path: Path) -> bool:
    """Whether ingest reads files like ``path`` (by extension, any case)."""
    return path.suffix.lower() in FORMATS


def load(path: Path, data: bytes, options: LoadOptions = DEFAULT_OPTIONS) -> LoadedDocument:
    """The document in ``data`` (the bytes of ``path``), read by the loader for its extension;
    ``options``: OCR settings and an OCR page-progress callback (see :class:`LoadOptions`).

    An unsupported type, an empty file or a file without any text is an :class:`IngestError`.
    """
    file_type = FORMATS.get(path.suffix.lower())
    if file_type is None:
        raise IngestError(f"{path}: unsupported file type {path.suffix or '(none)'}")
    if not data.strip():
        raise IngestError(f"{path}: empty file")
    doc = file_type.loader(path, data, options)
    if not any(s.text.strip() for s in doc.sections):
        raise IngestError(f"{path}: no text found")
    return doc
