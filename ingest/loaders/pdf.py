"""PDF: one section per page with a text layer (pypdf); encrypted, corrupt and scanned files are errors."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ingest.loaders.base import LoadedDocument, Section
from rag_app.errors import IngestError

if TYPE_CHECKING:
    from pypdf import PdfReader

# Far above real documents; a page tree can declare (or repeat) millions of pages. Time and memory
# are also capped for every loader by the worker that runs it (ingest.sandbox).
MAX_PAGES = 10_000


def _declared_pages(reader: PdfReader) -> int:
    """The page count the document's page tree declares (0 when it declares none)."""
    from pypdf.generic import DictionaryObject

    try:
        pages = reader.root_object["/Pages"].get_object()
        return int(pages.get("/Count", 0)) if isinstance(pages, DictionaryObject) else 0
    except (KeyError, TypeError, ValueError, AttributeError):
        return 0


def load_pdf(path: Path, data: bytes) -> LoadedDocument:
    import io

    from pypdf import PdfReader
    from pypdf.errors import LimitReachedError, PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            try:
                ok = reader.decrypt("")
            except Exception as exc:
                raise IngestError(f"{path}: encrypted PDF ({exc})") from exc
            if not ok:
                raise IngestError(f"{path}: encrypted PDF; a password is needed to read it")
        declared = _declared_pages(reader)
        if declared > MAX_PAGES:
            raise IngestError(
                f"{path}: the PDF declares {declared:,} pages; at most {MAX_PAGES:,} are read "
                "(split it into smaller files)"
            )
        if len(reader.pages) > MAX_PAGES:  # the real count, before any text is extracted
            raise IngestError(
                f"{path}: the PDF has {len(reader.pages):,} pages; at most {MAX_PAGES:,} are read "
                "(split it into smaller files)"
            )
        sections = []
        for number, page in enumerate(reader.pages, start=1):
            text = page.extract_text() or ""
            if text.strip():
                sections.append(Section(text, page=number))
        meta_title = (reader.metadata.title if reader.metadata else None) or ""
    except IngestError:
        raise
    except LimitReachedError as exc:  # pypdf's own guards (page tree, stream sizes)
        raise IngestError(f"{path}: the PDF is over a safety limit of the PDF reader ({exc})") from exc
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, OSError) as exc:
        raise IngestError(f"{path}: corrupt or truncated PDF ({type(exc).__name__}: {exc})") from exc
    if not sections:
        raise IngestError(
            f"{path}: the PDF has no text layer (scanned images need OCR, which is not supported)"
        )
    return LoadedDocument(path, str(meta_title).strip() or path.stem, sections)
